package feeds

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/monitord/monitord/internal/upstream"
	"github.com/prometheus/client_golang/prometheus"
)

func TestConditionalGet(t *testing.T) {
	h := newHarness(t)
	body := rssBody([3]string{"a1", "Neodymium output rises", "Wed, 26 Aug 2026 10:00:00 GMT"})
	h.server.set("/desk.xml", reply{body: body, header: map[string]string{
		"ETag": `"v1"`, "Last-Modified": "Wed, 26 Aug 2026 10:00:00 GMT"}})
	src := h.source(h.service(h.config(deskFeed)), "desk")
	h.poll(src)
	h.poll(src)

	reqs := h.server.recorded()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	if got := reqs[0].header.Get("If-None-Match") + reqs[0].header.Get("If-Modified-Since"); got != "" {
		t.Errorf("first request sent validators %q", got)
	}
	if got := reqs[1].header.Get("If-None-Match"); got != `"v1"` {
		t.Errorf("If-None-Match = %q, want \"v1\"", got)
	}
	if got := reqs[1].header.Get("If-Modified-Since"); got != "Wed, 26 Aug 2026 10:00:00 GMT" {
		t.Errorf("If-Modified-Since = %q", got)
	}
	assertCounter(t, h.metrics.fetches.WithLabelValues("desk", resultNotModified), 1)
	assertCounter(t, h.metrics.responses.WithLabelValues("desk", "304"), 1)
	assertCounter(t, h.metrics.fetches.WithLabelValues("desk", resultOK), 1)
}

func TestUnchangedBodyWithoutValidators(t *testing.T) {
	h := newHarness(t)
	h.server.set("/desk.xml", reply{body: rssBody([3]string{"a1", "Neodymium output rises", "Wed, 26 Aug 2026 10:00:00 GMT"})})
	src := h.source(h.service(h.config(deskFeed)), "desk")
	h.poll(src)
	h.poll(src)
	reqs := h.server.recorded()
	if got := reqs[1].header.Get("If-None-Match") + reqs[1].header.Get("If-Modified-Since"); got != "" {
		t.Errorf("sent validators %q the server never offered", got)
	}
	assertCounter(t, h.metrics.fetches.WithLabelValues("desk", resultUnchanged), 1)
	assertCounter(t, h.metrics.items.WithLabelValues("desk"), 1) // parsed once only
}

func TestGzipIsTransparent(t *testing.T) {
	h := newHarness(t)
	h.server.set("/desk.xml", reply{gzip: true, body: rssBody([3]string{"a1", "Neodymium output rises", "Wed, 26 Aug 2026 10:00:00 GMT"})})
	svc := h.service(h.config(deskFeed), func(o *Options) { o.SkipPriming = true })
	if got := h.poll(h.source(svc, "desk")); len(got) != 1 {
		t.Fatalf("got %v", titles(got))
	}
	if got := h.server.recorded()[0].header.Get("Accept-Encoding"); got != "gzip" {
		t.Errorf("Accept-Encoding = %q, want the transport's own gzip", got)
	}
}

func TestRetryAfterBackoff(t *testing.T) {
	h := newHarness(t)
	h.server.set("/desk.xml", reply{status: http.StatusTooManyRequests, body: []byte("Too Many Requests\r\n"),
		header: map[string]string{"Retry-After": "300"}})
	src := h.source(h.service(h.config(deskFeed)), "desk")

	_, err := src.Poll(context.Background())
	var fe *upstream.Error
	if !errors.As(err, &fe) || fe.Reason != upstream.ReasonRateLimited || fe.RetryAfter != 300*time.Second {
		t.Fatalf("got %v, want rate_limited with Retry-After 300s", err)
	}
	if !strings.Contains(err.Error(), "Too Many Requests") {
		t.Errorf("error %q does not quote the server", err)
	}
	// Retry-After (5m) is longer than the first backoff step (1m): it wins.
	if got, want := h.feedState("desk").BackoffUntil, testStart.Add(300*time.Second); !got.Equal(want) {
		t.Errorf("backoff until %v, want %v", got, want)
	}

	h.clock.Advance(4 * time.Minute)
	if stories, err := src.Poll(context.Background()); !errors.Is(err, ErrSkipped) || len(stories) != 0 {
		t.Fatalf("poll during backoff: got %v, %v; want no stories and ErrSkipped", stories, err)
	}
	if n := len(h.server.recorded()); n != 1 {
		t.Errorf("%d requests during backoff, want none after the first", n)
	}
	assertCounter(t, h.metrics.pollSkips.WithLabelValues("desk", skipBackoff), 1)

	h.clock.Advance(2 * time.Minute)
	h.server.set("/desk.xml", reply{body: rssBody([3]string{"a1", "Neodymium output rises", "Wed, 26 Aug 2026 10:00:00 GMT"})})
	h.poll(src)
	fs := h.feedState("desk")
	if !fs.BackoffUntil.IsZero() || fs.Failures != 0 || !fs.LastSuccess.Equal(h.clock.Now()) {
		t.Errorf("after recovery: %+v", fs)
	}
	assertGauge(t, h.metrics.failures.WithLabelValues("desk"), 0)
	if h.logs.FilterMessage("Feed recovered").Len() != 1 {
		t.Errorf("recovery not logged")
	}
}

