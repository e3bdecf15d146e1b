package rules

import (
	"time"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/store"
)

// observation is what one evaluation of one condition found for one
// subject: whether it holds and how to describe it.
type observation struct {
	rule *rule
	// subject is the symbol or the source: the cooldown's scope.
	subject string
	cond    string
	kind    alert.Kind
	holds   bool
	// variant and params: see episode.
	variant string
	params  string
	// at is the data's time (the quote time, the poll time): a new
	// episode starts at it (or at start, when set), a clearing ends at it.
	at, start time.Time
	// tick marks an evaluation by Tick rather than by new data: a repeat
	// it holds back is not counted, or every minute would count one.
	tick bool
	// build describes the condition as it holds now: the firing alert
	// without its rule, identity or times.
	build func() *alert.Alert
	// cleared is the summary of the resolved notification.
	cleared string
}

// advance moves the episode of o's condition: it starts one when the
// condition begins to hold, notifies as the repeat policy and the cooldown
// allow, and resolves it when the condition clears. An observation that
// never comes (a skipped poll, a symbol without a quote) changes nothing:
// only a data point that says the condition cleared ends an episode.
//
// Alerts are enqueued before the state is written, in the same
// transaction, so an alert the outbox refuses leaves the state as it was
// and the next evaluation tries again.
func (e *Engine) advance(tx *store.Tx, o *observation, now time.Time) error {
	b := bucket(tx)
	k := episodeKey(o.rule.Name, o.subject, o.cond)
	var ep *episode
	if stored := new(episode); getJSON(b, k, stored) {
		ep = stored
	}
	if ep != nil && (ep.Params != o.params || (o.holds && ep.Variant != o.variant)) {
		// New thresholds, the other direction or a new trading day: the
		// old episode is over and a new one may begin.
		if err := e.resolve(tx, o.rule, k, ep, o.at, now, o.cleared); err != nil {
			return err
		}
		ep = nil
	}
	if !o.holds {
		if ep == nil {
			return nil
		}
		return e.resolve(tx, o.rule, k, ep, o.at, now, o.cleared)
	}
	if ep == nil {
		start := o.at.UTC()
		if !o.start.IsZero() {
			start = o.start.UTC()
		}
		if o.kind == alert.KindPrice {
			// Two replicas polling in the same minute name the episode
			// the same.
			start = start.Truncate(time.Minute)
		}
		ep = &episode{Params: o.params, Variant: o.variant, Start: start}
		ep.ConditionID = conditionID(o.rule.Name, o.kind, o.subject, o.cond, start)
		if err := putJSON(b, k, ep); err != nil {
			return err
		}
	}
	return e.notify(tx, o, k, ep, now)
}

// notify sends the firing notification of ep when the repeat policy and
// the cooldown allow it, and counts the suppression otherwise.
func (e *Engine) notify(tx *store.Tx, o *observation, k []byte, ep *episode, now time.Time) error {
	b, r := bucket(tx), o.rule
	if ep.Notified && (r.RepeatInterval <= 0 || now.Sub(ep.LastSent) < r.RepeatInterval.D()) {
		if !o.tick {
			e.suppressed(tx, r.Name, ReasonRepeat)
		}
		return nil
	}
	if inCooldown(b, r.Name, o.subject, r.Cooldown.D(), now) {
		// The episode stays open and unannounced: if it still holds when
		// the cooldown ends, it fires then.
		e.suppressed(tx, r.Name, ReasonCooldown)
		return nil
	}
	a := o.build()
	a.Kind, a.Rule, a.Severity = o.kind, r.Name, r.Severity
	a.Status, a.StartsAt, a.ConditionID, a.CreatedAt = alert.StatusFiring, ep.Start, ep.ConditionID, now.UTC()
	if ep.Notified {
		a.Repeat = ep.Repeat + 1
	}
	a.Identify()
	receivers := e.existing(r.Receivers)
	held, err := e.emit(tx, r, r.Name, a, receivers, now, k)
	if err != nil {
		return err
	}
	first := !ep.Notified
	ep.Notified, ep.LastSent, ep.Repeat, ep.Receivers, ep.Alert = true, now, a.Repeat, receivers, a
	switch {
	case !held:
		ep.Pushed = now
	case first:
		// Alertmanager hears of it when quiet hours release it. A held
		// repeat leaves the refreshes of the delivered firing running.
		ep.Pushed = time.Time{}
	}
	if err := putTime(b, key(prefixCooldown, r.Name, o.subject), now); err != nil {
		return err
	}
	return putJSON(b, k, ep)
}

// resolve ends ep: it deletes its state and, if its firing was announced,
// sends the resolved notification (same condition id) to the receivers
// that hear them. r is nil when the rule is gone.
func (e *Engine) resolve(tx *store.Tx, r *rule, k []byte, ep *episode, at, now time.Time, summary string) error {
	if !ep.Notified || ep.Alert == nil {
		return bucket(tx).Delete(k)
	}
	if at.IsZero() {
		at = now
	}
	a := *ep.Alert
	a.Status, a.ID, a.Repeat = alert.StatusResolved, "", 0
	a.EndsAt, a.CreatedAt, a.Summary = at.UTC(), now.UTC(), summary
	a.Identify()
	if err := e.emitResolved(tx, r, &a, ep.Receivers, now); err != nil {
		return err
	}
	return bucket(tx).Delete(k)
}

// emitResolved sends a resolved notification to those of receivers that
// hear them.
func (e *Engine) emitResolved(tx *store.Tx, r *rule, a *alert.Alert, receivers []string, now time.Time) error {
	rcv := e.resolvedReceivers(r, receivers)
	if len(rcv) == 0 {
		return nil
	}
	_, err := e.emit(tx, r, a.Rule, a, rcv, now, nil)
	return err
}
