package tickers

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/net/publicsuffix"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

// fetcher is what every quote source shares of the outbound HTTP layer
// (internal/upstream): clients built from each provider's http_config
// (Yahoo's with a cookie jar), the User-Agent, the body size limit, a
// backoff per source that also pauses the source's host for every caller
// of the process, and the request metrics.
type fetcher struct {
	// clients are by source; Yahoo's v7, chart and cookie requests share
	// one client and its cookie jar.
	clients map[string]*http.Client
	hosts   *upstream.Hosts
	timeout time.Duration
	ua      string
	limit   int64
	metrics *Metrics
	log     *zap.Logger
	now     func() time.Time
	// backoff holds one entry per source; the map is never written after
	// construction, so reading it needs no lock.
	backoff map[string]*backoff

	// mu guards failing: each source's last logged failure reason.
	mu      sync.Mutex
	failing map[string]string
}

func newFetcher(cfg *config.Config, m *Metrics, log *zap.Logger, now func() time.Time, hosts *upstream.Hosts) (*fetcher, error) {
	q := cfg.Quotes
	if hosts == nil {
		hosts = upstream.NewHosts(upstream.HostsOptions{Now: now})
	}
	ua := q.Yahoo.UserAgent
	if ua == "" {
		ua = cfg.Global.UserAgent
	}
	if ua == "" {
		ua = config.DefaultUserAgent
	}
	f := &fetcher{
		clients: map[string]*http.Client{},
		hosts:   hosts,
		timeout: q.Yahoo.RequestTimeout.D(),
		ua:      ua,
		limit:   int64(q.MaxBodySize),
		metrics: m,
		log:     log,
		now:     now,
		backoff: map[string]*backoff{},
		failing: map[string]string{},
	}
	yahoo, err := upstream.NewClient(q.Yahoo.HTTPConfig.Client(config.DefaultHTTPConfig),
		upstream.ClientOptions{Name: "quotes/yahoo", Hosts: hosts, Now: now})
	if err != nil {
		return nil, fmt.Errorf("quotes.yahoo.http_config: %w", err)
	}
	if yahoo.Jar, err = cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List}); err != nil {
		return nil, fmt.Errorf("create cookie jar: %w", err)
	}
	f.clients[SourceYahoo], f.clients[SourceYahooChart] = yahoo, yahoo
	fh := config.DefaultHTTPConfig
	if q.Finnhub != nil {
		fh = q.Finnhub.HTTPConfig.Client(fh)
	}
	if f.clients[SourceFinnhub], err = upstream.NewClient(fh,
		upstream.ClientOptions{Name: "quotes/finnhub", Hosts: hosts, Now: now}); err != nil {
		return nil, fmt.Errorf("quotes.finnhub.http_config: %w", err)
	}
	for _, s := range Sources {
		f.backoff[s] = newBackoff(q.MinBackoff.D(), q.MaxBackoff.D(), rand.Float64)
	}
	return f, nil
}

// request is one GET to a source.
type request struct {
	source string
	url    string
	accept string
	header http.Header
	// anyStatus hands non-2xx answers to the decoder instead of failing
	// (the cookie seed URL answers 404 with the cookie we want).
	anyStatus bool
	// tolerant marks a side request (the cookie seed) that says little
	// about the source's health: a network error (an ad-blocked host) does
	// not pause the source and a success does not end its backoff.
	tolerant bool
}

// response is a fully read answer.
type response struct {
	status int
	header http.Header
	body   []byte
	// url is the final URL after redirects.
	url *url.URL
}

// exchange performs r unless its source is backing off, hands the answer
// to decode (nil: ignore the body), counts the outcome and updates the
// source's backoff. Every error it returns is a *RequestError.
func (f *fetcher) exchange(ctx context.Context, r request, decode func(*response) error) (*response, error) {
	if err := f.gate(r.source, r.url); err != nil {
		return nil, err
	}
	bo := f.backoff[r.source]
	start := time.Now()
	resp, err := f.roundTrip(ctx, r)
	if err == nil && decode != nil {
		err = decode(resp)
	}
	f.metrics.observeRequest(r.source, time.Since(start), err, f.now())
	if err == nil && r.tolerant {
		return resp, nil
	}
	if err == nil {
		f.mu.Lock()
		was := f.failing[r.source]
		delete(f.failing, r.source)
		f.mu.Unlock()
		if bo.succeed() || was != "" {
			f.log.Info("Quote source recovered", zap.String("source", r.source))
		}
		f.metrics.setBackoff(r.source, time.Time{})
		return resp, nil
	}
	re := asRequestError(r.source, err)
	if errors.Is(re, upstream.ErrBackingOff) {
		return resp, re // the host is paused for every caller: not this source's failure
	}
	if backsOff(re.Reason) && !(r.tolerant && upstream.IsNetwork(re.Reason)) {
		f.pause(r.source, r.url, re)
	} else {
		f.logFailure(r.source, re, 0)
	}
	return resp, re
}

