package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/zap"
)

// Report is what CheckFile or Recover found in a state database file.
type Report struct {
	// Path is the file read.
	Path string
	// Version is the file's schema version; 0 when it could not be read.
	Version uint64
	// Buckets are the top-level buckets read, in the order read.
	Buckets []BucketReport
	// Problems describe the damage found, one line each; none for a sound
	// file.
	Problems []string
	// Damaged is where Recover moved the damaged file; "" for CheckFile.
	Damaged string
}

// OK reports whether the file is sound.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// SalvageOptions tune CheckFile and Recover.
type SalvageOptions struct {
	// LockTimeout is how long to wait for a daemon using the file to
	// release it before failing with ErrLocked.
	LockTimeout time.Duration
	// Now names the damaged file Recover keeps; nil means time.Now.
	Now func() time.Time
}

func (o *SalvageOptions) defaults() {
	if o.LockTimeout <= 0 {
		o.LockTimeout = 500 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// CheckFile reads the whole state database in dir, read-only and without
// trusting it, and reports what it holds and what is damaged. It fails
// only when the file cannot be opened at all (absent, or in use by a
// daemon); damage is in the Report.
func CheckFile(dir string, opts SalvageOptions) (*Report, error) {
	opts.defaults()
	path := filepath.Join(dir, FileName)
	rep := &Report{Path: path}
	db, err := openSource(path, opts)
	if errors.Is(err, ErrDamaged) {
		rep.Problems = append(rep.Problems, err.Error())
		return rep, nil
	}
	if err != nil {
		return nil, err
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		rep.Version = fileVersion(tx)
		if p := sizeProblem(tx); p != "" {
			rep.Problems = append(rep.Problems, p)
		}
		w := &walker{tx: tx}
		w.all(func(b BucketReport) { rep.Buckets = append(rep.Buckets, b) })
		rep.Problems = append(rep.Problems, w.problems...)
		if len(rep.Problems) == 0 {
			// Safe once the guarded walk has read every reachable page
			// (see verify).
			for err := range tx.Check() {
				rep.Problems = append(rep.Problems, err.Error())
			}
		}
		return nil
	})
	return rep, err
}

// Recover salvages the state database in dir into a fresh file: it reads
// the damaged file read-only, bucket by bucket (the outbox first, then the
// seen-set, then the rest; see salvageOrder), skipping each damaged page
// and what it holds, and writes what it reads, bucket sequences included,
// into a new file migrated to the current schema, committing after each
// bucket. It then moves the damaged file aside, as monitord.db.damaged-
// followed by the time, and puts the new file in its place. A file too
// damaged to open at all is moved aside all the same, leaving an empty
// store. Recover fails, changing nothing, when a daemon holds the file or
// the new file cannot be written.
func Recover(dir string, opts SalvageOptions, log *zap.Logger) (*Report, error) {
	opts.defaults()
	if log == nil {
		log = zap.NewNop()
	}
	path := filepath.Join(dir, FileName)
	rep := &Report{Path: path}
	src, err := openSource(path, opts)
	switch {
	case errors.Is(err, ErrDamaged):
		rep.Problems = append(rep.Problems, err.Error())
	case err != nil:
		return nil, err
	default:
		defer src.Close()
	}
	tmp := path + ".recovering"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	dst, err := openPath(tmp, Options{}, log)
	if err != nil {
		return nil, fmt.Errorf("create the new file: %w", err)
	}
	if src != nil {
		err = src.View(func(tx *bolt.Tx) error { return salvage(tx, dst.db, rep) })
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	if fi, err := os.Stat(path); err == nil {
		sameOwner(tmp, fi)
	}
	rep.Damaged = fmt.Sprintf("%s.damaged-%s", path, opts.Now().UTC().Format("20060102T150405Z"))
	if err := os.Rename(path, rep.Damaged); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("keep the damaged file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("put the new file in place (the damaged one is %s): %w", rep.Damaged, err)
	}
	return rep, syncDir(dir)
}

// openSource opens a file to salvage: read-only, so nothing is written to
// a damaged file, and without loading its freelist, which a damaged file
// may not have intact.
func openSource(path string, opts SalvageOptions) (*bolt.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no state database: %w", err)
	}
	db, err := openBolt(path, bolt.Options{ReadOnly: true, Timeout: opts.LockTimeout})
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", path, err)
	}
	return db, nil
}

// salvage copies what tx can read into dst.
func salvage(tx *bolt.Tx, dst *bolt.DB, rep *Report) error {
	rep.Version = fileVersion(tx)
	if rep.Version > SchemaVersion {
		return fmt.Errorf("schema version %d is newer than this monitord understands (%d): recover it with the monitord that wrote it", rep.Version, SchemaVersion)
	}
	if p := sizeProblem(tx); p != "" {
		rep.Problems = append(rep.Problems, p)
	}
	c := &copier{dst: dst}
	w := &walker{tx: tx, onBucket: c.bucket, onKey: c.key, skipMeta: true}
	w.all(func(b BucketReport) {
		rep.Buckets = append(rep.Buckets, b)
		if w.err == nil {
			w.err = c.flush() // each bucket durable before the next is read
		}
	})
	rep.Problems = append(rep.Problems, w.problems...)
	if w.err != nil {
		return fmt.Errorf("write the new file: %w", w.err)
	}
	return nil
}

// fileVersion reads the schema version, 0 when it cannot be read.
func fileVersion(tx *bolt.Tx) uint64 {
	var v uint64
	_ = guard(func() {
		if meta := tx.Bucket([]byte(bucketMeta)); meta != nil {
			if raw := meta.Get(keyVersion); len(raw) == 8 {
				v = binary.BigEndian.Uint64(raw)
			}
		}
	})
	return v
}

// copyBatch is how many writes the copier gathers per commit.
const copyBatch = 10000

// copier writes what a walker reads into another file, in batches.
type copier struct {
	dst *bolt.DB
	ops []copyOp
}

// copyOp is one bucket (with its sequence) or one key to write.
type copyOp struct {
	path   [][]byte
	bucket bool
	seq    uint64
	k, v   []byte
}

func (c *copier) bucket(path [][]byte, seq uint64) error {
	c.ops = append(c.ops, copyOp{path: clonePath(path), bucket: true, seq: seq})
	return c.maybeFlush()
}

func (c *copier) key(path [][]byte, k, v []byte) error {
	c.ops = append(c.ops, copyOp{path: clonePath(path), k: clone(k), v: clone(v)})
	return c.maybeFlush()
}

func (c *copier) maybeFlush() error {
	if len(c.ops) < copyBatch {
		return nil
	}
	return c.flush()
}

// flush commits the gathered writes.
func (c *copier) flush() error {
	if len(c.ops) == 0 {
		return nil
	}
	err := c.dst.Update(func(tx *bolt.Tx) error {
		for _, op := range c.ops {
			b, err := tx.CreateBucketIfNotExists(op.path[0])
			for _, name := range op.path[1:] {
				if err != nil {
					break
				}
				b, err = b.CreateBucketIfNotExists(name)
			}
			switch {
			case err != nil:
				return err
			case op.bucket:
				err = b.SetSequence(op.seq)
			default:
				err = b.Put(op.k, op.v)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	c.ops = c.ops[:0]
	return err
}

func clone(b []byte) []byte { return append(make([]byte, 0, len(b)), b...) }

func clonePath(path [][]byte) [][]byte {
	out := make([][]byte, len(path))
	for i, p := range path {
		out[i] = clone(p)
	}
	return out
}

// syncDir makes the renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
