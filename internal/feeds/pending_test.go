package feeds

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestPendingUntilHandled: a matched story a poll reports stays pending,
// across a restart, until its consumer marks it handled; unmatched
// stories are never pending, and the cutoff leaves out newer stories.
func TestPendingUntilHandled(t *testing.T) {
	h := newHarness(t)
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"a1", "City council approves park budget", "Wed, 26 Aug 2026 10:00:00 GMT"})})
	svc := h.service(h.config(deskFeed))
	h.poll(h.source(svc, "desk")) // primes
	h.clock.Advance(time.Minute)
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"a2", "Rare earth export controls tightened again", "Wed, 26 Aug 2026 15:02:00 GMT"},
		[3]string{"a3", "Shipping rates ease in August", "Wed, 26 Aug 2026 15:03:00 GMT"},
		[3]string{"a1", "City council approves park budget", "Wed, 26 Aug 2026 10:00:00 GMT"})})
	got := h.poll(h.source(svc, "desk"))
	if len(got) != 2 {
		t.Fatalf("poll reported %v, want the two new stories", titles(got))
	}
	seen := h.clock.Now()

	pending := func(cutoff time.Time) []string {
		t.Helper()
		stories, err := svc.Unhandled(cutoff)
		if err != nil {
			t.Fatal(err)
		}
		return titles(stories)
	}
	if diff := cmp.Diff([]string{"Rare earth export controls tightened again"}, pending(seen.Add(time.Second))); diff != "" {
		t.Errorf("pending (-want +got):\n%s", diff)
	}
	if p := pending(seen); len(p) != 0 {
		t.Errorf("pending before the story was first seen: %v, want none", p)
	}

	// A crash before the consumer took it: the story is still pending.
	h.restart()
	svc = h.service(h.config(deskFeed))
	again := pending(seen.Add(time.Second))
	if len(again) != 1 {
		t.Fatalf("pending after a restart: %v, want the matched story", again)
	}
	for _, s := range got {
		if s.Matched() {
			if err := svc.Handled(s.ID, "no-such-story"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if p := pending(seen.Add(time.Second)); len(p) != 0 {
		t.Errorf("pending after Handled: %v, want none", p)
	}
}
