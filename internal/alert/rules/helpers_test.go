package rules

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/fakeclock"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/tickers"
)

// *alert.Dispatcher is what the app hands the Engine.
var _ Enqueuer = (*alert.Dispatcher)(nil)

// t0 is a Monday, 10:00 in New York: the regular session.
var t0 = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

// fakeClock is the Engine's time, moved by the test.
type fakeClock = fakeclock.Clock

// sent is one alert committed to the outbox.
type sent struct {
	Alert     alert.Alert
	Receivers []string
}

// String is a sent alert in a line: status, title, repeat, receivers.
func (s sent) String() string {
	r := ""
	if s.Alert.Repeat > 0 {
		r = fmt.Sprintf(" repeat=%d", s.Alert.Repeat)
	}
	return fmt.Sprintf("%s %s%s %v", s.Alert.Status, s.Alert.Title, r, s.Receivers)
}

// recorder is an Enqueuer that records what a committed transaction
// enqueued, as the outbox would hold it.
type recorder struct {
	mu   sync.Mutex
	sent []sent
	fail error
}

func (r *recorder) EnqueueTx(tx *store.Tx, a *alert.Alert, receivers ...string) error {
	if r.fail != nil {
		return r.fail
	}
	a.Identify()
	s := sent{Alert: *a, Receivers: slices.Clone(receivers)}
	tx.OnCommit(func() {
		r.mu.Lock()
		r.sent = append(r.sent, s)
		r.mu.Unlock()
	})
	return nil
}

// take returns what was enqueued since the last take.
func (r *recorder) take() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sent
	r.sent = nil
	return out
}

func lines(ss []sent) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.String())
	}
	return out
}

// baseConfig is the config every test extends with its rules.
const baseConfig = `
global:
  timezone: America/New_York
tickers:
  - symbol: MP
    name: MP Materials
  - symbol: TMQ
  - symbol: LAC
keywords:
  rare_earth:
    any: ["rare earth", "NdPr"]
  lithium:
    any: ["lithium"]
feeds:
  - name: wire-a
    url: https://a.example.com/rss
  - name: wire-b
    url: https://b.example.com/rss
receivers:
  - name: slack
    slack:
      webhook_url: https://hooks.slack.example.com/services/T0/B0/x
  - name: hook
    webhook:
      url: https://hooks.example.com/monitord
  - name: am
    alertmanager:
      urls: [http://127.0.0.1:9093]
rules:
`

// loadConfig parses baseConfig plus rules (YAML list items).
func loadConfig(t *testing.T, rules string) *config.Config {
	t.Helper()
	cfg, err := config.Load([]byte(baseConfig+rules), "")
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	return cfg
}

// rig is an Engine over a real store in a temporary directory, with a
// fake clock, a recording Enqueuer and its own metrics registry.
type rig struct {
	t     *testing.T
	dir   string
	st    *store.Store
	clock *fakeClock
	rec   *recorder
	reg   *prometheus.Registry
	m     *alert.Metrics
	cfg   *config.Config
	e     *Engine
	hist  *tickers.History
}

func newRig(t *testing.T, rules string) *rig {
	t.Helper()
	reg := prometheus.NewRegistry()
	r := &rig{t: t, dir: t.TempDir(), clock: fakeclock.New(t0), rec: &recorder{}, reg: reg, m: alert.NewMetrics(reg)}
	r.open()
	t.Cleanup(func() { r.st.Close() })
	r.reload(rules)
	return r
}

func (r *rig) open() {
	st, err := store.Open(filepath.Join(r.dir, "data"), store.Options{}, nil)
	if err != nil {
		r.t.Fatalf("open store: %v", err)
	}
	r.st = st
	r.hist = tickers.NewHistory(st, 24*time.Hour)
}

// reload builds a new Engine over the same store, as a config reload does.
func (r *rig) reload(rules string) {
	r.t.Helper()
	r.cfg = loadConfig(r.t, rules)
	e, err := New(r.cfg, r.st, r.rec, r.m, nil, WithClock(r.clock.Now))
	if err != nil {
		r.t.Fatalf("New: %v", err)
	}
	r.e = e
}

// restart closes the store and opens it again under a new Engine, as a
// process restart does.
func (r *rig) restart() {
	r.t.Helper()
	if err := r.st.Close(); err != nil {
		r.t.Fatalf("close store: %v", err)
	}
	r.open()
	e, err := New(r.cfg, r.st, r.rec, r.m, nil, WithClock(r.clock.Now))
	if err != nil {
		r.t.Fatalf("New after restart: %v", err)
	}
	r.e = e
}

// poll hands the Engine one quote poll at the fake clock's time, after
// appending the quotes to the history as the poller does.
func (r *rig) poll(quotes ...tickers.Quote) {
	r.t.Helper()
	if err := r.hist.Append(quotes...); err != nil {
		r.t.Fatalf("append history: %v", err)
	}
	if err := r.e.OnQuotes(context.Background(), tickers.Result{Quotes: quotes, Session: tickers.SessionRegular}); err != nil {
		r.t.Fatalf("OnQuotes: %v", err)
	}
}

func (r *rig) tick() {
	r.t.Helper()
	if err := r.e.Tick(r.clock.Now()); err != nil {
		r.t.Fatalf("Tick: %v", err)
	}
}

// suppressed returns the suppression counter of rule and reason.
func (r *rig) suppressed(rule, reason string) float64 {
	return testutil.ToFloat64(r.m.Suppressed.WithLabelValues(rule, reason))
}

// quote is a regular-session USD quote of symbol at at.
func quote(symbol string, price, prevClose float64, at time.Time) tickers.Quote {
	q := tickers.Quote{
		Symbol: symbol, Price: price, PreviousClose: prevClose, MarketState: tickers.MarketStateRegular,
		QuoteTime: at, FetchedAt: at, Source: tickers.SourceYahoo, Currency: "USD", TimeZone: "America/New_York",
	}
	if prevClose > 0 {
		q.Change = price - prevClose
		q.ChangeRatio = q.Change / prevClose
	}
	return q
}
