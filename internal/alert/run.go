package alert

import (
	"context"
	"errors"

	"go.uber.org/zap"
)

// running is a started worker.
type running struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Run delivers alerts until ctx ends: it starts one worker goroutine per
// endpoint, restarts the workers of receivers that ApplyConfig changed, and
// on return has stopped and waited for every one of them. Alerts being
// sent when ctx ends stay in the outbox and are sent by the next Run.
//
// Run is meant for a run group: g.Add(func() error { return d.Run(ctx) },
// func(error) { d.Close() }). A Dispatcher runs at most once at a time.
func (d *Dispatcher) Run(ctx context.Context) error {
	d.runMu.Lock()
	if d.done != nil {
		d.runMu.Unlock()
		return errors.New("alert: dispatcher is already running")
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	d.cancel, d.done = cancel, done
	d.runMu.Unlock()
	defer func() {
		cancel()
		d.runMu.Lock()
		d.cancel, d.done = nil, nil
		d.runMu.Unlock()
		close(done)
	}()

	workers := map[*endpoint]*running{}
	stop := func(ep *endpoint) {
		w := workers[ep]
		w.cancel()
		<-w.done
		delete(workers, ep)
	}
	reconcile := func() {
		d.mu.RLock()
		want := map[*endpoint]bool{}
		for _, eps := range d.receivers {
			for _, ep := range eps {
				want[ep] = true
			}
		}
		d.mu.RUnlock()
		// Stop before starting, so two workers never drain one queue.
		for ep := range workers {
			if !want[ep] {
				stop(ep)
			}
		}
		for ep := range want {
			if workers[ep] == nil {
				workers[ep] = d.start(ctx, ep)
			}
		}
	}

	reconcile()
	d.log.Info("Alert delivery started", zap.Int("endpoints", len(workers)))
	for {
		select {
		case <-ctx.Done():
			for _, w := range workers {
				w.cancel()
			}
			for ep := range workers {
				stop(ep)
				// Idle keep-alive connections would outlive Run otherwise.
				ep.client.CloseIdleConnections()
			}
			d.log.Info("Alert delivery stopped")
			return nil
		case <-d.changed:
			reconcile()
		}
	}
}

// start runs a worker for ep in a goroutine owned by Run.
func (d *Dispatcher) start(ctx context.Context, ep *endpoint) *running {
	ctx, cancel := context.WithCancel(ctx)
	r := &running{cancel: cancel, done: make(chan struct{})}
	w := &worker{
		ep: ep, st: d.st, m: d.m, clock: d.clock, jitter: d.jitter,
		log: d.log.With(zap.String("receiver", ep.receiver), zap.String("integration", ep.integration)),
	}
	go func() {
		defer close(r.done)
		w.run(ctx)
	}()
	return r
}

// Close stops a running Run and waits until it has returned, with every
// worker stopped. It is safe to call when Run is not running, and more than
// once. It does not close the store.
func (d *Dispatcher) Close() {
	d.runMu.Lock()
	cancel, done := d.cancel, d.done
	d.runMu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}
