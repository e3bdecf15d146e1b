package app

import (
	"time"

	"go.uber.org/zap"
)

// Options are everything main gathers from flags to run the daemon.
type Options struct {
	// ConfigFile is the YAML configuration; empty runs the built-in one.
	ConfigFile string
	// StoragePath is the directory of the state database.
	StoragePath string
	// ListenAddresses are the HTTP listen addresses (host:port).
	ListenAddresses []string
	// WebConfigFile is exporter-toolkit's TLS and basic-auth file.
	WebConfigFile string
	// SystemdSocket serves on systemd socket-activated listeners instead.
	SystemdSocket bool
	// TelemetryPath is where metrics are served.
	TelemetryPath string
	// MaxRequests limits concurrent scrapes of the telemetry path.
	MaxRequests int
	// DisableExporterMetrics drops the go_*, process_* and promhttp_* metrics.
	DisableExporterMetrics bool
	// ShutdownGrace bounds each shutdown step (jobs, then HTTP).
	ShutdownGrace time.Duration
	// HTTPIdleTimeout is how long the HTTP server keeps an idle keep-alive
	// connection open; DefaultHTTPIdleTimeout when zero.
	HTTPIdleTimeout time.Duration
	Logger          *zap.Logger
	// Now is the daemon's clock: item ages, the market calendar, impact
	// windows, rules, alert timestamps and retention read it. nil means
	// time.Now; tests pin it to chosen instants (a weekend, a holiday, a
	// year ahead). Schedules fire and waits last on the wall clock.
	Now func() time.Time
	// FailStoreWrites, when set, fails the store's write transactions
	// whenever it returns an error, as a full disk does (see
	// store.Options.FailWrites): for tests of what the daemon shows then.
	FailStoreWrites func() error
}

func (o *Options) defaults() {
	if o.StoragePath == "" {
		o.StoragePath = "data"
	}
	if len(o.ListenAddresses) == 0 {
		o.ListenAddresses = []string{DefaultListenAddress}
	}
	if o.TelemetryPath == "" {
		o.TelemetryPath = "/metrics"
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = 30 * time.Second
	}
	if o.HTTPIdleTimeout <= 0 {
		o.HTTPIdleTimeout = DefaultHTTPIdleTimeout
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// The HTTP server's timeouts. Without them a client that opens a
// connection and sends nothing, or stops reading, or keeps a keep-alive
// connection idle, holds a connection and its goroutine forever.
const (
	// HTTPReadHeaderTimeout bounds reading a request's headers (slowloris).
	HTTPReadHeaderTimeout = 10 * time.Second
	// HTTPWriteTimeout bounds a request from the end of its headers to the
	// end of the answer: longer than any scrape of /metrics (Prometheus's
	// scrape_timeout is at most the scrape interval) and any reload.
	HTTPWriteTimeout = 2 * time.Minute
	// DefaultHTTPIdleTimeout bounds an idle keep-alive connection: longer
	// than usual scrape intervals, so Prometheus keeps reusing its
	// connection between scrapes, and finite, so an abandoned one closes.
	DefaultHTTPIdleTimeout = 5 * time.Minute
)

// DefaultListenAddress is monitord's port. The exporter block of
// Prometheus's default port allocations (9100-9999) is full; new
// allocations are made above 10000, and 10088 is not taken there.
const DefaultListenAddress = ":10088"
