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
	Logger        *zap.Logger
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
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// DefaultListenAddress is monitord's port. The exporter block of
// Prometheus's default port allocations (9100-9999) is full; new
// allocations are made above 10000, and 10088 is not taken there.
const DefaultListenAddress = ":10088"
