package alert

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/upstream"
)

// ErrUnknownReceiver is returned by Enqueue for a receiver name that is not
// in the applied config.
var ErrUnknownReceiver = errors.New("unknown receiver")

// Options configure a Dispatcher.
type Options struct {
	// Store holds the outbox. Required; the caller closes it after the
	// Dispatcher has stopped.
	Store *store.Store
	// Metrics are created once with NewMetrics and reused across reloads.
	// Required.
	Metrics *Metrics
	// Logger defaults to a no-op logger.
	Logger *zap.Logger
	// HTTPClient, when set, sends every receiver's requests whatever its
	// http_config (tests). nil means a client per receiver, built by
	// internal/upstream from its http_config.
	HTTPClient *http.Client
	// Hosts are the process's per-host budgets: a receiver host that
	// answered 429 is not asked again before it said. nil shares nothing.
	Hosts *upstream.Hosts
	// UserAgent is sent with every request; defaults to "monitord".
	UserAgent string
	// Now is the daemon's clock, read for alert and outbox timestamps and
	// the max age; nil means time.Now. Waits always take real time.
	Now func() time.Time

	// clock and jitter (uniform in [0, 1)) are replaced by tests.
	clock  clock
	jitter func() float64
}

// Dispatcher is the durable outbox and its delivery: Enqueue commits alerts
// to the store, and Run drains every receiver endpoint's queue in a
// goroutine of its own. ApplyConfig swaps the receivers on reload.
//
// Queues of receivers (or Alertmanager URLs) removed by a reload are kept,
// not drained: if the receiver comes back, its backlog is delivered; while it
// is gone, ApplyConfig logs how many alerts wait for it. Nothing is dropped
// silently.
type Dispatcher struct {
	st        *store.Store
	m         *Metrics
	log       *zap.Logger
	client    *http.Client
	userAgent string
	clock     clock
	jitter    func() float64
	hosts     *upstream.Hosts

	// applyMu serialises ApplyConfig; limiters is only touched under it.
	applyMu  sync.Mutex
	limiters map[string]*rate.Limiter

	// mu guards receivers, read by Enqueue and Run, written by ApplyConfig.
	mu        sync.RWMutex
	receivers map[string][]*endpoint

	// changed tells Run that ApplyConfig swapped the receivers.
	changed chan struct{}

	// runMu guards cancel and done, which exist while Run runs.
	runMu  sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a Dispatcher for receivers. It starts no goroutine: call Run.
func New(receivers []config.Receiver, opts Options) (*Dispatcher, error) {
	if opts.Store == nil || opts.Metrics == nil {
		return nil, errors.New("alert: Options.Store and Options.Metrics are required")
	}
	d := &Dispatcher{
		st: opts.Store, m: opts.Metrics, log: opts.Logger, client: opts.HTTPClient,
		userAgent: opts.UserAgent, clock: opts.clock, jitter: opts.jitter, hosts: opts.Hosts,
		limiters: map[string]*rate.Limiter{}, receivers: map[string][]*endpoint{},
		changed: make(chan struct{}, 1),
	}
	if d.log == nil {
		d.log = zap.NewNop()
	}
	d.log = d.log.With(zap.String("component", "alert"))
	if d.userAgent == "" {
		d.userAgent = "monitord"
	}
	if d.clock == nil {
		d.clock = wallClock{now: opts.Now}
	}
	if d.jitter == nil {
		d.jitter = rand.Float64
	}
	if err := d.ApplyConfig(receivers); err != nil {
		return nil, err
	}
	// The newest Dispatcher feeds the outbox gauges.
	d.m.outbox.setSource(d.outboxStats)
	return d, nil
}

// ApplyConfig builds the receivers' notifiers and swaps them in, or keeps the
// current ones and returns the error if any receiver cannot be built.
// Unchanged receivers keep their workers; changed ones are restarted by Run
// (an in-flight send is cancelled and resent: at worst a duplicate).
func (d *Dispatcher) ApplyConfig(receivers []config.Receiver) error {
	d.applyMu.Lock()
	defer d.applyMu.Unlock()
	d.mu.RLock()
	old := d.receivers
	d.mu.RUnlock()

	next := make(map[string][]*endpoint, len(receivers))
	for i := range receivers {
		r := &receivers[i]
		if eps := old[r.Name]; len(eps) > 0 && reflect.DeepEqual(eps[0].cfg, *r) {
			next[r.Name] = eps
			continue
		}
		eps, err := d.buildReceiver(r)
		if err != nil {
			return fmt.Errorf("receivers[%d] (%s): %w", i, r.Name, err)
		}
		for _, ep := range eps {
			for _, o := range old[r.Name] {
				if o.key == ep.key {
					ep.wake = o.wake
				}
			}
		}
		next[r.Name] = eps
	}
	d.mu.Lock()
	d.receivers = next
	d.mu.Unlock()
	for _, eps := range next {
		for _, ep := range eps {
			d.m.initReceiver(ep.receiver, ep.integration)
		}
	}
	d.reportOrphans(next)
	select {
	case d.changed <- struct{}{}:
	default:
	}
	return nil
}

// Enqueue commits a to the outbox of every named receiver (one entry per
// endpoint) in one transaction, then wakes their workers. It fills a's
// Status, CreatedAt, ConditionID and ID when empty (see Identify). An alert
// already queued for an endpoint (same ID) is not queued twice.
func (d *Dispatcher) Enqueue(a *Alert, receivers ...string) error {
	return d.st.Update(func(tx *store.Tx) error { return d.EnqueueTx(tx, a, receivers...) })
}

// EnqueueTx is Enqueue inside the caller's transaction, so the rules can
// record "fired" state and queue the alert atomically. Workers are woken
// when tx commits.
func (d *Dispatcher) EnqueueTx(tx *store.Tx, a *Alert, receivers ...string) error {
	if len(receivers) == 0 {
		return fmt.Errorf("enqueue alert of rule %q: %w", a.Rule, errNoReceivers)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = d.clock.Now().UTC()
	}
	a.Identify()
	if err := a.validate(); err != nil {
		return err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	var targets []*endpoint
	for _, name := range receivers {
		eps, ok := d.receivers[name]
		if !ok {
			return fmt.Errorf("enqueue alert of rule %q: receiver %q: %w", a.Rule, name, ErrUnknownReceiver)
		}
		targets = append(targets, eps...)
	}
	rec := record{V: recordVersion, EnqueuedAt: d.clock.Now().UTC(), Alert: *a}
	var added []*endpoint
	for _, ep := range targets {
		ok, err := putTx(tx, ep.receiver, ep.key, rec)
		if err != nil {
			return err
		}
		if ok {
			added = append(added, ep)
		}
	}
	tx.OnCommit(func() {
		for _, ep := range added {
			d.m.enqueued.WithLabelValues(ep.receiver).Inc()
			select {
			case ep.wake <- struct{}{}:
			default:
			}
		}
	})
	return nil
}

// reportOrphans logs the queues that hold alerts but belong to no
// configured endpoint.
func (d *Dispatcher) reportOrphans(current map[string][]*endpoint) {
	var qs map[string]map[string]int
	if err := d.st.View(func(tx *store.Tx) (err error) { qs, err = queues(tx); return err }); err != nil {
		d.log.Error("Cannot read the outbox", zap.NamedError("err", err))
		return
	}
	for rcv, eps := range qs {
		n := 0
		for key, count := range eps {
			if !slices.ContainsFunc(current[rcv], func(ep *endpoint) bool { return ep.key == key }) {
				n += count
			}
		}
		if n > 0 {
			d.log.Warn("Outbox holds alerts for a receiver or URL no longer configured; kept until it returns",
				zap.String("receiver", rcv), zap.Int("alerts", n))
		}
	}
}

// outboxStats is the scrape-time source of the outbox gauges.
func (d *Dispatcher) outboxStats() []queueStat {
	d.mu.RLock()
	rcvs := d.receivers
	d.mu.RUnlock()
	names := slices.Sorted(maps.Keys(rcvs))
	now := d.clock.Now()
	var out []queueStat
	err := d.st.View(func(tx *store.Tx) error {
		for _, name := range names {
			s := queueStat{receiver: name}
			for _, ep := range rcvs[name] {
				n, oldest, err := statTx(tx, name, ep.key)
				if err != nil {
					return err
				}
				s.depth += n
				if n > 0 {
					s.oldestAge = max(s.oldestAge, now.Sub(oldest).Seconds())
				}
			}
			out = append(out, s)
		}
		return nil
	})
	if err != nil {
		return nil
	}
	return out
}
