package match

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/monitord/monitord/internal/config"
)

// refMatcher is the slow, obviously correct matcher the fuzz tests hold
// the Matcher to. It follows the rules in the package documentation
// literally: clean the whole text with regular expressions, fold each word
// with string functions, and look for every phrase, exchange form and
// cashtag with plain string comparisons.
type refMatcher struct {
	groups  map[string]config.KeywordGroup
	tickers []config.Ticker // sorted by symbol
	markup  *regexp.Regexp  // an HTML tag, or an entity with its body in group 1
	word    *regexp.Regexp  // a word: letters and digits, apostrophes only inside
	code    *regexp.Regexp  // a word written as a ticker code
	cache   map[string]string
}

func newRefMatcher(groups map[string]config.KeywordGroup, tickers []config.Ticker) *refMatcher {
	ts := append([]config.Ticker(nil), tickers...)
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Symbol < ts[j].Symbol })
	return &refMatcher{
		groups:  groups,
		tickers: ts,
		markup:  regexp.MustCompile(`<[A-Za-z/!][^<>]*>|&(?:amp;)*(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});`),
		word:    regexp.MustCompile(`[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*`),
		code:    regexp.MustCompile(`^[A-Z][A-Z0-9]*$`),
		cache:   map[string]string{},
	}
}

// refWord is a word of cleaned text.
type refWord struct {
	raw    string // as written, apostrophes made straight
	folded string
	sep    string // the cleaned text between the previous word and this one
}

// words cleans s and splits it into words.
func (rm *refMatcher) words(s string) []refWord {
	s = norm.NFKD.String(s)
	s = rm.markup.ReplaceAllStringFunc(s, func(m string) string {
		body := rm.markup.FindStringSubmatch(m)[1]
		var v int64 = -1
		switch {
		case body == "apos" || body == "rsquo" || body == "lsquo":
			return "'"
		case strings.HasPrefix(body, "#x") || strings.HasPrefix(body, "#X"):
			v, _ = strconv.ParseInt(body[2:], 16, 64)
		case strings.HasPrefix(body, "#"):
			v, _ = strconv.ParseInt(body[1:], 10, 64)
		}
		if v == '\'' || v == '\u2018' || v == '\u2019' || v == '\u02BC' {
			return "'"
		}
		return " "
	})
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.Is(unicode.M, r):
			return -1
		case r == '\u2018' || r == '\u2019' || r == '\u02BC':
			return '\''
		}
		return r
	}, s)
	var out []refWord
	prev := 0
	for _, loc := range rm.word.FindAllStringIndex(s, -1) {
		raw := s[loc[0]:loc[1]]
		out = append(out, refWord{raw: raw, folded: refFold(raw), sep: s[prev:loc[0]]})
		prev = loc[1]
	}
	return out
}

// refFold folds one word as foldWord does, with string functions.
func refFold(w string) string {
	w = strings.ToLower(w)
	w = strings.TrimSuffix(w, "'s")
	w = strings.ReplaceAll(w, "'", "")
	if len(w) >= 5 {
		for _, suf := range []string{"sses", "xes", "zes", "ches", "shes"} {
			if strings.HasSuffix(w, suf) {
				return w[:len(w)-2]
			}
		}
	}
	if len(w) >= 4 && strings.HasSuffix(w, "s") &&
		!strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is") {
		return w[:len(w)-1]
	}
	return w
}

// phrase returns the folded words of s between spaces, so that
// strings.Contains finds it only as whole words.
func (rm *refMatcher) phrase(s string) string {
	if p, ok := rm.cache[s]; ok {
		return p
	}
	var b strings.Builder
	b.WriteString(" ")
	for _, w := range rm.words(s) {
		b.WriteString(w.folded + " ")
	}
	if len(rm.cache) < 1000 {
		rm.cache[s] = b.String()
	}
	return b.String()
}

// resolve returns the watched symbol for code on an exchange with the
// given Yahoo suffix, or "".
func (rm *refMatcher) resolve(code, suffix string) string {
	for _, t := range rm.tickers {
		if suffix != "" && t.Symbol == code+suffix {
			return t.Symbol
		}
	}
	for _, t := range rm.tickers {
		if t.Symbol == code {
			return t.Symbol
		}
	}
	for _, t := range rm.tickers {
		if i := strings.LastIndex(t.Symbol, "."); i > 0 && t.Symbol[:i] == code {
			return t.Symbol
		}
	}
	return ""
}

