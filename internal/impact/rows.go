package impact

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/store"
)

// Query selects events, newest first.
type Query struct {
	// Since and Until bound the story time (inclusive); zero is unbounded.
	Since, Until time.Time
	// Ticker keeps only stories concerning this symbol, and of them only
	// its impact.
	Ticker string
	// Limit is the most events returned; 0 is no limit.
	Limit int
}

// Rows returns the matched stories since since (newest first), with the
// impact measured so far on each ticker: for `monitord once` and the status
// page. ticker "" means every ticker; limit 0 means no limit.
func (e *Engine) Rows(since time.Time, ticker string, limit int) ([]Event, error) {
	return ReadEvents(e.st, Query{Since: since, Ticker: ticker, Limit: limit})
}

// ReadEvents returns the events q selects from st. It needs no Engine, so
// an HTTP handler built once keeps serving across reloads. A window that
// does not decode is left out.
func ReadEvents(st *store.Store, q Query) ([]Event, error) {
	var out []Event
	err := st.View(func(tx *store.Tx) error {
		b := tx.Bucket(store.BucketImpact).Bucket(bucketWindows)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		var k, v []byte
		if q.Until.IsZero() {
			k, v = c.Last()
		} else {
			end := binary.BigEndian.AppendUint64(nil, uint64(min(max(q.Until.UnixNano(), 0), math.MaxInt64-1)+1))
			if k, _ = c.Seek(end); k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
		}
		var prefix []byte
		for ; k != nil; k, v = c.Prev() {
			if !q.Since.IsZero() && keyTime(k).Before(q.Since) {
				break
			}
			w, err := decodeWindow(v)
			if err != nil || (q.Ticker != "" && w.Impact.Ticker != q.Ticker) {
				continue
			}
			if p := storyPrefix(k); len(out) == 0 || !bytes.Equal(p, prefix) {
				if q.Limit > 0 && len(out) == q.Limit {
					break
				}
				prefix = bytes.Clone(p)
				out = append(out, w.Story)
			}
			ev := &out[len(out)-1]
			ev.Impacts = append(ev.Impacts, w.Impact)
		}
		for i := range out {
			for _, ref := range feeds.Sightings(tx, out[i].ID) {
				out[i].Sightings = append(out[i].Sightings, Sighting{Source: ref.Feed, FirstSeen: ref.Seen.UTC()})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read impact events: %w", err)
	}
	for i := range out {
		slices.SortFunc(out[i].Impacts, func(a, b Impact) int { return strings.Compare(a.Ticker, b.Ticker) })
	}
	return out, nil
}
