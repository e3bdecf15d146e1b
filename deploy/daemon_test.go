package deploy

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/monitord/monitord/internal/app"
	"github.com/monitord/monitord/internal/apptest"
	"github.com/monitord/monitord/internal/testupstream"
)

// daemonConfig is a small but complete configuration: three tickers and a
// benchmark quoted by the fake Yahoo every second, a per-ticker feed and a
// wire feed that work, one that fails, and rules of every kind wired to a
// webhook receiver, so that every subsystem creates its series. Only the
// news rule also pushes to the Alertmanager receiver. UPSTREAM, SINK and ALERTMANAGER are
// replaced by URLs (ALERTMANAGER by SINK unless the test names one).
const daemonConfig = `
tickers:
  - symbol: MP
    name: MP Materials
    aliases: ["MP Materials"]
  - symbol: USAR
    name: USA Rare Earth
  - symbol: LAC
    name: Lithium Americas
quotes:
  schedule: "@every 1s"
  market_hours_only: false
  yahoo:
    base_url: UPSTREAM
    chart_url: UPSTREAM
    cookie_url: UPSTREAM/cookie
news:
  schedule: "@every 1s"
feeds:
  - name: wire
    url: UPSTREAM/feeds/wire
  - name: ticker-news
    url: "UPSTREAM/feeds/ticker-{{.Symbol}}"
    per_ticker: true
  - name: broken
    url: UPSTREAM/feeds/broken
keywords:
  rare_earth:
    any: ["rare earth", "NdPr", "magnet"]
rules:
  - name: big-move
    type: price
    change_pct: 2
    receivers: [archive]
  - name: rare-earth-news
    type: news
    keywords: [rare_earth]
    receivers: [archive, am]
  - name: news-impact
    type: impact
    move_pct: 3
    within: 30m
    receivers: [archive]
  - name: feed-health
    type: source_health
    failures: 3
    receivers: [archive]
receivers:
  - name: archive
    webhook:
      url: SINK/webhook
  - name: am
    alertmanager:
      urls: [ALERTMANAGER]
impact:
  benchmark: REMX
`

