package app

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/alert/rules"
	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/impact"
	"github.com/monitord/monitord/internal/schedule"
	"github.com/monitord/monitord/internal/tickers"
)

// pipeline carries what the polls produce to the rule engine: quotes and
// stories to evaluate, and each poll's outcome for source health. Its
// state is in the store, so a reload builds a new one without losing a
// cooldown, an episode or a held alert.
type pipeline struct {
	// rules is nil in `monitord once` without --alerts.
	rules  *rules.Engine
	impact *impact.Engine
	// news keeps matched stories pending until both engines have
	// evaluated them (see feeds.Service.Unhandled).
	news *feeds.Service
	// built is when the generation was built: stories still pending from
	// before it were orphaned by a crash, a shutdown or a reload.
	built time.Time
	log   *zap.Logger
	now   func() time.Time
}

func (a *App) buildPipeline(cfg *config.Config, gen *generation) error {
	p := &pipeline{log: a.log.With(zap.String("component", "pipeline")), now: a.now,
		news: gen.news.service, built: a.now()}
	sendAlerts := !a.once || a.onceAlerts
	if sendAlerts {
		eng, err := rules.New(cfg, a.store, a.alerts, a.alertMetrics, a.log, rules.WithClock(a.now))
		if err != nil {
			return err
		}
		p.rules = eng
	}
	opts := impact.Options{
		Store:    a.store,
		History:  gen.quotes.hist,
		Calendar: gen.quotes.poller.Calendar(),
		Bars:     gen.quotes.poller,
		Metrics:  a.impactMetrics,
		Logger:   a.log,
		Now:      a.now,
	}
	if sendAlerts {
		opts.Alerts = a.alerts
	}
	imp, err := impact.New(cfg, opts)
	if err != nil {
		return err
	}
	p.impact = imp
	gen.quotes.onQuotes = p.onQuotes
	gen.news.onStories = p.onStories
	gen.jobs = append(gen.jobs, schedule.Job{
		Name: "tick",
		Spec: "@every 1m",
		// Grouped news, quiet hours, stale_for; impact horizons and pruning.
		Timeout: 50 * time.Second,
		Run:     p.tick,
	})
	gen.jobs = append(gen.jobs, schedule.Job{
		Name:      "pending-stories",
		Spec:      "@every 1m",
		Timeout:   50 * time.Second,
		Immediate: true,
		Run:       p.redeliver,
	})
	gen.pipeline = p
	return nil
}

func (p *pipeline) onQuotes(ctx context.Context, res tickers.Result, pollErr error) {
	if res.Skipped || ctx.Err() != nil {
		return // no upstream was asked, or shutdown cut the poll short
	}
	reason := ""
	if pollErr != nil {
		reason = quoteReason(pollErr)
	}
	if p.rules != nil {
		if err := p.rules.ObserveSource(rules.SourceQuotes, len(res.Quotes) > 0, reason, p.now()); err != nil {
			p.log.Error("Recording quote source health failed", zap.Error(err))
		}
	}
	if len(res.Quotes) == 0 {
		return
	}
	if p.rules != nil {
		if err := p.rules.OnQuotes(ctx, res); err != nil {
			p.log.Error("Evaluating price rules failed", zap.Error(err))
		}
	}
	if err := p.impact.OnQuotes(ctx, res); err != nil {
		p.log.Error("Measuring news impact failed", zap.Error(err))
	}
}

func (p *pipeline) onStories(ctx context.Context, source string, stories []feeds.Story, pollErr error) {
	if errors.Is(pollErr, feeds.ErrSkipped) || ctx.Err() != nil {
		return // backing off, or cancelled: neither a success nor a new failure
	}
	reason := ""
	if pollErr != nil {
		reason = feeds.ReasonOf(pollErr)
	}
	if p.rules != nil {
		if err := p.rules.ObserveSource(source, pollErr == nil, reason, p.now()); err != nil {
			p.log.Error("Recording feed health failed", zap.String("feed", source), zap.Error(err))
		}
	}
	// Only a story that matched a keyword group can be taken by a news
	// rule or open an impact window; a batch without one would cost both
	// engines a write transaction (and an fsync) for nothing. Pending
	// groups and due horizons are still served by tick.
	if !slices.ContainsFunc(stories, func(s feeds.Story) bool { return s.Matched() }) {
		return
	}
	p.evaluate(ctx, p.log.With(zap.String("feed", source)), stories)
}

// evaluate hands stories to the rules and the impact engine and, when both
// took them, marks the matched ones handled; otherwise they stay pending
// and redeliver tries again.
func (p *pipeline) evaluate(ctx context.Context, log *zap.Logger, stories []feeds.Story) {
	ok := true
	if p.rules != nil {
		if err := p.rules.OnStories(ctx, stories); err != nil {
			log.Error("Evaluating news rules failed", zap.Error(err))
			ok = false
		}
	}
	if err := p.impact.OnStories(ctx, stories); err != nil {
		log.Error("Opening news impact windows failed", zap.Error(err))
		ok = false
	}
	if !ok || ctx.Err() != nil {
		return
	}
	var ids []string
	for i := range stories {
		if stories[i].Matched() {
			ids = append(ids, stories[i].ID)
		}
	}
	if err := p.news.Handled(ids...); err != nil {
		log.Error("Recording evaluated stories failed", zap.Error(err))
	}
}

// redeliver evaluates the matched stories a poll recorded but the engines
// never took: orphaned by a crash or a shutdown between the two commits
// (first seen before this generation was built), or left by an engine
// error (first seen over a minute ago). The engines recognise a story
// they already took, so a second evaluation never alerts twice.
func (p *pipeline) redeliver(ctx context.Context) error {
	if p.rules == nil {
		return nil // `monitord once` without --alerts evaluates nothing
	}
	cutoff := p.now().Add(-time.Minute)
	if cutoff.Before(p.built) {
		cutoff = p.built
	}
	stories, err := p.news.Unhandled(cutoff)
	if err != nil || len(stories) == 0 {
		return err
	}
	p.log.Info("Evaluating stories left pending", zap.Int("stories", len(stories)))
	p.evaluate(ctx, p.log, stories)
	return nil
}

func (p *pipeline) tick(ctx context.Context) error {
	var errs []error
	if p.rules != nil {
		errs = append(errs, p.rules.Tick(p.now()))
	}
	errs = append(errs, p.impact.Tick(ctx, p.now()))
	return errors.Join(errs...)
}

// quoteReason is the reason label of a failed quote poll.
func quoteReason(err error) string {
	var re *tickers.RequestError
	switch {
	case errors.As(err, &re):
		return re.Reason
	case errors.Is(err, tickers.ErrNoQuotes):
		return "no_quotes"
	}
	return "error"
}
