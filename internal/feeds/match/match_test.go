package match

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/text/unicode/norm"

	"github.com/monitord/monitord/internal/config"
)

// testGroups are the keyword groups of the embedded default configuration
// plus two that exercise all and none, and terms in Chinese, Japanese and
// Korean: rare earth (稀土, レアアース, 희토류), gallium (ガリウム), and
// the words of China's export-control notices (mofcom).
func testGroups() map[string]config.KeywordGroup {
	return map[string]config.KeywordGroup{
		"rare_earth": {
			Any: []string{"rare earth", "rare earths", "rare-earth", "neodymium", "praseodymium", "NdPr",
				"dysprosium", "terbium", "samarium", "lanthanide", "permanent magnet", "permanent magnets",
				"magnet plant", "heavy rare earth", "light rare earth", "稀土", "レアアース", "희토류"},
			None: []string{"rare earth frontier"},
		},
		"critical_minerals": {
			Any: []string{"critical minerals", "critical mineral", "lithium", "uranium", "vanadium", "niobium",
				"scandium", "gallium", "germanium", "antimony", "graphite", "cobalt", "ガリウム"},
		},
		"mofcom": {Any: []string{"出口管制", "两用物项", "管控名单", "不可靠实体"}},
		"policy": {
			Any: []string{"export controls", "export control", "export ban", "tariff", "tariffs",
				"Defense Production Act", "Department of Defense", "Pentagon", "price floor",
				"offtake", "stockpile", "Section 232"},
		},
		"china_ban":   {All: []string{"China", "export ban"}, None: []string{"lifted", "lifts"}},
		"magnet_deal": {Any: []string{"magnet", "magnets"}, All: []string{"agreement"}},
	}
}

// testTickers is the watchlist of the embedded default configuration, but
// for an alias in any case (Ucore).
func testTickers() []config.Ticker {
	return []config.Ticker{
		{Symbol: "MP", Name: "MP Materials", Aliases: []string{"MP Materials"}, CIK: "0001801368"},
		{Symbol: "TMQ", Name: "Trilogy Metals", Aliases: []string{"Trilogy Metals"}, CIK: "0001543418"},
		{Symbol: "LAC", Name: "Lithium Americas", Aliases: []string{"Lithium Americas"}, CIK: "0001966983",
			Exclude: []string{"Lithium Americas (Argentina)", "Lithium Argentina"}},
		{Symbol: "USAR", Name: "USA Rare Earth", Aliases: []string{"USA Rare Earth"}, CIK: "0001970622"},
		{Symbol: "UUUU", Name: "Energy Fuels", Aliases: []string{"Energy Fuels"}, CIK: "0001385849"},
		{Symbol: "NB", Name: "NioCorp Developments", Aliases: []string{"NioCorp", "NioCorp Developments"}, CIK: "0001512228"},
		{Symbol: "CRML", Name: "Critical Metals", Aliases: []string{"Critical Metals Corp", "Critical Metals Corp."}, CIK: "0001951089"},
		{Symbol: "UURAF", Name: "Ucore Rare Metals", Aliases: []string{"Ucore Rare Metals"}, AliasesAnyCase: []string{"Ucore"}},
		{Symbol: "LYSCF", Name: "Lynas Rare Earths", Aliases: []string{"Lynas", "Lynas Rare Earths"}},
	}
}

