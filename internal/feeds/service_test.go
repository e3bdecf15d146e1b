package feeds

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/feeds/match"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/upstream"
)

func TestWriteStories(t *testing.T) {
	stories := []Story{
		{
			Title:     "MP Materials Announces Record NdPr Oxide Production",
			Published: utc("2026-08-25T11:30:00Z"),
			Tickers:   []string{"MP"},
			Sources:   []SourceRef{{Feed: "globenewswire", First: true}, {Feed: "google-news"}},
			Match: match.Result{Groups: []match.GroupHit{
				{Name: "rare_earth", Terms: []string{"NdPr", "magnet plant"}},
			}},
		},
		{Title: "Stocks making the biggest moves midday", Published: utc("2026-08-25T16:15:02Z"),
			Sources: []SourceRef{{Feed: "yahoo-search", First: true}}},
		{
			Title:              "Lanthanide\trecycling\nbreakthrough",
			Published:          utc("2026-08-26T15:00:00Z"),
			PublishedEstimated: true,
			Sources:            []SourceRef{{Feed: "desk", First: true}},
			Match: match.Result{Groups: []match.GroupHit{
				{Name: "critical_minerals", Terms: []string{"lithium"}},
				{Name: "rare_earth", Terms: []string{"lanthanide"}},
			}},
		},
	}
	var b bytes.Buffer
	if err := WriteStories(&b, stories); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"PUBLISHED          TICKERS  MATCHED                                             HEADLINE                                             SOURCES",
		"2026-08-25 11:30   MP       rare_earth: NdPr, magnet plant                      MP Materials Announces Record NdPr Oxide Production  globenewswire,google-news",
		"~2026-08-26 15:00  -        critical_minerals: lithium; rare_earth: lanthanide  Lanthanide recycling breakthrough                    desk",
		"(1 new headline(s) matched no keyword group)",
		"",
	}, "\n")
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}

	b.Reset()
	WriteStories(&b, nil)
	if got := b.String(); !strings.Contains(got, "(no matched headlines)") {
		t.Errorf("empty output %q", got)
	}
}

