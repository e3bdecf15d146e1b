package scale

import (
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/testupstream"
)

// envSoak turns on the long soak: 200 cycles instead of the normal suite's
// 20. See docs/PERFORMANCE.md.
//
//	MONITORD_SOAK=1 go test -run '^TestSoak$' -v -timeout 60m ./internal/scale/
const envSoak = "MONITORD_SOAK"

// The soak's world and what each cycle does to it.
const (
	soakFeeds   = 100
	soakSymbols = 50
	soakItems   = 20
	// Each cycle changes every other feed (the even ones in even cycles,
	// which answer 304 otherwise, the odd ones, which the daemon hashes,
	// in odd cycles): soakGenerated new items no rule matches and one
	// headline the news rule takes, so every changed feed ends in a
	// webhook. 250 new stories a cycle, 50 of them alerted.
	soakGenerated = 4
	// soakMoves symbols move 8 % each cycle; the previous cycle's move
	// back, so each cycle fires and resolves price alerts.
	soakMoves = 2
	// soakTolerance is how far above the warm-up's reference heap in use
	// and RSS may go.
	soakTolerance = 0.10
)

// soakSample is the daemon's memory after one cycle, measured after a GC
// that returned its free pages to the OS (see instrument).
type soakSample struct {
	cycle      int
	heapInuse  uint64
	rss        int64
	anon, file int64
	goroutines int
	storeBytes int64 // size of the store's file
	// took is the cycle's wall time, cpu the daemon's CPU in it (user and
	// system, the readings' GCs included), cpuTotal its CPU so far.
	took, cpu, cpuTotal time.Duration
}

// TestSoak runs the daemon in a child process for many cycles, each with
// new headlines on many feeds and a few price moves, and after each one
// reads its heap in use and its RSS. After the warm-up (the first quarter
// of the cycles, at least five), both must stay within 10 % of where the
// warm-up ended: a daemon that keeps something of every story, alert or
// poll grows by a little every cycle and fails. The curve is logged, and
// shown when it fails.
//
// It asserts no time: a loaded machine makes cycles slower, not the test
// fail.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a daemon through 20 cycles of news and price moves")
	}
	cycles := 20
	if os.Getenv(envSoak) != "" {
		cycles = 200
	}
	warm := max(5, cycles/4)

	w := newWorld(t, setup{symbols: soakSymbols, feeds: soakFeeds, items: soakItems, feedEvery: "1s", quoteEvery: "1s",
		hostRate: 1000, hostBurst: 100})
	if os.Getenv(envProfile) == "" {
		// The heap profiler's table of sampled allocation stacks grows
		// with every new stack it meets and is never freed: 1.6 MB after
		// 25 cycles, 1.9 MB after 200, a growth of its own in the
		// anonymous RSS early on. Without it, what grows is the daemon's.
		w.env = []string{"GODEBUG=" + strings.TrimPrefix(os.Getenv("GODEBUG")+",memprofilerate=0", ",")}
	}
	d := w.start()
	waitFor(t, "every feed to be primed", func() bool {
		for i := range soakFeeds {
			if w.farm.FeedRequests(i) < 2 {
				return false
			}
		}
		return w.yahoo.Requests["quote"].Load() > 0
	})

	samples := make([]soakSample, 0, cycles)
	var back []int // the symbols the previous cycle moved
	cpu := d.proc().cpu
	for c := range cycles {
		began := time.Now()
		h0 := len(w.sink.Deliveries())
		moved := make([]int, soakMoves)
		for k := range moved {
			moved[k] = (c*soakMoves + k) % soakSymbols
			w.yahoo.SetPrice(symbol(moved[k]), movedPrice(moved[k], 8))
		}
		for _, i := range back {
			w.yahoo.SetPrice(symbol(i), basePrice(i))
		}
		titles := map[string]bool{}
		for f := c % 2; f < soakFeeds; f += 2 {
			w.farm.Advance(soakGenerated, f)
			// A company per feed, shifting each cycle: the stories tag
			// tickers and open impact windows.
			title := headline((c+f)%soakSymbols, fmt.Sprintf("soak %d/%d", c, f))
			w.farm.Inject(f, title)
			titles[title] = true
		}

		ok := w.sink.Wait(2*time.Minute, func(all []testupstream.Delivery) bool {
			return soakHandled(all[h0:], titles, moved, back)
		})
		if !ok {
			t.Fatalf("cycle %d: the webhooks of its %d headlines, %d price moves and %d returns did not all arrive within 2 minutes\n%s",
				c, len(titles), len(moved), len(back), d.logTail())
		}
		back = moved

		s := soakMeasure(d, w.farm)
		s.cycle, s.took = c+1, time.Since(began)
		s.cpu, cpu = s.cpuTotal-cpu, s.cpuTotal
		if fi, err := os.Stat(filepath.Join(w.dir, "data", store.FileName)); err == nil {
			s.storeBytes = fi.Size()
		}
		samples = append(samples, s)
	}
	if err := d.stop(); err != nil {
		t.Errorf("daemon did not stop cleanly: %v\n%s", err, d.logTail())
	}

	heap := make([]float64, len(samples))
	anon := make([]float64, len(samples))
	rss := make([]float64, len(samples))
	for i, s := range samples {
		heap[i], anon[i], rss[i] = float64(s.heapInuse), float64(s.anon), float64(s.rss)
	}
	curve := soakCurve(samples, warm)
	t.Logf("soak (%d cycles, %d feeds of %d items @every 1s, %d symbols @every 1s; each cycle changes %d feeds with %d new stories, %d of them alerted, and moves %d prices):\n%s%s",
		cycles, soakFeeds, soakItems, soakSymbols, soakFeeds/2, soakFeeds/2*(soakGenerated+1), soakFeeds/2, soakMoves, curve,
		soakSummary(warm, map[string][]float64{"heap in use": heap, "anonymous RSS": anon, "RSS with mapped files (not checked)": rss}))
	// RSS is checked without its mapped files: they are the binary and the
	// store, whose pages the daemon touches as the store grows with what
	// it keeps for days (the seen-set, matched stories, quote history,
	// impact windows). That is the store's size, not memory the daemon
	// holds; the kernel takes those pages back when it needs them.
	checks := []struct {
		name string
		vals []float64
	}{{"heap in use", heap}, {"anonymous RSS", anon}}
	if raceEnabled {
		// The race detector's shadow memory and metadata grow with every
		// address and lock the daemon ever used, and are never given back.
		checks = checks[:1]
		t.Log("race detector on: anonymous RSS includes its shadow memory and is not checked; heap in use is")
	}
	for _, m := range checks {
		if ref, over := outgrew(m.vals, warm, soakTolerance); len(over) > 0 {
			t.Errorf("%s grew more than %.0f %% above the %.1f MB where the warm-up ended, in cycles %v (one sample above is tolerated, two in a row are not):\n%s",
				m.name, soakTolerance*100, ref/(1<<20), over, curve)
		}
	}
}

