package tickers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// watch sets up the fake with MP, TMQ and the benchmark REMX priced at at.
func watch(f *fakeYahoo, at time.Time) {
	f.set("MP", fakeQuote{price: 58.41, prev: 56.9, volume: 9412337, at: at})
	f.set("TMQ", fakeQuote{price: 6.87, prev: 7.12, volume: 2210450, at: at})
	f.set("REMX", fakeQuote{price: 52.5, prev: 50, volume: 301200, at: at})
}

func symbolsOf(qs []Quote) []string {
	var out []string
	for _, q := range qs {
		out = append(out, q.Symbol+"/"+q.Source)
	}
	return out
}

func TestPollFallsBack(t *testing.T) {
	tooMany := func(w http.ResponseWriter, _ *http.Request) bool {
		w.WriteHeader(429)
		w.Write([]byte("Too Many Requests\r\n"))
		return true
	}
	unavailable := func(w http.ResponseWriter, _ *http.Request) bool {
		w.WriteHeader(503)
		return true
	}
	tests := []struct {
		name                      string
		onCrumb, onQuote, onChart func(http.ResponseWriter, *http.Request) bool
		want                      string
	}{
		{name: "v7 rate limited", onQuote: tooMany, want: SourceYahooChart},
		{name: "getcrumb rate limited", onCrumb: tooMany, want: SourceYahooChart},
		{name: "v7 malformed", onQuote: serveFile(t, 200, "v7-quote-truncated.json"), want: SourceYahooChart},
		{name: "v7 always unauthorized", onQuote: serveFile(t, 401, "v7-quote-401-invalid-crumb.json"), want: SourceYahooChart},
		{name: "v7 and chart down", onQuote: tooMany, onChart: unavailable, want: SourceFinnhub},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeYahoo(t)
			watch(f, t0.Add(-time.Minute))
			f.onCrumb, f.onQuote, f.onChart = tt.onCrumb, tt.onQuote, tt.onChart
			extra := "finnhub:\n  base_url: " + f.finnhub.URL + "/finnhub\n  api_key: " + testFinnhubKey + "\n"
			cfg := testConfig(t, f, []string{"MP", "TMQ"}, extra)
			p := newTestPoller(t, cfg, newClock(t0), nil, nil, nil)

			res, err := p.Poll(testCtx(t))
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			want := []string{"MP/" + tt.want, "TMQ/" + tt.want, "REMX/" + tt.want}
			if diff := cmp.Diff(want, symbolsOf(res.Quotes)); diff != "" {
				t.Errorf("quotes (-want +got):\n%s", diff)
			}
			if len(res.Errors) != 0 {
				t.Errorf("got errors %v, want none", res.Errors)
			}
			for _, q := range res.Quotes {
				if q.MarketState != MarketStateRegular || q.Price <= 0 || q.ChangeRatio == 0 {
					t.Errorf("%s: got state %q price %v change %v; want REGULAR from the calendar and a change",
						q.Symbol, q.MarketState, q.Price, q.ChangeRatio)
				}
			}
		})
	}
}

func TestPollUnknownSymbol(t *testing.T) {
	f := newFakeYahoo(t)
	watch(f, t0.Add(-time.Minute))
	extra := "finnhub:\n  base_url: " + f.finnhub.URL + "/finnhub\n  api_key: " + testFinnhubKey + "\n"
	cfg := testConfig(t, f, []string{"MP", "ZZZZ", "TMQ"}, extra)
	m := NewMetrics(nil)
	p := newTestPoller(t, cfg, newClock(t0), m, nil, nil)

	res, err := p.Poll(testCtx(t))
	if err != nil {
		t.Fatalf("got error %v, want none for a partial poll", err)
	}
	if diff := cmp.Diff([]string{"MP/yahoo", "TMQ/yahoo", "REMX/yahoo"}, symbolsOf(res.Quotes)); diff != "" {
		t.Errorf("quotes (-want +got):\n%s", diff)
	}
	if err := res.Errors["ZZZZ"]; !errors.Is(err, ErrUnknownSymbol) {
		t.Errorf("ZZZZ: got %v, want ErrUnknownSymbol", err)
	}
	if len(res.Errors) != 1 {
		t.Errorf("got errors for %d symbols, want only ZZZZ", len(res.Errors))
	}
	if got := f.count("chart"); got != 1 {
		t.Errorf("chart requests: got %d, want 1 (for ZZZZ only)", got)
	}
	if got := f.count("finnhub"); got != 0 {
		t.Errorf("finnhub requests: got %d, want none for a symbol the chart says is unknown", got)
	}
}