func TestServerErrorBackoffGrows(t *testing.T) {
	h := newHarness(t)
	h.server.set("/desk.xml", reply{status: http.StatusInternalServerError, body: []byte("<html><body>Internal error</body></html>")})
	src := h.source(h.service(h.config(deskFeed)), "desk")
	// Steps of 1m, 2m and 4m; jitter 0.5 waits three quarters of each
	// (upstream.Policy: half fixed, half random).
	for i, want := range []time.Duration{45 * time.Second, 90 * time.Second, 3 * time.Minute} {
		start := h.clock.Now()
		_, err := src.Poll(context.Background())
		if ReasonOf(err) != upstream.ReasonServerError {
			t.Fatalf("poll %d: got %v, want server_error", i, err)
		}
		fs := h.feedState("desk")
		if got := fs.BackoffUntil.Sub(start); got != want {
			t.Errorf("poll %d: backoff %v, want %v", i, got, want)
		}
		if fs.Failures != i+1 {
			t.Errorf("poll %d: failures %d", i, fs.Failures)
		}
		h.clock.Advance(want)
	}
	assertGauge(t, h.metrics.failures.WithLabelValues("desk"), 3)
	assertCounter(t, h.metrics.fetchErrors.WithLabelValues("desk", upstream.ReasonServerError), 3)
	assertCounter(t, h.metrics.responses.WithLabelValues("desk", "5xx"), 3)
	if n := h.logs.FilterMessage("Feed fetch failed").Len(); n != 1 {
		t.Errorf("warned %d times, want once (only when the reason changes)", n)
	}

	// After a restart (fresh metrics), the gauge comes back from the store.
	h.restart()
	h.metrics = NewMetrics(prometheus.NewRegistry())
	h.service(h.config(deskFeed))
	assertGauge(t, h.metrics.failures.WithLabelValues("desk"), 3)
}

func TestPermanentErrorsDoNotBackOff(t *testing.T) {
	h := newHarness(t)
	h.server.set("/desk.xml", reply{status: http.StatusForbidden, body: []byte("Forbidden")})
	src := h.source(h.service(h.config(deskFeed)), "desk")
	_, err := src.Poll(context.Background())
	if ReasonOf(err) != upstream.ReasonForbidden {
		t.Fatalf("got %v, want forbidden", err)
	}
	if fs := h.feedState("desk"); !fs.BackoffUntil.IsZero() || fs.Failures != 1 {
		t.Errorf("state %+v: a 403 counts as a failure but does not back off", fs)
	}
	assertCounter(t, h.metrics.responses.WithLabelValues("desk", "403"), 1)
}

func TestTimeout(t *testing.T) {
	h := newHarness(t)
	h.server.set("/slow.xml", reply{block: true})
	cfg := h.config(`
feeds:
  - name: slow
    url: "{{srv}}/slow.xml"
    timeout: 50ms
`)
	_, err := h.source(h.service(cfg), "slow").Poll(context.Background())
	if ReasonOf(err) != upstream.ReasonTimeout {
		t.Fatalf("got %v, want timeout", err)
	}
}

