package feeds

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Politeness limits. SEC EDGAR allows at most ten requests a second in
// total from one client across all its hosts (www.sec.gov, data.sec.gov,
// efts.sec.gov) and blocks the IP for ten minutes beyond that. Other hosts
// get one request a second with a burst of two unless news.host_rate_limit
// and news.host_burst say otherwise, so a per_ticker feed walks its tickers
// instead of firing them all at once.
const (
	secRate       = rate.Limit(10)
	secBurst      = 1
	defaultRate   = rate.Limit(1)
	defaultBurst  = 2
	secDomain     = "sec.gov"
	limiterMaxAge = 24 * time.Hour
)

// HostLimiter spaces requests per host (per registrable group for SEC's
// hosts). One HostLimiter should serve every feed of the process, across
// configuration reloads, so that two generations of sources never add up to
// more than a host allows. It is safe for concurrent use.
type HostLimiter struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu       sync.Mutex
	limiters map[string]*hostLimit
	// limit and burst apply to every host but SEC's.
	limit rate.Limit
	burst int
}

type hostLimit struct {
	l        *rate.Limiter
	lastUsed time.Time
}

// NewHostLimiter returns a HostLimiter on the real clock.
func NewHostLimiter() *HostLimiter {
	return newHostLimiter(time.Now, sleepCtx)
}

func newHostLimiter(now func() time.Time, sleep func(context.Context, time.Duration) error) *HostLimiter {
	return &HostLimiter{now: now, sleep: sleep, limiters: map[string]*hostLimit{}, limit: defaultRate, burst: defaultBurst}
}

// SetHostLimit sets the requests per second and the burst of every host
// but SEC's (news.host_rate_limit, news.host_burst), for the hosts already
// limited too. Values that are not positive leave the setting alone.
func (h *HostLimiter) SetHostLimit(perSecond float64, burst int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if perSecond > 0 {
		h.limit = rate.Limit(perSecond)
	}
	if burst > 0 {
		h.burst = burst
	}
	now := h.now()
	for key, hl := range h.limiters {
		if key != secDomain {
			hl.l.SetLimitAt(now, h.limit)
			hl.l.SetBurstAt(now, h.burst)
		}
	}
}

// HostLimit returns what SetHostLimit set.
func (h *HostLimiter) HostLimit() (perSecond float64, burst int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return float64(h.limit), h.burst
}

// Wait blocks until rawURL's host may be asked again, or ctx is done.
func (h *HostLimiter) Wait(ctx context.Context, rawURL string) error {
	key, limit, burst := politenessKey(rawURL)
	now := h.now()
	h.mu.Lock()
	hl := h.limiters[key]
	if key != secDomain {
		limit, burst = h.limit, h.burst
	}
	if hl == nil {
		h.evictLocked(now)
		hl = &hostLimit{l: rate.NewLimiter(limit, burst)}
		h.limiters[key] = hl
	}
	hl.lastUsed = now
	// Reserving under the lock keeps the order of concurrent callers and
	// the limiter's view of "now" consistent with the injected clock.
	r := hl.l.ReserveN(now, 1)
	h.mu.Unlock()
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if err := h.sleep(ctx, d); err != nil {
		r.CancelAt(h.now())
		return err
	}
	return nil
}

// evictLocked forgets hosts unused for a day, so a long-running daemon
// whose feeds come and go does not keep a limiter per host forever.
func (h *HostLimiter) evictLocked(now time.Time) {
	for k, hl := range h.limiters {
		if now.Sub(hl.lastUsed) > limiterMaxAge {
			delete(h.limiters, k)
		}
	}
}

// politenessKey groups a URL's host with the hosts that share its limit.
func politenessKey(rawURL string) (string, rate.Limit, int) {
	host := ""
	if u, err := url.Parse(rawURL); err == nil {
		host = strings.ToLower(u.Hostname())
	}
	if isSECHost(host) {
		return secDomain, secRate, secBurst
	}
	return host, defaultRate, defaultBurst
}

func isSECHost(host string) bool {
	return host == secDomain || strings.HasSuffix(host, "."+secDomain)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Backoff after 429 and 5xx: exponential from backoffBase, doubling per
// consecutive retryable failure up to backoffMax, with ±20% jitter so that
// replicas and sources do not return in lockstep, and never sooner than the
// server's Retry-After.
const (
	backoffBase = time.Minute
	backoffMax  = time.Hour
)

// backoffDelay is how long a source waits after its n-th consecutive
// retryable failure. jitter is uniform in [0, 1).
func backoffDelay(n int, retryAfter time.Duration, jitter float64) time.Duration {
	d := backoffBase
	for i := 1; i < n && d < backoffMax; i++ {
		d *= 2
	}
	d = min(d, backoffMax)
	d = time.Duration(float64(d) * (0.8 + 0.4*jitter))
	return max(d, retryAfter)
}
