// Package app wires monitord together and runs its lifecycle: the store,
// the registry, the scheduler, the HTTP surface and configuration reloads.
// main only parses flags and signals; tests run the whole daemon through
// this package in-process.
package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	toolkit "github.com/prometheus/exporter-toolkit/web"
	"go.uber.org/zap"

	"github.com/monitord/monitord/configs"
	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/impact"
	"github.com/monitord/monitord/internal/logging"
	"github.com/monitord/monitord/internal/schedule"
	"github.com/monitord/monitord/internal/status"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/tickers"
	"github.com/monitord/monitord/internal/upstream"
	"github.com/monitord/monitord/internal/web"
)

// App is one running daemon.
type App struct {
	opts Options
	log  *zap.Logger
	// reg holds monitord's own metrics; exporterReg, nil under
	// --web.disable-exporter-metrics, the go_*, process_* and promhttp_*
	// ones. /metrics serves both.
	reg, exporterReg *prometheus.Registry

	store   *store.Store
	sched   *schedule.Scheduler
	reloads *reloadMetrics
	now     func() time.Time

	// Domain metrics live as long as the process, across reloads.
	tickerMetrics *tickers.Metrics
	feedMetrics   *feeds.Metrics
	alertMetrics  *alert.Metrics
	impactMetrics *impact.Metrics
	// alerts is the durable outbox and its delivery: one per process, its
	// receivers swapped on reload, its queues kept in the store.
	alerts *alert.Dispatcher
	// hosts are the per-host budgets every outbound request shares, across
	// reloads: politeness (EDGAR's 10/s) and the pauses hosts asked for.
	hosts *upstream.Hosts

	listeners []net.Listener
	server    *http.Server

	// reloadMu serialises reloads: SIGHUP and /-/reload share one path.
	reloadMu sync.Mutex
	// cfg is the configuration in use; gen the components built from it.
	cfg   atomic.Pointer[config.Config]
	gen   *generation
	ready atomic.Bool

	// once builds for a single poll (monitord once): no maintenance jobs,
	// no priming of new sources; onceAlerts also delivers alerts.
	once, onceAlerts bool

	// extraJobs lets tests schedule jobs of their own beside the daemon's.
	extraJobs func(*config.Config) []schedule.Job
}

// New loads and validates the configuration, opens the store and binds the
// listeners, so that every startup error surfaces before Run.
func New(opts Options) (*App, error) {
	opts.defaults()
	a := &App{opts: opts, log: opts.Logger, now: opts.Now}
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	a.cfg.Store(cfg)

	a.reg = newRegistry()
	if !opts.DisableExporterMetrics {
		a.exporterReg = newExporterRegistry()
	}
	a.reloads = newReloadMetrics(a.reg)
	a.sched = schedule.New(a.log, schedule.NewMetrics(a.reg))
	a.tickerMetrics = tickers.NewMetrics(a.reg)
	a.tickerMetrics.SetClock(a.now)
	a.feedMetrics = feeds.NewMetrics(a.reg)
	a.hosts = upstream.NewHosts(upstream.HostsOptions{Now: a.now})
	a.alertMetrics = alert.NewMetrics(a.reg)
	a.impactMetrics = impact.NewMetrics(a.reg)

	a.store, err = store.Open(opts.StoragePath, store.Options{Now: a.now, FailWrites: opts.FailStoreWrites}, a.log.With(zap.String("component", "store")))
	if err != nil {
		return nil, err
	}
	if err := a.store.RegisterMetrics(a.reg); err != nil {
		a.store.Close()
		return nil, err
	}
	a.alerts, err = alert.New(cfg.Receivers, alert.Options{Store: a.store, Metrics: a.alertMetrics,
		Logger: a.log, UserAgent: cfg.Global.UserAgent, Now: a.now, Hosts: a.hosts})
	if err != nil {
		a.store.Close()
		return nil, fmt.Errorf("receivers: %w", err)
	}
	if err := a.listen(); err != nil {
		a.store.Close()
		return nil, err
	}
	return a, nil
}

