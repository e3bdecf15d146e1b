// Package impact measures the news impact: for every matched story and
// every ticker it concerns, the price at the story (the reference) and at
// later horizons (+5m, +15m, +60m, the session's close, the next open), raw
// and against a benchmark such as REMX. It keeps these windows in the
// store, fills horizons missed while the daemon was down from the quote
// history or chart bars (never inventing a price), sends the impact rule's
// follow-up alerts, and serves the results at /api/v1/events.
//
// The app drives an Engine with three calls: OnStories with each poll's new
// stories, OnQuotes with each quote poll's result, and Tick every minute.
// `monitord replay` drives the same calls on simulated time.
package impact

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/tickers"
)

// pruneEvery is how often Tick prunes windows past impact.retention.
const pruneEvery = time.Hour

// Options are what an Engine is built from besides the configuration.
type Options struct {
	// Store keeps the windows (store.BucketImpact). Required.
	Store *store.Store
	// History is the quote history the poller appends to. Required.
	History PriceHistory
	// Calendar is the exchange calendar (Poller.Calendar()). Required.
	Calendar Calendar
	// Bars fills horizons the history missed; nil leaves them no_data.
	Bars BarSource
	// Alerts queues the impact rule's follow-ups; nil sends none.
	Alerts Enqueuer
	// Metrics are created once per process with NewMetrics. Required.
	Metrics *Metrics
	Logger  *zap.Logger
	// Now is the clock of OnStories and OnQuotes; defaults to time.Now.
	Now func() time.Time
}

// Engine opens a window per (matched story, ticker), measures it as quotes
// arrive and time passes, and follows stories up with impact alerts. Its
// state is in the store, so build a new Engine on every configuration
// reload (windows already open keep the horizons and benchmark they were
// opened with). It is safe for concurrent use: OnStories, OnQuotes and Tick
// are serialised by one mutex; Rows reads the store without it.
type Engine struct {
	cfg     config.Impact
	symbols []string
	// watchlist is symbols and the benchmark: what a story of one of
	// impact.watchlist_groups about no watched ticker is measured on.
	watchlist []string
	rules     []rule
	maxWithin time.Duration
	tol       time.Duration

	st     *store.Store
	hist   PriceHistory
	cal    Calendar
	bars   BarSource
	alerts Enqueuer
	m      *Metrics
	log    *zap.Logger
	now    func() time.Time

	// mu serialises passes and guards the fields below.
	mu         sync.Mutex
	barRetryAt map[string]time.Time
	lastPrune  time.Time
}

