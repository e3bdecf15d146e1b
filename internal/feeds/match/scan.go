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

// tokenize appends the words of s to sc.toks, their folded forms to
// sc.words and their codes to sc.codes. vocab gives word ids; nil leaves
// every id -1. Text that is not ASCII is first put in Unicode compatibility
// decomposition (NFKD), which maps full-width forms, ligatures and
// non-breaking spaces to their plain forms and splits accents off letters.
func (sc *scan) tokenize(s string, vocab map[string]int32) {
	if !isASCII(s) {
		sc.norm = norm.NFKD.AppendString(sc.norm[:0], s)
		// sc.norm is not written again before tokenize returns, and no
		// part of s outlives this call: words and codes are copied.
		s = unsafe.String(unsafe.SliceData(sc.norm), len(sc.norm))
	}
	var (
		inWord   bool // inside a word
		pendApos bool // an apostrophe follows the word so far; it joins the word only if a letter follows
		upper    bool // the word so far could be a ticker code
		wStart   int  // where the word starts in sc.words
		cStart   int  // where the word starts in sc.codes
		sepFlags uint8
		// The separator since the last word: its length in runes, and how
		// many of them are colons and other non-space characters.
		sepRunes, nColon, nOther int
		lastDollar               bool // the separator so far ends with '$'
		prevWord                 bool // a word came before in s
	)
	endWord := func() {
		w := foldWord(sc.words[wStart:])
		sc.words = sc.words[:wStart+len(w)]
		t := token{word: span{int32(wStart), int32(len(w))}, id: -1, sep: sepFlags}
		if upper {
			t.code = span{int32(cStart), int32(len(sc.codes) - cStart)}
		} else {
			sc.codes = sc.codes[:cStart]
		}
		if vocab != nil {
			if id, ok := vocab[string(w)]; ok {
				t.id = id
			}
		}
		sc.toks = append(sc.toks, t)
		inWord, prevWord = false, true
		sepRunes, nColon, nOther, lastDollar = 0, 0, 0, false
		if pendApos {
			// The apostrophe turned out to close a quotation, not to
			// join two parts of a word: it starts the separator.
			sepRunes, nOther, pendApos = 1, 1, false
		}
	}
	for i := 0; i < len(s); {
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
			if !inWord {
				inWord, upper = true, true
				wStart, cStart = len(sc.words), len(sc.codes)
				sepFlags = 0
				if nColon == 1 && nOther == 0 {
					sepFlags |= sepColon
				}
				if lastDollar && (sepRunes >= 2 || !prevWord) {
					sepFlags |= sepCashtag
				}
			} else if pendApos {
				sc.words = append(sc.words, '\'')
				pendApos, upper = false, false
			}
			if upper {
				switch {
				case 'A' <= r && r <= 'Z', '0' <= r && r <= '9' && len(sc.codes) > cStart:
					sc.codes = append(sc.codes, byte(r))
				default:
					upper = false
				}
			}
			if r < utf8.RuneSelf {
				if 'A' <= r && r <= 'Z' {
					r += 'a' - 'A'
				}
				sc.words = append(sc.words, byte(r))
			} else {
				sc.words = utf8.AppendRune(sc.words, unicode.ToLower(r))
			}
			continue
		case clsApos:
			if inWord && !pendApos {
				pendApos = true
				continue
			}
		}
		if inWord {
			endWord()
		}
		sepRunes++
		lastDollar = cls == clsDollar
		switch cls {
		case clsColon:
			nColon++
		case clsSpace:
		default:
			nOther++
		}
	}
	if inWord {
		endWord()
	}
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
