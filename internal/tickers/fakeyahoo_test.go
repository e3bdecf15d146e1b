package tickers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/fakeclock"
	"github.com/monitord/monitord/internal/store"
)

// fakeYahoo is a local stand-in for Yahoo Finance (and Finnhub) that
// answers in the shapes of the recorded payloads: a cookie seed that
// answers 404 with an A3 cookie (as fc.yahoo.com does), getcrumb that needs
// the cookie, a v7 quote API that needs cookie and crumb, a crumb-free v8
// chart API, and Finnhub's /quote behind a token header.
type fakeYahoo struct {
	t *testing.T
	// srv stands for query1 (cookie, crumb, v7), chart for query2 and
	// finnhub for finnhub.io: three hosts, as in the wild, so a host one
	// of them pauses is not the others'. They share one handler.
	srv, chart, finnhub *httptest.Server

	mu      sync.Mutex
	known   map[string]fakeQuote
	cookie  string
	crumbN  int
	valid   string
	hits    map[string]int
	batches [][]string
	headers []http.Header
	// Overrides: called after the hit is counted; returning true means
	// the override wrote the answer.
	onCrumb, onQuote, onChart, onFinnhub func(w http.ResponseWriter, r *http.Request) bool
}

// fakeQuote is what the fake knows about a symbol.
type fakeQuote struct {
	price, prev float64
	volume      int64
	at          time.Time
	state       string
}

const testFinnhubKey = "fh-test-key-3e1f9c0d"

func newFakeYahoo(t *testing.T) *fakeYahoo {
	t.Helper()
	f := &fakeYahoo{t: t, known: map[string]fakeQuote{}, cookie: "d=AQABBtestcookie01&S=AQAAAtest", hits: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/cookie", f.handleCookie)
	mux.HandleFunc("/v1/test/getcrumb", f.handleCrumb)
	mux.HandleFunc("/v7/finance/quote", f.handleQuote)
	mux.HandleFunc("/v8/finance/chart/{symbol}", f.handleChart)
	mux.HandleFunc("/finnhub/quote", f.handleFinnhub)
	f.srv, f.chart, f.finnhub = httptest.NewServer(mux), httptest.NewServer(mux), httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	t.Cleanup(f.chart.Close)
	t.Cleanup(f.finnhub.Close)
	return f
}

func (f *fakeYahoo) set(symbol string, q fakeQuote) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.known[symbol] = q
}

func (f *fakeYahoo) hit(route string, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hits[route]++
	f.headers = append(f.headers, r.Header.Clone())
}

func (f *fakeYahoo) count(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[route]
}

// override runs fn for the route if set.
func (f *fakeYahoo) override(fn func(http.ResponseWriter, *http.Request) bool, w http.ResponseWriter, r *http.Request) bool {
	return fn != nil && fn(w, r)
}

func (f *fakeYahoo) handleCookie(w http.ResponseWriter, r *http.Request) {
	f.hit("cookie", r)
	http.SetCookie(w, &http.Cookie{Name: "A3", Value: f.cookie, Path: "/", MaxAge: 31557600, HttpOnly: true})
	w.WriteHeader(http.StatusNotFound)
}

func (f *fakeYahoo) handleCrumb(w http.ResponseWriter, r *http.Request) {
	f.hit("crumb", r)
	f.mu.Lock()
	on := f.onCrumb
	f.mu.Unlock()
	if f.override(on, w, r) {
		return
	}
	if c, err := r.Cookie("A3"); err != nil || c.Value != f.cookie {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	f.mu.Lock()
	f.crumbN++
	f.valid = fmt.Sprintf("fakeCrumb%02d", f.crumbN)
	crumb := f.valid
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain;charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=60, stale-while-revalidate=30")
	fmt.Fprint(w, crumb)
}

func (f *fakeYahoo) handleQuote(w http.ResponseWriter, r *http.Request) {
	f.hit("quote", r)
	f.mu.Lock()
	on, valid := f.onQuote, f.valid
	f.mu.Unlock()
	if c, err := r.Cookie("A3"); err != nil || c.Value != f.cookie || valid == "" || r.URL.Query().Get("crumb") != valid {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"finance":{"result":null,"error":{"code":"Unauthorized","description":"Invalid Crumb"}}}`)
		return
	}
	if f.override(on, w, r) {
		return
	}
	syms := strings.Split(r.URL.Query().Get("symbols"), ",")
	f.mu.Lock()
	f.batches = append(f.batches, syms)
	result := []map[string]any{}
	for _, s := range syms {
		if q, ok := f.known[s]; ok {
			result = append(result, v7Entry(s, q))
		}
	}
	f.mu.Unlock()
	writeJSON(w, map[string]any{"quoteResponse": map[string]any{"result": result, "error": nil}})
}

func (f *fakeYahoo) handleChart(w http.ResponseWriter, r *http.Request) {
	f.hit("chart", r)
	f.mu.Lock()
	on := f.onChart
	q, ok := f.known[r.PathValue("symbol")]
	f.mu.Unlock()
	if f.override(on, w, r) {
		return
	}
	if !ok {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}}`)
		return
	}
	writeJSON(w, chartEntry(r.PathValue("symbol"), q))
}

