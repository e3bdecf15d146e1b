package alert

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

// WebhookSchemaVersion is the version of the generic webhook body. It
// changes only when a field changes meaning or goes away; new fields may
// appear within a version, so consumers must ignore unknown fields.
const WebhookSchemaVersion = "1"

// Standard Webhooks headers (https://www.standardwebhooks.com).
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// WebhookBody is the JSON a webhook receiver posts, one alert per request,
// shaped as Standard Webhooks recommends (type, timestamp, data).
type WebhookBody struct {
	// Version is WebhookSchemaVersion.
	Version string `json:"version"`
	// Type is "alert.firing" or "alert.resolved".
	Type string `json:"type"`
	// Timestamp is when the alert was created (not when this attempt was
	// sent), so every retry of an alert carries the same body.
	Timestamp time.Time `json:"timestamp"`
	// Receiver is the name of the receiver in monitord's config.
	Receiver string `json:"receiver"`
	// Text is the alert rendered by webhook.text_template.
	Text string `json:"text"`
	// Data is the alert itself.
	Data Alert `json:"data"`
}

// webhookNotifier posts a versioned JSON body, signed the Standard Webhooks
// way when a secret is configured, one alert per request so that
// webhook-id is the alert's ID and the receiver can use it to deduplicate.
type webhookNotifier struct {
	receiver string
	url      config.Secret
	secret   config.Secret
	headers  map[string]config.Secret
	text     *messageTemplate
	poster   *poster
	log      *zap.Logger
}

func newWebhookNotifier(r *config.Receiver, p *poster, log *zap.Logger) (*webhookNotifier, error) {
	w := r.Webhook
	text, err := newMessageTemplate("webhook.text_template", w.TextTemplate, DefaultWebhookTextTemplate)
	if err != nil {
		return nil, err
	}
	if w.Secret != "" {
		if _, err := decodeWebhookSecret(w.Secret.Reveal()); err != nil {
			return nil, err
		}
		p.red.add(w.Secret.Reveal(), strings.TrimPrefix(w.Secret.Reveal(), "whsec_"))
	}
	p.red.addURL(w.URL.Reveal())
	for _, v := range w.Headers {
		p.red.add(v.Reveal())
	}
	return &webhookNotifier{receiver: r.Name, url: w.URL, secret: w.Secret, headers: w.Headers, text: text, poster: p, log: log}, nil
}

// Notify implements Notifier.
func (n *webhookNotifier) Notify(ctx context.Context, alerts ...Alert) (bool, error) {
	for i := range alerts {
		if retry, err := n.send(ctx, &alerts[i]); err != nil {
			return retry, err
		}
	}
	return false, nil
}

func (n *webhookNotifier) send(ctx context.Context, a *Alert) (bool, error) {
	text, err := n.text.render(a)
	if err != nil {
		n.log.Warn("Message template failed; used the default", zap.NamedError("err", err))
	}
	body, err := marshalJSON(WebhookBody{
		Version:   WebhookSchemaVersion,
		Type:      "alert." + string(a.Status),
		Timestamp: a.CreatedAt.UTC(),
		Receiver:  n.receiver,
		Text:      text,
		Data:      *a,
	})
	if err != nil {
		return false, &Error{Reason: upstream.ReasonRequest, msg: fmt.Sprintf("encode webhook body: %v", err)}
	}
	h := http.Header{}
	for k, v := range n.headers {
		h.Set(k, v.Reveal())
	}
	h.Set("Content-Type", "application/json")
	ts := n.poster.clock.Now().Unix()
	h.Set(HeaderWebhookID, a.ID)
	h.Set(HeaderWebhookTimestamp, strconv.FormatInt(ts, 10))
	if n.secret != "" {
		key, err := decodeWebhookSecret(n.secret.Reveal())
		if err != nil {
			return false, &Error{Reason: upstream.ReasonRequest, msg: err.Error()}
		}
		h.Set(HeaderWebhookSignature, signWebhook(key, a.ID, ts, body))
	}
	raw := n.url.Reveal()
	return n.poster.post(ctx, raw, safeURL(raw), h, body)
}

// decodeWebhookSecret returns the HMAC key of a Standard Webhooks secret,
// whsec_<base64> (the prefix is optional, as in the reference libraries).
// The error never repeats the secret.
func decodeWebhookSecret(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("webhook secret is not whsec_ followed by base64 (value not shown)")
	}
	return key, nil
}

// signWebhook returns the webhook-signature value: "v1," and the base64
// HMAC-SHA256 of "id.timestamp.body" under key.
func signWebhook(key []byte, id string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write(strconv.AppendInt(nil, ts, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// buildWebhook makes a webhook receiver's endpoint.
func buildWebhook(_ *Dispatcher, r *config.Receiver, mk endpointMaker) ([]*endpoint, error) {
	n, err := newWebhookNotifier(r, mk.newPoster(), mk.log.With(zap.String("integration", IntegrationWebhook)))
	if err != nil {
		return nil, err
	}
	return []*endpoint{mk.make(IntegrationWebhook, mainEndpoint, n, 1)}, nil
}
