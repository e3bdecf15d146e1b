package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/monitord/monitord/internal/config"
)

// rule is a config.Rule made ready for evaluation: its filters as sets,
// its quiet hours parsed and its price conditions listed.
type rule struct {
	*config.Rule
	tickers  map[string]bool // empty: every symbol
	sources  map[string]bool // empty: every source
	keywords map[string]bool
	quiet    []window
	loc      *time.Location
	conds    []condition
}

func compile(r *config.Rule, loc *time.Location) (*rule, error) {
	c := &rule{Rule: r, loc: loc, tickers: set(r.Tickers), sources: set(r.Sources), keywords: set(r.Keywords)}
	for _, q := range r.QuietHours {
		from, to, err := config.ParseClockRange(q)
		if err != nil {
			return nil, fmt.Errorf("quiet_hours: %w", err)
		}
		c.quiet = append(c.quiet, window{from: from, to: to})
	}
	if r.Type == config.RulePrice {
		c.conds = priceConditions(r)
	}
	return c, nil
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