// exchangeForms returns the symbols named as "EXCHANGE: CODE" in ws.
func (rm *refMatcher) exchangeForms(ws []refWord) []string {
	var out []string
	for _, ex := range exchanges() {
		name := strings.Fields(rm.phrase(ex.name))
		for k := len(name); k < len(ws); k++ {
			match := strings.TrimSpace(ws[k].sep) == ":" && rm.code.MatchString(ws[k].raw)
			for j, n := range name {
				match = match && ws[k-len(name)+j].folded == n
			}
			if match {
				if sym := rm.resolve(ws[k].raw, ex.suffix); sym != "" {
					out = append(out, sym)
				}
			}
		}
	}
	return out
}

// cashtags returns the symbols named as "$CODE" in ws.
func (rm *refMatcher) cashtags(ws []refWord) []string {
	var out []string
	for k, w := range ws {
		if strings.HasSuffix(w.sep, "$") && (len(w.sep) >= 2 || k == 0) && rm.code.MatchString(w.raw) {
			if sym := rm.resolve(w.raw, ""); sym != "" {
				out = append(out, sym)
			}
		}
	}
	return out
}

// Match is Matcher.Match, slowly.
func (rm *refMatcher) Match(title, summary string, native []string) Result {
	titleWords, summaryWords := rm.words(title), rm.words(summary)
	fields := []string{rm.phrase(title), rm.phrase(summary)}
	// in returns the fields (1 title, 2 summary) holding the phrase s.
	in := func(s string) uint8 {
		p, b := rm.phrase(s), uint8(0)
		for i, f := range fields {
			if strings.Contains(f, p) {
				b |= 1 << i
			}
		}
		return b
	}
	weightOf := func(b uint8) float64 {
		switch {
		case b&1 != 0:
			return 2
		case b != 0:
			return 1
		}
		return 0
	}

	var r Result
	names := make([]string, 0, len(rm.groups))
	for name := range rm.groups {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		kg := rm.groups[name]
		ok := len(kg.Any) > 0 || len(kg.All) > 0
		if len(kg.Any) > 0 {
			found := false
			for _, s := range kg.Any {
				found = found || in(s) != 0
			}
			ok = ok && found
		}
		for _, s := range kg.All {
			ok = ok && in(s) != 0
		}
		for _, s := range kg.None {
			ok = ok && in(s) == 0
		}
		if !ok {
			continue
		}
		hit := GroupHit{Name: name}
		seen := map[string]bool{}
		for _, s := range append(append([]string(nil), kg.Any...), kg.All...) {
			if p := rm.phrase(s); !seen[p] {
				seen[p] = true
				if b := in(s); b != 0 {
					hit.Terms = append(hit.Terms, s)
					r.Score += weightOf(b)
				}
			}
		}
		r.Groups = append(r.Groups, hit)
	}

	for _, t := range rm.tickers {
		var isNative bool
		for _, n := range native {
			n = strings.TrimSpace(n)
			switch {
			case n == "":
			case strings.Trim(n, "0123456789") == "":
				isNative = isNative || (t.CIK != "" && strings.TrimLeft(n, "0") == strings.TrimLeft(t.CIK, "0"))
			case strings.ToUpper(n) == t.Symbol && n == strings.Map(asciiOnly, n):
				isNative = true
			default:
				isNative = isNative || contains(rm.exchangeForms(rm.words(n)), t.Symbol)
			}
		}
		var cashtag, exchange, alias uint8
		vetoed := false
		for i, ws := range [][]refWord{titleWords, summaryWords} {
			if contains(rm.cashtags(ws), t.Symbol) {
				cashtag |= 1 << i
			}
			if contains(rm.exchangeForms(ws), t.Symbol) {
				exchange |= 1 << i
			}
		}
		for _, a := range t.Aliases {
			alias |= in(a)
		}
		for _, e := range t.Exclude {
			vetoed = vetoed || in(e) != 0
		}
		if vetoed {
			exchange, alias = 0, 0
		}
		var how string
		switch {
		case isNative:
			how = HowNative
		case cashtag != 0:
			how = HowCashtag
		case exchange != 0:
			how = HowExchange
		case alias != 0:
			how = HowAlias
		default:
			continue
		}
		r.Tickers = append(r.Tickers, TickerHit{Symbol: t.Symbol, How: how})
		if named := cashtag | exchange | alias; named != 0 {
			r.Score += weightOf(named)
		} else {
			r.Score += 0.5
		}
	}
	return r
}

// asciiOnly maps non-ASCII runes to -1 so that comparing a string with its
// mapping tells whether it is ASCII.
func asciiOnly(r rune) rune {
	if r >= unicode.MaxASCII+1 {
		return -1
	}
	return r
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
