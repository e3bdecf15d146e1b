package feeds

import (
	"net"
	"net/url"
	"strings"
)

// trackingParams are query parameters that say how a reader arrived, not
// what they read. Two links that differ only in these are the same article.
var trackingParams = map[string]bool{
	".tsrc": true, "tsrc": true, // Yahoo RSS
	"oc":         true,                                                   // Google News
	"guccounter": true, "guce_referrer": true, "guce_referrer_sig": true, // Yahoo consent
	"ncid": true, "soc_src": true, "soc_trk": true, "yptr": true, // Yahoo
	"fbclid": true, "gclid": true, "dclid": true, "msclkid": true, "gbraid": true, "wbraid": true,
	"mc_cid": true, "mc_eid": true, "_ga": true, "_gl": true, "ocid": true, "cmpid": true,
	"sr_share": true, "smid": true, "taid": true, "ito": true, "rss": true, "feedtype": true,
	"__twitter_impression": true,
}

// hostTrackingParams are tracking parameters only on particular hosts,
// where the same name elsewhere may select content.
var hostTrackingParams = map[string]map[string]bool{
	"seekingalpha.com": {"source": true},
}

// canonicalURL reduces a link to the form used as a dedup key: scheme and
// host lower-cased, default port and fragment dropped, tracking parameters
// (utm_*, .tsrc, oc, guccounter, ...) removed and the rest sorted. It
// returns "" for anything that is not an absolute http(s) URL.
func canonicalURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if port := u.Port(); port != "" && !(u.Scheme == "http" && port == "80") && !(u.Scheme == "https" && port == "443") {
		host = net.JoinHostPort(host, port)
	}
	u.Host = strings.TrimSuffix(host, ".")
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			// Keep an unparsable query verbatim: it still identifies the page.
			return u.String()
		}
		extra := hostTrackingParams[strings.TrimPrefix(u.Hostname(), "www.")]
		for k := range q {
			lk := strings.ToLower(k)
			if trackingParams[lk] || strings.HasPrefix(lk, "utm_") || extra[lk] {
				delete(q, k)
			}
		}
		u.RawQuery = q.Encode()
	}
	u.ForceQuery = false
	return u.String()
}

// urlHost returns the lower-cased host of raw, or "".
func urlHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}
