package schedule

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the scheduler's metrics, created once per process and kept
// across reloads.
type Metrics struct {
	runs        *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	skips       *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	jobs        prometheus.Gauge
}

// Run results, the values of the result label.
const (
	resultSuccess = "success"
	resultError   = "error"
	resultTimeout = "timeout"
	resultPanic   = "panic"
)

// NewMetrics registers the scheduler's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_scheduler_job_runs_total",
			Help: "Scheduled job runs by job and result (success, error, timeout, panic).",
		}, []string{"job_name", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "monitord_scheduler_job_duration_seconds",
			Help:    "Duration of scheduled job runs.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120},
		}, []string{"job_name"}),
		skips: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_scheduler_job_skips_total",
			Help: "Scheduled runs skipped because the previous run of the job was still going (overruns).",
		}, []string{"job_name"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "monitord_scheduler_job_last_success_timestamp_seconds",
			Help: "Unix time of the last successful run of each job.",
		}, []string{"job_name"}),
		jobs: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "monitord_scheduler_jobs",
			Help: "Number of jobs currently scheduled.",
		}),
	}
	reg.MustRegister(m.runs, m.duration, m.skips, m.lastSuccess, m.jobs)
	return m
}

// initJob pre-creates a job's series so dashboards see zeros, not gaps.
func (m *Metrics) initJob(name string) {
	for _, r := range []string{resultSuccess, resultError, resultTimeout, resultPanic} {
		m.runs.WithLabelValues(name, r)
	}
	m.duration.WithLabelValues(name)
	m.skips.WithLabelValues(name)
}

// dropJob removes the series of a job no longer configured.
func (m *Metrics) dropJob(name string) {
	for _, r := range []string{resultSuccess, resultError, resultTimeout, resultPanic} {
		m.runs.DeleteLabelValues(name, r)
	}
	m.duration.DeleteLabelValues(name)
	m.skips.DeleteLabelValues(name)
	m.lastSuccess.DeleteLabelValues(name)
}
