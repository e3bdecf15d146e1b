package feeds

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/monitord/monitord/internal/upstream"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestFetchSlots: news.max_concurrent_fetches bounds the bodies in flight.
// A poll waits for a slot that a stalled fetch holds, proceeds once it is
// given back, counts the wait, and fails with reason timeout when its poll
// ends first. A poll that read a body gives its slot back.
func TestFetchSlots(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(`
news:
  max_concurrent_fetches: 1
feeds:
  - name: stalled
    url: "{{srv}}/stalled.xml"
    timeout: 1s
  - name: desk
    url: "{{srv}}/desk.xml"
`)
	h.server.set("/stalled.xml", reply{block: true})
	h.server.set("/desk.xml", reply{body: rssBody([3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"})})
	svc := h.service(cfg)
	stalled, desk := h.source(svc, "stalled"), h.source(svc, "desk")
	holdSlot := func() <-chan struct{} {
		done := make(chan struct{})
		asked := len(h.server.recorded())
		go func() {
			defer close(done)
			stalled.Poll(context.Background()) // fails after its 1s timeout
		}()
		for len(h.server.recorded()) == asked {
			time.Sleep(time.Millisecond)
		}
		return done
	}
	waited := func() float64 { return testutil.ToFloat64(h.metrics.slotWait) }

	released := holdSlot()
	start := time.Now()
	if _, err := desk.Poll(context.Background()); err != nil {
		t.Fatalf("desk poll after waiting for the slot: %v", err)
	}
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("desk polled in %v while the stalled fetch held the only slot for 1s", d)
	}
	<-released
	if w := waited(); w < 0.5 {
		t.Errorf("slot wait counted %.3fs, want about the stalled fetch's 1s", w)
	}

	// Bodies give their slots back: with one slot, a leak would stall the
	// next poll until its context ends.
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := desk.Poll(ctx)
		cancel()
		if err != nil {
			t.Fatalf("poll %d: %v", i, err)
		}
	}

	released = holdSlot()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	_, err := desk.Poll(ctx)
	cancel()
	if ReasonOf(err) != upstream.ReasonTimeout || !strings.Contains(err.Error(), "news.max_concurrent_fetches") {
		t.Errorf("poll that outwaited its context: %v (reason %q), want a timeout naming news.max_concurrent_fetches", err, ReasonOf(err))
	}
	<-released
}
