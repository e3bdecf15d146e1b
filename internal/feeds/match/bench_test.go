package match

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/monitord/monitord/internal/config"
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

// latinGroups returns groups without their CJK terms: the configuration
// before CJK terms were allowed.
func latinGroups(groups map[string]config.KeywordGroup) map[string]config.KeywordGroup {
	latin := func(terms []string) []string {
		var out []string
		for _, t := range terms {
			if !strings.ContainsFunc(t, refIsCJK) {
				out = append(out, t)
			}
		}
		return out
	}
	out := map[string]config.KeywordGroup{}
	for name, g := range groups {
		g = config.KeywordGroup{Any: latin(g.Any), All: latin(g.All), None: latin(g.None)}
		if len(g.Any)+len(g.All) > 0 {
			out[name] = g
		}
	}
	return out
}

// alternation is the regular expression a matcher written the obvious way
// would use: every keyword term and alias, Latin ones as whole words, CJK
// ones anywhere, case-insensitive.
func alternation(groups map[string]config.KeywordGroup, tickers []config.Ticker) *regexp.Regexp {
	var latin, cjk []string
	add := func(t string) {
		if strings.ContainsFunc(t, refIsCJK) {
			cjk = append(cjk, regexp.QuoteMeta(t))
		} else {
			latin = append(latin, regexp.QuoteMeta(t))
		}
	}
	for _, g := range groups {
		for _, l := range [][]string{g.Any, g.All, g.None} {
			for _, t := range l {
				add(t)
			}
		}
	}
	for _, t := range tickers {
		for _, a := range append(t.Aliases, t.AliasesAnyCase...) {
			add(a)
		}
	}
	expr := `(?i)\b(` + strings.Join(latin, "|") + `)\b`
	if len(cjk) > 0 {
		expr += "|" + strings.Join(cjk, "|")
	}
	return regexp.MustCompile(expr)
}

// matcherPasses is how many passes over the headlines the Matcher makes
// in a turn of the vs-regexp benchmarks for the regexp's one: turns of
// about the same length, so that both meet the same load on a busy
// machine, and long enough that neither pays much for finding the
// caches full of the other's data.
const matcherPasses = 64

// BenchmarkMatch measures Match, the daemon's path, over the headline
// table, with the keyword groups of the tests without their CJK terms
// (latin) and with them (cjk); one op is one headline (title and summary).
// The regexp only finds terms; the Matcher also folds Unicode, evaluates
// groups and tags tickers.
//
// The vs-regexp benchmarks time the Matcher and a regexp alternation over
// the same terms and headlines in turns (see matcherPasses), and report
// the ratio of their times per headline (x-regexp): measured in the same
// run and interleaved, it holds on a busy machine where ns/op does not.
// Their allocations, with -benchmem, are the regexp's: the matcher
// benchmarks show the Matcher's.
//
//	go test -run '^$' -bench . -benchmem ./internal/feeds/match/
func BenchmarkMatch(b *testing.B) {
	for _, cfg := range []struct {
		name   string
		groups map[string]config.KeywordGroup
	}{{"latin", latinGroups(testGroups())}, {"cjk", testGroups()}} {
		m, err := New(cfg.groups, testTickers())
		if err != nil {
			b.Fatal(err)
		}
		re := alternation(cfg.groups, testTickers())
		for _, set := range []struct {
			name    string
			noMatch bool
		}{{"all", false}, {"nomatch", true}} {
			items := benchItems(set.noMatch, m)
			b.Run(cfg.name+"/"+set.name+"/matcher", func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					it := items[i%len(items)]
					m.Match(it[0], it[1], nil)
					i++
				}
			})
			b.Run(cfg.name+"/"+set.name+"/regexp", func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					it := items[i%len(items)]
					re.FindAllStringIndex(it[0], -1)
					re.FindAllStringIndex(it[1], -1)
					i++
				}
			})
			b.Run(cfg.name+"/"+set.name+"/vs-regexp", func(b *testing.B) {
				var matcher, regexp time.Duration
				var mItems, rItems int
				for b.Loop() {
					start := time.Now()
					for range matcherPasses {
						for _, it := range items {
							m.Match(it[0], it[1], nil)
						}
					}
					matcher += time.Since(start)
					mItems += matcherPasses * len(items)
					start = time.Now()
					for _, it := range items {
						re.FindAllStringIndex(it[0], -1)
						re.FindAllStringIndex(it[1], -1)
					}
					regexp += time.Since(start)
					rItems += len(items)
				}
				mNs := float64(matcher.Nanoseconds()) / float64(mItems)
				rNs := float64(regexp.Nanoseconds()) / float64(rItems)
				b.ReportMetric(0, "ns/op")
				b.ReportMetric(mNs, "matcher-ns/item")
				b.ReportMetric(rNs, "regexp-ns/item")
				b.ReportMetric(rNs/mNs, "x-regexp")
			})
		}
	}
}
