package tickers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Reasons a request to a source failed: the reason label of
// monitord_quote_request_errors_total.
const (
	ReasonRateLimited  = "rate_limited"   // HTTP 429
	ReasonServerError  = "server_error"   // HTTP 5xx
	ReasonUnauthorized = "unauthorized"   // HTTP 401, "Invalid Crumb", "Invalid Cookie"
	ReasonForbidden    = "forbidden"      // HTTP 403
	ReasonNotFound     = "not_found"      // HTTP 404
	ReasonClientError  = "client_error"   // other HTTP 4xx
	ReasonBadCrumb     = "bad_crumb"      // getcrumb answered 200 without a usable token
	ReasonTimeout      = "timeout"        // the request or the poll timed out
	ReasonNetwork      = "network"        // connection refused, DNS, reset
	ReasonCanceled     = "canceled"       // the caller gave up (shutdown)
	ReasonTooLarge     = "body_too_large" // over quotes.max_body_size
	ReasonDecode       = "decode"         // malformed or unexpected JSON
	ReasonUpstream     = "upstream_error" // an error object inside a 200 answer
)

// Reasons lists every request failure reason, for pre-initialising metrics.
var Reasons = []string{ReasonRateLimited, ReasonServerError, ReasonUnauthorized, ReasonForbidden,
	ReasonNotFound, ReasonClientError, ReasonBadCrumb, ReasonTimeout, ReasonNetwork, ReasonCanceled,
	ReasonTooLarge, ReasonDecode, ReasonUpstream, ReasonConsent}

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
	case ReasonRateLimited, ReasonServerError, ReasonTimeout, ReasonNetwork, ReasonForbidden:
		return true
	}
	return false
}

// statusReason maps a non-2xx status to its reason.
func statusReason(status int) string {
	switch {
	case status == 429:
		return ReasonRateLimited
	case status == 401:
		return ReasonUnauthorized
	case status == 403:
		return ReasonForbidden
	case status == 404:
		return ReasonNotFound
	case status >= 500:
		return ReasonServerError
	default:
		return ReasonClientError
	}
}

// transportError classifies an error from http.Client.Do and strips the
// URL from it: a query string may carry the crumb.
func transportError(source string, err error) *RequestError {
	re := &RequestError{Source: source, Reason: ReasonNetwork, Err: err}
	if ue, ok := errors.AsType[*url.Error](err); ok {
		re.Err = fmt.Errorf("%s %s: %w", ue.Op, redactURL(ue.URL), ue.Err)
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		re.Reason = ReasonCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		re.Reason = ReasonTimeout
	}
	return re
}

// redactURL drops the query and any user info from raw.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<url>"
	}
	u.RawQuery, u.User, u.Fragment = "", nil, ""
	return u.String()
}

// snippet returns up to 80 printable characters of body for error messages.
func snippet(body []byte) string {
	const max = 80
	s := strings.TrimSpace(string(body))
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, s)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, maxRetryAfterSeconds)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// maxRetryAfterSeconds keeps an absurd Retry-After from overflowing.
const maxRetryAfterSeconds = 7 * 24 * 3600
