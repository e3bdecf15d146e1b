package rules

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestQuietHours(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	night := func(day, h, m int) time.Time { return time.Date(2026, 3, 2+day, h, m, 0, 0, ny) }
	held := []string{
		"firing MP above $30.00 at $31.00 [hook]",
		"resolved MP above $30.00 at $31.00 [hook]",
		"firing MP above $30.00 at $32.00 [hook]",
	}
	for _, tc := range []struct {
		name    string
		release func(r *rig)
		want    []string
	}{
		{"released by Tick", func(r *rig) {
			r.clock.Set(night(1, 6, 59))
			r.tick()
			if got := r.rec.take(); len(got) != 0 {
				t.Fatalf("tick at 06:59: got %q, want nothing", lines(got))
			}
			r.clock.Set(night(1, 7, 0))
			r.tick()
		}, held},
		{"released before the next alert, in order", func(r *rig) {
			r.clock.Set(night(1, 7, 0))
			r.poll(quote("MP", 29, 100, night(1, 7, 0)))
		}, append(held[:3:3], "resolved MP above $30.00 at $32.00 [hook]")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, `
  - {name: level, type: price, above: 30, quiet_hours: ["22:00-07:00"], receivers: [hook]}`)
			for _, p := range []struct {
				at    time.Time
				price float64
			}{
				{night(0, 21, 59), 29},
				{night(0, 23, 0), 31},
				{night(0, 23, 30), 31.5},
				{night(1, 0, 30), 29},
				{night(1, 1, 0), 32},
			} {
				r.clock.Set(p.at)
				r.poll(quote("MP", p.price, 100, p.at))
			}
			if got := r.rec.take(); len(got) != 0 {
				t.Fatalf("during quiet hours: got %q, want nothing", lines(got))
			}
			r.restart()
			tc.release(r)
			if diff := cmp.Diff(tc.want, lines(r.rec.take())); diff != "" {
				t.Errorf("released alerts differ (-want +got):\n%s", diff)
			}
			if got := r.suppressed("level", ReasonQuietHours); got != 3 {
				t.Errorf("suppressed{reason=quiet_hours}: got %g, want 3", got)
			}
		})
	}
}

func TestQuietHoursNewsDigest(t *testing.T) {
	r := newRig(t, `
  - {name: ree, type: news, keywords: [rare_earth], quiet_hours: ["22:00-07:00", "12:00-12:30"], receivers: [slack]}`)
	ny := r.cfg.Location()
	for i, at := range []time.Time{time.Date(2026, 3, 2, 23, 0, 0, 0, ny), time.Date(2026, 3, 3, 2, 0, 0, 0, ny)} {
		r.clock.Set(at)
		r.stories(story(string(rune('a'+i)), "NdPr overnight", 2, "rare_earth", nil, "wire-a"))
	}
	r.restart()
	r.clock.Set(time.Date(2026, 3, 3, 7, 1, 0, 0, ny))
	r.tick()
	got := r.rec.take()
	if len(got) != 1 || len(got[0].Alert.Headlines) != 2 {
		t.Fatalf("got %q, want one digest of both stories", lines(got))
	}
	// The second window holds too.
	r.clock.Set(time.Date(2026, 3, 3, 12, 10, 0, 0, ny))
	r.stories(story("noon", "NdPr at noon", 2, "rare_earth", nil, "wire-a"))
	r.tick()
	if got := r.rec.take(); len(got) != 0 {
		t.Errorf("in the noon window: got %q, want nothing", lines(got))
	}
	r.clock.Set(time.Date(2026, 3, 3, 12, 30, 0, 0, ny))
	r.tick()
	if got := r.rec.take(); len(got) != 1 {
		t.Errorf("after the noon window: got %q, want the held story", lines(got))
	}
}

func TestQuietUntil(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	r := &rule{loc: ny}
	if r.quiet, err = parseQuiet([]string{"22:00-07:00"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at    time.Time
		until time.Time
	}{
		{time.Date(2026, 3, 7, 21, 59, 0, 0, ny), time.Time{}},
		{time.Date(2026, 3, 7, 22, 0, 0, 0, ny), time.Date(2026, 3, 8, 7, 0, 0, 0, ny)},
		// The night DST starts is an hour shorter, and still ends at 07:00.
		{time.Date(2026, 3, 8, 3, 30, 0, 0, ny), time.Date(2026, 3, 8, 7, 0, 0, 0, ny)},
		{time.Date(2026, 3, 8, 7, 0, 0, 0, ny), time.Time{}},
	} {
		until, quiet := r.quietUntil(tc.at)
		if quiet != !tc.until.IsZero() || !until.Equal(tc.until) {
			t.Errorf("quietUntil(%s): got %s, %v; want %s", tc.at, until, quiet, tc.until)
		}
	}
}

func TestAlertmanagerRefreshThroughQuietHours(t *testing.T) {
	r := newRig(t, `
  - {name: level, type: price, above: 30, quiet_hours: ["22:00-07:00"], receivers: [slack, am]}`)
	ny := r.cfg.Location()
	at := func(h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 0, 0, ny) }
	r.clock.Set(at(21, 50))
	r.poll(quote("MP", 31, 100, at(21, 50)))
	if diff := cmp.Diff([]string{"firing MP above $30.00 at $31.00 [slack am]"}, lines(r.rec.take())); diff != "" {
		t.Fatalf("before quiet hours: alerts differ (-want +got):\n%s", diff)
	}
	// What Alertmanager already shows stays up through the night.
	r.clock.Set(at(22, 30))
	r.tick()
	if diff := cmp.Diff([]string{"firing MP above $30.00 at $31.00 [am]"}, lines(r.rec.take())); diff != "" {
		t.Errorf("refresh in quiet hours: alerts differ (-want +got):\n%s", diff)
	}
}
