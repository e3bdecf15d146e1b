package match

import (
	"regexp"
	"strings"
	"testing"
)

// benchSummary stands in for the summary of headlines that have none: wire
// and Yahoo items carry a sentence or two.
const benchSummary = "Shares moved in early trading as investors weighed the latest supply news " +
	"and the outlook for prices in the second half of the year, analysts said on Tuesday."

// benchItems returns the headline table as title and summary pairs.
func benchItems(noMatch bool, m *Matcher) [][2]string {
	var out [][2]string
	for _, h := range headlines() {
		s := h.summary
		if s == "" {
			s = benchSummary
		}
		if noMatch {
			if r := m.Match(h.title, s, nil); r.Matched() || len(r.Tickers) > 0 {
				continue
			}
		}
		out = append(out, [2]string{h.title, s})
	}
	return out
}

// alternation is the regular expression a matcher written the obvious way
// would use: every keyword term and alias, whole words, case-insensitive.
func alternation() *regexp.Regexp {
	var terms []string
	for _, g := range testGroups() {
		for _, l := range [][]string{g.Any, g.All, g.None} {
			for _, t := range l {
				terms = append(terms, regexp.QuoteMeta(t))
			}
		}
	}
	for _, t := range testTickers() {
		for _, a := range t.Aliases {
			terms = append(terms, regexp.QuoteMeta(a))
		}
	}
	return regexp.MustCompile(`(?i)\b(` + strings.Join(terms, "|") + `)\b`)
}

// BenchmarkMatch compares the Matcher with a regexp alternation over the
// same terms and headlines; one op is one headline (title and summary).
// The regexp only finds terms; the Matcher also folds Unicode, evaluates
// groups and tags tickers.
func BenchmarkMatch(b *testing.B) {
	m := newTestMatcher(b)
	re := alternation()
	for _, bc := range []struct {
		name    string
		noMatch bool
	}{{"all", false}, {"nomatch", true}} {
		items := benchItems(bc.noMatch, m)
		b.Run("matcher/"+bc.name, func(b *testing.B) {
			var r Result
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				it := items[i%len(items)]
				m.MatchInto(&r, it[0], it[1], nil)
				i++
			}
		})
		b.Run("regexp/"+bc.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				it := items[i%len(items)]
				re.FindAllStringIndex(it[0], -1)
				re.FindAllStringIndex(it[1], -1)
				i++
			}
		})
	}
}
