package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
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
	// Err receives one line per failed source; nil means Out.
	Err io.Writer
}

// OnceResult counts what Once polled.
type OnceResult struct {
	// Sources is how many sources were polled (the quotes, each feed);
	// Failed how many of them failed.
	Sources, Failed int
	// Skipped says why the quotes were not polled (the market is closed),
	// or is empty; a skipped source is not counted in Sources.
	Skipped string
}

// Summary is the closing line of `monitord once`.
func (r OnceResult) Summary() string {
	s := r.summary()
	if r.Skipped != "" {
		s += "; quotes skipped: " + r.Skipped
	}
	return s
}

func (r OnceResult) summary() string {
	switch {
	case r.Sources == 0:
		return "no source to poll"
	case r.Failed == r.Sources:
		return fmt.Sprintf("every source failed (%d of %d)", r.Failed, r.Sources)
	case r.Failed > 0:
		return fmt.Sprintf("%d of %d sources failed", r.Failed, r.Sources)
	}
	return fmt.Sprintf("%d sources polled", r.Sources)
}

// Once polls every configured source one time and prints the quotes and
// matched headlines, and each source's failure in short (one line, no
// URL repeated) on o.Err. It keeps its state in a scratch store, so it
// runs beside a live daemon without touching its seen-set or outbox. The
// error is for what kept it from polling at all.
func Once(ctx context.Context, opts Options, o OnceOptions) (OnceResult, error) {
	if o.Err == nil {
		o.Err = o.Out
	}
	var res OnceResult
	opts.defaults()
	a := &App{opts: opts, log: opts.Logger, now: opts.Now, once: true, onceAlerts: o.Alerts}
	cfg, err := a.loadConfig()
	if err != nil {
		return res, err
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
		return res, err
	}
	defer os.RemoveAll(dir)
	a.store, err = store.Open(dir, store.Options{}, zap.NewNop())
	if err != nil {
		return res, err
	}
	defer a.store.Close()

	if o.Alerts {
		a.alerts, err = alert.New(cfg.Receivers, alert.Options{Store: a.store, Metrics: a.alertMetrics,
			Logger: a.log, UserAgent: cfg.Global.UserAgent, Now: a.now, Hosts: a.hosts})
		if err != nil {
			return res, err
		}
		done := make(chan error, 1)
		go func() { done <- a.alerts.Run(ctx) }() // joined by the deferred Close
		defer func() { a.alerts.Close(); <-done }()
	}

	gen, err := a.build(cfg)
	if err != nil {
		return res, err
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
			err := j.Run(jctx)
			mu.Lock()
			defer mu.Unlock()
			if gen.sources[j.Name] {
				res.Sources++
				if err != nil {
					res.Failed++
				}
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %s", j.Name, shortError(err)))
			}
		}()
	}
	wg.Wait()
	if q := gen.quotes; q != nil && q.last.Skipped {
		res.Sources--
		res.Skipped = q.last.Reason
	}
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
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	for _, err := range errs {
		fmt.Fprintf(o.Err, "error: %v\n", err)
	}
	return res, nil
}

// shortError is a failure as `monitord once` prints it: the classified
// failure of the first URL (a per-ticker feed's others failed alike, or
// are counted), without the feed name and URL the chain repeats.
func shortError(err error) string {
	e := upstream.AsError(err)
	if e == nil {
		return err.Error()
	}
	s := e.Error()
	var n int
	for _, one := range unjoin(err) {
		if upstream.AsError(one) != nil {
			n++
		}
	}
	if n > 1 {
		s += fmt.Sprintf(" (and %d more URLs)", n-1)
	}
	return s
}

// unjoin flattens the errors.Join trees in err's chain, down to the
// classified failures.
func unjoin(err error) []error {
	if _, ok := err.(*upstream.Error); ok {
		return []error{err}
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	if u := errors.Unwrap(err); u != nil {
		return unjoin(u)
	}
	return []error{err}
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