// soakMeasure reads the daemon's memory twice, each time after a GC that
// returns free pages to the OS, and keeps the lower of each figure. The
// daemon never rests: every second it polls a hundred feeds at once, and
// a reading during that burst holds a hundred polls' goroutines, requests
// and bodies. So each reading waits for a pause in the farm's requests
// first, and the lower of two drops what a pause still catches in
// flight; what a leak keeps is in every reading. (A third reading made
// the cycle miss the next poll tick under -race: 40 s instead of 25.)
func soakMeasure(d *daemon, farm *testupstream.FeedFarm) soakSample {
	s := soakSample{heapInuse: math.MaxUint64, rss: math.MaxInt64, anon: math.MaxInt64, file: math.MaxInt64, goroutines: math.MaxInt}
	for range 2 {
		waitPause(farm, 100*time.Millisecond, 5*time.Second)
		ms := d.memstatsAfterGC()
		ps := d.proc()
		s.heapInuse, s.rss = min(s.heapInuse, ms.HeapInuse), min(s.rss, ps.rss)
		s.anon, s.file = min(s.anon, ps.anon), min(s.file, ps.file)
		s.goroutines, s.cpuTotal = min(s.goroutines, ms.Goroutines), ps.cpu
	}
	return s
}

// waitPause returns once the farm has had no request for pause, or after
// at most limit (a machine too loaded to pause gets a reading anyway).
func waitPause(farm *testupstream.FeedFarm, pause, limit time.Duration) {
	deadline := time.Now().Add(limit)
	last, n := time.Now(), farm.Requests.Load()
	for time.Since(last) < pause && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		if m := farm.Requests.Load(); m != n {
			last, n = time.Now(), m
		}
	}
}

