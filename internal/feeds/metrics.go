package feeds

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Fetch results, the values of the result label of
// monitord_feed_fetches_total.
const (
	resultOK          = "ok"           // a body was fetched and parsed
	resultNotModified = "not_modified" // 304 to a conditional GET
	resultUnchanged   = "unchanged"    // 200 with the same body as last time
	resultError       = "error"        // see monitord_feed_fetch_errors_total
)

var results = []string{resultOK, resultNotModified, resultUnchanged, resultError}

// reasonStore is the reason label of monitord_feed_fetch_errors_total for a
// body fetched and parsed whose items could not be recorded: the state
// database refused the write (a full disk). The other reasons are
// internal/upstream's.
const reasonStore = "store"

// Duplicate kinds, the values of the kind label of
// monitord_feed_duplicates_total: which key recognised an item as known.
const (
	dupID    = "id"    // the source's own id, or a filing's accession number
	dupURL   = "url"   // the canonical URL
	dupTitle = "title" // the normalised headline, within news.dedup_window
)

var dupKinds = []string{dupID, dupURL, dupTitle}

// Reasons an item is parsed but not reported, the values of the reason
// label of monitord_feed_items_skipped_total.
const (
	skipPrimed = "primed"  // the first poll of a source only primes the seen-set
	skipTooOld = "too_old" // published before news.max_item_age
)

var skipReasons = []string{skipPrimed, skipTooOld}

// The reason labels of monitord_feed_polls_skipped_total: the feed is
// backing off after its own 429 or 5xx, or its host is paused for every
// caller (another feed's 429, a Retry-After).
const (
	skipBackoff     = "backoff"
	skipHostBackoff = "host_backoff"
)

// Metrics are the feed metrics. Create them once per process with
// NewMetrics and pass the same value to every New, so that reloading the
// configuration keeps the counters.
type Metrics struct {
	fetches     *prometheus.CounterVec
	fetchErrors *prometheus.CounterVec
	responses   *prometheus.CounterVec
	bytes       *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	items       *prometheus.CounterVec
	truncated   *prometheus.CounterVec
	newItems    *prometheus.CounterVec
	duplicates  *prometheus.CounterVec
	skipped     *prometheus.CounterVec
	pollSkips   *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	failures    *prometheus.GaugeVec
	matches     *prometheus.CounterVec
	slotWait    prometheus.Counter

	// mu guards known, the feeds and groups whose label values are
	// initialised, so a reload can drop the series of removed ones.
	mu     sync.Mutex
	feeds  map[string]bool
	groups map[string]bool
}

// NewMetrics creates the feed metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_feed_fetches_total",
			Help: "Fetches of feed URLs by result (ok, not_modified, unchanged, error).",
		}, []string{"feed", "result"}),
		fetchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_feed_fetch_errors_total",
			Help: "Failed fetches of feed URLs by reason (timeout, dns, connection_refused, rate_limited, server_error, not_found, too_large, parse, not_feed, ...; see the README).",
		}, []string{"feed", "reason"}),
		responses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_feed_http_responses_total",
			Help: "HTTP responses from feed servers by status: 304, 403, 404 and 429 by code, the rest by class (2xx, 3xx, 4xx, 5xx).",
		}, []string{"feed", "code"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_feed_response_bytes_total",
			Help: "Bytes of feed response bodies read (after decompression).",
		}, []string{"feed"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "monitord_feed_fetch_duration_seconds",
			Help:    "Time to fetch one feed URL, from request to the end of the body, excluding politeness waits.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 20, 30, 60},
		}, []string{"feed"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_feed_items_total",
			Help: "Items parsed from feed bodies.",
		}, []string{"feed"}),
		truncated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_feed_items_truncated_total",
			Help: "Items left out of feed bodies longer than the 1000 items read from one body (the newest are kept).",
		}, []string{"feed"}),
		newItems: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_feed_new_items_total",
			Help: "Items reported as new stories, matched or not.",
		}, []string{"feed"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_feed_duplicates_total",
			Help: "Items recognised as already seen, by the key that matched (id, url, title).",
		}, []string{"feed", "kind"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_feed_items_skipped_total",
			Help: "New items not reported, by reason (primed: first poll of a source; too_old: older than news.max_item_age).",
		}, []string{"feed", "reason"}),
		pollSkips: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_feed_polls_skipped_total",
			Help: "Scheduled polls skipped, by reason (backoff: the source is backing off after 429 or 5xx; host_backoff: its host is paused).",
		}, []string{"feed", "reason"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "monitord_feed_last_success_timestamp_seconds",
			Help: "When a poll of the feed last succeeded for every URL, as Unix time.",
		}, []string{"feed"}),
		failures: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "monitord_feed_consecutive_failures",
			Help: "Polls of the feed that failed in a row (any URL failing fails the poll); 0 after a success.",
		}, []string{"feed"}),
		matches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_feed_matches_total",
			Help: "New stories that matched a keyword group, by feed and group.",
		}, []string{"feed", "group"}),
		slotWait: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "monitord_feed_fetch_slot_wait_seconds_total",
			Help: "Time feed polls spent waiting for a fetch slot (news.max_concurrent_fetches); a steady rise means the slots are too few.",
		}),
		feeds:  map[string]bool{},
		groups: map[string]bool{},
	}
	reg.MustRegister(m.fetches, m.fetchErrors, m.responses, m.bytes, m.duration, m.items, m.truncated,
		m.newItems, m.duplicates, m.skipped, m.pollSkips, m.lastSuccess, m.failures, m.matches, m.slotWait)
	return m
}

