package impact

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetrics(t *testing.T) {
	h, _ := apiHarness(t)
	// s1 on MP: 15m and 1h without data; on USAR the same. s2 on UUUU: no
	// reference (no quote near 11:00), so its five horizons neither.
	want := `
# HELP monitord_impact_benchmark_missing_total Horizons measured raw only because the benchmark had no price.
# TYPE monitord_impact_benchmark_missing_total counter
monitord_impact_benchmark_missing_total 0
# HELP monitord_impact_horizons_filled_late_total Horizons measured after their tolerance had passed (after a restart or an outage), by where the price came from (history, chart).
# TYPE monitord_impact_horizons_filled_late_total counter
monitord_impact_horizons_filled_late_total{source="chart"} 0
monitord_impact_horizons_filled_late_total{source="history"} 0
# HELP monitord_impact_horizons_unmeasured_total Horizons left unmeasured, by reason (no_data: no quote or chart bar within the tolerance; no_reference: the reference price had none).
# TYPE monitord_impact_horizons_unmeasured_total counter
monitord_impact_horizons_unmeasured_total{reason="no_data"} 5
monitord_impact_horizons_unmeasured_total{reason="no_reference"} 5
# HELP monitord_impact_stories_measured_total Matched stories whose impact on the symbol is measured (counted when the window opens).
# TYPE monitord_impact_stories_measured_total counter
monitord_impact_stories_measured_total{symbol="MP"} 2
monitord_impact_stories_measured_total{symbol="USAR"} 1
monitord_impact_stories_measured_total{symbol="UUUU"} 1
# HELP monitord_impact_windows_pending Story/ticker windows with horizons still to measure.
# TYPE monitord_impact_windows_pending gauge
monitord_impact_windows_pending 1
`
	if err := testutil.GatherAndCompare(h.reg, strings.NewReader(want),
		"monitord_impact_benchmark_missing_total", "monitord_impact_horizons_filled_late_total",
		"monitord_impact_horizons_unmeasured_total", "monitord_impact_stories_measured_total",
		"monitord_impact_windows_pending"); err != nil {
		t.Error(err)
	}

	hist := map[string][2]float64{} // "symbol/horizon" -> count, sum
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "monitord_impact_abnormal_move_percent" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if c := m.GetHistogram().GetSampleCount(); c > 0 {
				hist[labels["symbol"]+"/"+labels["horizon"]] = [2]float64{float64(c), m.GetHistogram().GetSampleSum()}
			}
		}
	}
	wantHist := map[string][2]float64{
		"MP/5m": {2, 10}, "MP/close": {1, 6.5}, "MP/next_open": {1, 10},
		"USAR/5m": {1, -5}, "USAR/close": {1, -3}, "USAR/next_open": {1, -1},
	}
	for k, w := range wantHist {
		if g := hist[k]; g[0] != w[0] || g[1]-w[1] > 1e-9 || w[1]-g[1] > 1e-9 {
			t.Errorf("histogram %s: got count %v sum %v, want %v %v", k, g[0], g[1], w[0], w[1])
		}
	}
	if len(hist) != len(wantHist) {
		t.Errorf("histogram series with samples: got %v, want %v", hist, wantHist)
	}
	// Only measured symbol and horizon pairs have series: pre-creating 22
	// series per symbol and horizon would swamp the scrape of a large
	// watchlist.
	if n := testutil.CollectAndCount(h.m.moves); n != len(wantHist) {
		t.Errorf("histogram series: got %d, want %d (the measured pairs only)", n, len(wantHist))
	}
}

func TestMetricsSurviveReload(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	h := newHarness(t, testConfig())
	h.m = m
	h.restart()
	h.restart() // a reload builds a new engine with the same metrics
	if _, err := reg.Gather(); err != nil {
		t.Fatal(err)
	}
}
