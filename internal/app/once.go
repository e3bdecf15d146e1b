package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/impact"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/tickers"
	"github.com/monitord/monitord/internal/upstream"
)

// OnceOptions tune Once.
type OnceOptions struct {
	// Alerts also evaluates rules and delivers to the receivers.
	Alerts bool
	// Out receives the tables.
	Out io.Writer
}

// Once polls every configured source one time and prints the quotes and
// matched headlines. It keeps its state in a scratch store, so it runs
// beside a live daemon without touching its seen-set or outbox.
func Once(ctx context.Context, opts Options, o OnceOptions) error {
	opts.defaults()
	a := &App{opts: opts, log: opts.Logger, now: opts.Now, once: true, onceAlerts: o.Alerts}
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	a.cfg.Store(cfg)
	a.reg = prometheus.NewRegistry()
	a.tickerMetrics = tickers.NewMetrics(a.reg)
	a.tickerMetrics.SetClock(a.now)
	a.alertMetrics = alert.NewMetrics(a.reg)
	a.impactMetrics = impact.NewMetrics(a.reg)
	a.feedMetrics = feeds.NewMetrics(a.reg)
	a.hosts = upstream.NewHosts(upstream.HostsOptions{Now: a.now})
	dir, err := os.MkdirTemp("", "monitord-once-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	a.store, err = store.Open(dir, store.Options{}, zap.NewNop())
	if err != nil {
		return err
	}
	defer a.store.Close()

	if o.Alerts {
		a.alerts, err = alert.New(cfg.Receivers, alert.Options{Store: a.store, Metrics: a.alertMetrics,
			Logger: a.log, UserAgent: cfg.Global.UserAgent, Now: a.now, Hosts: a.hosts})
		if err != nil {
			return err
		}
		done := make(chan error, 1)
		go func() { done <- a.alerts.Run(ctx) }() // joined by the deferred Close
		defer func() { a.alerts.Close(); <-done }()
	}

	gen, err := a.build(cfg)
	if err != nil {
		return err
	}
	defer gen.close()

	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, j := range gen.jobs {
		wg.Add(1)
		go func() { // joined below
			defer wg.Done()
			jctx, cancel := context.WithTimeout(ctx, j.Timeout)
			defer cancel()
			if err := j.Run(jctx); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", j.Name, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if o.Alerts {
		if err := gen.pipeline.Tick(ctx, a.now()); err != nil {
			errs = append(errs, fmt.Errorf("rules: %w", err))
		}
		drainOutbox(ctx, a.alerts)
		for _, s := range a.alerts.Status() {
			fmt.Fprintf(o.Out, "receiver %s (%s): %d undelivered, last result %q\n", s.Name, s.Integration, s.Depth, s.LastResult)
		}
	}
	// Measure what the chart can tell about the last day's matched stories.
	if err := gen.pipeline.Impact().Tick(ctx, a.now()); err != nil {
		errs = append(errs, fmt.Errorf("impact: %w", err))
	}
	for _, r := range gen.reports {
		r(o.Out)
	}
	if events, err := gen.pipeline.Impact().Rows(a.now().Add(-24*time.Hour), "", 100); err != nil {
		errs = append(errs, fmt.Errorf("impact: %w", err))
	} else {
		moves := "raw moves"
		if cfg.Impact.Benchmark != "" {
			moves = "abnormal moves vs " + cfg.Impact.Benchmark
		}
		io.WriteString(o.Out, "News impact of the last day's matched stories ("+moves+")\n")
		impact.WriteTable(o.Out, events)
		io.WriteString(o.Out, "\n")
	}
	for _, err := range errs {
		fmt.Fprintf(o.Out, "error: %v\n", err)
	}
	if len(errs) > 0 && len(errs) == len(gen.jobs) {
		return errors.New("every source failed")
	}
	return nil
}

// drainOutbox waits until every alert has left the outbox (delivered or
// dropped) or ctx ends; what is left is reported, not lost.
func drainOutbox(ctx context.Context, d *alert.Dispatcher) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for d.Pending() > 0 {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
