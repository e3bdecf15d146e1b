package match

import (
	"encoding/binary"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// token is one word of scanned text: a run of letters and digits, or a
// single CJK character (see isCJK).
//
// Most words are plain: ASCII letters and digits between ASCII separators.
// Those are read in place from the scanned text (tokPlain), and what only
// aliases and ticker codes need (capitals, the code) is worked out from the
// text when it is asked for. Other words are folded into scan.words.
type token struct {
	// off is where the word starts: in scan.text for a plain word, else in
	// scan.words.
	off int32
	// n is the length of the folded word (see foldWord): a plain word's
	// first n bytes, in lower case, or scan.words[off:off+n].
	n int32
	// raw is the length of the word as written when it is plain, or of
	// its ticker code in scan.words (in lower case) when it is not.
	raw int32
	// id is the vocabulary id of the folded word, or -1 when no pattern
	// uses it.
	id int32
	// pos numbers the words of the text: a phrase runs through words whose
	// pos follow each other. Words that no phrase uses and that are not
	// ticker codes are left out of scan.toks.
	pos int32
	// upper has bit i set when letter i of the folded word is written as a
	// capital, for the first 64 letters of a word that is not plain (see
	// scan.upperOf).
	upper uint64
	// sep describes what separates the word from the one before.
	sep   uint8
	flags uint8
}

// Flags of token.flags.
const (
	// tokPlain: a plain word (see plainRun), read in place from scan.text.
	tokPlain = 1 << iota
	// tokCode: written as a ticker code, a capital letter then capitals and
	// digits.
	tokCode
)

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
	// apart as they are written (see edgeKey).
	sepJoined
)

// maxCaseLetters is how many letters of a word token.upper describes.
const maxCaseLetters = 64

