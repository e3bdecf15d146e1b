package feeds

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/monitord/monitord/internal/upstream"
)

const deskFeed = `
feeds:
  - name: desk
    url: "{{srv}}/desk.xml"
`

func TestFirstPollOnlyPrimes(t *testing.T) {
	h := newHarness(t)
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"},
		[3]string{"a2", "Dysprosium contract signed with automaker", "Wed, 26 Aug 2026 11:00:00 GMT"},
	)})
	src := h.source(h.service(h.config(deskFeed)), "desk")

	if got := h.poll(src); len(got) != 0 {
		t.Fatalf("first poll reported %v; want nothing (priming)", titles(got))
	}
	if n := h.logs.FilterMessage("Primed feed").Len(); n != 1 {
		t.Errorf("got %d \"Primed feed\" logs, want 1", n)
	}

	h.clock.Advance(5 * time.Minute)
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"a3", "Rare earth export controls tightened again", "Wed, 26 Aug 2026 15:02:00 GMT"},
		[3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"},
		[3]string{"a2", "Dysprosium contract signed with automaker", "Wed, 26 Aug 2026 11:00:00 GMT"},
	)})
	got := h.poll(src)
	if diff := cmp.Diff([]string{"Rare earth export controls tightened again"}, titles(got)); diff != "" {
		t.Fatalf("second poll (-want +got):\n%s", diff)
	}
	s := got[0]
	if !s.Matched() || s.Match.Groups[0].Name != "rare_earth" {
		t.Errorf("story match = %+v, want rare_earth", s.Match)
	}
	if want := []SourceRef{{Feed: "desk", ID: "a3", Link: "https://desk.example.com/a3?utm_source=rss", Seen: h.clock.Now(), First: true}}; !cmp.Equal(want, s.Sources) {
		t.Errorf("sources: %s", cmp.Diff(want, s.Sources))
	}
	if !s.FirstSeen.Equal(h.clock.Now()) || !s.Published.Equal(utc("2026-08-26T15:02:00Z")) || s.PublishedEstimated {
		t.Errorf("times: first seen %v, published %v (estimated %v)", s.FirstSeen, s.Published, s.PublishedEstimated)
	}
}

func TestSkipPrimingForOnce(t *testing.T) {
	h := newHarness(t)
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"},
		[3]string{"old", "Rare earth embargo of 2010 revisited", "Mon, 12 Jul 2010 09:00:00 GMT"},
	)})
	svc := h.service(h.config(deskFeed), func(o *Options) { o.SkipPriming = true })
	got := h.poll(h.source(svc, "desk"))
	if diff := cmp.Diff([]string{"Neodymium output rises at Texas plant"}, titles(got)); diff != "" {
		t.Errorf("stories (-want +got):\n%s", diff)
	}
}

func TestRestartDoesNotReReport(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(deskFeed)
	first := rssBody([3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"})
	h.server.set("/desk.xml", reply{body: first})
	h.poll(h.source(h.service(cfg), "desk"))
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"a2", "Dysprosium contract signed with automaker", "Wed, 26 Aug 2026 14:00:00 GMT"},
		[3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"},
	)})
	if got := titles(h.poll(h.source(h.service(cfg), "desk"))); len(got) != 1 {
		t.Fatalf("before restart: got %v, want the dysprosium story", got)
	}

	h.restart()
	h.clock.Advance(time.Hour)
	// The same items again, reordered so the body hash differs, plus one new.
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"},
		[3]string{"a2", "Dysprosium contract signed with automaker", "Wed, 26 Aug 2026 14:00:00 GMT"},
		[3]string{"a4", "Terbium prices ease", "Wed, 26 Aug 2026 15:30:00 GMT"},
	)})
	svc := h.service(cfg) // a new service on the reopened store, as after a restart
	if diff := cmp.Diff([]string{"Terbium prices ease"}, titles(h.poll(h.source(svc, "desk")))); diff != "" {
		t.Errorf("after restart (-want +got):\n%s", diff)
	}
	if n := h.logs.FilterMessage("Primed feed").Len(); n != 1 {
		t.Errorf("primed %d times, want once (the primed flag survives restarts)", n)
	}
}

