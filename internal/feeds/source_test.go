package feeds

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
)

const deskFeed = `
feeds:
  - name: desk
    url: "{{srv}}/desk.xml"
`

func TestFirstPollOnlyPrimes(t *testing.T) {
	h := newHarness(t)
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"},
		[3]string{"a2", "Dysprosium contract signed with automaker", "Wed, 26 Aug 2026 11:00:00 GMT"},
	)})
	src := h.source(h.service(h.config(deskFeed)), "desk")

	if got := h.poll(src); len(got) != 0 {
		t.Fatalf("first poll reported %v; want nothing (priming)", titles(got))
	}
	if n := h.logs.FilterMessage("Primed feed").Len(); n != 1 {
		t.Errorf("got %d \"Primed feed\" logs, want 1", n)
	}

	h.clock.Advance(5 * time.Minute)
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"a3", "Rare earth export controls tightened again", "Wed, 26 Aug 2026 15:02:00 GMT"},
		[3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"},
		[3]string{"a2", "Dysprosium contract signed with automaker", "Wed, 26 Aug 2026 11:00:00 GMT"},
	)})
	got := h.poll(src)
	if diff := cmp.Diff([]string{"Rare earth export controls tightened again"}, titles(got)); diff != "" {
		t.Fatalf("second poll (-want +got):\n%s", diff)
	}
	s := got[0]
	if !s.Matched() || s.Match.Groups[0].Name != "rare_earth" {
		t.Errorf("story match = %+v, want rare_earth", s.Match)
	}
	if want := []SourceRef{{Feed: "desk", ID: "a3", Link: "https://desk.example.com/a3?utm_source=rss", Seen: h.clock.Now(), First: true}}; !cmp.Equal(want, s.Sources) {
		t.Errorf("sources: %s", cmp.Diff(want, s.Sources))
	}
	if !s.FirstSeen.Equal(h.clock.Now()) || !s.Published.Equal(utc("2026-08-26T15:02:00Z")) || s.PublishedEstimated {
		t.Errorf("times: first seen %v, published %v (estimated %v)", s.FirstSeen, s.Published, s.PublishedEstimated)
	}
}

func TestSkipPrimingForOnce(t *testing.T) {
	h := newHarness(t)
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"},
		[3]string{"old", "Rare earth embargo of 2010 revisited", "Mon, 12 Jul 2010 09:00:00 GMT"},
	)})
	svc := h.service(h.config(deskFeed), func(o *Options) { o.SkipPriming = true })
	got := h.poll(h.source(svc, "desk"))
	if diff := cmp.Diff([]string{"Neodymium output rises at Texas plant"}, titles(got)); diff != "" {
		t.Errorf("stories (-want +got):\n%s", diff)
	}
}