func TestPollBatches(t *testing.T) {
	f := newFakeYahoo(t)
	var syms []string
	for i := range 120 {
		s := fmt.Sprintf("S%03d", i)
		syms = append(syms, s)
		f.set(s, fakeQuote{price: 10 + float64(i)/100, prev: 10, at: t0}) // within a day's plausible move
	}
	f.set("REMX", fakeQuote{price: 52.13, prev: 51.5, at: t0})
	cfg := testConfig(t, f, syms, "")
	p := newTestPoller(t, cfg, newClock(t0), nil, nil, nil)

	res, err := p.Poll(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Quotes) != 121 {
		t.Errorf("got %d quotes, want 121 (120 symbols and the benchmark)", len(res.Quotes))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.batches) != 3 {
		t.Fatalf("got %d quote requests, want 3", len(f.batches))
	}
	var asked []string
	for i, b := range f.batches {
		if len(b) > 50 {
			t.Errorf("request %d asked for %d symbols, want at most 50", i, len(b))
		}
		asked = append(asked, b...)
	}
	if diff := cmp.Diff(append(syms, "REMX"), asked); diff != "" {
		t.Errorf("symbols asked (-want +got):\n%s", diff)
	}
	if f.hits["crumb"] != 1 || f.hits["chart"] != 0 {
		t.Errorf("got %d crumb and %d chart requests, want 1 and 0", f.hits["crumb"], f.hits["chart"])
	}
}

func TestPollBenchmarkOnce(t *testing.T) {
	f := newFakeYahoo(t)
	cfg := testConfig(t, f, []string{"MP", "REMX", "TMQ"}, "")
	p := newTestPoller(t, cfg, newClock(t0), nil, nil, nil)
	if diff := cmp.Diff([]string{"MP", "REMX", "TMQ"}, p.Symbols()); diff != "" {
		t.Errorf("symbols (-want +got):\n%s", diff)
	}
}

func TestPollMarketHours(t *testing.T) {
	tests := []struct {
		at          string
		extra       string
		wantSkipped bool
	}{
		{"2026-06-16 11:45", "", false},
		{"2026-06-20 11:45", "", true}, // Saturday
		{"2026-06-19 11:45", "", true}, // Juneteenth
		{"2026-06-16 03:00", "", true},
		{"2026-06-16 08:00", "", true},                        // pre-market
		{"2026-06-16 08:00", "extended_hours: true\n", false}, // pre-market, polled
		{"2026-06-16 17:00", "extended_hours: true\n", false},
		{"2026-06-16 21:00", "extended_hours: true\n", true},
		{"2026-06-20 11:45", "market_hours_only: false\n", false},
		{"2025-01-09 11:45", "extra_closures: [\"2025-01-09\"]\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.at+" "+strings.TrimSpace(tt.extra), func(t *testing.T) {
			f := newFakeYahoo(t)
			at := ny(t, tt.at)
			watch(f, at)
			cfg := testConfig(t, f, []string{"MP"}, tt.extra)
			p := newTestPoller(t, cfg, newClock(at), nil, nil, nil)
			res, err := p.Poll(testCtx(t))
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if res.Skipped != tt.wantSkipped {
				t.Fatalf("got skipped=%v (%s), want %v", res.Skipped, res.Reason, tt.wantSkipped)
			}
			requests := f.count("quote") + f.count("crumb") + f.count("chart")
			if tt.wantSkipped && (requests != 0 || res.Reason == "") {
				t.Errorf("got %d requests and reason %q for a skipped poll, want none and a reason", requests, res.Reason)
			}
			if !tt.wantSkipped && len(res.Quotes) != 2 {
				t.Errorf("got %d quotes, want 2", len(res.Quotes))
			}
		})
	}
}

func TestPollFollowsYahooMarketState(t *testing.T) {
	f := newFakeYahoo(t)
	// An unscheduled closure the calendar does not know: Yahoo says CLOSED.
	at := ny(t, "2025-01-09 10:00")
	for _, s := range []string{"MP", "REMX"} {
		f.set(s, fakeQuote{price: 50, prev: 49, at: ny(t, "2025-01-08 16:00"), state: "CLOSED"})
	}
	cfg := testConfig(t, f, []string{"MP"}, "")
	clock := newClock(at)
	p := newTestPoller(t, cfg, clock, nil, nil, nil)
	ctx := testCtx(t)

	steps := []struct {
		after       time.Duration
		wantSkipped bool
	}{
		{0, false},                // the calendar says regular: poll
		{time.Minute, true},       // Yahoo just said closed
		{9 * time.Minute, true},   // still within stale_after
		{11 * time.Minute, false}, // Yahoo's word is too old: ask again
	}
	for _, s := range steps {
		clock.Set(at.Add(s.after))
		res, err := p.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Skipped != s.wantSkipped {
			t.Errorf("+%s: got skipped=%v (%s), want %v", s.after, res.Skipped, res.Reason, s.wantSkipped)
		}
	}

	// Yahoo's state lags the open; the calendar keeps the boundary.
	f2 := newFakeYahoo(t)
	open := ny(t, "2026-06-16 09:30")
	for _, s := range []string{"MP", "REMX"} {
		f2.set(s, fakeQuote{price: 50, prev: 49, at: open.Add(-2 * time.Minute), state: "PRE"})
	}
	cfg2 := testConfig(t, f2, []string{"MP"}, "extended_hours: true\n")
	clock2 := newClock(open.Add(-time.Minute))
	p2 := newTestPoller(t, cfg2, clock2, nil, nil, nil)
	if _, err := p2.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	clock2.Set(open.Add(30 * time.Second))
	if _, err := p2.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := p2.Session(open.Add(time.Minute)); got != SessionRegular {
		t.Errorf("a minute after the open with Yahoo still saying PRE: got %s, want regular", got)
	}
}

