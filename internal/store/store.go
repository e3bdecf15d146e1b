// Package store is monitord's embedded, crash-safe state: the headlines it
// has seen, quote history, news-impact windows, alert cooldowns and the
// alert outbox.
//
// It is a bbolt file (monitord.db) under --storage.path. bbolt was chosen
// over SQLite because every access here is a keyed lookup or an ordered
// range scan (quotes by symbol and time, the outbox by sequence), which a
// B+tree of buckets serves directly; it is pure Go and builds in seconds
// (modernc.org/sqlite takes minutes under -race in CI); its copy-on-write
// pages and fsync at commit make every committed transaction survive a
// crash or kill -9; and it takes an exclusive flock on the file, so a second
// daemon on the same directory fails at once instead of corrupting it. Its
// file does not shrink: each domain prunes what it keeps to a bounded
// retention, so freed pages are reused rather than grown.
//
// Domain packages own their keys and encodings inside the buckets this
// package creates, and reach them only through Tx, Bucket and Cursor
// (tx.go), never through bbolt itself; this package owns the file, its
// lock, the schema version and the migrations between versions.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	bolt "go.etcd.io/bbolt"
	"go.uber.org/zap"
)

// FileName is the database file inside the storage directory.
const FileName = "monitord.db"

// ErrLocked means another process holds the database open.
var ErrLocked = errors.New("store is in use by another process")

// Store is an open state database. It is safe for concurrent use: bbolt
// admits many readers and one writer at a time.
type Store struct {
	db   *bolt.DB
	path string
	log  *zap.Logger
	now  func() time.Time
	// writes and failures count write transactions for the metrics.
	writes, failures atomic.Uint64
	// failWrites is Options.FailWrites.
	failWrites func() error
	// health tracks failing writes for the warning and the status page.
	health writeHealth
}

// Options tune Open.
type Options struct {
	// LockTimeout is how long to wait for another process to release the
	// file before failing with ErrLocked.
	LockTimeout time.Duration
	// Now is the clock of WriteFailure's times and of the warnings' rate
	// limit; nil means time.Now.
	Now func() time.Time
	// FailWrites, when set, is asked before each write transaction
	// commits, and an error it returns fails the transaction as a failed
	// commit does (a full disk, an I/O error). It is for tests of what the
	// daemon does when it cannot write.
	FailWrites func() error
}

// Open opens (creating if needed) the store in dir, takes the exclusive
// lock, checks the whole file, and migrates the schema to the current
// version. A damaged file fails with an error wrapping ErrDamaged and
// naming the file, never with a panic: bbolt panics on some damaged files
// (a truncated file, a page of zeros), and the file is read in full,
// guarded, before anything else trusts it.
func Open(dir string, opts Options, log *zap.Logger) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create storage directory %q: %w", dir, err)
	}
	return openPath(filepath.Join(dir, FileName), opts, log)
}

// openPath is Open of the file at path.
func openPath(path string, opts Options, log *zap.Logger) (*Store, error) {
	if log == nil {
		log = zap.NewNop()
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 500 * time.Millisecond
	}
	// The file is checked read-only first, then opened for writing: bbolt
	// loads the freelist when it opens a file for writing, and panics on a
	// damaged one, leaving the file mapped and so locked for the rest of
	// the process. A read-only open loads nothing but the meta pages.
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		ro, err := openBolt(path, bolt.Options{ReadOnly: true, Timeout: opts.LockTimeout})
		if err != nil {
			return nil, fmt.Errorf("open %q: %w", path, err)
		}
		err = verify(ro)
		ro.Close()
		if err != nil {
			return nil, fmt.Errorf("open %q: %w", path, err)
		}
	}
	db, err := openBolt(path, bolt.Options{Timeout: opts.LockTimeout})
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", path, err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Store{db: db, path: path, log: log, now: opts.Now, failWrites: opts.FailWrites}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %q: %w", path, err)
	}
	return s, nil
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Update runs fn in a read-write transaction, committed (and fsynced) when
// fn returns nil and rolled back otherwise. A commit that fails (a full
// disk) is logged by the store (see writes.go); fn's own error is the
// caller's to report.
func (s *Store) Update(fn func(tx *Tx) error) error { return s.write(s.db.Update, fn) }

// Batch is Update for many small concurrent writers: bbolt folds calls made
// at the same moment into one commit. fn may run more than once and must
// be idempotent.
func (s *Store) Batch(fn func(tx *Tx) error) error { return s.write(s.db.Batch, fn) }

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(tx *Tx) error) error { return s.db.View(wrap(fn)) }

// Writes returns the write transactions committed since Open, as
// monitord_store_write_transactions_total counts them.
func (s *Store) Writes() uint64 { return s.writes.Load() }

// Check reads the whole file in a read-only transaction and returns what
// bbolt's consistency check finds wrong (pages freed twice or reachable
// twice, keys out of order), or nil. It reads every page: it is for tests
// and tooling, not for a running daemon's hot path.
func (s *Store) Check() error {
	var errs []error
	err := s.db.View(func(tx *bolt.Tx) error {
		// Drain the channel: the checker's goroutine reads the file until
		// it has sent everything, and must finish inside the transaction.
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return nil
	})
	return errors.Join(append(errs, err)...)
}

// Close flushes and closes the database and releases the lock.
func (s *Store) Close() error { return s.db.Close() }

// RegisterMetrics exposes the store's size and transaction counts.
func (s *Store) RegisterMetrics(reg prometheus.Registerer) error {
	size := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "monitord_store_size_bytes",
		Help: "Size of the state database file in bytes.",
	}, func() float64 {
		fi, err := os.Stat(s.path)
		if err != nil {
			return 0
		}
		return float64(fi.Size())
	})
	writes := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "monitord_store_write_transactions_total",
		Help: "Write transactions committed to the state database.",
	}, func() float64 { return float64(s.Writes()) })
	failures := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "monitord_store_write_failures_total",
		Help: "Write transactions that failed or were rolled back by their caller's error.",
	}, func() float64 { return float64(s.failures.Load()) })
	for _, c := range []prometheus.Collector{size, writes, failures} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