func newTestMatcher(t testing.TB) *Matcher {
	t.Helper()
	m, err := New(testGroups(), testTickers())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// g builds a GroupHit.
func g(name string, terms ...string) GroupHit { return GroupHit{Name: name, Terms: terms} }

// tk builds a TickerHit.
func tk(symbol, how string) TickerHit { return TickerHit{Symbol: symbol, How: how} }

func TestScore(t *testing.T) {
	m := newTestMatcher(t)
	for _, tc := range []struct {
		title, summary string
		native         []string
		want           float64
	}{
		{"MP Materials lifts NdPr output", "", nil, 2 + 2},
		{"Output rises", "NdPr output rose.", []string{"MP"}, 1 + 0.5},
		{"Mining stocks move higher", "MP Materials and Energy Fuels led gains as rare earth prices rose.", nil, 1 + 1 + 1},
		{"Rare earth and lithium prices", "Neodymium too.", nil, 2 + 2 + 1},
		// Both terms of rare_earth count, each once; the vetoed group adds nothing.
		{"Rare earth frontier: NdPr and rare earth", "", nil, 0},
		{"Nothing to see", "", nil, 0},
		{"China export ban", "", nil, 2 + 2 + 2}, // policy: export ban; china_ban: China, export ban
	} {
		if got := m.Match(tc.title, tc.summary, tc.native).Score; got != tc.want {
			t.Errorf("Match(%q, %q).Score: got %v, want %v", tc.title, tc.summary, got, tc.want)
		}
	}
}

func TestMatchIntoReuse(t *testing.T) {
	m := newTestMatcher(t)
	var r Result
	m.MatchInto(&r, "China adds heavy rare earths to export control list (NYSE: MP)", "", nil)
	kept := r.Clone()
	want := Result{
		Groups:  []GroupHit{g("policy", "export controls"), g("rare_earth", "rare earth", "heavy rare earth")},
		Tickers: []TickerHit{tk("MP", HowExchange)},
		Score:   2 + 2 + 2 + 2,
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("first MatchInto (-want +got):\n%s", diff)
	}
	m.MatchInto(&r, "Lithium prices slide", "", []string{"LAC"})
	want2 := Result{
		Groups:  []GroupHit{g("critical_minerals", "lithium")},
		Tickers: []TickerHit{tk("LAC", HowNative)},
		Score:   2 + 0.5,
	}
	if diff := cmp.Diff(want2, r); diff != "" {
		t.Errorf("second MatchInto (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, kept); diff != "" {
		t.Errorf("Clone changed by a later MatchInto (-want +got):\n%s", diff)
	}
	m.MatchInto(&r, "Nothing here", "", nil)
	if diff := cmp.Diff(Result{}, r, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("third MatchInto (-want +got):\n%s", diff)
	}
	if got, want := kept.Symbols(), []string{"MP"}; !cmp.Equal(got, want) {
		t.Errorf("Symbols: got %v, want %v", got, want)
	}
	if got, want := kept.GroupNames(), []string{"policy", "rare_earth"}; !cmp.Equal(got, want) {
		t.Errorf("GroupNames: got %v, want %v", got, want)
	}
	if got, want := m.GroupNames(), []string{"china_ban", "critical_minerals", "magnet_deal", "mofcom", "policy", "rare_earth"}; !cmp.Equal(got, want) {
		t.Errorf("Matcher.GroupNames: got %v, want %v", got, want)
	}
	if !kept.Matched() || r.Matched() {
		t.Errorf("Matched: got %v and %v, want true and false", kept.Matched(), r.Matched())
	}
}

// TestMatchShared checks that Results share their slices safely: a later
// Match leaves an earlier Result as it was, and appending to a Result's
// slices copies them.
func TestMatchShared(t *testing.T) {
	m := newTestMatcher(t)
	const title = "MP Materials lifts NdPr output"
	r1 := m.Match(title, "", nil)
	want := Result{Groups: []GroupHit{g("rare_earth", "NdPr")}, Tickers: []TickerHit{tk("MP", HowAlias)}, Score: 4}
	r2 := m.Match("MP Materials: NdPr output", "NdPr prices", nil)
	m.Match("Lithium Americas and Energy Fuels cut lithium and uranium output", "", nil)
	_ = append(r2.Groups, GroupHit{Name: "x"})
	_ = append(r2.Groups[0].Terms, "x")
	_ = append(r2.Tickers, TickerHit{Symbol: "X"})
	if diff := cmp.Diff(want, r1); diff != "" {
		t.Errorf("first Match changed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, m.Match(title, "", nil)); diff != "" {
		t.Errorf("Match again (-want +got):\n%s", diff)
	}
	if r2.Score != 2+2 || !cmp.Equal(r1.Groups, r2.Groups) {
		t.Errorf("second Match: got %+v, want the first's groups and tickers with score 4", r2)
	}
}

// TestMatchAllocs checks that Match allocates nothing for an item whose
// shape (groups, terms, tickers) it has seen, in English or in Chinese.
// It skips under the race detector; .ci/run runs it without.
func TestMatchAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop scratch space")
	}
	m := newTestMatcher(t)
	for _, h := range headlines() {
		m.Match(h.title, h.summary, h.native)
		if n := testing.AllocsPerRun(20, func() { m.Match(h.title, h.summary, h.native) }); n != 0 {
			t.Errorf("Match(%q): got %v allocations, want 0", h.title, n)
		}
	}
}

func TestNative(t *testing.T) {
	m := newTestMatcher(t)
	for _, tc := range []struct {
		native []string
		want   []string
	}{
		{[]string{"MP"}, []string{"MP"}},
		{[]string{" mp "}, []string{"MP"}},
		{[]string{"NYSE:MP", "TSX: LAC"}, []string{"LAC", "MP"}},
		{[]string{"0001385849"}, []string{"UUUU"}},
		{[]string{"1801368"}, []string{"MP"}},
		{[]string{"AAPL", "NYSE:AAPL", "0000320193", "", "Rare earth"}, nil},
		{[]string{"OTCQX:UURAF", "UURAF", "uuraf"}, []string{"UURAF"}},
	} {
		got := m.Match("", "", tc.native)
		if diff := cmp.Diff(tc.want, got.Symbols()); diff != "" {
			t.Errorf("native %q (-want +got):\n%s", tc.native, diff)
		}
		for _, h := range got.Tickers {
			if h.How != HowNative {
				t.Errorf("native %q: got how %q for %s, want %q", tc.native, h.How, h.Symbol, HowNative)
			}
		}
	}
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct {
		groups  map[string]config.KeywordGroup
		tickers []config.Ticker
		want    string
	}{
		{map[string]config.KeywordGroup{"g": {Any: []string{"ok", " -- "}}}, nil,
			`keywords.g.any[1]: " -- " has no letters or digits`},
		{nil, []config.Ticker{{Symbol: "MP", Exclude: []string{"&amp;"}}},
			`tickers[MP].exclude[0]: "&amp;" has no letters or digits`},
		{nil, []config.Ticker{{Symbol: "MP"}, {Symbol: "MP"}},
			`tickers: symbol "MP" is empty or listed twice`},
	} {
		_, err := New(tc.groups, tc.tickers)
		if err == nil || err.Error() != tc.want {
			t.Errorf("New: got error %v, want %q", err, tc.want)
		}
	}
}

func TestFoldWord(t *testing.T) {
	for in, want := range map[string]string{
		"earths": "earth", "earth's": "earth", "o'neill": "oneill",
		"taxes": "tax", "batches": "batch", "classes": "class", "crashes": "crash",
		"magnets": "magnet", "press": "press", "status": "status", "analysis": "analysis",
		"gas": "gas", "ndpr": "ndpr", "boss's": "boss", "mines": "mine", "axes": "axe",
	} {
		if got := string(foldWord([]byte(in))); got != want {
			t.Errorf("foldWord(%q): got %q, want %q", in, got, want)
		}
	}
}

// words returns the folded words of s, joined by spaces.
func words(s string) string {
	sc := newScan(0, 0, 0)
	sc.tokenize(s, nil)
	var out []string
	for i := range sc.toks {
		out = append(out, string(sc.wordOf(&sc.toks[i])))
	}
	return strings.Join(out, " ")
}

func TestTokenize(t *testing.T) {
	for in, want := range map[string]string{
		"Rare-Earths":                 "rare earth",
		"RARE EARTH’S":                "rare earth",
		"rare\u00a0earth":             "rare earth",
		"Ｒａｒｅ　Ｅａｒｔｈ":                  "rare earth",
		"Séparation des lanthanides":  "separation des lanthanide",
		"<b>rare</b>&amp;nbsp;earth":  "rare earth",
		"rare&rsquo;s earth&#8217;s":  "rare earth",
		"a < b and c > d":             "a b and c d",
		"AT&T rock''n roll 'quoted'":  "at t rock n roll quoted",
		"Nd-Pr NdPr ﬁnance":           "nd pr ndpr finance",
		"&amp;amp; &#x2019;x &nosemi": "x nosemi",
	} {
		if got := words(in); got != want {
			t.Errorf("words(%q): got %q, want %q", in, got, want)
		}
	}
}

// TestConcurrent runs one Matcher from several goroutines; with -race it
// checks that Match shares nothing mutable between calls.
func TestConcurrent(t *testing.T) {
	m := newTestMatcher(t)
	hs := headlines()
	want := make([]Result, len(hs))
	for i, h := range hs {
		want[i] = m.Match(h.title, h.summary, h.native)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			var r Result
			for i, h := range hs {
				m.MatchInto(&r, h.title, h.summary, h.native)
				if diff := cmp.Diff(want[i], r, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("concurrent Match(%q) (-want +got):\n%s", h.title, diff)
				}
			}
		})
	}
	wg.Wait()
}

