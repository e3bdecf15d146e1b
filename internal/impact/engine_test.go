package impact

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/monitord/monitord/internal/tickers"
)

// steps is a scripted price: each step holds from its time until the next.
type steps []struct {
	from  time.Time
	price float64
}

func (s steps) at(t time.Time) float64 {
	p := 0.0
	for _, st := range s {
		if !st.from.After(t) {
			p = st.price
		}
	}
	return p
}

// pollMinutes polls once a minute from `from` to `to`: each quote priced at
// minute m+15s by its script, fetched at m+20s.
func (h *harness) pollMinutes(from, to time.Time, scripts map[string]steps) {
	h.t.Helper()
	for m := from; !m.After(to); m = m.Add(time.Minute) {
		var qs []tickers.Quote
		for _, sym := range []string{"MP", "USAR", "UUUU", "REMX"} {
			if s, ok := scripts[sym]; ok {
				qs = append(qs, q(sym, s.at(m), m.Add(15*time.Second)))
			}
		}
		h.poll(m.Add(20*time.Second), qs...)
	}
}

func TestInSessionStory(t *testing.T) {
	h := newHarness(t, testConfig())
	d := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	scripts := map[string]steps{
		"MP": {{d("09:00"), 20}, {d("10:01"), 20.5}, {d("10:05"), 21}, {d("10:06"), 21.2}, {d("10:15"), 21.6},
			{d("10:16"), 21.8}, {d("11:00"), 22}, {d("11:01"), 22.1}, {d("15:59"), 22.3}},
		"REMX": {{d("09:00"), 50}, {d("10:15"), 50.5}, {d("10:20"), 50}},
	}
	h.pollMinutes(d("09:55"), d("10:00"), scripts)
	h.stories(d("10:00:30"), story("s1", "MP Materials signs DoD magnet deal", d("10:00"), "MP"))
	h.pollMinutes(d("10:01"), d("10:06"), scripts)

	want := []string{
		"MP after_hours=false pending ref_at=06-16 10:00:00",
		"ref measured 20.0000 history",
		"5m measured 21.0000 history at=06-16 10:05 move=+5.0000 bench=+0.0000 abn=+5.0000",
		"15m pending at=06-16 10:15",
		"1h pending at=06-16 11:00",
		"close pending at=06-16 16:00",
		"next_open pending at=06-17 09:30",
	}
	evs := h.events("")
	if len(evs) != 1 || len(evs[0].Impacts) != 1 {
		t.Fatalf("got %d events, want 1 with one impact: %+v", len(evs), evs)
	}
	if diff := cmp.Diff(want, summary(evs[0].Impacts[0])); diff != "" {
		t.Errorf("after 10:06 (-want +got):\n%s", diff)
	}

	h.pollMinutes(d("10:07"), d("10:20"), scripts)
	h.tick(d("10:30"))
	h.pollMinutes(d("10:58"), d("11:02"), scripts)
	h.pollMinutes(d("15:58"), d("15:59"), scripts)
	// After the close Yahoo's regular price keeps the closing print's time.
	h.poll(d("16:00:20"), q("MP", 22.4, d("16:00")), q("REMX", 51, d("16:00")))
	h.tick(d("16:05"))
	next := func(s string) time.Time { return ny(t, "2026-06-17 "+s) }
	// Pre-market: the regular price is still yesterday's close; the next
	// open is the first trade at or after 09:30.
	h.poll(next("09:00:20"), q("MP", 22.4, d("16:00")), q("REMX", 51, d("16:00")))
	h.poll(next("09:30:20"), q("MP", 23, next("09:30:05")), q("REMX", 50, next("09:30:02")))
	h.tick(next("09:31"))

	want = []string{
		"MP after_hours=false complete ref_at=06-16 10:00:00",
		"ref measured 20.0000 history",
		"5m measured 21.0000 history at=06-16 10:05 move=+5.0000 bench=+0.0000 abn=+5.0000",
		"15m measured 21.6000 history at=06-16 10:15 move=+8.0000 bench=+1.0000 abn=+7.0000",
		"1h measured 22.0000 history at=06-16 11:00 move=+10.0000 bench=+0.0000 abn=+10.0000",
		"close measured 22.4000 history at=06-16 16:00 move=+12.0000 bench=+2.0000 abn=+10.0000",
		"next_open measured 23.0000 history at=06-17 09:30 move=+15.0000 bench=+0.0000 abn=+15.0000",
	}
	evs = h.events("MP")
	if diff := cmp.Diff(want, summary(evs[0].Impacts[0])); diff != "" {
		t.Errorf("after the next open (-want +got):\n%s", diff)
	}
	if h.bars.calls != 0 {
		t.Errorf("got %d chart requests, want none: the history had every price", h.bars.calls)
	}
	if got := h.pendingWindows(); got != 0 {
		t.Errorf("pending windows: got %d, want 0", got)
	}
}

