package match

// foldWord folds a lower-cased word in place and returns it: a final
// possessive "'s" is dropped, then the remaining apostrophes ("o'neill" is
// "oneill"), then a plural ending (see foldPlural). Headline words and
// configured terms go through the same folding, so "Rare Earths", "rare
// earth's" and "rare earth" are one phrase.
func foldWord(w []byte) []byte {
	if n := len(w); n >= 2 && w[n-2] == '\'' && w[n-1] == 's' {
		w = w[:n-2]
	}
	j := 0
	for _, b := range w {
		if b != '\'' {
			w[j] = b
			j++
		}
	}
	return foldPlural(w[:j])
}

// foldPlural drops an English plural ending: "es" after "ss", "x", "z",
// "ch" and "sh" in words of five or more bytes ("taxes", "batches",
// "classes"), and otherwise a final "s" in words of four or more bytes that
// do not end in "ss", "us" or "is" ("magnets", "earths", "tariffs"; but
// "press", "status", "analysis", "gas" and "NdPr" stay). It is deliberately
// simple: it only has to fold a term and the words that should match it to
// the same form, not to find the English stem ("mines" and "mine" both
// become "mine", "news" becomes "new").
func foldPlural(w []byte) []byte {
	n := len(w)
	if n >= 5 && w[n-2] == 'e' && w[n-1] == 's' {
		switch {
		case w[n-3] == 'x', w[n-3] == 'z',
			w[n-4] == 's' && w[n-3] == 's',
			w[n-4] == 'c' && w[n-3] == 'h',
			w[n-4] == 's' && w[n-3] == 'h':
			return w[:n-2]
		}
	}
	if n >= 4 && w[n-1] == 's' {
		switch w[n-2] {
		case 's', 'u', 'i':
			return w
		}
		return w[:n-1]
	}
	return w
}

// foldedLen returns the length of the word w, ASCII letters and digits in
// any case, once folded: foldPlural's rule on its lower-case form, read in
// place (b|0x20 is the lower case of an ASCII letter and leaves digits as
// they are).
func foldedLen(w string) int {
	n := len(w)
	if n >= 5 && w[n-2]|0x20 == 'e' && w[n-1]|0x20 == 's' {
		c4, c3 := w[n-4]|0x20, w[n-3]|0x20
		switch {
		case c3 == 'x', c3 == 'z',
			c4 == 's' && c3 == 's',
			c4 == 'c' && c3 == 'h',
			c4 == 's' && c3 == 'h':
			return n - 2
		}
	}
	if n >= 4 && w[n-1]|0x20 == 's' {
		switch w[n-2] | 0x20 {
		case 's', 'u', 'i':
			return n
		}
		return n - 1
	}
	return n
}

// markupAt reports whether s[i:] starts with an HTML tag or character
// entity that the caller's HTML stripping left behind, and if so how many
// bytes it spans and how it reads: an apostrophe entity ("&rsquo;",
// "&#39;") reads as an apostrophe, every other tag or entity as a space, so
// "rare&nbsp;earth" and "<b>rare</b> earth" hold the phrase "rare earth".
//
// A tag is '<', a letter, '/' or '!', then anything but '<' and '>' up to
// '>'. An entity is '&', any number of "amp;" (double escaping, as in
// "&amp;nbsp;"), then a name of 2 to 32 letters and digits starting with a
// letter, 1 to 7 decimal digits after '#' or 1 to 6 hex digits after "#x",
// then ';'.
func markupAt(s string, i int) (n int, cls int) {
	switch s[i] {
	case '<':
		if i+1 >= len(s) || !(isASCIILetter(s[i+1]) || s[i+1] == '/' || s[i+1] == '!') {
			return 0, 0
		}
		for j := i + 2; j < len(s); j++ {
			switch s[j] {
			case '>':
				return j + 1 - i, clsSpace
			case '<':
				return 0, 0
			}
		}
	case '&':
		j := i + 1
		for len(s)-j > 4 && s[j:j+4] == "amp;" {
			j += 4
		}
		if k, apos := entityBody(s[j:]); k > 0 {
			if apos {
				return j + k - i, clsApos
			}
			return j + k - i, clsSpace
		}
		if j > i+1 {
			// "&amp;amp;": the last "amp;" is the entity itself.
			return j - i, clsSpace
		}
	}
	return 0, 0
}

// entityBody parses what follows the '&' of an entity, up to and including
// the ';', and reports its length (0 if it is no entity) and whether it is
// an apostrophe.
func entityBody(s string) (n int, apos bool) {
	if s == "" {
		return 0, false
	}
	if s[0] != '#' {
		if !isASCIILetter(s[0]) {
			return 0, false
		}
		k := 1
		for k < len(s) && (isASCIILetter(s[k]) || isDigit(s[k])) {
			k++
		}
		if k < 2 || k > 32 || k >= len(s) || s[k] != ';' {
			return 0, false
		}
		switch s[:k] {
		case "apos", "rsquo", "lsquo":
			return k + 1, true
		}
		return k + 1, false
	}
	base, k, maxDigits := 10, 1, 7
	if len(s) > 1 && (s[1] == 'x' || s[1] == 'X') {
		base, k, maxDigits = 16, 2, 6
	}
	start, v := k, 0
	for k < len(s) && k-start < maxDigits+1 {
		d := hexValue(s[k])
		if d < 0 || d >= base {
			break
		}
		v = v*base + d
		k++
	}
	if k == start || k-start > maxDigits || k >= len(s) || s[k] != ';' {
		return 0, false
	}
	return k + 1, isApostrophe(rune(v))
}

func isASCIILetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// hexValue returns the value of the hex digit b, or -1.
func hexValue(b byte) int {
	switch {
	case isDigit(b):
		return int(b - '0')
	case 'a' <= b && b <= 'f':
		return int(b-'a') + 10
	case 'A' <= b && b <= 'F':
		return int(b-'A') + 10
	}
	return -1
}
