package app

import (
	"context"
	"errors"
	"io"
	"maps"
	"reflect"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/schedule"
	"github.com/monitord/monitord/internal/status"
	"github.com/monitord/monitord/internal/tickers"
	"github.com/monitord/monitord/internal/upstream"
)

// quoteJob polls every symbol on quotes.schedule and hands the accepted
// quotes to the rest of the pipeline.
type quoteJob struct {
	poller *tickers.Poller
	hist   *tickers.History
	log    *zap.Logger
	now    func() time.Time
	// onQuotes receives every poll's result and error (rules, impact).
	onQuotes func(ctx context.Context, res tickers.Result, err error)

	// last is the latest result, for `monitord once`; h the source's
	// health, for the status page.
	mu   sync.Mutex
	last tickers.Result
	h    quoteHealth
}

// samePoller reports whether a reload may keep the running poller: its
// Yahoo session (cookie, crumb) and backoff state then survive, so a
// reload never resets a backoff Yahoo asked for.
func samePoller(old, cfg *config.Config) bool {
	return old != nil && reflect.DeepEqual(old.Quotes, cfg.Quotes) &&
		old.Global.UserAgent == cfg.Global.UserAgent &&
		reflect.DeepEqual(old.Tickers, cfg.Tickers) && old.Impact.Benchmark == cfg.Impact.Benchmark
}

func (a *App) buildQuotes(cfg *config.Config, gen *generation) error {
	var (
		poller *tickers.Poller
		hist   *tickers.History
	)
	if prev := a.gen; prev != nil && prev.quotes != nil && samePoller(prev.cfg, cfg) {
		poller, hist = prev.quotes.poller, prev.quotes.hist
	} else {
		hist = tickers.NewHistory(a.store, cfg.Quotes.HistoryRetention.D())
		p, err := tickers.NewPoller(cfg, hist, a.tickerMetrics, a.log, tickers.WithClock(a.now), tickers.WithHosts(a.hosts))
		if err != nil {
			return err
		}
		poller = p
	}
	q := &quoteJob{poller: poller, hist: hist, log: a.log.With(zap.String("component", "quotes")), now: a.now}
	gen.quotes = q
	gen.sources["quotes"] = true
	gen.jobs = append(gen.jobs, schedule.Job{
		Name: "quotes",
		Spec: cfg.Quotes.Schedule,
		// The poll bounds itself by quotes.timeout; the job's timeout is a
		// backstop for the rules and impact work after it.
		Timeout:   cfg.Quotes.Timeout.D() + time.Minute,
		Immediate: true,
		Run:       q.run,
	})
	gen.reports = append(gen.reports, q.report)
	return nil
}

func (q *quoteJob) run(ctx context.Context) error {
	res, err := q.poller.Poll(ctx)
	q.mu.Lock()
	q.last = res
	q.mu.Unlock()
	if !res.Skipped && ctx.Err() == nil {
		q.observe(res, err)
	}
	if q.onQuotes != nil {
		q.onQuotes(ctx, res, err)
	}
	return err
}

func (q *quoteJob) report(w io.Writer) {
	q.mu.Lock()
	res := q.last
	q.mu.Unlock()
	io.WriteString(w, "Quotes\n")
	if res.Skipped {
		io.WriteString(w, "  skipped: "+res.Reason+"\n\n")
		return
	}
	tickers.WriteTable(w, res.Quotes, q.now())
	if len(res.Errors) > 0 {
		tickers.WriteErrors(w, res.Errors)
	}
	io.WriteString(w, "\n")
}

// quoteHealth is the quote source's state as the last polls left it.
type quoteHealth struct {
	lastSuccess time.Time
	failures    int
	lastError   string
}

func (q *quoteJob) health() quoteHealth {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.h
}

// observe records a poll that asked the upstream.
func (q *quoteJob) observe(res tickers.Result, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(res.Quotes) > 0 {
		q.h.lastSuccess, q.h.failures, q.h.lastError = q.now(), 0, ""
		return
	}
	q.h.failures++
	if err != nil {
		q.h.lastError = quoteCause(res, err)
	}
}

// quoteCause is a failed poll's cause in words, for the status page: the
// request failure behind a symbol's error (the first by symbol),
// else the poll's own.
func quoteCause(res tickers.Result, err error) string {
	errs := []error{err}
	for _, s := range slices.Sorted(maps.Keys(res.Errors)) {
		errs = append(errs, res.Errors[s])
	}
	for _, e := range errs {
		if re, ok := errors.AsType[*tickers.RequestError](e); ok {
			return upstream.Describe(re.Reason, re.Status)
		}
	}
	return upstream.Describe(quoteReason(err), 0)
}

// marketNote says why the watchlist may show no or old prices: the quotes
// fail, or the market is not in its regular session (and when it opens).
func (q *quoteJob) marketNote(now time.Time) string {
	if h := q.health(); h.failures > 0 && h.lastError != "" {
		return "Quotes are failing: " + h.lastError + "."
	}
	sess := q.poller.Session(now)
	if sess == tickers.SessionRegular {
		return ""
	}
	cal := q.poller.Calendar()
	open := cal.NextOpen(now).In(cal.Location())
	what := map[tickers.Session]string{tickers.SessionPre: "in its pre-market session",
		tickers.SessionPost: "in its post-market session"}[sess]
	if what == "" {
		what = "closed"
		if name, holiday := cal.Holiday(now); holiday {
			what += " (" + name + ")"
		}
	}
	note := "The market is " + what + "; the next regular session opens " + open.Format("Mon 2 Jan 15:04 MST")
	if q.poller.MarketHoursOnly() && !q.poller.Pollable(sess) {
		note += ", when quotes are polled again"
	}
	return note + "."
}

// rows is the watchlist for the status page, with today's prices from the
// quote history for the sparklines.
func (q *quoteJob) rows(now time.Time) []status.QuoteRow {
	latest := map[string]tickers.Quote{}
	for _, qt := range q.poller.Latest() {
		latest[qt.Symbol] = qt
	}
	stale := map[string]bool{}
	for _, s := range q.poller.Stale(now) {
		stale[s] = true
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	var out []status.QuoteRow
	for _, sym := range q.poller.Symbols() {
		qt := latest[sym]
		row := status.QuoteRow{Symbol: sym, Name: qt.Name, Price: qt.Price, ChangePct: qt.ChangePct(),
			Volume: qt.Volume, MarketState: qt.MarketState, Source: qt.Source, QuoteTime: qt.QuoteTime, Stale: stale[sym]}
		if pts, err := q.hist.Range(sym, day, now); err == nil {
			for _, p := range pts {
				row.Spark = append(row.Spark, p.Price)
			}
		}
		out = append(out, row)
	}
	return out
}
