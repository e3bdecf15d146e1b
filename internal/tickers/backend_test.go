package tickers

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

var t0 = time.Date(2026, 6, 16, 15, 45, 0, 0, time.UTC) // a Tuesday, 11:45 in New York

func TestCookieThenCrumbThenQuote(t *testing.T) {
	f := newFakeYahoo(t)
	f.set("MP", fakeQuote{price: 58.41, prev: 56.9, volume: 9412337, at: t0})
	f.set("TMQ", fakeQuote{price: 6.87, prev: 7.12, volume: 2210450, at: t0})
	cfg := testConfig(t, f, []string{"MP", "TMQ"}, "")
	b := newTestBackend(t, cfg, newClock(t0), nil)
	ctx := testCtx(t)

	for i := range 3 {
		got, err := b.Quotes(ctx, []string{"MP", "TMQ"})
		if err != nil {
			t.Fatalf("call %d: got error %v, want none", i, err)
		}
		if len(got) != 2 {
			t.Fatalf("call %d: got %d quotes, want 2", i, len(got))
		}
	}
	want := map[string]int{"cookie": 1, "crumb": 1, "quote": 3}
	for route, n := range want {
		if got := f.count(route); got != n {
			t.Errorf("%s requests: got %d, want %d (one cookie and crumb shared by every call)", route, got, n)
		}
	}
	for i, h := range f.headers {
		if got := h.Get("User-Agent"); got != "monitord-test/1.0 (ops@example.com)" {
			t.Errorf("request %d: got User-Agent %q, want the configured one", i, got)
		}
		// Go's transport asks for gzip itself only when nobody set the
		// header by hand; a hand-set "gzip, deflate, br" breaks decoding.
		if got := h.Get("Accept-Encoding"); got != "" && got != "gzip" {
			t.Errorf("request %d: got Accept-Encoding %q, want none set by hand", i, got)
		}
	}
}

func TestQuotesDecodeV7Shape(t *testing.T) {
	f := newFakeYahoo(t)
	f.onQuote = serveFile(t, 200, "v7-quote-MP-TMQ-LAC.json", "Content-Type", "application/json;charset=utf-8")
	cfg := testConfig(t, f, []string{"MP", "TMQ"}, "")
	b := newTestBackend(t, cfg, newClock(t0), nil)

	got, err := b.Quotes(testCtx(t), []string{"MP", "TMQ", "LAC"})
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	want := map[string]Quote{
		"MP": {Symbol: "MP", Name: "MP Materials Corp.", Price: 58.41, PreviousClose: 56.9, Change: 58.41 - 56.9,
			ChangeRatio: (58.41 - 56.9) / 56.9, Volume: 9412337, AvgVolume10Day: 10204455, AvgVolume3Month: 11873210,
			DayHigh: 59.02, DayLow: 56.75, FiftyTwoWeekHigh: 79.2, FiftyTwoWeekLow: 18.3, MarketState: "REGULAR",
			QuoteTime: time.Unix(1781624700, 0), FetchedAt: t0, Source: SourceYahoo, Currency: "USD",
			Exchange: "NYSE", TimeZone: "America/New_York"},
		"TMQ": {Symbol: "TMQ", Name: "Trilogy Metals Inc.", Price: 6.87, PreviousClose: 7.12, Change: 6.87 - 7.12,
			ChangeRatio: (6.87 - 7.12) / 7.12, Volume: 2210450, AvgVolume10Day: 2804412, AvgVolume3Month: 3021877,
			DayHigh: 7.02, DayLow: 6.61, FiftyTwoWeekHigh: 9.88, FiftyTwoWeekLow: 1.05, MarketState: "REGULAR",
			QuoteTime: time.Unix(1781624640, 0), FetchedAt: t0, Source: SourceYahoo, Currency: "USD",
			Exchange: "NYSE American", TimeZone: "America/New_York"},
		"LAC": {Symbol: "LAC", Name: "Lithium Americas Corp.", Price: 3.8, PreviousClose: 3.72, Change: 3.8 - 3.72,
			ChangeRatio: (3.8 - 3.72) / 3.72, Volume: 5120877, MarketState: "PRE",
			QuoteTime: time.Unix(1781553601, 0), FetchedAt: t0, Source: SourceYahoo, Currency: "USD",
			Exchange: "NYSE", TimeZone: "America/New_York",
			// The pre-market price is newer than the close; the post-market one is not.
			ExtendedPrice: 3.96, ExtendedTime: time.Unix(1781610300, 0)},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("quotes (-want +got):\n%s", diff)
	}
}

