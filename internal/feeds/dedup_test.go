package feeds

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/monitord/monitord/internal/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

// emptyRSS primes a source without giving it any story.
var emptyRSS = []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>empty</title></channel></rss>`)

// TestCrossSourceDedup follows one press release through the wire
// (GlobeNewswire), Google News ("Headline - Publisher", twice, with case and
// punctuation changed), Yahoo's search JSON (re-published) and Yahoo's RSS
// (same article URL with ?.tsrc=rss): one story, with every source listed in
// the order it arrived.
func TestCrossSourceDedup(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(`
feeds:
  - name: globenewswire
    type: globenewswire
    url: "{{srv}}/gnw"
  - name: google-news
    url: "{{srv}}/gn"
  - name: yahoo-search
    type: yahoo_search
    url: "{{srv}}/search?q={{.Symbol}}"
    per_ticker: true
    tickers: [MP]
  - name: yahoo-headlines
    url: "{{srv}}/rss?s={{.Symbol}}"
    per_ticker: true
    tickers: [MP]
`)
	svc := h.service(cfg)
	for _, uri := range []string{"/gnw", "/gn", "/rss?s=MP"} {
		h.server.set(uri, reply{body: emptyRSS})
	}
	h.server.set("/search?q=MP", reply{body: []byte(`{"news":[]}`)})
	for _, src := range svc.Sources() {
		h.poll(src) // prime on empty bodies
	}

	h.clock.Advance(time.Minute)
	h.server.set("/gnw", reply{body: readTestdata(t, "globenewswire-public.xml")})
	h.server.set("/gn", reply{body: readTestdata(t, "google-news-rare-earth.xml")})
	h.server.set("/search?q=MP", reply{body: readTestdata(t, "yahoo-search-mp.json")})
	h.server.set("/rss?s=MP", reply{body: readTestdata(t, "yahoo-headline-mp.xml")})

	const headline = "MP Materials Announces Record NdPr Oxide Production and Magnet Plant Milestone"
	type polled struct {
		feed   string
		titles []string
	}
	var got []polled
	for _, src := range svc.Sources() {
		got = append(got, polled{src.Name(), titles(h.poll(src))})
		h.clock.Advance(time.Minute)
	}
	want := []polled{
		{"globenewswire", []string{headline, "Ucore Commissions RapidSX Demonstration Line in Louisiana", "Acme Widgets Declares Quarterly Dividend"}},
		{"google-news", []string{"Lynas says heavy rare earths separation in Malaysia is on schedule", "Rare earth magnets: why carmakers are stockpiling"}},
		{"yahoo-search", []string{"Trilogy Metals and partner file updated Arctic copper-cobalt plan", "Stocks making the biggest moves midday"}},
		{"yahoo-headlines", []string{"Rare Earth Stocks Jump on Commerce Update"}},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(polled{})); diff != "" {
		t.Fatalf("new stories per source (-want +got):\n%s", diff)
	}

	story := h.storedStory(storyID("title:" + fingerprint(headline)))
	var feeds []string
	for _, s := range story.Sources {
		feeds = append(feeds, s.Feed)
	}
	if diff := cmp.Diff([]string{"globenewswire", "google-news", "yahoo-search", "yahoo-headlines"}, feeds); diff != "" {
		t.Errorf("story sources (-want +got):\n%s", diff)
	}
	if !story.Sources[0].First || story.Sources[1].First {
		t.Errorf("first source not marked: %+v", story.Sources)
	}
	if diff := cmp.Diff([]string{"MP"}, story.Tickers); diff != "" {
		t.Errorf("tickers (-want +got):\n%s", diff)
	}

	// How early each feed had it: the feeds were polled a minute apart.
	var lags []time.Duration
	h.store.View(func(tx *store.Tx) error {
		for _, ref := range Sightings(tx, story.ID) {
			lags = append(lags, ref.Seen.Sub(story.FirstSeen))
		}
		return nil
	})
	if diff := cmp.Diff([]time.Duration{0, time.Minute, 2 * time.Minute, 3 * time.Minute}, lags); diff != "" {
		t.Errorf("sightings after the first (-want +got):\n%s", diff)
	}
	for feed, want := range map[string]float64{"globenewswire": 0, "google-news": 60, "yahoo-search": 120, "yahoo-headlines": 180} {
		if got := histogramSum(t, h.metrics.storyLag, feed); got != want {
			t.Errorf("story lag of %s: sum %v, want %v", feed, got, want)
		}
	}
	leads, err := Leads(h.store, testStart)
	if err != nil {
		t.Fatal(err)
	}
	// Matched stories: the MP headline (all four feeds), two Google News
	// stories of their own, and Yahoo's headline; most had first leads.
	wantLeads := []Lead{
		{Feed: "google-news", Stories: 3, First: 2, MedianLag: time.Minute},
		{Feed: "globenewswire", Stories: 1, First: 1},
		{Feed: "yahoo-headlines", Stories: 2, First: 1, MedianLag: 3 * time.Minute},
		{Feed: "yahoo-search", Stories: 1, First: 0, MedianLag: 2 * time.Minute},
	}
	if diff := cmp.Diff(wantLeads, leads); diff != "" {
		t.Errorf("leads (-want +got):\n%s", diff)
	}

	err = testutil.GatherAndCompare(h.reg, strings.NewReader(`
