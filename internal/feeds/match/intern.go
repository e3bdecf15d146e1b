package match

import (
	"encoding/binary"
	"slices"
	"sync"
	"sync/atomic"
)

// results interns the Results a Matcher returns, keyed by their shape:
// which groups matched with which terms, and which tickers were found how.
// Items that concern the same groups, terms and tickers are common (every
// "rare earth" story that names MP Materials), so after the first such
// item Match returns the slices built for it and allocates nothing. Only
// the score, a plain number, differs between items of one shape.
//
// The slices are shared by every Result of that shape and never written
// after they are built, so they are safe to keep and to read from any
// goroutine; their capacities equal their lengths, so that a caller's
// append copies instead of writing into them.
//
// Reads take no lock: shapes seen for a while are in an immutable map
// behind an atomic pointer. New shapes go to a map under a mutex, which is
// merged into a new immutable map once it holds a quarter as many, so
// that the copies cost O(1) per shape.
type results struct {
	seen atomic.Pointer[map[string]Result]

	mu    sync.Mutex
	fresh map[string]Result // guarded by mu
}

// maxShapes bounds results: past it, the table starts again empty. A
// watchlist and a few keyword groups yield some hundreds of shapes in a
// month of news; the bound only stops a pathological stream from growing
// the table for the process's life.
const maxShapes = 4096

// Ticker hit kinds as they are written in a shape key.
const (
	howNative byte = iota + 1
	howCashtag
	howExchange
	howAlias
)

var hows = [...]string{howNative: HowNative, howCashtag: HowCashtag, howExchange: HowExchange, howAlias: HowAlias}

// get returns the Result of the shape key, building it on first use.
//
// A key is, for each matched group in order, the group's index plus one
// and the indices plus one of its terms that hit (in group.report), each
// as a uvarint, then a 0; then a 0; then, for each ticker in order, its
// index as a uvarint and its how byte.
func (rs *results) get(c *compiled, key []byte) Result {
	if len(key) == 1 {
		return Result{} // no group, no ticker
	}
	if seen := rs.seen.Load(); seen != nil {
		if r, ok := (*seen)[string(key)]; ok {
			return r
		}
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if r, ok := rs.fresh[string(key)]; ok {
		return r
	}
	r := c.build(key)
	if rs.fresh == nil {
		rs.fresh = map[string]Result{}
	}
	rs.fresh[string(key)] = r
	seen := rs.seen.Load()
	n := 0
	if seen != nil {
		n = len(*seen)
	}
	if len(rs.fresh) > n/4 {
		merged := make(map[string]Result, n+len(rs.fresh))
		if seen != nil && n+len(rs.fresh) <= maxShapes {
			for k, v := range *seen {
				merged[k] = v
			}
		}
		for k, v := range rs.fresh {
			merged[k] = v
		}
		rs.seen.Store(&merged)
		rs.fresh = nil
	}
	return r
}

// build makes the Result of the shape key (see results.get), without its
// score.
func (c *compiled) build(key []byte) Result {
	i := 0
	next := func() uint64 {
		v, n := binary.Uvarint(key[i:])
		i += n
		return v
	}
	var r Result
	for gi := next(); gi != 0; gi = next() {
		g := &c.groups[gi-1]
		var terms []string
		for ti := next(); ti != 0; ti = next() {
			terms = append(terms, g.report[ti-1].text)
		}
		r.Groups = append(r.Groups, GroupHit{Name: g.name, Terms: slices.Clip(terms)})
	}
	for i < len(key) {
		ti := next()
		r.Tickers = append(r.Tickers, TickerHit{Symbol: c.tickers[ti].symbol, How: hows[key[i]]})
		i++
	}
	r.Groups, r.Tickers = slices.Clip(r.Groups), slices.Clip(r.Tickers)
	return r
}
