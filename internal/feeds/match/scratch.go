package match

import (
	"golang.org/x/text/unicode/norm"
)

// scan is the scratch space of one Match call. Scans are recycled through
// compiled.scans, so a warm Matcher allocates nothing per headline.
type scan struct {
	iter  norm.Iter // kept here: its buffers are too big for the stack
	norm  []byte    // the normalised form of non-ASCII text (see normalize)
	words []byte    // folded words of the field being scanned
	toks  []token   // the words of the field being scanned
	code  []byte    // a ticker code as written (see codeOf)
	tmp   []byte    // a symbol being looked up
	key   []byte    // the shape of the Result being built (see results)

	// Letters of the field last tokenized, by case: a field written mostly
	// in capitals matches aliases in any case (see inCapitals).
	nUpper, nLower int

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
	if cap(sc.norm) > maxKeep || cap(sc.words) > maxKeep || cap(sc.toks) > maxKeep/32 {
		sc.norm, sc.words, sc.toks = nil, nil, nil
	}
}

// reset empties the token arenas before a field is scanned.
func (sc *scan) reset() {
	sc.words, sc.toks = sc.words[:0], sc.toks[:0]
}

// inCapitals reports whether the field last tokenized is written in
// capitals: more of its letters are capitals than lower case. A majority,
// not all, so that "ENERGY FUELS RAISES GUIDANCE - Reuters" counts: the
// publisher Google News appends is not the headline.
func (sc *scan) inCapitals() bool { return sc.nUpper > sc.nLower }

func (sc *scan) wordOf(t *token) []byte { return sc.words[t.word.off : t.word.off+t.word.n] }

// codeOf returns the ticker code of t as written: in capitals, which is
// the lower-case form the arena holds turned back, as a code has only
// ASCII capitals and digits. It is valid until the next call.
func (sc *scan) codeOf(t *token) []byte {
	sc.code = sc.code[:0]
	for _, b := range sc.words[t.code.off : t.code.off+t.code.n] {
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		sc.code = append(sc.code, b)
	}
	return sc.code
}

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
