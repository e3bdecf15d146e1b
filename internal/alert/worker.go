package alert

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/upstream"
)

// deliveryBackoff spaces the attempts of one delivery as Alertmanager's
// retry stage does: from half a second, by 1.5 a step, at most a minute
// apart (upstream.Policy: half fixed, half random), and never sooner than
// the receiver's Retry-After.
var deliveryBackoff = upstream.Policy{Min: time.Second, Max: time.Minute, Factor: 1.5}

// storeRetry is how long a worker waits after the store failed.
const storeRetry = 5 * time.Second

// Causes of drops that are not a receiver's answer.
var (
	errMaxAge      = errors.New("undelivered after the receiver's max_age")
	errUndecodable = errors.New("outbox record does not decode")
)

// worker drains one endpoint's queue: it is Alertmanager's retry stage over
// a durable queue. Dispatcher.Run starts one per endpoint and stops it by
// cancelling its context; run returns promptly then, leaving whatever it
// was sending in the queue for the next worker.
//
// A worker sends in queue order and keeps the head until it is
// acknowledged, refused or too old, so a down receiver builds a backlog
// rather than reordering it.
type worker struct {
	ep     *endpoint
	st     *store.Store
	m      *Metrics
	clock  clock
	jitter func() float64
	log    *zap.Logger
	// lastErr is the last receiver error logged, so a receiver that stays
	// down logs one Warn until the error changes or a send succeeds;
	// lastDrop does the same for drops that are not the receiver's answer.
	lastErr, lastDrop string
}

func (w *worker) run(ctx context.Context) {
	for ctx.Err() == nil {
		es, err := peek(w.st, w.ep.receiver, w.ep.key, w.ep.batch)
		if err != nil {
			w.log.Error("Cannot read the outbox", zap.NamedError("err", err))
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
	es = w.discardBad(ctx, es)
	for attempt := 1; ; attempt++ {
		es = w.expire(ctx, es)
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
		if err == nil {
			w.ack(ctx, es, attempt)
			return
		}
		if ctx.Err() != nil {
			return // shutting down: the entries stay queued
		}
		w.m.failed.WithLabelValues(w.ep.receiver, w.ep.integration, reasonOf(err)).Inc()
		w.ep.last.set(reasonOf(err), w.clock.Now())
		if !retry {
			if len(es) > 1 {
				// One refused alert must not sink the batch: retry one
				// by one so only the culprit is dropped.
				for _, e := range es {
					w.deliver(ctx, []entry{e})
				}
				return
			}
			w.drop(ctx, es, DropPermanent, err)
			return
		}
		w.note(&w.lastErr, zap.WarnLevel, "Delivery failed; will retry", err, zap.Int("attempt", attempt))
		wait := deliveryBackoff.Delay(attempt, retryAfterOf(err), w.jitter())
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
func (w *worker) expire(ctx context.Context, es []entry) []entry {
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
		w.drop(ctx, old, DropMaxAge, errMaxAge)
	}
	return keep
}

// discardBad removes records that do not decode (written by a newer or a
// broken monitord): they can never be sent.
func (w *worker) discardBad(ctx context.Context, es []entry) []entry {
	var keep, bad []entry
	for _, e := range es {
		if e.bad != nil {
			w.log.Error("Outbox record does not decode", zap.NamedError("err", e.bad))
			bad = append(bad, e)
		} else {
			keep = append(keep, e)
		}
	}
	if len(bad) > 0 {
		w.drop(ctx, bad, DropPermanent, errUndecodable)
	}
	return keep
}

// ack removes delivered entries. If the store fails here the entries are
// sent again later: a duplicate with the same ID, never a loss.
func (w *worker) ack(ctx context.Context, es []entry, attempts int) {
	now := w.clock.Now()
	w.ep.last.set("delivered", now) // before the removal: Status never shows an empty queue with a stale result
	w.remove(ctx, es)
	w.m.notifications.WithLabelValues(w.ep.receiver, w.ep.integration).Add(float64(len(es)))
	for _, e := range es {
		w.m.latency.WithLabelValues(w.ep.receiver, w.ep.integration).Observe(now.Sub(e.rec.EnqueuedAt).Seconds())
		w.log.Debug("Delivered alert", zap.String("alert_id", e.rec.Alert.ID), zap.Int("attempts", attempts))
	}
	if w.lastErr != "" {
		w.log.Info("Delivery recovered", zap.Int("attempts", attempts))
	}
	w.lastErr, w.lastDrop = "", ""
}

// drop removes entries the worker gives up on, counts them, and logs why:
// at Error when the cause differs from the last one logged, else at Debug,
// so a receiver down past max_age does not flood the log.
func (w *worker) drop(ctx context.Context, es []entry, reason string, cause error) {
	w.ep.last.set("dropped: "+reason, w.clock.Now())
	w.remove(ctx, es)
	w.m.dropped.WithLabelValues(w.ep.receiver, reason).Add(float64(len(es)))
	last := &w.lastDrop
	if reason == DropPermanent && cause != errUndecodable {
		last = &w.lastErr // the receiver's answer, as for retries
	}
	for _, e := range es {
		w.note(last, zap.ErrorLevel, "Dropped alert", cause, zap.String("reason", reason), zap.String("alert_id", e.rec.Alert.ID))
	}
}

// remove deletes es from the queue. A store that fails to write would
// make the worker resend the same head in a tight loop, so it waits a
// while before returning.
func (w *worker) remove(ctx context.Context, es []entry) {
	if err := remove(w.st, w.ep.receiver, w.ep.key, es); err != nil {
		w.log.Error("Cannot remove alerts from the outbox; they may be sent again", zap.NamedError("err", err))
		_ = w.clock.Sleep(ctx, storeRetry)
	}
}

// note logs err at lvl when it differs from *last, at Debug otherwise, as
// Alertmanager's retry stage does, and remembers it in *last.
func (w *worker) note(last *string, lvl zapcore.Level, msg string, err error, fields ...zap.Field) {
	fields = append(fields, zap.NamedError("err", err))
	if err.Error() == *last {
		w.log.Debug(msg, fields...)
		return
	}
	*last = err.Error()
	if ce := w.log.Check(lvl, msg); ce != nil {
		ce.Write(fields...)
	}
}