# HELP monitord_feed_duplicates_total Items recognised as already seen, by the key that matched (id, url, title).
# TYPE monitord_feed_duplicates_total counter
monitord_feed_duplicates_total{feed="globenewswire",kind="id"} 0
monitord_feed_duplicates_total{feed="globenewswire",kind="title"} 0
monitord_feed_duplicates_total{feed="globenewswire",kind="url"} 0
monitord_feed_duplicates_total{feed="google-news",kind="id"} 0
monitord_feed_duplicates_total{feed="google-news",kind="title"} 2
monitord_feed_duplicates_total{feed="google-news",kind="url"} 0
monitord_feed_duplicates_total{feed="yahoo-headlines",kind="id"} 0
monitord_feed_duplicates_total{feed="yahoo-headlines",kind="title"} 0
monitord_feed_duplicates_total{feed="yahoo-headlines",kind="url"} 1
monitord_feed_duplicates_total{feed="yahoo-search",kind="id"} 0
monitord_feed_duplicates_total{feed="yahoo-search",kind="title"} 1
monitord_feed_duplicates_total{feed="yahoo-search",kind="url"} 0
# HELP monitord_feed_new_items_total Items reported as new stories, matched or not.
# TYPE monitord_feed_new_items_total counter
monitord_feed_new_items_total{feed="globenewswire"} 3
monitord_feed_new_items_total{feed="google-news"} 2
monitord_feed_new_items_total{feed="yahoo-headlines"} 1
monitord_feed_new_items_total{feed="yahoo-search"} 2
# HELP monitord_feed_matches_total New stories that matched a keyword group, by feed and group.
# TYPE monitord_feed_matches_total counter
monitord_feed_matches_total{feed="globenewswire",group="critical_minerals"} 0
monitord_feed_matches_total{feed="globenewswire",group="rare_earth"} 1
monitord_feed_matches_total{feed="google-news",group="critical_minerals"} 0
monitord_feed_matches_total{feed="google-news",group="rare_earth"} 2
monitord_feed_matches_total{feed="yahoo-headlines",group="critical_minerals"} 0
monitord_feed_matches_total{feed="yahoo-headlines",group="rare_earth"} 1
monitord_feed_matches_total{feed="yahoo-search",group="critical_minerals"} 0
monitord_feed_matches_total{feed="yahoo-search",group="rare_earth"} 0
`), "monitord_feed_duplicates_total", "monitord_feed_new_items_total", "monitord_feed_matches_total")
	if err != nil {
		t.Error(err)
	}
}

// TestDedupWindow: the same headline after news.dedup_window is news again
// (a recurring headline), and within it is not.
func TestDedupWindow(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(`
news:
  dedup_window: 1h
feeds:
  - name: a
    url: "{{srv}}/a"
  - name: b
    url: "{{srv}}/b"
`)
	svc := h.service(cfg)
	h.server.set("/a", reply{body: emptyRSS})
	h.server.set("/b", reply{body: emptyRSS})
	h.poll(h.source(svc, "a"))
	h.poll(h.source(svc, "b"))

	h.server.set("/a", reply{body: rssBody([3]string{"a1", "Neodymium price index hits record", "Wed, 26 Aug 2026 14:50:00 GMT"})})
	if got := h.poll(h.source(svc, "a")); len(got) != 1 {
		t.Fatalf("source a: %v", titles(got))
	}
	h.clock.Advance(30 * time.Minute)
	h.server.set("/b", reply{body: rssBody([3]string{"b1", "Neodymium Price Index Hits Record", "Wed, 26 Aug 2026 15:20:00 GMT"})})
	if got := h.poll(h.source(svc, "b")); len(got) != 0 {
		t.Fatalf("within the window: %v, want a duplicate", titles(got))
	}
	h.clock.Advance(2 * time.Hour)
	h.server.set("/b", reply{body: rssBody([3]string{"b2", "Neodymium price index hits record", "Wed, 26 Aug 2026 17:20:00 GMT"})})
	if got := h.poll(h.source(svc, "b")); len(got) != 1 {
		t.Fatalf("after the window: %v, want a new story", titles(got))
	}
}

// TestShortTitlesDoNotFold: "Press release" from two wires is not one story.
func TestShortTitlesDoNotFold(t *testing.T) {
	h := newHarness(t)
	svc := h.service(h.config(deskFeed), func(o *Options) { o.SkipPriming = true })
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"p1", "Press release", "Wed, 26 Aug 2026 10:00:00 GMT"},
		[3]string{"p2", "Press release", "Wed, 26 Aug 2026 11:00:00 GMT"},
	)})
	if got := h.poll(h.source(svc, "desk")); len(got) != 2 {
		t.Errorf("got %v, want two stories", titles(got))
	}
}

func TestEDGARFilingsFoldByAccession(t *testing.T) {
	h := newHarness(t)
	h.server.set("/company", reply{body: readTestdata(t, "edgar-mp-8k.atom")})
	cfg := h.config(`
