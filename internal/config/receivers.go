package config

import (
	"fmt"
	"net/http"
	"text/template"
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
}

// UnmarshalYAML applies the receiver defaults before decoding.
func (r *Receiver) UnmarshalYAML(unmarshal func(any) error) error {
	*r = Receiver{MaxAge: Duration(24 * 3600e9), Timeout: Duration(10e9)}
	type plain Receiver
	return unmarshal((*plain)(r))
}

// Slack posts to a Slack incoming webhook.
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
	Secret     Secret            `yaml:"secret,omitempty"`
	SecretFile string            `yaml:"secret_file,omitempty"`
	Headers    map[string]Secret `yaml:"headers,omitempty"`
	// TextTemplate overrides the default summary text.
	TextTemplate string `yaml:"text_template,omitempty"`
}

// Alertmanager pushes alerts to every Alertmanager of a cluster (v2 API).
type Alertmanager struct {
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
		switch {
		case r.Name == "":
			ps.add(p+".name", "is required")
		case !reName.MatchString(r.Name):
			ps.add(p+".name", "%q may hold only letters, digits, '_', '-' and '.'", r.Name)
		case names[r.Name]:
			ps.add(p+".name", "receiver %q is defined twice", r.Name)
		}
		names[r.Name] = true
		v.positive(p+".max_age", r.MaxAge)
		v.positive(p+".timeout", r.Timeout)
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
			v.secretPair(p+".webhook", "secret", &w.Secret, w.SecretFile, false)
			for h := range w.Headers {
				if http.CanonicalHeaderKey(h) == "" {
					ps.add(p+".webhook.headers", "bad header name %q", h)
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
			if a.Resolve == 0 {
				a.Resolve = Duration(5 * 60e9)
			}
		}
		if kinds != 1 {
			ps.add(p, "needs exactly one of slack, webhook or alertmanager, has %d", kinds)
		}
	}
	return names
}

func checkTemplate(ps *problems, path, text string) {
	if text == "" {
		return
	}
	if _, err := template.New("t").Parse(text); err != nil {
		ps.add(path, "bad template: %v", err)
	}
}
