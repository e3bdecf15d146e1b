package feeds

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/monitord/monitord/internal/feeds/match"
)

// TestNewStoryAsPolled: a story built by NewStory from an item's raw
// fields is the story a poll of the feed reports for the same entry: the
// same id, text, canonical URL, dates, tickers and match.
func TestNewStoryAsPolled(t *testing.T) {
	type entry struct {
		guid, title, summary, link, pubDate string
		published                           time.Time
	}
	entries := []entry{
		{"n1", "MP Materials &amp; partners lift &lt;b&gt;NdPr&lt;/b&gt; output", "Record quarter at Mountain Pass.",
			"https://desk.example.com/n1?utm_source=rss", "Wed, 26 Aug 2026 14:10:00 GMT", utc("2026-08-26T14:10:00Z")},
		// Too short to fold by title: the id comes from the canonical URL.
		{"n2", "Press release", "Trilogy Metals files an update.",
			"https://desk.example.com/n2?utm_medium=feed", "Wed, 26 Aug 2026 14:20:00 GMT", utc("2026-08-26T14:20:00Z")},
		// A date in the future: the first-seen time stands in for it.
		{"n3", "Neodymium prices climb", "", "https://desk.example.com/n3", "Thu, 27 Aug 2026 14:20:00 GMT",
			utc("2026-08-27T14:20:00Z")},
	}
	var body strings.Builder
	body.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Desk</title>`)
	for _, e := range entries {
		fmt.Fprintf(&body, `<item><guid isPermaLink="false">%s</guid><title>%s</title><description>%s</description><link>%s</link><pubDate>%s</pubDate></item>`,
			e.guid, e.title, e.summary, e.link, e.pubDate)
	}
	body.WriteString(`</channel></rss>`)

	h := newHarness(t)
	cfg := h.config(`
feeds:
  - name: desk
    url: "{{srv}}/desk.xml"
    tickers: [MP]
`)
	svc := h.service(cfg, func(o *Options) { o.SkipPriming = true })
	h.server.set("/desk.xml", reply{body: []byte(body.String())})
	polled := h.poll(h.source(svc, "desk"))
	if len(polled) != len(entries) {
		t.Fatalf("got %d stories, want %d", len(polled), len(entries))
	}
	m, err := match.New(cfg.Keywords, cfg.Tickers)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		title := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(e.title)
		it := Item{Feed: "desk", ID: e.guid, Title: title, Summary: e.summary, Link: e.link,
			Published: e.published, Tickers: []string{"MP"}}
		got := NewStory(it, testStart, m)
		if diff := cmp.Diff(polled[i], got); diff != "" {
			t.Errorf("%s: NewStory differs from the polled story (-polled +NewStory):\n%s", e.guid, diff)
		}
	}
	if polled[0].ID != storyID("title:"+fingerprint("MP Materials & partners lift NdPr output")) {
		t.Errorf("story id %s is not the headline's", polled[0].ID)
	}
}