// loadConfig reads the configuration file, or the built-in one.
func (a *App) loadConfig() (*config.Config, error) {
	if a.opts.ConfigFile == "" {
		return config.Load(configs.Default, "")
	}
	return config.LoadFile(a.opts.ConfigFile)
}

// gatherer is what /metrics serves: the daemon's metrics and, unless
// disabled, the exporter's.
func (a *App) gatherer() prometheus.Gatherer {
	if a.exporterReg == nil {
		return a.reg
	}
	return prometheus.Gatherers{a.exporterReg, a.reg}
}

// promhttpRegisterer receives the promhttp_* metrics of /metrics; nil, and
// so none, under --web.disable-exporter-metrics.
func (a *App) promhttpRegisterer() prometheus.Registerer {
	if a.exporterReg == nil {
		return nil
	}
	return a.exporterReg
}

// Registry is the daemon's metric registry.
func (a *App) Registry() *prometheus.Registry { return a.reg }

// Addrs are the addresses the HTTP server listens on.
func (a *App) Addrs() []net.Addr {
	out := make([]net.Addr, len(a.listeners))
	for i, l := range a.listeners {
		out[i] = l.Addr()
	}
	return out
}

// Config returns the configuration in use.
func (a *App) Config() *config.Config { return a.cfg.Load() }

// Ready reports whether the first configuration has been applied.
func (a *App) Ready() bool { return a.ready.Load() }

func (a *App) listen() error {
	if a.opts.SystemdSocket {
		return nil
	}
	for _, addr := range a.opts.ListenAddresses {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			for _, prev := range a.listeners {
				prev.Close()
			}
			return fmt.Errorf("listen on %s: %w", addr, err)
		}
		a.listeners = append(a.listeners, l)
	}
	return nil
}

// Run serves HTTP, applies the configuration, and runs until ctx ends; a
// value on hup reloads the configuration. It then shuts down in order:
// scheduler (waiting for runs in flight), HTTP server, components, store.
func (a *App) Run(ctx context.Context, hup <-chan struct{}) error {
	a.server = &http.Server{
		Handler:           a.handler(),
		ReadHeaderTimeout: HTTPReadHeaderTimeout,
		WriteTimeout:      HTTPWriteTimeout,
		IdleTimeout:       a.opts.HTTPIdleTimeout,
	}
	flags := &toolkit.FlagConfig{
		WebListenAddresses: &a.opts.ListenAddresses,
		WebSystemdSocket:   &a.opts.SystemdSocket,
		WebConfigFile:      &a.opts.WebConfigFile,
	}
	slogger := logging.Slog(a.log.With(zap.String("component", "web")))
	served := make(chan error, 1)
	go func() { // owned by Run: ends when Shutdown closes the listeners
		if a.opts.SystemdSocket {
			served <- toolkit.ListenAndServe(a.server, flags, slogger)
			return
		}
		served <- toolkit.ServeMultiple(a.listeners, a.server, flags, slogger)
	}()

	delivered := make(chan error, 1)
	go func() { delivered <- a.alerts.Run(ctx) }() // owned by Run: stopped by Close in shutdown
	runErr := a.applyInitial()
	wdCtx, stopWatchdog := context.WithCancel(ctx)
	wdDone := make(chan struct{})
	go func() { // owned by Run: ends with wdCtx, before shutdown
		defer close(wdDone)
		a.watchdog(wdCtx)
	}()
	if runErr == nil {
		a.notifyReady()
	}
	for runErr == nil {
		select {
		case <-ctx.Done():
			a.log.Info("Received shutdown signal, stopping")
		case <-hup:
			_ = a.Reload() // logged and exported by Reload
			continue
		case err := <-served:
			runErr = fmt.Errorf("http server: %w", err)
		}
		break
	}
	a.sdNotify("STOPPING=1")
	stopWatchdog()
	<-wdDone
	if err := a.shutdown(); err != nil && runErr == nil {
		runErr = err
	}
	if err := <-delivered; err != nil && !errors.Is(err, context.Canceled) && runErr == nil {
		runErr = fmt.Errorf("alert delivery: %w", err)
	}
	if runErr == nil {
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			runErr = fmt.Errorf("http server: %w", err)
		}
	}
	return runErr
}

