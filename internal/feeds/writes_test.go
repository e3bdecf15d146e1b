package feeds

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/upstream"
)

// TestUnchangedPollWrites: a poll that finds its feed unchanged (a 304, or
// the same body from a server without validators) commits only the
// feed's state, not the URL's too, until the URL's Touched time is half
// way to the pruning cutoff (news.seen_retention); then it refreshes it.
// A thousand unchanged feeds must not cost a thousand more fsyncs. The
// feed's state itself is committed when it changes, or when its
// LastSuccess is lastSuccessEvery ahead of the stored one.
func TestUnchangedPollWrites(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header map[string]string
	}{
		{"not modified", map[string]string{"ETag": `"v1"`}},
		{"same body", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			writes := func() int { return int(h.store.Writes()) }
			touched := func() time.Time {
				us, err := loadURLState(h.store, "desk", h.server.srv.URL+"/desk.xml")
				if err != nil {
					t.Fatal(err)
				}
				return us.Touched
			}
			h.server.set("/desk.xml", reply{header: tc.header, body: rssBody(
				[3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"})})
			src := h.source(h.service(h.config(deskFeed)), "desk")
			h.poll(src) // primes
			primed := touched()

			before := writes()
			h.clock.Advance(5 * time.Minute)
			h.poll(src)
			if got := writes() - before; got != 1 {
				t.Errorf("unchanged poll: %d write transactions, want 1 (the feed's state)", got)
			}
			if got := touched(); !got.Equal(primed) {
				t.Errorf("unchanged poll moved Touched from %v to %v; want it left alone", primed, got)
			}
			if fs := h.feedState("desk"); !fs.LastSuccess.Equal(h.clock.Now()) {
				t.Errorf("last success %v, want %v", fs.LastSuccess, h.clock.Now())
			}

			// Within lastSuccessEvery of the stored success, a healthy
			// poll commits nothing; Health still has the exact time.
			stored := h.clock.Now()
			before = writes()
			for range 3 {
				h.clock.Advance(15 * time.Second)
				h.poll(src)
			}
			if got := writes() - before; got != 0 {
				t.Errorf("3 unchanged polls within a minute: %d write transactions, want 0", got)
			}
			if fs := h.feedState("desk"); !fs.LastSuccess.Equal(stored) {
				t.Errorf("stored last success %v, want %v", fs.LastSuccess, stored)
			}
			if hl, err := src.Health(); err != nil || !hl.LastSuccess.Equal(h.clock.Now()) {
				t.Errorf("Health last success %v (%v), want %v", hl.LastSuccess, err, h.clock.Now())
			}
			h.clock.Advance(15 * time.Second) // a minute after the stored success
			before = writes()
			h.poll(src)
			if got := writes() - before; got != 1 {
				t.Errorf("poll a minute after the stored success: %d write transactions, want 1", got)
			}

			h.clock.Advance(16 * 24 * time.Hour) // past half of the default 30d
			h.poll(src)
			if got := touched(); !got.Equal(h.clock.Now()) {
				t.Errorf("poll past half the retention: Touched %v, want %v", got, h.clock.Now())
			}
		})
	}
}

// TestSameButLastSuccess: only a state that differs in LastSuccess alone
// may skip its commit. Every other field is compared, times by instant
// (a time without its monotonic reading is the same time).
func TestSameButLastSuccess(t *testing.T) {
	at := time.Now()
	base := feedState{LastSuccess: at, BackoffUntil: at.Add(time.Minute)}
	for _, tc := range []struct {
		name string
		mod  func(*feedState)
		same bool
	}{
		{"later success", func(fs *feedState) { fs.LastSuccess = at.Add(30 * time.Second) }, true},
		{"same backoff, no monotonic reading", func(fs *feedState) { fs.BackoffUntil = fs.BackoffUntil.Round(0) }, true},
		{"failure", func(fs *feedState) { fs.Failures++ }, false},
		{"retryable", func(fs *feedState) { fs.Retryable++ }, false},
		{"backoff moved", func(fs *feedState) { fs.BackoffUntil = fs.BackoffUntil.Add(time.Second) }, false},
	} {
		b := base
		tc.mod(&b)
		if got := sameButLastSuccess(base, b); got != tc.same {
			t.Errorf("%s: sameButLastSuccess = %v, want %v", tc.name, got, tc.same)
		}
	}
}

// TestStoreWriteFailureIsCounted reproduces a full disk that left the
// feed metrics at zero: a body whose items cannot be recorded counts as a
// failed fetch with reason store, and once writes succeed again the next
// poll records and reports what was missed.
func TestStoreWriteFailureIsCounted(t *testing.T) {
	h := newHarness(t)
	if err := h.store.Close(); err != nil {
		t.Fatal(err)
	}
	var full atomic.Bool
	errFull := errors.New("write monitord.db: no space left on device")
	st, err := store.Open(h.dir, store.Options{FailWrites: func() error {
		if full.Load() {
			return errFull
		}
		return nil
	}}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h.store = st
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"})})
	src := h.source(h.service(h.config(deskFeed)), "desk")
	h.poll(src) // primes

	full.Store(true)
	h.clock.Advance(5 * time.Minute)
	h.server.set("/desk.xml", reply{body: rssBody(
		[3]string{"a2", "Rare earth export controls tightened again", "Wed, 26 Aug 2026 15:02:00 GMT"},
		[3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"})})
	if _, err := src.Poll(context.Background()); !errors.Is(err, errFull) || !strings.Contains(err.Error(), "record items") {
		t.Fatalf("poll on a full disk: got %v, want the store's error", err)
	}
	assertCounter(t, h.metrics.fetches.WithLabelValues("desk", resultError), 1)
	assertCounter(t, h.metrics.fetchErrors.WithLabelValues("desk", upstream.ReasonStore), 1)

	full.Store(false)
	h.clock.Advance(5 * time.Minute)
	if got := titles(h.poll(src)); len(got) != 1 || got[0] != "Rare earth export controls tightened again" {
		t.Errorf("poll after the disk was freed: got %q, want the story the full disk held back", got)
	}
}