// wireRSS is the wire feed as it stands at now: one story, published an
// hour before, which the first poll primes.
func wireRSS(now time.Time) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test wire</title><link>https://wire.example.com</link><description>test</description>
<item><title>MP Materials expands NdPr magnet output at Fort Worth (NYSE: MP)</title>
<link>https://wire.example.com/news/mp-magnets</link><guid isPermaLink="false">wire-0001</guid>
<pubDate>` + now.Add(-time.Hour).UTC().Format(time.RFC1123) + `</pubDate>
<description>The rare earth producer said its magnet plant reached a new milestone.</description></item>
</channel></rss>`
}

// daemon is monitord run in-process against testupstream on loopback.
type daemon struct {
	app  *app.App
	up   *testupstream.Server
	base string // http://127.0.0.1:PORT
	run  *apptest.Daemon
	// now is the daemon's clock, which the fake upstream follows too.
	now func() time.Time
}

// startDaemon runs the whole daemon until the test ends and waits until it
// is ready; alertmanager, when given, is the URL its am receiver pushes to.
func startDaemon(t *testing.T, alertmanager ...string) *daemon {
	t.Helper()
	am := ""
	if len(alertmanager) > 0 {
		am = alertmanager[0]
	}
	return startDaemonAt(t, time.Now, am)
}

// startDaemonAt is startDaemon with the daemon, and the fake upstream, on
// the clock now; an empty alertmanager means the receivers' sink.
func startDaemonAt(t *testing.T, now func() time.Time, alertmanager string) *daemon {
	t.Helper()
	up := testupstream.New()
	t.Cleanup(up.Close)
	up.SetClock(now)
	for sym, p := range map[string]testupstream.Price{
		"MP":   {Price: 58.41, PrevClose: 56.9, Volume: 9412337},
		"USAR": {Price: 12.5, PrevClose: 13.1, Volume: 2100000},
		"LAC":  {Price: 4.02, PrevClose: 4, Volume: 5300000},
		"REMX": {Price: 61.2, PrevClose: 60.8, Volume: 310000},
	} {
		up.SetPrice(sym, p)
	}
	up.SetFeed("wire", "application/rss+xml", wireRSS(now()), http.StatusOK)
	for _, sym := range []string{"MP", "USAR", "LAC"} {
		up.SetFeed("ticker-"+sym, "application/rss+xml", strings.ReplaceAll(wireRSS(now()), "wire-0001", "t-"+sym), http.StatusOK)
	}
	up.SetFeed("broken", "text/html", "<html>Service Unavailable</html>", http.StatusServiceUnavailable)
	// The receivers' endpoint accepts everything (webhook and Alertmanager).
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	t.Cleanup(sink.Close)

	am := cmp.Or(alertmanager, sink.URL)
	cfg := strings.NewReplacer("UPSTREAM", up.URL, "SINK", sink.URL, "ALERTMANAGER", am).Replace(daemonConfig)
	a := apptest.Start(t, cfg, apptest.WithClock(now))
	return &daemon{app: a.App, up: up, base: a.Base, run: a, now: now}
}

func (d *daemon) get(t *testing.T, path string) (int, string) {
	t.Helper()
	return d.run.Get(t, path)
}

// waitFor polls cond for up to a minute: generous, for a loaded machine.
func (d *daemon) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	apptest.WaitFor(t, "daemon: "+what, cond)
}

// polled waits until every ticker has a price and the feeds were fetched,
// and returns the exposition.
func (d *daemon) polled(t *testing.T) string {
	t.Helper()
	var body string
	d.waitFor(t, "first quote and feed polls", func() bool {
		_, body = d.get(t, "/metrics")
		for _, want := range []string{`monitord_quote_price{symbol="MP"}`, `monitord_quote_price{symbol="LAC"}`,
			`monitord_quote_price{symbol="USAR"}`, `monitord_quote_staleness_seconds{symbol="MP"}`} {
			if !strings.Contains(body, want) {
				return false
			}
		}
		return !strings.Contains(body, `monitord_feed_fetches_total{feed="wire",result="ok"} 0`) &&
			!strings.Contains(body, `monitord_feed_fetches_total{feed="broken",result="error"} 0`)
	})
	return body
}

// metricNames are the names a PromQL query can select in an exposition:
// every sample name, so a histogram gives _bucket, _sum and _count.
func metricNames(exposition string) map[string]bool {
	names := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(exposition))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names
}

// exportedNames are the metric names of the daemon's registry after its
// first polls: every sample name of /metrics, and the names of metrics
// registered without a series yet (counters and gauges of rules that
// have not fired, say).
func exportedNames(t *testing.T, d *daemon) map[string]bool {
	t.Helper()
	names := metricNames(d.polled(t))
	for n := range describedNames(d.app.Registry()) {
		// A histogram without observations yet (the impact moves) has no
		// samples; its queryable names are the family's three suffixes.
		for _, suffix := range []string{"", "_bucket", "_sum", "_count"} {
			names[n+suffix] = true
		}
	}
	return names
}

// describedNames are the names of every metric c describes.
func describedNames(c prometheus.Collector) map[string]bool {
	ch := make(chan *prometheus.Desc)
	go func() { // ends when Describe returns
		c.Describe(ch)
		close(ch)
	}()
	names := map[string]bool{}
	for desc := range ch {
		if m := reFQName.FindStringSubmatch(desc.String()); m != nil {
			names[m[1]] = true
		}
	}
	return names
}

// publishStory adds a fresh rare-earth story about MP to the wire feed,
// after its first poll primed the seen-set, and waits until the daemon
// matched it.
func (d *daemon) publishStory(t *testing.T) {
	t.Helper()
	item := fmt.Sprintf(`<item><title>MP Materials signs NdPr magnet offtake with a US automaker</title>
<link>https://wire.example.com/news/mp-offtake</link><guid isPermaLink="false">wire-0002</guid>
<pubDate>%s</pubDate><description>The rare earth producer will supply magnets from 2027.</description></item>
</channel>`, d.now().UTC().Format(time.RFC1123Z))
	d.up.SetFeed("wire", "application/rss+xml", strings.Replace(wireRSS(d.now()), "</channel>", item, 1), http.StatusOK)
	d.waitFor(t, "the new story matched", func() bool {
		_, body := d.get(t, "/metrics")
		return strings.Contains(body, `monitord_feed_matches_total{feed="wire",group="rare_earth"} 1`)
	})
}
