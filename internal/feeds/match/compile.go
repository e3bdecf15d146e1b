package match

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/monitord/monitord/internal/config"
)

// compiled is the immutable state behind a Matcher: one trie over folded
// words holding every keyword term, alias, exclusion and exchange name.
type compiled struct {
	// vocab numbers the folded words that some pattern uses.
	vocab *vocab
	// root maps a word id to the trie node it leads to from the root, or 0.
	root []int32
	// next maps edge(node, word id, joined) to the child node while the
	// trie is built; layout then lays it out in edges and drops it.
	next map[uint64]int32
	// edges are the edges of every node but the root, by node (see
	// node.edges) and, within a node, by key.
	edges []edgeTo
	// nodes are the trie's nodes; nodes[0] is the root.
	nodes []node

	groups    []group  // sorted by name
	tickers   []ticker // sorted by symbol
	exchanges []exchange

	bySymbol map[string]int32   // symbol -> index in tickers
	byCode   map[string]codeRef // ticker code -> the tickers it may stand for (see resolve)
	byCIK    map[string]int32   // CIK without leading zeros -> index in tickers

	// cases holds the capitalisation of case-sensitive aliases, one
	// scan.upperOf per word (see aliasRef).
	cases []uint64

	// scans recycles per-call scratch space (*scan).
	scans sync.Pool
	// results interns the Results Match returns.
	results results
}

// node is one trie node: the phrase spelt by the path from the root.
type node struct {
	// edges are the node's edges in compiled.edges, from and to.
	edges [2]int32
	// terminal is set when a term, alias or exclusion ends here: hits on
	// the node are recorded.
	terminal bool
	// exchange is 1 + the index in compiled.exchanges of the exchange name
	// ending here, or 0.
	exchange int16
	// aliasOf are the aliases spelt by this phrase, excludeOf the tickers
	// that have it as an exclusion.
	aliasOf   []aliasRef
	excludeOf []int32
	// groups are the keyword groups that have this phrase as an any or all
	// term: only they can match when it is found.
	groups []int32
}

// aliasRef is one ticker's alias ending at a trie node. An alias matches
// as it is written: its words must be capitalised as in the configuration,
// letter for letter (the first 64 letters of each word), unless the field
// is written in capitals (see scan.inCapitals) or the alias is listed in
// aliases_any_case.
type aliasRef struct {
	ticker int32
	// caseOff is where the capitalisation of the alias's words starts in
	// compiled.cases, or -1 for an alias that matches in any case.
	caseOff int32
}

// group is a compiled keyword group. Terms are trie nodes, deduplicated.
type group struct {
	name           string
	any, all, none []int32
	// report are the any and all terms in configuration order, each node
	// once, with the first spelling that folded to it.
	report []term
}

// term is a configured spelling and the node it folds to.
type term struct {
	text string
	node int32
}

// ticker is a watched ticker.
type ticker struct {
	symbol string
}

func compile(groups map[string]config.KeywordGroup, tickers []config.Ticker) (*compiled, error) {
	c := &compiled{
		vocab:     newVocab(),
		next:      map[uint64]int32{},
		nodes:     make([]node, 1),
		exchanges: exchanges(),
		bySymbol:  map[string]int32{},
		byCode:    map[string]codeRef{},
		byCIK:     map[string]int32{},
	}
	sc := newScan(0, 0, 0)
	for i, ex := range c.exchanges {
		n, err := c.add(sc, ex.name)
		if err != nil {
			return nil, fmt.Errorf("exchange %q: %w", ex.name, err)
		}
		c.nodes[n].exchange = int16(i + 1)
	}

	names := make([]string, 0, len(groups))
	for name := range groups {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		g, err := c.addGroup(sc, name, groups[name])
		if err != nil {
			return nil, err
		}
		c.groups = append(c.groups, g)
	}

	ts := append([]config.Ticker(nil), tickers...)
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Symbol < ts[j].Symbol })
	for i, t := range ts {
		if err := c.addTicker(sc, int32(i), t); err != nil {
			return nil, err
		}
	}

	c.layout()
	nodes, nt, ng := len(c.nodes), len(c.tickers), len(c.groups)
	c.scans.New = func() any { return newScan(nodes, nt, ng) }
	return c, nil
}

