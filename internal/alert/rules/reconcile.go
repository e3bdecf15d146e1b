package rules

import (
	"bytes"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/store"
)

// reconcile resolves and forgets the open episodes that the configuration
// no longer evaluates: their rule is gone or changed type, their condition
// was removed or its thresholds changed, their symbol left the watchlist or
// their feed the feeds, or the rule's tickers or sources filter no longer
// lets their subject through. Left alone, they would
// never clear, and Alertmanager would show them firing for ever.
func (e *Engine) reconcile(now time.Time) error {
	return e.st.Update(func(tx *store.Tx) error {
		type stale struct {
			k    []byte
			name string
			ep   episode
		}
		var list []stale
		err := scan(bucket(tx), prefixEpisode, func(k, v []byte) error {
			parts := strings.Split(string(k[len(prefixEpisode):]), "/")
			var ep episode
			if len(parts) != 3 || !getValue(v, &ep) {
				list = append(list, stale{k: bytes.Clone(k)})
				return nil
			}
			if !e.evaluates(parts[0], parts[1], parts[2], ep.Params) {
				list = append(list, stale{bytes.Clone(k), parts[0], ep})
			}
			return nil
		})
		if err != nil {
			return err
		}
		// The streaks of sources no longer configured would look stale
		// for ever.
		err = scan(bucket(tx), prefixSource, func(k, _ []byte) error {
			if !e.sources[string(k[len(prefixSource):])] {
				list = append(list, stale{k: bytes.Clone(k)})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, s := range list {
			if s.name == "" {
				if err := bucket(tx).Delete(s.k); err != nil {
					return err
				}
				continue
			}
			e.log.Info("Resolving a condition the configuration no longer has", zap.String("rule", s.name))
			if err := e.resolve(tx, e.byName[s.name], s.k, &s.ep, now, now,
				"Resolved because the rule no longer evaluates this condition (configuration changed)"); err != nil {
				return err
			}
		}
		return nil
	})
}

// evaluates reports whether the current rules still judge condition cond
// of rule name for subject with the same thresholds.
func (e *Engine) evaluates(name, subject, cond, params string) bool {
	r := e.byName[name]
	return r != nil && r.judges != nil && r.judges(subject) && slices.Contains(r.conds, condition{cond, params})
}