// initialize creates the label combinations of the given feeds and groups
// at zero, so dashboards and rate() see them before the first event, and
// deletes the series of feeds and groups no longer configured. Errors by
// reason and responses by status code are the exception: eleven reasons
// and nine codes per feed would be half the feed series, for events most
// feeds never see. They appear with their first occurrence; alerts and
// ratios use monitord_feed_fetches_total{result="error"}, which is always
// there.
func (m *Metrics) initialize(feeds, groups []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	wantFeeds, wantGroups := setOf(feeds), setOf(groups)
	for f := range m.feeds {
		if !wantFeeds[f] {
			m.deleteFeed(f)
		}
	}
	for g := range m.groups {
		if !wantGroups[g] {
			m.matches.DeletePartialMatch(prometheus.Labels{"group": g})
		}
	}
	for _, f := range feeds {
		for _, r := range results {
			m.fetches.WithLabelValues(f, r)
		}
		m.bytes.WithLabelValues(f)
		m.duration.WithLabelValues(f)
		m.items.WithLabelValues(f)
		m.truncated.WithLabelValues(f)
		m.newItems.WithLabelValues(f)
		for _, k := range dupKinds {
			m.duplicates.WithLabelValues(f, k)
		}
		for _, r := range skipReasons {
			m.skipped.WithLabelValues(f, r)
		}
		m.pollSkips.WithLabelValues(f, skipBackoff)
		m.pollSkips.WithLabelValues(f, skipHostBackoff)
		m.lastSuccess.WithLabelValues(f)
		m.failures.WithLabelValues(f)
		for _, g := range groups {
			m.matches.WithLabelValues(f, g)
		}
	}
	m.feeds, m.groups = wantFeeds, wantGroups
}

// fresh returns the feeds among names whose series this process has not
// created yet.
func (m *Metrics) fresh(names []string) map[string]bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]bool{}
	for _, n := range names {
		if !m.feeds[n] {
			out[n] = true
		}
	}
	return out
}

func (m *Metrics) deleteFeed(f string) {
	l := prometheus.Labels{"feed": f}
	for _, v := range []interface{ DeletePartialMatch(prometheus.Labels) int }{
		m.fetches, m.fetchErrors, m.responses, m.bytes, m.duration, m.items, m.truncated, m.newItems,
		m.duplicates, m.skipped, m.pollSkips, m.lastSuccess, m.failures, m.matches,
	} {
		v.DeletePartialMatch(l)
	}
}

func setOf(ss []string) map[string]bool {
	out := make(map[string]bool, len(ss))
	for _, s := range ss {
		out[s] = true
	}
	return out
}
