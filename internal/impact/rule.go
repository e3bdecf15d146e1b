package impact

import (
	"fmt"
	"math"
	"slices"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/store"
)

// Enqueuer queues an alert inside the caller's transaction, so that the
// follow-up and the record that it was sent commit together; it is
// satisfied by *alert.Dispatcher.
type Enqueuer interface {
	EnqueueTx(tx *store.Tx, a *alert.Alert, receivers ...string) error
}

// EnqueuerFunc adapts a function to Enqueuer (replay prints instead).
type EnqueuerFunc func(tx *store.Tx, a *alert.Alert, receivers ...string) error

// EnqueueTx calls f.
func (f EnqueuerFunc) EnqueueTx(tx *store.Tx, a *alert.Alert, receivers ...string) error {
	return f(tx, a, receivers...)
}

// staleFollowUp is how old an observation may be when it is first seen and
// still be followed up: a horizon filled from chart bars after a long
// outage is recorded, but an alert about yesterday's reaction would only
// be noise.
const staleFollowUp = time.Hour

// observation is a price of a window's ticker after its reference: a
// measured horizon, or a live quote within the rules' reach.
type observation struct {
	w *window
	// at is the time of the price (quote or bar); elapsed is how long after
	// the reference the observation stands for (the horizon's offset).
	at      time.Time
	elapsed time.Duration
	// label says when: "in 15m", "by the close", "at the next open".
	label      string
	price      float64
	benchPrice float64
	move       float64
	benchMove  *float64
	abnormal   *float64
	// rawOnly: a benchmark applies but had no price.
	rawOnly bool
}

// effective is the move the rule compares: abnormal when known, else raw.
func (o *observation) effective() float64 {
	if o.abnormal != nil {
		return *o.abnormal
	}
	return o.move
}

func horizonObservation(w *window, i int) observation {
	h := &w.Impact.Horizons[i]
	ref := w.Impact.Reference.At
	o := observation{w: w, at: h.PriceTime, elapsed: h.At.Sub(ref), label: h.label(ref), price: h.Price,
		move: *h.MovePct, benchMove: h.BenchmarkMovePct, abnormal: h.AbnormalPct, rawOnly: h.BenchmarkMissing}
	if h.BenchmarkPrice != nil {
		o.benchPrice = *h.BenchmarkPrice
	}
	return o
}

// liveObservation makes an observation of the pass's quote of w's ticker
// when the impact rules can still use it.
func (e *Engine) liveObservation(p *pass, w *window) (observation, bool) {
	im := &w.Impact
	ref := &im.Reference
	q, ok := p.live[im.Ticker]
	if len(e.rules) == 0 || !ok || q.Price <= 0 || ref.Status != StatusMeasured {
		return observation{}, false
	}
	elapsed := q.QuoteTime.Sub(ref.At)
	if elapsed <= 0 || elapsed > e.maxWithin {
		return observation{}, false
	}
	o := observation{w: w, at: q.QuoteTime, elapsed: elapsed, label: "in " + shortDuration(elapsed),
		price: q.Price, move: *pct(q.Price, ref.Price)}
	if im.Benchmark != "" {
		bq, ok := p.live[im.Benchmark]
		if !ok || bq.Price <= 0 || ref.BenchmarkPrice == nil {
			o.rawOnly = true
			return o, true
		}
		o.benchPrice = bq.Price
		o.benchMove = pct(bq.Price, *ref.BenchmarkPrice)
		o.abnormal = round(o.move - *o.benchMove)
	}
	return o, true
}

// rule is an impact rule: the keys every rule has and those of its
// type, embedded so that r.Tickers and r.MovePct read alike.
type rule struct {
	*config.Rule
	*config.ImpactRule
}

// appendIfRule keeps o for the follow-up check only if a rule matches it,
// so that a pass without candidates writes nothing.
func (e *Engine) appendIfRule(obs []observation, o observation) []observation {
	if e.alerts == nil || !slices.ContainsFunc(e.rules, func(r rule) bool { return applies(&r, &o) }) {
		return obs
	}
	return append(obs, o)
}

// sentFollowUp is a follow-up queued in a pass, for metrics and logs after
// the commit.
type sentFollowUp struct{ rule, story, ticker string }

