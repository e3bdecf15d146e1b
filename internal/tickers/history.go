package tickers

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/monitord/monitord/internal/store"
)

// History keeps accepted quotes in the store so that later questions can
// be answered: the price at a time, over a range, the move over the last
// minutes. It lives in store.BucketQuotes as one nested bucket per symbol,
// keyed by the quote time as big-endian Unix nanoseconds (so keys sort by
// time and a re-polled, unchanged quote overwrites itself), and is pruned
// to a bounded retention. It is safe for concurrent use.
type History struct {
	st        *store.Store
	retention time.Duration
}

// NewHistory returns the history kept in st for retention
// (quotes.history_retention).
func NewHistory(st *store.Store, retention time.Duration) *History {
	return &History{st: st, retention: retention}
}

// Point is one stored quote.
type Point struct {
	// Time is the quote time (when the exchange priced it).
	Time          time.Time
	Price         float64
	PreviousClose float64
	Volume        int64
	Source        string
	MarketState   string
	FetchedAt     time.Time
}

// Append stores quotes in one transaction. A quote without a quote time is
// keyed by when it was fetched.
func (h *History) Append(quotes ...Quote) error {
	if len(quotes) == 0 {
		return nil
	}
	return h.st.Update(func(tx *store.Tx) error {
		root := tx.Bucket(store.BucketQuotes)
		for _, q := range quotes {
			p := Point{Time: q.QuoteTime, Price: q.Price, PreviousClose: q.PreviousClose, Volume: q.Volume,
				Source: q.Source, MarketState: q.MarketState, FetchedAt: q.FetchedAt}
			if p.Time.IsZero() {
				p.Time = q.FetchedAt
			}
			if p.Time.UnixNano() <= 0 {
				return fmt.Errorf("append quote of %s: time %s is out of range", q.Symbol, p.Time)
			}
			b, err := root.CreateBucketIfNotExists([]byte(q.Symbol))
			if err != nil {
				return fmt.Errorf("append quote of %s: %w", q.Symbol, err)
			}
			if err := b.Put(timeKey(p.Time), encodePoint(p)); err != nil {
				return fmt.Errorf("append quote of %s: %w", q.Symbol, err)
			}
		}
		return nil
	})
}

// At returns the last point of symbol at or before t.
func (h *History) At(symbol string, t time.Time) (Point, bool, error) {
	var p Point
	var found bool
	err := h.view(symbol, func(c *store.Cursor) error {
		want := timeKey(t)
		k, v := c.Seek(want)
		switch {
		case k == nil:
			k, v = c.Last()
		case !bytes.Equal(k, want):
			k, v = c.Prev()
		}
		if k == nil {
			return nil
		}
		var err error
		p, err = decodePoint(k, v)
		found = err == nil
		return err
	})
	return p, found, err
}

// Latest returns the newest point of symbol.
func (h *History) Latest(symbol string) (Point, bool, error) {
	return h.At(symbol, time.Unix(0, math.MaxInt64))
}