// tokState is the state of tokenize between characters.
type tokState struct {
	inWord   bool  // inside a word that is not plain
	pendApos bool  // an apostrophe follows the word so far; it joins the word only if a letter follows
	code     bool  // the word so far could be a ticker code
	prevWord bool  // a word came before
	prevCJK  bool  // the word before is a CJK character
	pos      int32 // the number of words so far
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

// tokenize appends the words of s to sc.toks, with ids from v. With v
// nil, every word is kept with id -1; else only words that some pattern
// uses and ticker codes after a '$' or a colon are (see keep). Text that is
// not ASCII is first normalised (see normalize). s, or its normalised
// form, stays in sc.text for the tokens to refer to.
func (sc *scan) tokenize(s string, v *vocab) {
	if !isASCII(s) {
		s = sc.normalize(s)
	}
	sc.text, sc.capitals = s, capsUnknown
	var st tokState
	for i := 0; i < len(s); {
		b := s[i]
		if !st.inWord {
			j := i
			if b < utf8.RuneSelf {
				j = sc.plainRun(&st, s, i, v)
			} else {
				j = sc.cjkRun(&st, s, i, v)
			}
			if j > i {
				i = j
				continue
			}
		}
		if plainKinds[b] == plainWord {
			i = sc.asciiRun(&st, s, i)
			continue
		}
		r, w := rune(b), 1
		if r >= utf8.RuneSelf {
			r, w = utf8.DecodeRuneInString(s[i:])
		}
		cls := classify(r)
		if r == '<' || r == '&' {
			if n, c := markupAt(s, i); n > 0 {
				w, cls = n, c
			}
		}
		switch cls {
		case clsMark:
			i += w
			continue
		case clsWord:
			i += w
			sc.wordChar(&st, false)
			st.code = false
			if unicode.IsUpper(r) && st.letters < maxCaseLetters {
				st.upper |= 1 << st.letters
			}
			st.letters++
			sc.words = utf8.AppendRune(sc.words, unicode.ToLower(r))
			continue
		case clsCJK:
			if st.inWord {
				sc.endWord(&st, v)
			}
			sc.cjkWord(&st, s[i:i+w], v)
			i += w
			continue
		case clsApos:
			if st.inWord && !st.pendApos {
				st.pendApos = true
				i += w
				continue
			}
		}
		i += w
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

// keep reports whether a word is kept in scan.toks: every word when there
// is no vocabulary (compiling a phrase), else words some phrase uses and
// ticker codes where a cashtag or an exchange form may have them.
func keep(v *vocab, id int32, sep, flags uint8) bool {
	return v == nil || id >= 0 || flags&tokCode != 0 && sep&(sepColon|sepCashtag) != 0
}

// newToken appends a zero token to sc.toks and returns it to be filled in
// place: building a token on the stack and copying it in stalls on the
// copy's wide loads of the narrow stores just made.
func (sc *scan) newToken() *token {
	sc.toks = append(sc.toks, token{})
	return &sc.toks[len(sc.toks)-1]
}

// isCode reports whether the ASCII word w is capitals and digits.
func isCode(w string) bool {
	for i := 0; i < len(w); i++ {
		if 'a' <= w[i] && w[i] <= 'z' {
			return false
		}
	}
	return true
}

// asciiRun appends the run of ASCII letters and digits at s[i:] to a word
// that is not plain, and returns where the run ends.
func (sc *scan) asciiRun(st *tokState, s string, i int) int {
	sc.wordChar(st, 'A' <= s[i] && s[i] <= 'Z')
	j := i
	for ; j < len(s) && plainKinds[s[j]] == plainWord; j++ {
		b := s[j]
		switch {
		case 'a' <= b && b <= 'z':
			st.code = false
		case 'A' <= b && b <= 'Z':
			if st.letters < maxCaseLetters {
				st.upper |= 1 << st.letters
			}
			b += 'a' - 'A'
		}
		sc.words = append(sc.words, b)
		st.letters++
	}
	return j
}

// wordChar starts a word that is not plain, or joins a pending apostrophe
// to the current one, before a letter or digit is appended. capital says
// whether that letter is an ASCII capital, as a ticker code starts.
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

// endWord folds the current word, which is not plain, and appends its
// token.
func (sc *scan) endWord(st *tokState, v *vocab) {
	raw := sc.words[st.wStart:]
	var w []byte
	if st.apos == 0 {
		w = foldPlural(raw)
	} else {
		w = foldWord(raw)
	}
	id, flags := int32(-1), uint8(0)
	if st.code {
		flags = tokCode
	}
	if v != nil {
		id = v.lookup(unsafe.String(unsafe.SliceData(w), len(w)))
	}
	if keep(v, id, st.wSep, flags) {
		t := sc.newToken()
		t.off, t.n, t.id, t.pos, t.sep, t.flags = int32(st.wStart), int32(len(w)), id, st.pos, st.wSep, flags
		// The fold drops letters from the end only (and apostrophes, which
		// are not counted): the first kept letters keep their case bits.
		kept := st.letters - (len(raw) - len(w) - st.apos)
		t.upper = st.upper
		if kept < maxCaseLetters {
			t.upper &= 1<<kept - 1
		}
		if st.code {
			// A code is ASCII capitals and digits with no apostrophe, so
			// the fold only shortened it: its lower-case form stays.
			t.raw = int32(len(raw))
		} else {
			sc.words = sc.words[:st.wStart+len(w)]
		}
	} else {
		sc.words = sc.words[:st.wStart]
	}
	st.pos++
	st.inWord, st.prevWord, st.prevCJK = false, true, false
	st.sepRunes, st.nColon, st.nOther, st.lastDollar = 0, 0, 0, false
	if st.pendApos {
		// The apostrophe turned out to close a quotation, not to join two
		// parts of a word: it starts the separator.
		st.sepRunes, st.nOther, st.pendApos = 1, 1, false
	}
}

// cjkWord appends the CJK character c (its bytes) as a word of its own:
// CJK text has no spaces between words, so a phrase may start and end at
// any character. It is joined to a CJK character before it when only
// white space separates them.
func (sc *scan) cjkWord(st *tokState, c string, v *vocab) {
	sep := st.sep()
	if st.prevCJK && st.nColon == 0 && st.nOther == 0 {
		sep |= sepJoined
	}
	id := int32(-1)
	if v != nil {
		id = v.lookup(c)
	}
	if keep(v, id, sep, 0) {
		t := sc.newToken()
		t.off, t.n, t.id, t.pos, t.sep = int32(len(sc.words)), int32(len(c)), id, st.pos, sep
		sc.words = append(sc.words, c...)
	}
	st.pos++
	st.prevWord, st.prevCJK = true, true
	st.sepRunes, st.nColon, st.nOther, st.lastDollar = 0, 0, 0, false
}

// isASCII reports whether s is plain ASCII, which needs no normalisation,
// eight bytes at a time.
func isASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
