package feeds

import (
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
