package impact

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/monitord/monitord/internal/tickers"
)

// minuteBars are 1m chart bars over [from, to): each bar's close is the
// script's price at the bar's end, as Yahoo's is the last trade in it.
func minuteBars(s steps, from, to time.Time) []tickers.Bar {
	var out []tickers.Bar
	for m := from; m.Before(to); m = m.Add(time.Minute) {
		out = append(out, tickers.Bar{Time: m, Open: s.at(m), High: s.at(m), Low: s.at(m), Close: s.at(m.Add(time.Minute))})
	}
	return out
}

func TestMissedHorizonsAfterRestart(t *testing.T) {
	d := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	mp := steps{{d("09:00"), 20}, {d("10:04"), 21}, {d("10:14"), 22}, {d("10:59"), 23}}
	remx := steps{{d("09:00"), 50}, {d("10:59"), 50.5}}
	tests := []struct {
		name string
		// history: quotes were recorded 10:02-10:20 while the engine was
		// not measuring (it crashed after the poll).
		history bool
		bars    map[string][]tickers.Bar
		noBars  bool
		want    []string
		late    map[string]float64
		noData  float64
	}{
		{
			name:    "history and chart",
			history: true,
			bars:    map[string][]tickers.Bar{"MP": minuteBars(mp, d("10:00"), d("12:00")), "REMX": minuteBars(remx, d("10:00"), d("12:00"))},
			want: []string{
				"5m measured 21.0000 history late at=06-16 10:05 move=+5.0000 bench=+0.0000 abn=+5.0000",
				"15m measured 22.0000 history late at=06-16 10:15 move=+10.0000 bench=+0.0000 abn=+10.0000",
				"1h measured 23.0000 chart late at=06-16 11:00 move=+15.0000 bench=+1.0000 abn=+14.0000",
			},
			late: map[string]float64{SourceHistory: 2, SourceChart: 1},
		},
		{
			name: "chart only",
			bars: map[string][]tickers.Bar{"MP": minuteBars(mp, d("10:00"), d("12:00")), "REMX": minuteBars(remx, d("10:00"), d("12:00"))},
			want: []string{
				"5m measured 21.0000 chart late at=06-16 10:05 move=+5.0000 bench=+0.0000 abn=+5.0000",
				"15m measured 22.0000 chart late at=06-16 10:15 move=+10.0000 bench=+0.0000 abn=+10.0000",
				"1h measured 23.0000 chart late at=06-16 11:00 move=+15.0000 bench=+1.0000 abn=+14.0000",
			},
			late: map[string]float64{SourceChart: 3},
		},
		{
			name: "chart without the benchmark",
			bars: map[string][]tickers.Bar{"MP": minuteBars(mp, d("10:00"), d("12:00"))},
			want: []string{
				"5m measured 21.0000 chart late no-benchmark at=06-16 10:05 move=+5.0000",
				"15m measured 22.0000 chart late no-benchmark at=06-16 10:15 move=+10.0000",
				"1h measured 23.0000 chart late no-benchmark at=06-16 11:00 move=+15.0000",
			},
			late: map[string]float64{SourceChart: 3},
		},
		{
			name: "chart with a gap: a bar further than the tolerance is not used",
			bars: map[string][]tickers.Bar{"MP": minuteBars(mp, d("10:30"), d("12:00")), "REMX": minuteBars(remx, d("10:30"), d("12:00"))},
			want: []string{
				"5m no_data at=06-16 10:05",
				"15m no_data at=06-16 10:15",
				"1h measured 23.0000 chart late at=06-16 11:00 move=+15.0000 bench=+1.0000 abn=+14.0000",
			},
			late:   map[string]float64{SourceChart: 1},
			noData: 2,
		},
		{
			name:   "no chart source",
			noBars: true,
			want: []string{
				"5m no_data at=06-16 10:05",
				"15m no_data at=06-16 10:15",
				"1h no_data at=06-16 11:00",
			},
			noData: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, testConfig())
			h.pollMinutes(d("09:58"), d("10:00"), map[string]steps{"MP": mp, "REMX": remx})
			h.stories(d("10:00:30"), story("s1", "MP Materials raises NdPr guidance", d("10:00"), "MP"))
			h.poll(d("10:01:20"), q("MP", 20, d("10:01:15")), q("REMX", 50, d("10:01:15")))
			if tt.history {
				for m := d("10:02"); !m.After(d("10:20")); m = m.Add(time.Minute) {
					h.record(m.Add(20*time.Second), q("MP", mp.at(m), m.Add(15*time.Second)), q("REMX", remx.at(m), m.Add(15*time.Second)))
				}
			}
			h.bars.bars = tt.bars
			if tt.noBars {
				h.bars = nil
			}
			h.clock.Set(d("12:00"))
			h.restart()
			h.tick(d("12:00"))

			got := summary(h.events("")[0].Impacts[0])
			if diff := cmp.Diff("ref measured 20.0000 history", got[1]); diff != "" {
				t.Errorf("reference (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got[2:5]); diff != "" {
				t.Errorf("horizons (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"close pending at=06-16 16:00", "next_open pending at=06-17 09:30"}, got[5:]); diff != "" {
				t.Errorf("future horizons (-want +got):\n%s", diff)
			}
			for _, src := range lateSources {
				if got, want := testutil.ToFloat64(h.m.late.WithLabelValues(src)), tt.late[src]; got != want {
					t.Errorf("filled late from %s: got %v, want %v", src, got, want)
				}
			}
			if got := testutil.ToFloat64(h.m.unmeasured.WithLabelValues(reasonNoData)); got != tt.noData {
				t.Errorf("unmeasured no_data: got %v, want %v", got, tt.noData)
			}
			if h.bars != nil && h.bars.calls > 2 {
				t.Errorf("got %d chart requests, want at most one per symbol", h.bars.calls)
			}
		})
	}
}

func TestChartFailuresAreRetriedThenGivenUp(t *testing.T) {
	d := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	h := newHarness(t, testConfig())
	h.poll(d("09:59:20"), q("MP", 20, d("09:59:15")), q("REMX", 50, d("09:59:15")))
	h.stories(d("10:00:30"), story("s1", "MP Materials raises NdPr guidance", d("10:00"), "MP"))
	h.bars.err = &tickers.RequestError{Source: tickers.SourceYahooChart, Status: 429, Reason: "http_429", Err: errors.New("too many requests")}

	h.tick(d("12:00"))
	calls := h.bars.calls
	if calls != 1 {
		t.Fatalf("chart requests at 12:00: got %d, want 1 (one failure stops the pass asking again)", calls)
	}
	h.tick(d("12:01"))
	if h.bars.calls != calls {
		t.Errorf("chart requests at 12:01: got %d, want %d (backing off)", h.bars.calls, calls)
	}
	if got := summary(h.events("")[0].Impacts[0])[2]; got != "5m pending at=06-16 10:05" {
		t.Errorf("after a failed chart request: got %q, want the horizon pending", got)
	}
	h.tick(d("12:06"))
	if h.bars.calls != calls+1 {
		t.Errorf("chart requests at 12:06: got %d, want %d (retried)", h.bars.calls, calls+1)
	}
	// A day later the history is still empty and the chart still fails:
	// the horizons that old are given up; the close is still retried.
	h.tick(ny(t, "2026-06-17 11:30"))
	got := summary(h.events("")[0].Impacts[0])[2:6]
	want := []string{"5m no_data at=06-16 10:05", "15m no_data at=06-16 10:15", "1h no_data at=06-16 11:00", "close pending at=06-16 16:00"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after a day (-want +got):\n%s", diff)
	}
}
