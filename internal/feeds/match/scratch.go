package match

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// scan is the scratch space of one Match call. Scans are recycled through
// compiled.scans, so a warm Matcher allocates nothing per headline.
type scan struct {
	iter  norm.Iter // kept here: its buffers are too big for the stack
	nfkc  []byte    // the NFKC form of non-ASCII text (see normalize)
	norm  []byte    // the normalised form of non-ASCII text (see normalize)
	text  string    // the field being scanned, or its normalised form
	words []byte    // folded words of the field that are not plain
	toks  []token   // the words of the field being scanned
	word  []byte    // a word or ticker code being spelt out (see wordOf, codeOf)
	tmp   []byte    // a symbol being looked up
	key   []byte    // the shape of the Result being built (see results)

	// capitals caches inCapitals for the field being scanned.
	capitals int8

	// cur numbers the Match call; a node or ticker whose gen is not cur
	// has not been seen in this call, which spares clearing them.
	cur      uint32
	nodeGen  []uint32
	nodeHits []uint8  // fields the node's phrase was found in
	hits     int      // terminal nodes hit in this call
	groupGen []uint32 // groups with an any or all term hit in this call have cur

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

func newScan(nodes, tickers, groups int) *scan {
	return &scan{
		groupGen: make([]uint32, groups),
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
		clear(sc.groupGen)
		sc.cur = 1
	}
	sc.hits = 0
	sc.touched = sc.touched[:0]
}

// maxKeep bounds the scratch space a recycled scan keeps, so that one
// whole-article summary does not pin its buffers for the process's life.
const maxKeep = 64 << 10

// release drops buffers that grew past maxKeep, and the text last
// scanned, which is the caller's.
func (sc *scan) release() {
	sc.text = ""
	if cap(sc.nfkc) > maxKeep || cap(sc.norm) > maxKeep || cap(sc.words) > maxKeep || cap(sc.toks) > maxKeep/32 {
		sc.nfkc, sc.norm, sc.words, sc.toks = nil, nil, nil, nil
	}
}

// reset empties the token arenas before a field is scanned.
func (sc *scan) reset() {
	sc.words, sc.toks = sc.words[:0], sc.toks[:0]
}

// Values of scan.capitals.
const (
	capsUnknown int8 = iota
	capsNo
	capsYes
)

// inCapitals reports whether the field being scanned is written in
// capitals: more of its letters are capitals than lower case. A majority,
// not all, so that "ENERGY FUELS RAISES GUIDANCE - Reuters" counts: the
// publisher Google News appends is not the headline. Only aliases that
// are not written as they are found ask, so the letters are counted then.
func (sc *scan) inCapitals() bool {
	if sc.capitals == capsUnknown {
		sc.capitals = capsNo
		if upper, lower := countCase(sc.text); upper > lower {
			sc.capitals = capsYes
		}
	}
	return sc.capitals == capsYes
}

// countCase counts the capital and lower-case letters of s, skipping HTML
// tags and entities as tokenize does.
func countCase(s string) (upper, lower int) {
	for i := 0; i < len(s); {
		b := s[i]
		switch {
		case 'a' <= b && b <= 'z':
			lower++
		case 'A' <= b && b <= 'Z':
			upper++
		case b == '<' || b == '&':
			if n, _ := markupAt(s, i); n > 0 {
				i += n
				continue
			}
		case b >= utf8.RuneSelf:
			r, w := utf8.DecodeRuneInString(s[i:])
			if unicode.IsUpper(r) {
				upper++
			} else if unicode.IsLower(r) {
				lower++
			}
			i += w
			continue
		}
		i++
	}
	return upper, lower
}

// upperOf returns the capitals of t's folded word (see token.upper).
func (sc *scan) upperOf(t *token) uint64 {
	if t.flags&tokPlain == 0 {
		return t.upper
	}
	var upper uint64
	for i, b := range []byte(sc.text[t.off : t.off+min(t.n, maxCaseLetters)]) {
		if 'A' <= b && b <= 'Z' {
			upper |= 1 << i
		}
	}
	return upper
}

// wordOf returns t's folded word. It is valid until the next call.
func (sc *scan) wordOf(t *token) []byte {
	if t.flags&tokPlain == 0 {
		return sc.words[t.off : t.off+t.n]
	}
	sc.word = sc.word[:0]
	for _, b := range []byte(sc.text[t.off : t.off+t.n]) {
		sc.word = append(sc.word, b|0x20)
	}
	return sc.word
}

// codeOf returns the ticker code of t (which has tokCode) as written: a
// plain word as it stands, else the lower-case form the arena holds
// turned back, as a code has only ASCII capitals and digits. It is valid
// until the next call.
func (sc *scan) codeOf(t *token) []byte {
	sc.word = sc.word[:0]
	if t.flags&tokPlain != 0 {
		sc.word = append(sc.word, sc.text[t.off:t.off+t.raw]...)
		return sc.word
	}
	for _, b := range sc.words[t.off : t.off+t.raw] {
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		sc.word = append(sc.word, b)
	}
	return sc.word
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
