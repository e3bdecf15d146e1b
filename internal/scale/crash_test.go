package scale

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/testupstream"
)

// envCrashSeed replays a crash loop: TestCrashLoop logs the seed it used.
const envCrashSeed = "MONITORD_CRASH_SEED"

// crashScript is what the scripted run expects: a news alert per headline,
// and per symbol a firing alert for its spike and a resolved one for its
// return.
type crashScript struct {
	mu        sync.Mutex
	headlines []string
	spikes    map[string]int
	returns   map[string]int
	lost      []string // what never arrived, for the failure message
}

// TestCrashLoop runs the daemon in a child process and kills it with
// SIGKILL at random moments (half of them just after the farm served a
// new headline, when the story is being recorded and evaluated) at least
// 20 times, restarting it each time, while a script publishes headlines
// and moves prices and waits for each alert. At the end: every expected
// alert arrived (none lost), an alert that arrived twice did so under the
// same id, no headline or price move was announced under two ids, and the
// store, last left by a SIGKILL, opens and passes bbolt's consistency
// check. MONITORD_CRASH_SEED replays a run.
func TestCrashLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the daemon for about a minute")
	}
	seed := runSeed(t, envCrashSeed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))

	const symbols, feeds, steps, minKills = 4, 3, 14, 20
	w := newWorld(t, setup{symbols: symbols, feeds: feeds, items: 10, feedEvery: "1s", quoteEvery: "1s", hostRate: 100, hostBurst: 20})
	w.logLevel = "info" // to count the restarts that found stories left pending
	d := w.start()
	waitFor(t, "every feed to be primed", func() bool {
		for i := range feeds {
			if w.farm.FeedRequests(i) < 2 {
				return false
			}
		}
		return true
	})

	sc := &crashScript{spikes: map[string]int{}, returns: map[string]int{}}
	scriptDone, quit := make(chan struct{}), make(chan struct{})
	served := make(chan string, steps) // guids of published headlines
	go func() {                        // ends when the script has run or the test quits it
		defer close(scriptDone)
		sc.run(w, rng.Int64(), steps, served, quit)
	}()
	t.Cleanup(func() {
		close(quit)
		<-scriptDone
	})

	// Kill and restart until the script is done and there were enough
	// kills; never longer than the bound.
	deadline := time.Now().Add(100 * time.Second)
	kills := 0
	killRNG := rand.New(rand.NewPCG(uint64(seed), 1))
	finished := func() bool {
		select {
		case <-scriptDone:
			return kills >= minKills
		default:
			return false
		}
	}
	for !finished() {
		if time.Now().After(deadline) {
			t.Fatalf("after %d kills the script had not finished within the bound\n%s", kills, d.logTail())
		}
		if killRNG.IntN(2) == 0 {
			// Just after a headline was served: the poll is recording it
			// and the rules are evaluating it.
			select {
			case guid := <-served:
				waitServed(w, guid, 10*time.Second)
				time.Sleep(time.Duration(killRNG.IntN(40)) * time.Millisecond)
			case <-time.After(time.Second):
			}
		} else {
			time.Sleep(100*time.Millisecond + time.Duration(killRNG.IntN(1400))*time.Millisecond)
		}
		d.kill()
		kills++
		d = w.startAgain()
	}
	log, _ := os.ReadFile(d.logFile)
	t.Logf("%d kills; %d restarts found stories a kill had left pending", kills,
		strings.Count(string(log), "Evaluating stories left pending"))
	if len(sc.lost) > 0 {
		t.Errorf("alerts lost: %v", sc.lost)
	}
	// Everything delivered; then one last SIGKILL, and the store must open.
	d.kill()
	st, err := store.Open(filepath.Join(w.dir, "data"), store.Options{LockTimeout: 5 * time.Second}, zap.NewNop())
	if err != nil {
		t.Fatalf("store after SIGKILL: %v", err)
	}
	err = st.Check()
	st.Close()
	if err != nil {
		t.Errorf("store consistency check: %v", err)
	}
	sc.check(t, w)
}

// startAgain starts a daemon on the world's existing store and config.
func (w *world) startAgain() *daemon {
	w.t.Helper()
	return startDaemon(w.t, daemonSpec{config: filepath.Join(w.dir, "monitord.yml"), storage: filepath.Join(w.dir, "data"),
		dir: w.dir, logLevel: w.logLevel})
}

