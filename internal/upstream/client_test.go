package upstream

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/monitord/monitord/internal/fakeclock"
	promconfig "github.com/prometheus/common/config"
)

func newTestClient(t *testing.T, hosts *Hosts, cfg promconfig.HTTPClientConfig) *http.Client {
	t.Helper()
	c, err := NewClient(cfg, ClientOptions{Name: "test", Hosts: hosts})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// TestGzipIsDecodedUnderTheLimit: the client asks for gzip and decodes it;
// a small gzip bomb is stopped by the body limit on the decoded size.
func TestGzipIsDecodedUnderTheLimit(t *testing.T) {
	feed := []byte(strings.Repeat("<item>rare earth</item>", 100))
	bomb := gzipped(t, make([]byte, 50<<20)) // 50 MiB of zeros, about 50 KB on the wire
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding %q, want gzip", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Encoding", "gzip")
		if r.URL.Path == "/bomb" {
			w.Write(bomb)
			return
		}
		w.Write(gzipped(t, feed))
	}))
	defer srv.Close()
	c := newTestClient(t, nil, promconfig.DefaultHTTPClientConfig)

	resp, err := c.Get(srv.URL + "/feed")
	if err != nil {
		t.Fatal(err)
	}
	body, err := ReadBody(resp, 1<<20, nil)
	resp.Body.Close()
	if err != nil || !bytes.Equal(body.Bytes(), feed) {
		t.Fatalf("got %d bytes (%v), want the %d decoded bytes", body.Len(), err, len(feed))
	}

	resp, err = c.Get(srv.URL + "/bomb")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err = ReadBody(resp, 1<<20, nil)
	if e := AsError(err); e == nil || e.Reason != ReasonTooLarge || !errors.Is(err, ErrTooLarge) {
		t.Fatalf("bomb: got %v, want too_large", err)
	}
	if body.Cap() > 4<<20 {
		t.Errorf("the bomb grew the buffer to %d bytes", body.Cap())
	}
}

// TestHostPauseIsSharedByEveryClient reproduces the fault of two callers of
// one host (the quote poller's chart fallback and the impact engine's
// chart fill): after a 429 with Retry-After: 3, a request from the other
// client a second later must not go out.
func TestHostPauseIsSharedByEveryClient(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Retry-After", "3")
			http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	clock := fakeclock.New(start)
	hosts := NewHosts(HostsOptions{Now: clock.Now, Sleep: clock.Sleep})
	poller, err := NewClient(promconfig.DefaultHTTPClientConfig, ClientOptions{Name: "quotes", Hosts: hosts, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	impact, err := NewClient(promconfig.DefaultHTTPClientConfig, ClientOptions{Name: "impact", Hosts: hosts, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := poller.Get(srv.URL + "/v8/finance/chart/MP")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", resp.StatusCode)
	}

	clock.Advance(time.Second)
	_, err = impact.Get(srv.URL + "/v8/finance/chart/LAC")
	e := AsError(err)
	if e == nil || !errors.Is(err, ErrBackingOff) || e.Reason != ReasonRateLimited || e.RetryAfter != 2*time.Second {
		t.Fatalf("a second later: got %v, want backing off for 2s more (rate_limited)", err)
	}
	if strings.Contains(e.Error(), srv.URL) {
		t.Errorf("the error names the URL: %v", e)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("the host got %d requests during its pause, want only the first", n)
	}

	clock.Advance(2 * time.Second)
	resp, err = impact.Get(srv.URL + "/v8/finance/chart/LAC")
	if err != nil {
		t.Fatalf("after the pause: %v", err)
	}
	resp.Body.Close()
}

func TestRedirectsFollowTheConfig(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
			return
		}
		w.Write([]byte("moved here"))
	}))
	defer srv.Close()
	for _, follow := range []bool{true, false} {
		cfg := promconfig.DefaultHTTPClientConfig
		cfg.FollowRedirects = follow
		resp, err := newTestClient(t, nil, cfg).Get(srv.URL + "/old")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusOK
		if !follow {
			want = http.StatusMovedPermanently
		}
		if resp.StatusCode != want {
			t.Errorf("follow_redirects %v: status %d, want %d", follow, resp.StatusCode, want)
		}
	}
}

