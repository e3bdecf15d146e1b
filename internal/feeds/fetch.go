package feeds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/monitord/monitord/internal/upstream"
	"github.com/prometheus/client_golang/prometheus"
)

// acceptHeader asks for feeds first. Accept-Encoding is left to the
// client (internal/upstream asks for gzip and decodes it under the limit).
const acceptHeader = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// fetchRequest is one GET of one feed URL.
type fetchRequest struct {
	client    *http.Client
	url       string
	userAgent string
	timeout   time.Duration
	maxBody   int64
	// etag and lastModified are the validators the server sent last time;
	// they are sent back only when it did.
	etag, lastModified string
}

// fetchResponse is a successful fetch: a body, or a 304.
type fetchResponse struct {
	status      int
	notModified bool
	body        []byte
	contentType string
	// etag and lastModified are this response's validators ("" when the
	// server sent none).
	etag, lastModified string
	// freshFor is how long the answer stays fresh by its Cache-Control or
	// Expires: the URL is not asked again before then.
	freshFor time.Duration
	// buf holds body; it goes back to bodyBuffers on release.
	buf *bytes.Buffer
	// release gives back the fetch slot and the buffer the body holds;
	// call it once the body is parsed and recorded, and use the body no
	// more. It is safe to call more than once.
	release func()
}

// fetchMeta describes a fetch attempt for the metrics: the HTTP status
// (0 when no response came) and the time from sending the request to the
// end of the body.
type fetchMeta struct {
	sent    bool // a request was attempted (the politeness wait passed)
	status  int
	elapsed time.Duration
}

// fetcher performs fetches: the host's budget first (its pause, then its
// politeness limit), then a fetch slot, then one bounded GET.
type fetcher struct {
	hosts *upstream.Hosts
	now   func() time.Time
	// slots bounds the fetches whose bodies are in memory (being read,
	// parsed or recorded) to news.max_concurrent_fetches: when a thousand
	// feeds fall due together, the bodies wait on the server's side
	// instead of in the heap.
	slots chan struct{}
	// waited counts the time spent waiting for a slot.
	waited prometheus.Counter
}

// fetch GETs one URL. A URL whose host is paused is not asked: the error
// wraps upstream.ErrBackingOff. Otherwise it waits for the host's
// politeness slot, then for a fetch slot (both outside the timeout), then
// bounds the request and the body read by r.timeout and the body by
// r.maxBody. A response with a body keeps its fetch slot until its release
// is called. Every error is an *upstream.Error; status and duration are
// also returned for metrics.
func (f *fetcher) fetch(ctx context.Context, r fetchRequest) (*fetchResponse, fetchMeta, error) {
	if left, reason := f.hosts.Paused(r.url); left > 0 {
		return nil, fetchMeta{}, &upstream.Error{Reason: reason, RetryAfter: left, Err: upstream.ErrBackingOff}
	}
	if err := f.hosts.Wait(ctx, r.url); err != nil {
		return nil, fetchMeta{}, upstream.TransportError(ctx, fmt.Errorf("waiting for the host's rate limit: %w", err))
	}
	release, err := f.acquire(ctx)
	if err != nil {
		return nil, fetchMeta{}, upstream.TransportError(ctx, fmt.Errorf("waiting for a fetch slot (news.max_concurrent_fetches): %w", err))
	}
	start := f.now()
	resp, status, err := f.do(ctx, r)
	meta := fetchMeta{sent: true, status: status, elapsed: f.now().Sub(start)}
	if resp == nil || resp.notModified {
		release() // no body to hold
		if resp != nil {
			resp.release = func() {}
		}
		return resp, meta, err
	}
	var once sync.Once
	resp.release = func() {
		once.Do(func() {
			putBuffer(resp.buf)
			resp.body, resp.buf = nil, nil
			release()
		})
	}
	return resp, meta, err
}

// acquire takes a fetch slot and returns the function that gives it back;
// call that exactly once.
func (f *fetcher) acquire(ctx context.Context) (release func(), err error) {
	select {
	case f.slots <- struct{}{}:
	default:
		start := time.Now()
		select {
		case f.slots <- struct{}{}:
			f.waited.Add(time.Since(start).Seconds())
		case <-ctx.Done():
			f.waited.Add(time.Since(start).Seconds())
			return nil, ctx.Err()
		}
	}
	return func() { <-f.slots }, nil
}

// maxErrorBody is how much of an error answer is read for its snippet.
const maxErrorBody = 4 << 10

// do sends the request and reads the body.
func (f *fetcher) do(ctx context.Context, r fetchRequest) (*fetchResponse, int, error) {
	rctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, r.url, nil)
	if err != nil {
		// The parse error repeats the URL, which may hold a credential.
		return nil, 0, &upstream.Error{Reason: upstream.ReasonRequest, Err: errors.New("not a URL that can be requested")}
	}
	req.Header.Set("User-Agent", r.userAgent)
	req.Header.Set("Accept", acceptHeader)
	if r.etag != "" {
		req.Header.Set("If-None-Match", r.etag)
	}
	if r.lastModified != "" {
		req.Header.Set("If-Modified-Since", r.lastModified)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, 0, upstream.TransportError(ctx, err)
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode == http.StatusNotModified:
		return &fetchResponse{status: resp.StatusCode, notModified: true, etag: r.etag, lastModified: r.lastModified,
			freshFor: upstream.Freshness(resp.Header, f.now())}, resp.StatusCode, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, resp.StatusCode, upstream.StatusError(resp, body, f.now())
	}
	buf, err := upstream.ReadBody(resp, r.maxBody, bodyBuffers.Get().(*bytes.Buffer))
	if err != nil {
		putBuffer(buf)
		e := upstream.AsError(err)
		if e == nil {
			e = upstream.TransportError(ctx, err)
			e.Status = resp.StatusCode
		}
		return nil, resp.StatusCode, e
	}
	return &fetchResponse{
		status:       resp.StatusCode,
		body:         buf.Bytes(),
		buf:          buf,
		contentType:  resp.Header.Get("Content-Type"),
		etag:         resp.Header.Get("ETag"),
		lastModified: resp.Header.Get("Last-Modified"),
		freshFor:     upstream.Freshness(resp.Header, f.now()),
	}, resp.StatusCode, nil
}

// bodyBuffers recycles body buffers: a thousand unchanged feeds a minute
// would otherwise allocate (and zero) a thousand bodies for the garbage
// collector. Parsers copy what they keep, so a buffer is free again once
// its body is parsed and recorded.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps the rare huge body's buffer out of the pool.
const maxPooledBuffer = 1 << 20

func putBuffer(buf *bytes.Buffer) {
	if buf != nil && buf.Cap() <= maxPooledBuffer {
		bodyBuffers.Put(buf)
	}
}
