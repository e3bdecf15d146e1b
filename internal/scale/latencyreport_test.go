package scale

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// shapeResult is what one shape measured.
type shapeResult struct {
	name string
	urls int
	// served runs from the host writing the first body that lists a story
	// to the webhook arriving; total from the story appearing on the host
	// (the wait for the next poll of its URL included).
	served, total []time.Duration
	// described names each story and its times, in the order of served,
	// for a failure message (see slowestN).
	described []string
	// requests and notModified are the host's over the injection window,
	// which lasted window.
	requests, notModified int64
	window                time.Duration
}

// slowestN describes the n stories slowest from served to webhook.
// round is how often each URL was asked during the injection window, zero
// when none was.
func (r shapeResult) round() time.Duration {
	if r.requests == 0 {
		return 0
	}
	return time.Duration(float64(r.window) * float64(r.urls) / float64(r.requests))
}

func (r shapeResult) slowestN(n int) []string {
	idx := make([]int, len(r.served))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(r.served[b], r.served[a]) })
	var out []string
	for _, i := range idx[:min(n, len(idx))] {
		out = append(out, r.described[i])
	}
	return out
}

// percentile is the nearest-rank p-quantile of ds (0 when empty; the
// largest when p is 1).
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[max(int(math.Ceil(p*float64(len(s))))-1, 0)]
}

// latencyTable renders the results as a Markdown table for
// docs/PERFORMANCE.md.
func latencyTable(rs []shapeResult) string {
	var b strings.Builder
	b.WriteString("| source shape | URLs | stories | served → webhook p50 | p99 | max | appeared → webhook p50 | p99 | each URL asked every | requests per hour (304) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
	sec := func(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }
	for _, r := range rs {
		perHour := func(n int64) float64 { return float64(n) / r.window.Hours() }
		round := r.round()
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %s | %s | %s | %s | %.0f (%.0f) |\n",
			r.name, r.urls, len(r.served), ms(percentile(r.served, 0.5)), ms(percentile(r.served, 0.99)),
			ms(percentile(r.served, 1)),
			sec(percentile(r.total, 0.5)), sec(percentile(r.total, 0.99)), sec(round),
			perHour(r.requests), perHour(r.notModified))
	}
	return b.String()
}

// storeCommits reads monitord_store_write_transactions_total from the
// daemon's /metrics.
func storeCommits(t *testing.T, d *daemon) float64 {
	t.Helper()
	for line := range strings.Lines(d.scrape()) {
		if v, ok := strings.CutPrefix(line, "monitord_store_write_transactions_total "); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("monitord_store_write_transactions_total: %v", err)
			}
			return n
		}
	}
	t.Fatal("no monitord_store_write_transactions_total in /metrics")
	return 0
}

// syncProbe measures what a small synced write costs in a directory,
// twice a second, while a run goes on.
type syncProbe struct {
	done  chan struct{}
	ended chan []time.Duration
}

func startSyncProbe(t *testing.T, dir string) *syncProbe {
	t.Helper()
	f, err := os.CreateTemp(dir, "sync-probe-")
	if err != nil {
		t.Fatal(err)
	}
	p := &syncProbe{done: make(chan struct{}), ended: make(chan []time.Duration, 1)}
	go func() { // ends on stop
		defer os.Remove(f.Name())
		defer f.Close()
		buf := make([]byte, 4096)
		var took []time.Duration
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.done:
				p.ended <- took
				return
			case <-tick.C:
			}
			start := time.Now()
			if _, err := f.WriteAt(buf, 0); err != nil {
				continue
			}
			if f.Sync() == nil {
				took = append(took, time.Since(start))
			}
		}
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.stop()
		}
	})
	return p
}

// stop ends the probe and returns what each probe took.
func (p *syncProbe) stop() []time.Duration {
	close(p.done)
	return <-p.ended
}

// roundSync rounds a sync probe's time for the log.
func roundSync(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