func TestCancelledPollIsNotAFailure(t *testing.T) {
	h := newHarness(t)
	h.server.set("/desk.xml", reply{block: true})
	src := h.source(h.service(h.config(deskFeed)), "desk")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { // ends when the request reaches the server
		for len(h.server.recorded()) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := src.Poll(ctx)
	if ReasonOf(err) != upstream.ReasonCanceled {
		t.Fatalf("got %v, want canceled", err)
	}
	if fs := h.feedState("desk"); fs.Failures != 0 {
		t.Errorf("a cancelled poll counted as failure %d", fs.Failures)
	}
}

func TestTooLarge(t *testing.T) {
	big := rssBody([3]string{"a1", strings.Repeat("Neodymium ", 300), "Wed, 26 Aug 2026 10:00:00 GMT"})
	for _, chunked := range []bool{false, true} {
		h := newHarness(t)
		h.server.set("/big.xml", reply{body: big, chunked: chunked})
		cfg := h.config(`
feeds:
  - name: big
    url: "{{srv}}/big.xml"
    max_body_size: 1KiB
`)
		_, err := h.source(h.service(cfg), "big").Poll(context.Background())
		if ReasonOf(err) != upstream.ReasonTooLarge || !errors.Is(err, upstream.ErrTooLarge) {
			t.Errorf("chunked=%v: got %v, want too_large", chunked, err)
		}
	}
}

// TestThrottledHostPausesItsOtherFeeds: a 429 on one URL of a per-ticker
// feed pauses that host for the feed's backoff: the feed's remaining URLs
// and another feed on the host are not asked (their polls are skipped, not
// failed), while a feed on an unrelated host polls as usual.
func TestThrottledHostPausesItsOtherFeeds(t *testing.T) {
	h := newHarness(t)
	other := newFakeServer(t, h.clock)
	other.set("/elsewhere.xml", reply{body: emptyRSS})
	h.server.set("/t/MP", reply{status: http.StatusTooManyRequests, body: []byte("Too Many Requests")})
	h.server.set("/t/TMQ", reply{body: emptyRSS})
	h.server.set("/desk.xml", reply{body: emptyRSS})
	svc := h.service(h.config(`
feeds:
  - name: per-ticker
    url: "{{srv}}/t/{{.Symbol}}"
    per_ticker: true
  - name: desk
    url: "{{srv}}/desk.xml"
  - name: elsewhere
    url: "` + other.srv.URL + `/elsewhere.xml"
`))
	_, err := h.source(svc, "per-ticker").Poll(context.Background())
	if ReasonOf(err) != upstream.ReasonRateLimited {
		t.Fatalf("per-ticker: got %v, want rate_limited", err)
	}
	if n := len(h.server.recorded()); n != 1 {
		t.Fatalf("%d requests, want the 429 alone: the feed's other URLs wait", n)
	}
	if _, err := h.source(svc, "desk").Poll(context.Background()); !errors.Is(err, ErrSkipped) {
		t.Fatalf("desk on the paused host: got %v, want ErrSkipped", err)
	}
	assertCounter(t, h.metrics.pollSkips.WithLabelValues("desk", skipHostBackoff), 1)
	if fs := h.feedState("desk"); fs.Failures != 0 || !fs.BackoffUntil.IsZero() {
		t.Errorf("desk state %+v: a paused host is no failure of the feed", fs)
	}
	if n := len(h.server.recorded()); n != 1 {
		t.Errorf("%d requests to the paused host, want 1", n)
	}
	h.poll(h.source(svc, "elsewhere"))
	if n := len(other.recorded()); n != 1 {
		t.Errorf("the unrelated host got %d requests, want 1", n)
	}

	// Once the backoff has passed, the host is asked again.
	h.clock.Advance(time.Hour)
	h.poll(h.source(svc, "desk"))
	if n := len(h.server.recorded()); n != 2 {
		t.Errorf("%d requests after the pause, want 2", n)
	}
}

// TestFreshAnswersAreNotAskedAgain: an answer fresh for ten minutes by its
// Cache-Control (Yahoo's search sends max-age=600) is not asked again
// before then, whatever the schedule; afterwards it is.
func TestFreshAnswersAreNotAskedAgain(t *testing.T) {
	h := newHarness(t)
	h.server.set("/desk.xml", reply{body: emptyRSS, header: map[string]string{"Cache-Control": "public, max-age=600"}})
	src := h.source(h.service(h.config(deskFeed)), "desk")
	h.poll(src)
	for range 4 {
		h.clock.Advance(2 * time.Minute)
		h.poll(src)
	}
	if n := len(h.server.recorded()); n != 1 {
		t.Errorf("%d requests in 8 minutes of a 10-minute-fresh answer, want 1", n)
	}
	assertCounter(t, h.metrics.fetches.WithLabelValues("desk", resultFresh), 4)
	h.clock.Advance(2 * time.Minute)
	h.poll(src)
	if n := len(h.server.recorded()); n != 2 {
		t.Errorf("%d requests once the answer went stale, want 2", n)
	}
}
