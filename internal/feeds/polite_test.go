package feeds

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestEDGARPoliteness polls an EDGAR per-CIK feed for 25 companies through
// www.sec.gov (routed to the fake server) and checks, on the fake clock,
// that no second ever carries more than ten requests and that every request
// declares the contact User-Agent.
func TestEDGARPoliteness(t *testing.T) {
	h := newHarness(t)
	target, _ := url.Parse(h.server.srv.URL)
	h.client = &http.Client{Transport: rewriteTransport{target: target}}

	var tickers strings.Builder
	for i := range 25 {
		fmt.Fprintf(&tickers, "  - {symbol: T%02d, cik: \"%010d\"}\n", i, 1000+i)
		h.server.set(fmt.Sprintf("/cgi-bin/browse-edgar?action=getcompany&CIK=%010d&type=8-K&output=atom", 1000+i),
			reply{body: readTestdata(t, "edgar-mp-8k.atom")})
	}
	const ua = "Example Research ops@example.com"
	cfg, err := loadConfig(`
global:
  user_agent: "` + ua + `"
tickers:
` + tickers.String() + `
feeds:
  - name: edgar-8k
    type: edgar
    url: "https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&CIK={{.CIK}}&type=8-K&output=atom"
    per_ticker: true
`)
	if err != nil {
		t.Fatal(err)
	}
	src := h.source(h.service(cfg), "edgar-8k")
	h.poll(src)

	reqs := h.server.recorded()
	if len(reqs) != 25 {
		t.Fatalf("got %d requests, want 25 (one per CIK)", len(reqs))
	}
	for i, r := range reqs {
		if got := r.header.Get("User-Agent"); got != ua {
			t.Errorf("request %d: User-Agent %q, want %q", i, got, ua)
		}
		// Ten requests a second in total: request i+10 comes a full second
		// after request i, or later.
		if i >= 10 {
			if gap := r.at.Sub(reqs[i-10].at); gap < time.Second {
				t.Errorf("requests %d and %d only %v apart: more than 10 in a second", i-10, i, gap)
			}
		}
	}
	if span := reqs[24].at.Sub(reqs[0].at); span < 2400*time.Millisecond {
		t.Errorf("25 requests in %v: faster than 10 a second", span)
	}
}

func TestPolitenessKey(t *testing.T) {
	tests := []struct {
		url, key string
		limit    float64
	}{
		{"https://www.sec.gov/cgi-bin/browse-edgar?CIK=1", "sec.gov", 10},
		{"https://data.sec.gov/submissions/CIK0001801368.json", "sec.gov", 10},
		{"https://efts.sec.gov/LATEST/search-index?q=x", "sec.gov", 10},
		{"https://notsec.gov.example.com/", "notsec.gov.example.com", 1},
		{"https://Query2.Finance.Yahoo.com/v1/finance/search", "query2.finance.yahoo.com", 1},
	}
	for _, tt := range tests {
		key, limit, _ := politenessKey(tt.url)
		if key != tt.key || float64(limit) != tt.limit {
			t.Errorf("politenessKey(%q) = %q, %v; want %q, %v", tt.url, key, limit, tt.key, tt.limit)
		}
	}
}

func TestHostLimiterSharedAcrossSources(t *testing.T) {
	clock := newFakeClock()
	var at []time.Duration
	l := newHostLimiter(clock.Now, clock.Sleep)
	for _, u := range []string{
		"https://www.sec.gov/a", "https://data.sec.gov/b", "https://www.sec.gov/c",
		"https://feeds.example.com/x", "https://www.sec.gov/d",
	} {
		if err := l.Wait(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		at = append(at, clock.Now().Sub(testStart))
	}
	// SEC hosts share one bucket (100ms apart); another host is not held up.
	want := []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}
	if diff := cmp.Diff(want, at); diff != "" {
		t.Errorf("wait times (-want +got):\n%s", diff)
	}
}

func TestHostLimiterCancel(t *testing.T) {
	clock := newFakeClock()
	l := newHostLimiter(clock.Now, func(context.Context, time.Duration) error { return context.Canceled })
	l.Wait(context.Background(), "https://www.sec.gov/a")
	if err := l.Wait(context.Background(), "https://www.sec.gov/b"); err == nil {
		t.Fatal("want the sleep's error")
	}
}