func TestBrokenSourceLeavesOthersRunning(t *testing.T) {
	h := newHarness(t)
	h.server.set("/html", reply{body: readTestdata(t, "odd/html-page.html"), header: map[string]string{"Content-Type": "text/html"}})
	h.server.set("/desk.xml", reply{body: rssBody([3]string{"a1", "Neodymium output rises", "Wed, 26 Aug 2026 10:00:00 GMT"})})
	cfg := h.config(`
feeds:
  - name: broken
    url: "{{srv}}/html"
  - name: desk
    url: "{{srv}}/desk.xml"
`)
	svc := h.service(cfg, func(o *Options) { o.SkipPriming = true })
	_, err := h.source(svc, "broken").Poll(context.Background())
	if ReasonOf(err) != upstream.ReasonNotFeed || !errors.Is(err, ErrNotFeed) {
		t.Fatalf("got %v, want not_feed", err)
	}
	if got := h.poll(h.source(svc, "desk")); len(got) != 1 {
		t.Errorf("healthy source: got %v", titles(got))
	}
	// A broken body is not remembered as "unchanged": the next poll parses
	// it again and fails again.
	_, err = h.source(svc, "broken").Poll(context.Background())
	if ReasonOf(err) != upstream.ReasonNotFeed {
		t.Errorf("second poll: got %v, want not_feed again", err)
	}
	assertCounter(t, h.metrics.fetchErrors.WithLabelValues("broken", upstream.ReasonNotFeed), 2)
}

func TestTooOldAndEstimatedDates(t *testing.T) {
	h := newHarness(t)
	h.server.set("/desk.xml", reply{body: rssBody([3]string{"a0", "Primer story about cerium supply", "Wed, 26 Aug 2026 09:00:00 GMT"})})
	src := h.source(h.service(h.config(deskFeed)), "desk")
	h.poll(src)
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"old", "Rare earth embargo of 2010 revisited", "Mon, 12 Jul 2010 09:00:00 GMT"},
		[3]string{"nodate", "Neodymium magnet plant breaks ground", ""},
		[3]string{"future", "Lanthanide recycling breakthrough announced", "Tue, 15 Sep 2026 09:00:00 GMT"},
	)})
	got := h.poll(src)
	if diff := cmp.Diff([]string{"Neodymium magnet plant breaks ground", "Lanthanide recycling breakthrough announced"}, titles(got)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	for _, s := range got {
		if !s.PublishedEstimated || !s.Published.Equal(h.clock.Now()) {
			t.Errorf("%q: published %v (estimated %v), want first-seen time", s.Title, s.Published, s.PublishedEstimated)
		}
	}
	assertCounter(t, h.metrics.skipped.WithLabelValues("desk", skipTooOld), 1)
}

