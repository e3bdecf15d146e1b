package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/zap"
)

const childEnv = "MONITORD_STORE_TEST_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(childWriter(dir))
	}
	os.Exit(m.Run())
}

// childWriter commits numbered records as fast as it can and prints each
// number once its transaction has committed, until it is killed.
func childWriter(dir string) int {
	s, err := Open(dir, Options{}, zap.NewNop())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	w := bufio.NewWriter(os.Stdout)
	for i := uint64(1); ; i++ {
		err := s.Update(func(tx *Tx) error {
			b := tx.Bucket(BucketOutbox)
			// A few hundred bytes per record so commits touch several pages.
			return b.Put(binary.BigEndian.AppendUint64(nil, i), make([]byte, 300))
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintln(w, i)
		w.Flush()
	}
}

func TestSurvivesKillDuringWrites(t *testing.T) {
	dir := t.TempDir()
	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		var last uint64
		// Let it commit a while, then kill it in the middle of a write.
		for sc.Scan() {
			n, err := strconv.ParseUint(sc.Text(), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			last = n
			if n >= uint64(200*(round+1)) {
				break
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		if last == 0 {
			t.Fatal("child committed nothing")
		}

		s, err := Open(dir, Options{}, zap.NewNop())
		if err != nil {
			t.Fatalf("reopen after kill: %v", err)
		}
		var missing []uint64
		err = s.View(func(tx *Tx) error {
			b := tx.Bucket(BucketOutbox)
			for i := uint64(1); i <= last; i++ {
				if b.Get(binary.BigEndian.AppendUint64(nil, i)) == nil {
					missing = append(missing, i)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) > 0 {
			t.Errorf("round %d: %d committed records lost after kill -9, first %d", round, len(missing), missing[0])
		}
		if err := s.Check(); err != nil {
			t.Errorf("round %d: consistency check: %v", round, err)
		}
		// Clear the outbox so the next round numbers from 1 again. Only the
		// migrations make top-level buckets, so this reaches under Tx.
		if err := s.db.Update(func(tx *bolt.Tx) error {
			if err := tx.DeleteBucket([]byte(BucketOutbox)); err != nil {
				return err
			}
			_, err := tx.CreateBucket([]byte(BucketOutbox))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
}

func TestExclusiveLock(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = Open(dir, Options{LockTimeout: 100 * time.Millisecond}, zap.NewNop())
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: got %v, want ErrLocked", err)
	}
	if want := "another monitord running with the same --storage.path"; !contains(err.Error(), want) {
		t.Errorf("got %q, want it to explain %q", err, want)
	}
	if time.Since(start) > 10*time.Second {
		t.Error("second open hung instead of failing")
	}
	s.Close()
	s2, err := Open(dir, Options{}, zap.NewNop())
	if err != nil {
		t.Fatalf("open after the first closed: %v", err)
	}
	s2.Close()
}

func TestSchemaVersion(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.Version(); err != nil || v != SchemaVersion {
		t.Errorf("got version %d, %v; want %d", v, err, SchemaVersion)
	}
	for _, b := range []BucketName{BucketSeen, BucketStories, BucketFeedState, BucketQuotes, BucketImpact, BucketAlertState, BucketOutbox} {
		if err := s.View(func(tx *Tx) error { tx.Bucket(b); return nil }); err != nil {
			t.Error(err)
		}
	}
	// A file from a newer monitord is refused, not silently used.
	if err := s.Update(func(tx *Tx) error {
		return tx.Bucket(bucketMeta).Put(keyVersion, binary.BigEndian.AppendUint64(nil, SchemaVersion+1))
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(dir, Options{}, zap.NewNop())
	if err == nil || !contains(err.Error(), "newer than this monitord understands") {
		t.Errorf("got %v, want a refusal of the newer schema", err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
