// Package match decides which keyword groups and which watched tickers a
// news headline concerns.
//
// Text is folded the same way on both sides (configured terms and
// headlines): Unicode compatibility decomposition (full-width forms,
// ligatures, non-breaking spaces), accents dropped, lower case, curly
// apostrophes made straight, leftover HTML tags and entities read as
// spaces, and every run of characters that are neither letters nor digits
// read as one word break. Each word then loses a possessive "'s" and a
// plural "s" or "es" (see foldWord), so "Rare-Earths", "rare earth's" and
// "RARE EARTH" all read as the phrase "rare earth". Terms match whole words
// only: "magnet" does not match "magnetic", and "NdPr" is one word that
// "Nd-Pr" (two words) does not match.
//
// All terms, aliases, exclusions and exchange names live in one trie keyed
// by word ids, so a headline is read once whatever the size of the
// configuration, with no regular expressions on the hot path.
package match

import (
	"github.com/monitord/monitord/internal/config"
)

// How a ticker was found in an item, strongest first: when several apply,
// TickerHit.How holds the first in this order.
const (
	// HowNative means the source attached the ticker itself (Yahoo
	// relatedTickers, a GlobeNewswire stock category, an EDGAR CIK, a
	// per_ticker feed).
	HowNative = "native"
	// HowCashtag means the text holds "$MP".
	HowCashtag = "cashtag"
	// HowExchange means the text holds an exchange form: "(NYSE: MP)",
	// "NYSE American: TMQ", "TSXV: UCU".
	HowExchange = "exchange"
	// HowAlias means the text names the company by one of its aliases.
	HowAlias = "alias"
)

// Matcher matches headlines against compiled keyword groups and a
// watchlist. It is immutable after New and safe for concurrent use.
type Matcher struct {
	c *compiled
}

// Result says which groups and tickers an item concerns. A Result passed to
// MatchInto is overwritten and its slices are reused: call Clone before
// keeping it beyond the next MatchInto.
type Result struct {
	// Groups are the keyword groups that matched, sorted by name.
	Groups []GroupHit
	// Tickers are the watched tickers the item concerns, sorted by symbol.
	Tickers []TickerHit
	// Score ranks how strongly the item concerns its groups and tickers;
	// see the package documentation of score for the formula.
	Score float64
}

// GroupHit is one keyword group that matched.
type GroupHit struct {
	// Name is the group's key in the configuration.
	Name string
	// Terms are the group's any and all terms that hit, as written in the
	// configuration, in configuration order; terms that fold to the same
	// phrase ("rare earth", "rare-earth") are reported once, by the first.
	Terms []string
}

// TickerHit is one watched ticker that an item concerns.
type TickerHit struct {
	// Symbol is the watchlist symbol.
	Symbol string
	// How is the strongest way it was found: HowNative, HowCashtag,
	// HowExchange or HowAlias.
	How string
}

// New compiles keyword groups and the watchlist into a Matcher. It fails
// only on configurations that validation should already have refused, such
// as a term with no letters or digits.
func New(groups map[string]config.KeywordGroup, tickers []config.Ticker) (*Matcher, error) {
	c, err := compile(groups, tickers)
	if err != nil {
		return nil, err
	}
	return &Matcher{c: c}, nil
}

// Match finds the groups and tickers a headline concerns. native are
// tickers the source itself attached (Yahoo relatedTickers, GlobeNewswire
// stock category such as "NYSE:MP", EDGAR CIK, per_ticker feed); each may be
// a symbol, an "EXCHANGE:CODE" form or a CIK, and is kept if it names a
// watched ticker.
func (m *Matcher) Match(title, summary string, native []string) Result {
	var r Result
	m.MatchInto(&r, title, summary, native)
	return r
}

// MatchInto is Match writing into dst, reusing its slices so that a caller
// looping over headlines with one Result allocates nothing per headline.
func (m *Matcher) MatchInto(dst *Result, title, summary string, native []string) {
	m.c.match(dst, title, summary, native)
}

// Matched reports whether any keyword group matched.
func (r Result) Matched() bool { return len(r.Groups) > 0 }

// Symbols returns the symbols of the tagged tickers, sorted.
func (r Result) Symbols() []string {
	return r.AppendSymbols(nil)
}

// AppendSymbols appends the symbols of the tagged tickers to dst.
func (r Result) AppendSymbols(dst []string) []string {
	for _, t := range r.Tickers {
		dst = append(dst, t.Symbol)
	}
	return dst
}

// GroupNames returns the names of the matched groups, sorted.
func (r Result) GroupNames() []string {
	var out []string
	for _, g := range r.Groups {
		out = append(out, g.Name)
	}
	return out
}

// Clone returns a deep copy of r that later MatchInto calls on r do not
// change.
func (r Result) Clone() Result {
	out := Result{Score: r.Score}
	if r.Groups != nil {
		out.Groups = make([]GroupHit, len(r.Groups))
		for i, g := range r.Groups {
			out.Groups[i] = GroupHit{Name: g.Name, Terms: append([]string(nil), g.Terms...)}
		}
	}
	if r.Tickers != nil {
		out.Tickers = append([]TickerHit(nil), r.Tickers...)
	}
	return out
}
