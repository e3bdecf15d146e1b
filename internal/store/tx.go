package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// This file is the whole of what domain packages see of bbolt: a
// transaction, the buckets inside it and cursors over them, each a thin
// wrapper that keeps bbolt's semantics (same keys, same values, same
// nesting) and only narrows what can be reached. A domain package opens a
// top-level bucket by its BucketName, never by an arbitrary string, and
// cannot create, delete or rename top-level buckets: the migrations own
// the layout.

// BucketName names a top-level bucket made by the migrations: one of the
// Bucket constants of this package. A string a domain package computed
// does not convert to it implicitly, and Tx.Bucket panics on a name no
// migration made.
type BucketName string

// Tx is a read-only (View) or read-write (Update, Batch) transaction.
//
// bbolt's rules hold unchanged. A Tx, and every Bucket and Cursor taken
// from it, is valid only inside the function given to Store.Update, Batch
// or View. Byte slices returned by Get, by a Cursor or to a ForEach
// function point into the memory-mapped file: they are valid only until
// the transaction ends and must not be modified; copy them (bytes.Clone)
// to keep them. Keys and values given to Put must not change until the
// transaction ends. One goroutine must not hold a View and an Update open
// at once: the write may have to remap the growing file, which waits for
// every open read to end.
type Tx struct {
	tx *bolt.Tx
}

// Bucket returns the top-level bucket name. The buckets are made by the
// migrations, so a missing one is a programming error and panics.
func (tx *Tx) Bucket(name BucketName) *Bucket {
	b := tx.tx.Bucket([]byte(name))
	if b == nil {
		panic(fmt.Sprintf("store: bucket %q does not exist (missing migration?)", name))
	}
	return &Bucket{b: b}
}

// Writable reports whether tx may write: true inside Update and Batch,
// false inside View.
func (tx *Tx) Writable() bool { return tx.tx.Writable() }

// OnCommit registers fn to run after tx commits, outside the
// transaction; it never runs if tx rolls back. Use it for effects that
// must follow only durable state: metrics, waking a worker. Inside Batch,
// a function that runs again registers its handlers again, and only the
// run that commits has them called.
func (tx *Tx) OnCommit(fn func()) { tx.tx.OnCommit(fn) }

// Bucket is a set of ordered keys inside a transaction, holding values or
// nested buckets.
type Bucket struct {
	b *bolt.Bucket
}

// Get returns the value of key, or nil when key is absent or names a
// nested bucket. The slice is valid only until the transaction ends and
// must not be modified.
func (b *Bucket) Get(key []byte) []byte { return b.b.Get(key) }

// Put sets key to value, replacing any value. key and value must not be
// modified until the transaction ends.
func (b *Bucket) Put(key, value []byte) error { return b.b.Put(key, value) }

// Delete removes key. Deleting an absent key is not an error.
func (b *Bucket) Delete(key []byte) error { return b.b.Delete(key) }

// NextSequence returns the bucket's next sequence number, which starts at
// 1 and is stored with the bucket.
func (b *Bucket) NextSequence() (uint64, error) { return b.b.NextSequence() }

// ForEach calls fn for every key in order, with a nil value for nested
// buckets, and stops at the first error. fn must not modify the bucket:
// collect the keys and change them afterwards. The slices are valid only
// until the transaction ends.
func (b *Bucket) ForEach(fn func(k, v []byte) error) error { return b.b.ForEach(fn) }

// ForEachBucket calls fn with the name of every nested bucket in order,
// and stops at the first error. fn must not create or delete buckets
// here.
func (b *Bucket) ForEachBucket(fn func(name []byte) error) error { return b.b.ForEachBucket(fn) }

// Bucket returns the nested bucket name, or nil when it does not exist.
func (b *Bucket) Bucket(name []byte) *Bucket { return wrapBucket(b.b.Bucket(name)) }

// CreateBucket makes the nested bucket name, failing if it exists.
func (b *Bucket) CreateBucket(name []byte) (*Bucket, error) {
	nb, err := b.b.CreateBucket(name)
	return wrapBucket(nb), err
}

// CreateBucketIfNotExists returns the nested bucket name, making it if
// needed.
func (b *Bucket) CreateBucketIfNotExists(name []byte) (*Bucket, error) {
	nb, err := b.b.CreateBucketIfNotExists(name)
	return wrapBucket(nb), err
}

// DeleteBucket removes the nested bucket name and everything in it.
func (b *Bucket) DeleteBucket(name []byte) error { return b.b.DeleteBucket(name) }

// Cursor returns a cursor over the bucket's keys in byte order.
func (b *Bucket) Cursor() *Cursor { return &Cursor{c: b.b.Cursor()} }

// wrapBucket keeps a missing bucket nil.
func wrapBucket(b *bolt.Bucket) *Bucket {
	if b == nil {
		return nil
	}
	return &Bucket{b: b}
}

// Cursor walks a bucket's keys in byte order. Each method returns the key
// and value it lands on, or a nil key past either end; the value is nil
// for a nested bucket. The slices are valid only until the transaction
// ends. Changing the bucket while a cursor walks it can make the cursor
// skip keys: collect the keys and change them afterwards.
type Cursor struct {
	c *bolt.Cursor
}

// First moves to the first key.
func (c *Cursor) First() (key, value []byte) { return c.c.First() }

// Last moves to the last key.
func (c *Cursor) Last() (key, value []byte) { return c.c.Last() }

// Next moves to the next key.
func (c *Cursor) Next() (key, value []byte) { return c.c.Next() }

// Prev moves to the previous key.
func (c *Cursor) Prev() (key, value []byte) { return c.c.Prev() }

// Seek moves to seek, or to the first key after it when it is absent.
func (c *Cursor) Seek(seek []byte) (key, value []byte) { return c.c.Seek(seek) }

// wrap adapts fn to bbolt's transaction functions.
func wrap(fn func(*Tx) error) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) }
}
