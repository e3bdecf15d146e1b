package match

import (
	"slices"

	"golang.org/x/text/unicode/norm"
)

// Fields of an item, as bits: a phrase found in the title weighs more.
const (
	fieldNative  uint8 = 0 // a tag the source attached, scanned for exchange forms only
	fieldTitle   uint8 = 1
	fieldSummary uint8 = 2
)

// scan is the scratch space of one Match call. Scans are recycled through
// compiled.scans, so a warm Matcher allocates nothing per headline.
type scan struct {
	iter  norm.Iter // kept here: its buffers are too big for the stack
	norm  []byte    // the NFKD form of non-ASCII text
	words []byte    // folded words of the field being scanned
	codes []byte    // words that could be ticker codes, as written
	toks  []token   // the words of the field being scanned
	tmp   []byte    // a symbol being looked up

	// cur numbers the Match call; a node or ticker whose gen is not cur
	// has not been seen in this call, which spares clearing them.
	cur      uint32
	nodeGen  []uint32
	nodeHits []uint8 // fields the node's phrase was found in
	hits     int     // terminal nodes hit in this call

	tickGen []uint32
	tick    []tickState
	touched []int32 // tickers seen in this call
}

// tickState is what one Match call found about one ticker.
type tickState struct {
	native                   bool
	cashtag, exchange, alias uint8 // fields the ticker was named in, by how
	vetoed                   bool  // an exclusion phrase was found
}

func newScan(nodes, tickers int) *scan {
	return &scan{
		nodeGen:  make([]uint32, nodes),
		nodeHits: make([]uint8, nodes),
		tickGen:  make([]uint32, tickers),
		tick:     make([]tickState, tickers),
	}
}

// begin starts a Match call.
func (sc *scan) begin() {
	sc.cur++
	if sc.cur == 0 {
		clear(sc.nodeGen)
		clear(sc.tickGen)
		sc.cur = 1
	}
	sc.hits = 0
	sc.touched = sc.touched[:0]
}

// maxKeep bounds the scratch space a recycled scan keeps, so that one
// whole-article summary does not pin its buffers for the process's life.
const maxKeep = 64 << 10

// release drops buffers that grew past maxKeep.
func (sc *scan) release() {
	if cap(sc.norm) > maxKeep || cap(sc.words) > maxKeep || cap(sc.codes) > maxKeep || cap(sc.toks) > maxKeep/16 {
		sc.norm, sc.words, sc.codes, sc.toks = nil, nil, nil, nil
	}
}

// reset empties the token arenas before a field is scanned.
func (sc *scan) reset() {
	sc.words, sc.codes, sc.toks = sc.words[:0], sc.codes[:0], sc.toks[:0]
}

func (sc *scan) wordOf(t *token) []byte { return sc.words[t.word.off : t.word.off+t.word.n] }

func (sc *scan) codeOf(t *token) []byte { return sc.codes[t.code.off : t.code.off+t.code.n] }

// ticker returns the state of ticker ti in this call.
func (sc *scan) ticker(ti int32) *tickState {
	if sc.tickGen[ti] != sc.cur {
		sc.tickGen[ti] = sc.cur
		sc.tick[ti] = tickState{}
		sc.touched = append(sc.touched, ti)
	}
	return &sc.tick[ti]
}

// nodeBits returns the fields node n's phrase was found in during this call.
func (sc *scan) nodeBits(n int32) uint8 {
	if sc.nodeGen[n] != sc.cur {
		return 0
	}
	return sc.nodeHits[n]
}

// hit records that the phrase of terminal node n was found in field.
func (c *compiled) hit(sc *scan, n int32, field uint8) {
	if sc.nodeGen[n] != sc.cur {
		sc.nodeGen[n] = sc.cur
		sc.nodeHits[n] = 0
		sc.hits++
	}
	sc.nodeHits[n] |= field
	nd := &c.nodes[n]
	for _, ti := range nd.aliasOf {
		sc.ticker(ti).alias |= field
	}
	for _, ti := range nd.excludeOf {
		sc.ticker(ti).vetoed = true
	}
}

// scanField reads one field: every phrase that starts at every word is
// followed down the trie as far as the words allow, so overlapping phrases
// ("heavy rare earth", "rare earth") are all found.
func (c *compiled) scanField(sc *scan, s string, field uint8) {
	sc.reset()
	sc.tokenize(s, c.vocab)
	toks := sc.toks
	for i := range toks {
		t := &toks[i]
		if t.sep&sepCashtag != 0 && t.code.n > 0 && field != fieldNative {
			if ti := c.resolve(sc, sc.codeOf(t), ""); ti >= 0 {
				sc.ticker(ti).cashtag |= field
			}
		}
		if t.id < 0 {
			continue
		}
		n := c.root[t.id]
		for j := i; n != 0; {
			nd := &c.nodes[n]
			if nd.terminal && field != fieldNative {
				c.hit(sc, n, field)
			}
			if nd.exchange != 0 && j+1 < len(toks) {
				c.exchangeTag(sc, &toks[j+1], int(nd.exchange-1), field)
			}
			j++
			if j >= len(toks) || toks[j].id < 0 {
				break
			}
			n = c.next[edge(n, toks[j].id)]
		}
	}
}

// match implements Matcher.MatchInto.
func (c *compiled) match(dst *Result, title, summary string, native []string) {
	sc := c.scans.Get().(*scan)
	defer func() {
		sc.release()
		c.scans.Put(sc)
	}()
	sc.begin()
	c.scanField(sc, title, fieldTitle)
	c.scanField(sc, summary, fieldSummary)
	for _, s := range native {
		c.native(sc, s)
	}

	groups, score := dst.Groups[:0], 0.0
	if sc.hits > 0 {
		for gi := range c.groups {
			g := &c.groups[gi]
			if !g.matches(sc) {
				continue
			}
			var terms []string
			if len(groups) < cap(groups) {
				terms = groups[:len(groups)+1][len(groups)].Terms[:0]
			}
			for _, t := range g.report {
				if b := sc.nodeBits(t.node); b != 0 {
					terms = append(terms, t.text)
					score += weight(b)
				}
			}
			groups = append(groups, GroupHit{Name: g.name, Terms: terms})
		}
	}

	tickers := dst.Tickers[:0]
	slices.Sort(sc.touched)
	for _, ti := range sc.touched {
		st := &sc.tick[ti]
		named := st.cashtag
		if !st.vetoed {
			named |= st.exchange | st.alias
		}
		var how string
		switch {
		case st.native:
			how = HowNative
		case st.cashtag != 0:
			how = HowCashtag
		case named&st.exchange != 0:
			how = HowExchange
		case named&st.alias != 0:
			how = HowAlias
		default:
			continue
		}
		tickers = append(tickers, TickerHit{Symbol: c.tickers[ti].symbol, How: how})
		if named != 0 {
			score += weight(named)
		} else {
			score += nativeWeight
		}
	}
	*dst = Result{Groups: groups, Tickers: tickers, Score: score}
}

// matches reports whether the group matches the phrases found in sc.
func (g *group) matches(sc *scan) bool {
	if len(g.any) == 0 && len(g.all) == 0 {
		return false
	}
	if len(g.any) > 0 && !slices.ContainsFunc(g.any, func(n int32) bool { return sc.nodeBits(n) != 0 }) {
		return false
	}
	for _, n := range g.all {
		if sc.nodeBits(n) == 0 {
			return false
		}
	}
	for _, n := range g.none {
		if sc.nodeBits(n) != 0 {
			return false
		}
	}
	return true
}