// followUp checks o against every impact rule and queues a follow-up for
// each that matches and has not followed this story and ticker up yet.
func (e *Engine) followUp(tx *store.Tx, bs buckets, o *observation, now time.Time) ([]sentFollowUp, error) {
	if e.alerts == nil {
		return nil, nil
	}
	var sent []sentFollowUp
	ev, sym := &o.w.Story, o.w.Impact.Ticker
	for i := range e.rules {
		r := &e.rules[i]
		if !applies(r, o) || now.Sub(o.at) > staleFollowUp {
			continue
		}
		fired := joinKey(r.Name, ev.ID, sym)
		if bs.fired.Get(fired) != nil {
			continue
		}
		cool := joinKey(r.Name, sym)
		if last, ok := valueTime(bs.cooldown.Get(cool)); ok && now.Sub(last) < r.Cooldown.D() {
			continue
		}
		a := followUpAlert(r, o, now)
		if err := e.alerts.EnqueueTx(tx, a, r.Receivers...); err != nil {
			// A rule that cannot be queued must not block the windows'
			// progress; it is retried with the next observation.
			e.log.Error("Impact follow-up not queued", zap.String("rule", r.Name), zap.String("story", ev.ID),
				zap.String("ticker", sym), zap.NamedError("err", err))
			continue
		}
		if err := bs.fired.Put(fired, timeValue(now)); err != nil {
			return nil, err
		}
		if err := bs.cooldown.Put(cool, timeValue(now)); err != nil {
			return nil, err
		}
		sent = append(sent, sentFollowUp{rule: r.Name, story: ev.ID, ticker: sym})
	}
	return sent, nil
}

// applies reports whether rule r matches o: the ticker and keyword filters,
// the move's size and its time after the reference.
//
// A story measured on the whole watchlist (impact.watchlist_groups) is
// followed up only by rules whose keywords name one of its groups: a
// policy notice moves every name a little, and a rule written for company
// news would alert once per ticker.
func applies(r *rule, o *observation) bool {
	if len(r.Tickers) > 0 && !slices.Contains(r.Tickers, o.w.Impact.Ticker) {
		return false
	}
	if o.w.Story.WatchlistWide && len(r.Keywords) == 0 {
		return false
	}
	if len(r.Keywords) > 0 && !slices.ContainsFunc(r.Keywords, func(k string) bool { return slices.Contains(o.w.Story.Groups, k) }) {
		return false
	}
	return r.MovePct != nil && o.elapsed > 0 && o.elapsed <= r.Within.D() && math.Abs(o.effective()) >= *r.MovePct
}

// followUpAlert is the alert of rule r for o: "MP +7.9% in 15m after 'MP
// Materials signs DoD magnet deal'". Its ids derive from the rule, the story
// and the ticker (alert.Identify), the same on every replica.
func followUpAlert(r *rule, o *observation, now time.Time) *alert.Alert {
	ev, im := &o.w.Story, &o.w.Impact
	ref := im.Reference.Price
	move := o.effective()
	kind := "abnormal move"
	detail := fmt.Sprintf(" (%s %s, %s %s)", im.Ticker, signedPct(o.move), im.Benchmark, signedPct(deref(o.benchMove)))
	switch {
	case im.Benchmark == "":
		kind, detail = "move", ""
	case o.rawOnly:
		kind, detail = "raw move", fmt.Sprintf(" (%s had no price)", im.Benchmark)
	}
	when := "the story"
	if im.AfterHours {
		when = "the open after the story"
	}
	return &alert.Alert{
		Status:   alert.StatusFiring,
		Kind:     alert.KindImpact,
		Rule:     r.Name,
		Severity: r.Severity,
		Symbols:  []string{im.Ticker},
		Title:    fmt.Sprintf("%s %s %s after '%s'", im.Ticker, signedPct(move), o.label, clip(ev.Title, 120)),
		Summary: fmt.Sprintf("%s went from %s to %s %s after %s.", im.Ticker, money(ref), money(o.price), o.label, when) +
			benchSummary(im.Benchmark, o),
		Reason: fmt.Sprintf("%s %s%s %s; rule %s: at least %g%% within %s", kind, signedPct(move), detail, o.label,
			r.Name, *r.MovePct, r.Within),
		Link:  ev.Link,
		Price: &alert.Price{Symbol: im.Ticker, Price: o.price, Change: *round(o.price - ref), ChangePct: o.move, At: o.at},
		Headlines: []alert.Headline{{ID: ev.ID, Title: ev.Title, URL: ev.Link, Sources: ev.Sources,
			Tickers: ev.Tickers, Terms: ev.Terms, PublishedAt: ev.Time}},
		StartsAt:  o.at,
		CreatedAt: now,
	}
}

func benchSummary(bench string, o *observation) string {
	if bench == "" || o.benchMove == nil {
		return ""
	}
	return fmt.Sprintf(" %s moved %s over the same span.", bench, signedPct(*o.benchMove))
}

func signedPct(v float64) string { return fmt.Sprintf("%+.1f%%", v) }

func money(v float64) string {
	if math.Abs(v) < 1 {
		return fmt.Sprintf("$%.4f", v)
	}
	return fmt.Sprintf("$%.2f", v)
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
