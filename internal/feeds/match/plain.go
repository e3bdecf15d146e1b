package match

import "unicode/utf8"

// plainRun reads the plain words and the spaces and punctuation between
// them at s[i:], the bulk of any headline, in one tight loop: a plain word
// is a run of ASCII letters and digits that ends the text or is followed
// by an ASCII character that cannot continue it (see endsWord), and is
// read in place. It returns where it stops, at anything else.
func (sc *scan) plainRun(st *tokState, s string, i int, v *vocab) int {
	for ; i < len(s); i++ {
		if k := plainKinds[s[i]]; k == plainSpace {
			st.sepRunes++
		} else if k == plainOther {
			st.sepRunes++
			st.nOther++
		} else {
			break
		}
		st.lastDollar = false
	}
	// Only the first word can follow a colon or a '$' in the state carried
	// in: the others follow spaces and punctuation that are neither.
	sep, pos, seps, others := st.sep(), st.pos, 0, 0
loop:
	for i < len(s) {
		switch plainKinds[s[i]] {
		case plainWord:
		case plainSpace:
			seps++
			i++
			continue
		case plainOther:
			seps++
			others++
			i++
			continue
		default:
			break loop
		}
		b := s[i]
		j := i + 1
		for j < len(s) && plainKinds[s[j]] == plainWord {
			j++
		}
		if j < len(s) && (s[j] >= utf8.RuneSelf || s[j] == '\'' || s[j] == '&' && !endsWord(s, j)) {
			break // not a plain word
		}
		w := s[i:j]
		n := len(w)
		if w[n-1]|0x20 == 's' {
			n = foldedLen(w)
		}
		id := int32(-1)
		if v != nil {
			if k := plainKey(w[:n]); v.mayHave(k) {
				id = v.lookupPlain(w[:n], k)
			}
		}
		if id >= 0 || v == nil || sep != 0 && 'A' <= b && b <= 'Z' {
			flags := uint8(tokPlain)
			if 'A' <= b && b <= 'Z' && isCode(w) {
				flags |= tokCode
			}
			if keep(v, id, sep, flags) {
				t := sc.newToken()
				t.off, t.n, t.raw, t.id, t.pos, t.sep, t.flags = int32(i), int32(n), int32(len(w)), id, pos, sep, flags
			}
		}
		pos++
		sep, seps, others = 0, 0, 0
		i = j
	}
	if pos != st.pos {
		st.pos, st.prevWord, st.prevCJK = pos, true, false
		st.sepRunes, st.nColon, st.nOther, st.lastDollar = seps, 0, others, false
	}
	return i
}

// cjkRun reads the CJK ideographs and Hangul syllables at s[i:], and the
// spaces between them, in one loop, as cjkWord and the separator handling
// of tokenize would: the bulk of Chinese and Korean text. It returns where
// it stops, at anything else.
func (sc *scan) cjkRun(st *tokState, s string, i int, v *vocab) int {
	start, spaces := i, 0
	for i < len(s) {
		b := s[i]
		if b == ' ' {
			spaces++
			i++
			continue
		}
		// Every such character is three bytes, 0xE4 to 0xED first.
		if b < 0xE4 || b > 0xED || i+2 >= len(s) || s[i+1]&0xC0 != 0x80 || s[i+2]&0xC0 != 0x80 {
			break
		}
		r := rune(b&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
		if !(0x4E00 <= r && r <= 0x9FFF || 0xAC00 <= r && r <= 0xD7A3) {
			break
		}
		var sep uint8
		if i == start {
			sep = st.sep()
			if st.prevCJK && st.nColon == 0 && st.nOther == 0 {
				sep |= sepJoined
			}
		} else {
			sep = sepJoined // after a CJK character and spaces at most
		}
		id := int32(-1)
		if v != nil {
			id = v.lookup(s[i : i+3])
		}
		if keep(v, id, sep, 0) {
			t := sc.newToken()
			t.off, t.n, t.id, t.pos, t.sep = int32(len(sc.words)), 3, id, st.pos, sep
			sc.words = append(sc.words, s[i:i+3]...)
		}
		st.pos++
		st.prevWord, st.prevCJK = true, true
		spaces = 0
		i += 3
	}
	if i == start {
		return i
	}
	st.sepRunes, st.nColon, st.nOther, st.lastDollar = spaces, 0, 0, false
	return i
}

// Kinds of bytes in plainKinds.
const (
	plainNone  = iota // anything plainRun leaves to tokenize
	plainWord         // an ASCII letter or digit
	plainSpace        // ' '
	plainOther        // ASCII punctuation that is only a separator: not ':', '$', '\'', '<' or '&'
)

// plainKinds gives the kind of every byte for plainRun.
const plainKinds = "" +
	"\x03\x03\x03\x03\x03\x03\x03\x03\x03\x00\x00\x00\x00\x00\x03\x03" +
	"\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03" +
	"\x02\x03\x03\x03\x00\x03\x00\x00\x03\x03\x03\x03\x03\x03\x03\x03" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x03\x00\x03\x03\x03" +
	"\x03\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x03\x03\x03\x03\x03" +
	"\x03\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x03\x03\x03\x03\x03" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"

// endsWord reports whether a run of ASCII letters and digits that stops at
// s[j] is a whole word: the text ends there, or an ASCII character follows
// that can neither join it to more letters (an apostrophe, an apostrophe
// entity) nor go on with it (a combining mark, which is not ASCII).
func endsWord(s string, j int) bool {
	switch {
	case j == len(s):
		return true
	case s[j] >= utf8.RuneSelf || s[j] == '\'':
		return false
	case s[j] == '&':
		_, cls := markupAt(s, j)
		return cls != clsApos
	}
	return true
}
