package impact

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/store"
)

// Layout of store.BucketImpact, which this package owns. Every key that
// names a story and a ticker joins them with a NUL byte, which neither
// holds.
//
//	windows/  <story time: 8-byte big-endian Unix ns><story id>\0<ticker> -> window JSON
//	index/    <story id>\0<ticker>                  -> windows key
//	pending/  windows key                           -> due: windows still measured
//	fired/    <rule>\0<story id>\0<ticker>          -> 8-byte Unix ns of the follow-up
//	cooldown/ <rule>\0<ticker>                      -> 8-byte Unix ns of the last follow-up
//
// windows sorts by story time, so the events API reads newest first and
// pruning stops at the first key inside the retention; a story's windows
// are adjacent. A pending value is the 8-byte Unix ns before which no pass
// can change the window (see window.due), or empty when any pass may (and
// in stores written before due existed).
var (
	bucketWindows  = []byte("windows")
	bucketIndex    = []byte("index")
	bucketPending  = []byte("pending")
	bucketFired    = []byte("fired")
	bucketCooldown = []byte("cooldown")
)

// buckets are the nested buckets of one transaction. In a read-only
// transaction a bucket never written is nil.
type buckets struct {
	windows, index, pending, fired, cooldown *store.Bucket
}

// openBuckets returns the nested buckets, creating them in a writable tx.
func openBuckets(tx *store.Tx) (buckets, error) {
	root := tx.Bucket(store.BucketImpact)
	var bs buckets
	for _, x := range []struct {
		name []byte
		dst  **store.Bucket
	}{{bucketWindows, &bs.windows}, {bucketIndex, &bs.index}, {bucketPending, &bs.pending},
		{bucketFired, &bs.fired}, {bucketCooldown, &bs.cooldown}} {
		b := root.Bucket(x.name)
		if b == nil && tx.Writable() {
			var err error
			if b, err = root.CreateBucket(x.name); err != nil {
				return buckets{}, fmt.Errorf("create impact bucket %q: %w", x.name, err)
			}
		}
		*x.dst = b
	}
	return bs, nil
}

func windowKey(t time.Time, storyID, symbol string) []byte {
	k := binary.BigEndian.AppendUint64(nil, uint64(max(t.UnixNano(), 0)))
	return append(append(append(k, storyID...), 0), symbol...)
}

// keyTime is the story time a windows key starts with.
func keyTime(k []byte) time.Time {
	if len(k) < 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(k))).UTC()
}

// storyPrefix is the part of a windows key shared by a story's windows.
func storyPrefix(k []byte) []byte {
	if i := bytes.LastIndexByte(k, 0); i >= 8 {
		return k[:i]
	}
	return k
}

func joinKey(parts ...string) []byte {
	var k []byte
	for i, p := range parts {
		if i > 0 {
			k = append(k, 0)
		}
		k = append(k, p...)
	}
	return k
}

func timeValue(t time.Time) []byte { return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())) }

func valueTime(v []byte) (time.Time, bool) {
	if len(v) != 8 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC(), true
}

func encodeWindow(w *window) ([]byte, error) {
	b, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("encode impact window of %s/%s: %w", w.Story.ID, w.Impact.Ticker, err)
	}
	return b, nil
}

func decodeWindow(v []byte) (window, error) {
	var w window
	if err := json.Unmarshal(v, &w); err != nil {
		return window{}, fmt.Errorf("decode impact window: %w", err)
	}
	if w.V != windowVersion {
		return window{}, fmt.Errorf("decode impact window: unknown version %d", w.V)
	}
	return w, nil
}

// stored is a window with its key.
type stored struct {
	key []byte
	w   window
}

// dueValue is the pending value of a window due at t: empty for the zero
// time, which is always due.
func dueValue(t time.Time) []byte {
	if t.IsZero() {
		return []byte{}
	}
	return timeValue(t)
}

// loadPending reads every window still being measured that is due at now,
// oldest first. A window that is not due yet is not even decoded: a story
// published after the close waits for the next open, and every pass (each
// batch of stories, each quote poll) would otherwise decode every window
// opened since, at a cost that grows with them until the open. A window
// that does not decode is dropped from pending and reported.
func (e *Engine) loadPending(now time.Time) ([]*stored, error) {
	var out []*stored
	var bad [][]byte
	err := e.st.View(func(tx *store.Tx) error {
		bs, err := openBuckets(tx)
		if err != nil || bs.pending == nil {
			return err
		}
		return bs.pending.ForEach(func(k, due []byte) error {
			if t, ok := valueTime(due); ok && t.After(now) {
				return nil
			}
			v := bs.windows.Get(k)
			w, err := decodeWindow(v)
			if v == nil || err != nil {
				bad = append(bad, bytes.Clone(k))
				return nil
			}
			out = append(out, &stored{key: bytes.Clone(k), w: w})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read pending impact windows: %w", err)
	}
	if len(bad) > 0 {
		e.log.Error("Dropped undecodable impact windows", zap.Int("windows", len(bad)))
		err = e.st.Update(func(tx *store.Tx) error {
			bs, err := openBuckets(tx)
			if err != nil {
				return err
			}
			for _, k := range bad {
				if err := bs.pending.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return out, err
}

// countPending is the number of windows still being measured.
func countPending(tx *store.Tx) int {
	b := tx.Bucket(store.BucketImpact).Bucket(bucketPending)
	n := 0
	if b != nil {
		// Not Stats().KeyN: it counts committed pages, not this tx's writes.
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			n++
		}
	}
	return n
}

// prune deletes the windows of stories older than cutoff, with their index
// and pending entries, and follow-up and cooldown records older than
// cutoff. It collects keys before deleting: deleting under a bbolt cursor
// can skip the next key.
func prune(tx *store.Tx, cutoff time.Time) (int, error) {
	bs, err := openBuckets(tx)
	if err != nil {
		return 0, err
	}
	var old [][]byte
	c := bs.windows.Cursor()
	for k, _ := c.First(); k != nil && keyTime(k).Before(cutoff); k, _ = c.Next() {
		old = append(old, bytes.Clone(k))
	}
	for _, k := range old {
		idx := k[8:]
		for _, del := range []func() error{
			func() error { return bs.windows.Delete(k) },
			func() error { return bs.pending.Delete(k) },
			func() error { return bs.index.Delete(idx) },
		} {
			if err := del(); err != nil {
				return 0, err
			}
		}
	}
	for _, b := range []*store.Bucket{bs.fired, bs.cooldown} {
		var stale [][]byte
		err := b.ForEach(func(k, v []byte) error {
			if t, ok := valueTime(v); !ok || t.Before(cutoff) {
				stale = append(stale, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return 0, err
			}
		}
	}
	return len(old), nil
}
