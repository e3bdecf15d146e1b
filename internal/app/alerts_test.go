package app

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/monitord/monitord/internal/clocktest"
)

// webhookSink records the bodies a webhook receiver posts.
type webhookSink struct {
	mu     sync.Mutex
	bodies []map[string]any
	ids    []string
}

func (s *webhookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.bodies = append(s.bodies, v)
	s.ids = append(s.ids, r.Header.Get("webhook-id"))
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *webhookSink) titles() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, b := range s.bodies {
		if d, ok := b["data"].(map[string]any); ok {
			out = append(out, d["rule"].(string)+": "+d["title"].(string))
		}
	}
	return out
}

// TestAlertsEndToEnd runs the daemon pinned at each of clocktest.Instants:
// a price move and a fresh story must alert once each, whatever the day
// and hour, and the story must reach the events API.
func TestAlertsEndToEnd(t *testing.T) {
	for _, in := range clocktest.Instants(t, time.Now()) {
		t.Run(in.Name, func(t *testing.T) { testAlertsEndToEnd(t, clocktest.Clock(in.At)) })
	}
}

func testAlertsEndToEnd(t *testing.T, now func() time.Time) {
	sink := &webhookSink{}
	hook := httptest.NewServer(sink)
	defer hook.Close()
	primed := strings.Replace(wireRSS(now()), "MP Materials expands", "Old news: MP Materials expands", 1)
	cfg := goodConfig + `
keywords:
  rare_earth:
    any: ["rare earth", "NdPr", "magnet"]
feeds:
  - name: wire
    url: UPSTREAM/feeds/wire
    schedule: "@every 1s"
rules:
  - name: big-move
    type: price
    change_pct: 2
    receivers: [archive]
  - name: rare-earth-news
    type: news
    keywords: [rare_earth]
    receivers: [archive]
receivers:
  - name: archive
    webhook:
      url: ` + hook.URL + `
`
	h := newHarnessAt(t, cfg, now, nil)
	h.up.SetFeed("wire", "application/rss+xml", primed, 200)
	h.waitReady()
	// The first poll of the feed only primes the seen-set; a story that
	// appears afterwards is news.
	waitUntil(t, "the feed to be primed", func() bool { return h.up.Requests["feed"].Load() >= 1 })
	time.Sleep(100 * time.Millisecond)
	fresh := strings.NewReplacer("wire-0001", "wire-0003", "news/mp-magnets", "news/mp-magnets-2").Replace(wireRSS(now()))
	h.up.SetFeed("wire", "application/rss+xml", fresh, 200)

	defer func() {
		if t.Failed() {
			t.Logf("alerts received: %q", sink.titles())
		}
	}()
	waitUntil(t, "both alerts", func() bool {
		var price, news bool
		for _, ti := range sink.titles() {
			price = price || strings.HasPrefix(ti, "big-move: MP")
			news = news || strings.Contains(ti, "rare-earth-news: ") && strings.Contains(ti, "MP Materials expands NdPr magnet output")
		}
		return price && news
	})
	// The matched story is served by the events API with its impact window
	// (opened right after the rules saw the story).
	waitUntil(t, "the story in the events API", func() bool {
		code, body := h.get("/api/v1/events?ticker=MP")
		return code == http.StatusOK && strings.Contains(body, "MP Materials expands NdPr magnet output")
	})
	// Each source's first sighting of the story is listed with it.
	if _, body := h.get("/api/v1/events?ticker=MP"); !strings.Contains(body, `"sightings":[{"source":"wire","first_seen":`) {
		t.Errorf("the event lists no sighting by the wire feed:\n%s", body)
	}
	if code, _ := h.get("/api/v1/events?limit=0"); code != http.StatusBadRequest {
		t.Errorf("GET /api/v1/events?limit=0: got %d, want 400", code)
	}
	for _, ti := range sink.titles() {
		if strings.Contains(ti, "Old news") || strings.Contains(ti, "park budget") {
			t.Errorf("alerted on %q: primed or unmatched stories must not alert", ti)
		}
	}
	// The daemon keeps no story in memory after handing it on: only
	// `monitord once` collects them, to print.
	h.app.reloadMu.Lock()
	news := h.app.gen.news
	h.app.reloadMu.Unlock()
	news.mu.Lock()
	if n := len(news.seen); n != 0 {
		t.Errorf("the daemon keeps %d stories in memory, want none", n)
	}
	news.mu.Unlock()
	sink.mu.Lock()
	defer sink.mu.Unlock()
	seen := map[string]bool{}
	for _, id := range sink.ids {
		if id == "" || seen[id] {
			t.Errorf("webhook-id %q empty or repeated in %v", id, sink.ids)
		}
		seen[id] = true
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStatusPageShowsTheDaemon reads the status page of a daemon pinned at
// each of clocktest.Instants.
func TestStatusPageShowsTheDaemon(t *testing.T) {
	for _, in := range clocktest.Instants(t, time.Now()) {
		t.Run(in.Name, func(t *testing.T) { testStatusPage(t, in) })
	}
}

func testStatusPage(t *testing.T, in clocktest.Instant) {
	now := clocktest.Clock(in.At)
	h := newHarnessAt(t, goodConfig+`
feeds:
  - name: broken
    url: UPSTREAM/feeds/broken
`, now, nil)
	h.up.SetFeed("broken", "text/html", "<html>down</html>", 503)
	h.waitReady()
	waitUntil(t, "the first polls", func() bool {
		_, body := h.get("/")
		return strings.Contains(body, "58.41") && strings.Contains(body, "HTTP 5xx server error")
	})
	code, body := h.get("/")
	if code != http.StatusOK {
		t.Fatalf("GET /: %d", code)
	}
	for _, want := range []string{"MP", "2.65%", "broken", "yahoo", `href="/metrics"`, `href="/api/v1/events"`} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	// The daemon's clock decides whether the page says the market is
	// closed, and when it opens.
	closed := strings.Contains(body, "The market is closed")
	if want := in.Name != "mid-session"; closed != want && in.Name != "next-year" {
		t.Errorf("at %s: the page says the market is closed: %v, want %v", in.Name, closed, want)
	}
}
