package alert

import (
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/monitord/monitord/internal/store"
)

// ReceiverStatus is one receiver's delivery state, for status pages and
// `monitord once --alerts`.
type ReceiverStatus struct {
	Name, Integration string
	// Depth is how many alerts wait in its outbox (over its endpoints);
	// Oldest is the age of the oldest one, 0 when empty.
	Depth  int
	Oldest time.Duration
	// LastResult is "delivered", a failure reason (rate_limited,
	// server_error, ...) or "dropped: <reason>"; empty before the first
	// attempt since start. LastAttempt is when it happened.
	LastResult  string
	LastAttempt time.Time
}

// outcome is an endpoint's last delivery result; workers write it, status
// readers read it.
type outcome struct {
	mu     sync.Mutex
	result string
	at     time.Time
}

func (o *outcome) set(result string, at time.Time) {
	o.mu.Lock()
	o.result, o.at = result, at
	o.mu.Unlock()
}

func (o *outcome) get() (string, time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.result, o.at
}

// Status reports every configured receiver, sorted by name. For a receiver
// with several endpoints (Alertmanager URLs) the depth is summed, the
// oldest age is the greatest and the last result is the newest.
func (d *Dispatcher) Status() []ReceiverStatus {
	d.mu.RLock()
	rcvs := d.receivers
	d.mu.RUnlock()
	now := d.clock.Now()
	var out []ReceiverStatus
	err := d.st.View(func(tx *store.Tx) error {
		for _, name := range slices.Sorted(maps.Keys(rcvs)) {
			s := ReceiverStatus{Name: name}
			for _, ep := range rcvs[name] {
				s.Integration = ep.integration
				n, oldest, err := statTx(tx, name, ep.key)
				if err != nil {
					return err
				}
				s.Depth += n
				if n > 0 {
					s.Oldest = max(s.Oldest, now.Sub(oldest))
				}
				if r, at := ep.last.get(); at.After(s.LastAttempt) {
					s.LastResult, s.LastAttempt = r, at
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

// Pending is the number of alerts waiting in every configured receiver's
// outbox.
func (d *Dispatcher) Pending() int {
	n := 0
	for _, s := range d.Status() {
		n += s.Depth
	}
	return n
}
