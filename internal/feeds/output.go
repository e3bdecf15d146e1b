package feeds

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteStories writes the matched stories as a table for `monitord once`:
// when each was published (UTC; "~" marks a first-seen time standing in for
// a missing date), the tickers it concerns, the groups and terms that
// matched, the headline and the sources that carried it. Unmatched stories
// are left out and counted in a closing line.
func WriteStories(w io.Writer, stories []Story) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PUBLISHED\tTICKERS\tMATCHED\tHEADLINE\tSOURCES")
	matched := 0
	for i := range stories {
		s := &stories[i]
		if !s.Matched() {
			continue
		}
		matched++
		when := s.Published.UTC().Format("2006-01-02 15:04")
		if s.PublishedEstimated {
			when = "~" + when
		}
		tickers := strings.Join(s.Tickers, ",")
		if tickers == "" {
			tickers = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", when, tickers, matchedTerms(s), oneLine(s.Title, 100), sourceNames(s))
	}
	if matched == 0 {
		fmt.Fprintln(tw, "(no matched headlines)")
	}
	if n := len(stories) - matched; n > 0 {
		fmt.Fprintf(tw, "(%d new headline(s) matched no keyword group)\n", n)
	}
	return tw.Flush()
}

// matchedTerms renders "rare_earth: NdPr, rare earth; policy: tariff".
func matchedTerms(s *Story) string {
	parts := make([]string, 0, len(s.Match.Groups))
	for _, g := range s.Match.Groups {
		parts = append(parts, g.Name+": "+strings.Join(g.Terms, ", "))
	}
	return strings.Join(parts, "; ")
}

func sourceNames(s *Story) string {
	names := make([]string, 0, len(s.Sources))
	for _, r := range s.Sources {
		names = append(names, r.Feed)
	}
	return strings.Join(names, ",")
}

// oneLine keeps a headline on one table row: tabs and newlines would break
// the columns.
func oneLine(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
	return truncateRunes(s, n)
}
