package upstream

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
// efts.sec.gov) and blocks the IP for ten minutes beyond that. The Federal
// Register's API allows five a second. Google News answers scripted bursts
// with 429s: keep a minute between its polls. Other hosts get one request
// a second with a burst of two unless SetPoliteness says otherwise
// (news.host_rate_limit, news.host_burst), so a per_ticker feed walks its
// tickers instead of firing them all at once.
const (
	defaultRate  = rate.Limit(1)
	defaultBurst = 2
	secDomain    = "sec.gov"
	frDomain     = "federalregister.gov"
	// idleHostAge is how long an unused, unpaused host is remembered.
	idleHostAge = 24 * time.Hour
)

// fixedLimits are the hosts whose limits their operators state, which
// SetPoliteness never changes.
var fixedLimits = map[string]struct {
	limit rate.Limit
	burst int
}{
	secDomain:         {10, 1},
	frDomain:          {5, 1},
	"news.google.com": {rate.Every(time.Minute), 1},
}

// sharedDomains are the operators whose limit covers every host of their
// domain (www. and the bare name, data., efts.): one budget for all.
var sharedDomains = []string{secDomain, frDomain}

// Hosts holds the budgets the whole process shares per upstream host: the
// politeness limit (Wait) and the pause a host asked for (Pause), which
// every client built with NewClient honours before it sends anything. One
// Hosts serves the process, across configuration reloads, so that neither
// two generations of sources nor two components (the quote poller, its
// fallbacks, the impact engine's chart fills, the news feeds) can add up to
// more than a host allows. It is safe for concurrent use.
type Hosts struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	hosts map[string]*host
	// limit and burst apply to every host without a fixed limit.
	limit rate.Limit
	burst int
}

type host struct {
	polite   *rate.Limiter
	lastUsed time.Time
	// until is when the pause ends; reason is the failure behind it.
	until  time.Time
	reason string
}

// HostsOptions tune NewHosts; the zero value runs on the wall clock.
type HostsOptions struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits for d or until ctx ends; nil means a timer. Tests pass
	// one that advances their fake clock.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewHosts returns the budgets of a process.
func NewHosts(opts HostsOptions) *Hosts {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	return &Hosts{now: opts.Now, sleep: opts.Sleep, hosts: map[string]*host{}, limit: defaultRate, burst: defaultBurst}
}

// SetPoliteness sets the requests per second and the burst of every host
// but those with a fixed limit (SEC's, the Federal Register's, Google
// News's), for the hosts already known too. Values that are not positive
// leave the setting alone.
func (h *Hosts) SetPoliteness(perSecond float64, burst int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if perSecond > 0 {
		h.limit = rate.Limit(perSecond)
	}
	if burst > 0 {
		h.burst = burst
	}
	now := h.now()
	for key, hs := range h.hosts {
		if _, fixed := fixedLimits[key]; !fixed && hs.polite != nil {
			hs.polite.SetLimitAt(now, h.limit)
			hs.polite.SetBurstAt(now, h.burst)
		}
	}
}

// Politeness returns what SetPoliteness set.
func (h *Hosts) Politeness() (perSecond float64, burst int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return float64(h.limit), h.burst
}

// Wait blocks until rawURL's host may be asked again under its politeness
// limit, or ctx is done.
func (h *Hosts) Wait(ctx context.Context, rawURL string) error {
	key := Key(rawURL)
	now := h.now()
	h.mu.Lock()
	hs := h.getLocked(key, now)
	if hs.polite == nil {
		limit, burst := h.limit, h.burst
		if f, ok := fixedLimits[key]; ok {
			limit, burst = f.limit, f.burst
		}
		hs.polite = rate.NewLimiter(limit, burst)
	}
	// Reserving under the lock keeps the order of concurrent callers and
	// the limiter's view of "now" consistent with the injected clock.
	r := hs.polite.ReserveN(now, 1)
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

// Pause keeps every request to rawURL's host (its group, for SEC) from
// being sent until until, because the host failed with reason. A pause is
// only ever extended, never shortened, by a later call.
func (h *Hosts) Pause(rawURL string, until time.Time, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	hs := h.getLocked(Key(rawURL), h.now())
	if until.After(hs.until) {
		hs.until, hs.reason = until, reason
	}
}

// Resume ends rawURL's host pause early: it answered a request well.
func (h *Hosts) Resume(rawURL string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if hs := h.hosts[Key(rawURL)]; hs != nil {
		hs.until, hs.reason = time.Time{}, ""
	}
}

// Paused returns how long rawURL's host is still paused, and why; 0 when
// it is not.
func (h *Hosts) Paused(rawURL string) (time.Duration, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	hs := h.hosts[Key(rawURL)]
	if hs == nil {
		return 0, ""
	}
	if left := hs.until.Sub(h.now()); left > 0 {
		return left, hs.reason
	}
	return 0, ""
}

// getLocked returns key's entry, creating it; it forgets hosts neither
// used nor paused for a day, so a daemon whose feeds come and go does not
// keep an entry per host forever.
func (h *Hosts) getLocked(key string, now time.Time) *host {
	hs := h.hosts[key]
	if hs == nil {
		for k, old := range h.hosts {
			if now.Sub(old.lastUsed) > idleHostAge && now.After(old.until) {
				delete(h.hosts, k)
			}
		}
		hs = &host{}
		h.hosts[key] = hs
	}
	hs.lastUsed = now
	return hs
}

// Key is the budget rawURL falls under: its host (and port, when the URL
// names one), or the domain for every host of SEC's ("sec.gov") and of the
// Federal Register's ("federalregister.gov"), whose limits cover them all.
func Key(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	name := strings.ToLower(u.Hostname())
	for _, d := range sharedDomains {
		if name == d || strings.HasSuffix(name, "."+d) {
			return d
		}
	}
	return strings.ToLower(u.Host)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