// applyInitial applies the configuration loaded by New.
func (a *App) applyInitial() error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	if err := a.apply(a.cfg.Load()); err != nil {
		a.reloads.successful.Set(0)
		return fmt.Errorf("apply configuration: %w", err)
	}
	a.reloads.successful.Set(1)
	a.reloads.lastOK.SetToCurrentTime()
	return nil
}

// Reload re-reads and validates the whole configuration, builds what it
// describes and swaps it in; on any error the old configuration keeps
// running and the error says why.
func (a *App) Reload() error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	a.notifyReloading()
	defer a.notifyReady()
	a.log.Info("Loading configuration file", zap.String("file", a.configName()))
	cfg, err := a.loadConfig()
	if err == nil {
		err = a.apply(cfg)
	}
	if err != nil {
		a.reloads.successful.Set(0)
		a.log.Error("Error reloading config, keeping the previous one", zap.NamedError("err", err))
		return err
	}
	a.cfg.Store(cfg)
	a.reloads.successful.Set(1)
	a.reloads.lastOK.SetToCurrentTime()
	a.log.Info("Completed loading of configuration file", zap.String("file", a.configName()))
	return nil
}

func (a *App) configName() string {
	if a.opts.ConfigFile == "" {
		return "(built-in)"
	}
	return a.opts.ConfigFile
}

// apply builds cfg's components and schedules their jobs; the previous
// generation is closed only once the new one is running.
func (a *App) apply(cfg *config.Config) error {
	gen, err := a.build(cfg)
	if err != nil {
		return err
	}
	if err := a.alerts.ApplyConfig(cfg.Receivers); err != nil {
		gen.close()
		return fmt.Errorf("receivers: %w", err)
	}
	// The host limit is in force before the first poll of the new jobs.
	prevRate, prevBurst := a.hosts.Politeness()
	a.hosts.SetPoliteness(cfg.News.HostRateLimit, cfg.News.HostBurst)
	if err := a.sched.Apply(cfg.Location(), gen.jobs); err != nil {
		a.hosts.SetPoliteness(prevRate, prevBurst)
		gen.close()
		if old := a.gen; old != nil {
			// Put the receivers of the configuration still running back.
			if rerr := a.alerts.ApplyConfig(old.cfg.Receivers); rerr != nil {
				a.log.Error("Cannot restore the previous receivers", zap.NamedError("err", rerr))
			}
		}
		return err
	}
	old := a.gen
	a.gen = gen
	old.close()
	a.ready.Store(true)
	return nil
}

func (a *App) shutdown() error {
	var errs []error
	if !a.sched.Stop(a.opts.ShutdownGrace) {
		errs = append(errs, errors.New("scheduled jobs did not stop in time"))
	}
	// No job enqueues any more; what is not yet delivered stays in the
	// outbox for the next start.
	a.alerts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), a.opts.ShutdownGrace)
	defer cancel()
	if err := a.server.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
	}
	a.reloadMu.Lock()
	a.gen.close()
	a.gen = nil
	a.reloadMu.Unlock()
	if err := a.store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close store: %w", err))
	}
	a.log.Info("See you next time!")
	return errors.Join(errs...)
}

func (a *App) handler() http.Handler {
	return web.Handler(web.Options{
		Gatherer:      a.gatherer(),
		Registerer:    a.promhttpRegisterer(),
		TelemetryPath: a.opts.TelemetryPath,
		MaxRequests:   a.opts.MaxRequests,
		Ready:         a.Ready,
		Reload:        a.Reload,
		Config:        func() ([]byte, error) { return a.cfg.Load().Redacted() },
		Extra: map[string]http.Handler{
			"/api/v1/events": impact.NewHandler(a.store, a.now, a.log.With(zap.String("component", "api"))),
		},
		Root: status.Handler(a.snapshot, status.Options{MetricsPath: a.opts.TelemetryPath,
			Logger: a.log.With(zap.String("component", "status"))}),
		Logger: a.log.With(zap.String("component", "web")),
	})
}