func TestRejectedCrumbIsRefreshedOnce(t *testing.T) {
	tests := []struct {
		name   string
		status int
		file   string
	}{
		{"401 invalid crumb", 401, "v7-quote-401-invalid-crumb.json"},
		{"401 invalid cookie", 401, "v7-quote-401-invalid-cookie.json"},
		{"400 invalid cookie body", 400, "v7-quote-401-invalid-cookie.json"},
		{"200 invalid crumb body", 200, "v7-quote-401-invalid-crumb.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeYahoo(t)
			f.set("MP", fakeQuote{price: 58.41, prev: 56.9, at: t0})
			reject := serveFile(t, tt.status, tt.file)
			var once sync.Once
			f.onQuote = func(w http.ResponseWriter, r *http.Request) bool {
				handled := false
				once.Do(func() { handled = reject(w, r) })
				return handled
			}
			cfg := testConfig(t, f, []string{"MP"}, "")
			m := NewMetrics(nil)
			b := newTestBackend(t, cfg, newClock(t0), m)

			got, err := b.Quotes(testCtx(t), []string{"MP"})
			if err != nil {
				t.Fatalf("got error %v, want the retry to succeed", err)
			}
			if got["MP"].Price != 58.41 {
				t.Errorf("got price %v, want 58.41", got["MP"].Price)
			}
			for route, n := range map[string]int{"cookie": 2, "crumb": 2, "quote": 2} {
				if got := f.count(route); got != n {
					t.Errorf("%s requests: got %d, want %d", route, got, n)
				}
			}
			if wait, _ := b.Backoff(SourceYahoo); wait != 0 {
				t.Errorf("got backoff %s after a successful retry, want none", wait)
			}
		})
	}
}

func TestRepeatedRejectionBacksOff(t *testing.T) {
	f := newFakeYahoo(t)
	f.onQuote = serveFile(t, 401, "v7-quote-401-invalid-crumb.json")
	cfg := testConfig(t, f, []string{"MP"}, "")
	clock := newClock(t0)
	b := newTestBackend(t, cfg, clock, nil)
	ctx := testCtx(t)

	_, err := b.Quotes(ctx, []string{"MP"})
	if got := reasonOf(err); got != upstream.ReasonUnauthorized {
		t.Fatalf("got reason %q (%v), want %q", got, err, upstream.ReasonUnauthorized)
	}
	if got := f.count("quote"); got != 2 {
		t.Errorf("quote requests: got %d, want 2 (one refresh and retry, no more)", got)
	}
	wait, reason := b.Backoff(SourceYahoo)
	if wait != 15*time.Second || reason != upstream.ReasonUnauthorized {
		t.Errorf("got backoff %s (%s), want 15s (unauthorized)", wait, reason)
	}
	_, err = b.Quotes(ctx, []string{"MP"})
	if !errors.Is(err, ErrBackingOff) {
		t.Errorf("second call: got %v, want ErrBackingOff", err)
	}
	if got := f.count("quote") + f.count("crumb"); got != 4 {
		t.Errorf("got %d quote and crumb requests while backing off, want none beyond the first 4", got-4)
	}
}

