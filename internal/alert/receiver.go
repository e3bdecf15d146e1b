package alert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

// Notifier delivers alerts to one endpoint. Like Alertmanager's
// notify.Notifier it reports whether a failure is worth retrying: true for
// 429, 5xx, timeouts and network errors, false for a permanent refusal (any
// other 4xx). Errors are *Error values whose text holds no secret.
type Notifier interface {
	Notify(ctx context.Context, alerts ...Alert) (retry bool, err error)
}

// SlackInterval is the least time between two messages to one Slack
// incoming webhook, Slack's documented limit. Receivers that share a
// webhook URL share the limit.
const SlackInterval = time.Second

// mainEndpoint is the queue of a receiver with a single URL (Slack,
// webhook). It does not depend on the URL, so rotating a webhook URL on
// reload sends the backlog to the new one.
const mainEndpoint = "main"

// endpoint is one delivery target with its own queue and worker: the URL
// of a Slack or webhook receiver, or one URL of an Alertmanager receiver.
type endpoint struct {
	receiver    string
	integration string
	// key names the queue inside the receiver's outbox bucket.
	key      string
	notifier Notifier
	// client sends the endpoint's requests (built from the receiver's
	// http_config); Run closes its idle connections when it stops.
	client *http.Client
	// limiter is nil for an endpoint without a rate limit.
	limiter *rate.Limiter
	// batch is how many alerts one Notify call takes.
	batch   int
	timeout time.Duration
	maxAge  time.Duration
	// cfg is the receiver config the endpoint was built from; an
	// unchanged receiver keeps its endpoints (and workers) across reloads.
	cfg config.Receiver
	// wake is signalled after an enqueue commits. It belongs to the queue,
	// not the endpoint: a rebuilt endpoint inherits its predecessor's.
	wake chan struct{}
	// last is the endpoint's latest delivery result, for Status.
	last *outcome
}

// integration is one kind of receiver: the config block it reads and how
// it builds its endpoints. Adding one is a file with its Notifier and its
// build function, and a line in integrations.
type integration struct {
	name string
	// configured reports whether r holds this integration's block.
	configured func(r *config.Receiver) bool
	// build makes r's endpoints with mk, which fills what every endpoint
	// shares (receiver, timeouts, queue, client).
	build func(d *Dispatcher, r *config.Receiver, mk endpointMaker) ([]*endpoint, error)
}

// endpointMaker makes an endpoint of the receiver being built: its queue
// key, its notifier, how many alerts one Notify takes; newPoster gives a
// notifier the receiver's HTTP client.
type endpointMaker struct {
	make      func(integration, key string, n Notifier, batch int) *endpoint
	newPoster func() *poster
	log       *zap.Logger
}

// integrations are the receiver kinds, in the order check-config names
// them.
var integrations = []integration{
	{IntegrationSlack, func(r *config.Receiver) bool { return r.Slack != nil }, buildSlack},
	{IntegrationWebhook, func(r *config.Receiver) bool { return r.Webhook != nil }, buildWebhook},
	{IntegrationAlertmanager, func(r *config.Receiver) bool { return r.Alertmanager != nil }, buildAlertmanager},
}

// buildReceiver makes the endpoints of one configured receiver.
func (d *Dispatcher) buildReceiver(r *config.Receiver) ([]*endpoint, error) {
	log := d.log.With(zap.String("receiver", r.Name))
	client := d.client
	if client == nil {
		c, err := upstream.NewClient(r.HTTPConfig.Client(config.ReceiverHTTPConfig),
			upstream.ClientOptions{Name: "receiver/" + r.Name, Hosts: d.hosts, Now: d.clock.Now})
		if err != nil {
			return nil, fmt.Errorf("http_config: %w", err)
		}
		client = c
	}
	mk := endpointMaker{
		log: log,
		newPoster: func() *poster {
			return &poster{client: client, userAgent: d.userAgent, clock: d.clock, red: &redactor{}}
		},
		make: func(integration, key string, n Notifier, batch int) *endpoint {
			return &endpoint{
				receiver: r.Name, integration: integration, key: key, notifier: n, batch: batch, client: client,
				timeout: r.Timeout.D(), maxAge: r.MaxAge.D(), cfg: cloneReceiver(r), wake: make(chan struct{}, 1),
				last: &outcome{},
			}
		},
	}
	for _, in := range integrations {
		if in.configured(r) {
			return in.build(d, r, mk)
		}
	}
	return nil, fmt.Errorf("needs one of slack, webhook or alertmanager")
}

// limiter returns the shared limiter of a webhook URL. Limiters outlive
// reloads, so a reload cannot reset Slack's budget.
func (d *Dispatcher) limiter(url string, every rate.Limit) *rate.Limiter {
	k := hashKey(url)
	l, ok := d.limiters[k]
	if !ok {
		l = rate.NewLimiter(every, 1)
		d.limiters[k] = l
	}
	return l
}

// hashKey names a URL without revealing it: 64 bits of its SHA-256.
func hashKey(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}

// cloneReceiver deep-copies r, so a config changed in place still compares
// unequal to what an endpoint was built from.
func cloneReceiver(r *config.Receiver) config.Receiver {
	c := *r
	if r.Slack != nil {
		s := *r.Slack
		c.Slack = &s
	}
	if r.Webhook != nil {
		w := *r.Webhook
		w.Headers = maps.Clone(w.Headers)
		c.Webhook = &w
	}
	if r.Alertmanager != nil {
		a := *r.Alertmanager
		a.URLs = slices.Clone(a.URLs)
		c.Alertmanager = &a
	}
	return c
}
