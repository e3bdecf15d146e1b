package impact

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/tickers"
)

func TestOnStoriesOpensOneWindowPerStoryAndTicker(t *testing.T) {
	d := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	h := newHarness(t, testConfig())

	both := story("s1", "MP Materials and USA Rare Earth sign magnet deal", d("10:00"), "MP", "USAR")
	unmatched := story("s2", "MP Materials to present at conference", d("10:01"), "MP")
	unmatched.Match.Groups = nil
	noTicker := story("s3", "China tightens rare earth export controls", d("10:02"))
	estimated := story("s4", "NioCorp NdPr update", d("10:03"), "UUUU")
	estimated.PublishedEstimated = true
	future := story("s5", "Energy Fuels magnet plant", d("10:30"), "UUUU")
	future.FirstSeen = d("10:04").UTC() // the source's clock is ahead
	h.stories(d("10:05"), both, unmatched, noTicker, estimated, future)
	// The same stories again (another source, a restart): nothing new.
	h.restart()
	h.stories(d("10:06"), both, estimated)

	var got []string
	for _, ev := range h.events("") {
		for _, im := range ev.Impacts {
			got = append(got, ev.ID+" "+im.Ticker+" "+ev.Time.In(newYork).Format("15:04:05")+" "+map[bool]string{true: "estimated", false: "published"}[ev.TimeEstimated])
		}
	}
	// Newest first; s2 matched no keyword group and s3 concerns no ticker.
	want := []string{
		"s5 UUUU 10:04:00 estimated", // first seen: the published time is later
		"s4 UUUU 10:03:30 estimated", // first seen: the published time is estimated
		"s1 MP 10:00:00 published",
		"s1 USAR 10:00:00 published",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("windows (-want +got):\n%s", diff)
	}
	if got := testutil.ToFloat64(h.m.stories.WithLabelValues("MP")); got != 1 {
		t.Errorf("stories measured on MP: got %v, want 1", got)
	}
}

func TestTickerThatIsTheBenchmark(t *testing.T) {
	d := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	cfg := testConfig()
	cfg.Tickers = append(cfg.Tickers, config.Ticker{Symbol: "REMX"})
	h := newHarness(t, cfg)
	h.poll(d("09:59:20"), q("REMX", 50, d("09:59:15")))
	h.stories(d("10:00:30"), story("s1", "Rare earth ETF inflows hit record", d("10:00"), "REMX"))
	h.poll(d("10:05:20"), q("REMX", 51, d("10:05:15")))
	got := summary(h.events("")[0].Impacts[0])[2]
	if want := "5m measured 51.0000 history at=06-16 10:05 move=+2.0000"; got != want {
		t.Errorf("got %q, want %q (no benchmark against itself)", got, want)
	}
}

func TestPruneByRetention(t *testing.T) {
	d := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	cfg := testConfig(impactRule("news-impact", 3, 30*time.Minute))
	cfg.Impact.Retention = config.Duration(48 * time.Hour)
	h := newHarness(t, cfg)
	h.session(d, "10:10", map[string]steps{"MP": {{d("09:00"), 20}, {d("10:05"), 22}}, "REMX": {{d("09:00"), 50}}})
	h.stories(ny(t, "2026-06-17 10:00"), story("s2", "MP Materials second story", ny(t, "2026-06-17 10:00"), "MP"))
	if n := len(h.alerts.sent); n != 1 {
		t.Fatalf("got %d follow-ups, want 1", n)
	}

	h.tick(ny(t, "2026-06-18 11:00")) // s1 is 49h old
	var ids []string
	for _, ev := range h.events("") {
		ids = append(ids, ev.ID)
	}
	if diff := cmp.Diff([]string{"s2"}, ids); diff != "" {
		t.Errorf("events after pruning (-want +got):\n%s", diff)
	}
	keys := map[string]int{}
	err := h.st.View(func(tx *store.Tx) error {
		root := tx.Bucket(store.BucketImpact)
		for _, b := range [][]byte{bucketWindows, bucketIndex, bucketPending, bucketFired, bucketCooldown} {
			keys[string(b)] = 0
			if err := root.Bucket(b).ForEach(func(_, _ []byte) error { keys[string(b)]++; return nil }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"windows": 1, "index": 1, "pending": 0, "fired": 0, "cooldown": 0}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("keys left (-want +got):\n%s", diff)
	}
	// A story older than the retention is not opened at all.
	h.stories(ny(t, "2026-06-18 11:01"), story("s0", "Old news", d("09:00"), "MP"))
	if n := len(h.events("")); n != 1 {
		t.Errorf("got %d events, want 1", n)
	}
}

func TestConcurrentUse(t *testing.T) {
	d := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	h := newHarness(t, testConfig(impactRule("news-impact", 3, 30*time.Minute)))
	h.clock.Set(d("10:30"))
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 10 {
				at := d("10:00").Add(time.Duration(i*10+j) * time.Second)
				s := story(string(rune('a'+i))+string(rune('a'+j)), "MP Materials story", at, "MP", "USAR")
				if err := h.eng.OnStories(ctx, []feeds.Story{s}); err != nil {
					t.Error(err)
				}
				qs := []tickers.Quote{q("MP", 20+float64(j), at), q("REMX", 50, at)}
				for k := range qs {
					qs[k].FetchedAt = at
				}
				if err := h.hist.Append(qs...); err != nil {
					t.Error(err)
				}
				if err := h.eng.OnQuotes(ctx, tickers.Result{Quotes: qs}); err != nil {
					t.Error(err)
				}
				if err := h.eng.Tick(ctx, at); err != nil {
					t.Error(err)
				}
				if _, err := h.eng.Rows(time.Time{}, "MP", 5); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := len(h.events("")); n != 40 {
		t.Errorf("got %d events, want 40", n)
	}
}
