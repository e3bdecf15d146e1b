package feeds

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestAdaptivePace: a feed scheduled @every 2m is ticked every 30s and
// asked when due: sooner while it brings new stories, relaxing back to its
// two minutes while it is quiet.
func TestAdaptivePace(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(`
feeds:
  - name: desk
    url: "{{srv}}/desk.xml"
    schedule: "@every 2m"
`)
	svc := h.service(cfg, func(o *Options) { o.FixedPace = false })
	src := h.source(svc, "desk")
	if got := src.Schedule(); got != "@every 30s" {
		t.Fatalf("tick %q, want @every 30s", got)
	}
	h.server.set("/desk.xml", reply{body: emptyRSS})
	n := 0
	publish := func() {
		n++
		h.server.set("/desk.xml", reply{body: rssBody([3]string{fmt.Sprint("a", n), fmt.Sprintf("Neodymium output rises %d", n), "Wed, 26 Aug 2026 14:00:00 GMT"})})
	}
	// Tick every 30 s for 12 minutes; news comes at 4m and at 4m30s.
	var asked []time.Duration
	for tick := range 25 {
		at := time.Duration(tick) * 30 * time.Second
		if at == 4*time.Minute || at == 4*time.Minute+30*time.Second {
			publish()
		}
		before := len(h.server.recorded())
		if _, err := src.Poll(context.Background()); err != nil && !errors.Is(err, ErrNotDue) {
			t.Fatalf("at %v: %v", at, err)
		}
		if len(h.server.recorded()) > before {
			asked = append(asked, at)
		}
		h.clock.Advance(30 * time.Second)
	}
	// Quiet, 2m apart; the news at 4m halves the wait to 1m, the news
	// found at 5m to 30s; then each quiet poll waits half as long again
	// (45s, 1m07s, 1m41s, each to the next tick), up to 2m.
	m := func(min, sec int) time.Duration {
		return time.Duration(min)*time.Minute + time.Duration(sec)*time.Second
	}
	want := []time.Duration{0, m(2, 0), m(4, 0), m(5, 0), m(5, 30), m(6, 30), m(7, 30), m(9, 30), m(11, 30)}
	if diff := cmp.Diff(want, asked); diff != "" {
		t.Errorf("polls at (-want +got):\n%s", diff)
	}
	if ticks := 25; len(asked) >= ticks/2 {
		t.Errorf("asked %d times in %d ticks: the pace does not relax", len(asked), ticks)
	}
}
