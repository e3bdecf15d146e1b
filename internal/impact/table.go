package impact

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable prints events as a readable table for `monitord once`: one row
// per story and ticker with the reference price and each horizon measured
// so far (abnormal move, or the raw move marked "raw" when no benchmark
// applies), "…" for a horizon still to come and "n/a" for no data.
func WriteTable(w io.Writer, events []Event) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var names []string
	for _, ev := range events {
		for _, im := range ev.Impacts {
			for _, h := range im.Horizons {
				if !slices.Contains(names, h.Name) {
					names = append(names, h.Name)
				}
			}
		}
	}
	fmt.Fprintf(tw, "TIME\tTICKER\tREFERENCE\t%s\tHEADLINE\n", strings.ToUpper(strings.Join(names, "\t")))
	rows := 0
	for _, ev := range events {
		for _, im := range ev.Impacts {
			rows++
			ref := "n/a"
			if im.Reference.Status == StatusMeasured {
				ref = fmt.Sprintf("%.2f", im.Reference.Price)
			} else if im.Reference.Status == StatusPending {
				ref = "…"
			}
			if im.AfterHours {
				ref += " (open)"
			}
			cells := make([]string, len(names))
			for i, n := range names {
				cells[i] = "-"
				for _, h := range im.Horizons {
					if h.Name == n {
						cells[i] = horizonCell(h)
					}
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ev.Time.UTC().Format(time.DateTime[:16]), im.Ticker, ref,
				strings.Join(cells, "\t"), truncate(ev.Title, 70))
		}
	}
	if rows == 0 {
		fmt.Fprintln(tw, "(no matched story concerning a watched ticker)")
	}
	return tw.Flush()
}

func horizonCell(h Horizon) string {
	switch h.Status {
	case StatusPending:
		return "…"
	case StatusNoData:
		return "n/a"
	}
	move, raw, ok := h.effectiveMove()
	if !ok {
		return "n/a"
	}
	s := fmt.Sprintf("%+.1f%%", move)
	if raw {
		s += " raw"
	}
	return s
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
