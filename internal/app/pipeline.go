package app

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/alert/rules"
	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/pipeline"
	"github.com/monitord/monitord/internal/schedule"
	"github.com/monitord/monitord/internal/tickers"
)

// polls hands what the polls produce to the generation's pipeline: each
// poll's outcome for source health, quotes and stories to evaluate. It
// also redelivers the stories a crash left pending. The pipeline's state
// is in the store, so a reload builds a new one without losing a
// cooldown, an episode or a held alert.
type polls struct {
	pipe *pipeline.Pipeline
	// alerts is false in `monitord once` without --alerts, which
	// evaluates no rule.
	alerts bool
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
	p := &polls{alerts: !a.once || a.onceAlerts, news: gen.news.service, built: a.now(),
		log: a.log.With(zap.String("component", "pipeline")), now: a.now}
	opts := pipeline.Options{
		Store:         a.store,
		AlertMetrics:  a.alertMetrics,
		ImpactMetrics: a.impactMetrics,
		History:       gen.quotes.hist,
		Calendar:      gen.quotes.poller.Calendar(),
		Bars:          gen.quotes.poller,
		Handled:       gen.news.service.Handled,
		Logger:        a.log,
		Now:           a.now,
	}
	if p.alerts {
		opts.Alerts = a.alerts
	}
	pipe, err := pipeline.New(cfg, opts)
	if err != nil {
		return err
	}
	p.pipe = pipe
	gen.quotes.onQuotes = p.onQuotes
	gen.news.onStories = p.onStories
	gen.news.onPolled = p.onPolled
	gen.jobs = append(gen.jobs, schedule.Job{
		Name: "tick",
		Spec: "@every 1m",
		// Grouped news, quiet hours, stale_for; impact horizons and pruning.
		Timeout: 50 * time.Second,
		Run:     func(ctx context.Context) error { return pipe.Tick(ctx, a.now()) },
	})
	gen.jobs = append(gen.jobs, schedule.Job{
		Name:      "pending-stories",
		Spec:      "@every 1m",
		Timeout:   50 * time.Second,
		Immediate: true,
		Run:       p.redeliver,
	})
	gen.pipeline = pipe
	return nil
}

func (p *polls) onQuotes(ctx context.Context, res tickers.Result, pollErr error) {
	if res.Skipped || ctx.Err() != nil {
		return // no upstream was asked, or shutdown cut the poll short
	}
	reason := ""
	if pollErr != nil {
		reason = quoteReason(pollErr)
	}
	if err := p.pipe.ObserveSource(rules.SourceQuotes, len(res.Quotes) > 0, reason, p.now()); err != nil {
		p.log.Error("Recording quote source health failed", zap.NamedError("err", err))
	}
	if err := p.pipe.OnQuotes(ctx, res); err != nil {
		p.log.Error("Evaluating quotes failed", zap.NamedError("err", err))
	}
}

// onStories evaluates the new stories of one URL of a feed, as soon as
// the feed recorded them.
func (p *polls) onStories(ctx context.Context, source string, stories []feeds.Story) {
	if ctx.Err() != nil {
		return // cancelled: the stories stay pending for redeliver
	}
	if err := p.pipe.OnStories(ctx, stories); err != nil {
		p.log.Error("Evaluating stories failed", zap.String("feed", source), zap.NamedError("err", err))
	}
}

// onPolled records a feed poll's outcome for source-health rules.
func (p *polls) onPolled(ctx context.Context, source string, pollErr error) {
	if errors.Is(pollErr, feeds.ErrSkipped) || ctx.Err() != nil {
		return // backing off, or cancelled: neither a success nor a new failure
	}
	reason := ""
	if pollErr != nil {
		reason = feeds.ReasonOf(pollErr)
	}
	if err := p.pipe.ObserveSource(source, pollErr == nil, reason, p.now()); err != nil {
		p.log.Error("Recording feed health failed", zap.String("feed", source), zap.NamedError("err", err))
	}
}

// redeliver evaluates the matched stories a poll recorded but the engines
// never took: orphaned by a crash or a shutdown between the two commits
// (first seen before this generation was built), or left by an engine
// error (first seen over a minute ago). The engines recognise a story
// they already took, so a second evaluation never alerts twice.
func (p *polls) redeliver(ctx context.Context) error {
	if !p.alerts {
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
	if err := p.pipe.OnStories(ctx, stories); err != nil {
		p.log.Error("Evaluating stories failed", zap.NamedError("err", err))
	}
	return nil
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