// Range returns the points of symbol with from <= Time <= to, oldest first.
func (h *History) Range(symbol string, from, to time.Time) ([]Point, error) {
	var out []Point
	err := h.view(symbol, func(c *store.Cursor) error {
		end := timeKey(to)
		for k, v := c.Seek(timeKey(from)); k != nil && bytes.Compare(k, end) <= 0; k, v = c.Next() {
			p, err := decodePoint(k, v)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// Move is the price change between two points of one symbol.
type Move struct {
	From, To Point
	// Ratio is (To.Price - From.Price) / From.Price.
	Ratio float64
}

// MoveOver returns the move of symbol over the last window before now:
// from the oldest point within [now-window, now] to the newest. Points
// older than the window are never used, so the overnight gap does not
// count as a move at the open (that is the change against the previous
// close). ok is false with fewer than two points in the window.
func (h *History) MoveOver(symbol string, window time.Duration, now time.Time) (Move, bool, error) {
	pts, err := h.Range(symbol, now.Add(-window), now)
	if err != nil || len(pts) < 2 || pts[0].Price <= 0 {
		return Move{}, false, err
	}
	from, to := pts[0], pts[len(pts)-1]
	return Move{From: from, To: to, Ratio: (to.Price - from.Price) / from.Price}, true, nil
}

// Prune deletes every point older than the retention before now and the
// buckets of symbols left empty, and returns how many points it deleted.
func (h *History) Prune(now time.Time) (int, error) {
	cutoff := timeKey(now.Add(-h.retention))
	n := 0
	err := h.st.Update(func(tx *store.Tx) error {
		root := tx.Bucket(store.BucketQuotes)
		var empty [][]byte
		err := root.ForEachBucket(func(name []byte) error {
			b := root.Bucket(name)
			var old [][]byte
			c := b.Cursor()
			for k, _ := c.First(); k != nil && bytes.Compare(k, cutoff) < 0; k, _ = c.Next() {
				old = append(old, bytes.Clone(k))
			}
			for _, k := range old {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			n += len(old)
			if k, _ := b.Cursor().First(); k == nil {
				empty = append(empty, bytes.Clone(name))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, name := range empty {
			if err := root.DeleteBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune quote history: %w", err)
	}
	return n, nil
}

// view runs fn over symbol's bucket, if it exists.
func (h *History) view(symbol string, fn func(c *store.Cursor) error) error {
	err := h.st.View(func(tx *store.Tx) error {
		b := tx.Bucket(store.BucketQuotes).Bucket([]byte(symbol))
		if b == nil {
			return nil
		}
		return fn(b.Cursor())
	})
	if err != nil {
		return fmt.Errorf("read quote history of %s: %w", symbol, err)
	}
	return nil
}

func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(max(t.UnixNano(), 0)))
}

// pointVersion is the first byte of every stored point. Version 1 is:
// price, previous close (float64 bits), volume, fetched-at Unix nanoseconds
// (int64), then source and market state as length-prefixed strings.
const pointVersion = 1

var errBadPoint = errors.New("malformed stored quote")

func encodePoint(p Point) []byte {
	b := make([]byte, 0, 1+4*8+2+len(p.Source)+len(p.MarketState))
	b = append(b, pointVersion)
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(p.Price))
	b = binary.BigEndian.AppendUint64(b, math.Float64bits(p.PreviousClose))
	b = binary.BigEndian.AppendUint64(b, uint64(p.Volume))
	b = binary.BigEndian.AppendUint64(b, uint64(p.FetchedAt.UnixNano()))
	b = appendString(b, p.Source)
	return appendString(b, p.MarketState)
}

func decodePoint(k, v []byte) (Point, error) {
	if len(k) != 8 || len(v) < 1+4*8+2 || v[0] != pointVersion {
		return Point{}, errBadPoint
	}
	u := func(i int) uint64 { return binary.BigEndian.Uint64(v[1+8*i:]) }
	p := Point{
		Time:          time.Unix(0, int64(binary.BigEndian.Uint64(k))),
		Price:         math.Float64frombits(u(0)),
		PreviousClose: math.Float64frombits(u(1)),
		Volume:        int64(u(2)),
		FetchedAt:     time.Unix(0, int64(u(3))),
	}
	rest := v[1+4*8:]
	var ok bool
	if p.Source, rest, ok = readString(rest); !ok {
		return Point{}, errBadPoint
	}
	if p.MarketState, _, ok = readString(rest); !ok {
		return Point{}, errBadPoint
	}
	return p, nil
}

func appendString(b []byte, s string) []byte {
	s = s[:min(len(s), 255)]
	return append(append(b, byte(len(s))), s...)
}

func readString(b []byte) (string, []byte, bool) {
	if len(b) < 1 || len(b) < 1+int(b[0]) {
		return "", nil, false
	}
	n := int(b[0])
	return string(b[1 : 1+n]), b[1+n:], true
}
