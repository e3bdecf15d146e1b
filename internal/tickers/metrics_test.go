package tickers

import (
	"strings"
	"testing"
	"time"

	"github.com/monitord/monitord/internal/upstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestPollMetrics(t *testing.T) {
	f := newFakeYahoo(t)
	start := ny(t, "2026-06-16 10:00") // 14:00 UTC, 1781618400
	watch(f, start.Add(-30*time.Second))
	cfg := testConfig(t, f, []string{"MP", "ZZZZ"}, "")
	clock := newClock(start)
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	m.now = clock.Now
	p := newTestPoller(t, cfg, clock, m, nil, nil)
	if _, err := p.Poll(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(90 * time.Second)

	want := `
# HELP monitord_quote_change_ratio Change of the last accepted price against the previous close, as a ratio (0.05 is +5%).
# TYPE monitord_quote_change_ratio gauge
monitord_quote_change_ratio{symbol="MP"} 0.026537785588752163
monitord_quote_change_ratio{symbol="REMX"} 0.05
# HELP monitord_quote_price Last accepted regular-session price of the symbol, in its currency.
# TYPE monitord_quote_price gauge
monitord_quote_price{symbol="MP"} 58.41
monitord_quote_price{symbol="REMX"} 52.5
# HELP monitord_quote_source_info Always 1, labelled with the source that served the symbol's last accepted quote.
# TYPE monitord_quote_source_info gauge
monitord_quote_source_info{source="yahoo",symbol="MP"} 1
monitord_quote_source_info{source="yahoo",symbol="REMX"} 1
# HELP monitord_quote_stale 1 while the polled session is open and the symbol had no fresh quote for quotes.stale_after, else 0.
# TYPE monitord_quote_stale gauge
monitord_quote_stale{symbol="MP"} 0
monitord_quote_stale{symbol="REMX"} 0
monitord_quote_stale{symbol="ZZZZ"} 0
# HELP monitord_quote_staleness_seconds Seconds since the symbol last got a fresh quote (one newer than the quote before it).
# TYPE monitord_quote_staleness_seconds gauge
monitord_quote_staleness_seconds{symbol="MP"} 90
monitord_quote_staleness_seconds{symbol="REMX"} 90
# HELP monitord_quote_symbol_errors_total Polls in which the symbol got no quote from any source, by reason.
# TYPE monitord_quote_symbol_errors_total counter
monitord_quote_symbol_errors_total{reason="invalid",symbol="MP"} 0
monitord_quote_symbol_errors_total{reason="invalid",symbol="REMX"} 0
monitord_quote_symbol_errors_total{reason="invalid",symbol="ZZZZ"} 0
monitord_quote_symbol_errors_total{reason="unavailable",symbol="MP"} 0
monitord_quote_symbol_errors_total{reason="unavailable",symbol="REMX"} 0
monitord_quote_symbol_errors_total{reason="unavailable",symbol="ZZZZ"} 0
monitord_quote_symbol_errors_total{reason="unknown_symbol",symbol="MP"} 0
monitord_quote_symbol_errors_total{reason="unknown_symbol",symbol="REMX"} 0
monitord_quote_symbol_errors_total{reason="unknown_symbol",symbol="ZZZZ"} 1
# HELP monitord_quote_timestamp_seconds When the exchange priced the last accepted quote of the symbol, in Unix seconds.
# TYPE monitord_quote_timestamp_seconds gauge
monitord_quote_timestamp_seconds{symbol="MP"} 1.78161837e+09
monitord_quote_timestamp_seconds{symbol="REMX"} 1.78161837e+09
# HELP monitord_quote_volume Regular-session volume of the symbol in the last accepted quote, in shares.
# TYPE monitord_quote_volume gauge
monitord_quote_volume{symbol="MP"} 9.412337e+06
monitord_quote_volume{symbol="REMX"} 301200
# HELP monitord_quote_polls_total Quote polls, by result (success, partial, failed, skipped).
# TYPE monitord_quote_polls_total counter
monitord_quote_polls_total{result="failed"} 0
monitord_quote_polls_total{result="partial"} 1
monitord_quote_polls_total{result="skipped"} 0
monitord_quote_polls_total{result="success"} 0
# HELP monitord_quote_crumb_refreshes_total Yahoo cookie and crumb fetches, by result (success or error).
# TYPE monitord_quote_crumb_refreshes_total counter
monitord_quote_crumb_refreshes_total{result="error"} 0
monitord_quote_crumb_refreshes_total{result="success"} 1
# HELP monitord_quote_backoff_seconds Seconds until the source may be asked again after failures; 0 when it is not backing off.
# TYPE monitord_quote_backoff_seconds gauge
monitord_quote_backoff_seconds{source="finnhub"} 0
monitord_quote_backoff_seconds{source="yahoo"} 0
monitord_quote_backoff_seconds{source="yahoo_chart"} 0
# HELP monitord_quote_last_success_timestamp_seconds When a request to the source last succeeded, in Unix seconds.
# TYPE monitord_quote_last_success_timestamp_seconds gauge
monitord_quote_last_success_timestamp_seconds{source="yahoo"} 1.7816184e+09
`
	names := []string{"monitord_quote_change_ratio", "monitord_quote_price", "monitord_quote_source_info",
		"monitord_quote_stale", "monitord_quote_staleness_seconds", "monitord_quote_symbol_errors_total",
		"monitord_quote_timestamp_seconds", "monitord_quote_volume", "monitord_quote_polls_total",
		"monitord_quote_crumb_refreshes_total", "monitord_quote_backoff_seconds",
		"monitord_quote_last_success_timestamp_seconds"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}

	for _, c := range []struct {
		source, result string
		want           float64
	}{
		{SourceYahoo, "success", 3}, // cookie, crumb, quote
		{SourceYahooChart, "error", 1},
		{SourceYahooChart, "success", 0},
	} {
		if got := testutil.ToFloat64(m.requests.WithLabelValues(c.source, c.result)); got != c.want {
			t.Errorf("requests_total{source=%q,result=%q}: got %v, want %v", c.source, c.result, got, c.want)
		}
	}
	if got := testutil.ToFloat64(m.requestErrors.WithLabelValues(SourceYahooChart, upstream.ReasonNotFound)); got != 1 {
		t.Errorf("request_errors_total{yahoo_chart,not_found}: got %v, want 1", got)
	}
	if got, want := testutil.CollectAndCount(m.requestErrors), len(Sources)*len(reasons); got != want {
		t.Errorf("request_errors_total series: got %d, want %d pre-initialised", got, want)
	}
	if got := testutil.CollectAndCount(m.duration); got != len(Sources) {
		t.Errorf("request_duration_seconds series: got %d, want %d", got, len(Sources))
	}
}

func TestMetricsBackoffAndSourceSwitch(t *testing.T) {
	f := newFakeYahoo(t)
	watch(f, t0)
	f.onQuote = serveFile(t, 429, "http-429-too-many-requests.txt", "Retry-After", "300")
	cfg := testConfig(t, f, []string{"MP"}, "")
	clock := newClock(t0)
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	m.now = clock.Now
	p := newTestPoller(t, cfg, clock, m, nil, nil)
	if _, err := p.Poll(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(100 * time.Second)
	want := `
# HELP monitord_quote_backoff_seconds Seconds until the source may be asked again after failures; 0 when it is not backing off.
# TYPE monitord_quote_backoff_seconds gauge
monitord_quote_backoff_seconds{source="finnhub"} 0
monitord_quote_backoff_seconds{source="yahoo"} 200
monitord_quote_backoff_seconds{source="yahoo_chart"} 0
# HELP monitord_quote_source_info Always 1, labelled with the source that served the symbol's last accepted quote.
# TYPE monitord_quote_source_info gauge
monitord_quote_source_info{source="yahoo_chart",symbol="MP"} 1
monitord_quote_source_info{source="yahoo_chart",symbol="REMX"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "monitord_quote_backoff_seconds", "monitord_quote_source_info"); err != nil {
		t.Error(err)
	}
	if got := testutil.ToFloat64(m.requestErrors.WithLabelValues(SourceYahoo, upstream.ReasonRateLimited)); got != 1 {
		t.Errorf("request_errors_total{yahoo,rate_limited}: got %v, want 1", got)
	}

	// Yahoo recovers: the source switches back and the old series goes.
	f.mu.Lock()
	f.onQuote = nil
	f.mu.Unlock()
	clock.Advance(time.Hour)
	if _, err := p.Poll(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	want = `
# HELP monitord_quote_source_info Always 1, labelled with the source that served the symbol's last accepted quote.
# TYPE monitord_quote_source_info gauge
monitord_quote_source_info{source="yahoo",symbol="MP"} 1
monitord_quote_source_info{source="yahoo",symbol="REMX"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "monitord_quote_source_info"); err != nil {
		t.Error(err)
	}
}

func TestMetricsSurviveReloadAndDropRemovedSymbols(t *testing.T) {
	f := newFakeYahoo(t)
	watch(f, t0)
	clock := newClock(t0)
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	p := newTestPoller(t, testConfig(t, f, []string{"MP", "TMQ"}, ""), clock, m, nil, nil)
	if _, err := p.Poll(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	// The reload: a new Poller on the same Metrics, without TMQ.
	p = newTestPoller(t, testConfig(t, f, []string{"MP"}, ""), clock, m, nil, nil)
	if _, err := p.Poll(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP monitord_quote_price Last accepted regular-session price of the symbol, in its currency.
# TYPE monitord_quote_price gauge
monitord_quote_price{symbol="MP"} 58.41
monitord_quote_price{symbol="REMX"} 52.5
# HELP monitord_quote_polls_total Quote polls, by result (success, partial, failed, skipped).
# TYPE monitord_quote_polls_total counter
monitord_quote_polls_total{result="failed"} 0
monitord_quote_polls_total{result="partial"} 0
monitord_quote_polls_total{result="skipped"} 0
monitord_quote_polls_total{result="success"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "monitord_quote_price", "monitord_quote_polls_total"); err != nil {
		t.Error(err)
	}
	if got := testutil.CollectAndCount(m.symbolErrors); got != 2*len(symbolReasons) {
		t.Errorf("symbol_errors_total series: got %d, want %d (TMQ's deleted)", got, 2*len(symbolReasons))
	}
	if n, err := testutil.GatherAndCount(reg, "monitord_quote_staleness_seconds"); err != nil || n != 2 {
		t.Errorf("staleness series: got %d (%v), want 2", n, err)
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	reg := prometheus.NewRegistry()
	NewMetrics(reg)
	defer func() {
		if recover() == nil {
			t.Errorf("second NewMetrics on one registry: got no panic, want one (create Metrics once)")
		}
	}()
	NewMetrics(reg)
}
