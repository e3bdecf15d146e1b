//go:build unix

package status_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/monitord/monitord/internal/apptest"
	"github.com/monitord/monitord/internal/clocktest"
	"github.com/monitord/monitord/internal/testupstream"
)

// e2eConfig watches two tickers on the fake Yahoo at any hour and polls a
// matching wire and a broken feed every second.
const e2eConfig = `
tickers:
  - symbol: MP
    name: MP Materials
  - symbol: USAR
    name: USA Rare Earth
quotes:
  schedule: "@every 1h"
  market_hours_only: false
  yahoo:
    base_url: UPSTREAM
    chart_url: UPSTREAM
    cookie_url: UPSTREAM/cookie
impact:
  benchmark: ""
keywords:
  rare_earth:
    any: ["rare earth", "NdPr", "magnet"]
feeds:
  - name: wire
    url: UPSTREAM/feeds/wire
    schedule: "@every 1s"
  - name: broken
    url: UPSTREAM/feeds/broken
    schedule: "@every 1s"
`

const e2eHeadline = "MP Materials expands NdPr magnet output at Fort Worth (NYSE: MP)"

// wireFeed is an RSS feed with an unrelated item and, if withStory, the
// matching one, published at pub.
func wireFeed(withStory bool, pub time.Time) string {
	story := ""
	if withStory {
		story = fmt.Sprintf(`<item><title>%s</title><link>https://wire.example.com/news/mp-magnets</link>
<guid isPermaLink="false">wire-0001</guid><pubDate>%s</pubDate>
<description>The rare earth producer said its magnet plant reached a new milestone.</description></item>`,
			e2eHeadline, pub.UTC().Format(time.RFC1123Z))
	}
	return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test wire</title>
<link>https://wire.example.com</link><description>test</description>` + story + `
<item><title>City council approves new park budget</title><link>https://wire.example.com/news/park</link>
<guid isPermaLink="false">wire-0002</guid><pubDate>` + pub.Add(-time.Hour).UTC().Format(time.RFC1123Z) + `</pubDate>
<description>Nothing about minerals.</description></item></channel></rss>`
}

// startDaemon runs monitord in-process against up on the clock now and
// returns its base URL; the daemon stops when the test ends.
func startDaemon(t *testing.T, up *testupstream.Server, now func() time.Time) string {
	t.Helper()
	return apptest.Start(t, strings.ReplaceAll(e2eConfig, "UPSTREAM", up.URL), apptest.WithClock(now)).Base
}

// waitFor GETs url until ok accepts the body, failing after timeout.
func waitFor(t *testing.T, url string, timeout time.Duration, what string, ok func(string) bool) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		if resp, err := client.Get(url); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if last = string(b); resp.StatusCode == http.StatusOK && ok(last) {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not seen at %s within %s; last body:\n%.2000s", what, url, timeout, last)
}

// TestDaemonStatusPageInChromium renders the status page of a daemon
// pinned at each of clocktest.Instants in Chromium: the quotes, the story
// and the sources must be there whatever the day and hour, and the page
// must tell the daemon's time, not the machine's.
func TestDaemonStatusPageInChromium(t *testing.T) {
	bin := chromium(t)
	for _, in := range clocktest.Instants(t, time.Now()) {
		t.Run(in.Name, func(t *testing.T) { testDaemonStatusPage(t, bin, in) })
	}
}

func testDaemonStatusPage(t *testing.T, bin string, in clocktest.Instant) {
	now := clocktest.Clock(in.At)
	up := testupstream.New()
	t.Cleanup(up.Close)
	up.SetClock(now)
	up.SetPrice("MP", testupstream.Price{Price: 58.41, PrevClose: 56.9, Volume: 9412337})
	up.SetPrice("USAR", testupstream.Price{Price: 11.02, PrevClose: 11.17, Volume: 1204511})
	up.SetFeed("wire", "application/rss+xml", wireFeed(false, now()), http.StatusOK)
	up.SetFeed("broken", "text/html", "<html>Service Unavailable</html>", http.StatusServiceUnavailable)
	base := startDaemon(t, up, now)

	waitFor(t, base+"/-/ready", 20*time.Second, "readiness", func(string) bool { return true })
	waitFor(t, base+"/", 10*time.Second, "the status page at / (is it wired into the app?)", func(b string) bool {
		return strings.Contains(b, `id="watchlist"`)
	})
	// The first poll of a feed only primes its seen-set; the story must
	// come after it to be reported.
	waitFor(t, base+"/metrics", 30*time.Second, "the wire feed primed", func(b string) bool {
		return strings.Contains(b, `monitord_feed_items_skipped_total{feed="wire",reason="primed"} 1`)
	})
	up.SetFeed("wire", "application/rss+xml", wireFeed(true, now()), http.StatusOK)
	waitFor(t, base+"/", 30*time.Second, "the matched story and both quotes on the page", func(b string) bool {
		return strings.Contains(b, e2eHeadline) && strings.Contains(b, "58.41") && strings.Contains(b, "11.02")
	})

	doc := renderedDOM(t, bin, base+"/")
	ny, err := time.LoadLocation("America/New_York") // global.timezone's default
	if err != nil {
		t.Fatal(err)
	}
	stamps := findAll(doc, "time", nil)
	if day := in.At.In(ny).Format("2006-01-02"); len(stamps) == 0 || !strings.HasPrefix(attr(stamps[0], "datetime"), day) {
		t.Errorf("the page's update time is not on the daemon's day %s: %v", day, stamps)
	}
	_, quotes := rows(t, doc, "quote-table")
	var symbols []string
	for _, r := range quotes {
		symbols = append(symbols, strings.Fields(r[0])[0])
	}
	if strings.Join(symbols, ",") != "MP,USAR" {
		t.Errorf("rendered watchlist tickers: got %v, want MP, USAR", symbols)
	}
	storyRows, stories := rows(t, doc, "story-table")
	found := false
	for i, r := range stories {
		if len(r) < 4 || r[1] != e2eHeadline {
			continue
		}
		found = true
		links := findAll(storyRows[i], "a", nil)
		matched := strings.Contains(r[3], "rare_earth") || strings.Contains(r[3], "NdPr") || strings.Contains(r[3], "magnet")
		if len(links) != 1 || attr(links[0], "href") != "https://wire.example.com/news/mp-magnets" ||
			!strings.Contains(r[2], "MP") || !matched {
			t.Errorf("rendered story row: %q", r)
		}
	}
	if !found {
		t.Errorf("rendered stories lack %q: %q", e2eHeadline, stories)
	}
	sourceRows, sources := rows(t, doc, "source-table")
	// Source names may be qualified ("feed/broken"): match by suffix.
	failing := map[string]bool{}
	for i, r := range sources {
		for _, name := range []string{"wire", "broken"} {
			if strings.HasSuffix(r[0], name) {
				failing[name] = hasClass(sourceRows[i], "failing") && strings.Contains(strings.Join(r, " "), "failing")
			}
		}
	}
	if _, ok := failing["wire"]; !ok || !failing["broken"] || failing["wire"] {
		t.Errorf("rendered sources %q: want broken flagged failing and wire not", sources)
	}

	screenshot(t, bin, base+"/", artifactsDir(t), "status-e2e-"+in.Name+".png", 1280, 1600)
}
