package tickers

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/monitord/monitord/internal/upstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestChartQuote(t *testing.T) {
	f := newFakeYahoo(t)
	f.onChart = serveFile(t, 200, "v8-chart-MP-1d.json")
	cfg := testConfig(t, f, []string{"MP"}, "")
	b := newTestBackend(t, cfg, newClock(t0), nil)

	got, err := b.ChartQuote(testCtx(t), "MP")
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	want := Quote{Symbol: "MP", Name: "MP Materials Corp.", Price: 58.41, PreviousClose: 56.9,
		Change: 58.41 - 56.9, ChangeRatio: (58.41 - 56.9) / 56.9, Volume: 9412337, DayHigh: 59.02, DayLow: 56.75,
		FiftyTwoWeekHigh: 79.2, FiftyTwoWeekLow: 18.3, QuoteTime: time.Unix(1781624700, 0), FetchedAt: t0,
		Source: SourceYahooChart, Currency: "USD", Exchange: "NYSE", TimeZone: "America/New_York"}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("quote (-want +got):\n%s", diff)
	}
	if got := f.count("crumb"); got != 0 {
		t.Errorf("got %d crumb requests, want none: the chart needs no crumb", got)
	}
}

func TestChartFailures(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		file    string
		wantErr error
		reason  string
	}{
		{"empty result does not panic", 200, "v8-chart-empty-result.json", ErrNoData, ""},
		{"404 not found", 404, "v8-chart-404-not-found.json", ErrUnknownSymbol, upstream.ReasonNotFound},
		{"error object on 200", 200, "v8-chart-404-not-found.json", ErrUnknownSymbol, upstream.ReasonNotFound},
		{"malformed", 200, "v7-quote-truncated.json", nil, upstream.ReasonParse},
		{"rate limited", 429, "http-429-too-many-requests.txt", nil, upstream.ReasonRateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeYahoo(t)
			f.onChart = serveFile(t, tt.status, tt.file)
			cfg := testConfig(t, f, []string{"MP"}, "")
			b := newTestBackend(t, cfg, newClock(t0), nil)
			_, err := b.ChartQuote(testCtx(t), "ZZZZ")
			if err == nil {
				t.Fatalf("got no error, want one")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("got %v, want %v", err, tt.wantErr)
			}
			if got := reasonOf(err); got != tt.reason {
				t.Errorf("got reason %q (%v), want %q", got, err, tt.reason)
			}
		})
	}
}