news:
  max_item_age: 60d
  seen_retention: 90d
feeds:
  - name: edgar-company
    type: edgar
    url: "{{srv}}/company"
  - name: edgar-company-copy
    type: edgar
    url: "{{srv}}/company"
`)
	svc := h.service(cfg, func(o *Options) { o.SkipPriming = true })
	got := h.poll(h.source(svc, "edgar-company"))
	if len(got) != 3 {
		t.Fatalf("got %v", titles(got))
	}
	// Every 8-K has the same EDGAR title; filings must not fold by it.
	for _, s := range got {
		if s.Filing == nil || s.Filing.CIK != "0001801368" {
			t.Errorf("%q: filing %+v", s.Title, s.Filing)
		}
		if diff := cmp.Diff([]string{"MP"}, s.Tickers); diff != "" {
			t.Errorf("%q: tickers from the CIK (-want +got):\n%s", s.Title, diff)
		}
	}
	if again := h.poll(h.source(svc, "edgar-company-copy")); len(again) != 0 {
		t.Errorf("second feed re-reported %v", titles(again))
	}
	assertCounter(t, h.metrics.duplicates.WithLabelValues("edgar-company-copy", dupURL), 3)
}

// TestConcurrentPollsReportOnce polls four sources carrying the same press
// release at the same time: whichever commits first reports it, the others
// see a duplicate, and no story is reported twice.
func TestConcurrentPollsReportOnce(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(`
feeds:
  - {name: gnw, type: globenewswire, url: "{{srv}}/gnw"}
  - {name: gn, url: "{{srv}}/gn"}
  - {name: ys, type: yahoo_search, url: "{{srv}}/ys"}
  - {name: yh, url: "{{srv}}/yh"}
`)
	svc := h.service(cfg, func(o *Options) { o.SkipPriming = true })
	h.server.set("/gnw", reply{body: readTestdata(t, "globenewswire-public.xml")})
	h.server.set("/gn", reply{body: readTestdata(t, "google-news-rare-earth.xml")})
	h.server.set("/ys", reply{body: readTestdata(t, "yahoo-search-mp.json")})
	h.server.set("/yh", reply{body: readTestdata(t, "yahoo-headline-mp.xml")})

	results := make(chan []Story, len(svc.Sources()))
	var wg sync.WaitGroup
	for _, src := range svc.Sources() {
		wg.Add(1)
		go func() { // joined by wg.Wait below
			defer wg.Done()
			stories, err := src.Poll(context.Background())
			if err != nil {
				t.Error(err)
			}
			results <- stories
		}()
	}
	wg.Wait()
	close(results)
	seen := map[string]int{}
	for stories := range results {
		for _, s := range stories {
			seen[s.ID]++
		}
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("story %s reported %d times", id, n)
		}
	}
	if len(seen) != 8 {
		t.Errorf("%d distinct stories, want 8", len(seen))
	}
	story := h.storedStory(storyID("title:" + fingerprint("MP Materials Announces Record NdPr Oxide Production and Magnet Plant Milestone")))
	if len(story.Sources) != 4 {
		t.Errorf("sources %+v, want all four feeds", story.Sources)
	}
}

// histogramSum is the sum of feed's observations in h.
func histogramSum(t *testing.T, h *prometheus.HistogramVec, feed string) float64 {
	t.Helper()
	var m dto.Metric
	if err := h.WithLabelValues(feed).(prometheus.Histogram).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleSum()
}

// TestLatestFilingsFilteredByWatchlist: EDGAR's market-wide latest filings
// (one request for every filer) with only_watchlist keep the filings of
// watched CIKs, an 8-K/A among them, and drop the rest, counted.
func TestLatestFilingsFilteredByWatchlist(t *testing.T) {
	h := newHarness(t)
	target, _ := url.Parse(h.server.srv.URL)
	h.client = &http.Client{Transport: rewriteTransport{target: target}}
	const uri = "/cgi-bin/browse-edgar?action=getcurrent&type=8-K&count=100&output=atom"
	h.server.set(uri, reply{body: []byte(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Latest Filings</title></feed>`)})
	svc := h.service(h.config(`
feeds:
  - name: edgar-current
    type: edgar
    url: "https://www.sec.gov` + uri + `"
    only_watchlist: true
`))
	src := h.source(svc, "edgar-current")
	h.poll(src) // primes
	h.clock.Advance(time.Minute)
	h.server.set(uri, reply{body: readTestdata(t, "edgar-getcurrent-8k.atom")})
	var got []string
	for _, s := range h.poll(src) {
		got = append(got, strings.Join(s.Tickers, ",")+" "+s.Title)
	}
	want := []string{
		"TMQ Trilogy Metals Inc. files 8-K/A (items 8.01)",
		"MP MP Materials Corp. / DE files 8-K (items 1.01, 7.01)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stories (-want +got):\n%s", diff)
	}
	// Two entries of filers not watched (one accession, listed twice).
	assertCounter(t, h.metrics.skipped.WithLabelValues("edgar-current", skipNotWatched), 1)
}