// add inserts the phrase s into the trie and returns its node. It fails if
// s has no words.
func (c *compiled) add(sc *scan, s string) (int32, error) {
	sc.reset()
	sc.tokenize(s, nil)
	if len(sc.toks) == 0 {
		return 0, fmt.Errorf("has no letters or digits")
	}
	n := int32(0)
	for i, t := range sc.toks {
		id := c.vocab.add(string(sc.wordOf(&t)))
		e := edge(n, id, i > 0 && t.sep&sepJoined != 0)
		child, ok := c.next[e]
		if !ok {
			child = int32(len(c.nodes))
			c.nodes = append(c.nodes, node{})
			c.next[e] = child
		}
		n = child
	}
	return n, nil
}

// addGroup compiles the keyword group name.
func (c *compiled) addGroup(sc *scan, name string, kg config.KeywordGroup) (group, error) {
	g := group{name: name}
	seen := map[int32]bool{}
	for _, l := range []struct {
		key   string
		terms []string
		dst   *[]int32
	}{{"any", kg.Any, &g.any}, {"all", kg.All, &g.all}, {"none", kg.None, &g.none}} {
		listed := map[int32]bool{}
		for i, s := range l.terms {
			n, err := c.add(sc, s)
			if err != nil {
				return g, fmt.Errorf("keywords.%s.%s[%d]: %q %w", name, l.key, i, s, err)
			}
			c.nodes[n].terminal = true
			if !listed[n] {
				listed[n] = true
				*l.dst = append(*l.dst, n)
			}
			if l.key != "none" && !seen[n] {
				seen[n] = true
				g.report = append(g.report, term{text: s, node: n})
				// The group is compiled as c.groups[len(c.groups)].
				c.nodes[n].groups = append(c.nodes[n].groups, int32(len(c.groups)))
			}
		}
	}
	return g, nil
}

// addTicker compiles the watched ticker t, which is tickers[ti] once
// sorted.
func (c *compiled) addTicker(sc *scan, ti int32, t config.Ticker) error {
	sym := strings.TrimSpace(t.Symbol)
	if _, dup := c.bySymbol[sym]; dup || sym == "" {
		return fmt.Errorf("tickers: symbol %q is empty or listed twice", sym)
	}
	c.tickers = append(c.tickers, ticker{symbol: sym})
	c.bySymbol[sym] = ti
	c.addCode(sym, ti)
	if cik := strings.TrimLeft(strings.TrimSpace(t.CIK), "0"); cik != "" {
		c.byCIK[cik] = ti
	}
	for _, l := range []struct {
		key     string
		phrases []string
		kind    int
	}{{"aliases", t.Aliases, aliasAsWritten}, {"aliases_any_case", t.AliasesAnyCase, aliasAnyCase}, {"exclude", t.Exclude, exclusion}} {
		for i, s := range l.phrases {
			n, err := c.add(sc, s)
			if err != nil {
				return fmt.Errorf("tickers[%s].%s[%d]: %q %w", sym, l.key, i, s, err)
			}
			nd := &c.nodes[n]
			nd.terminal = true
			switch l.kind {
			case exclusion:
				if !slices.Contains(nd.excludeOf, ti) {
					nd.excludeOf = append(nd.excludeOf, ti)
				}
			case aliasAnyCase:
				nd.aliasOf = appendAlias(nd.aliasOf, aliasRef{ticker: ti, caseOff: -1})
			default:
				nd.aliasOf = appendAlias(nd.aliasOf, aliasRef{ticker: ti, caseOff: c.addCase(sc)})
			}
		}
	}
	return nil
}

// Kinds of ticker phrases.
const (
	aliasAsWritten = iota
	aliasAnyCase
	exclusion
)

// addCase stores the capitalisation of the words just tokenized in sc and
// returns where it starts in c.cases.
func (c *compiled) addCase(sc *scan) int32 {
	off := int32(len(c.cases))
	for i := range sc.toks {
		c.cases = append(c.cases, sc.upperOf(&sc.toks[i]))
	}
	return off
}

// appendAlias adds a to s unless s has it, or has the ticker's alias in
// any case, which matches wherever a is.
func appendAlias(s []aliasRef, a aliasRef) []aliasRef {
	for i, x := range s {
		switch {
		case x.ticker != a.ticker:
		case x == a, x.caseOff < 0:
			return s
		case a.caseOff < 0:
			s[i] = a
			return s
		}
	}
	return append(s, a)
}