func (f *fakeYahoo) handleFinnhub(w http.ResponseWriter, r *http.Request) {
	f.hit("finnhub", r)
	f.mu.Lock()
	on := f.onFinnhub
	q, ok := f.known[r.URL.Query().Get("symbol")]
	f.mu.Unlock()
	if r.Header.Get("X-Finnhub-Token") != testFinnhubKey {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"Invalid API key"}`)
		return
	}
	if f.override(on, w, r) {
		return
	}
	if !ok {
		writeJSON(w, map[string]any{"c": 0, "d": nil, "dp": nil, "h": 0, "l": 0, "o": 0, "pc": 0, "t": 0})
		return
	}
	writeJSON(w, map[string]any{"c": q.price, "d": q.price - q.prev, "dp": (q.price - q.prev) / q.prev * 100,
		"h": q.price + 0.5, "l": q.price - 0.5, "o": q.prev, "pc": q.prev, "t": q.at.Unix()})
}

// v7Entry is a v7 quote result in the shape of the 2026 recording.
func v7Entry(symbol string, q fakeQuote) map[string]any {
	state := q.state
	if state == "" {
		state = "REGULAR"
	}
	return map[string]any{
		"language": "en-US", "region": "US", "quoteType": "EQUITY", "typeDisp": "Equity",
		"quoteSourceName": "Delayed Quote", "currency": "USD", "exchange": "NYQ", "fullExchangeName": "NYSE",
		"exchangeTimezoneName": "America/New_York", "exchangeTimezoneShortName": "EDT",
		"gmtOffSetMilliseconds": -14400000, "market": "us_market",
		"regularMarketPrice": q.price, "regularMarketPreviousClose": q.prev,
		"regularMarketChange": q.price - q.prev, "regularMarketChangePercent": (q.price - q.prev) / q.prev * 100,
		"regularMarketTime": q.at.Unix(), "regularMarketVolume": q.volume,
		"regularMarketDayHigh": q.price + 0.5, "regularMarketDayLow": q.price - 0.5,
		"marketState": state, "shortName": symbol + " Corp.", "sourceInterval": 15, "exchangeDataDelayedBy": 0,
		"symbol": symbol,
	}
}

// chartEntry is a v8 chart answer (range=1d) in the shape of the 2026
// recording.
func chartEntry(symbol string, q fakeQuote) map[string]any {
	return map[string]any{"chart": map[string]any{"result": []any{map[string]any{
		"meta": map[string]any{
			"currency": "USD", "symbol": symbol, "exchangeName": "NYQ", "fullExchangeName": "NYSE",
			"instrumentType": "EQUITY", "regularMarketTime": q.at.Unix(), "gmtoffset": -14400, "timezone": "EDT",
			"exchangeTimezoneName": "America/New_York", "regularMarketPrice": q.price, "chartPreviousClose": q.prev,
			"regularMarketVolume": q.volume, "shortName": symbol + " Corp.", "dataGranularity": "1d", "range": "1d",
		},
		"timestamp":  []int64{q.at.Unix()},
		"indicators": map[string]any{"quote": []any{map[string]any{"close": []float64{q.price}, "volume": []int64{q.volume}}}},
	}}, "error": nil}}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		panic(err)
	}
}

// serveFile returns an override that answers status with a testdata file.
func serveFile(t *testing.T, status int, name string, header ...string) func(http.ResponseWriter, *http.Request) bool {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return func(w http.ResponseWriter, _ *http.Request) bool {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		w.Write(body)
		return true
	}
}

// testClock is a settable clock.
type testClock = fakeclock.Clock

func newClock(t time.Time) *testClock { return fakeclock.New(t) }

// ny returns a New York wall-clock time.
func ny(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// testConfig loads a config whose quote URLs point at f. symbols are the
// watchlist; extra is YAML appended inside the quotes section.
func testConfig(t *testing.T, f *fakeYahoo, symbols []string, extra string) *config.Config {
	t.Helper()
	var b strings.Builder
	b.WriteString("global:\n  user_agent: \"monitord-test/1.0 (ops@example.com)\"\ntickers:\n")
	for _, s := range symbols {
		fmt.Fprintf(&b, "  - symbol: %q\n", s)
	}
	fmt.Fprintf(&b, `impact:
  benchmark: REMX
quotes:
  timeout: 60s
  stale_after: 10m
  yahoo:
    base_url: %[1]s
    chart_url: %[2]s
    cookie_url: %[1]s/cookie
    request_timeout: 20s
`, f.srv.URL, f.chart.URL)
	for _, l := range strings.Split(strings.TrimRight(extra, "\n"), "\n") {
		if l != "" {
			b.WriteString("  " + l + "\n")
		}
	}
	cfg, err := config.Load([]byte(b.String()), "")
	if err != nil {
		t.Fatalf("config: %v\n%s", err, b.String())
	}
	return cfg
}

// newTestBackend builds a Backend on cfg with clock and a fixed jitter of
// zero (each pause is half the exponential step).
func newTestBackend(t *testing.T, cfg *config.Config, clock *testClock, m *Metrics) *Backend {
	t.Helper()
	if m == nil {
		m = NewMetrics(nil)
	}
	f, err := newFetcher(cfg, m, zap.NewNop(), clock.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, bo := range f.backoff {
		bo.jitter = func() float64 { return 0 }
	}
	return newBackend(f, cfg.Quotes.Yahoo)
}

// newTestPoller builds a Poller on cfg with clock, zero jitter and, when
// st is non-nil, a history in it.
func newTestPoller(t *testing.T, cfg *config.Config, clock *testClock, m *Metrics, st *store.Store, log *zap.Logger) *Poller {
	t.Helper()
	var h *History
	if st != nil {
		h = NewHistory(st, cfg.Quotes.HistoryRetention.D())
	}
	if log == nil {
		log = zap.NewNop()
	}
	p, err := NewPoller(cfg, h, m, log, WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	for _, bo := range p.yahoo.f.backoff {
		bo.jitter = func() float64 { return 0 }
	}
	return p
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// testCtx bounds a test generously: nothing here should come near it.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
