package tickers

import (
	"sync"
	"time"

	"github.com/monitord/monitord/internal/upstream"
)

// backoff is one source's pause after consecutive failures, following
// upstream.Policy (exponential from quotes.min_backoff to max_backoff, half
// fixed and half random, never shorter than the server's Retry-After). A
// success resets it. It is safe for concurrent use.
type backoff struct {
	policy upstream.Policy
	// jitter returns a number in [0, 1); injected for tests.
	jitter func() float64

	mu       sync.Mutex
	failures int
	until    time.Time
	reason   string
}

func newBackoff(min, max time.Duration, jitter func() float64) *backoff {
	return &backoff{policy: upstream.Policy{Min: min, Max: max}, jitter: jitter}
}

// remaining is how long the source must still wait at now (0: go ahead).
func (b *backoff) remaining(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Before(b.until) {
		return b.until.Sub(now)
	}
	return 0
}

// fail records a failure at now and returns the new pause.
func (b *backoff) fail(now time.Time, reason string, retryAfter time.Duration) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	d := b.policy.Delay(b.failures, retryAfter, b.jitter())
	b.reason = reason
	b.until = now.Add(d)
	return d
}

// succeed clears the failures and reports whether the source was failing.
func (b *backoff) succeed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	was := b.failures > 0
	b.failures, b.until, b.reason = 0, time.Time{}, ""
	return was
}

// state returns when the pause ends and the failure behind it.
func (b *backoff) state() (until time.Time, reason string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.until, b.reason
}
