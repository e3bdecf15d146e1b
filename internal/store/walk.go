package store

import (
	"bytes"
	"fmt"
	"math/big"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// salvageOrder is the order buckets are read in when a file is damaged:
// first what losing would cost people (undelivered alerts, then the
// seen-set, whose loss re-reports old news as new), then the rest.
var salvageOrder = []BucketName{BucketOutbox, BucketSeen, BucketAlertState, BucketStories,
	BucketFeedState, BucketImpact, BucketQuotes}

// BucketReport is what a walk read of one top-level bucket.
type BucketReport struct {
	Name string
	// Keys and Buckets count the values and nested buckets read.
	Keys, Buckets int
	// Skipped counts the damaged regions skipped: each lost what one
	// damaged page (or the subtree under it) held.
	Skipped int
	// Lost is set when the bucket could not be opened at all.
	Lost bool
}

// walker reads every bucket and key of a file that may be damaged, each
// read guarded, so that a damaged page costs what it holds and the walk
// goes on past it. It reads in the goroutine that calls it (see guard).
type walker struct {
	tx *bolt.Tx
	// onBucket and onKey receive what is read (k and v only until the
	// transaction ends); nil when only checking.
	onBucket func(path [][]byte, seq uint64) error
	onKey    func(path [][]byte, k, v []byte) error
	// problems describe the damage met, one line each.
	problems []string
	// cur counts for the top-level bucket being read.
	cur *BucketReport
	// err is the first error of onBucket or onKey: it stops the walk.
	err error
	// skipMeta leaves the meta bucket out: a salvage writes a file with
	// its own.
	skipMeta bool
}

// all walks the top-level buckets, the salvage order first, then any
// other the root lists, in name order. Each bucket's counts go to report
// when it is not nil.
func (w *walker) all(report func(BucketReport)) {
	names := make([][]byte, 0, len(salvageOrder))
	for _, n := range salvageOrder {
		names = append(names, []byte(n))
	}
	var others [][]byte
	if err := guard(func() {
		_ = w.tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			if (!w.skipMeta || string(name) != string(bucketMeta)) && !slices.ContainsFunc(names, func(n []byte) bool { return bytes.Equal(n, name) }) {
				others = append(others, bytes.Clone(name))
			}
			return nil
		})
	}); err != nil {
		w.problems = append(w.problems, fmt.Sprintf("the list of buckets is damaged (%v); reading the known ones", err))
	}
	for _, name := range append(names, others...) {
		if w.err != nil {
			return
		}
		r := &BucketReport{Name: string(name)}
		w.cur = r
		w.bucket([][]byte{name}, func() *bolt.Bucket { return w.tx.Bucket(name) })
		if report != nil {
			report(*r)
		}
	}
}

// bucket walks the bucket at path, which get opens.
func (w *walker) bucket(path [][]byte, get func() *bolt.Bucket) {
	var (
		b   *bolt.Bucket
		seq uint64
	)
	err := guard(func() {
		if b = get(); b != nil {
			seq = b.Sequence()
		}
	})
	if err != nil {
		w.problems = append(w.problems, fmt.Sprintf("%s: cannot open the bucket: %v", showPath(path), err))
		w.cur.Lost = w.cur.Lost || len(path) == 1
		return
	}
	if b == nil {
		return // absent: a file not migrated yet, or a bucket flag without a bucket
	}
	if len(path) > 1 {
		w.cur.Buckets++
	}
	if w.onBucket != nil {
		if w.err = w.onBucket(path, seq); w.err != nil {
			return
		}
	}
	var (
		c    *bolt.Cursor
		k, v []byte
		last []byte // the last key read: the walk only moves past it
	)
	err = guard(func() { c = b.Cursor(); k, v = c.First() })
	for w.err == nil {
		if err == nil && k != nil && last != nil && bytes.Compare(k, last) <= 0 {
			err = fmt.Errorf("keys out of order after %x", last)
		}
		if err != nil {
			w.cur.Skipped++
			where := "at its start"
			if last != nil {
				where = fmt.Sprintf("after key %x", last)
			}
			w.problems = append(w.problems, fmt.Sprintf("%s: damaged page %s, skipped: %v", showPath(path), where, err))
			c, k, v = w.resume(b, last)
		}
		if k == nil {
			return
		}
		last = bytes.Clone(k)
		if v == nil {
			w.bucket(append(slices.Clip(path), last), func() *bolt.Bucket { return b.Bucket(last) })
		} else {
			w.cur.Keys++
			if w.onKey != nil {
				w.err = w.onKey(path, k, v)
			}
		}
		err = guard(func() { k, v = c.Next() })
	}
}

// maxProbeKey bounds the length of the keys resume probes with.
const maxProbeKey = 1024

// resume finds where b can be read again past a damaged region that
// follows the key after (nil: the bucket's start), and returns a cursor
// there with its key and value; a nil key when nothing readable follows.
// A Seek to a key whose way down the tree crosses the damaged page
// panics; one to a key past that page's range lands on the next readable
// key. resume probes ever larger steps past after until a Seek succeeds,
// then bisects between the last failure and that success, so that it
// loses only the keys the damaged page held.
func (w *walker) resume(b *bolt.Bucket, after []byte) (*bolt.Cursor, []byte, []byte) {
	size := min(max(len(after), 16)+1, maxProbeKey)
	toKey := func(n *big.Int) []byte { return n.FillBytes(make([]byte, size)) }
	try := func(n *big.Int) (c *bolt.Cursor, k, v []byte, ok bool) {
		err := guard(func() { c = b.Cursor(); k, v = c.Seek(toKey(n)) })
		return c, k, v, err == nil && (k == nil || bytes.Compare(k, after) > 0)
	}
	pad := make([]byte, size)
	copy(pad, after)
	lo := new(big.Int).SetBytes(pad)
	limit := new(big.Int).Lsh(big.NewInt(1), uint(8*size))
	var hi *big.Int
	for step := big.NewInt(1); step.Cmp(limit) < 0; step.Lsh(step, 8) {
		n := new(big.Int).Add(lo, step)
		if n.Cmp(limit) >= 0 {
			break
		}
		if _, _, _, ok := try(n); ok {
			hi = n
			break
		}
		lo = n
	}
	if hi == nil {
		return nil, nil, nil // the rest of the bucket is unreadable
	}
	for one := big.NewInt(1); new(big.Int).Sub(hi, lo).Cmp(one) > 0; {
		mid := new(big.Int).Rsh(new(big.Int).Add(lo, hi), 1)
		if _, _, _, ok := try(mid); ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	c, k, v, _ := try(hi)
	return c, k, v
}

// showPath names a bucket path for a problem line: seen, outbox/slack-ops.
func showPath(path [][]byte) string {
	var b bytes.Buffer
	for i, p := range path {
		if i > 0 {
			b.WriteByte('/')
		}
		fmt.Fprintf(&b, "%q", p)
	}
	return b.String()
}
