package rules

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/store"
)

// ErrUnknownSource is returned by ObserveSource for a name that is neither
// a configured feed nor SourceQuotes.
var ErrUnknownSource = errors.New("unknown source")

// condHealth is the one condition of a source-health rule.
const condHealth = "health"

// maxReason bounds the error text a source-health alert quotes.
const maxReason = 300

// sourceState is a source's current streak, stored under prefixSource +
// name.
type sourceState struct {
	// Failures counts the failed polls since the last success;
	// FailingSince is the first of them (zero while the source works).
	Failures     int       `json:"failures"`
	FailingSince time.Time `json:"failing_since,omitzero"`
	// OKSince is the first success after the last failure.
	OKSince    time.Time `json:"ok_since,omitzero"`
	LastReason string    `json:"last_reason,omitempty"`
}

// ObserveSource records the outcome of one poll of a quote or news source
// and evaluates the source-health rules on it. Call it after every poll
// that asked the upstream: name is the feed's name or SourceQuotes,
// ok whether the poll succeeded (feeds.Source.Poll returned no error;
// tickers.Poller.Poll got at least one quote), reason the error text when
// it failed, at when the poll ended. Do not report polls that were
// skipped (market closed, a feed backing off): they say nothing about the
// source, and a source that is not asked stays as it was (failing, if it
// failed last), which Tick's stale_for check relies on.
func (e *Engine) ObserveSource(name string, ok bool, reason string, at time.Time) error {
	if !e.sources[name] {
		return fmt.Errorf("observe source %q: %w", name, ErrUnknownSource)
	}
	if len(e.health) == 0 {
		return nil
	}
	if ok && e.stillHealthy(name) {
		return nil
	}
	now := e.now()
	var errs []error
	err := e.update(context.Background(), func(tx *store.Tx) error {
		b := bucket(tx)
		k := key(prefixSource, name)
		var prev sourceState
		getJSON(b, k, &prev)
		st := nextSourceState(prev, ok, reason, at)
		if st != prev {
			if err := putJSON(b, k, st); err != nil {
				return err
			}
		}
		errs = e.evalHealth(tx, name, st, at, now, false)
		return nil
	})
	return errors.Join(append(errs, err)...)
}

// nextSourceState is st after one poll.
func nextSourceState(st sourceState, ok bool, reason string, at time.Time) sourceState {
	if ok {
		if st.Failures > 0 || st.OKSince.IsZero() {
			st = sourceState{OKSince: at.UTC()}
		}
		return st
	}
	if st.Failures == 0 {
		st.FailingSince = at.UTC()
	}
	st.Failures++
	st.OKSince = time.Time{}
	st.LastReason = clip(reason, maxReason)
	return st
}

// stillHealthy reports, from a read-only transaction, whether a successful
// poll of source would change nothing: the source was healthy already and
// no source-health rule has an episode open on it. Most polls are such
// polls; at a thousand feeds, a write transaction (and an fsync) for each
// would cost more than the polls themselves.
func (e *Engine) stillHealthy(source string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	healthy := false
	_ = e.st.View(func(tx *store.Tx) error {
		b := bucket(tx)
		var st sourceState
		getJSON(b, key(prefixSource, source), &st)
		if nextSourceState(st, true, "", time.Time{}) != st {
			return nil
		}
		for _, r := range e.health {
			if r.watches(source) && b.Get(episodeKey(r.Name, source, condHealth)) != nil {
				return nil
			}
		}
		healthy = true
		return nil
	})
	return healthy
}

// evalHealth advances the episodes of every source-health rule watching
// source; clock is the time staleness is measured at.
func (e *Engine) evalHealth(tx *store.Tx, source string, st sourceState, clock, now time.Time, tick bool) []error {
	var errs []error
	for _, r := range e.health {
		if !r.watches(source) || (tick && r.StaleFor <= 0) {
			continue
		}
		if err := e.advance(tx, healthObservation(r, source, st, clock, tick), now); err != nil {
			e.log.Error("Cannot evaluate source-health rule", zap.String("rule", r.Name),
				zap.String("source", source), zap.NamedError("err", err))
			errs = append(errs, err)
		}
	}
	return errs
}

func healthObservation(r *rule, source string, st sourceState, clock time.Time, tick bool) *observation {
	var why []string
	if r.Failures > 0 && st.Failures >= r.Failures {
		why = append(why, fmt.Sprintf("%d failed polls in a row (threshold %d)", st.Failures, r.Failures))
	}
	if down := clock.Sub(st.FailingSince); r.StaleFor > 0 && !st.FailingSince.IsZero() && down >= r.StaleFor.D() {
		why = append(why, fmt.Sprintf("no successful poll for %s (threshold %s)", config.Duration(down.Round(time.Second)), r.StaleFor))
	}
	o := &observation{
		rule: r, subject: source, cond: condHealth, kind: alert.KindSourceHealth,
		holds: len(why) > 0, params: healthParams(r),
		at: clock, start: st.FailingSince, tick: tick,
		cleared: "Recovered: a poll succeeded at " + st.OKSince.Format(time.RFC3339),
	}
	if !st.OKSince.IsZero() {
		o.at = st.OKSince // when it cleared
	}
	o.build = func() *alert.Alert {
		summary := fmt.Sprintf("Failing since %s", st.FailingSince.Format(time.RFC3339))
		if st.LastReason != "" {
			summary += "; last error: " + st.LastReason
		}
		return &alert.Alert{
			Source:  source,
			Title:   fmt.Sprintf("Source %s is failing", source),
			Summary: summary,
			Reason:  strings.Join(why, "; "),
		}
	}
	return o
}

// healthParams are the thresholds of a source-health rule.
func healthParams(r *rule) string { return fmt.Sprintf("%d/%s", r.Failures, r.StaleFor) }

// checkStale evaluates stale_for on every failing source, so that a source
// nobody polls any more (one backing off) is reported all the same.
func (e *Engine) checkStale(tx *store.Tx, now time.Time) []error {
	type failing struct {
		name string
		st   sourceState
	}
	var list []failing
	err := scan(bucket(tx), prefixSource, func(k, v []byte) error {
		var st sourceState
		name := string(k[len(prefixSource):])
		if getValue(v, &st) && !st.FailingSince.IsZero() && e.sources[name] {
			list = append(list, failing{name, st})
		}
		return nil
	})
	if err != nil {
		return []error{err}
	}
	var errs []error
	for _, f := range list {
		errs = append(errs, e.evalHealth(tx, f.name, f.st, now, now, true)...)
	}
	return errs
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