func TestEDGARDisabledWithoutContact(t *testing.T) {
	h := newHarness(t)
	text := strings.Replace(testConfigHead, "monitord-test/1.0 (ops@example.com)", "monitord-test/1.0", 1) + `
feeds:
  - name: edgar-8k
    type: edgar
    url: "https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany&CIK={{.CIK}}&type=8-K&output=atom"
    per_ticker: true
  - name: desk
    url: "https://desk.example.com/feed"
`
	cfg, err := loadConfig(text)
	if err != nil {
		t.Fatal(err)
	}
	svc := h.service(cfg)
	var names []string
	for _, s := range svc.Sources() {
		names = append(names, s.Name())
	}
	if diff := cmp.Diff([]string{"desk"}, names); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	logs := h.logs.FilterMessageSnippet("EDGAR feed disabled").All()
	if len(logs) != 1 || logs[0].ContextMap()["feed"] != "edgar-8k" {
		t.Errorf("got logs %+v, want one Info naming edgar-8k", logs)
	}
}

func TestBackoffDelay(t *testing.T) {
	tests := []struct {
		n          int
		retryAfter time.Duration
		jitter     float64
		want       time.Duration
	}{
		{1, 0, 0.5, time.Minute},
		{2, 0, 0.5, 2 * time.Minute},
		{3, 0, 0, 4 * time.Minute * 8 / 10},
		{3, 0, 0.75, 4 * time.Minute * 11 / 10},
		{20, 0, 0.5, time.Hour},
		{1, 10 * time.Minute, 0.5, 10 * time.Minute},
		{1, time.Second, 0.5, time.Minute},
	}
	for _, tt := range tests {
		got := backoffDelay(tt.n, tt.retryAfter, tt.jitter)
		if d := got - tt.want; d < -time.Second || d > time.Second {
			t.Errorf("backoffDelay(%d, %v, %v) = %v, want %v", tt.n, tt.retryAfter, tt.jitter, got, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := testStart
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"999999999", maxRetryAfter},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"soon", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestHostLimiterForgetsIdleHosts(t *testing.T) {
	clock := newFakeClock()
	l := newHostLimiter(clock.Now, clock.Sleep)
	l.Wait(context.Background(), "https://a.example.com/")
	l.Wait(context.Background(), "https://b.example.com/")
	clock.Advance(limiterMaxAge + time.Minute)
	l.Wait(context.Background(), "https://c.example.com/")
	if got := len(l.limiters); got != 1 {
		t.Errorf("%d limiters after a day idle, want only the new host's", got)
	}
}

// TestHostLimiterSetHostLimit: news.host_rate_limit raises the limit of
// ordinary hosts, those already limited included, and never SEC's.
func TestHostLimiterSetHostLimit(t *testing.T) {
	clock := newFakeClock()
	l := newHostLimiter(clock.Now, clock.Sleep)
	wait := func(u string) time.Duration {
		t.Helper()
		start := clock.Now()
		if err := l.Wait(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		return clock.Now().Sub(start)
	}
	wait("https://feeds.example.com/a") // the host now has a limiter
	l.SetHostLimit(100, 1)
	if got, burst := l.HostLimit(); got != 100 || burst != 1 {
		t.Errorf("HostLimit() = %v, %d; want 100, 1", got, burst)
	}
	var got []time.Duration
	for _, u := range []string{"https://feeds.example.com/b", "https://feeds.example.com/c", "https://other.example.com/x",
		"https://other.example.com/y", "https://www.sec.gov/a", "https://www.sec.gov/b"} {
		got = append(got, wait(u))
	}
	want := []time.Duration{0, 10 * time.Millisecond, 0, 10 * time.Millisecond, 0, 100 * time.Millisecond}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	l.SetHostLimit(0, 0) // not positive: unchanged
	if got, burst := l.HostLimit(); got != 100 || burst != 1 {
		t.Errorf("after SetHostLimit(0, 0): HostLimit() = %v, %d; want 100, 1", got, burst)
	}
}
