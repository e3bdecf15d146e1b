package match

import (
	"unicode"
	"unicode/utf8"
)

// span is a byte range in scan.words.
type span struct{ off, n int32 }

// token is one word of scanned text: a run of letters and digits, or a
// single CJK character (see isCJK).
type token struct {
	// word is the folded word (see foldWord), in scan.words.
	word span
	// code is the word as written when it could be a ticker code, a capital
	// letter then capitals and digits, in lower case in scan.words (see
	// scan.codeOf); empty otherwise.
	code span
	// upper has bit i set when letter i of the folded word is written as a
	// capital, for the first 64 letters: aliases compare it (see
	// aliasRef).
	upper uint64
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
	// sepJoined: a CJK character that follows another with nothing but
	// white space between them. Phrases keep CJK characters together or
	// apart as they are written (see edge).
	sepJoined
)

// maxCaseLetters is how many letters of a word token.upper describes.
const maxCaseLetters = 64

// tokState is the state of tokenize between characters.
type tokState struct {
	inWord   bool  // inside a word
	pendApos bool  // an apostrophe follows the word so far; it joins the word only if a letter follows
	code     bool  // the word so far could be a ticker code
	prevWord bool  // a word came before
	prevCJK  bool  // the word before is a CJK character
	wSep     uint8 // the token.sep of the word
	wStart   int   // where the word starts in sc.words
	letters  int   // letters and digits in the word so far, apostrophes not counted
	apos     int   // apostrophes in the word so far
	upper    uint64
	// The separator since the last word: its length in runes, how many of
	// them are colons and other non-space characters, and whether it ends
	// with '$'.
	sepRunes, nColon, nOther int
	lastDollar               bool
}

// tokenize appends the words of s to sc.toks and their folded forms to
// sc.words, with ids from v (-1 if v is nil), and counts the capital and
// lower-case letters of s in sc.nUpper and sc.nLower. Text that is not
// ASCII is first normalised (see normalize).
func (sc *scan) tokenize(s string, v *vocab) {
	if !isASCII(s) {
		s = sc.normalize(s)
	}
	sc.nUpper, sc.nLower = 0, 0
	var st tokState
	for i := 0; i < len(s); {
		if isWordByte(s[i]) {
			i = sc.asciiRun(&st, s, i)
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
			sc.wordChar(&st, false)
			st.code = false
			switch {
			case unicode.IsUpper(r):
				sc.nUpper++
				st.setUpper()
			case unicode.IsLower(r):
				sc.nLower++
			}
			st.letters++
			sc.words = utf8.AppendRune(sc.words, unicode.ToLower(r))
			continue
		case clsCJK:
			if st.inWord {
				sc.endWord(&st, v)
			}
			sc.cjkWord(&st, r, v)
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

// asciiRun appends the run of ASCII letters and digits at s[i:] to the
// current word and returns where it ends. It is the common case, kept
// tight: the counters live in locals until the run ends.
func (sc *scan) asciiRun(st *tokState, s string, i int) int {
	sc.wordChar(st, 'A' <= s[i] && s[i] <= 'Z')
	words, k, upper := sc.words, st.letters, st.upper
	nUpper, nLower := 0, 0
	j := i
	for ; j < len(s); j++ {
		b := s[j]
		switch {
		case b-'a' < 26:
			nLower++
		case b-'A' < 26:
			nUpper++
			if k < maxCaseLetters {
				upper |= 1 << k
			}
			b += 'a' - 'A'
		case b-'0' < 10:
		default:
			goto done
		}
		words = append(words, b)
		k++
	}
done:
	sc.words, st.letters, st.upper = words, k, upper
	sc.nUpper += nUpper
	sc.nLower += nLower
	if nLower > 0 {
		st.code = false
	}
	return j
}

// setUpper marks the next letter of the word as a capital.
func (st *tokState) setUpper() {
	if st.letters < maxCaseLetters {
		st.upper |= 1 << st.letters
	}
}

// wordChar starts a word, or joins a pending apostrophe to the current one,
// before a letter or digit is appended. capital says whether that letter
// is an ASCII capital, as a ticker code starts.
func (sc *scan) wordChar(st *tokState, capital bool) {
	if st.inWord {
		if st.pendApos {
			sc.words = append(sc.words, '\'')
			st.pendApos, st.code = false, false
			st.apos++
		}
		return
	}
	st.inWord, st.code, st.wSep = true, capital, st.sep()
	st.wStart, st.letters, st.apos, st.upper = len(sc.words), 0, 0, 0
}

// sep returns the token.sep flags of a word that starts now.
func (st *tokState) sep() uint8 {
	var sep uint8
	if st.nColon == 1 && st.nOther == 0 {
		sep |= sepColon
	}
	if st.lastDollar && (st.sepRunes >= 2 || !st.prevWord) {
		sep |= sepCashtag
	}
	return sep
}

// endWord folds the current word and completes its token.
func (sc *scan) endWord(st *tokState, v *vocab) {
	raw := sc.words[st.wStart:]
	var w []byte
	if st.apos == 0 {
		w = foldPlural(raw)
	} else {
		w = foldWord(raw)
	}
	t := token{word: span{int32(st.wStart), int32(len(w))}, id: -1, sep: st.wSep}
	// The fold drops letters from the end only (and apostrophes, which are
	// not counted): the first kept letters keep their case bits.
	kept := st.letters - (len(raw) - len(w) - st.apos)
	t.upper = st.upper
	if kept < maxCaseLetters {
		t.upper &= 1<<kept - 1
	}
	if st.code {
		// A code is ASCII capitals and digits with no apostrophe, so the
		// fold only shortened it: its lower-case form stays in the arena.
		t.code = span{int32(st.wStart), int32(len(raw))}
	} else {
		sc.words = sc.words[:st.wStart+len(w)]
	}
	if v != nil {
		t.id = v.lookup(w)
	}
	sc.toks = append(sc.toks, t)
	st.inWord, st.prevWord, st.prevCJK = false, true, false
	st.sepRunes, st.nColon, st.nOther, st.lastDollar = 0, 0, 0, false
	if st.pendApos {
		// The apostrophe turned out to close a quotation, not to join two
		// parts of a word: it starts the separator.
		st.sepRunes, st.nOther, st.pendApos = 1, 1, false
	}
}

// cjkWord appends the CJK character r as a word of its own: CJK text has
// no spaces between words, so a phrase may start and end at any
// character. It is joined to a CJK character before it when only white
// space separates them.
func (sc *scan) cjkWord(st *tokState, r rune, v *vocab) {
	sep := st.sep()
	if st.prevCJK && st.nColon == 0 && st.nOther == 0 {
		sep |= sepJoined
	}
	start := len(sc.words)
	sc.words = utf8.AppendRune(sc.words, r)
	w := sc.words[start:]
	id := int32(-1)
	if v != nil {
		id = v.lookup(w)
	}
	sc.toks = append(sc.toks, token{word: span{int32(start), int32(len(w))}, id: id, sep: sep})
	st.prevWord, st.prevCJK = true, true
	st.sepRunes, st.nColon, st.nOther, st.lastDollar = 0, 0, 0, false
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
