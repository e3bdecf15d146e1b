// Package pipeline wires what the polls produce to the engines that judge
// it: the rules engine (price, news and source-health rules, see
// internal/alert/rules) and the impact engine (news impact and its
// follow-ups, see internal/impact), both committing alerts to one outbox.
//
// The daemon (internal/app) and `monitord replay` (internal/replay) build
// their pipeline with New and drive it with the same calls, so that a
// replay evaluates a recording exactly as the daemon would have: only the
// clock, the outbox and where the quotes and stories come from differ.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/alert/rules"
	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/impact"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/tickers"
)

// Options are what a Pipeline is built from besides the configuration.
type Options struct {
	// Store keeps the state of both engines. Required.
	Store *store.Store
	// Alerts is the outbox both engines commit their alerts to (an
	// *alert.Dispatcher, or the recorder of a replay). Nil evaluates no
	// rule and sends no impact follow-up, while impact is still measured:
	// `monitord once` without --alerts.
	Alerts rules.Enqueuer
	// AlertMetrics count what the rules fire and suppress; required with
	// Alerts.
	AlertMetrics *alert.Metrics
	// ImpactMetrics are the impact engine's. Required.
	ImpactMetrics *impact.Metrics
	// History is the quote history the quotes are appended to, and
	// Calendar the exchange calendar. Required.
	History  impact.PriceHistory
	Calendar impact.Calendar
	// Bars fills impact horizons the history missed; nil leaves them
	// without data.
	Bars impact.BarSource
	// Handled records that both engines took these matched stories
	// (feeds.Service.Handled), so they are not evaluated again; nil
	// records nothing.
	Handled func(ids ...string) error
	// Logger defaults to a no-op logger; Now to time.Now.
	Logger *zap.Logger
	Now    func() time.Time
}

// Pipeline evaluates quotes, stories and source outcomes with the rules
// and impact engines of one configuration. Like the engines, it keeps its
// state in the store: build a new one on every reload. Its methods are
// safe for concurrent use, as the engines' are.
type Pipeline struct {
	// rules is nil when there is no outbox (Options.Alerts).
	rules   *rules.Engine
	impact  *impact.Engine
	handled func(ids ...string) error
}

// New builds the rules and impact engines of cfg on opts.Store.
func New(cfg *config.Config, opts Options) (*Pipeline, error) {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	p := &Pipeline{handled: opts.Handled}
	iopts := impact.Options{
		Store:    opts.Store,
		History:  opts.History,
		Calendar: opts.Calendar,
		Bars:     opts.Bars,
		Metrics:  opts.ImpactMetrics,
		Logger:   opts.Logger,
		Now:      opts.Now,
	}
	if opts.Alerts != nil {
		eng, err := rules.New(cfg, opts.Store, opts.Alerts, opts.AlertMetrics, opts.Logger, rules.WithClock(opts.Now))
		if err != nil {
			return nil, err
		}
		p.rules = eng
		// Assigned only here: a nil Enqueuer must stay a nil interface.
		iopts.Alerts = opts.Alerts
	}
	imp, err := impact.New(cfg, iopts)
	if err != nil {
		return nil, err
	}
	p.impact = imp
	return p, nil
}

// Impact returns the impact engine, for reading what it measured.
func (p *Pipeline) Impact() *impact.Engine { return p.impact }

// ObserveSource records the outcome of one poll of a source (a feed name
// or rules.SourceQuotes) that asked the upstream, for the source-health
// rules; see rules.Engine.ObserveSource.
func (p *Pipeline) ObserveSource(source string, ok bool, reason string, at time.Time) error {
	if p.rules == nil {
		return nil
	}
	return p.rules.ObserveSource(source, ok, reason, at)
}

// OnQuotes evaluates the price rules on one quote poll's result and
// measures news impact with it. Call it once the quotes are in the
// history. A skipped poll or one without quotes changes nothing. Both
// engines see the result even when one fails; the error joins their
// failures.
func (p *Pipeline) OnQuotes(ctx context.Context, res tickers.Result) error {
	if res.Skipped || len(res.Quotes) == 0 {
		return nil
	}
	var errs []error
	if p.rules != nil {
		if err := p.rules.OnQuotes(ctx, res); err != nil {
			errs = append(errs, fmt.Errorf("price rules: %w", err))
		}
	}
	if err := p.impact.OnQuotes(ctx, res); err != nil {
		errs = append(errs, fmt.Errorf("news impact: %w", err))
	}
	return errors.Join(errs...)
}

// OnStories evaluates the news rules on new stories and opens impact
// windows for them; once both engines took them, the matched ones are
// recorded as handled (Options.Handled). Otherwise they stay pending, for
// a later call to try again: the engines recognise a story they already
// took, so a second evaluation never alerts twice.
//
// Only a story that matched a keyword group can be taken by a news rule or
// open an impact window, so a batch without one is not evaluated: it
// would cost both engines a write transaction (and an fsync) for nothing.
// Pending groups and due horizons are served by Tick.
func (p *Pipeline) OnStories(ctx context.Context, stories []feeds.Story) error {
	if !slices.ContainsFunc(stories, func(s feeds.Story) bool { return s.Matched() }) {
		return nil
	}
	var errs []error
	if p.rules != nil {
		if err := p.rules.OnStories(ctx, stories); err != nil {
			errs = append(errs, fmt.Errorf("news rules: %w", err))
		}
	}
	if err := p.impact.OnStories(ctx, stories); err != nil {
		errs = append(errs, fmt.Errorf("news impact: %w", err))
	}
	if len(errs) > 0 || ctx.Err() != nil || p.handled == nil {
		return errors.Join(errs...)
	}
	var ids []string
	for i := range stories {
		if stories[i].Matched() {
			ids = append(ids, stories[i].ID)
		}
	}
	if err := p.handled(ids...); err != nil {
		return fmt.Errorf("record evaluated stories: %w", err)
	}
	return nil
}

// Tick does what is due at now whatever the polls do: news groups, quiet
// hours, stale sources and Alertmanager refreshes in the rules engine,
// due horizons and pruning in the impact engine. Call it every minute.
func (p *Pipeline) Tick(ctx context.Context, now time.Time) error {
	var errs []error
	if p.rules != nil {
		if err := p.rules.Tick(now); err != nil {
			errs = append(errs, fmt.Errorf("rules: %w", err))
		}
	}
	if err := p.impact.Tick(ctx, now); err != nil {
		errs = append(errs, fmt.Errorf("impact: %w", err))
	}
	return errors.Join(errs...)
}
