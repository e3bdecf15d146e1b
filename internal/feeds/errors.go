package feeds

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// Reasons a fetch fails. Each is a value of the reason label of
// monitord_feed_fetch_errors_total, so the set is closed.
const (
	ReasonTimeout   = "timeout"    // the feed's timeout passed
	ReasonNetwork   = "network"    // DNS, connect, TLS, reset
	ReasonHTTP4xx   = "http_4xx"   // a 4xx other than 429: permanent until config changes
	ReasonHTTP429   = "http_429"   // rate limited: backs off, honouring Retry-After
	ReasonHTTP5xx   = "http_5xx"   // server error: backs off
	ReasonHTTPOther = "http_other" // 1xx or an unfollowed 3xx
	ReasonTooLarge  = "too_large"  // the body exceeded max_body_size
	ReasonParse     = "parse"      // a feed, but broken beyond reading
	ReasonNotFeed   = "not_feed"   // an HTML page, unrelated XML or JSON
	ReasonRequest   = "request"    // the URL could not be rendered or built
	ReasonCanceled  = "canceled"   // the poll was cancelled (shutdown, reload)
)

// ErrNotFeed is wrapped by errors for bodies that are not a feed at all.
var ErrNotFeed = errors.New("not a feed")

// ErrSkipped is returned by Poll when the feed did not ask its upstream
// (it is backing off after a 429 or 5xx). It is neither a success nor a
// new failure: health tracking should ignore the poll.
var ErrSkipped = errors.New("poll skipped: feed is backing off")

// ErrTooLarge is wrapped by errors for bodies over the size limit.
var ErrTooLarge = errors.New("response body too large")

// Error is a failed fetch or parse of one feed URL, typed with the reason
// the metrics count it under.
type Error struct {
	// Reason is one of the Reason constants.
	Reason string
	// Status is the HTTP status when the server answered, else 0.
	Status int
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s (HTTP %d): %v", e.Reason, e.Status, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Reason, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the failure is the server asking us to slow
// down (429) or failing (5xx): the source then backs off.
func (e *Error) Retryable() bool {
	return e.Reason == ReasonHTTP429 || e.Reason == ReasonHTTP5xx
}

// ReasonOf returns the reason label for err: the Reason of an *Error in
// its chain, "canceled" for context cancellation, else "network".
func ReasonOf(err error) string {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Reason
	}
	if errors.Is(err, context.Canceled) {
		return ReasonCanceled
	}
	return ReasonNetwork
}

// classifyTransportError turns an error from http.Client.Do, a body read
// or a politeness wait into an *Error. parent is the poll's context: when
// it was cancelled (shutdown, reload) so was the fetch; a deadline, the
// feed's or the poll's, is a timeout.
func classifyTransportError(parent context.Context, err error) *Error {
	var ne net.Error
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		return &Error{Reason: ReasonCanceled, Err: err}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return &Error{Reason: ReasonTimeout, Err: err}
	default:
		return &Error{Reason: ReasonNetwork, Err: err}
	}
}

// statusReason maps a non-2xx, non-304 status to its reason.
func statusReason(code int) string {
	switch {
	case code == 429:
		return ReasonHTTP429
	case code >= 500:
		return ReasonHTTP5xx
	case code >= 400:
		return ReasonHTTP4xx
	default:
		return ReasonHTTPOther
	}
}

// statusLabel is the code label of monitord_feed_http_responses_total: the
// codes an operator acts on individually, and the class for the rest, so
// the label set stays small and known in advance.
func statusLabel(code int) string {
	switch code {
	case 304, 403, 404, 429:
		return fmt.Sprint(code)
	}
	switch {
	case code >= 200 && code < 300:
		return "2xx"
	case code >= 300 && code < 400:
		return "3xx"
	case code >= 400 && code < 500:
		return "4xx"
	case code >= 500 && code < 600:
		return "5xx"
	}
	return "other"
}
