package config

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"text/template"
	"time"
)

// Receiver is one destination for alerts. Exactly one of Slack, Webhook and
// Alertmanager is set.
type Receiver struct {
	Name         string        `yaml:"name"`
	Slack        *Slack        `yaml:"slack,omitempty"`
	Webhook      *Webhook      `yaml:"webhook,omitempty"`
	Alertmanager *Alertmanager `yaml:"alertmanager,omitempty"`
	// MaxAge is how long an undelivered alert is retried before it is
	// dropped (and counted).
	MaxAge Duration `yaml:"max_age"`
	// Timeout bounds one delivery request.
	Timeout Duration `yaml:"timeout"`
	// HTTPConfig sets TLS, authentication, a proxy and redirects for the
	// receiver's requests; unset, ReceiverHTTPConfig (no redirects).
	HTTPConfig *HTTPConfig `yaml:"http_config,omitempty"`
}

// DefaultReceiver holds what a receiver does not state: undelivered alerts
// are retried for a day, and each request may take ten seconds.
var DefaultReceiver = Receiver{MaxAge: Duration(24 * time.Hour), Timeout: Duration(10 * time.Second)}

// DefaultAlertmanagerResolve is alertmanager.resolve_timeout's default.
const DefaultAlertmanagerResolve = Duration(5 * time.Minute)

// UnmarshalYAML applies the receiver defaults before decoding.
func (r *Receiver) UnmarshalYAML(unmarshal func(any) error) error {
	*r = DefaultReceiver
	type plain Receiver
	return unmarshal((*plain)(r))
}

// Slack posts Block Kit messages to a Slack incoming webhook, at most one a
// second per webhook URL (Slack's limit).
type Slack struct {
	WebhookURL     Secret `yaml:"webhook_url,omitempty"`
	WebhookURLFile string `yaml:"webhook_url_file,omitempty"`
	// TitleTemplate and TextTemplate override the default message text
	// (Go text/template over the alert).
	TitleTemplate string `yaml:"title_template,omitempty"`
	TextTemplate  string `yaml:"text_template,omitempty"`
}

// Webhook posts signed JSON to any HTTP endpoint.
type Webhook struct {
	URL     Secret `yaml:"url,omitempty"`
	URLFile string `yaml:"url_file,omitempty"`
	// Secret signs bodies the Standard Webhooks way (whsec_<base64>).
	Secret     Secret `yaml:"secret,omitempty"`
	SecretFile string `yaml:"secret_file,omitempty"`
	// Headers are added to every request. Their values are secrets (an
	// Authorization header): never logged. Content-Type and the webhook-*
	// headers are monitord's own.
	Headers map[string]Secret `yaml:"headers,omitempty"`
	// TextTemplate overrides the default summary text.
	TextTemplate string `yaml:"text_template,omitempty"`
}

// Alertmanager pushes alerts to every Alertmanager of a cluster (v2 API).
type Alertmanager struct {
	// URLs are the Alertmanagers to push to, each with its own queue, so
	// one that is down does not hold up the others.
	URLs []string `yaml:"urls"`
	// GeneratorURL is the link back to this monitord in each alert.
	GeneratorURL string `yaml:"generator_url,omitempty"`
	// Resolve is how long after the last push an alert resolves.
	Resolve Duration `yaml:"resolve_timeout"`
}

func validateReceivers(ps *problems, c *Config, v *validator) map[string]bool {
	names := map[string]bool{}
	for i := range c.Receivers {
		r := &c.Receivers[i]
		p := fmt.Sprintf("receivers[%d]", i)
		checkName(ps, p+".name", "receiver", r.Name, names)
		v.positive(p+".max_age", r.MaxAge)
		v.positive(p+".timeout", r.Timeout)
		v.httpConfig(p+".http_config", r.HTTPConfig)
		kinds := 0
		if s := r.Slack; s != nil {
			kinds++
			if v.secretPair(p+".slack", "webhook_url", &s.WebhookURL, s.WebhookURLFile, true) {
				if m := checkSecretURL(s.WebhookURL.Reveal()); m != "" {
					ps.add(p+".slack.webhook_url", "%s", m)
				}
			}
			checkTemplate(ps, p+".slack.title_template", s.TitleTemplate)
			checkTemplate(ps, p+".slack.text_template", s.TextTemplate)
		}
		if w := r.Webhook; w != nil {
			kinds++
			if v.secretPair(p+".webhook", "url", &w.URL, w.URLFile, true) {
				if m := checkSecretURL(w.URL.Reveal()); m != "" {
					ps.add(p+".webhook.url", "%s", m)
				}
			}
			if v.secretPair(p+".webhook", "secret", &w.Secret, w.SecretFile, false) {
				key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(w.Secret.Reveal(), "whsec_"))
				if err != nil || len(key) == 0 {
					ps.add(p+".webhook.secret", "must be whsec_ followed by base64, as Standard Webhooks secrets are (value not shown: it is secret)")
				}
			}
			for h := range w.Headers {
				switch c := http.CanonicalHeaderKey(h); {
				case c == "" || strings.ContainsAny(h, " \t\r\n:"):
					ps.add(p+".webhook.headers", "bad header name %q", h)
				case reservedWebhookHeaders[c]:
					ps.add(p+".webhook.headers", "header %q is set by monitord and cannot be overridden", h)
				}
			}
			checkTemplate(ps, p+".webhook.text_template", w.TextTemplate)
		}
		if a := r.Alertmanager; a != nil {
			kinds++
			if len(a.URLs) == 0 {
				ps.add(p+".alertmanager.urls", "needs at least one Alertmanager URL")
			}
			for j, u := range a.URLs {
				if m := checkHTTPURL(u); m != "" {
					ps.add(fmt.Sprintf("%s.alertmanager.urls[%d]", p, j), "%s", m)
				}
			}
			v.nonNegative(p+".alertmanager.resolve_timeout", a.Resolve)
			if a.Resolve == 0 {
				a.Resolve = DefaultAlertmanagerResolve
			}
		}
		if kinds != 1 {
			ps.add(p, "needs exactly one of slack, webhook or alertmanager, has %d", kinds)
		}
	}
	return names
}

// reservedWebhookHeaders are the headers the webhook receiver sets itself:
// the body's type and the Standard Webhooks id, timestamp and signature.
var reservedWebhookHeaders = map[string]bool{
	"Content-Type":      true,
	"Webhook-Id":        true,
	"Webhook-Timestamp": true,
	"Webhook-Signature": true,
}

// templateFuncNames are the functions internal/alert gives message
// templates; parsing needs their names only. internal/alert tests that the
// two lists agree.
var templateFuncNames = []string{"join", "pct", "money", "upper", "lower"}

func checkTemplate(ps *problems, path, text string) {
	if text == "" {
		return
	}
	funcs := template.FuncMap{}
	for _, n := range templateFuncNames {
		funcs[n] = func(...any) string { return "" }
	}
	if _, err := template.New("t").Funcs(funcs).Parse(text); err != nil {
		ps.add(path, "bad template: %v", err)
	}
}
