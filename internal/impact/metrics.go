package impact

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Reasons a horizon is left unmeasured, the reason label of
// monitord_impact_horizons_unmeasured_total.
const (
	reasonNoData      = "no_data"      // no quote or chart bar within impact.tolerance
	reasonNoReference = "no_reference" // the reference price itself had no data
)

// Where a late price came from, the source label of
// monitord_impact_horizons_filled_late_total.
var lateSources = []string{SourceHistory, SourceChart}

// moveBuckets are the histogram's upper bounds in percent, symmetric
// around zero: most moves after news are within a few percent, and
// rare-earth small caps move by tens of percent on the big ones.
var moveBuckets = []float64{-25, -15, -10, -7.5, -5, -3, -2, -1, -0.5, -0.25, 0,
	0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 25}

// Metrics are the news-impact metrics. Create them once per process with
// NewMetrics and hand the same value to every New, so that a reload keeps
// the counters. Labels are symbols, horizon names, rule names and fixed
// reasons, all bounded by the configuration: never headline text.
type Metrics struct {
	moves       *prometheus.HistogramVec
	stories     *prometheus.CounterVec
	pending     prometheus.Gauge
	late        *prometheus.CounterVec
	unmeasured  *prometheus.CounterVec
	benchMissed prometheus.Counter
	followUps   *prometheus.CounterVec
}

// NewMetrics creates the impact metrics and registers them with reg (nil:
// not registered, for tests and `monitord once`).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		moves: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "monitord_impact_abnormal_move_percent",
			Help:    "Abnormal move (ticker move minus benchmark move, in percent) from the reference price to each horizon after a matched story.",
			Buckets: moveBuckets,
		}, []string{"symbol", "horizon"}),
		stories: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_impact_stories_measured_total",
			Help: "Matched stories whose impact on the symbol is measured (counted when the window opens).",
		}, []string{"symbol"}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "monitord_impact_windows_pending",
			Help: "Story/ticker windows with horizons still to measure.",
		}),
		late: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_impact_horizons_filled_late_total",
			Help: "Horizons measured after their tolerance had passed (after a restart or an outage), by where the price came from (history, chart).",
		}, []string{"source"}),
		unmeasured: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_impact_horizons_unmeasured_total",
			Help: "Horizons left unmeasured, by reason (no_data: no quote or chart bar within the tolerance; no_reference: the reference price had none).",
		}, []string{"reason"}),
		benchMissed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "monitord_impact_benchmark_missing_total",
			Help: "Horizons measured raw only because the benchmark had no price.",
		}),
		followUps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_impact_followups_total",
			Help: "Impact follow-up alerts queued, by rule.",
		}, []string{"rule"}),
	}
	for _, s := range lateSources {
		m.late.WithLabelValues(s)
	}
	for _, r := range []string{reasonNoData, reasonNoReference} {
		m.unmeasured.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.moves, m.stories, m.pending, m.late, m.unmeasured, m.benchMissed, m.followUps)
	}
	return m
}

// initialize pre-creates the series of the configured symbols and rules,
// so dashboards see zeros rather than gaps. The move histogram is the
// exception: a symbol's series appear with its first measured story, since
// 22 series per symbol and horizon pre-created for a watchlist of
// thousands would make most of every scrape (see docs/PERFORMANCE.md).
func (m *Metrics) initialize(symbols, horizons, rules []string) {
	for _, s := range symbols {
		m.stories.WithLabelValues(s)
	}
	for _, r := range rules {
		m.followUps.WithLabelValues(r)
	}
}

// resolved records a target that stopped pending: horizon is its name, or
// "" for the reference.
func (m *Metrics) resolved(symbol string, h *Horizon, ref *Measure) {
	target := ref
	if h != nil {
		target = &h.Measure
	}
	switch {
	case target.Status == StatusNoData && h != nil && ref.Status == StatusNoData:
		m.unmeasured.WithLabelValues(reasonNoReference).Inc()
		return
	case target.Status == StatusNoData:
		m.unmeasured.WithLabelValues(reasonNoData).Inc()
		return
	}
	if target.Late {
		m.late.WithLabelValues(target.Source).Inc()
	}
	if h == nil {
		return
	}
	if h.BenchmarkMissing {
		m.benchMissed.Inc()
	}
	if move, rawOnly, ok := h.effectiveMove(); ok && !rawOnly {
		m.moves.WithLabelValues(symbol, h.Name).Observe(move)
	}
}
