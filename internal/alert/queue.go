package alert

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/monitord/monitord/internal/store"
)

// The outbox lives in store.BucketOutbox as one nested bucket per receiver
// and, inside it, one per endpoint (a Slack or webhook receiver has one, an
// Alertmanager receiver one per URL, so a dead Alertmanager never holds up
// the others). An endpoint bucket holds two buckets:
//
//	q:  8-byte big-endian sequence -> record (JSON), in enqueue order
//	id: alert ID -> sequence, so enqueueing the same alert twice is a no-op
var (
	bucketQueue = []byte("q")
	bucketIDs   = []byte("id")
)

// recordVersion is the version of record's encoding.
const recordVersion = 1

// record is one queued alert for one endpoint.
type record struct {
	V          int       `json:"v"`
	EnqueuedAt time.Time `json:"enqueued_at"`
	Alert      Alert     `json:"alert"`
}

// entry is a record with its key; bad marks a record that did not decode.
type entry struct {
	key []byte
	rec record
	bad error
}

// endpointBucket returns the queue bucket of (receiver, endpoint), creating
// it when tx is writable, or nil when it does not exist.
func endpointBucket(tx *store.Tx, receiver, endpoint string) (*store.Bucket, error) {
	root := tx.Bucket(store.BucketOutbox)
	if !tx.Writable() {
		r := root.Bucket([]byte(receiver))
		if r == nil {
			return nil, nil
		}
		return r.Bucket([]byte(endpoint)), nil
	}
	r, err := root.CreateBucketIfNotExists([]byte(receiver))
	if err != nil {
		return nil, err
	}
	b, err := r.CreateBucketIfNotExists([]byte(endpoint))
	if err != nil {
		return nil, err
	}
	for _, n := range [][]byte{bucketQueue, bucketIDs} {
		if _, err := b.CreateBucketIfNotExists(n); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// putTx appends rec to the endpoint's queue unless its alert is queued
// there already, and reports whether it added it.
func putTx(tx *store.Tx, receiver, endpoint string, rec record) (bool, error) {
	b, err := endpointBucket(tx, receiver, endpoint)
	if err != nil {
		return false, fmt.Errorf("outbox bucket of receiver %q: %w", receiver, err)
	}
	ids := b.Bucket(bucketIDs)
	if ids.Get([]byte(rec.Alert.ID)) != nil {
		return false, nil
	}
	q := b.Bucket(bucketQueue)
	seq, err := q.NextSequence()
	if err != nil {
		return false, err
	}
	key := binary.BigEndian.AppendUint64(nil, seq)
	val, err := json.Marshal(rec)
	if err != nil {
		return false, fmt.Errorf("encode alert %s: %w", rec.Alert.ID, err)
	}
	if err := q.Put(key, val); err != nil {
		return false, err
	}
	return true, ids.Put([]byte(rec.Alert.ID), key)
}

// peek returns up to n records from the head of the endpoint's queue.
func peek(st *store.Store, receiver, endpoint string, n int) ([]entry, error) {
	var out []entry
	err := st.View(func(tx *store.Tx) error {
		b, err := endpointBucket(tx, receiver, endpoint)
		if b == nil || err != nil {
			return err
		}
		c := b.Bucket(bucketQueue).Cursor()
		for k, v := c.First(); k != nil && len(out) < n; k, v = c.Next() {
			e := entry{key: append([]byte(nil), k...)}
			if err := json.Unmarshal(v, &e.rec); err != nil {
				e.bad = err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// remove deletes entries (acknowledged, refused or expired) from the queue
// in one transaction. Removing what is already gone is not an error.
func remove(st *store.Store, receiver, endpoint string, es []entry) error {
	return st.Update(func(tx *store.Tx) error {
		b, err := endpointBucket(tx, receiver, endpoint)
		if err != nil {
			return err
		}
		q, ids := b.Bucket(bucketQueue), b.Bucket(bucketIDs)
		for _, e := range es {
			if err := q.Delete(e.key); err != nil {
				return err
			}
			if e.bad == nil {
				if err := ids.Delete([]byte(e.rec.Alert.ID)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// statTx counts the endpoint's queue and returns its oldest enqueue time.
func statTx(tx *store.Tx, receiver, endpoint string) (n int, oldest time.Time, err error) {
	b, err := endpointBucket(tx, receiver, endpoint)
	if b == nil || err != nil {
		return 0, time.Time{}, err
	}
	q := b.Bucket(bucketQueue)
	c := q.Cursor()
	k, v := c.First()
	if k == nil {
		return 0, time.Time{}, nil
	}
	var rec record
	if json.Unmarshal(v, &rec) == nil {
		oldest = rec.EnqueuedAt
	}
	for ; k != nil; k, _ = c.Next() {
		n++
	}
	return n, oldest, nil
}

// queues lists every (receiver, endpoint) queue with entries.
func queues(tx *store.Tx) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	root := tx.Bucket(store.BucketOutbox)
	err := root.ForEachBucket(func(rk []byte) error {
		r := root.Bucket(rk)
		return r.ForEachBucket(func(ek []byte) error {
			n, _, err := statTx(tx, string(rk), string(ek))
			if err != nil {
				return err
			}
			if n > 0 {
				if out[string(rk)] == nil {
					out[string(rk)] = map[string]int{}
				}
				out[string(rk)][string(ek)] = n
			}
			return nil
		})
	})
	return out, err
}

// errNoReceivers is returned by Enqueue when asked to send nowhere.
var errNoReceivers = errors.New("no receivers")