func TestCrumbErrorBodyIsNeverTheCrumb(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantReason string
	}{
		{"429 too many requests", 429, "Too Many Requests\r\n", upstream.ReasonRateLimited},
		{"429 edge", 429, "Edge: Too Many Requests", upstream.ReasonRateLimited},
		{"200 too many requests", 200, "Too Many Requests", upstream.ReasonBadCrumb},
		{"200 html", 200, "<!doctype html><html><body>consent</body></html>", upstream.ReasonBadCrumb},
		{"200 empty", 200, "", upstream.ReasonBadCrumb},
		{"503", 503, "Service Unavailable", upstream.ReasonServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeYahoo(t)
			f.set("MP", fakeQuote{price: 58.41, prev: 56.9, at: t0})
			var mu sync.Mutex
			failing := true
			f.onCrumb = func(w http.ResponseWriter, _ *http.Request) bool {
				mu.Lock()
				defer mu.Unlock()
				if !failing {
					return false
				}
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
				return true
			}
			cfg := testConfig(t, f, []string{"MP"}, "")
			clock := newClock(t0)
			m := NewMetrics(nil)
			b := newTestBackend(t, cfg, clock, m)
			ctx := testCtx(t)

			_, err := b.Quotes(ctx, []string{"MP"})
			if got := reasonOf(err); got != tt.wantReason {
				t.Fatalf("got reason %q (%v), want %q", got, err, tt.wantReason)
			}
			if got := f.count("quote"); got != 0 {
				t.Errorf("got %d quote requests, want none without a crumb", got)
			}
			if wait, _ := b.Backoff(SourceYahoo); wait == 0 {
				t.Errorf("got no backoff after a failed crumb, want one")
			}

			mu.Lock()
			failing = false
			mu.Unlock()
			clock.Advance(time.Hour)
			// The fake accepts only a crumb it issued: success proves the
			// error body was never adopted as one.
			if _, err := b.Quotes(ctx, []string{"MP"}); err != nil {
				t.Fatalf("after recovery: got %v, want no error", err)
			}
		})
	}
}

func TestRateLimitHonoursRetryAfter(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter func(now time.Time) string
		want       time.Duration
	}{
		{"seconds", func(time.Time) string { return "120" }, 120 * time.Second},
		{"http date", func(now time.Time) string { return now.Add(5 * time.Minute).UTC().Format(http.TimeFormat) }, 5 * time.Minute},
		{"absent", func(time.Time) string { return "" }, 15 * time.Second},
		{"absurd", func(time.Time) string { return "864000" }, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeYahoo(t)
			f.set("MP", fakeQuote{price: 58.41, prev: 56.9, at: t0})
			clock := newClock(t0)
			f.onQuote = func(w http.ResponseWriter, _ *http.Request) bool {
				if v := tt.retryAfter(clock.Now()); v != "" {
					w.Header().Set("Retry-After", v)
				}
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(429)
				w.Write([]byte("Too Many Requests\r\n"))
				return true
			}
			cfg := testConfig(t, f, []string{"MP"}, "")
			b := newTestBackend(t, cfg, clock, nil)
			ctx := testCtx(t)

			_, err := b.Quotes(ctx, []string{"MP"})
			re, ok := errors.AsType[*RequestError](err)
			if !ok || re.Status != 429 || re.Reason != upstream.ReasonRateLimited {
				t.Fatalf("got %v, want an HTTP 429 rate_limited RequestError", err)
			}
			if wait, _ := b.Backoff(SourceYahoo); wait != tt.want {
				t.Errorf("got backoff %s, want %s", wait, tt.want)
			}
			clock.Advance(tt.want - time.Second)
			if _, err := b.Quotes(ctx, []string{"MP"}); !errors.Is(err, ErrBackingOff) {
				t.Errorf("before the backoff ends: got %v, want ErrBackingOff", err)
			}
			if got := f.count("quote"); got != 1 {
				t.Errorf("got %d quote requests, want 1 (none while backing off)", got)
			}
			clock.Advance(2 * time.Second)
			b.Quotes(ctx, []string{"MP"})
			if got := f.count("quote"); got != 2 {
				t.Errorf("after the backoff: got %d quote requests, want 2", got)
			}
		})
	}
}