func ExampleMatcher_Match() {
	m, err := New(map[string]config.KeywordGroup{
		"rare_earth": {Any: []string{"rare earth", "NdPr"}, None: []string{"rare earth frontier"}},
	}, []config.Ticker{
		{Symbol: "MP", Aliases: []string{"MP Materials"}},
		{Symbol: "LAC", Aliases: []string{"Lithium Americas"}, Exclude: []string{"Lithium Americas (Argentina)"}},
	})
	if err != nil {
		panic(err)
	}
	for _, title := range []string{
		"MP Materials’ Rare-Earths output jumps - Reuters",
		"UK MP questions rare earth strategy",
		"Lithium Americas (Argentina) (TSX: LAC) renames itself",
		"Lithium Americas Corp. (NYSE: LAC) draws DOE loan",
	} {
		r := m.Match(title, "", nil)
		fmt.Printf("%s: groups %v, tickers %v, score %v\n", title, r.GroupNames(), r.Tickers, r.Score)
	}
	// Output:
	// MP Materials’ Rare-Earths output jumps - Reuters: groups [rare_earth], tickers [{MP alias}], score 4
	// UK MP questions rare earth strategy: groups [rare_earth], tickers [], score 2
	// Lithium Americas (Argentina) (TSX: LAC) renames itself: groups [], tickers [], score 0
	// Lithium Americas Corp. (NYSE: LAC) draws DOE loan: groups [], tickers [{LAC exchange}], score 2
}

