// Package web is monitord's HTTP surface: /metrics, the lifecycle endpoints
// (/-/healthy, /-/ready, /-/reload), the redacted /config and the landing
// page. TLS and basic auth come from exporter-toolkit around this handler.
package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"
	toolkit "github.com/prometheus/exporter-toolkit/web"
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
	// Links are shown on the landing page after the built-in ones.
	Links []toolkit.LandingLinks
	// Root, when set, serves "/" (and every path no other route takes)
	// instead of exporter-toolkit's landing page: the status page.
	Root   http.Handler
	Logger *zap.Logger
}

// Handler returns the daemon's routes.
func Handler(o Options) (http.Handler, error) {
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

	if o.Root != nil {
		mux.Handle("/", o.Root)
		return mux, nil
	}
	links := append([]toolkit.LandingLinks{
		{Address: o.TelemetryPath, Text: "Metrics", Description: "Prometheus metrics of monitord, its quotes, feeds and alerts"},
		{Address: "/config", Text: "Configuration", Description: "The configuration in use, secrets redacted"},
		{Address: "/-/healthy", Text: "Health", Description: "200 while the process serves"},
		{Address: "/-/ready", Text: "Readiness", Description: "200 once the configuration is applied and schedules run"},
	}, o.Links...)
	landing, err := toolkit.NewLandingPage(toolkit.LandingConfig{
		Name:        "monitord",
		Description: "Watches rare-earth and critical-minerals stocks and the news about them, and alerts on moves, headlines and news impact.",
		Version:     version.Info(),
		Links:       links,
		Profiling:   "false",
	})
	if err != nil {
		return nil, err
	}
	mux.Handle("/", landing)
	return mux, nil
}