// gate returns an ErrBackingOff RequestError while source is paused, or
// while the host of rawURL is paused for every caller of the process.
func (f *fetcher) gate(source, rawURL string) error {
	bo := f.backoff[source]
	if wait := bo.remaining(f.now()); wait > 0 {
		_, reason := bo.state()
		return &RequestError{Source: source, Reason: reason, RetryAfter: wait, Err: ErrBackingOff}
	}
	if wait, reason := f.hosts.Paused(rawURL); wait > 0 {
		return &RequestError{Source: source, Reason: reason, RetryAfter: wait, Err: ErrBackingOff}
	}
	return nil
}

// pause starts or extends the source's backoff after the failure re of a
// request to rawURL, and pauses that host for as long, so that no other
// caller of the process (the impact engine's chart fills, a poller of
// another generation) asks it before the backoff ends.
func (f *fetcher) pause(source, rawURL string, re *RequestError) {
	now := f.now()
	d := f.backoff[source].fail(now, re.Reason, re.RetryAfter)
	if hostWide(re.Reason) {
		f.hosts.Pause(rawURL, now.Add(d), re.Reason)
	}
	f.metrics.setBackoff(source, now.Add(d))
	f.logFailure(source, re, d)
}

// hostWide reports whether a failure says something about the host rather
// than the source: throttling, an IP block, a host that cannot be reached.
// A rejected crumb does not stop the crumb-free chart on the same host, and
// a 5xx pauses the host only when it says Retry-After (see upstream).
func hostWide(reason string) bool {
	switch reason {
	case upstream.ReasonRateLimited, upstream.ReasonTimeout, upstream.ReasonForbidden:
		return true
	}
	return upstream.IsNetwork(reason)
}

// logFailure logs a failed request: a warning when the source's failure
// reason changes, debug while it repeats, so a long outage is one line.
func (f *fetcher) logFailure(source string, re *RequestError, backoff time.Duration) {
	if re.Reason == upstream.ReasonCanceled {
		return
	}
	if re.Reason == upstream.ReasonNotFound || (re.Reason == upstream.ReasonUnauthorized && backoff == 0) {
		// A symbol the source does not know is not a source failure (the
		// poller reports it per symbol); a rejected crumb is refreshed and
		// retried, and only a second rejection pauses the source.
		f.log.Debug("Quote request failed", zap.String("source", source), zap.String("reason", re.Reason), zap.NamedError("err", re))
		return
	}
	f.mu.Lock()
	changed := f.failing[source] != re.Reason
	f.failing[source] = re.Reason
	f.mu.Unlock()
	log := f.log.Debug
	if changed {
		log = f.log.Warn
	}
	fields := []zap.Field{zap.String("source", source), zap.String("reason", re.Reason), zap.NamedError("err", re)}
	if backoff > 0 {
		fields = append(fields, zap.Duration("backoff", backoff))
	}
	log("Quote request failed", fields...)
}

// roundTrip does the GET, bounded by the request timeout, and reads at
// most limit bytes of the body.
func (f *fetcher) roundTrip(ctx context.Context, r request) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, &RequestError{Source: r.source, Reason: upstream.ReasonRequest, Err: fmt.Errorf("build request for %s: not a URL that can be requested", redactURL(r.url))}
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", f.ua)
	req.Header.Set("Accept", r.accept)
	res, err := f.clients[r.source].Do(req)
	if err != nil {
		return nil, transportError(r.source, err)
	}
	defer res.Body.Close()
	buf, err := upstream.ReadBody(res, f.limit, nil)
	if e := upstream.AsError(err); e != nil {
		return nil, &RequestError{Source: r.source, Status: res.StatusCode, Reason: e.Reason, Err: e.Err}
	}
	if err != nil {
		return nil, transportError(r.source, err)
	}
	resp := &response{status: res.StatusCode, header: res.Header, body: buf.Bytes(), url: res.Request.URL}
	if !r.anyStatus && (res.StatusCode < 200 || res.StatusCode > 299) {
		return resp, statusError(r.source, resp, f.now())
	}
	return resp, nil
}

// statusError turns a non-2xx answer into a RequestError.
func statusError(source string, resp *response, now time.Time) *RequestError {
	re := &RequestError{Source: source, Status: resp.status, Reason: upstream.StatusReason(resp.status), Detail: upstream.Snippet(resp.body)}
	if resp.status == 429 || resp.status >= 500 {
		re.RetryAfter = upstream.RetryAfter(resp.header, now)
	}
	if resp.status >= 400 && resp.status < 500 && invalidCrumbBody(resp.body) {
		re.Reason = upstream.ReasonUnauthorized
	}
	return re
}

// asRequestError returns err as a *RequestError, wrapping it if needed.
func asRequestError(source string, err error) *RequestError {
	if re, ok := errors.AsType[*RequestError](err); ok {
		return re
	}
	return &RequestError{Source: source, Reason: upstream.ReasonParse, Err: err}
}
