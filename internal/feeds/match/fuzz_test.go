package match

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/monitord/monitord/internal/config"
)

// TestReference holds the reference matcher to the headline table, so that
// the fuzz tests compare the Matcher with something known to be right.
func TestReference(t *testing.T) {
	rm := newRefMatcher(testGroups(), testTickers())
	m := newTestMatcher(t)
	for _, h := range headlines() {
		got := rm.Match(h.title, h.summary, h.native)
		want := Result{Groups: h.groups, Tickers: h.tickers}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(Result{}, "Score")); diff != "" {
			t.Errorf("reference Match(%q) (-want +got):\n%s", h.title, diff)
		}
		if diff := cmp.Diff(got, m.Match(h.title, h.summary, h.native), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Match(%q) differs from the reference (-reference +matcher):\n%s", h.title, diff)
		}
	}
}

// FuzzMatch checks that the Matcher never panics and agrees with the
// reference on arbitrary headlines, summaries and native tags (joined by
// '|' in the fuzz input).
func FuzzMatch(f *testing.F) {
	for _, h := range headlines() {
		f.Add(h.title, h.summary, strings.Join(h.native, "|"))
	}
	for _, s := range []string{
		"rare&amp;amp;nbsp;earth&#x2019;s <a href='x'>NdPr</a> &rsquo;s",
		"$MP US$MP $$MP ($NB) (NYSE : MP) (NYSE::MP) (TSX-V: UCU) NYSE American:TMQ",
		"Ｍ́Ｐ Ｍａｔｅｒｉａｌｓ （ＮＹＳＥ：ＭＰ） rare earth'\u0301s",
		"\xff\xfe rare \xc3 earth <b <i>x</i> &#99999999; &amp",
		"o'neill's ''quoted'' rock'n'roll earths' taxes batches",
		"rare e" + strings.Repeat("\u0301", 40) + "arth NdPr\u034f NYSE:\u0301MP $\u0301MP",
		strings.Repeat("rare earth (NYSE: MP) $LAC Lithium Americas (Argentina) ", 200),
		"稀 土 稀，土 稀&nbsp;土 稀<b>土</b>稀\u0301土 稀'土 稀$土 ｶﾞﾘｳﾑ ｶﾘｳﾑ ガ\u3099 가각 \u1100\u1161\u11a8",
		"MP Materials稀土 稀土MP Materials ＭＰ　Ｍａｔｅｒｉａｌｓ mp materials 出口管制NdPr两用物项",
		"ENERGY FUELS energy fuels Energy Fuels' ENERGY fuels Energy FUELS ÉNERGY Fuels CRITICAL METALS CORP",
		"UCORE ucore Ucore's O'Neill's Energy Fuel's " + strings.Repeat("X", 70) + " " + strings.Repeat("x", 70),
	} {
		f.Add(s, s, "NYSE:MP|1801368")
	}
	m, err := New(testGroups(), testTickers())
	if err != nil {
		f.Fatal(err)
	}
	rm := newRefMatcher(testGroups(), testTickers())
	f.Fuzz(func(t *testing.T, title, summary, native string) {
		var tags []string
		if native != "" {
			tags = strings.Split(native, "|")
		}
		got, want := m.Match(title, summary, tags), rm.Match(title, summary, tags)
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Match(%q, %q, %q) (-reference +matcher):\n%s", title, summary, tags, diff)
		}
	})
}

