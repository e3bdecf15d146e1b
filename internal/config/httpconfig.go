package config

import (
	"os"

	promconfig "github.com/prometheus/common/config"
)

// HTTPConfig is an http_config: prometheus/common's HTTPClientConfig, the
// block Alertmanager receivers and Prometheus scrape configs take (TLS,
// basic_auth, authorization, oauth2, proxy_url, follow_redirects,
// http_headers). Its secrets are shown as <secret> in /config. Every feed,
// quote provider and receiver may set one; it validates itself as it is
// decoded strictly, and is validated with the rest of the file, so that a
// problem names its key and line.
type HTTPConfig promconfig.HTTPClientConfig

// UnmarshalYAML applies prometheus/common's defaults (redirects followed,
// HTTP/2 on) and decodes without validating: validation comes later, where
// the key path is known.
func (c *HTTPConfig) UnmarshalYAML(unmarshal func(any) error) error {
	*c = HTTPConfig(promconfig.DefaultHTTPClientConfig)
	type plain promconfig.HTTPClientConfig
	return unmarshal((*plain)(c))
}

// Client is the configuration to build a client from, or def when c is
// nil (the block is absent).
func (c *HTTPConfig) Client(def promconfig.HTTPClientConfig) promconfig.HTTPClientConfig {
	if c == nil {
		return def
	}
	return promconfig.HTTPClientConfig(*c)
}

// DefaultHTTPConfig is what a feed or quote provider without an
// http_config uses: redirects followed, HTTP/2 allowed.
var DefaultHTTPConfig = promconfig.DefaultHTTPClientConfig

// ReceiverHTTPConfig is what a receiver without an http_config uses:
// redirects are not followed, since following one would re-send a signed
// alert somewhere the operator did not name.
var ReceiverHTTPConfig = func() promconfig.HTTPClientConfig {
	c := promconfig.DefaultHTTPClientConfig
	c.FollowRedirects = false
	return c
}()

// httpConfig validates an http_config, resolves its files against the
// configuration's directory and checks that each can be read, so that
// check-config reports a missing password file rather than the first
// request failing.
func (v *validator) httpConfig(path string, hc *HTTPConfig) {
	if hc == nil {
		return
	}
	c := (*promconfig.HTTPClientConfig)(hc)
	if err := c.Validate(); err != nil {
		v.ps.add(path, "%v", err)
		return
	}
	c.SetDirectory(v.dir)
	files := map[string]string{
		"tls_config.ca_file":   c.TLSConfig.CAFile,
		"tls_config.cert_file": c.TLSConfig.CertFile,
		"tls_config.key_file":  c.TLSConfig.KeyFile,
	}
	if a := c.BasicAuth; a != nil {
		files["basic_auth.username_file"] = a.UsernameFile
		files["basic_auth.password_file"] = a.PasswordFile
	}
	if a := c.Authorization; a != nil {
		files["authorization.credentials_file"] = a.CredentialsFile
	}
	if o := c.OAuth2; o != nil {
		files["oauth2.client_secret_file"] = o.ClientSecretFile
	}
	if h := c.HTTPHeaders; h != nil {
		for name, hv := range h.Headers {
			for _, f := range hv.Files {
				if _, err := os.Stat(f); err != nil {
					v.ps.add(path+".http_headers."+name+".files", "cannot read %q: %v", f, unwrapPathError(err))
				}
			}
		}
	}
	for key, f := range files {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			v.ps.add(path+"."+key, "cannot read %q: %v", f, unwrapPathError(err))
		}
	}
}
