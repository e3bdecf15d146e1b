package match

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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

// refIsCJK is the documented set of CJK characters: letters and numbers of
// the Han, Hiragana, Katakana, Hangul and Bopomofo scripts and of the CJK
// Symbols and Punctuation block, and the prolonged sound mark.
func refIsCJK(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsNumber(r)) &&
		(unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo) ||
			0x3000 <= r && r <= 0x303F || r == 'ー')
}

// refNormalize is NFKC, then NFD of every character but CJK ones.
func refNormalize(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKC.String(s) {
		if refIsCJK(r) {
			b.WriteRune(r)
		} else {
			b.WriteString(norm.NFD.String(string(r)))
		}
	}
	return b.String()
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
	cjk    bool   // a CJK character
	// broken is set on a CJK character after another with something but
	// white space between them.
	broken bool
	// cased is folded with the capitals of its first 64 letters marked.
	cased string
}

// clean normalises s, reads HTML leftovers as spaces or apostrophes, drops
// combining marks and makes apostrophes straight.
func (rm *refMatcher) clean(s string) string {
	s = refNormalize(s)
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
	return s
}

// inCapitals reports whether more letters of s are capitals than lower
// case.
func (rm *refMatcher) inCapitals(s string) bool {
	upper, lower := 0, 0
	for _, r := range rm.clean(s) {
		switch {
		case unicode.IsUpper(r):
			upper++
		case unicode.IsLower(r):
			lower++
		}
	}
	return upper > lower
}

// words cleans s and splits it into words: each CJK character is one, and
// the text between CJK characters splits into words as any other.
func (rm *refMatcher) words(s string) []refWord {
	s = rm.clean(s)
	var out []refWord
	prev := 0 // where the last word ends
	add := func(start, end int, cjk bool) {
		raw, sep := s[start:end], s[prev:start]
		w := refWord{raw: raw, folded: raw, sep: sep, cjk: cjk, cased: raw + "#0"}
		if !cjk {
			w.folded, w.cased = refFold(raw), refCased(raw)
		}
		w.broken = cjk && len(out) > 0 && out[len(out)-1].cjk && strings.TrimFunc(sep, unicode.IsSpace) != ""
		out = append(out, w)
		prev = end
	}
	latin := func(from, to int) {
		for _, loc := range rm.word.FindAllStringIndex(s[from:to], -1) {
			add(from+loc[0], from+loc[1], false)
		}
	}
	from := 0 // where the text not yet split starts
	for i, r := range s {
		if refIsCJK(r) {
			latin(from, i)
			from = i + utf8.RuneLen(r)
			add(i, from, true)
		}
	}
	latin(from, len(s))
	return out
}

// refCased returns the folded form of the word raw with the capitals among
// its first 64 letters marked, as a bit mask after a '#'.
func refCased(raw string) string {
	folded := refFold(raw)
	letters := []rune(strings.ReplaceAll(raw, "'", ""))
	var mask uint64
	for i := 0; i < utf8.RuneCountInString(folded) && i < 64; i++ {
		if unicode.IsUpper(letters[i]) {
			mask |= 1 << i
		}
	}
	return folded + "#" + strconv.FormatUint(mask, 2)
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
// strings.Contains finds it only as whole words; CJK characters that are
// not together are apart by " | ".
func (rm *refMatcher) phrase(s string) string { return rm.render(s, false) }

// casedPhrase is phrase with the capitals of every word marked.
func (rm *refMatcher) casedPhrase(s string) string { return rm.render(s, true) }

func (rm *refMatcher) render(s string, cased bool) string {
	key := fmt.Sprint(cased, s)
	if p, ok := rm.cache[key]; ok {
		return p
	}
	var b strings.Builder
	b.WriteString(" ")
	for _, w := range rm.words(s) {
		if w.broken {
			b.WriteString("| ")
		}
		if cased {
			b.WriteString(w.cased + " ")
		} else {
			b.WriteString(w.folded + " ")
		}
	}
	if len(rm.cache) < 1000 {
		rm.cache[key] = b.String()
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
	cased := []string{rm.casedPhrase(title), rm.casedPhrase(summary)}
	capitals := []bool{rm.inCapitals(title), rm.inCapitals(summary)}
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
	// inAsWritten returns the fields holding the phrase s capitalised as
	// written, or in any case in a field written in capitals.
	inAsWritten := func(s string) uint8 {
		p, b := rm.casedPhrase(s), in(s)
		for i, f := range cased {
			if !capitals[i] && !strings.Contains(f, p) {
				b &^= 1 << i
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
			alias |= inAsWritten(a)
		}
		for _, a := range t.AliasesAnyCase {
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
