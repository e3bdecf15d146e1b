package scale

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/monitord/monitord/internal/app"
	"github.com/monitord/monitord/internal/testupstream"
)

// TestChaos runs the daemon in-process while upstreams misbehave: one feed
// per chaos mode (stall, reset, truncated body, cut XML, 10 MB with and
// without a length, 429 storm, alternating 500s), Yahoo behind a front
// that storms 429s, then alternates 500s, then resets connections, and a
// webhook receiver failing every third request. Healthy feeds carry
// headlines throughout and a price moves during the Yahoo storm.
//
// Afterwards: every healthy feed kept its schedule and never failed, each
// misbehaviour was counted under its reason, every headline and the price
// move were delivered exactly once per alert id, the heap came back near
// where it was before the chaos, and once the daemon stops no goroutine is
// left behind.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon through about 20 s of chaos")
	}
	// The fetch error reason each misbehaviour must be counted under.
	chaosReasons := map[string]string{
		testupstream.ChaosStall:       "timeout",
		testupstream.ChaosReset:       "network",
		testupstream.ChaosTruncate:    "network",
		testupstream.ChaosCut:         "parse",
		testupstream.ChaosHuge:        "too_large",
		testupstream.ChaosHugeChunked: "too_large",
		testupstream.Chaos429:         "rate_limited",
		testupstream.ChaosFlaky:       "server_error",
	}
	leaks := goleak.IgnoreCurrent()
	yahoo := testupstream.New()
	farm := testupstream.NewFeedFarm(testupstream.FarmOptions{Feeds: 4, Items: 20})
	good := []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>` +
		strings.Repeat(`<item><title>Ordinary news item about quarterly results</title><guid>x</guid></item>`, 20) +
		`</channel></rss>`)
	chaos := testupstream.NewChaos(good, yahoo.URL)
	chaos.Calm(true) // until the warm-up is over
	sink := testupstream.NewSink()
	closeAll := func() {
		chaos.Close()
		farm.Close()
		yahoo.Close()
		sink.Close()
	}
	const symbols = 5
	for i := range symbols {
		yahoo.SetPrice(symbol(i), basePrice(i))
	}

	var cfg strings.Builder
	front := chaos.FrontURL()
	fmt.Fprintf(&cfg, `global:
  user_agent: "monitord-chaos/1.0 (ops@example.com)"
quotes:
  schedule: "@every 1s"
  market_hours_only: false
  timeout: 5s
  min_backoff: 1s
  max_backoff: 2s
  yahoo:
    base_url: %s
    chart_url: %s
    cookie_url: %s/cookie
    request_timeout: 1s
news:
  schedule: "@every 1s"
  timeout: 1s
  host_rate_limit: 100
  host_burst: 20
impact:
  benchmark: ""
keywords:
  rare_earth:
    any: ["rare earth"]
rules:
  - name: rare-earth-news
    type: news
    keywords: [rare_earth]
    receivers: [sink]
  - name: big-move
    type: price
    change_pct: 5
    receivers: [sink]
receivers:
  - name: sink
    webhook:
      url: %s