func TestStaleness(t *testing.T) {
	f := newFakeYahoo(t)
	start := ny(t, "2026-06-16 10:00")
	watch(f, start.Add(-30*time.Second))
	cfg := testConfig(t, f, []string{"MP", "TMQ"}, "")
	clock := newClock(start)
	m := NewMetrics(nil)
	m.now = clock.Now
	p := newTestPoller(t, cfg, clock, m, nil, nil)
	ctx := testCtx(t)

	steps := []struct {
		at        time.Duration // after start
		advance   bool          // the fake's quotes move on
		wantStale []string
	}{
		{0, false, nil},
		{5 * time.Minute, false, nil},
		{11 * time.Minute, false, []string{"MP", "TMQ", "REMX"}}, // same quote time for 11 minutes
		{12 * time.Minute, true, nil},
	}
	for _, s := range steps {
		clock.Set(start.Add(s.at))
		if s.advance {
			watch(f, clock.Now().Add(-10*time.Second))
		}
		if _, err := p.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(s.wantStale, p.Stale(clock.Now())); diff != "" {
			t.Errorf("+%s: stale symbols (-want +got):\n%s", s.at, diff)
		}
		for _, sym := range []string{"MP", "TMQ"} {
			want := 0.0
			if slices.Contains(s.wantStale, sym) {
				want = 1
			}
			if got := gaugeValue(t, m.stale.WithLabelValues(sym)); got != want {
				t.Errorf("+%s: monitord_quote_stale{symbol=%q}: got %v, want %v", s.at, sym, got, want)
			}
		}
	}
	// After the close nothing is stale, however old.
	clock.Set(ny(t, "2026-06-16 21:00"))
	if got := p.Stale(clock.Now()); got != nil {
		t.Errorf("after the close: got stale %v, want none", got)
	}
}

func TestPollHistoryAcrossRestarts(t *testing.T) {
	f := newFakeYahoo(t)
	start := ny(t, "2026-06-16 10:00")
	watch(f, start.Add(-30*time.Second))
	st := openStore(t)
	cfg := testConfig(t, f, []string{"MP"}, "")
	clock := newClock(start)
	m := NewMetrics(nil)
	p := newTestPoller(t, cfg, clock, m, st, nil)
	if _, err := p.Poll(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	pt, ok, err := p.hist.Latest("MP")
	if err != nil || !ok || pt.Price != 58.41 || pt.Source != SourceYahoo || !pt.Time.Equal(start.Add(-30*time.Second)) {
		t.Fatalf("stored point: got %+v %v %v, want MP at 58.41", pt, ok, err)
	}

	// A restart remembers the last quote: the same quote time is not fresh.
	clock.Set(start.Add(11 * time.Minute))
	p2 := newTestPoller(t, cfg, clock, m, st, nil)
	if _, err := p2.Poll(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"MP", "REMX"}, p2.Stale(clock.Now())); diff != "" {
		t.Errorf("stale after restart (-want +got):\n%s", diff)
	}
	if got := p2.Latest(); len(got) != 2 || got[0].Symbol != "MP" {
		t.Errorf("Latest: got %v, want MP and REMX", symbolsOf(got))
	}
}

func TestPollErrors(t *testing.T) {
	f := newFakeYahoo(t)
	cfg := testConfig(t, f, []string{"ZZZZ"}, "")
	p := newTestPoller(t, cfg, newClock(t0), nil, nil, nil)
	res, err := p.Poll(testCtx(t))
	if !errors.Is(err, ErrNoQuotes) || len(res.Errors) != 2 {
		t.Errorf("nothing known: got %v with %d errors, want ErrNoQuotes and 2 errors", err, len(res.Errors))
	}

	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	if _, err := p.Poll(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: got %v, want context.Canceled", err)
	}

	p.running.Lock()
	res, err = p.Poll(testCtx(t))
	p.running.Unlock()
	if err != nil || !res.Skipped {
		t.Errorf("overlapping: got %v skipped=%v, want a skip", err, res.Skipped)
	}
}

