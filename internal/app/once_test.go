package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/monitord/monitord/internal/clocktest"
	"github.com/monitord/monitord/internal/testupstream"
	"github.com/monitord/monitord/internal/tickers"
)

// wireRSS is a wire feed as it stands at now: a matched story published
// 30 minutes before and an unmatched one 2 hours before, so that the daemon's
// age filter, calendar and impact windows see them as recent at any now.
func wireRSS(now time.Time) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test wire</title><link>https://wire.example.com</link><description>test</description>
<item><title>MP Materials expands NdPr magnet output at Fort Worth (NYSE: MP)</title>
<link>https://wire.example.com/news/mp-magnets</link><guid isPermaLink="false">wire-0001</guid>
<pubDate>` + now.Add(-30*time.Minute).UTC().Format(time.RFC1123) + `</pubDate>
<description>The rare earth producer said its magnet plant reached a new milestone.</description></item>
<item><title>City council approves new park budget</title>
<link>https://wire.example.com/news/park</link><guid isPermaLink="false">wire-0002</guid>
<pubDate>` + now.Add(-2*time.Hour).UTC().Format(time.RFC1123) + `</pubDate><description>Nothing about minerals.</description></item>
</channel></rss>`
}

// TestOnce runs `monitord once` with its clock pinned at each of
// clocktest.Instants: the quotes, the matched headline and its impact table
// must be there whatever the day and hour. The story came out 30 minutes
// before the pinned time; its move is measured (+0.0%, the fake's price
// does not change) only when that was in a regular session, else its
// reference is the next open, still ahead.
func TestOnce(t *testing.T) {
	cal, err := tickers.NewCalendar(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range clocktest.Instants(t, time.Now()) {
		t.Run(in.Name, func(t *testing.T) {
			clock := clocktest.Clock(in.At)
			up := testupstream.New()
			defer up.Close()
			up.SetClock(clock)
			up.SetPrice("MP", testupstream.Price{Price: 58.41, PrevClose: 56.9, Volume: 9412337})
			up.SetFeed("wire", "application/rss+xml", wireRSS(clock()), 200)
			up.SetFeed("broken", "text/html", "<html>Service Unavailable</html>", 503)
			cfg := goodConfig + `
keywords:
  rare_earth:
    any: ["rare earth", "NdPr", "magnet"]
feeds:
  - name: wire
    url: UPSTREAM/feeds/wire
  - name: broken
    url: UPSTREAM/feeds/broken
`
			dir := t.TempDir()
			file := filepath.Join(dir, "monitord.yml")
			writeConfig(t, up, file, cfg)
			var out, errOut bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := Once(ctx, Options{ConfigFile: file, StoragePath: filepath.Join(dir, "data"), Logger: zaptest.NewLogger(t),
				Now: clock}, OnceOptions{Out: &out, Err: &errOut})
			if err != nil {
				t.Fatalf("Once: %v\n%s", err, out.String())
			}
			if res != (OnceResult{Sources: 3, Failed: 1}) || res.Summary() != "1 of 3 sources failed" {
				t.Errorf("result %+v (%q), want 3 sources, 1 failed", res, res.Summary())
			}
			// The broken feed's failure, once, short: no URL, no feed
			// name repeated.
			if want := "error: feed/broken: server_error (HTTP 503): server said \"Service Unavailable\"\n"; errOut.String() != want {
				t.Errorf("errors:\n%q\nwant\n%q", errOut.String(), want)
			}
			got := out.String()
			t.Logf("once at %s:\n%s", in.At, got)
			want := []string{"MP", "58.41", "+2.65%", "MP Materials expands NdPr magnet output", "rare_earth",
				"News impact", "REFERENCE"}
			published := in.At.Add(-30 * time.Minute)
			inSession := cal.Session(published) == tickers.SessionRegular
			if inSession {
				want = append(want, "+0.0%")
			}
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			if !inSession && strings.Contains(got, "+0.0%") {
				t.Errorf("a move was measured for a story published at %s, outside the regular session:\n%s", published, got)
			}
			if strings.Contains(got, "park budget") {
				t.Errorf("output lists an unmatched headline:\n%s", got)
			}
			// Once used a scratch store, never the storage path.
			if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
				t.Errorf("once created the storage path (stat: %v)", err)
			}
		})
	}
}

// TestOnceEverySourceFailed: with every source failing, once says so and
// the command exits 1 (see cmd/monitord).
func TestOnceEverySourceFailed(t *testing.T) {
	up := testupstream.New()
	defer up.Close()
	up.SetFeed("broken", "text/html", "<html>down</html>", 503)
	// Yahoo's v7 API at a path that answers 404, and no fallback.
	cfg := strings.Replace(goodConfig, "quotes:\n", "quotes:\n  providers: [yahoo]\n", 1)
	cfg = strings.Replace(cfg, "base_url: UPSTREAM", "base_url: UPSTREAM/down", 1) + `
feeds:
  - name: broken
    url: UPSTREAM/feeds/broken
`
	dir := t.TempDir()
	file := filepath.Join(dir, "monitord.yml")
	writeConfig(t, up, file, cfg)
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Once(ctx, Options{ConfigFile: file, StoragePath: filepath.Join(dir, "data"), Logger: zaptest.NewLogger(t)},
		OnceOptions{Out: &out, Err: &errOut})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary() != "every source failed (2 of 2)" {
		t.Errorf("summary %q, want every source failed (2 of 2)\n%s", res.Summary(), errOut.String())
	}
	if n := strings.Count(errOut.String(), "error: "); n != 2 {
		t.Errorf("%d error lines, want one per source:\n%s", n, errOut.String())
	}
}

// TestOnceRedactsFeedURLs: the errors `monitord once` prints never show a
// failing feed's password or API key (its short form names no URL).
func TestOnceRedactsFeedURLs(t *testing.T) {
	up := testupstream.New()
	defer up.Close()
	up.SetPrice("MP", testupstream.Price{Price: 58.41, PrevClose: 56.9, Volume: 9412337})
	up.SetFeed("broken", "text/html", "<html>Service Unavailable</html>", 503)
	dir := t.TempDir()
	file := filepath.Join(dir, "monitord.yml")
	credentialed := strings.Replace(up.URL, "http://", "http://reader:s3cretPASSWORD@", 1) + "/feeds/broken?apikey=APIKEY123"
	writeConfig(t, up, file, goodConfig+`
feeds:
  - name: broken
    url: "`+credentialed+`"
`)
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := Once(ctx, Options{ConfigFile: file, Logger: zaptest.NewLogger(t)}, OnceOptions{Out: &out}); err != nil {
		t.Fatalf("Once: %v\n%s", err, out.String())
	}
	got := out.String()
	if !strings.Contains(got, "error: feed/broken: server_error (HTTP 503)") {
		t.Errorf("output lacks the feed's error:\n%s", got)
	}
	for _, secret := range []string{"s3cretPASSWORD", "APIKEY123"} {
		if strings.Contains(got, secret) {
			t.Errorf("output shows %q:\n%s", secret, got)
		}
	}
}
