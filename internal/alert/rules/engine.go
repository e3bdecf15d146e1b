// Package rules decides what deserves an alert: it evaluates the price,
// news and source-health rules of the configuration against each quote
// poll, each batch of new stories and each source's poll outcome, applies
// the suppression policy (cooldown, repeat, quiet hours, grouping) and
// commits the alerts it decides on to the durable outbox of internal/alert.
//
// The model is Alertmanager's: a price or source-health condition is an
// episode that fires when it starts, stays quiet while it holds (or repeats
// every repeat_interval), and resolves when it clears, under one
// content-derived condition id (rule, subject, condition and the episode's
// start), so that replicas name the same episode the same. Every piece of
// state (episodes, cooldowns, stories already announced, pending groups,
// alerts held by quiet hours) lives in store.BucketAlertState under keys
// starting with "rules/" and is written in the same transaction as the
// alerts it accounts for: a restart or a config reload neither repeats an
// alert nor forgets one.
package rules

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/tickers"
)

// Enqueuer commits alerts to the outbox inside the caller's transaction.
// *alert.Dispatcher satisfies it.
type Enqueuer interface {
	EnqueueTx(tx *store.Tx, a *alert.Alert, receivers ...string) error
}

// Suppression reasons: the reason label of monitord_alert_suppressed_total.
const (
	// ReasonCooldown: the rule alerted for the same symbol, source or
	// ticker less than cooldown ago.
	ReasonCooldown = "cooldown"
	// ReasonRepeat: the condition still holds and was already announced
	// (repeat_interval unset or not yet elapsed).
	ReasonRepeat = "repeat"
	// ReasonQuietHours: the alert is held until the rule's quiet hours end.
	ReasonQuietHours = "quiet_hours"
	// ReasonMarketClosed: a market_hours_only price rule matched a quote
	// outside the regular session.
	ReasonMarketClosed = "market_closed"
	// ReasonDuplicate: the story was already announced by this rule (a
	// second source, a later poll, another replica's restart).
	ReasonDuplicate = "duplicate"
	// ReasonMinScore: the story matched but scored under min_score.
	ReasonMinScore = "min_score"
)

// SourceQuotes is the source name of the quote poller for ObserveSource
// and the sources filter of source-health rules.
const SourceQuotes = config.QuotesSource

// Engine evaluates the rules of one configuration. Build a new one on
// every config reload: all state is in the store, so the new Engine goes on
// where the old one stopped (a cooldown, an open episode, a pending group).
//
// Its methods are safe for concurrent use: mu serialises them, so each sees
// the state the previous one committed. Two Engines on one store (the old
// and the new across a reload) stay correct because every read-modify-write
// of state happens inside one store transaction.
type Engine struct {
	cfg  *config.Config
	st   *store.Store
	q    Enqueuer
	m    *alert.Metrics
	log  *zap.Logger
	now  func() time.Time
	hist *tickers.History

	price, news, health []*rule
	byName              map[string]*rule
	// symbols are the watchlist's symbols and sources the names a
	// source-health rule can watch (feeds and SourceQuotes): state about
	// anything else is left over from an older config.
	symbols, sources map[string]bool
	// receivers are the configured receivers by name (their type decides
	// who hears resolved notifications and Alertmanager refreshes).
	receivers map[string]*config.Receiver

	mu sync.Mutex
	// zones caches exchange time zones by name; guarded by mu.
	zones map[string]*time.Location
	// lastPrune is when Tick last pruned announced stories; guarded by mu.
	lastPrune time.Time
}

// Option configures an Engine.
type Option func(*Engine)

// WithClock replaces time.Now, for tests and replays.
func WithClock(now func() time.Time) Option { return func(e *Engine) { e.now = now } }

