package scale

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/monitord/monitord/internal/testupstream"
)

// setup sizes a run.
type setup struct {
	symbols, feeds, items int
	// feedEvery and quoteEvery are the @every intervals of the feeds and
	// of the quote poll.
	feedEvery, quoteEvery string
	// hostRate and hostBurst set news.host_rate_limit and host_burst:
	// every feed of the farm is on one loopback host.
	hostRate  float64
	hostBurst int
}

// world is the fake outside of a run: Yahoo quoting every symbol, a farm
// of feeds, and a webhook sink.
type world struct {
	t     testing.TB
	s     setup
	dir   string
	yahoo *testupstream.Server
	farm  *testupstream.FeedFarm
	sink  *testupstream.Sink
	// logLevel and env are the daemons' (see daemonSpec).
	logLevel string
	env      []string
}

func symbol(i int) string  { return fmt.Sprintf("S%04d", i) }
func company(i int) string { return fmt.Sprintf("Company %04d Holdings", i) }

// basePrice is symbol i's price before any move: 1 % up on the day, under
// every price rule.
func basePrice(i int) testupstream.Price {
	p := 10 + float64(i%90)
	return testupstream.Price{Price: p * 1.01, PrevClose: p, Volume: int64(100000 + i)}
}

// movedPrice is symbol i's price after a move of pct percent on the day.
func movedPrice(i int, pct float64) testupstream.Price {
	p := basePrice(i)
	p.Price = p.PrevClose * (1 + pct/100)
	return p
}

func newWorld(t testing.TB, s setup) *world {
	t.Helper()
	w := &world{t: t, s: s, dir: t.TempDir()}
	w.yahoo = testupstream.New()
	t.Cleanup(w.yahoo.Close)
	for i := range s.symbols {
		w.yahoo.SetPrice(symbol(i), basePrice(i))
	}
	names := make([]string, s.symbols)
	for i := range names {
		names[i] = company(i)
	}
	w.farm = testupstream.NewFeedFarm(testupstream.FarmOptions{Feeds: s.feeds, Items: s.items, Names: names})
	t.Cleanup(w.farm.Close)
	w.sink = testupstream.NewSink()
	t.Cleanup(w.sink.Close)
	return w
}

// config is the daemon's configuration for the world.
func (w *world) config() string {
	var b strings.Builder
	fmt.Fprintf(&b, `global:
  user_agent: "monitord-scale/1.0 (ops@example.com)"
quotes:
  schedule: "@every %s"
  market_hours_only: false
  min_backoff: 1s
  max_backoff: 5s
%snews:
  schedule: "@every %s"
  host_rate_limit: %g
  host_burst: %d
impact:
  benchmark: ""
keywords:
  rare_earth:
    any: ["rare earth", "NdPr", "dysprosium"]
rules:
  - name: rare-earth-news
    type: news
    keywords: [rare_earth]
    receivers: [sink]
  - name: big-move
    type: price
    change_pct: 5
    receivers: [sink]
  - name: sources-failing
    type: source_health
    failures: 5
    receivers: [sink]
receivers:
  - name: sink
    webhook:
      url: %s
tickers:
`, w.s.quoteEvery, w.yahoo.QuotesYAML(), w.s.feedEvery, w.s.hostRate, w.s.hostBurst, w.sink.URL)
	for i := range w.s.symbols {
		fmt.Fprintf(&b, "  - {symbol: %s, name: %q, aliases: [%q]}\n", symbol(i), company(i), company(i))
	}
	b.WriteString("feeds:\n")
	for i := range w.s.feeds {
		fmt.Fprintf(&b, "  - {name: farm-%04d, url: %q}\n", i, w.farm.FeedURL(i))
	}
	return b.String()
}

// start writes the configuration and starts a daemon on a fresh store.
func (w *world) start() *daemon {
	w.t.Helper()
	file := filepath.Join(w.dir, "monitord.yml")
	if err := os.WriteFile(file, []byte(w.config()), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return startDaemon(w.t, daemonSpec{config: file, storage: filepath.Join(w.dir, "data"), dir: w.dir, logLevel: w.logLevel, env: w.env})
}

// newsFor returns the news deliveries that list title.
func newsFor(ds []testupstream.Delivery, title string) []testupstream.Delivery {
	var out []testupstream.Delivery
	for _, d := range ds {
		if d.Kind != "news" {
			continue
		}
		for _, h := range d.Headlines {
			if h == title {
				out = append(out, d)
				break
			}
		}
	}
	return out
}
