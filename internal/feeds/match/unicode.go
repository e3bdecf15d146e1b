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
	case 0x4E00 <= r && r <= 0x9FFF, 0xAC00 <= r && r <= 0xD7A3:
		// CJK Unified Ideographs and Hangul Syllables, every one a letter:
		// the bulk of CJK text, spared the table searches below.
		return clsCJK
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
	case r <= 0x30FF && r >= 0x3000:
		// CJK punctuation, Hiragana and Katakana: their letters are kana,
		// ー and the likes of 々.
		return true
	}
	return unicode.In(r, cjkScripts...)
}

// normalize returns s in Unicode compatibility composition (NFKC), which
// maps full-width forms to ASCII ("ＭＰ" is "MP", the ideographic space is
// a space), ligatures and half-width Katakana to their plain forms, with
// every character but CJK ones then decomposed (NFD), so that the
// tokenizer can drop accents ("é" is "e" and a mark). CJK characters stay
// composed: a voiced kana is another sound ("ガ" is not "カ") and a Hangul
// syllable is one character, not three jamo.
//
// Most text is already in that form (a curly apostrophe, a dash, Chinese):
// then s itself is returned. Otherwise the result is in sc.nfkc or sc.norm,
// which are not written again until the next call; the caller must not
// keep it.
func (sc *scan) normalize(s string) string {
	switch plainText(s) {
	case textPlain:
		return s
	case textWide:
		sc.nfkc = appendNarrow(sc.nfkc[:0], s)
		return unsafe.String(unsafe.SliceData(sc.nfkc), len(sc.nfkc))
	}
	if norm.NFKC.QuickSpanString(s) != len(s) {
		// An Iter, not AppendString, which allocates its buffers.
		sc.nfkc = sc.nfkc[:0]
		sc.iter.InitString(norm.NFKC, s)
		for !sc.iter.Done() {
			sc.nfkc = append(sc.nfkc, sc.iter.Next()...)
		}
		s = unsafe.String(unsafe.SliceData(sc.nfkc), len(sc.nfkc))
	}
	if !needsDecomposing(s) {
		return s
	}
	// sc.norm (like sc.nfkc) is not written again before the field is
	// scanned, which is as long as tokens refer to it.
	sc.norm = appendDecomposed(sc.norm[:0], s)
	return unsafe.String(unsafe.SliceData(sc.norm), len(sc.norm))
}

// Kinds of text by what normalize must do with it.
const (
	textPlain = iota // nothing: ASCII and plainRune characters
	textWide         // map wide forms to ASCII (see narrow), nothing else
	textOther        // the general case
)

// plainText tells which of the quick cases of normalize s falls in:
// ASCII and the characters of plainRune are already normalised, as none
// of them has a compatibility form or decomposes (CJK ones stay composed),
// and none combines with the character before, so neither does anything
// after; full-width ASCII and the odd spaces of narrow only need mapping
// to their ASCII forms, on the same grounds.
func plainText(s string) int {
	kind := textPlain
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case plainRune(r):
		case narrow(r) != 0:
			kind = textWide
		default:
			return textOther
		}
		i += w
	}
	return kind
}

// narrow returns the ASCII form that NFKC gives the full-width form of an
// ASCII character, the ideographic space or the no-break space, or 0 for
// any other character (TestNarrow holds it to the Unicode tables).
func narrow(r rune) byte {
	switch {
	case 0xFF01 <= r && r <= 0xFF5E:
		return byte(r - 0xFF01 + '!')
	case r == 0x3000, r == 0xA0:
		return ' '
	}
	return 0
}

// appendNarrow appends s to dst with the characters that narrow maps
// mapped.
func appendNarrow(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			dst = append(dst, s[i])
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if b := narrow(r); b != 0 {
			dst = append(dst, b)
		} else {
			dst = append(dst, s[i:i+w]...)
		}
		i += w
	}
	return dst
}

// plainRune reports whether r is one of the common characters of
// headlines beyond ASCII that normalisation leaves as they are and that
// combine with nothing before them: CJK ideographs, Hangul syllables,
// kana, the CJK full stop, comma, brackets and middle dot, and curly
// quotes and dashes (TestPlainRune holds it to the Unicode tables).
func plainRune(r rune) bool {
	switch {
	case 0x4E00 <= r && r <= 0x9FFF, 0xAC00 <= r && r <= 0xD7A3:
		return true
	case 0x3041 <= r && r <= 0x3096, 0x30A1 <= r && r <= 0x30FC:
		return true
	case 0x3001 <= r && r <= 0x3002, 0x3008 <= r && r <= 0x3011:
		return true
	case 0x2013 <= r && r <= 0x2014, 0x2018 <= r && r <= 0x2019, 0x201C <= r && r <= 0x201D:
		return true
	}
	return false
}

// decomposition returns the NFD decomposition of the character r that
// starts s, or nil if it has none or is a CJK character, which stays
// composed.
func decomposition(s string, r rune) []byte {
	if 0x3000 <= r && r <= 0x9FFF || 0xAC00 <= r && r <= 0xD7A3 {
		// Kana, CJK ideographs and Hangul: composed where they decompose.
		return nil
	}
	d := norm.NFD.PropertiesString(s).Decomposition()
	if d != nil && isCJK(r) {
		return nil
	}
	return d
}

// needsDecomposing reports whether some character of s decomposes.
func needsDecomposing(s string) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if decomposition(s[i:], r) != nil {
			return true
		}
		i += w
	}
	return false
}

// appendDecomposed appends s to dst with every character decomposed.
func appendDecomposed(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			dst = append(dst, s[i])
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if d := decomposition(s[i:], r); d != nil {
			dst = append(dst, d...)
		} else {
			dst = append(dst, s[i:i+w]...)
		}
		i += w
	}
	return dst
}
