package app

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

// TestIdleKeepAliveConnectionIsClosed reproduces the server keeping idle
// keep-alive connections forever (no IdleTimeout): a client that made
// one request and then says nothing is disconnected after the idle
// timeout, injected short here.
func TestIdleKeepAliveConnectionIsClosed(t *testing.T) {
	const idle = 300 * time.Millisecond
	h := newHarness(t, goodConfig, func(a *App) { a.opts.HTTPIdleTimeout = idle })
	h.waitReady()
	if s := h.app.server; s.ReadHeaderTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout != idle {
		t.Errorf("server timeouts: read header %v, write %v, idle %v", s.ReadHeaderTimeout, s.WriteTimeout, s.IdleTimeout)
	}

	conn, err := net.Dial("tcp", h.app.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /-/healthy HTTP/1.1\r\nHost: monitord\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("got %d (close %v), want a 200 on a kept-alive connection", resp.StatusCode, resp.Close)
	}

	start := time.Now()
	conn.SetReadDeadline(start.Add(10 * idle))
	_, err = r.ReadByte()
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		t.Fatalf("the idle connection was still open after %v", 10*idle)
	case !errors.Is(err, io.EOF):
		t.Fatalf("reading the idle connection: got %v, want EOF (closed by the server)", err)
	case time.Since(start) < idle/2:
		t.Errorf("closed after %v, before the idle timeout", time.Since(start))
	}
}
