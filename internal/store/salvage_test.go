package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/zap"
)

// Sizes of the store populate writes: enough keys for every bucket to
// span many pages, so that one damaged page is a small part of it.
const (
	testOutbox = 1500 // alerts queued for one receiver
	testSeen   = 6000 // seen-set entries
	testQuotes = 3000 // quotes of one symbol
)

// populate writes a store as the daemon does, through the store API: an
// outbox queue keyed by the bucket's sequence, seen-set entries keyed by
// a kind byte and a hash, and a symbol's quote history keyed by time. It
// returns the file's bytes.
func populate(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir, Options{}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	for i := range testSeen {
		err := s.Update(func(tx *Tx) error {
			key := append([]byte{'i'}, fmt.Appendf(nil, "%016x", uint64(i)*0x9e3779b97f4a7c15)...)
			if err := tx.Bucket(BucketSeen).Put(key, binary.BigEndian.AppendUint64(nil, uint64(i))); err != nil {
				return err
			}
			if i < testOutbox {
				q, err := tx.Bucket(BucketOutbox).CreateBucketIfNotExists([]byte("slack-ops"))
				if err != nil {
					return err
				}
				seq, err := q.NextSequence()
				if err != nil {
					return err
				}
				if err := q.Put(binary.BigEndian.AppendUint64(nil, seq), []byte(strings.Repeat("alert ", 30))); err != nil {
					return err
				}
			}
			if i < testQuotes {
				h, err := tx.Bucket(BucketQuotes).CreateBucketIfNotExists([]byte("MP"))
				if err != nil {
					return err
				}
				return h.Put(binary.BigEndian.AppendUint64(nil, uint64(i)*60e9), []byte(`{"price":58.41}`))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// damage returns a copy of file with fn applied.
func damage(file []byte, fn func(b []byte) []byte) []byte {
	return fn(append([]byte(nil), file...))
}

// seenLeaf finds a page in the middle of the file that holds seen-set
// keys: its content is what a zeroed or bit-flipped page loses. It also
// returns how many of the file's bytes hold pages (bbolt grows its file
// ahead of use).
func seenLeaf(t *testing.T, file []byte) (id, used int) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), file, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error { used = int(tx.Size()); return nil })
	pages := used / 4096
	for id := pages / 2; id < pages; id++ {
		p := file[id*4096:]
		// A leaf page (flags 0x02) whose first key is a seen-set key.
		if binary.LittleEndian.Uint64(p) != uint64(id) || binary.LittleEndian.Uint16(p[8:]) != 0x02 {
			continue
		}
		pos, ksize := binary.LittleEndian.Uint32(p[16+4:]), binary.LittleEndian.Uint32(p[16+8:])
		if ksize == 17 && p[16+pos] == 'i' {
			return id, used
		}
	}
	t.Fatal("no seen-set leaf in the second half of the file")
	return 0, 0
}

// TestDamagedStore reproduces a damaged state database crashing the
// daemon with a Go panic at start (a truncated file: "assertion failed:
// Page expected to be..."; a bad middle page: "invalid freelist page"):
// Open fails with ErrDamaged naming the file instead, CheckFile reports
// the damage, and Recover salvages the rest into a fresh file that opens,
// keeping the damaged file beside it.
func TestDamagedStore(t *testing.T) {
	file := populate(t)
	leaf, used := seenLeaf(t, file)
	now := time.Date(2026, time.August, 26, 15, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name string
		fn   func([]byte) []byte
		// minSeen is the fewest seen-set keys Recover must keep.
		minSeen int
	}{
		{"truncated", func(b []byte) []byte { return b[:used*6/10] }, 0},
		{"zeroed page", func(b []byte) []byte { clear(b[leaf*4096 : (leaf+1)*4096]); return b }, testSeen - 300},
		{"bit-flipped page id", func(b []byte) []byte { b[leaf*4096+1] ^= 0x10; return b }, testSeen - 300},
		{"bit-flipped key size", func(b []byte) []byte { b[leaf*4096+16+8] ^= 0x01; return b }, testSeen - 300},
		{"both meta pages", func(b []byte) []byte { clear(b[:2*4096]); return b }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, damage(file, tc.fn), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(dir, Options{}, zap.NewNop())
			if err == nil {
				s.Close()
				t.Fatal("Open of a damaged file succeeded")
			}
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Open: got %v, want ErrDamaged naming %s", err, path)
			}

			rep, err := CheckFile(dir, SalvageOptions{})
			if err != nil {
				t.Fatalf("CheckFile: %v", err)
			}
			if rep.OK() {
				t.Errorf("CheckFile found no damage: %+v", rep)
			}

			rep, err = Recover(dir, SalvageOptions{Now: func() time.Time { return now }}, zap.NewNop())
			if err != nil {
				t.Fatalf("Recover: %v", err)
			}
			kept := path + ".damaged-20260826T150405Z"
			if rep.Damaged != kept {
				t.Errorf("damaged file kept as %q, want %q", rep.Damaged, kept)
			}
			if got, err := os.ReadFile(kept); err != nil || string(got) != string(damage(file, tc.fn)) {
				t.Errorf("the damaged file was not kept as it was (%v)", err)
			}
			s, err = Open(dir, Options{}, zap.NewNop())
			if err != nil {
				t.Fatalf("Open after Recover: %v", err)
			}
			defer s.Close()
			if err := s.Check(); err != nil {
				t.Errorf("the recovered file is inconsistent: %v", err)
			}
			seen, outbox, quotes, next := 0, 0, 0, uint64(0)
			err = s.Update(func(tx *Tx) error {
				tx.Bucket(BucketSeen).ForEach(func(_, _ []byte) error { seen++; return nil })
				if h := tx.Bucket(BucketQuotes).Bucket([]byte("MP")); h != nil {
					h.ForEach(func(_, _ []byte) error { quotes++; return nil })
				}
				if q := tx.Bucket(BucketOutbox).Bucket([]byte("slack-ops")); q != nil {
					q.ForEach(func(_, _ []byte) error { outbox++; return nil })
					var err error
					next, err = q.NextSequence()
					return err
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("recovered %d seen, %d outbox, %d quotes; problems: %q", seen, outbox, quotes, rep.Problems)
			if seen < tc.minSeen || seen > testSeen {
				t.Errorf("recovered %d seen-set keys, want %d to %d", seen, tc.minSeen, testSeen)
			}
			if tc.minSeen > 0 && (outbox != testOutbox || quotes != testQuotes) {
				t.Errorf("recovered %d outbox entries and %d quotes, want all %d and %d (only a seen-set page was damaged)",
					outbox, quotes, testOutbox, testQuotes)
			}
			if outbox > 0 && next != testOutbox+1 {
				t.Errorf("the outbox's next sequence is %d, want %d: a new alert would overwrite a queued one", next, testOutbox+1)
			}
		})
	}
}

// TestRecoverRefusesALockedStore: a daemon still holds the file.
func TestRecoverRefusesALockedStore(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Recover(dir, SalvageOptions{LockTimeout: 50 * time.Millisecond}, nil); !errors.Is(err, ErrLocked) {
		t.Errorf("Recover of a store in use: got %v, want ErrLocked", err)
	}
	if _, err := CheckFile(t.TempDir(), SalvageOptions{}); err == nil || !strings.Contains(err.Error(), "no state database") {
		t.Errorf("CheckFile of an empty directory: got %v", err)
	}
}
