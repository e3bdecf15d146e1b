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

// MaxFreshness caps how long an answer's Cache-Control or Expires can keep
// its URL from being asked again, so a far-future Expires cannot silence a
// feed.
const MaxFreshness = time.Hour

// Freshness is how long an answer stays fresh by its Cache-Control max-age
// (less its Age), else by its Expires (against its Date, else now): the
// time before which asking again cannot give anything new. no-cache and
// no-store make it 0; it is capped at MaxFreshness.
func Freshness(h http.Header, now time.Time) time.Duration {
	var d time.Duration
	if cc := h.Get("Cache-Control"); cc != "" {
		for _, dir := range strings.Split(cc, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(dir), "=")
			switch strings.ToLower(name) {
			case "no-cache", "no-store":
				return 0
			case "max-age":
				if n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64); err == nil && n > 0 {
					d = time.Duration(min(n, int64(MaxFreshness/time.Second))) * time.Second
				}
			}
		}
		if d > 0 {
			if age, err := strconv.ParseInt(h.Get("Age"), 10, 64); err == nil && age > 0 {
				d -= time.Duration(min(age, int64(MaxFreshness/time.Second))) * time.Second
			}
			return min(max(d, 0), MaxFreshness)
		}
	}
	if exp, err := http.ParseTime(h.Get("Expires")); err == nil {
		from := now
		if date, err := http.ParseTime(h.Get("Date")); err == nil {
			from = date
		}
		return min(max(exp.Sub(from), 0), MaxFreshness)
	}
	return 0
}