func TestQuoteFailures(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		file        string
		wantReason  string
		wantBackoff bool
	}{
		{"malformed json", 200, "v7-quote-truncated.json", upstream.ReasonParse, false},
		{"text body on 200", 200, "http-429-too-many-requests.txt", upstream.ReasonParse, false},
		{"server error", 502, "http-429-edge.txt", upstream.ReasonServerError, true},
		{"forbidden", 403, "http-429-edge.txt", upstream.ReasonForbidden, true},
		{"error object", 200, "v8-chart-404-not-found.json", upstream.ReasonParse, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeYahoo(t)
			f.onQuote = serveFile(t, tt.status, tt.file)
			cfg := testConfig(t, f, []string{"MP"}, "")
			b := newTestBackend(t, cfg, newClock(t0), nil)
			_, err := b.Quotes(testCtx(t), []string{"MP"})
			if got := reasonOf(err); got != tt.wantReason {
				t.Errorf("got reason %q (%v), want %q", got, err, tt.wantReason)
			}
			if wait, _ := b.Backoff(SourceYahoo); (wait > 0) != tt.wantBackoff {
				t.Errorf("got backoff %s, want backoff %v", wait, tt.wantBackoff)
			}
		})
	}
}

func TestEmptyResultIsNoQuoteNotAnError(t *testing.T) {
	f := newFakeYahoo(t)
	f.onQuote = serveFile(t, 200, "v7-quote-empty-result.json")
	cfg := testConfig(t, f, []string{"ZZZZ"}, "")
	b := newTestBackend(t, cfg, newClock(t0), nil)
	got, err := b.Quotes(testCtx(t), []string{"ZZZZ"})
	if err != nil || len(got) != 0 {
		t.Errorf("got %v, %v; want no quotes and no error", got, err)
	}
}

func TestSlowServerTimesOut(t *testing.T) {
	f := newFakeYahoo(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f.onQuote = func(_ http.ResponseWriter, r *http.Request) bool {
		select { // hang until the client gives up
		case <-r.Context().Done():
		case <-release:
		}
		return true
	}
	cfg := testConfig(t, f, []string{"MP"}, "")
	cfg.Quotes.Yahoo.RequestTimeout = config.Duration(300 * time.Millisecond)
	b := newTestBackend(t, cfg, newClock(t0), nil)
	_, err := b.Quotes(testCtx(t), []string{"MP"})
	if got := reasonOf(err); got != upstream.ReasonTimeout {
		t.Fatalf("got reason %q (%v), want %q", got, err, upstream.ReasonTimeout)
	}
	if strings.Contains(err.Error(), "fakeCrumb") {
		t.Errorf("error %q carries the crumb; want the URL's query stripped", err)
	}
	if wait, _ := b.Backoff(SourceYahoo); wait == 0 {
		t.Errorf("got no backoff after a timeout, want one")
	}
}

func TestConcurrentCallersShareOneCrumb(t *testing.T) {
	f := newFakeYahoo(t)
	f.set("MP", fakeQuote{price: 58.41, prev: 56.9, at: t0})
	entered := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	f.onCrumb = func(http.ResponseWriter, *http.Request) bool {
		once.Do(func() { close(entered) })
		<-release
		return false
	}
	cfg := testConfig(t, f, []string{"MP"}, "")
	b := newTestBackend(t, cfg, newClock(t0), nil)
	ctx := testCtx(t)

	const callers = 8
	errs := make(chan error, callers)
	for range callers {
		go func() {
			_, err := b.Quotes(ctx, []string{"MP"})
			errs <- err
		}()
	}
	<-entered
	close(release)
	for range callers {
		if err := <-errs; err != nil {
			t.Errorf("got error %v, want none", err)
		}
	}
	if got := f.count("crumb"); got != 1 {
		t.Errorf("crumb requests: got %d, want 1 shared by %d callers", got, callers)
	}
}

func TestGzippedCrumbIsDecoded(t *testing.T) {
	f := newFakeYahoo(t)
	f.set("MP", fakeQuote{price: 58.41, prev: 56.9, at: t0})
	f.onCrumb = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			return false
		}
		f.mu.Lock()
		f.crumbN++
		f.valid = "gzipCrumb42"
		f.mu.Unlock()
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte("gzipCrumb42"))
		zw.Close()
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(buf.Bytes())
		return true
	}
	cfg := testConfig(t, f, []string{"MP"}, "")
	b := newTestBackend(t, cfg, newClock(t0), nil)
	if _, err := b.Quotes(testCtx(t), []string{"MP"}); err != nil {
		t.Fatalf("got %v, want the gzipped crumb decoded and accepted", err)
	}
}