func TestAfterHoursStory(t *testing.T) {
	tests := []struct {
		name string
		pub  string
		// prevClose is the regular close before the reference open.
		prevClose, open string
	}{
		{"post-market", "2026-06-16 18:30", "2026-06-16 16:00", "2026-06-17 09:30"},
		{"pre-market", "2026-06-17 08:00", "2026-06-16 16:00", "2026-06-17 09:30"},
		{"before Juneteenth", "2026-06-18 20:30", "2026-06-18 16:00", "2026-06-22 09:30"},
		{"weekend", "2026-06-20 11:00", "2026-06-18 16:00", "2026-06-22 09:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, testConfig())
			pub, prevClose, open := ny(t, tt.pub), ny(t, tt.prevClose), ny(t, tt.open)
			h.poll(pub.Add(-time.Minute), q("MP", 20, prevClose), q("REMX", 50, prevClose))
			h.stories(pub, story("s1", "MP Materials wins export licence", pub, "MP"))
			// Before the open the regular price is the previous close: it
			// must not become the reference.
			h.poll(open.Add(-5*time.Minute), q("MP", 20, prevClose), q("REMX", 50, prevClose))
			h.poll(open.Add(20*time.Second), q("MP", 22, open.Add(4*time.Second)), q("REMX", 50.5, open.Add(2*time.Second)))
			h.poll(open.Add(5*time.Minute+20*time.Second), q("MP", 23.1, open.Add(5*time.Minute+10*time.Second)),
				q("REMX", 50.5, open.Add(5*time.Minute+3*time.Second)))

			got := summary(h.events("")[0].Impacts[0])[:3]
			want := []string{
				"MP after_hours=true pending ref_at=" + open.Format("01-02 15:04:05"),
				"ref measured 22.0000 history",
				"5m measured 23.1000 history at=" + open.Add(5*time.Minute).Format("01-02 15:04") +
					" move=+5.0000 bench=+0.0000 abn=+5.0000",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestHorizonAfterTheCloseIsTakenAtTheClose(t *testing.T) {
	h := newHarness(t, testConfig())
	d := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	h.poll(d("15:30:20"), q("MP", 20, d("15:30:10")), q("REMX", 50, d("15:30:05")))
	h.stories(d("15:30:30"), story("s1", "MP Materials expands Mountain Pass", d("15:30:25"), "MP"))
	h.poll(d("16:00:20"), q("MP", 21, d("16:00")), q("REMX", 50, d("16:00")))
	h.tick(d("16:31"))
	im := h.events("")[0].Impacts[0]
	got := summary(im)[4:6]
	want := []string{
		"1h measured 21.0000 history at=06-16 16:00 move=+5.0000 bench=+0.0000 abn=+5.0000",
		"close measured 21.0000 history at=06-16 16:00 move=+5.0000 bench=+0.0000 abn=+5.0000",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !im.Horizons[2].AtClose {
		t.Errorf("1h horizon: got at_close=false, want true")
	}
}
