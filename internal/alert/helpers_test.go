package alert

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/store"
)

// fakeClock advances only when slept on, and records every sleep: the
// rate limit, backoff and max age are asserted on it, never on the wall.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock(t0 time.Time) *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	if d > 0 {
		c.now = c.now.Add(d)
	}
	return nil
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// t0 is the fake clock's start: a Monday morning in New York.
var t0 = time.Date(2026, 3, 2, 14, 30, 0, 0, time.UTC)

// rig is a Dispatcher over a fresh store with a fake clock, a captured
// log and its own metrics.
type rig struct {
	d     *Dispatcher
	st    *store.Store
	m     *Metrics
	reg   *prometheus.Registry
	clock *fakeClock
	logs  *observer.ObservedLogs
}

type rigOption func(*Options)

// noJitter makes backoff deterministic: 500ms, 750ms, 1.125s, ...
func noJitter(o *Options) {
	o.jitter = func() float64 { return 0 }
}

// startingAt starts the fake clock at t instead of t0 (for a real
// Alertmanager, which judges endsAt by its own clock).
func startingAt(t time.Time) rigOption {
	return func(o *Options) { o.clock = newFakeClock(t) }
}

func newRig(t *testing.T, receivers []config.Receiver, opts ...rigOption) *rig {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	core, logs := observer.New(zap.DebugLevel)
	reg := prometheus.NewRegistry()
	r := &rig{st: st, m: NewMetrics(reg), reg: reg, clock: newFakeClock(t0), logs: logs}
	o := Options{Store: st, Metrics: r.m, Logger: zap.New(core), clock: r.clock}
	for _, f := range opts {
		f(&o)
	}
	if c, ok := o.clock.(*fakeClock); ok {
		r.clock = c
	}
	r.d, err = New(receivers, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// run starts the dispatcher; it is closed (and waited for) at cleanup,
// before the store closes.
func (r *rig) run(t *testing.T) {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- r.d.Run(context.Background()) }()
	t.Cleanup(func() {
		r.d.Close()
		if err := <-errc; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// depth is the number of alerts queued for a receiver.
func (r *rig) depth(receiver string) int {
	for _, s := range r.d.outboxStats() {
		if s.receiver == receiver {
			return s.depth
		}
	}
	return -1
}

// waitFor polls cond; the bound is generous and not an assertion on speed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// logText is every captured log entry, message and fields, as text.
func logText(logs *observer.ObservedLogs) string {
	var b strings.Builder
	for _, e := range logs.All() {
		fmt.Fprintf(&b, "%s %s %v\n", e.Level, e.Message, e.ContextMap())
	}
	return b.String()
}

func webhookReceiver(name, url string) config.Receiver {
	r := config.DefaultReceiver
	r.Name = name
	r.Webhook = &config.Webhook{URL: config.Secret(url)}
	return r
}

func slackReceiver(name, url string) config.Receiver {
	r := config.DefaultReceiver
	r.Name = name
	r.Slack = &config.Slack{WebhookURL: config.Secret(url)}
	return r
}

func amReceiver(name string, urls ...string) config.Receiver {
	r := config.DefaultReceiver
	r.Name = name
	r.Alertmanager = &config.Alertmanager{URLs: urls, Resolve: config.DefaultAlertmanagerResolve}
	return r
}

// priceAlert is a condition alert for symbol, n distinguishing episodes.
func priceAlert(symbol string, n int) *Alert {
	return &Alert{
		Kind: KindPrice, Rule: "big-move", Severity: "warning", Symbols: []string{symbol},
		Title:  fmt.Sprintf("%s +6.20%% to $24.10", symbol),
		Reason: "change +6.20% >= 5%",
		Price: &Price{Symbol: symbol, Price: 24.10, PreviousClose: 22.69, Change: 1.41, ChangePct: 6.2,
			Currency: "USD", At: t0},
		StartsAt: t0.Add(time.Duration(n) * time.Minute),
	}
}

// newsAlert is a grouped news alert of n stories.
func newsAlert(n int) *Alert {
	a := &Alert{
		Kind: KindNews, Rule: "rare-earth-news", Severity: "info", Symbols: []string{"MP"},
		Title:  fmt.Sprintf("%d rare-earth headlines", n),
		Reason: "matched rare_earth",
	}
	for i := range n {
		a.Headlines = append(a.Headlines, Headline{
			ID:      fmt.Sprintf("story-%03d", i),
			Title:   fmt.Sprintf("MP Materials expands NdPr output, report %d", i),
			URL:     fmt.Sprintf("https://news.example.com/mp/%d", i),
			Sources: []string{"google-news-rare-earth"}, Tickers: []string{"MP"},
			Terms: []string{"NdPr", "rare earth"}, PublishedAt: t0.Add(-time.Duration(i) * time.Minute),
		})
	}
	return a
}
