// Package apptest runs the whole monitord daemon in-process for tests of
// other packages (deploy, status, scale): a configuration written to a
// temporary directory, a state store beside it, a loopback listener, and a
// shutdown checked when the test ends.
package apptest

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/monitord/monitord/internal/app"
)

// Daemon is a running monitord.
type Daemon struct {
	App *app.App
	// Base is its URL, http://127.0.0.1:PORT.
	Base string
	// Dir holds its configuration file and state.
	Dir string
}

// Option tunes the daemon Start runs.
type Option func(*app.Options)

// WithClock runs the daemon on the clock now (see clocktest.Clock).
func WithClock(now func() time.Time) Option {
	return func(o *app.Options) { o.Now = now }
}

// Start writes config to a temporary file, starts the daemon on a free
// loopback port and waits until /-/ready answers 200. The daemon is
// stopped, and its clean exit checked, when the test ends.
func Start(t testing.TB, config string, opts ...Option) *Daemon {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "monitord.yml")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	o := app.Options{
		ConfigFile:      file,
		StoragePath:     filepath.Join(dir, "data"),
		ListenAddresses: []string{"127.0.0.1:0"},
		ShutdownGrace:   10 * time.Second,
		Logger:          zaptest.NewLogger(t),
	}
	for _, opt := range opts {
		opt(&o)
	}
	a, err := app.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, nil) }() // joined in the cleanup
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("daemon: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("daemon did not stop within 30s")
		}
	})
	d := &Daemon{App: a, Base: "http://" + a.Addrs()[0].String(), Dir: dir}
	WaitFor(t, "the daemon to be ready", func() bool {
		code, _ := d.Get(t, "/-/ready")
		return code == http.StatusOK
	})
	return d
}

// Get fetches path (or an absolute URL) and returns the status and body.
func (d *Daemon) Get(t testing.TB, path string) (int, string) {
	t.Helper()
	url := path
	if len(path) > 0 && path[0] == '/' {
		url = d.Base + path
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// WaitFor polls cond for up to a minute, generous for a loaded machine; it
// bounds the test, it asserts nothing about speed.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
