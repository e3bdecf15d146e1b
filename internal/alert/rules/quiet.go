package rules

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/store"
)

// heldAlert is an alert kept back by its rule's quiet hours, stored under
// prefixHeld + rule/sequence so that it survives a restart and is
// released in the order it was made.
type heldAlert struct {
	Alert     alert.Alert `json:"alert"`
	Receivers []string    `json:"receivers"`
	// Until is when the quiet hours that held it end; it is released
	// then even if the rule is gone.
	Until time.Time `json:"until"`
	// Episode is the key of the episode a firing notification belongs
	// to, whose Pushed time is set on release.
	Episode string `json:"episode,omitempty"`
}

// emit commits a to the receivers' outbox, or holds it while rule r (nil
// when gone; name is its name) is in quiet hours. Held alerts of the rule
// are released first, so receivers see a rule's alerts in order.
func (e *Engine) emit(tx *store.Tx, r *rule, name string, a *alert.Alert, receivers []string, now time.Time, episode []byte) (held bool, err error) {
	if len(receivers) == 0 {
		e.log.Warn("Alert has no configured receiver; dropped", zap.String("rule", name))
		return false, nil
	}
	if until, quiet := r.quietUntil(now); quiet {
		return true, e.hold(tx, a, receivers, until, episode)
	}
	if err := e.release(tx, name, now); err != nil {
		return false, err
	}
	return false, e.enqueue(tx, a, receivers)
}

// enqueue commits a to the outbox and counts it when it fires.
func (e *Engine) enqueue(tx *store.Tx, a *alert.Alert, receivers []string) error {
	if err := e.q.EnqueueTx(tx, a, receivers...); err != nil {
		return fmt.Errorf("enqueue alert of rule %q: %w", a.Rule, err)
	}
	if a.Status == alert.StatusFiring {
		e.fired(tx, a.Rule)
	}
	return nil
}

// hold stores a until the quiet hours end. A firing notification of a
// condition whose firing is already held adds nothing (the repeat would
// reach the receivers together with the first) and is dropped.
func (e *Engine) hold(tx *store.Tx, a *alert.Alert, receivers []string, until time.Time, episode []byte) error {
	b := bucket(tx)
	e.suppressed(tx, a.Rule, ReasonQuietHours)
	if a.Status == alert.StatusFiring && a.Kind != alert.KindNews {
		dup := false
		err := scan(b, prefixHeld+a.Rule+"/", func(_, v []byte) error {
			var h heldAlert
			if getValue(v, &h) && h.Alert.Status == alert.StatusFiring && h.Alert.ConditionID == a.ConditionID {
				dup = true
			}
			return nil
		})
		if err != nil || dup {
			return err
		}
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	k := key(prefixHeld, a.Rule, fmt.Sprintf("%020d", seq))
	return putJSON(b, k, heldAlert{Alert: *a, Receivers: receivers, Until: until.UTC(), Episode: string(episode)})
}

// release commits the held alerts of the named rule to the outbox, in the
// order they were held. The news alerts among them are merged into as few
// messages as the headline limit allows, so the end of the night brings
// one digest rather than a burst. Each held alert is deleted only once it
// is in the outbox.
func (e *Engine) release(tx *store.Tx, name string, now time.Time) error {
	b := bucket(tx)
	type entry struct {
		k []byte
		h heldAlert
	}
	var held []entry
	err := scan(b, prefixHeld+name+"/", func(k, v []byte) error {
		var h heldAlert
		getValue(v, &h)
		held = append(held, entry{bytes.Clone(k), h})
		return nil
	})
	if err != nil {
		return err
	}
	for i := 0; i < len(held); i++ {
		h := &held[i].h
		done := [][]byte{held[i].k}
		rcv := e.existing(h.Receivers)
		switch {
		case len(rcv) == 0:
			e.log.Warn("Held alert has no configured receiver left; dropped", zap.String("rule", name))
		case h.Alert.Kind == alert.KindNews:
			// Merge this and the following news alerts for the same
			// receivers.
			hs := slices.Clone(h.Alert.Headlines)
			for i+1 < len(held) && held[i+1].h.Alert.Kind == alert.KindNews && slices.Equal(held[i+1].h.Receivers, h.Receivers) {
				i++
				hs = append(hs, held[i].h.Alert.Headlines...)
				done = append(done, held[i].k)
			}
			for _, a := range newsAlerts(name, h.Alert.Severity, hs, now) {
				if err := e.enqueue(tx, a, rcv); err != nil {
					return err
				}
			}
		default:
			if err := e.enqueue(tx, &h.Alert, rcv); err != nil {
				return err
			}
			if err := e.pushed(tx, h, now); err != nil {
				return err
			}
		}
		for _, k := range done {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}

// pushed records on its episode that a released firing alert reached the
// outbox, which starts its Alertmanager refreshes.
func (e *Engine) pushed(tx *store.Tx, h *heldAlert, now time.Time) error {
	if h.Episode == "" || h.Alert.Status != alert.StatusFiring {
		return nil
	}
	b := bucket(tx)
	var ep episode
	if !getJSON(b, []byte(h.Episode), &ep) || ep.ConditionID != h.Alert.ConditionID {
		return nil
	}
	ep.Pushed = now
	return putJSON(b, []byte(h.Episode), &ep)
}

// releaseDue releases the held alerts of every rule that is no longer in
// quiet hours, and of rules that are gone once their hold has run out.
func (e *Engine) releaseDue(tx *store.Tx, now time.Time) error {
	due := map[string]bool{}
	var names []string
	err := scan(bucket(tx), prefixHeld, func(k, v []byte) error {
		name, _, _ := strings.Cut(strings.TrimPrefix(string(k), prefixHeld), "/")
		if _, seen := due[name]; seen {
			return nil
		}
		r := e.byName[name]
		_, quiet := r.quietUntil(now)
		var h heldAlert
		ok := !quiet
		if r == nil {
			ok = !getValue(v, &h) || !now.Before(h.Until)
		}
		due[name] = ok
		if ok {
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := e.release(tx, name, now); err != nil {
			return err
		}
	}
	return nil
}
