package scale

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/monitord/monitord/internal/testupstream"
)

// cycle is what one poll cycle cost the daemon.
type cycle struct {
	name string
	// wall runs from the cycle's first feed request to the daemon's last
	// CPU tick of the cycle.
	wall time.Duration
	// cpu is user and system time of the daemon process.
	cpu time.Duration
	// allocs and allocBytes are heap allocations (runtime.MemStats).
	allocs, allocBytes uint64
	// peakRSS is the highest resident size sampled during the cycle, and
	// peakAnon the highest anonymous part of it (heap and stacks, not
	// mapped files such as the store).
	peakRSS, peakAnon int64
	// Requests the upstreams saw: feed requests, 304 answers among them,
	// quote requests (v7 batches of 50 symbols), and webhook requests.
	feedRequests, notModified, quoteRequests, webhooks int64
	// latency is, per injected headline, the time from the farm serving it
	// to its webhook arriving: the cost beyond the poll interval; total is
	// from its appearing upstream, the wait for the next poll included.
	latency, total []time.Duration
	// quiet is false when the daemon never went idle after the cycle (the
	// next cycle began first); cpu and wall then run to the deadline.
	quiet bool
	// mem is the daemon's heap at the end of the cycle.
	mem memstats
}

// injection is a headline a cycle publishes and expects as a news alert.
type injection struct {
	feed  int
	title string
	guid  string
	at    time.Time // when it appeared upstream
}

// meter measures the cycles of one daemon. The cycles it reports never
// include a /metrics scrape: scrape measures one on its own.
type meter struct {
	t *testing.T
	w *world
	d *daemon
	// quietFor is how long the daemon must use no CPU for a cycle to end;
	// maxWait bounds each wait of a cycle.
	quietFor, maxWait time.Duration
	// last is the daemon's memstats at the end of the previous cycle.
	last memstats
}

// snapshot is the state at the start of a cycle.
type snapshot struct {
	name     string
	cpu      time.Duration
	before   []int
	r0, n0   int64
	q0       int64
	h0       int
	injected []injection
}

// begin applies mutate (before the daemon's next tick) and records where
// the cycle starts. With no daemon yet (the priming cycle) it starts from
// zero.
func (m *meter) begin(name string, mutate func() []injection) snapshot {
	w := m.w
	sn := snapshot{name: name, before: make([]int, w.s.feeds)}
	if m.d != nil {
		sn.cpu = m.d.proc().cpu
	}
	for i := range sn.before {
		sn.before[i] = w.farm.FeedRequests(i)
	}
	sn.r0, sn.n0 = w.farm.Requests.Load(), w.farm.NotModified.Load()
	sn.q0 = w.yahoo.Requests["quote"].Load()
	sn.h0 = w.sink.Requests()
	if mutate != nil {
		sn.injected = mutate()
	}
	return sn
}

// run is begin and finish.
func (m *meter) run(name string, rounds int, mutate func() []injection) cycle {
	m.t.Helper()
	return m.finish(m.begin(name, mutate), rounds)
}