// New builds an engine for cfg's impact section and impact rules.
func New(cfg *config.Config, opts Options) (*Engine, error) {
	if opts.Store == nil || opts.History == nil || opts.Calendar == nil || opts.Metrics == nil {
		return nil, errors.New("impact: Store, History, Calendar and Metrics are required")
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	e := &Engine{
		cfg: cfg.Impact, tol: cfg.Impact.Tolerance.D(),
		st: opts.Store, hist: opts.History, cal: opts.Calendar, bars: opts.Bars, alerts: opts.Alerts,
		m: opts.Metrics, log: opts.Logger.With(zap.String("component", "impact")), now: opts.Now,
		barRetryAt: map[string]time.Time{},
	}
	if e.tol <= 0 {
		e.tol = config.DefaultImpact.Tolerance.D()
	}
	var horizons, rules []string
	for _, t := range cfg.Tickers {
		e.symbols = append(e.symbols, t.Symbol)
	}
	e.watchlist = slices.Clone(e.symbols)
	if b := cfg.Impact.Benchmark; b != "" && !slices.Contains(e.watchlist, b) {
		e.watchlist = append(e.watchlist, b)
	}
	for _, h := range cfg.Impact.Horizons {
		horizons = append(horizons, h.String())
	}
	if cfg.Impact.SessionClose {
		horizons = append(horizons, KindClose)
	}
	if cfg.Impact.NextOpen {
		horizons = append(horizons, KindNextOpen)
	}
	for i := range cfg.Rules {
		r := &cfg.Rules[i]
		if s, ok := r.Spec.(*config.ImpactRule); ok && s.MovePct != nil {
			e.rules = append(e.rules, rule{r, s})
			e.maxWithin = max(e.maxWithin, s.Within.D())
			rules = append(rules, r.Name)
		}
	}
	e.m.initialize(e.symbols, horizons, rules)
	if err := e.st.View(func(tx *store.Tx) error { e.m.pending.Set(float64(countPending(tx))); return nil }); err != nil {
		return nil, err
	}
	return e, nil
}

// OnStories opens a window for every (matched story, ticker) not seen
// before and measures what it can at once. Stories that matched no keyword
// group or concern no ticker are ignored; a story seen again (another
// source, another replica's restart) opens nothing new.
func (e *Engine) OnStories(ctx context.Context, stories []feeds.Story) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	var opened []string
	var pending int
	err := e.st.Update(func(tx *store.Tx) error {
		opened = opened[:0]
		defer func() { pending = countPending(tx) }()
		bs, err := openBuckets(tx)
		if err != nil {
			return err
		}
		for i := range stories {
			s := &stories[i]
			if !s.Matched() || s.ID == "" {
				continue
			}
			symbols, wide := e.measuredOn(s)
			if len(symbols) == 0 {
				continue
			}
			ev := storyEvent(s, now)
			ev.WatchlistWide = wide
			if ev.Time.Before(now.Add(-e.cfg.Retention.D())) {
				continue
			}
			for _, sym := range symbols {
				idx := joinKey(s.ID, sym)
				if bs.index.Get(idx) != nil {
					continue
				}
				w := openWindow(ev, sym, e.cfg.Benchmark, &e.cfg, e.cal)
				k := windowKey(ev.Time, s.ID, sym)
				v, err := encodeWindow(&w)
				if err != nil {
					return err
				}
				if err := errors.Join(bs.windows.Put(k, v), bs.index.Put(idx, k), bs.pending.Put(k, dueValue(w.due(e.maxWithin)))); err != nil {
					return fmt.Errorf("store impact window: %w", err)
				}
				opened = append(opened, sym)
				e.log.Debug("Impact window opened", zap.String("story", s.ID), zap.String("ticker", sym),
					zap.Bool("after_hours", w.Impact.AfterHours), zap.Time("reference", w.Impact.Reference.At))
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("open impact windows: %w", err)
	}
	e.m.pending.Set(float64(pending))
	for _, sym := range opened {
		e.m.stories.WithLabelValues(sym).Inc()
	}
	return e.run(ctx, &pass{now: now})
}

// measuredOn returns the symbols a matched story's impact is measured on:
// the watched tickers it concerns, or, for a story about none that matched
// one of impact.watchlist_groups (a policy notice), the whole watchlist and
// the benchmark (wide).
func (e *Engine) measuredOn(s *feeds.Story) (symbols []string, wide bool) {
	if len(s.Tickers) > 0 {
		return slices.Compact(slices.Sorted(slices.Values(s.Tickers))), false
	}
	for _, g := range e.cfg.WatchlistGroups {
		if slices.Contains(s.Match.GroupNames(), g) {
			return e.watchlist, true
		}
	}
	return nil, false
}

// OnQuotes measures what the poll's quotes make measurable and checks the
// impact rules against them. The quotes must already be in the History
// (tickers.Poller.Poll appends them before it returns).
func (e *Engine) OnQuotes(ctx context.Context, res tickers.Result) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := &pass{now: e.now(), live: map[string]tickers.Quote{}}
	for _, q := range res.Quotes {
		p.live[q.Symbol] = q
	}
	return e.run(ctx, p)
}

// Tick measures every horizon due by now: from the history, else from chart
// bars once the tolerance has passed, else as no_data. It also prunes
// windows past impact.retention, at most once an hour. The app calls it
// every minute; replay calls it on simulated time.
func (e *Engine) Tick(ctx context.Context, now time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	err := e.run(ctx, &pass{now: now})
	if now.Sub(e.lastPrune) >= pruneEvery {
		e.lastPrune = now
		var n int
		perr := e.st.Update(func(tx *store.Tx) error {
			var err error
			n, err = prune(tx, now.Add(-e.cfg.Retention.D()))
			return err
		})
		if perr != nil {
			err = errors.Join(err, fmt.Errorf("prune impact windows: %w", perr))
		} else if n > 0 {
			e.log.Debug("Pruned impact windows", zap.Int("windows", n))
		}
	}
	return err
}