// FuzzTerms checks the compiler with arbitrary terms and aliases: one term
// is a keyword, an exclusion, an alias (as written, and in any case) of a
// ticker that is also on an exchange, and the Matcher must agree with the
// reference on any text.
func FuzzTerms(f *testing.F) {
	f.Add("rare earth", "Rare-Earths (NYSE: RE) rare earth's")
	f.Add("Nasdaq", "Nasdaq: RE and nasdaq")
	f.Add("TSX-V", "TSX V: RE, (TSXV: RE) tsx-v")
	f.Add("&amp;nbsp;", "x")
	f.Add("ＮｄＰｒ", "ndpr NdPr Nd-Pr")
	f.Add("稀土", "稀　土 稀，土 依稀土地 稀土")
	f.Add("稀 土", "稀土 稀 土")
	f.Add("Energy Fuels", "energy fuels ENERGY FUELS Energy Fuels' ENERGY FUELS RISE")
	f.Add("ｶﾞﾘｳﾑ", "ガリウム カリウム")
	f.Add("MP 稀土", "MP稀土 MP，稀土 mp 稀土")
	f.Add("earth 土", "稀 earth 土 earth土 稀earth 土")
	f.Add("土 Earth", "稀土 Earth 土 EARTH 土earth 土 earths")
	f.Fuzz(func(t *testing.T, term, text string) {
		groups := map[string]config.KeywordGroup{
			"a": {Any: []string{term, "earth"}},
			"b": {All: []string{"earth", term}},
			"c": {Any: []string{"earth"}, None: []string{term}},
		}
		tickers := []config.Ticker{
			{Symbol: "RE", Aliases: []string{term}},
			{Symbol: "RE.V", Aliases: []string{"earth"}, Exclude: []string{term}},
			{Symbol: "RF", Aliases: []string{"Earth", term}, AliasesAnyCase: []string{term}},
		}
		m, err := New(groups, tickers)
		if err != nil {
			if !strings.Contains(err.Error(), "has no letters or digits") {
				t.Fatalf("New(%q): %v", term, err)
			}
			return
		}
		rm := newRefMatcher(groups, tickers)
		got, want := m.Match(text, term, nil), rm.Match(text, term, nil)
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("term %q: Match(%q) (-reference +matcher):\n%s", term, text, diff)
		}
	})
}

// fragments are the pieces TestFragments builds text from: words of the
// test configuration in every case, CJK characters of its terms and their
// neighbours, full-width and half-width forms, and the separators,
// apostrophes, marks and markup the rules treat specially.
var fragments = []string{
	"rare", "Rare", "RARE", "earth", "Earths", "earth's", "稀", "土", "稀土", "出口", "管制", "两用", "物项",
	"レア", "アース", "ー", "ｶﾞﾘｳﾑ", "ガ", "カ", "リウム", "희토류", "를", "가", "\u1100\u1161",
	"Energy", "energy", "ENERGY", "Fuels", "fuels", "FUELS", "MP", "mp", "Materials", "MATERIALS",
	"Ucore", "ucore", "Critical", "Metals", "Corp", "NdPr", "O", "s", "es", "NYSE", "Nasdaq", "TSXV", "UCU",
	"ＭＰ", "Ｍａｔｅｒｉａｌｓ", "（", "）", "：", "＄", "$", ":", " ", "  ", "，", "、", "　", "\u00a0",
	"-", "’", "'", "&nbsp;", "&rsquo;", "<b>", "</b>", "\u0301", "\u3099", "é", "—", "2025", "年",
	"(", ")", ",", ".", "!", "\t", "$$", "US$", "LYC", "ASX", "TSX",
}

// TestFragments holds the Matcher to the reference on text built from
// fragments, which reaches the combinations of CJK characters, Latin
// words, case and separators more often than the fuzzer's byte mutations.
func TestFragments(t *testing.T) {
	m, rm := newTestMatcher(t), newRefMatcher(testGroups(), testTickers())
	rnd := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if testing.Short() {
		n = 300
	}
	text := func() string {
		var b strings.Builder
		for range 1 + rnd.IntN(12) {
			b.WriteString(fragments[rnd.IntN(len(fragments))])
		}
		return b.String()
	}
	for range n {
		title, summary := text(), text()
		got, want := m.Match(title, summary, nil), rm.Match(title, summary, nil)
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Match(%q, %q) (-reference +matcher):\n%s", title, summary, diff)
		}
	}
}
