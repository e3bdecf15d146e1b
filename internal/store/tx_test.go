package store

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), Options{}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestTxNestedBucketsAndCursor walks every operation the domain packages
// use through the wrappers.
func TestTxNestedBucketsAndCursor(t *testing.T) {
	s := openTest(t)
	var seqs []uint64
	err := s.Update(func(tx *Tx) error {
		if !tx.Writable() {
			t.Error("Update: got a read-only tx")
		}
		root := tx.Bucket(BucketQuotes)
		b, err := root.CreateBucketIfNotExists([]byte("MP"))
		if err != nil {
			return err
		}
		for _, k := range []string{"b", "d", "a", "c"} {
			if err := b.Put([]byte(k), []byte("v"+k)); err != nil {
				return err
			}
		}
		if _, err := root.CreateBucket([]byte("MP")); err == nil {
			t.Error("CreateBucket of an existing bucket: got no error")
		}
		if _, err := root.CreateBucket([]byte("OLD")); err != nil {
			return err
		}
		for range 2 {
			n, err := b.NextSequence()
			if err != nil {
				return err
			}
			seqs = append(seqs, n)
		}
		return b.Delete([]byte("zz")) // absent: no error
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]uint64{1, 2}, seqs); diff != "" {
		t.Errorf("NextSequence (-want +got):\n%s", diff)
	}

	err = s.View(func(tx *Tx) error {
		if tx.Writable() {
			t.Error("View: got a writable tx")
		}
		root := tx.Bucket(BucketQuotes)
		if b := root.Bucket([]byte("NONE")); b != nil {
			t.Errorf("missing nested bucket: got %v, want nil", b)
		}
		if v := root.Get([]byte("MP")); v != nil {
			t.Errorf("Get of a nested bucket's name: got %q, want nil", v)
		}
		var names []string
		if err := root.ForEachBucket(func(name []byte) error { names = append(names, string(name)); return nil }); err != nil {
			return err
		}
		if diff := cmp.Diff([]string{"MP", "OLD"}, names); diff != "" {
			t.Errorf("ForEachBucket (-want +got):\n%s", diff)
		}
		b := root.Bucket([]byte("MP"))
		if got := b.Get([]byte("c")); !bytes.Equal(got, []byte("vc")) {
			t.Errorf("Get(c): got %q, want %q", got, "vc")
		}
		var all []string
		if err := b.ForEach(func(k, v []byte) error { all = append(all, string(k)+"="+string(v)); return nil }); err != nil {
			return err
		}
		if diff := cmp.Diff([]string{"a=va", "b=vb", "c=vc", "d=vd"}, all); diff != "" {
			t.Errorf("ForEach (-want +got):\n%s", diff)
		}
		c := b.Cursor()
		var walk []string
		for _, step := range []struct {
			name string
			move func() ([]byte, []byte)
		}{
			{"First", c.First}, {"Next", c.Next}, {"Last", c.Last}, {"Prev", c.Prev},
			{"Seek(bb)", func() ([]byte, []byte) { return c.Seek([]byte("bb")) }},
			{"Seek(a)", func() ([]byte, []byte) { return c.Seek([]byte("a")) }},
			{"Prev", c.Prev},
		} {
			k, _ := step.move()
			walk = append(walk, step.name+":"+string(k))
		}
		want := []string{"First:a", "Next:b", "Last:d", "Prev:c", "Seek(bb):c", "Seek(a):a", "Prev:"}
		if diff := cmp.Diff(want, walk); diff != "" {
			t.Errorf("cursor walk (-want +got):\n%s", diff)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	if err := s.Update(func(tx *Tx) error { return tx.Bucket(BucketQuotes).DeleteBucket([]byte("OLD")) }); err != nil {
		t.Fatal(err)
	}
	if err := s.View(func(tx *Tx) error {
		if tx.Bucket(BucketQuotes).Bucket([]byte("OLD")) != nil {
			t.Error("DeleteBucket: the bucket survived")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Errorf("consistency check: %v", err)
	}
}

// TestTxOnCommitAndWrites: commit handlers run only when the transaction
// commits, and the write counters see every Update and Batch.
func TestTxOnCommitAndWrites(t *testing.T) {
	errRollback := errors.New("roll back")
	for _, tc := range []struct {
		name      string
		run       func(*Store, func(*Tx) error) error
		fail      bool
		committed bool
		writes    uint64
		failures  float64
	}{
		{"update", (*Store).Update, false, true, 1, 0},
		{"update rolled back", (*Store).Update, true, false, 0, 1},
		{"batch", (*Store).Batch, false, true, 1, 0},
		{"batch rolled back", (*Store).Batch, true, false, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			base := s.Writes()
			committed := false
			err := tc.run(s, func(tx *Tx) error {
				tx.OnCommit(func() { committed = true })
				if err := tx.Bucket(BucketOutbox).Put([]byte("k"), []byte("v")); err != nil {
					return err
				}
				if tc.fail {
					return errRollback
				}
				return nil
			})
			if got := errors.Is(err, errRollback); got != tc.fail {
				t.Errorf("got error %v, want rollback %t", err, tc.fail)
			}
			if committed != tc.committed {
				t.Errorf("commit handler ran: got %t, want %t", committed, tc.committed)
			}
			if got := s.Writes() - base; got != tc.writes {
				t.Errorf("writes: got %d, want %d", got, tc.writes)
			}
			if got := float64(s.failures.Load()); got != tc.failures {
				t.Errorf("failures: got %g, want %g", got, tc.failures)
			}
			var got []byte
			if err := s.View(func(tx *Tx) error { got = bytes.Clone(tx.Bucket(BucketOutbox).Get([]byte("k"))); return nil }); err != nil {
				t.Fatal(err)
			}
			if (got != nil) != tc.committed {
				t.Errorf("value after the transaction: got %q, want committed %t", got, tc.committed)
			}
		})
	}
}

func TestTxBucketUnknownNamePanics(t *testing.T) {
	s := openTest(t)
	defer func() {
		if r := recover(); r == nil {
			t.Error("Bucket of a name no migration made: got no panic")
		}
	}()
	_ = s.View(func(tx *Tx) error { tx.Bucket("nope"); return nil })
}