func TestPrune(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(`
news:
  seen_retention: 10d
  max_item_age: 7d
feeds:
  - name: desk
    url: "{{srv}}/desk.xml"
`)
	svc := h.service(cfg, func(o *Options) { o.SkipPriming = true })
	h.server.set("/desk.xml", reply{body: rssBody([3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"})})
	h.poll(h.source(svc, "desk"))
	count := func() (n int) {
		h.store.View(func(tx *store.Tx) error {
			for _, b := range []store.BucketName{store.BucketSeen, store.BucketStories} {
				tx.Bucket(b).ForEach(func(_, _ []byte) error { n++; return nil })
			}
			return nil
		})
		return n
	}
	if n := count(); n != 4 { // id, url and story keys, and the story
		t.Fatalf("%d entries after one item, want 4", n)
	}
	h.clock.Advance(9 * 24 * time.Hour)
	if n, err := svc.Prune(); err != nil || n != 0 {
		t.Fatalf("prune within retention: %d, %v", n, err)
	}
	h.clock.Advance(2 * 24 * time.Hour)
	n, err := svc.Prune()
	// The four entries, the URL's fetch state and the story's pending
	// mark (nothing marked it handled here).
	if err != nil || n != 6 {
		t.Fatalf("prune after retention: %d, %v; want 6", n, err)
	}
	if n := count(); n != 0 {
		t.Errorf("%d entries left", n)
	}
}

// TestOnlyMatchedStoriesKept: an unmatched story leaves only its seen-set
// keys, no story record; a matched one keeps its record for a restart's
// re-evaluation and for sources added by other feeds.
func TestOnlyMatchedStoriesKept(t *testing.T) {
	h := newHarness(t)
	svc := h.service(h.config(deskFeed), func(o *Options) { o.SkipPriming = true })
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"},
		[3]string{"a2", "Acme Widgets declares quarterly dividend", "Wed, 26 Aug 2026 10:05:00 GMT"})})
	got := h.poll(h.source(svc, "desk"))
	if len(got) != 2 || !got[0].Matched() || got[1].Matched() {
		t.Fatalf("stories %v, want the matched neodymium one, then the dividend", titles(got))
	}
	var kept []string
	h.store.View(func(tx *store.Tx) error {
		return tx.Bucket(store.BucketStories).ForEach(func(k, _ []byte) error {
			kept = append(kept, string(k))
			return nil
		})
	})
	if diff := cmp.Diff([]string{got[0].ID}, kept); diff != "" {
		t.Errorf("story records (-want +got):\n%s", diff)
	}
}

func TestLongListedItemIsNotForgotten(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(`
news:
  seen_retention: 10d
feeds:
  - name: desk
    url: "{{srv}}/desk.xml"
`)
	svc := h.service(cfg)
	src := h.source(svc, "desk")
	// Undated items: were their id or URL forgotten they would come back
	// as new, since an estimated date is always "now". The second has no
	// guid, so only its URL identifies it.
	body := []byte(strings.Replace(string(rssBody([3]string{"a1", "Evergreen page about rare earth magnets", ""})),
		"</channel>", "<item><title>Another evergreen page on magnets</title><link>https://desk.example.com/evergreen-2</link></item></channel>", 1))
	for day := range 30 {
		// Alternate the body so the hash never short-cuts the seen-set.
		if day%2 == 1 {
			h.server.set("/desk.xml", reply{body: append(append([]byte{}, body...), ' ')})
		} else {
			h.server.set("/desk.xml", reply{body: body})
		}
		if got := h.poll(src); len(got) != 0 {
			t.Fatalf("day %d: re-reported %v", day, titles(got))
		}
		h.clock.Advance(24 * time.Hour)
	}
}

func TestMetricsSurviveReload(t *testing.T) {
	h := newHarness(t)
	h.server.set("/a", reply{body: emptyRSS})
	svc := h.service(h.config(`
feeds:
  - name: a
    url: "{{srv}}/a"
  - name: b
    url: "{{srv}}/b"
`))
	h.poll(h.source(svc, "a"))
	if _, err := h.source(svc, "b").Poll(context.Background()); ReasonOf(err) != upstream.ReasonNotFound {
		t.Fatalf("b: %v, want a 404", err)
	}
	if n := testutil.CollectAndCount(h.metrics.fetchErrors); n != 1 {
		t.Fatalf("%d fetch error series, want b's not_found alone", n)
	}
	// Reload: b is gone, c is new; a's counters carry on.
	svc = h.service(h.config(`
feeds:
  - name: a
    url: "{{srv}}/a"
  - name: c
    url: "{{srv}}/c"
`))
	h.poll(h.source(svc, "a"))
	err := testutil.GatherAndCompare(h.reg, strings.NewReader(`
# HELP monitord_feed_fetches_total Fetches of feed URLs by result (ok, not_modified, unchanged, fresh: not asked, the last answer still fresh by its Cache-Control or Expires; error).
# TYPE monitord_feed_fetches_total counter
monitord_feed_fetches_total{feed="a",result="error"} 0
monitord_feed_fetches_total{feed="a",result="fresh"} 0
monitord_feed_fetches_total{feed="a",result="not_modified"} 0
monitord_feed_fetches_total{feed="a",result="ok"} 1
monitord_feed_fetches_total{feed="a",result="unchanged"} 1
monitord_feed_fetches_total{feed="c",result="error"} 0
monitord_feed_fetches_total{feed="c",result="fresh"} 0
monitord_feed_fetches_total{feed="c",result="not_modified"} 0
monitord_feed_fetches_total{feed="c",result="ok"} 0
monitord_feed_fetches_total{feed="c",result="unchanged"} 0
`), "monitord_feed_fetches_total")
	if err != nil {
		t.Error(err)
	}
	// Errors by reason and responses by code appear with their first
	// occurrence and go with their feed.
	if n := testutil.CollectAndCount(h.metrics.fetchErrors); n != 0 {
		t.Errorf("%d fetch error series after b was removed, want none", n)
	}
	err = testutil.GatherAndCompare(h.reg, strings.NewReader(`
# HELP monitord_feed_http_responses_total HTTP responses from feed servers by status: 304, 403, 404 and 429 by code, the rest by class (2xx, 3xx, 4xx, 5xx).
# TYPE monitord_feed_http_responses_total counter
monitord_feed_http_responses_total{code="2xx",feed="a"} 2
`), "monitord_feed_http_responses_total")
	if err != nil {
		t.Error(err)
	}
}

func TestNewLogsNothingForHealthyConfig(t *testing.T) {
	h := newHarness(t)
	h.service(h.config(deskFeed))
	for _, e := range h.logs.All() {
		if e.Level > 0 { // above Info
			t.Errorf("unexpected log %q", e.Message)
		}
	}
}

// TestNewsWindowsValidated checks the news section's cross-field rules in
// internal/config/feeds.go, which exist for this package's seen-set.
func TestNewsWindowsValidated(t *testing.T) {
	_, err := loadConfig(`
news:
  seen_retention: 3d
  max_item_age: 7d
  dedup_window: 4d
`)
	var got []string
	for _, p := range config.Problems(err) {
		got = append(got, p.String())
	}
	want := []string{
		"line 3: news.seen_retention: must be at least news.max_item_age (1w), or items forgotten while still young enough would be reported again",
		"line 5: news.dedup_window: must not exceed news.seen_retention (3d)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
