package status_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/monitord/monitord/internal/status"
)

func TestWatchlist(t *testing.T) {
	doc := page(t, fixture())
	trs, cells := rows(t, doc, "quote-table")
	if len(trs) != 2 {
		t.Fatalf("got %d watchlist rows, want 2", len(trs))
	}
	want := [][]string{
		{"MP MP Materials", "58.41", "▲ +2.65%", "", "9,412,337", "open", "yahoo", "15s ago"},
		{"USAR USA Rare Earth", "11.02", "▼ -1.34%", "", "1,204,511", "open", "yahoo", "7m ago stale"},
	}
	for i := range want {
		if !slices.Equal(cells[i], want[i]) {
			t.Errorf("row %d: got %q, want %q", i, cells[i], want[i])
		}
	}
	// The change's colour backs its sign; the arrow is hidden from readers.
	change := func(tr int) *html.Node { return findAll(trs[tr], "td", nil)[1] }
	if !hasClass(change(0), "up") || !hasClass(change(1), "down") {
		t.Error("change cells lack the up/down classes")
	}
	for _, span := range findAll(change(0), "span", nil) {
		if attr(span, "aria-hidden") != "true" {
			t.Error("the change arrow is not aria-hidden")
		}
	}
	// Only the stale quote is flagged, by class and in words.
	if hasClass(trs[0], "stale") || !hasClass(trs[1], "stale") {
		t.Errorf("stale classes: MP %q, USAR %q", attr(trs[0], "class"), attr(trs[1], "class"))
	}
	if got := text(findAll(doc, "p", func(n *html.Node) bool { return hasClass(n, "alert") })[0]); !strings.Contains(got, "1 stale quote") {
		t.Errorf("summary: got %q, want it to count the stale quote", got)
	}
}

func TestWatchlistWithoutQuoteYet(t *testing.T) {
	snap := status.Snapshot{Now: clock(), Quotes: []status.QuoteRow{{Symbol: "CRML"}}}
	_, cells := rows(t, page(t, snap), "quote-table")
	if want := []string{"CRML", "—", "—", "", "—", "—", "—", "—"}; !slices.Equal(cells[0], want) {
		t.Errorf("got %q, want %q", cells[0], want)
	}
}

func TestStories(t *testing.T) {
	snap := fixture()
	now := clock()
	snap.Stories = append(snap.Stories,
		status.StoryRow{Time: now.Add(-26 * time.Hour), Headline: "Older story", Tickers: []string{"LAC"}, Sources: []string{"edgar"}},
		status.StoryRow{Time: now.Add(-5 * time.Minute), Headline: "Newest: MP and USAR sign magnet pact", AfterHours: true,
			Link: "http://wire.example.com/pact?a=1&b=2", Tickers: []string{"MP", "USAR"}, Terms: []string{"magnet", "NdPr"},
			Sources: []string{"yahoo-news"}, Impact: []status.ImpactCell{
				{Symbol: "MP", Horizon: "+5m", Move: 1.5, Measured: true},
				{Symbol: "USAR", Horizon: "+5m", Move: -0.75, Abnormal: ptr(-0.5), Measured: true},
				{Symbol: "MP", Horizon: "next open"},
			}})
	doc := page(t, snap)
	var heads []string
	for _, th := range findAll(byID(t, doc, "story-table"), "th", func(n *html.Node) bool { return attr(n, "scope") == "col" }) {
		heads = append(heads, text(th))
	}
	if want := []string{"Time", "Headline", "Tickers", "Matched terms", "Sources", "+5m", "+15m", "+60m", "next open"}; !slices.Equal(heads, want) {
		t.Errorf("story columns: got %q, want %q", heads, want)
	}
	trs, cells := rows(t, doc, "story-table")
	want := [][]string{
		{"14:35 after hours", "Newest: MP and USAR sign magnet pact", "MP, USAR", "magnet, NdPr", "yahoo-news first",
			"MP +1.50% USAR -0.75% abnormal -0.50%", "—", "—", "MP —"},
		{"14:00", "MP Materials expands NdPr magnet output", "MP", "rare_earth", "wire first, yahoo-news",
			"+0.42% abnormal +0.31%", "-0.20%", "—", "—"},
		{"Nov 26 12:40", "Older story", "LAC", "", "edgar first", "—", "—", "—", "—"},
	}
	if len(cells) != len(want) {
		t.Fatalf("got %d story rows, want %d", len(cells), len(want))
	}
	for i := range want {
		if !slices.Equal(cells[i], want[i]) {
			t.Errorf("story %d:\n got %q\nwant %q", i, cells[i], want[i])
		}
	}
	links := findAll(trs[0], "a", nil)
	if len(links) != 1 || attr(links[0], "href") != "http://wire.example.com/pact?a=1&b=2" || attr(links[0], "rel") != "noopener noreferrer" {
		t.Errorf("story link: got %v", links)
	}
	if n := len(findAll(trs[2], "a", nil)); n != 0 {
		t.Errorf("a story without a link has %d links", n)
	}
}

