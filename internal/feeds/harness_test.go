package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/fakeclock"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/upstream"
)

// testStart is the injected "now" of every test: a day after most of the
// testdata's stories.
//
// The feed fixtures in testdata and the bodies the tests write carry dates
// a little before it. Every age, dedup window and retention the tests
// exercise is measured against this injected clock, never the wall clock,
// so the fixtures mean the same on any day the suite runs.
var testStart = utc("2026-08-26T15:00:00Z")

// fakeClock is the injected clock. Sleep advances it instead of waiting,
// so politeness and backoff run instantly and deterministically.
type fakeClock = fakeclock.Clock

func newFakeClock() *fakeClock { return fakeclock.New(testStart) }

// reply is what the fake server answers on one request URI.
type reply struct {
	status int
	body   []byte
	header map[string]string
	// gzip compresses the body when the client accepts it.
	gzip bool
	// chunked hides the length, so only the read limit can catch a large
	// body.
	chunked bool
	// block holds the response until the client gives up.
	block bool
}

type recorded struct {
	uri    string
	header http.Header
	at     time.Time
}

// fakeServer serves replies by request URI (path and query), honours
// If-None-Match and If-Modified-Since against the reply's own validators,
// and records every request with the fake time it arrived.
type fakeServer struct {
	clock *fakeClock
	srv   *httptest.Server

	mu       sync.Mutex
	routes   map[string]reply
	requests []recorded
}

func newFakeServer(t *testing.T, clock *fakeClock) *fakeServer {
	f := &fakeServer{clock: clock, routes: map[string]reply{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeServer) set(uri string, r reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.status == 0 {
		r.status = http.StatusOK
	}
	f.routes[uri] = r
}

func (f *fakeServer) recorded() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, recorded{uri: r.URL.RequestURI(), header: r.Header.Clone(), at: f.clock.Now()})
	rep, ok := f.routes[r.URL.RequestURI()]
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if rep.block {
		<-r.Context().Done()
		return
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	if et := rep.header["ETag"]; et != "" && r.Header.Get("If-None-Match") == et {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if lm := rep.header["Last-Modified"]; lm != "" && r.Header.Get("If-None-Match") == "" && r.Header.Get("If-Modified-Since") == lm {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := rep.body
	if rep.gzip && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(body)
		zw.Close()
		body = b.Bytes()
		w.Header().Set("Content-Encoding", "gzip")
	}
	if !rep.chunked {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	}
	w.WriteHeader(rep.status)
	if rep.chunked {
		half := len(body) / 2
		w.Write(body[:half])
		w.(http.Flusher).Flush()
		w.Write(body[half:])
		return
	}
	w.Write(body)
}

// rewriteTransport sends every request to the fake server whatever its
// host, so tests can use real hosts (www.sec.gov) that select politeness
// rules.
type rewriteTransport struct{ target *url.URL }

func (rt rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = rt.target.Scheme, rt.target.Host
	return http.DefaultTransport.RoundTrip(r)
}

// harness is a store, metrics, a fake clock and a fake server.
type harness struct {
	t       *testing.T
	dir     string
	clock   *fakeClock
	server  *fakeServer
	store   *store.Store
	reg     *prometheus.Registry
	metrics *Metrics
	hosts   *upstream.Hosts
	logs    *observer.ObservedLogs
	log     *zap.Logger
	client  *http.Client
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), clock: newFakeClock(), reg: prometheus.NewRegistry()}
	h.server = newFakeServer(t, h.clock)
	h.metrics = NewMetrics(h.reg)
	h.hosts = upstream.NewHosts(upstream.HostsOptions{Now: h.clock.Now, Sleep: h.clock.Sleep})
	core, logs := observer.New(zap.DebugLevel)
	h.log, h.logs = zap.New(core), logs
	h.openStore()
	return h
}

func (h *harness) openStore() {
	h.t.Helper()
	st, err := store.Open(h.dir, store.Options{}, zap.NewNop())
	if err != nil {
		h.t.Fatal(err)
	}
	h.store = st
	h.t.Cleanup(func() { st.Close() })
}

// restart closes and reopens the store, as a daemon restart does.
func (h *harness) restart() {
	h.t.Helper()
	if err := h.store.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.openStore()
}

const testConfigHead = `
global:
  user_agent: "monitord-test/1.0 (ops@example.com)"
tickers:
  - {symbol: MP, name: MP Materials, aliases: ["MP Materials"], cik: "0001801368"}
  - {symbol: TMQ, name: Trilogy Metals, aliases: ["Trilogy Metals"], cik: "0001543418"}
  - {symbol: UURAF, name: Ucore Rare Metals, aliases: ["Ucore"]}
  - {symbol: LYSCF, name: Lynas Rare Earths, aliases: ["Lynas"]}
keywords:
  rare_earth:
    any: ["rare earth", "rare earths", "NdPr", "neodymium", "magnet plant", "dysprosium"]
  critical_minerals:
    any: ["uranium", "graphite", "lithium"]
`

func loadConfig(text string) (*config.Config, error) { return config.Load([]byte(text), "") }

// config loads testConfigHead plus the given feeds section, with {{srv}}
// replaced by the fake server's URL.
func (h *harness) config(feeds string) *config.Config {
	h.t.Helper()
	text := testConfigHead + strings.ReplaceAll(feeds, "{{srv}}", h.server.srv.URL)
	cfg, err := config.Load([]byte(text), "")
	if err != nil {
		h.t.Fatalf("config: %v", err)
	}
	return cfg
}

func (h *harness) service(cfg *config.Config, mod ...func(*Options)) *Service {
	h.t.Helper()
	opts := Options{Client: h.client, Hosts: h.hosts, Now: h.clock.Now, Jitter: func() float64 { return 0.5 }, FixedPace: true}
	for _, m := range mod {
		m(&opts)
	}
	s, err := New(cfg, h.store, h.metrics, h.log, opts)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// source returns the service's source by name.
func (h *harness) source(s *Service, name string) *Source {
	h.t.Helper()
	for _, src := range s.Sources() {
		if src.Name() == name {
			return src
		}
	}
	h.t.Fatalf("no source %q", name)
	return nil
}

func (h *harness) poll(src *Source) []Story {
	h.t.Helper()
	stories, err := src.Poll(context.Background())
	if err != nil {
		h.t.Fatalf("poll %s: %v", src.Name(), err)
	}
	return stories
}

func (h *harness) storedStory(id string) Story {
	h.t.Helper()
	var s Story
	var ok bool
	h.store.View(func(tx *store.Tx) error {
		s, ok = getStory(tx.Bucket(store.BucketStories), id)
		return nil
	})
	if !ok {
		h.t.Fatalf("story %s not stored", id)
	}
	return s
}

func (h *harness) feedState(feed string) feedState {
	h.t.Helper()
	fs, err := loadFeedState(h.store, feed)
	if err != nil {
		h.t.Fatal(err)
	}
	return fs
}

func titles(stories []Story) []string {
	out := []string{}
	for _, s := range stories {
		out = append(out, s.Title)
	}
	return out
}

// rssBody builds a small RSS 2.0 feed from (guid, title, pubDate) triples.
func rssBody(items ...[3]string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Test Desk</title>`)
	for _, it := range items {
		fmt.Fprintf(&b, `<item><guid isPermaLink="false">%s</guid><title>%s</title><link>https://desk.example.com/%s?utm_source=rss</link><pubDate>%s</pubDate></item>`,
			it[0], it[1], it[0], it[2])
	}
	b.WriteString(`</channel></rss>`)
	return []byte(b.String())
}
