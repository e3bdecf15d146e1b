package match

import (
	"encoding/binary"
	"slices"
)

// Fields of an item, as bits: a phrase found in the title weighs more.
const (
	fieldNative  uint8 = 0 // a tag the source attached, scanned for exchange forms only
	fieldTitle   uint8 = 1
	fieldSummary uint8 = 2
)

// hit records that the phrase of terminal node n was found in field, at
// the words toks.
func (c *compiled) hit(sc *scan, n int32, field uint8, toks []token) {
	if sc.nodeGen[n] != sc.cur {
		sc.nodeGen[n] = sc.cur
		sc.nodeHits[n] = 0
		sc.hits++
	}
	sc.nodeHits[n] |= field
	nd := &c.nodes[n]
	for _, g := range nd.groups {
		sc.groupGen[g] = sc.cur
	}
	for _, a := range nd.aliasOf {
		if a.caseOff < 0 || c.sameCase(sc, a, toks) || sc.inCapitals() {
			sc.ticker(a.ticker).alias |= field
		}
	}
	for _, ti := range nd.excludeOf {
		sc.ticker(ti).vetoed = true
	}
}

// sameCase reports whether the words toks are capitalised as alias a is
// written.
func (c *compiled) sameCase(sc *scan, a aliasRef, toks []token) bool {
	want := c.cases[a.caseOff : a.caseOff+int32(len(toks))]
	for i := range toks {
		if sc.upperOf(&toks[i]) != want[i] {
			return false
		}
	}
	return true
}

// scanField reads one field: every phrase that starts at every word is
// followed down the trie as far as the words allow, so overlapping phrases
// ("heavy rare earth", "rare earth") are all found.
func (c *compiled) scanField(sc *scan, s string, field uint8) {
	sc.reset()
	sc.tokenize(s, c.vocab)
	toks := sc.toks
	for i := range toks {
		t := &toks[i]
		if t.sep&sepCashtag != 0 && t.flags&tokCode != 0 && field != fieldNative {
			if ti := c.resolve(sc.codeOf(t), ""); ti >= 0 {
				sc.ticker(ti).cashtag |= field
			}
		}
		if t.id < 0 {
			continue
		}
		n := c.root[t.id]
		for j := i; n != 0; {
			nd := &c.nodes[n]
			if nd.terminal && field != fieldNative {
				c.hit(sc, n, field, toks[i:j+1])
			}
			j++
			if j >= len(toks) || toks[j].pos != toks[j-1].pos+1 {
				break // the next word is not kept: no phrase uses it
			}
			if nd.exchange != 0 {
				c.exchangeTag(sc, &toks[j], int(nd.exchange-1), field)
			}
			if toks[j].id < 0 {
				break
			}
			n = c.child(n, &toks[j])
		}
	}
}

// match implements Matcher.Match. It finds the groups and tickers, writes
// the shape of the result (which groups with which terms, which tickers
// how) to sc.key, and returns the interned Result of that shape with this
// item's score.
func (c *compiled) match(title, summary string, native []string) Result {
	sc := c.scans.Get().(*scan)
	defer func() {
		sc.release()
		c.scans.Put(sc)
	}()
	sc.begin()
	c.scanField(sc, title, fieldTitle)
	c.scanField(sc, summary, fieldSummary)
	for _, s := range native {
		c.native(sc, s)
	}

	key, score := sc.key[:0], 0.0
	if sc.hits > 0 {
		for gi := range c.groups {
			g := &c.groups[gi]
			if sc.groupGen[gi] != sc.cur || !g.matches(sc) {
				continue
			}
			key = binary.AppendUvarint(key, uint64(gi)+1)
			for ti, t := range g.report {
				if b := sc.nodeBits(t.node); b != 0 {
					key = binary.AppendUvarint(key, uint64(ti)+1)
					score += weight(b)
				}
			}
			key = append(key, 0)
		}
	}
	key = append(key, 0)

	slices.Sort(sc.touched)
	for _, ti := range sc.touched {
		st := &sc.tick[ti]
		named := st.cashtag
		if !st.vetoed {
			named |= st.exchange | st.alias
		}
		var how byte
		switch {
		case st.native:
			how = howNative
		case st.cashtag != 0:
			how = howCashtag
		case named&st.exchange != 0:
			how = howExchange
		case named&st.alias != 0:
			how = howAlias
		default:
			continue
		}
		key = binary.AppendUvarint(key, uint64(ti))
		key = append(key, how)
		if named != 0 {
			score += weight(named)
		} else {
			score += nativeWeight
		}
	}
	sc.key = key

	r := c.results.get(c, key)
	r.Score = score
	return r
}

// matches reports whether the group matches the phrases found in sc.
func (g *group) matches(sc *scan) bool {
	if len(g.any) == 0 && len(g.all) == 0 {
		return false
	}
	if len(g.any) > 0 && !slices.ContainsFunc(g.any, func(n int32) bool { return sc.nodeBits(n) != 0 }) {
		return false
	}
	for _, n := range g.all {
		if sc.nodeBits(n) == 0 {
			return false
		}
	}
	for _, n := range g.none {
		if sc.nodeBits(n) != 0 {
			return false
		}
	}
	return true
}
