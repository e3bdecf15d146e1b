package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/monitord/monitord/internal/upstream"
)

// Limits on a receiver's answer: what is kept for the error message, and
// what is drained so the connection can be reused.
const (
	maxKeptBody    = 4 << 10
	maxDrainedBody = 64 << 10
)

// poster sends the HTTP requests of one notifier and turns what comes back
// into Alertmanager's (retry, err) answer.
type poster struct {
	client    *http.Client
	userAgent string
	clock     clock
	red       *redactor
}

// post sends body to rawURL; shown is how the endpoint appears in errors.
// 2xx is success; 429 and 5xx are retried (honouring Retry-After); network
// errors and timeouts are retried; everything else is permanent.
func (p *poster) post(ctx context.Context, rawURL, shown string, hdr http.Header, body []byte) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		// The parse error repeats the URL: say only that it is invalid.
		return false, &Error{Reason: upstream.ReasonRequest, msg: fmt.Sprintf("post %s: invalid request URL", shown)}
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", p.userAgent)
	resp, err := p.client.Do(req)
	if err != nil {
		// Always worth retrying; a cancelled parent context is the
		// worker's business (it stops, the alert stays queued).
		return true, p.red.transportError(err, shown)
	}
	defer resp.Body.Close()
	kept, _ := io.ReadAll(io.LimitReader(resp.Body, maxKeptBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrainedBody))
	return p.check(resp, kept, shown)
}

// check classifies a response the way Alertmanager's Retrier does.
func (p *poster) check(resp *http.Response, body []byte, shown string) (bool, error) {
	code := resp.StatusCode
	if code/100 == 2 {
		return false, nil
	}
	// 5xx and 429 are retried (honouring Retry-After, capped); any other
	// status is permanent.
	e := &Error{StatusCode: code, Reason: upstream.StatusReason(code)}
	retry := code == http.StatusTooManyRequests || code/100 == 5
	if retry {
		e.RetryAfter = upstream.RetryAfter(resp.Header, p.clock.Now())
	}
	e.msg = fmt.Sprintf("post %s: %s", shown, resp.Status)
	if a := p.red.answer(body); a != "" {
		e.msg += ": " + a
	}
	return retry, e
}

// marshalJSON encodes v without Go's HTML escaping of &, < and >: the
// payloads are not HTML, and Slack's own entities (&amp;) stay readable.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
