package tickers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/net/publicsuffix"

	"github.com/monitord/monitord/internal/config"
)

// fetcher is the HTTP layer every quote source shares: one http.Client
// with timeouts and a cookie jar, the User-Agent, the body size limit, a
// backoff per source, and the request metrics. It never sets
// Accept-Encoding, so Go's transport keeps decompressing gzip for us.
type fetcher struct {
	client  *http.Client
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

func newFetcher(cfg *config.Config, m *Metrics, log *zap.Logger, now func() time.Time) (*fetcher, error) {
	q := cfg.Quotes
	jar, err := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
	if err != nil {
		return nil, fmt.Errorf("create cookie jar: %w", err)
	}
	timeout := q.Yahoo.RequestTimeout.D()
	dialer := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          10,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   min(timeout, 10*time.Second),
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
	}
	ua := q.Yahoo.UserAgent
	if ua == "" {
		ua = cfg.Global.UserAgent
	}
	if ua == "" {
		ua = config.DefaultUserAgent
	}
	f := &fetcher{
		client:  &http.Client{Transport: transport, Jar: jar, Timeout: timeout},
		ua:      ua,
		limit:   int64(q.MaxBodySize),
		metrics: m,
		log:     log,
		now:     now,
		backoff: map[string]*backoff{},
		failing: map[string]string{},
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
	if err := f.gate(r.source); err != nil {
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
	if backsOff(re.Reason) && !(r.tolerant && re.Reason == ReasonNetwork) {
		f.pause(r.source, re)
	} else {
		f.logFailure(r.source, re, 0)
	}
	return resp, re
}

// gate returns an ErrBackingOff RequestError while source is paused.
func (f *fetcher) gate(source string) error {
	bo := f.backoff[source]
	if wait := bo.remaining(f.now()); wait > 0 {
		_, reason := bo.state()
		return &RequestError{Source: source, Reason: reason, RetryAfter: wait, Err: ErrBackingOff}
	}
	return nil
}

// pause starts or extends the source's backoff after the failure re.
func (f *fetcher) pause(source string, re *RequestError) {
	now := f.now()
	d := f.backoff[source].fail(now, re.Reason, re.RetryAfter)
	f.metrics.setBackoff(source, now.Add(d))
	f.logFailure(source, re, d)
}

// logFailure logs a failed request: a warning when the source's failure
// reason changes, debug while it repeats, so a long outage is one line.
func (f *fetcher) logFailure(source string, re *RequestError, backoff time.Duration) {
	if re.Reason == ReasonCanceled {
		return
	}
	if re.Reason == ReasonNotFound || (re.Reason == ReasonUnauthorized && backoff == 0) {
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

// roundTrip does the GET and reads at most limit bytes of the body.
func (f *fetcher) roundTrip(ctx context.Context, r request) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, &RequestError{Source: r.source, Reason: ReasonClientError, Err: fmt.Errorf("build request for %s: %w", redactURL(r.url), err)}
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", f.ua)
	req.Header.Set("Accept", r.accept)
	res, err := f.client.Do(req)
	if err != nil {
		return nil, transportError(r.source, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, f.limit+1))
	if err != nil {
		return nil, transportError(r.source, err)
	}
	if int64(len(body)) > f.limit {
		return nil, &RequestError{Source: r.source, Status: res.StatusCode, Reason: ReasonTooLarge,
			Err: fmt.Errorf("body exceeds %d bytes", f.limit)}
	}
	resp := &response{status: res.StatusCode, header: res.Header, body: body, url: res.Request.URL}
	if !r.anyStatus && (res.StatusCode < 200 || res.StatusCode > 299) {
		return resp, statusError(r.source, resp, f.now())
	}
	return resp, nil
}

// statusError turns a non-2xx answer into a RequestError.
func statusError(source string, resp *response, now time.Time) *RequestError {
	re := &RequestError{Source: source, Status: resp.status, Reason: statusReason(resp.status), Detail: snippet(resp.body)}
	if resp.status == 429 || resp.status >= 500 {
		re.RetryAfter = parseRetryAfter(resp.header.Get("Retry-After"), now)
	}
	if resp.status >= 400 && resp.status < 500 && invalidCrumbBody(resp.body) {
		re.Reason = ReasonUnauthorized
	}
	return re
}

// asRequestError returns err as a *RequestError, wrapping it if needed.
func asRequestError(source string, err error) *RequestError {
	if re, ok := errors.AsType[*RequestError](err); ok {
		return re
	}
	return &RequestError{Source: source, Reason: ReasonDecode, Err: err}
}