// TestAliasAsExchangeForm checks the documented way to tag from a listing
// whose symbol is not on the watchlist: an alias that spells it.
func TestAliasAsExchangeForm(t *testing.T) {
	m, err := New(nil, []config.Ticker{{Symbol: "UURAF", Aliases: []string{"TSXV: UCU"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := m.Match("Ucore Rare Metals Inc. (TSXV: UCU) closes financing", "", nil).Tickers
	if want := []TickerHit{tk("UURAF", HowAlias)}; !cmp.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestPlainRune holds plainRune to what it claims: normalize may pass
// text of those characters through, as each is in NFKC, has no
// decomposition normalize applies, and starts a segment that combines
// with nothing before it.
func TestPlainRune(t *testing.T) {
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		if !plainRune(r) {
			continue
		}
		s := string(r)
		p := norm.NFKC.PropertiesString(s)
		if !norm.NFKC.IsNormalString(s) || !p.BoundaryBefore() || refNormalize(s) != s {
			t.Errorf("plainRune(%U): but it is not left as it is by normalisation", r)
		}
	}
}

// TestNarrow holds narrow to NFKC: each character it maps becomes that
// ASCII character, and starts a segment that combines with nothing before
// it.
func TestNarrow(t *testing.T) {
	n := 0
	for r := rune(0x80); r <= unicode.MaxRune; r++ {
		b := narrow(r)
		if b == 0 {
			continue
		}
		n++
		s := string(r)
		if got := norm.NFKC.String(s); got != string(rune(b)) || !norm.NFKC.PropertiesString(s).BoundaryBefore() {
			t.Errorf("narrow(%U) = %q: but NFKC gives %q", r, b, got)
		}
	}
	if n != 96 {
		t.Errorf("narrow maps %d characters, want the 94 full-width ASCII forms and 2 spaces", n)
	}
}
