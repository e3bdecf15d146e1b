package impact

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/fakeclock"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/feeds/match"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/tickers"
)

// What the app passes satisfies the interfaces the engine consumes.
var (
	_ PriceHistory = (*tickers.History)(nil)
	_ Calendar     = (*tickers.Calendar)(nil)
	_ BarSource    = (*tickers.Poller)(nil)
	_ Enqueuer     = (*alert.Dispatcher)(nil)
)

var newYork = func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return loc
}()

// ny parses "2006-01-02 15:04[:05]" in New York time.
func ny(t testing.TB, s string) time.Time {
	t.Helper()
	layout := "2006-01-02 15:04"
	if strings.Count(s, ":") == 2 {
		layout += ":05"
	}
	v, err := time.ParseInLocation(layout, s, newYork)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// fakeClock is the engine's injected now.
type fakeClock = fakeclock.Clock

// fakeBars serves scripted chart bars and counts requests.
type fakeBars struct {
	mu    sync.Mutex
	bars  map[string][]tickers.Bar
	err   error
	calls int
}

func (f *fakeBars) Bars(_ context.Context, symbol string, from, to time.Time, interval string) ([]tickers.Bar, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	if interval != tickers.Interval1m {
		return nil, fmt.Errorf("unexpected interval %s", interval)
	}
	var out []tickers.Bar
	for _, b := range f.bars[symbol] {
		if !b.Time.Before(from) && !b.Time.After(to) {
			out = append(out, b)
		}
	}
	return out, nil
}

// sentAlert is one queued follow-up.
type sentAlert struct {
	alert     alert.Alert
	receivers []string
}

// fakeAlerts records follow-ups; it writes nothing, like replay.
type fakeAlerts struct {
	mu   sync.Mutex
	sent []sentAlert
}

func (f *fakeAlerts) EnqueueTx(_ *store.Tx, a *alert.Alert, receivers ...string) error {
	a.Identify()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, sentAlert{alert: *a, receivers: receivers})
	return nil
}

func (f *fakeAlerts) titles() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.sent {
		out = append(out, s.alert.Title)
	}
	return out
}

// harness is an engine over a real store and quote history, on a fake
// clock, with scripted quotes and chart bars.
type harness struct {
	t      *testing.T
	cfg    *config.Config
	st     *store.Store
	hist   *tickers.History
	cal    *tickers.Calendar
	clock  *fakeClock
	bars   *fakeBars
	alerts *fakeAlerts
	reg    *prometheus.Registry
	m      *Metrics
	eng    *Engine
}

func testConfig(rules ...config.Rule) *config.Config {
	cfg := &config.Config{Impact: config.DefaultImpact, Rules: rules}
	for _, s := range []string{"MP", "USAR", "UUUU"} {
		cfg.Tickers = append(cfg.Tickers, config.Ticker{Symbol: s})
	}
	return cfg
}

func impactRule(name string, movePct float64, within time.Duration) config.Rule {
	return config.Rule{Name: name, Type: config.RuleImpact, Receivers: []string{"slack-ops"}, Severity: "warning",
		Spec: &config.ImpactRule{MovePct: &movePct, Within: config.Duration(within)}}
}

func newHarness(t *testing.T, cfg *config.Config) *harness {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cal, err := tickers.NewCalendar(nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, cfg: cfg, st: st, hist: tickers.NewHistory(st, 30*24*time.Hour), cal: cal,
		clock: fakeclock.New(time.Time{}), bars: &fakeBars{bars: map[string][]tickers.Bar{}}, alerts: &fakeAlerts{},
		reg: prometheus.NewRegistry()}
	h.m = NewMetrics(h.reg)
	h.restart()
	return h
}

// restart builds a new engine on the same store, as a daemon restart or a
// reload does.
func (h *harness) restart() {
	h.t.Helper()
	opts := Options{Store: h.st, History: h.hist, Calendar: h.cal, Alerts: h.alerts, Metrics: h.m, Now: h.clock.Now}
	if h.bars != nil {
		opts.Bars = h.bars
	}
	eng, err := New(h.cfg, opts)
	if err != nil {
		h.t.Fatal(err)
	}
	h.eng = eng
}

