package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/alert/rules"
	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/feeds/match"
	"github.com/monitord/monitord/internal/impact"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/tickers"
)

// t0 is a Monday, 10:00 in New York: the regular session.
var t0 = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

const testConfig = `
global:
  timezone: America/New_York
tickers:
  - {symbol: MP, name: MP Materials, aliases: ["MP Materials"]}
keywords:
  rare_earth:
    any: ["rare earth"]
feeds:
  - {name: wire, url: "https://wire.example.com/rss"}
rules:
  - {name: big-move, type: price, change_pct: 5, receivers: [hook]}
  - {name: news, type: news, keywords: [rare_earth], receivers: [hook]}
  - {name: wire-down, type: source_health, sources: [wire], failures: 1, receivers: [hook]}
receivers:
  - {name: hook, webhook: {url: "https://hooks.example.com/monitord"}}
impact:
  benchmark: ""
`

// rig is a Pipeline on a scratch store, with an outbox that is never
// drained when alerts is set.
type rig struct {
	t       *testing.T
	cfg     *config.Config
	st      *store.Store
	hist    *tickers.History
	matcher *match.Matcher
	outbox  *alert.Dispatcher
	m       *alert.Metrics
	handled []string
	pipe    *Pipeline
}

func newRig(t *testing.T, alerts bool) *rig {
	t.Helper()
	cfg, err := config.Load([]byte(testConfig), "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.TempDir(), store.Options{}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cal, err := tickers.NewCalendar(nil)
	if err != nil {
		t.Fatal(err)
	}
	matcher, err := match.New(cfg.Keywords, cfg.Tickers)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	r := &rig{t: t, cfg: cfg, st: st, hist: tickers.NewHistory(st, 24*time.Hour), matcher: matcher,
		m: alert.NewMetrics(reg)}
	opts := Options{
		Store: st, AlertMetrics: r.m, ImpactMetrics: impact.NewMetrics(reg),
		History: r.hist, Calendar: cal, Now: func() time.Time { return t0 },
		Handled: func(ids ...string) error { r.handled = append(r.handled, ids...); return nil },
	}
	if alerts {
		if r.outbox, err = alert.New(cfg.Receivers, alert.Options{Store: st, Metrics: r.m}); err != nil {
			t.Fatal(err)
		}
		opts.Alerts = r.outbox
	}
	if r.pipe, err = New(cfg, opts); err != nil {
		t.Fatal(err)
	}
	return r
}

// quotes appends a poll of MP at price (previous close 20) to the history
// and hands it to the pipeline.
func (r *rig) quotes(price float64) {
	r.t.Helper()
	q := tickers.Quote{Symbol: "MP", Price: price, PreviousClose: 20, Change: price - 20, ChangeRatio: (price - 20) / 20,
		Currency: "USD", MarketState: tickers.MarketStateRegular, QuoteTime: t0, FetchedAt: t0}
	if err := r.hist.Append(q); err != nil {
		r.t.Fatal(err)
	}
	if err := r.pipe.OnQuotes(context.Background(), tickers.Result{Quotes: []tickers.Quote{q}}); err != nil {
		r.t.Fatal(err)
	}
}

// story is a new story of feed wire, as a poll returns it.
func (r *rig) story(id, title string) feeds.Story {
	return feeds.NewStory(feeds.Item{Feed: "wire", ID: id, Title: title, Link: "https://wire.example.com/" + id,
		Published: t0.Add(-time.Minute)}, t0, r.matcher)
}

func (r *rig) fired(rule string) float64 { return testutil.ToFloat64(r.m.Fired.WithLabelValues(rule)) }

func (r *rig) events() int {
	r.t.Helper()
	evs, err := impact.ReadEvents(r.st, impact.Query{})
	if err != nil {
		r.t.Fatal(err)
	}
	return len(evs)
}

func TestPipeline(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, true)

	r.quotes(21.4) // +7 %
	if got := r.fired("big-move"); got != 1 {
		t.Errorf("after a 7%% move: got %v big-move alerts, want 1", got)
	}
	if err := r.pipe.OnQuotes(ctx, tickers.Result{Skipped: true, Reason: "market closed"}); err != nil {
		t.Errorf("skipped poll: got error %v", err)
	}

	// A batch without a matched story is not evaluated, nor recorded.
	plain := r.story("1", "MP Materials names a new chief financial officer")
	if err := r.pipe.OnStories(ctx, []feeds.Story{plain}); err != nil {
		t.Fatal(err)
	}
	if r.handled != nil || r.fired("news") != 0 || r.events() != 0 {
		t.Errorf("unmatched batch: got handled %v, %v news alerts, %d impact events; want none", r.handled, r.fired("news"), r.events())
	}

	// Both engines take a matched story; only it is recorded as handled.
	ree := r.story("2", "MP Materials expands its rare earth magnet plant")
	if err := r.pipe.OnStories(ctx, []feeds.Story{plain, ree}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{ree.ID}, r.handled); diff != "" {
		t.Errorf("handled stories (-want +got):\n%s", diff)
	}
	if got := r.fired("news"); got != 1 {
		t.Errorf("got %v news alerts, want 1", got)
	}
	if got := r.events(); got != 1 {
		t.Errorf("got %d impact events, want 1", got)
	}

	if err := r.pipe.ObserveSource("wire", false, "http_503", t0); err != nil {
		t.Fatal(err)
	}
	if got := r.fired("wire-down"); got != 1 {
		t.Errorf("after a failed poll: got %v wire-down alerts, want 1", got)
	}
	if err := r.pipe.Tick(ctx, t0.Add(time.Minute)); err != nil {
		t.Errorf("tick: %v", err)
	}
	if got := r.outbox.Pending(); got != 3 {
		t.Errorf("got %d alerts in the outbox, want 3", got)
	}
}

// TestPipelineWithoutAlerts is `monitord once` without --alerts: no rule
// is evaluated, and impact is still measured.
func TestPipelineWithoutAlerts(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, false)
	r.quotes(21.4)
	ree := r.story("2", "MP Materials expands its rare earth magnet plant")
	if err := r.pipe.OnStories(ctx, []feeds.Story{ree}); err != nil {
		t.Fatal(err)
	}
	if err := r.pipe.ObserveSource("wire", false, "http_503", t0); err != nil {
		t.Fatal(err)
	}
	if err := r.pipe.Tick(ctx, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, rule := range []string{"big-move", "news", "wire-down"} {
		if got := r.fired(rule); got != 0 {
			t.Errorf("rule %s: got %v alerts, want none", rule, got)
		}
	}
	if got := r.events(); got != 1 {
		t.Errorf("got %d impact events, want 1", got)
	}
	if diff := cmp.Diff([]string{ree.ID}, r.handled); diff != "" {
		t.Errorf("handled stories (-want +got):\n%s", diff)
	}
	if err := r.pipe.ObserveSource(rules.SourceQuotes, true, "", t0); err != nil {
		t.Errorf("observe quotes: %v", err)
	}
}
