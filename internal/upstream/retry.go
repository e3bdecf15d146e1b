package upstream

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter caps how long a server's Retry-After can pause a caller, so
// a bogus or hostile header (Retry-After: 9999999999) cannot silence a
// source for days or overflow a duration.
const MaxRetryAfter = time.Hour

// RetryAfter reads a Retry-After header, delay-seconds or an HTTP date
// relative to now, capped at MaxRetryAfter. It returns 0 when the header is
// absent, unreadable, or in the past.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(MaxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), MaxRetryAfter)
	}
	return 0
}

// Policy is the backoff every caller uses after consecutive failures:
// exponential from Min, multiplied by Factor (2 when unset) per failure up
// to Max, with equal jitter (half the delay fixed, half random) so that
// replicas and sources that failed together do not return together, and
// never sooner than the server's Retry-After. It is a function of the
// failure count, not an object with state, so a caller can keep the count
// where it likes (feeds keep it in the store, to survive a restart).
type Policy struct {
	Min, Max time.Duration
	Factor   float64
}

// Delay is the wait after the n-th consecutive failure (n >= 1); jitter is
// uniform in [0, 1), retryAfter the server's (0 when none).
func (p Policy) Delay(n int, retryAfter time.Duration, jitter float64) time.Duration {
	factor := p.Factor
	if factor <= 1 {
		factor = 2
	}
	d := float64(p.Min)
	for i := 1; i < n && d < float64(p.Max); i++ {
		d *= factor
	}
	d = min(d, float64(p.Max))
	wait := time.Duration(d/2 + jitter*d/2)
	return max(wait, min(retryAfter, MaxRetryAfter))
}
