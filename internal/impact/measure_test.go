package impact

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/monitord/monitord/internal/tickers"
)

func TestPriceAt(t *testing.T) {
	d := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	type pt struct {
		price        float64
		at, fetched  string
		previousDays int // the quote's time is this many days before `at`
	}
	type want struct {
		lookup lookup
		price  float64
		at     string
		source string
	}
	bar := func(at string, open, close float64) tickers.Bar {
		return tickers.Bar{Time: d(at), Open: open, High: max(open, close), Low: min(open, close), Close: close}
	}
	tests := []struct {
		name   string
		md     mode
		t, now string
		points []pt
		bars   []tickers.Bar
		want   want
	}{
		{"at: a quote fetched after t vouches for its price", modeAt, "10:05", "10:05:30",
			[]pt{{20, "10:04:15", "10:05:20", 0}}, nil, want{found, 20, "10:04:15", SourceHistory}},
		{"at: else the first trade after t", modeAt, "10:05", "10:05:30",
			[]pt{{20, "10:04:15", "10:04:20", 0}, {21, "10:05:15", "10:05:20", 0}}, nil, want{found, 21, "10:05:15", SourceHistory}},
		{"at: nothing yet within the tolerance", modeAt, "10:05", "10:06",
			[]pt{{20, "10:04:15", "10:04:20", 0}}, nil, want{lookup: waiting}},
		{"at: tolerance and settle passed, no chart", modeAt, "10:05", "10:11",
			[]pt{{20, "10:04:15", "10:04:20", 0}}, nil, want{lookup: absent}},
		{"at: a quote older than the tolerance is not vouched for", modeAt, "10:05", "10:06",
			[]pt{{20, "09:55", "10:06", 0}}, nil, want{lookup: waiting}},
		{"at: a trade after the tolerance is not the price at t", modeAt, "10:05", "10:11",
			[]pt{{20, "10:08:30", "10:08:40", 0}}, nil, want{lookup: absent}},
		{"at: the chart bar ending at t", modeAt, "10:05", "10:30", nil,
			[]tickers.Bar{bar("10:03", 20, 20.5), bar("10:04", 20.5, 21), bar("10:05", 21, 22)},
			want{found, 21, "10:05", SourceChart}},
		{"at: a chart gap wider than the tolerance", modeAt, "10:05", "10:30", nil,
			[]tickers.Bar{bar("10:03", 20, 20.5), bar("10:09", 21, 22)}, want{lookup: absent}},
		{"before: the last quote before publication", modeBefore, "10:05", "10:05:30",
			[]pt{{20, "10:03:15", "10:03:20", 0}, {21, "10:05:15", "10:05:20", 0}}, nil, want{found, 20, "10:03:15", SourceHistory}},
		{"before: a stale one gives way to the first trade after", modeBefore, "10:05", "10:06",
			[]pt{{20, "10:01", "10:01:05", 0}, {21, "10:05:30", "10:05:40", 0}}, nil, want{found, 21, "10:05:30", SourceHistory}},
		{"before: the chart bar ending before publication", modeBefore, "10:05", "10:30", nil,
			[]tickers.Bar{bar("10:03", 20, 20.5), bar("10:05", 21, 22)}, want{found, 20.5, "10:04", SourceChart}},
		{"open: not yesterday's close, though fetched after the open", modeOpen, "09:30", "09:31",
			[]pt{{20, "16:00", "09:30:20", 1}, {22, "09:30:04", "09:30:40", 0}}, nil, want{found, 22, "09:30:04", SourceHistory}},
		{"open: waits for the first trade", modeOpen, "09:30", "09:31",
			[]pt{{20, "16:00", "09:30:20", 1}}, nil, want{lookup: waiting}},
		{"open: the first bar's open, not the pre-market's", modeOpen, "09:30", "10:00", nil,
			[]tickers.Bar{bar("09:29", 20, 20.2), bar("09:30", 22, 22.5)}, want{found, 22, "09:30", SourceChart}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, testConfig())
			for _, p := range tt.points {
				h.record(d(p.fetched), q("MP", p.price, d(p.at).AddDate(0, 0, -p.previousDays)))
			}
			h.bars.bars["MP"] = tt.bars
			if tt.bars == nil {
				h.bars = nil
				h.restart()
			}
			got, lk, err := h.eng.priceAt(context.Background(), &pass{now: d(tt.now)}, "MP", d(tt.t), tt.md)
			if err != nil {
				t.Fatal(err)
			}
			g := want{lookup: lk}
			if lk == found {
				g = want{lk, got.value, got.at.In(newYork).Format("15:04:05"), got.source}
				g.at = trimSeconds(g.at)
			}
			if diff := cmp.Diff(tt.want, g, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// trimSeconds writes 10:05:00 as 10:05, as the table does.
func trimSeconds(s string) string {
	if len(s) == 8 && s[5:] == ":00" {
		return s[:5]
	}
	return s
}