func TestRestartDoesNotReReport(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(deskFeed)
	first := rssBody([3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"})
	h.server.set("/desk.xml", reply{body: first})
	h.poll(h.source(h.service(cfg), "desk"))
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"a2", "Dysprosium contract signed with automaker", "Wed, 26 Aug 2026 14:00:00 GMT"},
		[3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"},
	)})
	if got := titles(h.poll(h.source(h.service(cfg), "desk"))); len(got) != 1 {
		t.Fatalf("before restart: got %v, want the dysprosium story", got)
	}

	h.restart()
	h.clock.Advance(time.Hour)
	// The same items again, reordered so the body hash differs, plus one new.
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"},
		[3]string{"a2", "Dysprosium contract signed with automaker", "Wed, 26 Aug 2026 14:00:00 GMT"},
		[3]string{"a4", "Terbium prices ease", "Wed, 26 Aug 2026 15:30:00 GMT"},
	)})
	svc := h.service(cfg) // a new service on the reopened store, as after a restart
	if diff := cmp.Diff([]string{"Terbium prices ease"}, titles(h.poll(h.source(svc, "desk")))); diff != "" {
		t.Errorf("after restart (-want +got):\n%s", diff)
	}
	if n := h.logs.FilterMessage("Primed feed").Len(); n != 1 {
		t.Errorf("primed %d times, want once (the primed flag survives restarts)", n)
	}
}

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
	var fe *Error
	if !errors.As(err, &fe) || fe.Reason != ReasonHTTP429 || fe.RetryAfter != 300*time.Second {
		t.Fatalf("got %v, want http_429 with Retry-After 300s", err)
	}
	if !strings.Contains(err.Error(), "Too Many Requests") {
		t.Errorf("error %q does not quote the server", err)
	}
	// Retry-After (5m) is longer than the first backoff step (1m): it wins.
	if got, want := h.feedState("desk").BackoffUntil, testStart.Add(300*time.Second); !got.Equal(want) {
		t.Errorf("backoff until %v, want %v", got, want)
	}

	h.clock.Advance(4 * time.Minute)
	if stories, err := src.Poll(context.Background()); err != nil || len(stories) != 0 {
		t.Fatalf("poll during backoff: %v, %v", stories, err)
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
	h.server.set("/desk.xml", reply{status: http.StatusBadGateway, body: []byte("<html><body>Bad gateway</body></html>")})
	src := h.source(h.service(h.config(deskFeed)), "desk")
	for i, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
		start := h.clock.Now()
		_, err := src.Poll(context.Background())
		if ReasonOf(err) != ReasonHTTP5xx {
			t.Fatalf("poll %d: got %v, want http_5xx", i, err)
		}
		fs := h.feedState("desk")
		if got := fs.BackoffUntil.Sub(start); got != want { // jitter 0.5 is the midpoint
			t.Errorf("poll %d: backoff %v, want %v", i, got, want)
		}
		if fs.Failures != i+1 {
			t.Errorf("poll %d: failures %d", i, fs.Failures)
		}
		h.clock.Advance(want)
	}
	assertGauge(t, h.metrics.failures.WithLabelValues("desk"), 3)
	assertCounter(t, h.metrics.fetchErrors.WithLabelValues("desk", ReasonHTTP5xx), 3)
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
	if ReasonOf(err) != ReasonHTTP4xx {
		t.Fatalf("got %v, want http_4xx", err)
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
	if ReasonOf(err) != ReasonTimeout {
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
	if ReasonOf(err) != ReasonCanceled {
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
		if ReasonOf(err) != ReasonTooLarge || !errors.Is(err, ErrTooLarge) {
			t.Errorf("chunked=%v: got %v, want too_large", chunked, err)
		}
	}
}

func TestBrokenSourceLeavesOthersRunning(t *testing.T) {
	h := newHarness(t)
	h.server.set("/html", reply{body: readTestdata(t, "odd/html-page.html"), header: map[string]string{"Content-Type": "text/html"}})
	h.server.set("/desk.xml", reply{body: rssBody([3]string{"a1", "Neodymium output rises", "Wed, 26 Aug 2026 10:00:00 GMT"})})
	cfg := h.config(`
feeds:
  - name: broken
    url: "{{srv}}/html"
  - name: desk
    url: "{{srv}}/desk.xml"
`)
	svc := h.service(cfg, func(o *Options) { o.SkipPriming = true })
	_, err := h.source(svc, "broken").Poll(context.Background())
	if ReasonOf(err) != ReasonNotFeed || !errors.Is(err, ErrNotFeed) {
		t.Fatalf("got %v, want not_feed", err)
	}
	if got := h.poll(h.source(svc, "desk")); len(got) != 1 {
		t.Errorf("healthy source: got %v", titles(got))
	}
	// A broken body is not remembered as "unchanged": the next poll parses
	// it again and fails again.
	_, err = h.source(svc, "broken").Poll(context.Background())
	if ReasonOf(err) != ReasonNotFeed {
		t.Errorf("second poll: got %v, want not_feed again", err)
	}
	assertCounter(t, h.metrics.fetchErrors.WithLabelValues("broken", ReasonNotFeed), 2)
}

func TestTooOldAndEstimatedDates(t *testing.T) {
	h := newHarness(t)
	h.server.set("/desk.xml", reply{body: rssBody([3]string{"a0", "Primer story about cerium supply", "Wed, 26 Aug 2026 09:00:00 GMT"})})
	src := h.source(h.service(h.config(deskFeed)), "desk")
	h.poll(src)
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"old", "Rare earth embargo of 2010 revisited", "Mon, 12 Jul 2010 09:00:00 GMT"},
		[3]string{"nodate", "Neodymium magnet plant breaks ground", ""},
		[3]string{"future", "Lanthanide recycling breakthrough announced", "Tue, 15 Sep 2026 09:00:00 GMT"},
	)})
	got := h.poll(src)
	if diff := cmp.Diff([]string{"Neodymium magnet plant breaks ground", "Lanthanide recycling breakthrough announced"}, titles(got)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	for _, s := range got {
		if !s.PublishedEstimated || !s.Published.Equal(h.clock.Now()) {
			t.Errorf("%q: published %v (estimated %v), want first-seen time", s.Title, s.Published, s.PublishedEstimated)
		}
	}
	assertCounter(t, h.metrics.skipped.WithLabelValues("desk", skipTooOld), 1)
}

