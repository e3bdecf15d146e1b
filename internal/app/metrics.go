package app

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
)

// reloadMetrics report whether the configuration in use is the one on
// disk, as Prometheus and Alertmanager do.
type reloadMetrics struct {
	successful prometheus.Gauge
	lastOK     prometheus.Gauge
}

func newReloadMetrics(reg prometheus.Registerer) *reloadMetrics {
	m := &reloadMetrics{
		successful: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "monitord_config_last_reload_successful",
			Help: "Whether the last configuration reload attempt was successful (1) or not (0).",
		}),
		lastOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "monitord_config_last_reload_success_timestamp_seconds",
			Help: "Timestamp of the last successful configuration reload.",
		}),
	}
	reg.MustRegister(m.successful, m.lastOK)
	return m
}

// newRegistry returns the daemon's own registry, with build info.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(versioncollector.NewCollector("monitord"))
	return reg
}

// newExporterRegistry returns the registry of the metrics about the
// process rather than its work: Go's and the process's collectors, and the
// promhttp_* metrics of the /metrics handler. It is kept apart, as
// node_exporter does, so --web.disable-exporter-metrics leaves all of them
// out.
func newExporterRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}