func TestSourcesAndReceivers(t *testing.T) {
	doc := page(t, fixture())
	trs, cells := rows(t, doc, "source-table")
	want := [][]string{
		{"yahoo", "quotes", "ok", "15s ago", "0", "—", "in 15s"},
		{"broken", "feed", "failing", "2h 00m ago", "3", "HTTP 503", "in 4m"},
	}
	for i := range want {
		if !slices.Equal(cells[i], want[i]) {
			t.Errorf("source %d: got %q, want %q", i, cells[i], want[i])
		}
	}
	if hasClass(trs[0], "failing") || !hasClass(trs[1], "failing") {
		t.Error("only the failing source should be flagged")
	}
	trs, cells = rows(t, doc, "receiver-table")
	want = [][]string{
		{"desk", "slack", "0", "—", "delivered", "1m ago"},
		{"hook", "webhook", "2", "1m", "failing HTTP 503, retrying", "10s ago"},
	}
	for i := range want {
		if !slices.Equal(cells[i], want[i]) {
			t.Errorf("receiver %d: got %q, want %q", i, cells[i], want[i])
		}
	}
	if hasClass(trs[0], "failing") || !hasClass(trs[1], "failing") {
		t.Error("only the failing receiver should be flagged")
	}
	summary := text(findAll(doc, "p", func(n *html.Node) bool { return hasClass(n, "alert") })[0])
	if !strings.Contains(summary, "1 failing source") || !strings.Contains(summary, "1 failing receiver") {
		t.Errorf("summary: got %q", summary)
	}
}

func TestNeverSucceededSource(t *testing.T) {
	snap := status.Snapshot{Now: clock(), Sources: []status.SourceRow{
		{Name: "edgar", Kind: "feed", ConsecutiveFailures: 1, LastError: "timeout", NextRun: clock().Add(-time.Second)},
	}}
	_, cells := rows(t, page(t, snap), "source-table")
	if want := []string{"edgar", "feed", "failing", "never", "1", "timeout", "due"}; !slices.Equal(cells[0], want) {
		t.Errorf("got %q, want %q", cells[0], want)
	}
}

// TestFirstMinutes covers the page before anything has worked: why there
// are no prices, a source never polled successfully (not "ok"), a feed
// disabled and why, and a failure's cause in words.
func TestFirstMinutes(t *testing.T) {
	snap := status.Snapshot{Now: clock(), Ready: true,
		Quotes:     []status.QuoteRow{{Symbol: "MP", Name: "MP Materials"}},
		MarketNote: "The market is closed; the next regular session opens Mon 7 Dec 09:30 EST, and quotes are polled then.",
		Sources: []status.SourceRow{
			{Name: "quotes", Kind: "quotes", Note: "market closed", NextRun: clock().Add(time.Minute)},
			{Name: "edgar-8k", Kind: "feed", Disabled: "SEC EDGAR requires a contact e-mail in the User-Agent: set global.user_agent"},
			{Name: "desk", Kind: "feed", ConsecutiveFailures: 2, LastError: "connection refused"},
		},
		Leads: []status.LeadRow{{Feed: "wire", Stories: 3, First: 2, MedianLag: 90 * time.Second}, {Feed: "desk", Stories: 1, First: 1}},
	}
	doc := page(t, snap)
	if got := text(findAll(doc, "p", func(n *html.Node) bool { return attr(n, "id") == "market-note" })[0]); !strings.Contains(got, "next regular session opens Mon 7 Dec 09:30 EST") {
		t.Errorf("market note: %q", got)
	}
	_, cells := rows(t, doc, "source-table")
	want := [][]string{
		{"quotes", "quotes", "waiting", "never", "0", "market closed", "in 1m"},
		{"edgar-8k", "feed", "disabled", "never", "0", "SEC EDGAR requires a contact e-mail in the User-Agent: set global.user_agent", "—"},
		{"desk", "feed", "failing", "never", "2", "connection refused", "—"},
	}
	for i := range want {
		if !slices.Equal(cells[i], want[i]) {
			t.Errorf("source %d: got %q, want %q", i, cells[i], want[i])
		}
	}
	_, cells = rows(t, doc, "lead-table")
	if want := [][]string{{"wire", "3", "2", "+1m"}, {"desk", "1", "1", "—"}}; !slices.EqualFunc(cells, want, slices.Equal) {
		t.Errorf("who is first: got %q, want %q", cells, want)
	}
}

// TestStoreWriteBanner: while writes to the state database fail (a full
// disk), the page says so at the top, with since when and why; the
// banner is gone once they succeed.
func TestStoreWriteBanner(t *testing.T) {
	snap := fixture()
	if banners := findAll(page(t, snap), "p", func(n *html.Node) bool { return attr(n, "id") == "store-write" }); len(banners) != 0 {
		t.Fatalf("a banner while writes succeed: %q", text(banners[0]))
	}
	snap.StoreWriteError = "write data/monitord.db: no space left on device"
	snap.StoreWriteErrorSince = snap.Now.Add(-3 * time.Minute)
	banners := findAll(page(t, snap), "p", func(n *html.Node) bool { return attr(n, "id") == "store-write" })
	if len(banners) != 1 {
		t.Fatalf("got %d banners, want 1", len(banners))
	}
	got := text(banners[0])
	for _, want := range []string{"Writes to the state database fail", "3m ago", "no space left on device"} {
		if !strings.Contains(got, want) {
			t.Errorf("banner %q lacks %q", got, want)
		}
	}
	if attr(banners[0], "role") != "alert" {
		t.Error("the banner is not role=alert")
	}
}