func TestFailuresLogOncePerChange(t *testing.T) {
	f := newFakeYahoo(t)
	watch(f, t0)
	f.onQuote = func(w http.ResponseWriter, _ *http.Request) bool {
		w.WriteHeader(429)
		return true
	}
	cfg := testConfig(t, f, []string{"MP", "NOPE"}, "")
	core, logs := observer.New(zapcore.DebugLevel)
	clock := newClock(t0)
	p := newTestPoller(t, cfg, clock, nil, nil, zap.New(core))
	for range 3 {
		p.Poll(testCtx(t))
		clock.Advance(10 * time.Minute) // past each backoff
	}
	warns := map[string]int{}
	for _, e := range logs.FilterLevelExact(zapcore.WarnLevel).All() {
		warns[e.Message]++
	}
	want := map[string]int{"Quote request failed": 1, "No quote for symbol": 1}
	if diff := cmp.Diff(want, warns); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func gaugeValue(t *testing.T, g interface{ Write(*dto.Metric) error }) float64 {
	t.Helper()
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetGauge().GetValue()
}

// TestChartBackoffIsSharedAcrossPollers reproduces the fault of a chart
// request sent a second after the chart host answered 429 (Retry-After: 3,
// backoff 15s): a second poller sharing the process's host budgets (a
// reload's, or the impact engine's chart fills through another poller)
// must not ask the host before the backoff ends.
func TestChartBackoffIsSharedAcrossPollers(t *testing.T) {
	f := newFakeYahoo(t)
	watch(f, t0)
	f.onChart = func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte("Too Many Requests"))
		return true
	}
	cfg := testConfig(t, f, []string{"MP"}, "")
	clock := newClock(t0)
	hosts := upstream.NewHosts(upstream.HostsOptions{Now: clock.Now})
	var pollers []*Poller
	for range 2 {
		p, err := NewPoller(cfg, nil, nil, nil, WithClock(clock.Now), WithHosts(hosts))
		if err != nil {
			t.Fatal(err)
		}
		for _, bo := range p.yahoo.f.backoff {
			bo.jitter = func() float64 { return 0 }
		}
		pollers = append(pollers, p)
	}
	ctx := testCtx(t)
	if _, err := pollers[0].Bars(ctx, "MP", t0.Add(-time.Hour), t0, Interval5m); reasonOf(err) != upstream.ReasonRateLimited {
		t.Fatalf("first chart request: got %v, want rate_limited", err)
	}
	wait, _ := pollers[0].Backend().Backoff(SourceYahooChart)
	if wait != 15*time.Second {
		t.Fatalf("backoff %v, want 15s (half of min_backoff's 30s, jitter 0)", wait)
	}
	for _, after := range []time.Duration{time.Second, 5 * time.Second, 14 * time.Second} {
		clock.Set(t0.Add(after))
		_, err := pollers[1].Bars(ctx, "MP", t0.Add(-time.Hour), t0, Interval5m)
		if !errors.Is(err, ErrBackingOff) {
			t.Errorf("%v later, the other poller: got %v, want ErrBackingOff", after, err)
		}
	}
	if n := f.count("chart"); n != 1 {
		t.Errorf("the chart host got %d requests during the backoff, want 1", n)
	}
	f.onChart = nil
	clock.Set(t0.Add(15 * time.Second))
	if _, err := pollers[1].Bars(ctx, "MP", t0.Add(-time.Hour), t0, Interval5m); err != nil {
		t.Errorf("after the backoff: %v", err)
	}
}

// TestProvidersFollowTheConfiguredChain: quotes.providers orders the
// chain; a provider left out is never asked.
func TestProvidersFollowTheConfiguredChain(t *testing.T) {
	f := newFakeYahoo(t)
	watch(f, t0.Add(-time.Minute))
	cfg := testConfig(t, f, []string{"MP", "TMQ"}, "providers: [yahoo_chart]\n")
	p := newTestPoller(t, cfg, newClock(t0), nil, nil, nil)
	res, err := p.Poll(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"MP/yahoo_chart", "TMQ/yahoo_chart", "REMX/yahoo_chart"}, symbolsOf(res.Quotes)); diff != "" {
		t.Errorf("quotes (-want +got):\n%s", diff)
	}
	for _, route := range []string{"cookie", "crumb", "quote"} {
		if n := f.count(route); n != 0 {
			t.Errorf("%d %s requests, want none: yahoo is not in the chain", n, route)
		}
	}
}

func TestEveryConfiguredProviderIsRegistered(t *testing.T) {
	for _, name := range config.QuoteProviders {
		if providers[name] == nil {
			t.Errorf("config.QuoteProviders names %q, which has no constructor in providers", name)
		}
	}
	if len(providers) != len(config.QuoteProviders) {
		t.Errorf("%d providers registered, config lists %d", len(providers), len(config.QuoteProviders))
	}
}
