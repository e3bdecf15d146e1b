package upstream

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"time"

	promconfig "github.com/prometheus/common/config"
)

// throttlePause is how long a 429 without a Retry-After pauses its host
// for every caller, until the caller's own backoff decides more.
const throttlePause = 5 * time.Second

// ClientOptions tune NewClient.
type ClientOptions struct {
	// Name labels the client's connections (go-conntrack); the component
	// and the configured name, such as "feed/wire".
	Name string
	// Hosts are the process's budgets: a paused host gets no request, and a
	// 429 or a Retry-After pauses it for everyone. nil shares nothing.
	Hosts *Hosts
	// Now is the clock of Retry-After dates; nil means time.Now.
	Now func() time.Time
}

// NewClient builds a client from an http_config, as Alertmanager builds a
// receiver's and Prometheus a scrape's: TLS, basic or bearer auth (from
// files too), proxy, follow_redirects and custom headers come from cfg,
// which must have been validated. The client has no overall timeout: each
// caller bounds its requests with a context. It asks for gzip and decodes
// it, so callers' body limits apply to the decoded size.
func NewClient(cfg promconfig.HTTPClientConfig, o ClientOptions) (*http.Client, error) {
	rt, err := promconfig.NewRoundTripperFromConfig(cfg, o.Name, promconfig.WithIdleConnTimeout(90*time.Second))
	if err != nil {
		return nil, fmt.Errorf("build HTTP client: %w", err)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &http.Client{Transport: &transport{next: rt, hosts: o.Hosts, now: o.Now}}
	if !cfg.FollowRedirects {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c, nil
}

// transport enforces the host budgets around the configured round tripper
// and decodes gzip, which prometheus/common's transport leaves to callers.
type transport struct {
	next  http.RoundTripper
	hosts *Hosts
	now   func() time.Time
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	target := req.URL.String()
	if t.hosts != nil {
		if left, reason := t.hosts.Paused(target); left > 0 {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, &Error{Reason: reason, RetryAfter: left, Err: ErrBackingOff}
		}
	}
	gz := false
	if req.Header.Get("Accept-Encoding") == "" && req.Header.Get("Range") == "" && req.Method != http.MethodHead {
		req = req.Clone(req.Context())
		req.Header.Set("Accept-Encoding", "gzip")
		gz = true
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if t.hosts != nil {
		t.observe(target, resp)
	}
	if gz && resp.Header.Get("Content-Encoding") == "gzip" {
		resp.Body = &gzipBody{body: resp.Body}
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	return resp, nil
}

// observe pauses the host of a response that asked for it: a 429 (for its
// Retry-After, else briefly), or a 5xx with a Retry-After.
func (t *transport) observe(target string, resp *http.Response) {
	code := resp.StatusCode
	if code != http.StatusTooManyRequests && code/100 != 5 {
		return
	}
	now := t.now()
	wait := RetryAfter(resp.Header, now)
	if wait == 0 && code == http.StatusTooManyRequests {
		wait = throttlePause
	}
	if wait > 0 {
		t.hosts.Pause(target, now.Add(wait), StatusReason(code))
	}
}

// gzipBody decodes a gzip body lazily, on the first Read, as net/http's
// own transport does.
type gzipBody struct {
	body io.ReadCloser
	zr   *gzip.Reader
	err  error
}

func (g *gzipBody) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.zr == nil {
		if g.zr, g.err = gzip.NewReader(g.body); g.err != nil {
			return 0, g.err
		}
	}
	return g.zr.Read(p)
}

func (g *gzipBody) Close() error { return g.body.Close() }
