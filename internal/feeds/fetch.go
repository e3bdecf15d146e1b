package feeds

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// acceptHeader asks for feeds first. Accept-Encoding is deliberately never
// set: Go's transport then asks for gzip itself and decompresses
// transparently, which it stops doing once a caller sets the header.
const acceptHeader = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// maxRetryAfter caps how long a server's Retry-After can silence a source,
// so a misconfigured server cannot switch it off for days.
const maxRetryAfter = 6 * time.Hour

// fetchRequest is one GET of one feed URL.
type fetchRequest struct {
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

// fetcher performs fetches: politeness first, then a fetch slot, then one
// bounded GET.
type fetcher struct {
	client  *http.Client
	limiter *HostLimiter
	now     func() time.Time
	// slots bounds the fetches whose bodies are in memory (being read,
	// parsed or recorded) to news.max_concurrent_fetches: when a thousand
	// feeds fall due together, the bodies wait on the server's side
	// instead of in the heap.
	slots chan struct{}
	// waited counts the time spent waiting for a slot.
	waited prometheus.Counter
}

// fetch GETs one URL. It waits for the host's politeness slot, then for a
// fetch slot (both outside the timeout), then bounds the request and the
// body read by r.timeout and the body by r.maxBody. A response with a body
// keeps its fetch slot until its release is called. On an HTTP error the
// returned *Error carries the status and any Retry-After; status and
// duration are also returned for metrics.
func (f *fetcher) fetch(ctx context.Context, r fetchRequest) (*fetchResponse, fetchMeta, error) {
	if err := f.limiter.Wait(ctx, r.url); err != nil {
		return nil, fetchMeta{}, classifyTransportError(ctx, fmt.Errorf("waiting for the host's rate limit: %w", err))
	}
	release, err := f.acquire(ctx)
	if err != nil {
		return nil, fetchMeta{}, classifyTransportError(ctx, fmt.Errorf("waiting for a fetch slot (news.max_concurrent_fetches): %w", err))
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

// do sends the request and reads the body.
func (f *fetcher) do(ctx context.Context, r fetchRequest) (*fetchResponse, int, error) {
	rctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, 0, &Error{Reason: ReasonRequest, Err: err}
	}
	req.Header.Set("User-Agent", r.userAgent)
	req.Header.Set("Accept", acceptHeader)
	if r.etag != "" {
		req.Header.Set("If-None-Match", r.etag)
	}
	if r.lastModified != "" {
		req.Header.Set("If-Modified-Since", r.lastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, 0, classifyTransportError(ctx, err)
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode == http.StatusNotModified:
		return &fetchResponse{status: resp.StatusCode, notModified: true,
			etag: r.etag, lastModified: r.lastModified}, resp.StatusCode, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, resp.StatusCode, &Error{
			Reason:     statusReason(resp.StatusCode),
			Status:     resp.StatusCode,
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), f.now()),
			Err:        fmt.Errorf("server said %q", snippet(resp.Body)),
		}
	}
	if resp.ContentLength > r.maxBody {
		return nil, resp.StatusCode, &Error{Reason: ReasonTooLarge, Status: resp.StatusCode,
			Err: fmt.Errorf("Content-Length %d exceeds max_body_size %d: %w", resp.ContentLength, r.maxBody, ErrTooLarge)}
	}
	buf, err := readBody(resp, r.maxBody)
	if err != nil {
		putBuffer(buf)
		fe := classifyTransportError(ctx, err)
		fe.Status = resp.StatusCode
		return nil, resp.StatusCode, fe
	}
	if int64(buf.Len()) > r.maxBody {
		putBuffer(buf)
		return nil, resp.StatusCode, &Error{Reason: ReasonTooLarge, Status: resp.StatusCode,
			Err: fmt.Errorf("body exceeds max_body_size %d: %w", r.maxBody, ErrTooLarge)}
	}
	return &fetchResponse{
		status:       resp.StatusCode,
		body:         buf.Bytes(),
		buf:          buf,
		contentType:  resp.Header.Get("Content-Type"),
		etag:         resp.Header.Get("ETag"),
		lastModified: resp.Header.Get("Last-Modified"),
	}, resp.StatusCode, nil
}

// readBody reads at most maxBody+1 bytes (one more tells a body over the
// limit), into a pooled buffer sized by Content-Length when the server sent
// one (plus the room ReadFrom wants to see EOF), rather than growing it by
// doubling from 512 bytes. The caller gives the buffer back with putBuffer
// once nothing refers to its bytes.
func readBody(resp *http.Response, maxBody int64) (*bytes.Buffer, error) {
	buf := bodyBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	if n := resp.ContentLength; n > 0 {
		buf.Grow(int(min(n, maxBody)) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, maxBody+1))
	return buf, err
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

// snippet reads the start of an error body for the log: Yahoo's 429 says
// "Too Many Requests" in plain text, SEC's 403 names its policy.
func snippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 256))
	s := collapseSpace(stripHTML(string(b)))
	if len(s) > 120 {
		s = strings.ToValidUTF8(s[:120], "")
	}
	return s
}

// parseRetryAfter reads Retry-After as delta-seconds or an HTTP date,
// capped at maxRetryAfter. It returns 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}
