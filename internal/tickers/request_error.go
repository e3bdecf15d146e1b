package tickers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/monitord/monitord/internal/upstream"
)

// The reason label of monitord_quote_request_errors_total is one of
// upstream's reasons; a quote source meets these (upstream.ReasonBadCrumb
// and upstream.ReasonConsent are Yahoo's own).
var reasons = []string{upstream.ReasonRateLimited, upstream.ReasonServerError, upstream.ReasonUnauthorized,
	upstream.ReasonForbidden, upstream.ReasonNotFound, upstream.ReasonClientError, upstream.ReasonBadCrumb,
	upstream.ReasonTimeout, upstream.ReasonDNS, upstream.ReasonRefused, upstream.ReasonTLS, upstream.ReasonNetwork,
	upstream.ReasonCanceled, upstream.ReasonTooLarge, upstream.ReasonParse, upstream.ReasonUpstreamError,
	upstream.ReasonConsent}

// RequestError is a failed request to a quote source. finance-go flattens
// every error into a string, so the Backend keeps this typed copy of the
// status and reason for metrics and for the fallback decision.
type RequestError struct {
	Source string
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	Reason string
	// RetryAfter is the server's Retry-After, or how long the source's
	// backoff has left when Err is ErrBackingOff.
	RetryAfter time.Duration
	// Detail is a short, printable excerpt of the response body.
	Detail string
	Err    error
}

func (e *RequestError) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	b.WriteString(": " + e.Reason)
	if e.Detail != "" {
		fmt.Fprintf(&b, ": %q", e.Detail)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry in %s)", e.RetryAfter.Round(time.Second))
	}
	return b.String()
}

func (e *RequestError) Unwrap() error { return e.Err }

// reasonOf returns the RequestError reason behind err, or "".
func reasonOf(err error) string {
	if re, ok := errors.AsType[*RequestError](err); ok {
		return re.Reason
	}
	return ""
}

// backsOff reports whether a failure with this reason should pause the
// source: throttling and outages do, a per-symbol 404 or a bad body does
// not. Unauthorized backs off only after the crumb refresh failed, which
// the Backend decides.
func backsOff(reason string) bool {
	switch reason {
	case upstream.ReasonRateLimited, upstream.ReasonServerError, upstream.ReasonTimeout, upstream.ReasonForbidden:
		return true
	}
	return upstream.IsNetwork(reason)
}

// transportError classifies an error from http.Client.Do or a body read;
// the URL (whose query may carry the crumb) is dropped.
func transportError(source string, err error) *RequestError {
	e := upstream.TransportError(context.Background(), err)
	return &RequestError{Source: source, Reason: e.Reason, RetryAfter: e.RetryAfter, Err: e.Err}
}

// redactURL is raw fit for an error message (see upstream.RedactURL).
func redactURL(raw string) string { return upstream.RedactURL(raw) }
