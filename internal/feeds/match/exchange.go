package match

import "strings"

// exchange is a stock exchange as press releases name it, and the suffix
// Yahoo gives the symbols it lists.
type exchange struct {
	name   string
	suffix string
}

// exchanges lists the exchange names recognised in "(NYSE: MP)" forms. The
// names are folded like any other phrase, so "Nasdaq", "NASDAQ" and
// "TSX-V" (the words "tsx v") need no variants here.
func exchanges() []exchange {
	return []exchange{
		{"NYSE", ""}, {"NYSE American", ""}, {"NYSE MKT", ""}, {"NYSE Arca", ""},
		{"NYSEAmerican", ""}, {"NYSEArca", ""}, {"AMEX", ""},
		{"Nasdaq", ""}, {"Nasdaq GS", ""}, {"Nasdaq GM", ""}, {"Nasdaq CM", ""},
		{"NasdaqGS", ""}, {"NasdaqGM", ""}, {"NasdaqCM", ""},
		{"OTC", ""}, {"OTCQX", ""}, {"OTCQB", ""}, {"OTC Pink", ""}, {"OTC Markets", ""},
		{"OTCMKTS", ""}, {"OTCQX U.S.", ""},
		{"TSX", ".TO"}, {"TSXV", ".V"}, {"TSX-V", ".V"}, {"TSX Venture", ".V"},
		{"TSX Venture Exchange", ".V"}, {"CSE", ".CN"}, {"NEO", ".NE"}, {"Cboe Canada", ".NE"},
		{"ASX", ".AX"}, {"LSE", ".L"}, {"HKEX", ".HK"}, {"SEHK", ".HK"},
		{"FSE", ".F"}, {"Frankfurt", ".F"}, {"XETRA", ".DE"}, {"JSE", ".JO"}, {"NZX", ".NZ"},
	}
}

// codeRef is what a ticker code may stand for.
type codeRef struct {
	exact int32 // the watched symbol that is the code, or -1
	base  int32 // the first watched symbol (by symbol) that is the code and a '.' suffix, or -1
	// suffixed are the watched symbols that are the code and a suffix.
	suffixed []suffixRef
}

// suffixRef is a watched symbol by its Yahoo suffix.
type suffixRef struct {
	suffix string
	ticker int32
}

// addCode records the watched symbol sym, tickers[ti], under the code it
// is written with: itself, or the part before its last '.'.
func (c *compiled) addCode(sym string, ti int32) {
	code, suffix := sym, ""
	if i := strings.LastIndexByte(sym, '.'); i > 0 {
		code, suffix = sym[:i], sym[i:]
	}
	ref, ok := c.byCode[code]
	if !ok {
		ref = codeRef{exact: -1, base: -1}
	}
	if suffix == "" {
		ref.exact = ti
	} else {
		if ref.base < 0 {
			ref.base = ti
		}
		ref.suffixed = append(ref.suffixed, suffixRef{suffix, ti})
	}
	c.byCode[code] = ref
}

// resolve returns the index of the watched ticker that code, listed on an
// exchange whose Yahoo suffix is suffix, stands for, or -1. It tries, in
// order, the code with the exchange's suffix ("TSXV: UCU" is UCU.V), the
// code itself, and a watched symbol whose part before its '.' suffix is the
// code: shares listed on several exchanges are one company, so "TSX: LAC"
// tags LAC when LAC.TO is not watched, and "NYSE: LAC" tags LAC.TO when
// only that is.
func (c *compiled) resolve(code []byte, suffix string) int32 {
	ref, ok := c.byCode[string(code)]
	if !ok {
		return -1
	}
	if suffix != "" {
		for _, s := range ref.suffixed {
			if s.suffix == suffix {
				return s.ticker
			}
		}
	}
	if ref.exact >= 0 {
		return ref.exact
	}
	return ref.base
}

// native tags the ticker that a source attached to an item. s may be a
// symbol in any case ("MP", "ucu.v"), a CIK with or without its leading
// zeros, or an exchange form ("NYSE:MP", as GlobeNewswire's stock category
// has it).
func (c *compiled) native(sc *scan, s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	if allDigits(s) {
		if ti, ok := c.byCIK[strings.TrimLeft(s, "0")]; ok {
			sc.ticker(ti).native = true
		}
		return
	}
	if len(s) <= 32 {
		sc.tmp = sc.tmp[:0]
		for i := 0; i < len(s); i++ {
			b := s[i]
			if 'a' <= b && b <= 'z' {
				b -= 'a' - 'A'
			}
			sc.tmp = append(sc.tmp, b)
		}
		if ti, ok := c.bySymbol[string(sc.tmp)]; ok {
			sc.ticker(ti).native = true
			return
		}
	}
	c.scanField(sc, s, fieldNative)
}

// exchangeTag tags the ticker named by the code in tok, which follows the
// name of exchange ex, if tok is written as a code after a colon.
func (c *compiled) exchangeTag(sc *scan, tok *token, ex int, field uint8) {
	if tok.sep&sepColon == 0 || tok.flags&tokCode == 0 {
		return
	}
	ti := c.resolve(sc.codeOf(tok), c.exchanges[ex].suffix)
	if ti < 0 {
		return
	}
	t := sc.ticker(ti)
	if field == fieldNative {
		t.native = true
	} else {
		t.exchange |= field
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
