package rules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// observe reports one poll of source at t0+after.
func (r *rig) observe(source string, ok bool, after time.Duration) {
	r.t.Helper()
	at := t0.Add(after)
	r.clock.Set(at)
	reason := ""
	if !ok {
		reason = "HTTP 503 Service Unavailable"
	}
	if err := r.e.ObserveSource(source, ok, reason, at); err != nil {
		r.t.Fatalf("ObserveSource: %v", err)
	}
}

func TestSourceHealthFailures(t *testing.T) {
	type poll struct {
		source string
		ok     bool
		want   []string
	}
	for _, tc := range []struct {
		name, rules string
		polls       []poll
		restartAt   int
	}{{
		name: "fires once after N failures, resolves on recovery",
		rules: `
  - {name: health, type: source_health, failures: 3, receivers: [hook]}`,
		polls: []poll{
			{"quotes", true, nil},
			{"quotes", false, nil},
			{"quotes", false, nil},
			{"wire-a", false, nil},
			{"quotes", false, []string{"firing Source quotes is failing [hook]"}},
			{"quotes", false, nil},
			{"quotes", false, nil},
			{"quotes", true, []string{"resolved Source quotes is failing [hook]"}},
			{"quotes", true, nil},
			{"quotes", false, nil},
		},
	}, {
		name: "the streak survives a restart",
		rules: `
  - {name: health, type: source_health, failures: 3, receivers: [hook]}`,
		polls: []poll{
			{"wire-a", false, nil},
			{"wire-a", false, nil},
			{"wire-a", false, []string{"firing Source wire-a is failing [hook]"}},
		},
		restartAt: 2,
	}, {
		name: "sources filter",
		rules: `
  - {name: health, type: source_health, failures: 2, sources: [wire-a], receivers: [hook]}`,
		polls: []poll{
			{"quotes", false, nil},
			{"quotes", false, nil},
			{"quotes", false, nil},
			{"wire-a", false, nil},
			{"wire-a", false, []string{"firing Source wire-a is failing [hook]"}},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.rules)
			for i, p := range tc.polls {
				if tc.restartAt > 0 && i == tc.restartAt {
					r.restart()
				}
				r.observe(p.source, p.ok, time.Duration(i)*time.Minute)
				want := p.want
				if want == nil {
					want = []string{}
				}
				if diff := cmp.Diff(want, lines(r.rec.take())); diff != "" {
					t.Fatalf("poll %d (%s ok=%v): alerts differ (-want +got):\n%s", i, p.source, p.ok, diff)
				}
			}
		})
	}
}

func TestSourceHealthStale(t *testing.T) {
	r := newRig(t, `
  - {name: stale, type: source_health, stale_for: 30m, receivers: [hook]}`)
	m := time.Minute
	r.observe("wire-a", true, 0)
	r.observe("wire-a", false, 5*m)
	// The feed backs off: no more polls, only ticks.
	for _, after := range []time.Duration{20 * m, 34 * m} {
		r.clock.Set(t0.Add(after))
		r.tick()
		if got := r.rec.take(); len(got) != 0 {
			t.Fatalf("tick at +%s: got %q, want nothing", after, lines(got))
		}
	}
	r.clock.Set(t0.Add(35 * m))
	r.tick()
	got := r.rec.take()
	if diff := cmp.Diff([]string{"firing Source wire-a is failing [hook]"}, lines(got)); diff != "" {
		t.Fatalf("tick at +35m: alerts differ (-want +got):\n%s", diff)
	}
	a := got[0].Alert
	if !a.StartsAt.Equal(t0.Add(5*m)) || a.Source != "wire-a" || !strings.Contains(a.Summary, "HTTP 503") ||
		!strings.Contains(a.Reason, "no successful poll for 30m ") {
		t.Errorf("got starts_at %s source %q summary %q reason %q; want the first failure, the source, its error and why",
			a.StartsAt, a.Source, a.Summary, a.Reason)
	}
	r.clock.Set(t0.Add(50 * m))
	r.tick()
	r.observe("wire-a", true, 60*m)
	got = r.rec.take()
	if diff := cmp.Diff([]string{"resolved Source wire-a is failing [hook]"}, lines(got)); diff != "" {
		t.Fatalf("recovery: alerts differ (-want +got):\n%s", diff)
	}
	if res := got[0].Alert; res.ConditionID != a.ConditionID || !res.EndsAt.Equal(t0.Add(60*m)) {
		t.Errorf("resolved: got condition id %s ends_at %s, want %s and %s", res.ConditionID, res.EndsAt, a.ConditionID, t0.Add(60*m))
	}
}

func TestSourceHealthAfterReload(t *testing.T) {
	const rules = `
  - {name: health, type: source_health, failures: 1, stale_for: 10m, receivers: [hook]}`
	r := newRig(t, rules)
	r.observe("wire-a", false, 0)
	r.observe("wire-b", false, 0)
	if got := len(r.rec.take()); got != 2 {
		t.Fatalf("got %d alerts, want one per failing feed", got)
	}
	// wire-a leaves the config: its episode resolves and its streak is
	// forgotten, so Tick does not find it stale for ever.
	cfg := loadConfig(t, rules)
	cfg.Feeds = cfg.Feeds[1:]
	e, err := New(cfg, r.st, r.rec, r.m, nil, WithClock(r.clock.Now))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r.e = e
	if diff := cmp.Diff([]string{"resolved Source wire-a is failing [hook]"}, lines(r.rec.take())); diff != "" {
		t.Errorf("reload: alerts differ (-want +got):\n%s", diff)
	}
	r.clock.Set(t0.Add(time.Hour))
	r.tick()
	if got := lines(r.rec.take()); len(got) != 0 {
		t.Errorf("tick: got %q, want nothing (wire-b already announced, wire-a gone)", got)
	}
	if err := r.e.ObserveSource("wire-a", true, "", t0.Add(time.Hour)); !errors.Is(err, ErrUnknownSource) {
		t.Errorf("ObserveSource of a removed feed: got %v, want ErrUnknownSource", err)
	}
}

// TestHealthyPollsWriteNothing: a successful poll of a source that was
// healthy already, with no episode open, commits no write transaction; a
// recovery still resolves its episode.
func TestHealthyPollsWriteNothing(t *testing.T) {
	r := newRig(t, `
  - {name: health, type: source_health, failures: 2, receivers: [hook]}`)
	writes := r.st.Writes
	m := time.Minute
	r.observe("wire-a", true, 0) // the first success is recorded
	before := writes()
	for i := 1; i <= 5; i++ {
		r.observe("wire-a", true, time.Duration(i)*m)
	}
	if n := writes() - before; n != 0 {
		t.Errorf("5 healthy polls committed %v write transactions, want 0", n)
	}
	r.observe("wire-a", false, 6*m)
	r.observe("wire-a", false, 7*m)
	r.observe("wire-a", true, 8*m)
	want := []string{"firing Source wire-a is failing [hook]", "resolved Source wire-a is failing [hook]"}
	if diff := cmp.Diff(want, lines(r.rec.take())); diff != "" {
		t.Errorf("alerts (-want +got):\n%s", diff)
	}
	before = writes()
	r.observe("wire-a", true, 9*m)
	if n := writes() - before; n != 0 {
		t.Errorf("a healthy poll after the recovery committed %v write transactions, want 0", n)
	}
}