tickers:
`, front, front, front, sink.URL)
	for i := range symbols {
		fmt.Fprintf(&cfg, "  - {symbol: %s, name: %q, aliases: [%q]}\n", symbol(i), company(i), company(i))
	}
	cfg.WriteString("feeds:\n")
	for i := range 4 {
		fmt.Fprintf(&cfg, "  - {name: healthy-%d, url: %q}\n", i, farm.FeedURL(i))
	}
	for _, mode := range testupstream.ChaosModes() {
		fmt.Fprintf(&cfg, "  - {name: chaos-%s, url: %q}\n", mode, chaos.FeedURL(mode, "feed"))
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "monitord.yml")
	if err := os.WriteFile(file, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(app.Options{ConfigFile: file, StoragePath: filepath.Join(dir, "data"),
		ListenAddresses: []string{"127.0.0.1:0"}, ShutdownGrace: 10 * time.Second,
		Logger: zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))})
	if err != nil {
		closeAll()
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, nil) }()
	stopped := false
	stopDaemon := func() {
		if stopped {
			return
		}
		stopped = true
		stop()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(time.Minute):
			t.Error("Run did not return within a minute of the cancel")
		}
	}
	t.Cleanup(func() {
		stopDaemon()
		closeAll()
	})

	// Warm up, calm: every feed primed (asked twice), quotes in. Then the
	// baseline heap.
	waitFor(t, "every feed to be primed", func() bool {
		for i := range 4 {
			if farm.FeedRequests(i) < 2 {
				return false
			}
		}
		for _, mode := range testupstream.ChaosModes() {
			if chaos.Count("/chaos/"+mode+"/feed") < 2 {
				return false
			}
		}
		return yahoo.Requests["quote"].Load() > 0
	})
	baseline := heapAfterGC()
	chaos.Calm(false)

	// Chaos: about ten seconds of it, a headline into a healthy feed each
	// second, a price move while Yahoo storms.
	sink.FailEvery(3)
	healthyBefore := make([]int, 4)
	for i := range healthyBefore {
		healthyBefore[i] = farm.FeedRequests(i)
	}
	var titles []string
	phases := []string{testupstream.Chaos429, testupstream.Chaos429, testupstream.Chaos429,
		testupstream.ChaosFlaky, testupstream.ChaosFlaky, testupstream.ChaosFlaky,
		testupstream.ChaosReset, testupstream.ChaosReset, testupstream.ChaosStall, testupstream.ChaosStall}
	chaosStart := time.Now()
	for n, mode := range phases {
		chaos.SetFront(mode)
		if n == 1 {
			yahoo.SetPrice(symbol(1), movedPrice(1, 8))
		}
		title := fmt.Sprintf("%s signs rare earth offtake deal (chaos %d)", company(n%symbols), n)
		farm.Inject(n%4, title)
		titles = append(titles, title)
		time.Sleep(time.Second)
	}
	chaos.SetFront(testupstream.ChaosNone)
	chaos.Calm(true)
	chaosTime := time.Since(chaosStart)

	// Recovery: every alert arrives.
	ok := sink.Wait(time.Minute, func(ds []testupstream.Delivery) bool {
		for _, title := range titles {
			if len(newsFor(ds, title)) == 0 {
				return false
			}
		}
		return slices.ContainsFunc(ds, func(d testupstream.Delivery) bool {
			return d.Kind == "price" && slices.Contains(d.Symbols, symbol(1))
		})
	})
	if !ok {
		t.Fatalf("not every alert arrived; got %+v", sink.Deliveries())
	}
	sink.FailEvery(0)

	// Healthy feeds kept their schedule: a poll a second, of which we
	// ask a third to allow for a loaded machine.
	polls := make([]int, 4)
	for i := range 4 {
		got := farm.FeedRequests(i) - healthyBefore[i]
		polls[i] = got
		if want := int(chaosTime.Seconds() / 3); got < want {
			t.Errorf("healthy-%d: %d polls during %v of chaos, want at least %d", i, got, chaosTime.Round(time.Second), want)
		}
	}
	t.Logf("healthy feeds polled %v times during %v of chaos", polls, chaosTime.Round(time.Millisecond))
	// The memory the chaos used is given back: the 10 MB bodies, the
	// stalled requests, the retries. (Requests begun before the calm end
	// within the feeds' 1 s timeout.)
	time.Sleep(3 * time.Second)
	after := heapAfterGC()
	t.Logf("heap after GC: %.1f MB before the chaos, %.1f MB after", mib(baseline), mib(after))
	if after > baseline+4<<20 {
		t.Errorf("heap after GC grew from %.1f MB to %.1f MB across the chaos", mib(baseline), mib(after))
	}

	mfs, err := a.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	errorsBy := map[string]float64{}
	failing := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			switch mf.GetName() {
			case "monitord_feed_fetch_errors_total":
				errorsBy[l["feed"]+"/"+l["reason"]] += m.GetCounter().GetValue()
			case "monitord_feed_consecutive_failures":
				failing[l["feed"]] = m.GetGauge().GetValue()
			}
		}
	}
	for i := range 4 {
		if n := failing[fmt.Sprintf("healthy-%d", i)]; n != 0 {
			t.Errorf("healthy-%d: %v consecutive failures, want 0", i, n)
		}
	}
	for mode, reason := range chaosReasons {
		if errorsBy["chaos-"+mode+"/"+reason] == 0 {
			var got []string
			for k, v := range errorsBy {
				if strings.HasPrefix(k, "chaos-"+mode+"/") && v > 0 {
					got = append(got, k)
				}
			}
			t.Errorf("chaos-%s: no fetch error counted as %q (got %v)", mode, reason, got)
		}
	}

	// Exactly once per id, every headline under one id, one price alert.
	ds := sink.Deliveries()
	perID := map[string]int{}
	for _, d := range ds {
		perID[d.ID]++
	}
	for id, n := range perID {
		if n != 1 {
			t.Errorf("alert %s delivered %d times, want once", id, n)
		}
	}
	for _, title := range titles {
		ids := map[string]bool{}
		for _, d := range newsFor(ds, title) {
			ids[d.ID] = true
		}
		if len(ids) != 1 {
			t.Errorf("headline %q in %d alerts, want 1", title, len(ids))
		}
	}
	var priceIDs []string
	for _, d := range ds {
		if d.Kind == "price" {
			priceIDs = append(priceIDs, d.Status+" "+strings.Join(d.Symbols, ","))
		}
	}
	if !slices.Equal(priceIDs, []string{"firing " + symbol(1)}) {
		t.Errorf("price alerts %v, want one firing for %s", priceIDs, symbol(1))
	}

	// Stop everything: nothing may be left running.
	stopDaemon()
	closeAll()
	goleak.VerifyNone(t, leaks)
}

// heapAfterGC is the live heap after two collections (the second frees
// what finalizers released in the first).
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