func TestPerTickerURLs(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(`
feeds:
  - name: by-symbol
    url: "{{srv}}/news?s={{.Symbol}}&n={{.Name}}"
    per_ticker: true
  - name: some
    url: "{{srv}}/news?s={{.Symbol}}"
    per_ticker: true
    tickers: [TMQ]
  - name: by-cik
    type: edgar
    url: "{{srv}}/cgi-bin/browse-edgar?CIK={{.CIK}}"
    per_ticker: true
`)
	svc := h.service(cfg)
	var got []string
	for _, src := range svc.Sources() {
		for _, tg := range src.targets {
			got = append(got, src.Name()+" "+strings.TrimPrefix(tg.url, h.server.srv.URL)+" "+tg.symbol)
		}
	}
	want := []string{
		"by-symbol /news?s=MP&n=MP+Materials MP",
		"by-symbol /news?s=TMQ&n=Trilogy+Metals TMQ",
		"by-symbol /news?s=UURAF&n=Ucore+Rare+Metals UURAF",
		"by-symbol /news?s=LYSCF&n=Lynas+Rare+Earths LYSCF",
		"some /news?s=TMQ TMQ",
		// Tickers without a CIK are skipped by a CIK template.
		"by-cik /cgi-bin/browse-edgar?CIK=0001801368 MP",
		"by-cik /cgi-bin/browse-edgar?CIK=0001543418 TMQ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
}

func TestPerTickerFailureStopsOnlyOnRetryable(t *testing.T) {
	h := newHarness(t)
	body := rssBody([3]string{"a1", "Neodymium output rises", "Wed, 26 Aug 2026 10:00:00 GMT"})
	h.server.set("/news?s=MP", reply{status: http.StatusNotFound})
	h.server.set("/news?s=TMQ", reply{body: body})
	h.server.set("/news?s=UURAF", reply{status: http.StatusServiceUnavailable})
	h.server.set("/news?s=LYSCF", reply{body: body})
	cfg := h.config(`
feeds:
  - name: per
    url: "{{srv}}/news?s={{.Symbol}}"
    per_ticker: true
`)
	_, err := h.source(h.service(cfg), "per").Poll(context.Background())
	if err == nil {
		t.Fatal("want an error")
	}
	var uris []string
	for _, r := range h.server.recorded() {
		uris = append(uris, r.uri)
	}
	// 404 on MP does not stop TMQ; 503 on UURAF stops the feed before LYSCF.
	if diff := cmp.Diff([]string{"/news?s=MP", "/news?s=TMQ", "/news?s=UURAF"}, uris); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if h.feedState("per").BackoffUntil.IsZero() {
		t.Error("no backoff after a 503")
	}
}

// TestPollStreamHandsOnEachURL: a per-ticker feed hands each URL's new
// stories on as soon as that URL is recorded, before the next URL is
// asked, instead of at the end of the round.
func TestPollStreamHandsOnEachURL(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(`
feeds:
  - name: per-ticker
    url: "{{srv}}/t/{{.Symbol}}"
    per_ticker: true
`)
	src := h.source(h.service(cfg), "per-ticker")
	symbols := []string{"MP", "TMQ", "UURAF", "LYSCF"}
	for _, s := range symbols {
		h.server.set("/t/"+s, reply{body: emptyRSS})
	}
	h.poll(src) // primes every URL
	h.clock.Advance(time.Minute)
	asked := len(h.server.recorded())
	for _, s := range symbols {
		h.server.set("/t/"+s, reply{body: rssBody([3]string{"n" + s, "Neodymium output rises at plant " + s, "Wed, 26 Aug 2026 14:50:00 GMT"})})
	}
	var got []string
	err := src.PollStream(context.Background(), func(_ context.Context, stories []Story) {
		// When a URL's stories arrive, only that URL of the round has
		// been asked.
		requests := len(h.server.recorded()) - asked
		for _, st := range stories {
			got = append(got, fmt.Sprintf("%s after %d requests", st.Title, requests))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i, s := range symbols {
		want = append(want, fmt.Sprintf("Neodymium output rises at plant %s after %d requests", s, i+1))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stories as handed on (-want +got):\n%s", diff)
	}
}

// TestBatchFeedAsksForManyTickersAtOnce: a batch_size feed renders its URL
// per chunk of tickers (Yahoo's headline RSS takes s=MP,TMQ), one request
// a chunk; its items carry no ticker of the URL's, so the matcher tags
// them by the names and aliases they mention.
func TestBatchFeedAsksForManyTickersAtOnce(t *testing.T) {
	h := newHarness(t)
	svc := h.service(h.config(`
feeds:
  - name: yahoo-headlines
    url: "{{srv}}/rss?s={{join .Symbols \",\"}}"
    batch_size: 3
`))
	src := h.source(svc, "yahoo-headlines")
	for _, uri := range []string{"/rss?s=MP,TMQ,UURAF", "/rss?s=LYSCF"} {
		h.server.set(uri, reply{body: emptyRSS})
	}
	h.poll(src)
	var asked []string
	for _, r := range h.server.recorded() {
		asked = append(asked, r.uri)
	}
	if diff := cmp.Diff([]string{"/rss?s=MP,TMQ,UURAF", "/rss?s=LYSCF"}, asked); diff != "" {
		t.Fatalf("requests (-want +got):\n%s", diff)
	}
	h.clock.Advance(time.Minute)
	h.server.set("/rss?s=MP,TMQ,UURAF", reply{body: rssBody(
		[3]string{"b1", "Trilogy Metals expands rare earth drilling program", "Wed, 26 Aug 2026 14:40:00 GMT"},
		[3]string{"b2", "Rare earth prices steady", "Wed, 26 Aug 2026 14:45:00 GMT"})})
	var got []string
	for _, s := range h.poll(src) {
		got = append(got, fmt.Sprintf("%s [%s]", s.Title, strings.Join(s.Tickers, ",")))
	}
	want := []string{"Trilogy Metals expands rare earth drilling program [TMQ]", "Rare earth prices steady []"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stories (-want +got):\n%s", diff)
	}
}
