package match

import (
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// Character classes of the tokenizer.
const (
	clsOther = iota
	clsWord  // letter or number: part of a word
	clsCJK   // CJK letter or number: a word of its own (see isCJK)
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
		if isCJK(r) {
			return clsCJK
		}
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

// cjkScripts are the scripts written without spaces between words (Korean
// has spaces, but its particles and compounds attach to the word).
var cjkScripts = []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo}

// isCJK reports whether the letter or number r is a CJK character: one of
// cjkScripts, or a letter of the CJK Symbols and Punctuation block (々, 〆,
// 〇) or the prolonged sound mark ー, which Katakana words hold ("レアアース")
// but Unicode counts in no script of its own.
func isCJK(r rune) bool {
	switch {
	case r < 0x1100:
		return false // below every CJK block: the common case, Latin with accents
	case r <= 0x11FF:
		return true // Hangul Jamo
	case r < 0x2E80:
		return false
	}
	return r <= 0x303F && r >= 0x3000 || r == 0x30FC || unicode.In(r, cjkScripts...)
}

// normalize returns s in Unicode compatibility composition (NFKC), which
// maps full-width forms to ASCII ("ＭＰ" is "MP", the ideographic space is
// a space), ligatures and half-width Katakana to their plain forms, with
// every character but CJK ones then decomposed (NFD), so that the
// tokenizer can drop accents ("é" is "e" and a mark). CJK characters stay
// composed: a voiced kana is another sound ("ガ" is not "カ") and a Hangul
// syllable is one character, not three jamo.
//
// The result is sc.norm, which is not written again until the next call;
// the caller must not keep it.
func (sc *scan) normalize(s string) string {
	sc.norm = sc.norm[:0]
	sc.iter.InitString(norm.NFKC, s)
	for !sc.iter.Done() {
		seg := sc.iter.Next()
		for i := 0; i < len(seg); {
			if seg[i] < utf8.RuneSelf {
				sc.norm = append(sc.norm, seg[i])
				i++
				continue
			}
			_, w := utf8.DecodeRune(seg[i:])
			if d := norm.NFD.Properties(seg[i:]).Decomposition(); d != nil {
				if r, _ := utf8.DecodeRune(seg[i:]); !isCJK(r) {
					sc.norm = append(sc.norm, d...)
					i += w
					continue
				}
			}
			sc.norm = append(sc.norm, seg[i:i+w]...)
			i += w
		}
	}
	// sc.norm is not written again before the caller is done with it, and
	// no part of it outlives tokenize: words are copied.
	return unsafe.String(unsafe.SliceData(sc.norm), len(sc.norm))
}
