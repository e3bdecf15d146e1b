package upstream

import (
	"net/url"
	"strings"
)

// Redacted stands in for a secret in a URL that is shown.
const Redacted = "xxxxx"

// secretParams are query parameter names (lower case, without _ and -)
// whose values are credentials in the APIs monitord reaches or that
// operators put in feed URLs.
var secretParams = []string{"key", "apikey", "token", "accesstoken", "authtoken", "secret", "clientsecret",
	"password", "passwd", "pass", "pwd", "sig", "signature", "auth", "authorization", "credential", "credentials",
	"crumb", "session", "sessionid"}

// RedactURL is raw fit to be shown in a log line, an error, /config or the
// status page: the password of its userinfo and the values of query
// parameters that look like credentials (apikey, token, key, secret,
// password, sig, crumb, ...) are replaced by xxxxx; the scheme, host, path
// and the other parameters stay, so an operator still sees which feed it
// is. Text that does not parse as a URL is shown as "<unparsable URL>",
// since it may be anything.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable URL>"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), Redacted)
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for name, vals := range q {
			if secretParam(name) {
				for i := range vals {
					vals[i] = Redacted
				}
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}

// secretParam reports whether a query parameter's name looks like it
// carries a credential: a known name, or one ending in one (x_api_key,
// client_token).
func secretParam(name string) bool {
	n := strings.NewReplacer("_", "", "-", "", ".", "").Replace(strings.ToLower(name))
	for _, s := range secretParams {
		if n == s || len(s) > 3 && strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}