// soakHandled reports whether ds (the deliveries since a cycle began)
// hold a news alert for every title, a firing price alert for every
// symbol in moved and a resolved one for every symbol in back.
func soakHandled(ds []testupstream.Delivery, titles map[string]bool, moved, back []int) bool {
	got := map[string]bool{}
	firing, resolved := map[string]bool{}, map[string]bool{}
	for _, d := range ds {
		switch d.Kind {
		case "news":
			for _, h := range d.Headlines {
				if titles[h] {
					got[h] = true
				}
			}
		case "price":
			for _, s := range d.Symbols {
				if d.Status == "firing" {
					firing[s] = true
				} else {
					resolved[s] = true
				}
			}
		}
	}
	if len(got) < len(titles) {
		return false
	}
	for _, i := range moved {
		if !firing[symbol(i)] {
			return false
		}
	}
	for _, i := range back {
		if !resolved[symbol(i)] {
			return false
		}
	}
	return true
}

// outgrew returns the reference, the highest of the last three warm-up
// samples (the warm-up's own noise is tolerated), and the cycles (1-based)
// after the warm-up whose value and the next one's both exceed it by more
// than tol. A single sample above is one GC that met a poll's body in
// flight; a leak stays above and a steady rise ends above, so both fail.
func outgrew(vals []float64, warm int, tol float64) (ref float64, over []int) {
	for _, v := range vals[max(0, warm-3):warm] {
		ref = max(ref, v)
	}
	limit := ref * (1 + tol)
	for i := warm; i+1 < len(vals); i++ {
		if vals[i] > limit && vals[i+1] > limit {
			over = append(over, i+1)
		}
	}
	return ref, over
}

// soakSummary says, for each series, where the warm-up ended (the
// reference of outgrew) and the highest value after it.
func soakSummary(warm int, series map[string][]float64) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(series)) {
		vals := series[name]
		ref, _ := outgrew(vals, warm, 0)
		top := slices.Max(vals[min(warm, len(vals)-1):])
		fmt.Fprintf(&b, "%s: %.1f MB where the warm-up ended, at most %.1f MB after it (%+.1f %%)\n",
			name, ref/(1<<20), top/(1<<20), (top/ref-1)*100)
	}
	return b.String()
}

// soakCurve renders the samples as a Markdown table: every cycle up to
// 40 of them, else every tenth (and the last cycle of the warm-up).
func soakCurve(ss []soakSample, warm int) string {
	var b strings.Builder
	b.WriteString("| cycle | heap in use MB | RSS MB (anon, file) | goroutines | store file MB | cycle wall | cycle CPU |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, s := range ss {
		if len(ss) > 40 && s.cycle%10 != 0 && s.cycle != 1 && s.cycle != warm {
			continue
		}
		note := ""
		if s.cycle == warm {
			note = " (end of warm-up)"
		}
		fmt.Fprintf(&b, "| %d%s | %.1f | %.1f (%.1f, %.1f) | %d | %.1f | %v | %.2fs |\n", s.cycle, note, mib(s.heapInuse),
			mb(s.rss), mb(s.anon), mb(s.file), s.goroutines, mb(s.storeBytes), s.took.Round(10*time.Millisecond), s.cpu.Seconds())
	}
	return b.String()
}

func TestOutgrew(t *testing.T) {
	for _, tc := range []struct {
		name string
		vals []float64
		want []int
	}{
		{"flat", []float64{10, 11, 10, 10, 10, 10.5, 11, 10.9, 10, 11}, nil},
		{"one spike", []float64{10, 10, 10, 10, 10, 13, 10, 10, 13, 10}, nil},
		{"spike on the last cycle", []float64{10, 10, 10, 10, 10, 10, 10, 10, 10, 13}, nil},
		{"warm-up noise sets the reference", []float64{8, 10, 9, 10, 11, 12, 12, 12, 12, 12}, nil},
		{"steady rise", []float64{10, 10.3, 10.6, 10.9, 11.2, 11.5, 11.8, 12.1, 12.4, 12.7}, []int{9}},
		{"step up and stay", []float64{10, 10, 10, 10, 10, 10, 12, 12, 12, 12}, []int{7, 8, 9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := outgrew(tc.vals, 5, 0.10); !slices.Equal(got, tc.want) {
				t.Errorf("outgrew(%v) = %v, want %v", tc.vals, got, tc.want)
			}
		})
	}
}