func TestBarsSkipNulls(t *testing.T) {
	f := newFakeYahoo(t)
	var query string
	serve := serveFile(t, 200, "v8-chart-MP-1m-nulls.json")
	f.onChart = func(w http.ResponseWriter, r *http.Request) bool {
		query = r.URL.RawQuery
		return serve(w, r)
	}
	cfg := testConfig(t, f, []string{"MP"}, "")
	b := newTestBackend(t, cfg, newClock(t0), nil)
	from, to := time.Unix(1781616600, 0), time.Unix(1781616840, 0)

	got, err := b.Bars(testCtx(t), "MP", from, to, Interval1m)
	if err != nil {
		t.Fatal(err)
	}
	// 13:31 is all nulls and 13:34 has no close (the arrays are short):
	// both are left out rather than becoming zero prices.
	want := []Bar{
		{Time: time.Unix(1781616600, 0), Open: 57.1, High: 57.4, Low: 57.0, Close: 57.21, Volume: 412001},
		{Time: time.Unix(1781616720, 0), Open: 57.12, High: 57.3, Low: 57.05, Close: 57.26, Volume: 98700},
		{Time: time.Unix(1781616780, 0), Open: 57.25, High: 57.3, Low: 57.2, Close: 57.28, Volume: 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bars (-want +got):\n%s", diff)
	}
	for _, p := range []string{"interval=1m", "period1=1781616600", "period2=1781616841", "includePrePost=true"} {
		if !strings.Contains(query, p) {
			t.Errorf("query %q lacks %s", query, p)
		}
	}

	if _, err := b.Bars(testCtx(t), "MP", to, from, Interval1m); err == nil {
		t.Errorf("reversed range: got no error, want one")
	}
	if _, err := b.Bars(testCtx(t), "MP", from, to, "7m"); err == nil {
		t.Errorf("interval 7m: got no error, want one")
	}
	f.mu.Lock()
	f.onChart = serveFile(t, 200, "v8-chart-empty-result.json")
	f.mu.Unlock()
	if got, err := b.Bars(testCtx(t), "MP", from, to, Interval1m); err != nil || len(got) != 0 {
		t.Errorf("empty result: got %v, %v; want no bars and no error", got, err)
	}
}

func TestFinnhubKeyNeverLeaks(t *testing.T) {
	f := newFakeYahoo(t)
	f.set("MP", fakeQuote{price: 58.41, prev: 56.9, at: t0})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f.onFinnhub = func(_ http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Get("symbol") != "SLOW" {
			return false
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
		return true
	}
	extra := "finnhub:\n  base_url: " + f.finnhub.URL + "/finnhub\n  api_key: " + testFinnhubKey + "\n"
	cfg := testConfig(t, f, []string{"MP"}, extra)
	core, logs := observer.New(zapcore.DebugLevel)
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	fetch, err := newFetcher(cfg, m, zap.New(core), newClock(t0).Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	fh := newFinnhub(providerEnv{cfg: cfg, f: fetch}).(*finnhub)
	ctx := testCtx(t)

	q, err := fh.quote(ctx, "MP")
	if err != nil || q.Price != 58.41 || q.Source != SourceFinnhub || q.PreviousClose != 56.9 {
		t.Fatalf("got %+v, %v; want MP at 58.41 from finnhub", q, err)
	}
	if _, err := fh.quote(ctx, "ZZZZ"); !errors.Is(err, ErrNoData) {
		t.Errorf("unknown symbol: got %v, want ErrNoData", err)
	}

	var errs []error
	fetch.timeout = 300 * time.Millisecond
	_, err = fh.quote(ctx, "SLOW")
	errs = append(errs, err)
	fetch.backoff[SourceFinnhub].succeed() // the timeout paused the source and its host
	fetch.hosts.Resume(fh.base)
	bad := *fh
	bad.key = "wrong-" + testFinnhubKey
	_, err = bad.quote(ctx, "MP")
	errs = append(errs, err)
	for _, err := range errs {
		if err == nil {
			t.Fatalf("got no error, want one")
		}
		if strings.Contains(err.Error(), testFinnhubKey) {
			t.Errorf("error %q contains the API key", err)
		}
	}
	for _, e := range logs.All() {
		var buf bytes.Buffer
		buf.WriteString(e.Message)
		for _, fld := range e.Context {
			buf.WriteString(" " + fld.String)
			if fld.Interface != nil {
				if err, ok := fld.Interface.(error); ok {
					buf.WriteString(" " + err.Error())
				}
			}
		}
		if strings.Contains(buf.String(), testFinnhubKey) {
			t.Errorf("log entry %q contains the API key", buf.String())
		}
	}
	var out bytes.Buffer
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		out.WriteString(mf.String())
	}
	if strings.Contains(out.String(), testFinnhubKey) {
		t.Errorf("metrics contain the API key")
	}
	if got := testutil.ToFloat64(m.requestErrors.WithLabelValues(SourceFinnhub, upstream.ReasonUnauthorized)); got != 1 {
		t.Errorf("finnhub unauthorized errors: got %v, want 1", got)
	}
}

func TestRoute(t *testing.T) {
	tests := []struct{ in, source, path string }{
		{"/v7/finance/quote", SourceYahoo, "/v7/finance/quote"},
		{"v8/finance/chart/MP", SourceYahooChart, "/v8/finance/chart/MP"}, // finance-go's chart path has no slash
		{"//v8/finance/chart/UCU.V", SourceYahooChart, "/v8/finance/chart/UCU.V"},
	}
	for _, tt := range tests {
		source, path := route(tt.in)
		if source != tt.source || path != tt.path {
			t.Errorf("route(%q): got %q %q, want %q %q", tt.in, source, path, tt.source, tt.path)
		}
	}
}
