package match

import (
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// span is a byte range in one of a scan's arenas.
type span struct{ off, n int32 }

// token is one word of scanned text.
type token struct {
	// word is the folded word (see foldWord), in scan.words.
	word span
	// code is the word as written when it could be a ticker code, a capital
	// letter then capitals and digits, in scan.codes; empty otherwise.
	code span
	// id is the vocabulary id of word, or -1 when no pattern uses it.
	id int32
	// sep describes what separates the word from the one before.
	sep uint8
}

// Flags of token.sep.
const (
	// sepColon: spaces, exactly one ':' and spaces, as in "NYSE: MP".
	sepColon = 1 << iota
	// sepCashtag: a '$' right before the word, itself at the start of the
	// text or after a character that is not part of a word, as in "$MP"
	// (but not "US$MP").
	sepCashtag
)

// Character classes of the tokenizer.
const (
	clsOther = iota
	clsWord  // letter or number: part of a word
	clsMark  // combining mark: dropped ("é" is "e" once decomposed)
	clsApos  // apostrophe: inside a word only between letters
	clsSpace // white space, and HTML tags and entities
	clsColon
	clsDollar
)

// classify returns the class of r.
func classify(r rune) int {
	switch {
	case r < utf8.RuneSelf:
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
			return clsWord
		case r == ' ', '\t' <= r && r <= '\r':
			return clsSpace
		case r == '\'':
			return clsApos
		case r == ':':
			return clsColon
		case r == '$':
			return clsDollar
		}
		return clsOther
	case unicode.IsLetter(r), unicode.IsNumber(r):
		return clsWord
	case unicode.Is(unicode.M, r):
		return clsMark
	case isApostrophe(r):
		return clsApos
	case unicode.IsSpace(r):
		return clsSpace
	}
	return clsOther
}

// isApostrophe reports whether r is one of the apostrophes headlines use:
// straight, curly (right and left single quotation marks) and the modifier
// letter.
func isApostrophe(r rune) bool {
	return r == '\'' || r == '\u2019' || r == '\u2018' || r == '\u02BC'
}

// tokState is the state of tokenize between characters.
type tokState struct {
	inWord   bool // inside a word
	pendApos bool // an apostrophe follows the word so far; it joins the word only if a letter follows
	upper    bool // the word so far could be a ticker code
	prevWord bool // a word came before
	wStart   int  // where the word starts in sc.words
	cStart   int  // where the word starts in sc.codes
	// The separator since the last word: its length in runes, how many of
	// them are colons and other non-space characters, and whether it ends
	// with '$'.
	sepRunes, nColon, nOther int
	lastDollar               bool
}

// tokenize appends the words of s to sc.toks, their folded forms to
// sc.words and their codes to sc.codes, with ids from v (-1 if v is nil).
// Text that is not ASCII is first put in Unicode compatibility
// decomposition (NFKD), which maps full-width forms, ligatures and
// non-breaking spaces to their plain forms and splits accents off letters.
func (sc *scan) tokenize(s string, v *vocab) {
	if !isASCII(s) {
		sc.norm = sc.norm[:0]
		sc.iter.InitString(norm.NFKD, s)
		for !sc.iter.Done() {
			sc.norm = append(sc.norm, sc.iter.Next()...)
		}
		// sc.norm is not written again before tokenize returns, and no
		// part of s outlives this call: words and codes are copied.
		s = unsafe.String(unsafe.SliceData(sc.norm), len(sc.norm))
	}
	var st tokState
	for i := 0; i < len(s); {
		if isWordByte(s[i]) {
			// The common case: a run of ASCII letters and digits.
			sc.wordChar(&st)
			j := i
			for ; j < len(s) && isWordByte(s[j]); j++ {
				b := s[j]
				if st.upper {
					if 'A' <= b && b <= 'Z' || b <= '9' && len(sc.codes) > st.cStart {
						sc.codes = append(sc.codes, b)
					} else {
						st.upper = false
					}
				}
				if 'A' <= b && b <= 'Z' {
					b += 'a' - 'A'
				}
				sc.words = append(sc.words, b)
			}
			i = j
			continue
		}
		r, w := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, w = utf8.DecodeRuneInString(s[i:])
		}
		cls := classify(r)
		if r == '<' || r == '&' {
			if n, c := markupAt(s, i); n > 0 {
				w, cls = n, c
			}
		}
		i += w
		switch cls {
		case clsMark:
			continue
		case clsWord:
			sc.wordChar(&st)
			st.upper = false
			sc.words = utf8.AppendRune(sc.words, unicode.ToLower(r))
			continue
		case clsApos:
			if st.inWord && !st.pendApos {
				st.pendApos = true
				continue
			}
		}
		if st.inWord {
			sc.endWord(&st, v)
		}
		st.sepRunes++
		st.lastDollar = cls == clsDollar
		switch cls {
		case clsColon:
			st.nColon++
		case clsSpace:
		default:
			st.nOther++
		}
	}
	if st.inWord {
		sc.endWord(&st, v)
	}
}

// wordChar starts a word, or joins a pending apostrophe to the current one,
// before a letter or digit is appended.
func (sc *scan) wordChar(st *tokState) {
	if st.inWord {
		if st.pendApos {
			sc.words = append(sc.words, '\'')
			st.pendApos, st.upper = false, false
		}
		return
	}
	st.inWord, st.upper = true, true
	st.wStart, st.cStart = len(sc.words), len(sc.codes)
	var sep uint8
	if st.nColon == 1 && st.nOther == 0 {
		sep |= sepColon
	}
	if st.lastDollar && (st.sepRunes >= 2 || !st.prevWord) {
		sep |= sepCashtag
	}
	sc.toks = append(sc.toks, token{sep: sep})
}

// endWord folds the current word and completes its token.
func (sc *scan) endWord(st *tokState, v *vocab) {
	w := foldWord(sc.words[st.wStart:])
	sc.words = sc.words[:st.wStart+len(w)]
	t := &sc.toks[len(sc.toks)-1]
	t.word = span{int32(st.wStart), int32(len(w))}
	t.id = -1
	if st.upper {
		t.code = span{int32(st.cStart), int32(len(sc.codes) - st.cStart)}
	} else {
		sc.codes = sc.codes[:st.cStart]
	}
	if v != nil {
		t.id = v.lookup(w)
	}
	st.inWord, st.prevWord = false, true
	st.sepRunes, st.nColon, st.nOther, st.lastDollar = 0, 0, 0, false
	if st.pendApos {
		// The apostrophe turned out to close a quotation, not to join two
		// parts of a word: it starts the separator.
		st.sepRunes, st.nOther, st.pendApos = 1, 1, false
	}
}

// isWordByte reports whether b is an ASCII letter or digit, testing bit b
// of a 128-bit set held in two constants.
func isWordByte(b byte) bool {
	const (
		digits  = 0x03FF000000000000 // bits '0'..'9' of the first 64
		letters = 0x07FFFFFE07FFFFFE // bits 'A'..'Z' and 'a'..'z' of the next 64
	)
	switch {
	case b < 64:
		return digits>>b&1 != 0
	case b < 128:
		return letters>>(b-64)&1 != 0
	}
	return false
}

// isASCII reports whether s is plain ASCII, which needs no normalisation.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