// record appends quotes to the history as a poll fetched at `at` would,
// each priced at its quote time, without telling the engine (the daemon
// was not measuring).
func (h *harness) record(at time.Time, quotes ...tickers.Quote) []tickers.Quote {
	h.t.Helper()
	for i := range quotes {
		quotes[i].FetchedAt = at
		quotes[i].Source = tickers.SourceYahoo
	}
	if err := h.hist.Append(quotes...); err != nil {
		h.t.Fatal(err)
	}
	return quotes
}

// poll records quotes fetched at `at` and hands them to the engine.
func (h *harness) poll(at time.Time, quotes ...tickers.Quote) {
	h.t.Helper()
	res := tickers.Result{Quotes: h.record(at, quotes...), Session: h.cal.Session(at)}
	h.clock.Set(at)
	if err := h.eng.OnQuotes(context.Background(), res); err != nil {
		h.t.Fatalf("OnQuotes at %s: %v", at, err)
	}
}

func (h *harness) tick(at time.Time) {
	h.t.Helper()
	h.clock.Set(at)
	if err := h.eng.Tick(context.Background(), at); err != nil {
		h.t.Fatalf("Tick at %s: %v", at, err)
	}
}

func (h *harness) stories(at time.Time, stories ...feeds.Story) {
	h.t.Helper()
	h.clock.Set(at)
	if err := h.eng.OnStories(context.Background(), stories); err != nil {
		h.t.Fatalf("OnStories at %s: %v", at, err)
	}
}

func (h *harness) events(ticker string) []Event {
	h.t.Helper()
	evs, err := h.eng.Rows(time.Time{}, ticker, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return evs
}

// q is a quote of symbol priced at quote time at.
func q(symbol string, price float64, at time.Time) tickers.Quote {
	return tickers.Quote{Symbol: symbol, Price: price, QuoteTime: at, MarketState: tickers.MarketStateRegular}
}

// story is a matched story on tickers, published at pub and first seen 30s
// later.
func story(id, title string, pub time.Time, syms ...string) feeds.Story {
	res := match.Result{Groups: []match.GroupHit{{Name: "rare_earth", Terms: []string{"NdPr", "magnet"}}}, Score: 4}
	for _, s := range syms {
		res.Tickers = append(res.Tickers, match.TickerHit{Symbol: s, How: "alias"})
	}
	return feeds.Story{ID: id, Title: title, Link: "https://news.example.com/" + id, Published: pub.UTC(),
		FirstSeen: pub.Add(30 * time.Second).UTC(), Tickers: syms, Match: res,
		Sources: []feeds.SourceRef{{Feed: "yahoo-search", Seen: pub, First: true}, {Feed: "google-news", Seen: pub}}}
}

// summary renders an impact one line per target, for readable diffs:
// "15m measured 21.6000 history move=+8.0000 bench=+0.0000 abn=+8.0000".
func summary(im Impact) []string {
	line := func(name string, m Measure) string {
		s := fmt.Sprintf("%s %s", name, m.Status)
		if m.Status == StatusMeasured {
			s += fmt.Sprintf(" %.4f %s", m.Price, m.Source)
			if m.Late {
				s += " late"
			}
			if m.BenchmarkMissing {
				s += " no-benchmark"
			}
		}
		return s
	}
	out := []string{fmt.Sprintf("%s after_hours=%v %s ref_at=%s", im.Ticker, im.AfterHours, im.Status,
		im.Reference.At.In(newYork).Format("01-02 15:04:05")), line("ref", im.Reference)}
	for _, h := range im.Horizons {
		s := line(h.Name, h.Measure) + " at=" + h.At.In(newYork).Format("01-02 15:04")
		for _, x := range []struct {
			k string
			v *float64
		}{{"move", h.MovePct}, {"bench", h.BenchmarkMovePct}, {"abn", h.AbnormalPct}} {
			if x.v != nil {
				s += fmt.Sprintf(" %s=%+.4f", x.k, *x.v)
			}
		}
		out = append(out, s)
	}
	return out
}

func (h *harness) pendingWindows() int { return int(testutil.ToFloat64(h.m.pending)) }
