package config

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/monitord/monitord/internal/upstream"
)

// Duration is a time.Duration written the Prometheus way: 90s, 15m, 1h30m,
// 2d, 1w. A bare number is rejected so that "5" never silently means 5ns.
type Duration time.Duration

// UnmarshalYAML parses a Prometheus-style duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := model.ParseDuration(n.Value)
	if _, perr := model.ParseDuration(strings.TrimPrefix(n.Value, "-")); n.Kind == yaml.ScalarNode && err != nil &&
		strings.HasPrefix(n.Value, "-") && perr == nil {
		return nodeError(n, "must be a positive duration, got %q", n.Value)
	}
	if n.Kind != yaml.ScalarNode || err != nil {
		return nodeError(n, "invalid duration %q (use a number with a unit: 30s, 5m, 1h, 2d)", n.Value)
	}
	*d = Duration(v)
	return nil
}

// nodeError reports a bad scalar the way yaml.v3 reports type errors, with
// its line, so decoding goes on and every problem is listed.
func nodeError(n *yaml.Node, format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: ", n.Line) + fmt.Sprintf(format, args...)}}
}

// MarshalYAML writes the duration back in the same form.
func (d Duration) MarshalYAML() (any, error) { return model.Duration(d).String(), nil }

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return model.Duration(d).String() }

// Secret is a string that must never be printed: a webhook URL, a token, an
// HMAC key. Every way of formatting it (fmt, zap's reflection, YAML, JSON)
// shows "<secret>"; only Reveal gives the value, at the point of use.
type Secret string

const redacted = "<secret>"

// Reveal returns the secret's value. Call it only where the value is sent.
func (s Secret) Reveal() string { return string(s) }

func (s Secret) String() string { return s.mask() }

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return s.mask() }

// MarshalYAML redacts the secret in dumped configs (/config, check-config).
func (s Secret) MarshalYAML() (any, error) { return s.mask(), nil }

// MarshalJSON redacts the secret in JSON output and zap's reflected fields.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.mask() + `"`), nil }

// MarshalText redacts the secret wherever a TextMarshaler is consulted.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.mask()), nil }

func (s Secret) mask() string {
	if s == "" {
		return ""
	}
	return redacted
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// UnmarshalYAML reads the secret and expands ${NAME} references from the
// environment. An unset variable is an error naming the variable, never
// its would-be value.
func (s *Secret) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return nodeError(n, "must be a string")
	}
	raw := n.Value
	var missing []string
	out := envRef.ReplaceAllStringFunc(raw, func(m string) string {
		name := envRef.FindStringSubmatch(m)[1]
		v, ok := os.LookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return nodeError(n, "environment variable %s is not set", strings.Join(missing, ", "))
	}
	*s = Secret(out)
	return nil
}

// loadSecretFile reads a secret from a file, trimming one trailing newline
// as editors and `echo` leave it.
func loadSecretFile(path string) (Secret, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		// The path is not secret; the content is never echoed.
		return "", fmt.Errorf("cannot read secret file %q: %w", path, unwrapPathError(err))
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", fmt.Errorf("secret file %q is empty", path)
	}
	return Secret(v), nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// checkHTTPURL reports why raw is not an absolute http(s) URL, or "".
func checkHTTPURL(raw string) string {
	if raw == "" {
		return "is required"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("is not a valid URL: %v", trimURLError(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Sprintf("must be an absolute http or https URL, got %q", redactURL(raw))
	}
	if u.Host == "" {
		return fmt.Sprintf("has no host: %q", redactURL(raw))
	}
	return ""
}

// redactURL is raw fit to be shown: without the password of its userinfo
// and the values of credential-looking query parameters (see
// upstream.RedactURL), or raw itself when it holds none of those, since
// RedactURL re-encodes what it parses and would show a per_ticker
// template's {{.Symbol}} as %7B%7B.Symbol%7D%7D.
func redactURL(raw string) string {
	r := upstream.RedactURL(raw)
	if _, err := url.Parse(raw); err != nil || strings.Count(r, upstream.Redacted) > strings.Count(raw, upstream.Redacted) {
		return r // unparsable (it may hide anything), or it held a credential
	}
	return raw
}

// redactURLs replaces every string in a YAML tree that is an http or https
// URL with its redacted form, so /config shows no credential whichever
// key holds it (a feed, a quote provider, an Alertmanager, a proxy).
func redactURLs(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		if lower := strings.ToLower(n.Value); strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
			n.Value = redactURL(n.Value)
		}
	}
	for _, c := range n.Content {
		redactURLs(c)
	}
}

// checkSecretURL is checkHTTPURL for a URL that is itself a secret (a Slack
// webhook): the message never repeats the value.
func checkSecretURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "must be an absolute http or https URL (value not shown: it is secret)"
	}
	return ""
}

func trimURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
