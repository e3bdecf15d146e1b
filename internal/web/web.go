// Package web is monitord's HTTP surface: /metrics, the lifecycle endpoints
// (/-/healthy, /-/ready, /-/reload), the redacted /config, the routes the
// app adds, and the status page at /. TLS and basic auth come from
// exporter-toolkit around this handler.
package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// Options are what the handlers need from the daemon. Functions are
// called per request and must be safe for concurrent use.
type Options struct {
	// Gatherer serves /metrics; Registerer gets promhttp's own metrics.
	Gatherer   prometheus.Gatherer
	Registerer prometheus.Registerer
	// TelemetryPath is where metrics are served (/metrics).
	TelemetryPath string
	// MaxRequests limits concurrent scrapes (0: no limit).
	MaxRequests int
	// Ready reports whether the first configuration is applied.
	Ready func() bool
	// Reload re-reads the configuration, as SIGHUP does.
	Reload func() error
	// Config returns the current configuration with secrets redacted.
	Config func() ([]byte, error)
	// Extra are more routes (the events API, the status page), by pattern.
	Extra map[string]http.Handler
	// Root serves "/" and every path no other route takes: the status
	// page, which is the daemon's landing page.
	Root   http.Handler
	Logger *zap.Logger
}

// Handler returns the daemon's routes.
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	metrics := promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{
		ErrorLog:            zap.NewStdLog(o.Logger),
		MaxRequestsInFlight: o.MaxRequests,
		Registry:            o.Registerer,
	})
	if o.Registerer != nil {
		metrics = promhttp.InstrumentMetricHandler(o.Registerer, metrics)
	}
	mux.Handle("GET "+o.TelemetryPath, metrics)
	mux.HandleFunc("GET /-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("monitord is healthy.\n"))
	})
	mux.HandleFunc("GET /-/ready", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !o.Ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("monitord is not ready: configuration not applied yet.\n"))
			return
		}
		w.Write([]byte("monitord is ready.\n"))
	})
	mux.HandleFunc("/-/reload", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			w.Header().Set("Allow", "POST, PUT")
			http.Error(w, "this endpoint requires a POST or PUT request", http.StatusMethodNotAllowed)
			return
		}
		if err := o.Reload(); err != nil {
			http.Error(w, "failed to reload config: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write([]byte("config reloaded\n"))
	})
	mux.HandleFunc("GET /config", func(w http.ResponseWriter, _ *http.Request) {
		b, err := o.Config()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(b)
	})
	for pattern, h := range o.Extra {
		mux.Handle(pattern, h)
	}

	mux.Handle("/", o.Root)
	return mux
}