// finish waits until every feed was asked rounds more times since begin
// and the daemon went idle, and measures the cycle. The headlines begin's
// mutate injected must arrive as news alerts.
func (m *meter) finish(sn snapshot, rounds int) cycle {
	m.t.Helper()
	w := m.w
	c := cycle{name: sn.name}
	deadline := time.Now().Add(m.maxWait * time.Duration(rounds))
	var first time.Time
	for next := 0; next < len(sn.before); {
		if first.IsZero() && w.farm.Requests.Load() > sn.r0 {
			first = time.Now()
		}
		for next < len(sn.before) && w.farm.FeedRequests(next) >= sn.before[next]+rounds {
			next++
		}
		if next == len(sn.before) {
			break
		}
		p := m.d.proc()
		c.peakRSS, c.peakAnon = max(c.peakRSS, p.rss), max(c.peakAnon, p.anon)
		if time.Now().After(deadline) {
			m.t.Fatalf("cycle %s: feed %d not asked %d times within %v\n%s", sn.name, next, rounds, m.maxWait, m.d.logTail())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if first.IsZero() {
		first = time.Now()
	}

	// Then idle: no CPU tick for quietFor.
	last, lastCPU := time.Now(), m.d.proc().cpu
	idleDeadline := time.Now().Add(m.maxWait)
	for {
		time.Sleep(20 * time.Millisecond)
		p := m.d.proc()
		c.peakRSS, c.peakAnon = max(c.peakRSS, p.rss), max(c.peakAnon, p.anon)
		if p.cpu != lastCPU {
			last, lastCPU = time.Now(), p.cpu
		}
		if time.Since(last) >= m.quietFor {
			c.quiet = true
			break
		}
		if time.Now().After(idleDeadline) {
			break
		}
	}
	c.cpu = m.d.proc().cpu - sn.cpu
	c.wall = last.Sub(first)
	c.feedRequests = w.farm.Requests.Load() - sn.r0
	c.notModified = w.farm.NotModified.Load() - sn.n0
	c.quoteRequests = w.yahoo.Requests["quote"].Load() - sn.q0
	c.mem = m.d.memstats()
	c.allocs, c.allocBytes = c.mem.Mallocs-m.last.Mallocs, c.mem.TotalAlloc-m.last.TotalAlloc
	m.last = c.mem

	for _, in := range sn.injected {
		var got time.Time
		ok := w.sink.Wait(30*time.Second, func(all []testupstream.Delivery) bool {
			if ds := newsFor(all, in.title); len(ds) > 0 {
				got = ds[0].At
				return true
			}
			return false
		})
		served, wasServed := w.farm.InjectedServed(in.guid)
		if !ok || !wasServed {
			m.t.Errorf("cycle %s: headline %q (feed %d) served %v, never delivered", sn.name, in.title, in.feed, wasServed)
			continue
		}
		c.latency = append(c.latency, got.Sub(served))
		c.total = append(c.total, got.Sub(in.at))
	}
	c.webhooks = int64(w.sink.Requests() - sn.h0)
	m.t.Logf("cycle %s: %s", sn.name, c.String())
	return c
}

// scrape measures one /metrics scrape while the daemon is idle: its CPU,
// its allocations and the size of what it serves.
func (m *meter) scrape() string {
	m.t.Helper()
	before, cpu := m.d.memstats(), m.d.proc().cpu
	body := m.d.scrape()
	after, cpu2 := m.d.memstats(), m.d.proc().cpu
	m.last = after
	if dir := os.Getenv(envProfile); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "metrics.txt"), []byte(body), 0o600)
	}
	samples := 0
	for line := range strings.Lines(body) {
		if !strings.HasPrefix(line, "#") {
			samples++
		}
	}
	return fmt.Sprintf("one /metrics scrape: %d samples, %.1f MB of text, %v CPU, %d allocations (%.1f MB)",
		samples, float64(len(body))/1e6, cpu2-cpu, after.Mallocs-before.Mallocs, float64(after.TotalAlloc-before.TotalAlloc)/1e6)
}

func (c cycle) String() string {
	return fmt.Sprintf("wall %v, cpu %v, allocs %d (%.1f MB), peak RSS %.1f MB (anonymous %.1f), feed requests %d (304: %d), quote requests %d, webhooks %d, latency %v, quiet %v; after: heap in use %.1f MB, stacks %.1f MB, next GC %.1f MB, %d GCs so far",
		c.wall.Round(time.Millisecond), c.cpu, c.allocs, float64(c.allocBytes)/1e6, mb(c.peakRSS), mb(c.peakAnon),
		c.feedRequests, c.notModified, c.quoteRequests, c.webhooks, roundAll(c.latency), c.quiet,
		mib(c.mem.HeapInuse), mib(c.mem.StackInuse), mib(c.mem.NextGC), c.mem.NumGC)
}

func roundAll(ds []time.Duration) []time.Duration {
	out := slices.Clone(ds)
	for i := range out {
		out[i] = out[i].Round(100 * time.Microsecond)
	}
	return out
}

// table renders cycles as a Markdown table for docs/PERFORMANCE.md.
func table(cs []cycle) string {
	var b strings.Builder
	b.WriteString("| cycle | wall | CPU | allocs | alloc MB | peak RSS MB (anon) | feed req (304) | quote req | webhooks | headline served → webhook | appeared → webhook |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range cs {
		fmt.Fprintf(&b, "| %s | %v | %.2fs | %d | %.1f | %.0f (%.0f) | %d (%d) | %d | %d | %v | %v |\n",
			c.name, c.wall.Round(time.Millisecond), c.cpu.Seconds(), c.allocs, float64(c.allocBytes)/1e6,
			mb(c.peakRSS), mb(c.peakAnon), c.feedRequests, c.notModified, c.quoteRequests, c.webhooks,
			roundAll(c.latency), roundAll(c.total))
	}
	return b.String()
}
