package alert

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Integration names: the integration label.
const (
	IntegrationSlack        = "slack"
	IntegrationWebhook      = "webhook"
	IntegrationAlertmanager = "alertmanager"
)

// Drop reasons: the reason label of monitord_alert_notifications_dropped_total.
const (
	// DropMaxAge is an alert still undelivered after the receiver's max_age.
	DropMaxAge = "max_age"
	// DropPermanent is an alert a receiver refused (a 4xx other than 429).
	DropPermanent = "permanent"
)

var dropReasons = []string{DropMaxAge, DropPermanent}

// Metrics are the alert subsystem's metrics. Create them once per registry
// with NewMetrics and hand the same value to every Dispatcher across config
// reloads. Label values come only from the config (receiver and rule names)
// and from the fixed sets above.
type Metrics struct {
	// Delivery (this file's half).
	enqueued        *prometheus.CounterVec
	notifications   *prometheus.CounterVec
	failed          *prometheus.CounterVec
	dropped         *prometheus.CounterVec
	latency         *prometheus.HistogramVec
	requestDuration *prometheus.HistogramVec
	outbox          *outboxCollector

	// Fired counts alerts the rules produced, by rule; Suppressed counts
	// alerts the rules held back, by rule and reason (cooldown, repeat,
	// quiet_hours, grouped, ...). The rules half increments and
	// pre-initialises them.
	Fired      *prometheus.CounterVec
	Suppressed *prometheus.CounterVec
}

// NewMetrics creates the alert metrics and registers them with reg (nil
// registers nothing, for tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	f := promauto.With(reg)
	m := &Metrics{
		enqueued: f.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_alert_enqueued_total",
			Help: "Alerts committed to a receiver's outbox.",
		}, []string{"receiver"}),
		notifications: f.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_alert_notifications_total",
			Help: "Alerts delivered and acknowledged, per receiver endpoint.",
		}, []string{"receiver", "integration"}),
		failed: f.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_alert_notifications_failed_total",
			Help: "Failed delivery attempts, retried or not, by reason.",
		}, []string{"receiver", "integration", "reason"}),
		dropped: f.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_alert_notifications_dropped_total",
			Help: "Alerts given up on: refused by the receiver (permanent) or undelivered after max_age.",
		}, []string{"receiver", "reason"}),
		latency: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "monitord_alert_delivery_latency_seconds",
			Help:    "Time from enqueueing an alert to its acknowledgement by the receiver.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400},
		}, []string{"receiver", "integration"}),
		requestDuration: f.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "monitord_alert_request_duration_seconds",
			Help:    "Duration of delivery requests to receivers, successful or not.",
			Buckets: []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"receiver", "integration"}),
		Fired: f.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_alert_fired_total",
			Help: "Alerts produced by rules, before delivery.",
		}, []string{"rule"}),
		Suppressed: f.NewCounterVec(prometheus.CounterOpts{
			Name: "monitord_alert_suppressed_total",
			Help: "Alerts held back by rules, by reason.",
		}, []string{"rule", "reason"}),
		outbox: &outboxCollector{
			depth: prometheus.NewDesc("monitord_alert_outbox_depth",
				"Alerts waiting in a receiver's outbox (summed over its endpoints).", []string{"receiver"}, nil),
			oldest: prometheus.NewDesc("monitord_alert_outbox_oldest_age_seconds",
				"Age of the oldest alert waiting in a receiver's outbox, 0 when empty.", []string{"receiver"}, nil),
		},
	}
	if reg != nil {
		reg.MustRegister(m.outbox)
	}
	return m
}

// initReceiver pre-initialises the series of one receiver endpoint so
// dashboards and rate() see zeros rather than absent series.
func (m *Metrics) initReceiver(receiver, integration string) {
	m.enqueued.WithLabelValues(receiver)
	m.notifications.WithLabelValues(receiver, integration)
	m.latency.WithLabelValues(receiver, integration)
	m.requestDuration.WithLabelValues(receiver, integration)
	for _, r := range reasons {
		m.failed.WithLabelValues(receiver, integration, string(r))
	}
	for _, r := range dropReasons {
		m.dropped.WithLabelValues(receiver, r)
	}
}

// queueStat is one receiver's outbox at scrape time.
type queueStat struct {
	receiver  string
	depth     int
	oldestAge float64
}

// outboxCollector reads the outbox at scrape time, so depth and age are
// exact and a receiver removed by a reload stops being exported. The source
// is the running Dispatcher's; one Dispatcher per Metrics at a time.
type outboxCollector struct {
	depth, oldest *prometheus.Desc

	mu     sync.Mutex
	source func() []queueStat
}

func (c *outboxCollector) setSource(f func() []queueStat) {
	c.mu.Lock()
	c.source = f
	c.mu.Unlock()
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.oldest
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	f := c.source
	c.mu.Unlock()
	if f == nil {
		return
	}
	for _, s := range f() {
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(s.depth), s.receiver)
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, s.oldestAge, s.receiver)
	}
}
