package rules

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/store"
)

// pruneEvery is how often Tick forgets announced stories and cooldowns
// that can no longer matter.
const pruneEvery = time.Hour

// Tick does what is due at now, whatever the polls do: it sends news
// groups whose group_wait has passed, releases alerts held by quiet hours
// that have ended, checks stale_for on failing sources, pushes firing
// conditions again to Alertmanager receivers before their resolve_timeout
// ends them, and prunes old state. Call it every minute (its resolution).
func (e *Engine) Tick(now time.Time) error {
	var errs []error
	err := e.update(context.Background(), func(tx *store.Tx) error {
		keep := func(step string, err error) {
			if err != nil {
				e.log.Error("Rules tick step failed", zap.String("step", step), zap.NamedError("err", err))
				errs = append(errs, err)
			}
		}
		keep("groups", e.flushGroups(tx, now))
		keep("quiet_hours", e.releaseDue(tx, now))
		errs = append(errs, e.checkStale(tx, now)...)
		keep("alertmanager_refresh", e.refresh(tx, now))
		if now.Sub(e.lastPrune) >= pruneEvery {
			keep("prune", e.prune(tx, now))
		}
		return nil
	})
	if err == nil && now.Sub(e.lastPrune) >= pruneEvery {
		e.mu.Lock()
		e.lastPrune = now
		e.mu.Unlock()
	}
	return errors.Join(append(errs, err)...)
}

// refresh pushes the firing alert of every announced episode again to its
// Alertmanager receivers once half their resolve_timeout has passed, as
// Prometheus re-sends firing alerts: Alertmanager ends an alert that is not
// pushed again, and a condition may hold for days with repeat_interval 0
// and no quote in between. The alert keeps its id; other receivers hear
// nothing. Quiet hours do not stop refreshes: they hold back news, not the
// state of what was already told (a firing still held has no Pushed yet).
func (e *Engine) refresh(tx *store.Tx, now time.Time) error {
	b := bucket(tx)
	type due struct {
		k  []byte
		ep episode
	}
	var list []due
	err := scan(b, prefixEpisode, func(k, v []byte) error {
		var ep episode
		if !getValue(v, &ep) || !ep.Notified || ep.Pushed.IsZero() || ep.Alert == nil {
			return nil
		}
		list = append(list, due{bytes.Clone(k), ep})
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range list {
		am, every := e.amRefresh(d.ep.Receivers)
		if len(am) == 0 || now.Sub(d.ep.Pushed) < every {
			continue
		}
		a := *d.ep.Alert
		if err := e.q.EnqueueTx(tx, &a, am...); err != nil {
			return err
		}
		d.ep.Pushed = now
		if err := putJSON(b, d.k, d.ep); err != nil {
			return err
		}
	}
	return nil
}

// prune forgets the stories announced longer ago than news.dedup_window
// (feeds then reports the headline as a new story anyway) and cooldowns
// that have run out or whose rule is gone.
func (e *Engine) prune(tx *store.Tx, now time.Time) error {
	b := bucket(tx)
	var old [][]byte
	window := e.cfg.News.DedupWindow.D()
	if window <= 0 {
		window = config.DefaultNews.DedupWindow.D()
	}
	err := scan(b, prefixStory, func(k, _ []byte) error {
		if now.Sub(getTime(b, k)) > window {
			old = append(old, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = scan(b, prefixCooldown, func(k, _ []byte) error {
		name, _, _ := strings.Cut(string(k[len(prefixCooldown):]), "/")
		if r := e.byName[name]; r == nil || now.Sub(getTime(b, k)) >= r.Cooldown.D() {
			old = append(old, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	if len(old) > 0 {
		e.log.Debug("Pruned rule state", zap.Int("keys", len(old)))
	}
	return nil
}
