package replay

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/monitord/monitord/internal/impact"
)

// maxTitle bounds a headline or alert title in the report.
const maxTitle = 110

// Write prints the report: a summary, the alerts that would fire and the
// impact table of every matched story. Times are in global.timezone.
func (r *Result) Write(w io.Writer) error {
	p := &printer{w: w, loc: r.Location}
	if p.loc == nil {
		p.loc = time.UTC
	}
	st := r.Stats
	p.printf("Simulated %s to %s\n", p.stamp(r.From), p.stamp(r.Until))
	p.printf("Recording: %s in %s; %s (%d matched, %s, %d too old); %s\n",
		plural(st.Quotes, "quote"), plural(st.QuotePolls, "poll"), plural(st.Stories, "story"), st.Matched,
		plural(st.Duplicates, "duplicate"), st.TooOld, plural(st.Polls, "source poll"))
	if st.IgnoredQuotes > 0 {
		p.printf("Ignored: %s of symbols the configuration does not poll: %s\n",
			plural(st.IgnoredQuotes, "quote"), strings.Join(st.IgnoredSymbols, ", "))
	}
	if st.IgnoredPolls > 0 {
		p.printf("Ignored: %s of sources the configuration does not have: %s\n",
			plural(st.IgnoredPolls, "source poll"), strings.Join(st.IgnoredSources, ", "))
	}
	p.printf("\n")
	p.alerts(r)
	p.impact(r.Events)
	return p.err
}

// printer writes the report and keeps the first write error.
type printer struct {
	w   io.Writer
	loc *time.Location
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) alerts(r *Result) {
	listed, refreshes := 0, 0
	for _, f := range r.Alerts {
		if f.Refresh {
			refreshes++
		} else {
			listed++
		}
	}
	switch {
	case r.Receivers != nil:
		p.printf("Alerts: %d, sent to the configured receivers\n", listed)
	default:
		p.printf("Alerts that would fire: %d (no receiver was called)\n", listed)
	}
	if listed > 0 {
		tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "TIME\tRULE\tKIND\tSTATUS\tSYMBOLS\tRECEIVERS\tTITLE")
		for _, f := range r.Alerts {
			if f.Refresh {
				continue
			}
			a := &f.Alert
			symbols := strings.Join(a.Symbols, ",")
			if a.Source != "" {
				symbols = "source " + a.Source
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.stamp(f.At), a.Rule, a.Kind, a.Status,
				orDash(symbols), strings.Join(f.Receivers, ","), clip(a.Title, maxTitle))
		}
		p.flush(tw)
	}
	if refreshes > 0 {
		p.printf("(%d refreshes of firing alerts to Alertmanager not listed)\n", refreshes)
	}
	for _, s := range r.Receivers {
		p.printf("receiver %s (%s): %d undelivered, last result %q\n", s.Name, s.Integration, s.Depth, s.LastResult)
	}
	p.printf("\n")
}

func (p *printer) impact(events []impact.Event) {
	p.printf("News impact: %d stories; moves from the reference price, raw (abnormal: minus the benchmark's move)\n", len(events))
	for i := range events {
		ev := &events[i]
		p.printf("\n%s  %s\n", p.stamp(ev.Time), clip(ev.Title, maxTitle))
		p.printf("  feeds %s; groups %s; terms %s\n", orDash(strings.Join(ev.Sources, ", ")),
			orDash(strings.Join(ev.Groups, ", ")), orDash(strings.Join(ev.Terms, ", ")))
		tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
		header := "  TICKER\tBENCHMARK\tREFERENCE"
		if len(ev.Impacts) > 0 {
			for _, h := range ev.Impacts[0].Horizons {
				header += "\t" + h.Name
			}
		}
		fmt.Fprintln(tw, header)
		for _, im := range ev.Impacts {
			row := fmt.Sprintf("  %s\t%s\t%s", im.Ticker, orDash(im.Benchmark), p.reference(&im, ev.Time))
			for j := range im.Horizons {
				row += "\t" + horizonCell(&im.Horizons[j])
			}
			fmt.Fprintln(tw, row)
		}
		p.flush(tw)
	}
}

func (p *printer) flush(tw *tabwriter.Writer) {
	if err := tw.Flush(); err != nil && p.err == nil {
		p.err = err
	}
}

// reference describes the price moves are measured from: its value and
// when it stands (the next open for a story out of session), with the
// date only when it is not the story's.
func (p *printer) reference(im *impact.Impact, story time.Time) string {
	ref := &im.Reference
	at := ref.At.In(p.loc)
	when := at.Format("15:04")
	if y, m, d := at.Date(); y != story.In(p.loc).Year() || m != story.In(p.loc).Month() || d != story.In(p.loc).Day() {
		when = at.Format("2006-01-02 15:04")
	}
	if im.AfterHours {
		when = "next open " + when
	}
	switch ref.Status {
	case impact.StatusMeasured:
		return money(ref.Price) + " at " + when
	case impact.StatusNoData:
		return "no data at " + when
	}
	return "pending (" + when + ")"
}

// horizonCell is one horizon's move: "+4.31% (+4.26%)" with the abnormal
// move in parentheses when a benchmark applies, "pending" while its time
// has not come or its price may still arrive, "no data" when none did.
func horizonCell(h *impact.Horizon) string {
	switch {
	case h.Status == impact.StatusNoData:
		return "no data"
	case h.Status != impact.StatusMeasured || h.MovePct == nil:
		return "pending"
	case h.AbnormalPct != nil:
		return fmt.Sprintf("%+.2f%% (%+.2f%%)", *h.MovePct, *h.AbnormalPct)
	case h.BenchmarkMissing:
		return fmt.Sprintf("%+.2f%% (no benchmark price)", *h.MovePct)
	}
	return fmt.Sprintf("%+.2f%%", *h.MovePct)
}

// stamp writes t as a date and time in the report's zone, with seconds
// only when there are some.
func (p *printer) stamp(t time.Time) string {
	t = t.In(p.loc)
	if t.Second() != 0 {
		return t.Format("2006-01-02 15:04:05 MST")
	}
	return t.Format("2006-01-02 15:04 MST")
}

// plural writes "1 story", "2 stories", "0 quotes".
func plural(n int, noun string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "y"):
		return fmt.Sprintf("%d %sies", n, noun[:len(noun)-1])
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func money(v float64) string {
	if math.Abs(v) < 1 {
		return fmt.Sprintf("$%.4f", v)
	}
	return fmt.Sprintf("$%.2f", v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