func TestPerTickerURLs(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(`
feeds:
  - name: by-symbol
    url: "{{srv}}/news?s={{.Symbol}}&n={{.Name}}"
    per_ticker: true
  - name: some
    url: "{{srv}}/news?s={{.Symbol}}"
    per_ticker: true
    tickers: [TMQ]
  - name: by-cik
    type: edgar
    url: "{{srv}}/cgi-bin/browse-edgar?CIK={{.CIK}}"
    per_ticker: true
`)
	svc := h.service(cfg)
	var got []string
	for _, src := range svc.Sources() {
		for _, tg := range src.targets {
			got = append(got, src.Name()+" "+strings.TrimPrefix(tg.url, h.server.srv.URL)+" "+tg.symbol)
		}
	}
	want := []string{
		"by-symbol /news?s=MP&n=MP+Materials MP",
		"by-symbol /news?s=TMQ&n=Trilogy+Metals TMQ",
		"by-symbol /news?s=UURAF&n=Ucore+Rare+Metals UURAF",
		"by-symbol /news?s=LYSCF&n=Lynas+Rare+Earths LYSCF",
		"some /news?s=TMQ TMQ",
		// Tickers without a CIK are skipped by a CIK template.
		"by-cik /cgi-bin/browse-edgar?CIK=0001801368 MP",
		"by-cik /cgi-bin/browse-edgar?CIK=0001543418 TMQ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
}

func TestPerTickerFailureStopsOnlyOnRetryable(t *testing.T) {
	h := newHarness(t)
	body := rssBody([3]string{"a1", "Neodymium output rises", "Wed, 26 Aug 2026 10:00:00 GMT"})
	h.server.set("/news?s=MP", reply{status: http.StatusNotFound})
	h.server.set("/news?s=TMQ", reply{body: body})
	h.server.set("/news?s=UURAF", reply{status: http.StatusServiceUnavailable})
	h.server.set("/news?s=LYSCF", reply{body: body})
	cfg := h.config(`
feeds:
  - name: per
    url: "{{srv}}/news?s={{.Symbol}}"
    per_ticker: true
`)
	_, err := h.source(h.service(cfg), "per").Poll(context.Background())
	if err == nil {
		t.Fatal("want an error")
	}
	var uris []string
	for _, r := range h.server.recorded() {
		uris = append(uris, r.uri)
	}
	// 404 on MP does not stop TMQ; 503 on UURAF stops the feed before LYSCF.
	if diff := cmp.Diff([]string{"/news?s=MP", "/news?s=TMQ", "/news?s=UURAF"}, uris); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if h.feedState("per").BackoffUntil.IsZero() {
		t.Error("no backoff after a 503")
	}
}
