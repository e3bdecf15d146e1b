package tickers

import (
	"sync"
	"time"
)

// maxRetryAfter bounds how long a server's Retry-After can pause a source,
// so a bogus header cannot silence quotes for days.
const maxRetryAfter = time.Hour

// backoff is one source's pause after failures: exponential from min to
// max with equal jitter (half fixed, half random, so replicas that failed
// together do not retry together), and never shorter than the server's
// Retry-After. A success resets it. It is safe for concurrent use.
type backoff struct {
	min, max time.Duration
	// jitter returns a number in [0, 1); injected for tests.
	jitter func() float64

	mu       sync.Mutex
	failures int
	until    time.Time
	reason   string
}

func newBackoff(min, max time.Duration, jitter func() float64) *backoff {
	return &backoff{min: min, max: max, jitter: jitter}
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
	d := b.min
	for i := 1; i < b.failures && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	d = d/2 + time.Duration(b.jitter()*float64(d/2))
	if retryAfter > d {
		d = min(retryAfter, maxRetryAfter)
	}
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
