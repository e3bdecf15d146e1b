package status_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
	"golang.org/x/net/html"

	"github.com/monitord/monitord/internal/status"
)

// clock is the snapshots' time: a Friday afternoon in New York.
func clock() time.Time { return time.Date(2026, 11, 27, 14, 40, 0, 0, time.FixedZone("EST", -5*3600)) }

func ptr(f float64) *float64 { return &f }

// fixture is a busy snapshot: two tickers (one stale), a story with its
// impact, a failing feed and a failing receiver.
func fixture() status.Snapshot {
	now := clock()
	return status.Snapshot{
		Now: now, Version: "0.4.0", Ready: true,
		Quotes: []status.QuoteRow{
			{Symbol: "MP", Name: "MP Materials", Price: 58.41, ChangePct: 2.65, Volume: 9412337, MarketState: "REGULAR",
				Source: "yahoo", QuoteTime: now.Add(-15 * time.Second), Spark: []float64{56.9, 57.2, 57.0, 58.1, 58.41}},
			{Symbol: "USAR", Name: "USA Rare Earth", Price: 11.02, ChangePct: -1.34, Volume: 1204511, MarketState: "REGULAR",
				Source: "yahoo", QuoteTime: now.Add(-7 * time.Minute), Stale: true, Spark: []float64{11.2, 11.1, 11.02}},
		},
		Stories: []status.StoryRow{{
			Time: now.Add(-40 * time.Minute), Headline: "MP Materials expands NdPr magnet output",
			Link: "https://wire.example.com/news/mp-magnets", Tickers: []string{"MP"}, Terms: []string{"rare_earth"},
			Sources: []string{"wire", "yahoo-news"},
			Impact: []status.ImpactCell{
				{Horizon: "+5m", Move: 0.42, Abnormal: ptr(0.31), Measured: true},
				{Horizon: "+15m", Move: -0.2, Measured: true},
				{Horizon: "+60m"},
			},
		}},
		Sources: []status.SourceRow{
			{Name: "yahoo", Kind: "quotes", LastSuccess: now.Add(-15 * time.Second), NextRun: now.Add(15 * time.Second)},
			{Name: "broken", Kind: "feed", LastSuccess: now.Add(-2 * time.Hour), ConsecutiveFailures: 3,
				LastError: "HTTP 503", NextRun: now.Add(4 * time.Minute)},
		},
		Receivers: []status.ReceiverRow{
			{Name: "desk", Integration: "slack", LastResult: "delivered", LastDelivery: now.Add(-time.Minute)},
			{Name: "hook", Integration: "webhook", QueueDepth: 2, OldestPending: 95 * time.Second,
				LastResult: "HTTP 503, retrying", LastDelivery: now.Add(-10 * time.Second), Failing: true},
		},
	}
}

// serve returns a handler over a fixed snapshot.
func serve(t *testing.T, snap status.Snapshot) http.Handler {
	t.Helper()
	return status.Handler(func(context.Context) (status.Snapshot, error) { return snap, nil },
		status.Options{Logger: zaptest.NewLogger(t)})
}

// request sends one request to h and returns the response and its body.
func request(t *testing.T, h http.Handler, method, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	resp := rec.Result()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// page GETs "/" and parses it.
func page(t *testing.T, snap status.Snapshot) *html.Node {
	t.Helper()
	resp, body := request(t, serve(t, snap), http.MethodGet, "/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d %s", resp.StatusCode, body)
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// findAll returns the elements under n named tag ("" for any) that match.
func findAll(n *html.Node, tag string, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && (tag == "" || d.Data == tag) && (match == nil || match(d)) {
			out = append(out, d)
		}
	}
	return out
}

// byID returns the element with id, failing the test if there is none.
func byID(t *testing.T, doc *html.Node, id string) *html.Node {
	t.Helper()
	els := findAll(doc, "", func(n *html.Node) bool { return attr(n, "id") == id })
	if len(els) != 1 {
		t.Fatalf("got %d elements with id %q, want 1", len(els), id)
	}
	return els[0]
}

// attr is n's attribute key, "" when absent.
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// hasClass reports whether n's class list holds c.
func hasClass(n *html.Node, c string) bool {
	return strings.Contains(" "+attr(n, "class")+" ", " "+c+" ")
}

// text is n's text content (as textContent) with whitespace collapsed.
func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// rows are the body rows of the table with id, each as its cells' texts.
func rows(t *testing.T, doc *html.Node, id string) ([]*html.Node, [][]string) {
	t.Helper()
	trs := findAll(byID(t, doc, id), "tr", func(n *html.Node) bool { return n.Parent.Data == "tbody" })
	cells := make([][]string, len(trs))
	for i, tr := range trs {
		for c := range tr.ChildNodes() {
			if c.Type == html.ElementNode {
				cells[i] = append(cells[i], text(c))
			}
		}
	}
	return trs, cells
}
