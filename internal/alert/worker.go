package alert

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v5"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/monitord/monitord/internal/store"
)

// storeRetry is how long a worker waits after the store failed to read.
const storeRetry = 5 * time.Second

// worker drains one endpoint's queue: it is Alertmanager's retry stage over
// a durable queue. Dispatcher.Run starts one per endpoint and stops it by
// cancelling its context; run returns promptly then, leaving whatever it
// was sending in the queue for the next worker.
//
// A worker sends in queue order and keeps the head until it is
// acknowledged, refused or too old, so a down receiver builds a backlog
// rather than reordering it.
type worker struct {
	ep         *endpoint
	st         *store.Store
	m          *Metrics
	clock      clock
	newBackoff func() backoff.BackOff
	log        *zap.Logger
	// lastErr is the last error logged, so a receiver that stays down
	// logs one Warn until the error changes or a send succeeds.
	lastErr string
}

func (w *worker) run(ctx context.Context) {
	for ctx.Err() == nil {
		es, err := peek(w.st, w.ep.receiver, w.ep.key, w.ep.batch)
		if err != nil {
			w.log.Error("Cannot read the outbox", zap.Error(err))
			_ = w.clock.Sleep(ctx, storeRetry)
			continue
		}
		if len(es) == 0 {
			select {
			case <-ctx.Done():
			case <-w.ep.wake:
			}
			continue
		}
		w.deliver(ctx, es)
	}
}

// deliver sends es until they are acknowledged, refused, expired, or ctx
// ends. Backoff is bounded by the context and by the oldest entry's max
// age, never by a count of attempts.
func (w *worker) deliver(ctx context.Context, es []entry) {
	es = w.discardBad(es)
	b := w.newBackoff()
	for attempt := 1; ; attempt++ {
		es = w.expire(es)
		if len(es) == 0 {
			return
		}
		if w.waitRate(ctx) != nil {
			return
		}
		alerts := make([]Alert, len(es))
		for i := range es {
			alerts[i] = es[i].rec.Alert
		}
		start := w.clock.Now()
		sendCtx, cancel := context.WithTimeout(ctx, w.ep.timeout)
		retry, err := w.ep.notifier.Notify(sendCtx, alerts...)
		cancel()
		w.m.requestDuration.WithLabelValues(w.ep.receiver, w.ep.integration).Observe(w.clock.Now().Sub(start).Seconds())
		if ctx.Err() != nil {
			return // shutting down: the entries stay queued
		}
		if err == nil {
			w.ack(es, attempt)
			return
		}
		w.m.failed.WithLabelValues(w.ep.receiver, w.ep.integration, string(reasonOf(err))).Inc()
		if !retry {
			if len(es) > 1 {
				// One refused alert must not sink the batch: retry one
				// by one so only the culprit is dropped.
				for _, e := range es {
					w.deliver(ctx, []entry{e})
				}
				return
			}
			w.drop(es, DropPermanent, err)
			return
		}
		w.note(zap.WarnLevel, "Delivery failed; will retry", err, zap.Int("attempt", attempt))
		wait := b.NextBackOff()
		if ra := retryAfterOf(err); ra > wait {
			wait = ra
		}
		if left := w.deadline(es).Sub(w.clock.Now()); wait > left {
			wait = max(left, 0)
		}
		if w.clock.Sleep(ctx, wait) != nil {
			return
		}
	}
}

// waitRate takes a token from the endpoint's limiter, sleeping on the
// worker's clock until it is due.
func (w *worker) waitRate(ctx context.Context) error {
	if w.ep.limiter == nil {
		return ctx.Err()
	}
	now := w.clock.Now()
	r := w.ep.limiter.ReserveN(now, 1)
	if err := w.clock.Sleep(ctx, r.DelayFrom(now)); err != nil {
		r.CancelAt(w.clock.Now())
		return err
	}
	return nil
}

// deadline is when the oldest of es outlives max_age.
func (w *worker) deadline(es []entry) time.Time {
	d := es[0].rec.EnqueuedAt
	for _, e := range es[1:] {
		if e.rec.EnqueuedAt.Before(d) {
			d = e.rec.EnqueuedAt
		}
	}
	return d.Add(w.ep.maxAge)
}

// expire drops the entries older than max_age and returns the rest.
func (w *worker) expire(es []entry) []entry {
	now := w.clock.Now()
	var keep, old []entry
	for _, e := range es {
		if now.Before(e.rec.EnqueuedAt.Add(w.ep.maxAge)) {
			keep = append(keep, e)
		} else {
			old = append(old, e)
		}
	}
	if len(old) > 0 {
		w.drop(old, DropMaxAge, nil)
	}
	return keep
}

// discardBad removes records that do not decode (written by a newer or a
// broken monitord): they can never be sent.
func (w *worker) discardBad(es []entry) []entry {
	var keep, bad []entry
	for _, e := range es {
		if e.bad != nil {
			w.log.Error("Dropped an undecodable outbox record", zap.Error(e.bad))
			bad = append(bad, e)
		} else {
			keep = append(keep, e)
		}
	}
	if len(bad) > 0 {
		w.drop(bad, DropPermanent, nil)
	}
	return keep
}

// ack removes delivered entries. If the store fails here the entries are
// sent again later: a duplicate with the same ID, never a loss.
func (w *worker) ack(es []entry, attempts int) {
	if err := remove(w.st, w.ep.receiver, w.ep.key, es); err != nil {
		w.log.Error("Cannot acknowledge delivered alerts; they will be sent again", zap.Error(err))
	}
	now := w.clock.Now()
	w.m.notifications.WithLabelValues(w.ep.receiver, w.ep.integration).Add(float64(len(es)))
	for _, e := range es {
		w.m.latency.WithLabelValues(w.ep.receiver, w.ep.integration).Observe(now.Sub(e.rec.EnqueuedAt).Seconds())
		w.log.Debug("Delivered alert", zap.String("alert_id", e.rec.Alert.ID), zap.Int("attempts", attempts))
	}
	if w.lastErr != "" {
		w.log.Info("Delivery recovered", zap.Int("attempts", attempts))
		w.lastErr = ""
	}
}

// drop removes entries the worker gives up on and counts them.
func (w *worker) drop(es []entry, reason string, cause error) {
	if err := remove(w.st, w.ep.receiver, w.ep.key, es); err != nil {
		w.log.Error("Cannot remove dropped alerts from the outbox", zap.Error(err))
	}
	w.m.dropped.WithLabelValues(w.ep.receiver, reason).Add(float64(len(es)))
	for _, e := range es {
		fields := []zap.Field{zap.String("reason", reason), zap.String("alert_id", e.rec.Alert.ID)}
		if cause == nil {
			w.log.Error("Dropped undelivered alert", append(fields, zap.Duration("max_age", w.ep.maxAge))...)
			continue
		}
		w.note(zap.ErrorLevel, "Receiver refused alert; dropped it", cause, fields...)
	}
}

// note logs err at lvl when it differs from the last error logged, at
// Debug otherwise, as Alertmanager's retry stage does.
func (w *worker) note(lvl zapcore.Level, msg string, err error, fields ...zap.Field) {
	fields = append(fields, zap.Error(err))
	if err.Error() == w.lastErr {
		w.log.Debug(msg, fields...)
		return
	}
	w.lastErr = err.Error()
	if ce := w.log.Check(lvl, msg); ce != nil {
		ce.Write(fields...)
	}
}
