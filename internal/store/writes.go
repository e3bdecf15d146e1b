package store

import (
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/zap"
)

// warnEvery is the most often a failing write is logged: a full disk
// fails every poll of every feed, and one warning a minute, with the
// count of those not logged, says as much as a thousand.
const warnEvery = time.Minute

// writeHealth is the state of the store's writes: whether commits fail,
// since when and why, and when that was last logged.
type writeHealth struct {
	mu sync.Mutex
	// since is when the current run of failed commits began; zero while
	// commits succeed.
	since time.Time
	// last is the latest failure's error.
	last error
	// failed counts the failed commits of the current run, suppressed
	// those not logged since the last warning.
	failed, suppressed int
	// warned is when a failure was last logged.
	warned time.Time
}

// write runs fn in a write transaction through run (bbolt's Update or
// Batch) and accounts for the outcome. fn's own error is the caller's
// decision (a rollback) and is only counted; any other error is the
// store's: the commit, its fsync or the file's growth failed (a full
// disk, an I/O error, FailWrites). Those are logged as warnings, at most
// one per warnEvery with the number left out, and shown by WriteFailure
// until a commit succeeds again.
func (s *Store) write(run func(func(*bolt.Tx) error) error, fn func(*Tx) error) error {
	var fnErr error
	err := run(func(tx *bolt.Tx) error {
		if fnErr = fn(&Tx{tx: tx}); fnErr != nil {
			return fnErr
		}
		if s.failWrites != nil {
			return s.failWrites()
		}
		return nil
	})
	if err == nil {
		s.writes.Add(1)
		s.writeSucceeded()
		return nil
	}
	s.failures.Add(1)
	if fnErr == nil || err != fnErr {
		s.writeFailed(err)
	}
	return err
}

// writeFailed records a failed commit and logs it unless one was logged
// less than warnEvery ago.
func (s *Store) writeFailed(err error) {
	h := &s.health
	now := s.now()
	h.mu.Lock()
	if h.since.IsZero() {
		h.since = now
	}
	h.last = err
	h.failed++
	if !h.warned.IsZero() && now.Sub(h.warned) < warnEvery {
		h.suppressed++
		h.mu.Unlock()
		return
	}
	suppressed, since := h.suppressed, h.since
	h.warned, h.suppressed = now, 0
	h.mu.Unlock()
	s.log.Warn("Cannot write the state database", zap.String("file", s.path), zap.NamedError("err", err),
		zap.Time("failing_since", since), zap.Int("suppressed", suppressed))
}

// writeSucceeded ends a run of failed commits.
func (s *Store) writeSucceeded() {
	h := &s.health
	h.mu.Lock()
	if h.since.IsZero() {
		h.mu.Unlock()
		return
	}
	failed, since := h.failed, h.since
	h.since, h.last, h.failed, h.suppressed, h.warned = time.Time{}, nil, 0, 0, time.Time{}
	h.mu.Unlock()
	s.log.Info("Writes to the state database succeed again", zap.String("file", s.path),
		zap.Int("failed", failed), zap.Duration("after", s.now().Sub(since)))
}

// WriteFailure reports whether writes to the store are failing: since
// when (the first failed commit of the current run) and the latest error;
// a zero time and nil while commits succeed.
func (s *Store) WriteFailure() (since time.Time, err error) {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	return s.health.since, s.health.last
}