// TestTransportReasons names the cause of a failure in words an operator
// acts on: DNS, a refused connection, TLS, a timeout.
func TestTransportReasons(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer tlsSrv.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer slow.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedURL := "http://" + closed.Addr().String() + "/"
	closed.Close()

	c := newTestClient(t, nil, promconfig.DefaultHTTPClientConfig)
	get := func(ctx context.Context, u string) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	dnsErr := &url.Error{Op: "Get", URL: "https://feeds.invalid/", Err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "feeds.invalid", IsNotFound: true}}}

	for _, tt := range []struct {
		name   string
		parent context.Context
		err    error
		want   string
	}{
		{"refused", context.Background(), get(context.Background(), refusedURL), ReasonRefused},
		{"tls", context.Background(), get(context.Background(), tlsSrv.URL), ReasonTLS},
		{"timeout", short, get(short, slow.URL), ReasonTimeout},
		{"canceled", cancelled, get(cancelled, slow.URL), ReasonCanceled},
		{"dns", context.Background(), dnsErr, ReasonDNS},
		{"reset", context.Background(), errors.New("connection reset by peer"), ReasonNetwork},
	} {
		if got := TransportReason(tt.parent, tt.err); got != tt.want {
			t.Errorf("%s: TransportReason(%v) = %q, want %q", tt.name, tt.err, got, tt.want)
		}
	}
	if got := Describe(ReasonDNS, 0); got != "DNS lookup failed" {
		t.Errorf("Describe(dns) = %q", got)
	}
	if got := Describe(ReasonServerError, 503); got != "HTTP 503 Service Unavailable" {
		t.Errorf("Describe(server_error, 503) = %q", got)
	}
}

func TestStatusReason(t *testing.T) {
	for code, want := range map[int]string{
		429: ReasonRateLimited, 401: ReasonUnauthorized, 403: ReasonForbidden, 404: ReasonNotFound,
		410: ReasonClientError, 500: ReasonServerError, 503: ReasonServerError, 302: ReasonUnexpectedStatus, 101: ReasonUnexpectedStatus,
	} {
		if got := StatusReason(code); got != want {
			t.Errorf("StatusReason(%d) = %q, want %q", code, got, want)
		}
	}
}

func TestSnippet(t *testing.T) {
	for in, want := range map[string]string{
		"Too Many Requests\r\n": "Too Many Requests",
		"<html><head><style>p{}</style><title>403</title></head><body><p>Your request   was blocked.</p></body></html>": "403 Your request was blocked.",
		"x<y and y>z":            "x<y and y>z",
		strings.Repeat("a", 200): strings.Repeat("a", 120) + "…",
		"bell\x07 and\x00 nul":   "bell and nul",
	} {
		if got := Snippet([]byte(in)); got != want {
			t.Errorf("Snippet(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://user:PASSWORD@host.example.com/feed?apikey=KEY&s=MP": "http://user:xxxxx@host.example.com/feed?apikey=xxxxx&s=MP",
		"https://finnhub.io/api/v1/quote?symbol=MP&token=abc":        "https://finnhub.io/api/v1/quote?symbol=MP&token=xxxxx",
		"https://x.example.com/f?X-Api-Key=1&access_token=2&q=rare":  "https://x.example.com/f?X-Api-Key=xxxxx&access_token=xxxxx&q=rare",
		"https://news.google.com/rss/search?q=%22rare+earth%22":      "https://news.google.com/rss/search?q=%22rare+earth%22",
		"https://user@host.example.com/":                             "https://user@host.example.com/",
		"://bad url":                                                 "<unparsable URL>",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
