package tickers

import (
	"slices"
	"sync"
	"time"

	"github.com/monitord/monitord/internal/upstream"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the quote metrics. Create them once with NewMetrics and hand
// the same value to every Poller built on a config reload, so counters
// survive reloads; SetSymbols drops the series of symbols no longer
// watched. All methods are safe for concurrent use.
type Metrics struct {
	price          *prometheus.GaugeVec
	changeRatio    *prometheus.GaugeVec
	volume         *prometheus.GaugeVec
	quoteTime      *prometheus.GaugeVec
	stale          *prometheus.GaugeVec
	sourceInfo     *prometheus.GaugeVec
	symbolErrors   *prometheus.CounterVec
	rejections     *prometheus.CounterVec
	requests       *prometheus.CounterVec
	requestErrors  *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	crumbRefreshes *prometheus.CounterVec
	lastSuccess    *prometheus.GaugeVec
	polls          *prometheus.CounterVec

	stalenessDesc *prometheus.Desc
	backoffDesc   *prometheus.Desc
	// now is the clock of the scrape-time gauges; tests replace it.
	now func() time.Time

	// mu guards the maps below, which the scrape-time gauges read.
	mu           sync.Mutex
	symbols      map[string]bool
	lastFresh    map[string]time.Time
	backoffUntil map[string]time.Time
}

// Poll results, the result label of monitord_quote_polls_total.
const (
	PollSuccess = "success" // every symbol got a quote
	PollPartial = "partial" // some symbols failed
	PollFailed  = "failed"  // no symbol got a quote
	PollSkipped = "skipped" // market closed, or a poll still running
)

// NewMetrics creates the quote metrics and registers them with reg (none
// when reg is nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "monitord_quote_" + name, Help: help}, labels)
	}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "monitord_quote_" + name, Help: help}, labels)
	}
	m := &Metrics{
		price:       gauge("price", "Last accepted regular-session price of the symbol, in its currency.", "symbol"),
		changeRatio: gauge("change_ratio", "Change of the last accepted price against the previous close, as a ratio (0.05 is +5%).", "symbol"),
		volume:      gauge("volume", "Regular-session volume of the symbol in the last accepted quote, in shares.", "symbol"),
		quoteTime:   gauge("timestamp_seconds", "When the exchange priced the last accepted quote of the symbol, in Unix seconds.", "symbol"),
		stale: gauge("stale", "1 while the polled session is open and the symbol had no fresh quote for quotes.stale_after, else 0.",
			"symbol"),
		sourceInfo: gauge("source_info", "Always 1, labelled with the source that served the symbol's last accepted quote.",
			"symbol", "source"),
		rejections: counter("rejected_total", "Quotes not handed to the rules, by reason (invalid: impossible price or time; jump: an unconfirmed move, held for the next poll or another source; duplicate: the answer listed the symbol twice).",
			"symbol", "reason"),
		symbolErrors: counter("symbol_errors_total", "Polls in which the symbol got no quote from any source, by reason.",
			"symbol", "reason"),
		requests: counter("requests_total", "Requests to quote sources, by result (success or error).", "source", "result"),
		requestErrors: counter("request_errors_total", "Failed requests to quote sources, by reason.",
			"source", "reason"),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "monitord_quote_request_duration_seconds",
			Help:    "Duration of requests to quote sources.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"source"}),
		crumbRefreshes: counter("crumb_refreshes_total", "Yahoo cookie and crumb fetches, by result (success or error).", "result"),
		lastSuccess: gauge("last_success_timestamp_seconds", "When a request to the source last succeeded, in Unix seconds.",
			"source"),
		polls: counter("polls_total", "Quote polls, by result (success, partial, failed, skipped).", "result"),
		stalenessDesc: prometheus.NewDesc("monitord_quote_staleness_seconds",
			"Seconds since the symbol last got a fresh quote (one newer than the quote before it).", []string{"symbol"}, nil),
		backoffDesc: prometheus.NewDesc("monitord_quote_backoff_seconds",
			"Seconds until the source may be asked again after failures; 0 when it is not backing off.", []string{"source"}, nil),
		now:          time.Now,
		symbols:      map[string]bool{},
		lastFresh:    map[string]time.Time{},
		backoffUntil: map[string]time.Time{},
	}
	for _, s := range Sources {
		for _, r := range []string{"success", "error"} {
			m.requests.WithLabelValues(s, r)
		}
		for _, r := range reasons {
			m.requestErrors.WithLabelValues(s, r)
		}
		m.duration.WithLabelValues(s)
	}
	for _, r := range []string{"success", "error"} {
		m.crumbRefreshes.WithLabelValues(r)
	}
	for _, r := range []string{PollSuccess, PollPartial, PollFailed, PollSkipped} {
		m.polls.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.price, m.changeRatio, m.volume, m.quoteTime, m.stale, m.sourceInfo, m.symbolErrors, m.rejections,
			m.requests, m.requestErrors, m.duration, m.crumbRefreshes, m.lastSuccess, m.polls, scrapeGauges{m})
	}
	return m
}

