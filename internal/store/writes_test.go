package store

import (
	"errors"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestFailingWritesAreWarnings reproduces a full disk invisible at the
// default log level: a commit that fails (here by FailWrites, as ENOSPC
// fails it) is a warning, logged at most once a minute with the count of
// those left out, counted, and reported by WriteFailure until a commit
// succeeds again. A rollback the caller chose is none of that.
func TestFailingWritesAreWarnings(t *testing.T) {
	start := time.Date(2026, time.August, 26, 15, 0, 0, 0, time.UTC)
	var now atomic.Int64
	now.Store(start.UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	advance := func(d time.Duration) { now.Add(int64(d)) }
	var full atomic.Bool
	errFull := errors.New("write monitord.db: " + syscall.ENOSPC.Error())
	core, logs := observer.New(zap.InfoLevel)
	s, err := Open(t.TempDir(), Options{Now: clock, FailWrites: func() error {
		if full.Load() {
			return errFull
		}
		return nil
	}}, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	put := func(fn func(func(*Tx) error) error) error {
		return fn(func(tx *Tx) error { return tx.Bucket(BucketSeen).Put([]byte("k"), []byte("v")) })
	}
	warnings := func() int { return logs.FilterMessage("Cannot write the state database").Len() }

	// A rollback the caller asked for is not a failing store.
	errRollback := errors.New("roll back")
	if err := s.Update(func(*Tx) error { return errRollback }); !errors.Is(err, errRollback) {
		t.Fatalf("rollback: got %v", err)
	}
	if since, err := s.WriteFailure(); !since.IsZero() || err != nil || warnings() != 0 {
		t.Fatalf("after a rollback: WriteFailure = %v, %v; %d warnings; want none", since, err, warnings())
	}

	full.Store(true)
	failuresBefore := s.failures.Load()
	for i := range 5 {
		run := s.Update
		if i%2 == 1 {
			run = s.Batch
		}
		if err := put(run); !errors.Is(err, errFull) {
			t.Fatalf("write %d on a full disk: got %v", i, err)
		}
		advance(10 * time.Second)
	}
	if got := warnings(); got != 1 {
		t.Errorf("5 failed writes within a minute: %d warnings, want 1", got)
	}
	if since, err := s.WriteFailure(); !since.Equal(start) || !errors.Is(err, errFull) {
		t.Errorf("WriteFailure = %v, %v; want %v, %v", since, err, start, errFull)
	}
	if got := s.failures.Load() - failuresBefore; got != 5 {
		t.Errorf("monitord_store_write_failures_total rose by %d, want 5", got)
	}
	advance(20 * time.Second) // a minute after the first warning
	put(s.Update)
	w := logs.FilterMessage("Cannot write the state database").All()
	if len(w) != 2 || w[1].Level != zap.WarnLevel || w[1].ContextMap()["suppressed"] != int64(4) || w[1].ContextMap()["err"] == nil {
		t.Errorf("a minute later: got warnings %v, want a second one with suppressed=4 and err", w)
	}

	full.Store(false)
	if err := put(s.Update); err != nil {
		t.Fatal(err)
	}
	if since, err := s.WriteFailure(); !since.IsZero() || err != nil {
		t.Errorf("after a successful write: WriteFailure = %v, %v; want none", since, err)
	}
	if n := logs.FilterMessage("Writes to the state database succeed again").Len(); n != 1 {
		t.Errorf("got %d recovery logs, want 1", n)
	}
}
