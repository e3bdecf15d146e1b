package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/store"
)

// damagedStore writes a state database through the store's API, as the
// daemon does, then truncates it to four pages, as a full disk or a bad
// copy leaves a file. It returns the storage directory.
func damagedStore(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s, err := store.Open(dir, store.Options{}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		err := s.Update(func(tx *store.Tx) error {
			return tx.Bucket(store.BucketSeen).Put(binary.BigEndian.AppendUint64([]byte{'u'}, uint64(i)*0x9e3779b97f4a7c15), make([]byte, 40))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, store.FileName), 4*4096); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDamagedStoreStopsWithOneLine reproduces the daemon's start on a
// damaged store: a Go panic and its stack trace, and under systemd a
// restart loop. It now exits 1 with one error line naming the file and
// the way out, which `monitord store check` and `store recover` provide.
func TestDamagedStoreStopsWithOneLine(t *testing.T) {
	dir := damagedStore(t)
	file := filepath.Join(dir, store.FileName)

	var stdout, stderr bytes.Buffer
	code := run([]string{"--storage.path=" + dir, "--web.listen-address=127.0.0.1:0"}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("run: got exit %d, want 1", code)
	}
	var errorLines []string
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if strings.Contains(line, "level=error") {
			errorLines = append(errorLines, line)
		}
	}
	if len(errorLines) != 1 || !strings.Contains(errorLines[0], file) || !strings.Contains(errorLines[0], "monitord store recover --storage.path="+dir) {
		t.Errorf("run: want one error line naming %s and `monitord store recover`, got:\n%s", file, stderr.String())
	}
	if strings.Contains(stderr.String(), "panic") || strings.Contains(stderr.String(), "goroutine") {
		t.Errorf("run: a panic:\n%s", stderr.String())
	}

	stdout.Reset()
	if code := run([]string{"--storage.path=" + dir, "store", "check"}, &stdout, &stderr); code != 1 {
		t.Errorf("store check of the damaged file: got exit %d, want 1:\n%s", code, stdout.String())
	}
	for _, want := range []string{file + ": DAMAGED", "truncated", "monitord store recover"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("store check: output lacks %q:\n%s", want, stdout.String())
		}
	}

	stdout.Reset()
	if code := run([]string{"--storage.path=" + dir, "store", "recover"}, &stdout, &stderr); code != 0 {
		t.Fatalf("store recover: got exit %d, want 0:\n%s%s", code, stdout.String(), stderr.String())
	}
	kept, _ := filepath.Glob(file + ".damaged-*")
	if len(kept) != 1 || !strings.Contains(stdout.String(), "kept as "+kept[0]) {
		t.Errorf("store recover: the damaged file is not kept beside the new one (%v):\n%s", kept, stdout.String())
	}

	stdout.Reset()
	if code := run([]string{"--storage.path=" + dir, "store", "check"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), file+": OK") {
		t.Errorf("store check after recover: got exit %d:\n%s", code, stdout.String())
	}
}
