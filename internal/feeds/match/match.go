// Package match decides which keyword groups and which watched tickers a
// news headline concerns.
//
// # Folding
//
// Text is folded the same way on both sides, configured phrases and
// headlines: Unicode compatibility composition (full-width forms such as
// "ＭＰ" and "（ＮＹＳＥ：ＭＰ）", the ideographic space, ligatures,
// half-width Katakana, non-breaking spaces), accents dropped, lower case,
// curly apostrophes made straight, leftover HTML tags and entities read as
// spaces (apostrophe entities as apostrophes, "&amp;nbsp;" too), and every
// run of characters that are neither letters nor digits read as one word
// break. Apostrophes stay inside a word only between letters. Each word
// then loses a possessive "'s" and a plural "s" or "es" (see foldPlural),
// so "Rare-Earths", "rare earth's" and "RARE EARTH" are all the phrase
// "rare earth". Phrases match whole words only: "magnet" does not match
// "magnetic", and "NdPr" is one word that "Nd-Pr" (two words) does not
// match. A phrase does not run from the title into the summary.
//
// # Chinese, Japanese and Korean
//
// CJK characters (see isCJK) are written without spaces between words, so
// each is a word of its own and a CJK phrase matches anywhere inside a run
// of them: "稀土" in "关于对稀土相关物项实施出口管制的决定". Two CJK
// characters of a phrase must be together in the text as in the phrase:
// white space between them is ignored, anything else (punctuation, a Latin
// word) keeps them apart, so "稀土" is not in "依稀，土耳其" or "稀 earth
// 土". A CJK character ends a Latin word, which otherwise stays whole:
// "MP Materials稀土" holds "MP Materials", "NdPrO" does not hold "NdPr".
// CJK characters keep their composed form: a voiced kana is another sound
// ("ガリウム", gallium, is not "カリウム", potassium) and a Hangul syllable
// is not split into jamo.
//
// # Keyword groups
//
// A group matches when at least one of its any terms is present (if it has
// any), every all term is present, and no none term is present anywhere in
// the title or summary.
//
// # Tickers
//
// An item concerns a watched ticker when the source attached it (native),
// or the text names it by cashtag ("$MP"), by exchange form ("(NYSE: MP)",
// "NYSE American: TMQ", "TSXV: UCU", "OTCQX: UURAF") or by one of its
// aliases. Cashtags and exchange codes must be written in capitals, after
// a '$' or after an exchange name and a colon: a bare "MP", "LAC" or "NB" in
// prose tags nothing. An exclusion phrase found anywhere in the item
// cancels the ticker's alias and exchange-form tags (not cashtags or native
// tags). Only watched symbols are returned; a ticker's name is not
// matched.
//
// Aliases match as they are written: on top of the folding, every letter
// of an alias must have the same case in the text (for the first 64
// letters of each word), so "Energy Fuels" is in "Energy Fuels raises
// guidance" but not in "how clean energy fuels demand". In a title or
// summary written in capitals, one with more capital letters than
// lower-case ones, aliases match in any case, as do the aliases a ticker
// lists in aliases_any_case. Keyword terms, exclusions and exchange names
// ignore case.
//
// # Implementation
//
// Terms, aliases, exclusions and exchange names live in one trie keyed by
// word ids, so a headline is tokenized once and walked once whatever the
// size of the configuration, with no regular expressions and, once a
// result of the same shape has been seen, no allocation (see results).
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
//
// Match allocates nothing once it has seen an item of the same shape (the
// same groups, terms and tickers): the Result's slices are shared by every
// Result of that shape and must not be modified (see Result).
func (m *Matcher) Match(title, summary string, native []string) Result {
	return m.c.match(title, summary, native)
}

// MatchInto is Match writing into dst. It does not write into the slices
// dst held: they may be shared.
func (m *Matcher) MatchInto(dst *Result, title, summary string, native []string) {
	*dst = m.c.match(title, summary, native)
}

// GroupNames returns the names of the compiled keyword groups, sorted, so
// that callers can pre-initialise per-group metrics.
func (m *Matcher) GroupNames() []string {
	names := make([]string, len(m.c.groups))
	for i, g := range m.c.groups {
		names[i] = g.name
	}
	return names
}