// New returns the Engine for cfg. It reconciles the stored state with cfg:
// episodes of rules, conditions, symbols or sources that cfg no longer has
// are resolved (for the receivers that hear resolved notifications) and
// forgotten. Impact rules are ignored: internal/impact evaluates them.
func New(cfg *config.Config, st *store.Store, q Enqueuer, m *alert.Metrics, log *zap.Logger, opts ...Option) (*Engine, error) {
	if cfg == nil || st == nil || q == nil || m == nil {
		return nil, errors.New("rules: config, store, enqueuer and metrics are required")
	}
	if log == nil {
		log = zap.NewNop()
	}
	e := &Engine{
		cfg: cfg, st: st, q: q, m: m, log: log.With(zap.String("component", "rules")),
		now: time.Now, hist: tickers.NewHistory(st, cfg.Quotes.HistoryRetention.D()),
		byName: map[string]*rule{}, receivers: map[string]*config.Receiver{},
		symbols: map[string]bool{}, sources: map[string]bool{SourceQuotes: true},
		zones: map[string]*time.Location{},
	}
	for _, o := range opts {
		o(e)
	}
	for _, t := range cfg.Tickers {
		e.symbols[t.Symbol] = true
	}
	for _, f := range cfg.Feeds {
		e.sources[f.Name] = true
	}
	for i := range cfg.Receivers {
		e.receivers[cfg.Receivers[i].Name] = &cfg.Receivers[i]
	}
	for i := range cfg.Rules {
		if err := e.add(&cfg.Rules[i]); err != nil {
			return nil, fmt.Errorf("rules[%d] (%s): %w", i, cfg.Rules[i].Name, err)
		}
	}
	if err := e.reconcile(e.now()); err != nil {
		return nil, err
	}
	return e, nil
}

// initMetrics pre-initialises the series of r, so rate() sees zeros.
func (e *Engine) initMetrics(r *rule) {
	e.m.Fired.WithLabelValues(r.Name)
	for _, reason := range r.reasons {
		e.m.Suppressed.WithLabelValues(r.Name, reason)
	}
}

// update runs fn in one store transaction under the Engine's lock.
func (e *Engine) update(ctx context.Context, fn func(tx *store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.Update(fn)
}

// suppressed counts one alert held back, once tx commits.
func (e *Engine) suppressed(tx *store.Tx, rule, reason string) {
	tx.OnCommit(func() { e.m.Suppressed.WithLabelValues(rule, reason).Inc() })
}

// fired counts one firing notification committed to the outbox.
func (e *Engine) fired(tx *store.Tx, rule string) {
	tx.OnCommit(func() { e.m.Fired.WithLabelValues(rule).Inc() })
}

// existing returns the names in receivers that are still configured.
func (e *Engine) existing(receivers []string) []string {
	out := make([]string, 0, len(receivers))
	for _, r := range receivers {
		if _, ok := e.receivers[r]; ok {
			out = append(out, r)
		}
	}
	return out
}

// resolvedReceivers returns who of receivers hears that a condition of r
// cleared (see config.Rule.SendResolved); r is nil for a removed rule,
// whose resolved notifications follow the defaults.
func (e *Engine) resolvedReceivers(r *rule, receivers []string) []string {
	var send *bool
	if r != nil {
		send = r.SendResolved
	}
	var out []string
	for _, name := range e.existing(receivers) {
		rc := e.receivers[name]
		switch {
		case rc.Alertmanager != nil, send != nil && *send, send == nil && rc.Webhook != nil:
			out = append(out, name)
		}
	}
	return out
}

// amRefresh returns the Alertmanager receivers among receivers and half
// the shortest of their resolve timeouts: how often a firing alert must be
// pushed again so that Alertmanager does not end it on its own.
func (e *Engine) amRefresh(receivers []string) ([]string, time.Duration) {
	var out []string
	var every time.Duration
	for _, name := range e.existing(receivers) {
		am := e.receivers[name].Alertmanager
		if am == nil {
			continue
		}
		out = append(out, name)
		d := am.Resolve.D()
		if d <= 0 {
			d = config.DefaultAlertmanagerResolve.D()
		}
		if every == 0 || d/2 < every {
			every = d / 2
		}
	}
	return out, every
}

// zone returns the named time zone, or the exchange's default (New York)
// when the name is empty or unknown.
func (e *Engine) zone(name string) *time.Location {
	if name == "" {
		name = "America/New_York"
	}
	if loc, ok := e.zones[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		if name != "America/New_York" {
			loc = e.zone("")
		} else {
			loc = e.cfg.Location()
		}
	}
	e.zones[name] = loc
	return loc
}

// sortedUnique sorts s and drops repeats, in place.
func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
