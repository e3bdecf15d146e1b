package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/monitord/monitord/internal/config"
)

// rule is a config.Rule made ready for evaluation: the keys of its type,
// its filters as sets, its quiet hours parsed and the conditions it judges.
type rule struct {
	*config.Rule
	// The keys of the rule's type: one of these is set, as add found the
	// rule's Spec. They are embedded so that the evaluation of a type
	// reads its keys as r.ChangePct, r.MinScore or r.StaleFor.
	*config.PriceRule
	*config.NewsRule
	*config.SourceHealthRule
	// Episodes are the repeat and resolve keys of a price or source_health
	// rule; zero for a news rule.
	config.Episodes

	tickers  map[string]bool // empty: every symbol
	sources  map[string]bool // empty: every source
	keywords map[string]bool
	quiet    []window
	loc      *time.Location
	// conds are the conditions the rule keeps episodes of, and judges
	// reports whether it judges a subject (a symbol or a source): reconcile
	// resolves every other episode. Both are empty for a news rule.
	conds  []condition
	judges func(subject string) bool
	// reasons are the suppression reasons the rule can count.
	reasons []string
}

// add makes the configured rule cr ready for evaluation and files it with
// the events that evaluate it. It is where the Engine dispatches on rule
// types: each case takes the keys of one type (config.Rule.Spec). Rules of
// a type it does not know, impact rules, are left to internal/impact.
func (e *Engine) add(cr *config.Rule) error {
	r := &rule{Rule: cr, loc: e.cfg.Location(), tickers: set(cr.Tickers),
		reasons: []string{ReasonCooldown, ReasonQuietHours}}
	var quiet []string
	switch s := cr.Spec.(type) {
	case *config.PriceRule:
		r.PriceRule, r.Episodes, quiet = s, s.Episodes, s.QuietHours
		r.conds = priceConditions(s)
		r.judges = func(symbol string) bool { return e.symbols[symbol] && r.concerns(symbol) }
		r.reasons = append(r.reasons, ReasonRepeat)
		if s.MarketHoursOnly {
			r.reasons = append(r.reasons, ReasonMarketClosed)
		}
		e.price = append(e.price, r)
	case *config.NewsRule:
		r.NewsRule, quiet = s, s.QuietHours
		r.keywords = set(s.Keywords)
		r.reasons = append(r.reasons, ReasonDuplicate, ReasonMinScore)
		e.news = append(e.news, r)
	case *config.SourceHealthRule:
		r.SourceHealthRule, r.Episodes, quiet = s, s.Episodes, s.QuietHours
		r.sources = set(s.Sources)
		r.conds = []condition{{condHealth, healthParams(r)}}
		r.judges = func(source string) bool { return e.sources[source] && r.watches(source) }
		r.reasons = append(r.reasons, ReasonRepeat)
		e.health = append(e.health, r)
	default:
		return nil
	}
	var err error
	if r.quiet, err = parseQuiet(quiet); err != nil {
		return err
	}
	e.byName[r.Name] = r
	e.initMetrics(r)
	return nil
}

// parseQuiet parses the daily windows of a quiet_hours key.
func parseQuiet(windows []string) ([]window, error) {
	var out []window
	for _, q := range windows {
		from, to, err := config.ParseClockRange(q)
		if err != nil {
			return nil, fmt.Errorf("quiet_hours: %w", err)
		}
		out = append(out, window{from: from, to: to})
	}
	return out, nil
}

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// concerns reports whether the rule's tickers filter lets symbol through.
func (r *rule) concerns(symbol string) bool { return len(r.tickers) == 0 || r.tickers[symbol] }

// watches reports whether the rule's sources filter lets source through.
func (r *rule) watches(source string) bool { return len(r.sources) == 0 || r.sources[source] }

// window is a daily quiet-hours window in minutes after midnight; it wraps
// past midnight when to < from.
type window struct{ from, to int }

// quietUntil reports whether t falls in one of r's quiet-hours windows and,
// if so, when the last window covering t ends. A nil rule (one removed by
// a reload) has none.
func (r *rule) quietUntil(t time.Time) (time.Time, bool) {
	if r == nil || len(r.quiet) == 0 {
		return time.Time{}, false
	}
	lt := t.In(r.loc)
	minute := lt.Hour()*60 + lt.Minute()
	var until time.Time
	for _, w := range r.quiet {
		end, in := w.end(lt, minute)
		if in && end.After(until) {
			until = end
		}
	}
	return until, !until.IsZero()
}

// end returns when w ends if lt (minute minutes after its midnight) is in
// it. Wall-clock arithmetic through time.Date keeps it right across DST.
func (w window) end(lt time.Time, minute int) (time.Time, bool) {
	y, m, d := lt.Date()
	at := func(day, mins int) time.Time {
		return time.Date(y, m, d+day, mins/60, mins%60, 0, 0, lt.Location())
	}
	switch {
	case w.from < w.to && minute >= w.from && minute < w.to:
		return at(0, w.to), true
	case w.from > w.to && minute >= w.from:
		return at(1, w.to), true
	case w.from > w.to && minute < w.to:
		return at(0, w.to), true
	}
	return time.Time{}, false
}

// key joins the parts of a state key with '/': rule names, symbols, feed
// names and condition names cannot contain one (config validates them).
func key(prefix string, parts ...string) []byte {
	return []byte(prefix + strings.Join(parts, "/"))
}