// SetSymbols makes symbols the watched set: their error counters are
// initialised and every series of a symbol no longer watched is deleted.
func (m *Metrics) SetSymbols(symbols []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	next := map[string]bool{}
	for _, s := range symbols {
		next[s] = true
		for _, r := range symbolReasons {
			m.symbolErrors.WithLabelValues(s, r)
		}
		for _, r := range rejectReasons {
			m.rejections.WithLabelValues(s, r)
		}
	}
	for s := range m.symbols {
		if next[s] {
			continue
		}
		l := prometheus.Labels{"symbol": s}
		for _, v := range []*prometheus.MetricVec{m.price.MetricVec, m.changeRatio.MetricVec, m.volume.MetricVec,
			m.quoteTime.MetricVec, m.stale.MetricVec, m.sourceInfo.MetricVec, m.symbolErrors.MetricVec, m.rejections.MetricVec} {
			v.DeletePartialMatch(l)
		}
		delete(m.lastFresh, s)
	}
	m.symbols = next
}

// recordQuote publishes an accepted quote; fresh marks it newer than the
// symbol's previous one.
func (m *Metrics) recordQuote(q Quote, fresh bool) {
	m.price.WithLabelValues(q.Symbol).Set(q.Price)
	m.changeRatio.WithLabelValues(q.Symbol).Set(q.ChangeRatio)
	m.volume.WithLabelValues(q.Symbol).Set(float64(q.Volume))
	m.quoteTime.WithLabelValues(q.Symbol).Set(float64(q.QuoteTime.UnixNano()) / 1e9)
	for _, s := range Sources {
		if s != q.Source {
			m.sourceInfo.DeleteLabelValues(q.Symbol, s)
		}
	}
	m.sourceInfo.WithLabelValues(q.Symbol, q.Source).Set(1)
	if fresh {
		m.mu.Lock()
		m.lastFresh[q.Symbol] = q.FetchedAt
		m.mu.Unlock()
	}
}

// seedFresh sets when symbol last had a fresh quote (from history, at
// start) unless a later one is known.
func (m *Metrics) seedFresh(symbol string, t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.After(m.lastFresh[symbol]) {
		m.lastFresh[symbol] = t
	}
}

// rejected counts a quote of symbol not handed to the rules.
func (m *Metrics) rejected(symbol, reason string) { m.rejections.WithLabelValues(symbol, reason).Inc() }

func (m *Metrics) symbolError(symbol string, err error) {
	m.symbolErrors.WithLabelValues(symbol, symbolReason(err)).Inc()
}

func (m *Metrics) setStale(symbol string, stale bool) {
	v := 0.0
	if stale {
		v = 1
	}
	m.stale.WithLabelValues(symbol).Set(v)
}

func (m *Metrics) poll(result string) { m.polls.WithLabelValues(result).Inc() }

func (m *Metrics) crumbRefresh(ok bool) {
	m.crumbRefreshes.WithLabelValues(result(ok)).Inc()
}

// SetClock replaces the clock of the scrape-time gauges (staleness and
// backoff); the daemon passes its own clock before the first poll.
func (m *Metrics) SetClock(now func() time.Time) { m.now = now }

// observeRequest counts one request to source that took d and failed with
// err (nil: success at now).
func (m *Metrics) observeRequest(source string, d time.Duration, err error, now time.Time) {
	m.duration.WithLabelValues(source).Observe(d.Seconds())
	m.requests.WithLabelValues(source, result(err == nil)).Inc()
	if err != nil {
		reason := reasonOf(err)
		if reason == "" {
			reason = upstream.ReasonParse
		}
		m.requestErrors.WithLabelValues(source, reason).Inc()
		return
	}
	m.lastSuccess.WithLabelValues(source).Set(float64(now.UnixNano()) / 1e9)
}

// setBackoff records when source may be asked again (zero: now).
func (m *Metrics) setBackoff(source string, until time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.backoffUntil[source] = until
}

func result(ok bool) string {
	if ok {
		return "success"
	}
	return "error"
}

// scrapeGauges computes the time-relative gauges at scrape time, so they
// are right between polls and while polls are skipped.
type scrapeGauges struct{ m *Metrics }

func (c scrapeGauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.m.stalenessDesc
	ch <- c.m.backoffDesc
}

func (c scrapeGauges) Collect(ch chan<- prometheus.Metric) {
	m := c.m
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	syms := make([]string, 0, len(m.lastFresh))
	for s := range m.lastFresh {
		if m.symbols[s] {
			syms = append(syms, s)
		}
	}
	slices.Sort(syms)
	for _, s := range syms {
		ch <- prometheus.MustNewConstMetric(m.stalenessDesc, prometheus.GaugeValue, max(0, now.Sub(m.lastFresh[s]).Seconds()), s)
	}
	for _, s := range Sources {
		ch <- prometheus.MustNewConstMetric(m.backoffDesc, prometheus.GaugeValue, max(0, m.backoffUntil[s].Sub(now).Seconds()), s)
	}
}