func waitServed(w *world, guid string, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if _, ok := w.farm.InjectedServed(guid); ok {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// run publishes steps headlines and, at odd steps, moves prices: symbol j
// up at the (2j+1)-th step and back two odd steps later, each symbol once
// (a condition's id comes from its start to the minute, so one symbol
// spiking twice within a minute is one alert by design). After each step
// it waits for the step's alerts, whatever the kills do.
func (sc *crashScript) run(w *world, seed int64, steps int, served chan<- string, quit <-chan struct{}) {
	rng := rand.New(rand.NewPCG(uint64(seed), 2))
	for k := range steps {
		select {
		case <-quit:
			return
		default:
		}
		title := fmt.Sprintf("%s wins rare earth permit (step %d)", company(rng.IntN(4)), k)
		guid := w.farm.Inject(k%3, title)
		served <- guid
		sc.mu.Lock()
		sc.headlines = append(sc.headlines, title)
		sc.mu.Unlock()
		type move struct{ sym, status string }
		var moves []move
		if j := k / 2; k%2 == 1 {
			if j < 4 {
				w.yahoo.SetPrice(symbol(j), movedPrice(j, 8))
				sc.spikes[symbol(j)]++
				moves = append(moves, move{symbol(j), "firing"})
			}
			if i := j - 2; i >= 0 && i < 4 {
				w.yahoo.SetPrice(symbol(i), basePrice(i))
				sc.returns[symbol(i)]++
				moves = append(moves, move{symbol(i), "resolved"})
			}
		}
		ok := w.sink.Wait(45*time.Second, func(ds []testupstream.Delivery) bool {
			select {
			case <-quit:
				return true
			default:
			}
			if len(newsFor(ds, title)) == 0 {
				return false
			}
			for _, m := range moves {
				if len(priceIDs(ds, m.sym, m.status)) == 0 {
					return false
				}
			}
			return true
		})
		if !ok {
			sc.mu.Lock()
			sc.lost = append(sc.lost, fmt.Sprintf("step %d: %q or the price moves %v", k, title, moves))
			sc.mu.Unlock()
		}
	}
}

// priceIDs are the distinct ids of sym's price alerts of status.
func priceIDs(ds []testupstream.Delivery, sym, status string) []string {
	var ids []string
	for _, d := range ds {
		if d.Kind == "price" && d.Status == status && slices.Contains(d.Symbols, sym) && !slices.Contains(ids, d.ID) {
			ids = append(ids, d.ID)
		}
	}
	return ids
}

// check compares what arrived with what the script expected.
func (sc *crashScript) check(t *testing.T, w *world) {
	t.Helper()
	ds := w.sink.Deliveries()
	byID := map[string]testupstream.Delivery{}
	dups := 0
	for _, d := range ds {
		if prev, ok := byID[d.ID]; ok {
			dups++
			if prev.Title != d.Title || !slices.Equal(prev.Headlines, d.Headlines) || prev.Status != d.Status {
				t.Errorf("alert %s arrived twice with different content: %+v and %+v", d.ID, prev, d)
			}
		}
		byID[d.ID] = d
	}
	t.Logf("%d deliveries, %d distinct alerts, %d duplicates (same id)", len(ds), len(byID), dups)
	want := map[string]bool{}
	for _, title := range sc.headlines {
		want[title] = true
		ids := map[string]bool{}
		for _, d := range newsFor(ds, title) {
			ids[d.ID] = true
		}
		if len(ids) != 1 {
			t.Errorf("headline %q announced under %d alert ids, want 1", title, len(ids))
		}
	}
	for _, d := range ds {
		for _, h := range d.Headlines {
			if !want[h] {
				t.Errorf("alert %s announces %q, which the script never published", d.ID, h)
			}
		}
	}
	for i := range 4 {
		sym := symbol(i)
		if got := len(priceIDs(ds, sym, "firing")); got != sc.spikes[sym] {
			t.Errorf("%s: %d firing price alerts, want %d (one per spike)", sym, got, sc.spikes[sym])
		}
		if got := len(priceIDs(ds, sym, "resolved")); got != sc.returns[sym] {
			t.Errorf("%s: %d resolved price alerts, want %d (one per return)", sym, got, sc.returns[sym])
		}
	}
}