func TestBodySizeLimit(t *testing.T) {
	f := newFakeYahoo(t)
	f.onQuote = func(w http.ResponseWriter, _ *http.Request) bool {
		w.Write(bytes.Repeat([]byte(" "), 4096))
		return true
	}
	cfg := testConfig(t, f, []string{"MP"}, "max_body_size: 1KiB\n")
	b := newTestBackend(t, cfg, newClock(t0), nil)
	_, err := b.Quotes(testCtx(t), []string{"MP"})
	if got := reasonOf(err); got != upstream.ReasonTooLarge {
		t.Errorf("got reason %q (%v), want %q", got, err, upstream.ReasonTooLarge)
	}
}

func TestSaneCrumb(t *testing.T) {
	for in, want := range map[string]bool{
		"haT3oykhHqZ": true, "Dl7YDo3/HJG": true, "x.5AqHIuA9v": true,
		"Too Many Requests": false, "Edge: Too Many Requests": false, "<html>": false, "": false,
		"abc": false, strings.Repeat("a", 65): false,
	} {
		if got := saneCrumb(in); got != want {
			t.Errorf("saneCrumb(%q): got %v, want %v", in, got, want)
		}
	}
}

func TestCrumbFetchSharedFailures(t *testing.T) {
	t.Run("leader canceled, waiter carries on", func(t *testing.T) {
		f := newFakeYahoo(t)
		f.set("MP", fakeQuote{price: 58.41, prev: 56.9, at: t0})
		entered := make(chan struct{})
		var calls int
		var mu sync.Mutex
		f.onCrumb = func(_ http.ResponseWriter, r *http.Request) bool {
			mu.Lock()
			calls++
			first := calls == 1
			mu.Unlock()
			if !first {
				return false
			}
			close(entered)
			<-r.Context().Done()
			return true
		}
		cfg := testConfig(t, f, []string{"MP"}, "")
		b := newTestBackend(t, cfg, newClock(t0), nil)
		leaderCtx, cancel := context.WithCancel(testCtx(t))
		leaderErr := make(chan error, 1)
		go func() {
			_, err := b.Quotes(leaderCtx, []string{"MP"})
			leaderErr <- err
		}()
		<-entered
		waiterErr := make(chan error, 1)
		go func() {
			_, err := b.Quotes(testCtx(t), []string{"MP"})
			waiterErr <- err
		}()
		cancel()
		if err := <-leaderErr; reasonOf(err) != upstream.ReasonCanceled {
			t.Errorf("leader: got %v, want canceled", err)
		}
		if err := <-waiterErr; err != nil {
			t.Errorf("waiter: got %v, want its own crumb fetch to succeed", err)
		}
		if wait, _ := b.Backoff(SourceYahoo); wait != 0 {
			t.Errorf("got backoff %s after a cancellation, want none", wait)
		}
	})

	t.Run("timeout is shared, not retried by every waiter", func(t *testing.T) {
		f := newFakeYahoo(t)
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		f.onCrumb = func(_ http.ResponseWriter, r *http.Request) bool {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return true
		}
		cfg := testConfig(t, f, []string{"MP"}, "")
		cfg.Quotes.Yahoo.RequestTimeout = config.Duration(300 * time.Millisecond)
		b := newTestBackend(t, cfg, newClock(t0), nil)
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				_, err := b.Quotes(testCtx(t), []string{"MP"})
				errs <- err
			}()
		}
		for range 4 {
			if err := <-errs; reasonOf(err) != upstream.ReasonTimeout {
				t.Errorf("got %v, want a timeout", err)
			}
		}
		if got := f.count("crumb"); got > 4 {
			t.Errorf("got %d crumb requests, want at most one per caller", got)
		}
	})
}
