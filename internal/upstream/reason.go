package upstream

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// The reasons an outbound request or its answer failed: the values of every
// reason label monitord exports (feed fetches, quote requests, alert
// deliveries, source health), so one dashboard query reads them all. The
// set is closed; the README lists it under "Failure reasons".
const (
	// Transport: no usable response arrived.
	ReasonTimeout  = "timeout"            // the request's time limit passed
	ReasonDNS      = "dns"                // the host name did not resolve
	ReasonRefused  = "connection_refused" // nothing listens on the port
	ReasonTLS      = "tls"                // handshake or certificate failure
	ReasonNetwork  = "network"            // reset, unreachable, closed early
	ReasonCanceled = "canceled"           // the caller gave up (shutdown, reload)

	// HTTP status.
	ReasonRateLimited      = "rate_limited"      // 429
	ReasonServerError      = "server_error"      // 5xx
	ReasonUnauthorized     = "unauthorized"      // 401, or Yahoo's "Invalid Crumb/Cookie"
	ReasonForbidden        = "forbidden"         // 403
	ReasonNotFound         = "not_found"         // 404
	ReasonClientError      = "client_error"      // any other 4xx
	ReasonUnexpectedStatus = "unexpected_status" // 1xx, or a 3xx not followed

	// The answer, or the request itself.
	ReasonTooLarge      = "too_large"        // the body exceeded its size limit
	ReasonRequest       = "request"          // the URL or payload could not be built
	ReasonParse         = "parse"            // the body could not be read as expected
	ReasonNotFeed       = "not_feed"         // a feed URL served an HTML page or other XML/JSON
	ReasonUpstreamError = "upstream_error"   // an error object inside a 200 answer
	ReasonBadCrumb      = "bad_crumb"        // Yahoo's getcrumb answered 200 without a token
	ReasonConsent       = "consent_required" // Yahoo redirected to its consent page
	// ReasonStore: the answer was read, but what it brought could not be
	// recorded (the state database refused the write, as a full disk
	// does): not the upstream's fault, and nothing it said is lost.
	ReasonStore = "store"
)

// Reasons lists every reason, in the order of the README's table.
var Reasons = []string{
	ReasonTimeout, ReasonDNS, ReasonRefused, ReasonTLS, ReasonNetwork, ReasonCanceled,
	ReasonRateLimited, ReasonServerError, ReasonUnauthorized, ReasonForbidden, ReasonNotFound,
	ReasonClientError, ReasonUnexpectedStatus,
	ReasonTooLarge, ReasonRequest, ReasonParse, ReasonNotFeed, ReasonUpstreamError, ReasonBadCrumb, ReasonConsent,
	ReasonStore,
}

// ErrBackingOff is wrapped by the error of a request that was not sent
// because its host is paused (see Hosts.Pause); its Error's RetryAfter says
// for how long still.
var ErrBackingOff = errors.New("host is backing off")

// ErrTooLarge is wrapped by errors for bodies over their size limit.
var ErrTooLarge = errors.New("response body too large")

// Error is a failed request, classified. Its message never holds the URL:
// a URL may carry a credential (userinfo, an API key in the query, Slack's
// token in the path), so callers name the endpoint themselves.
type Error struct {
	// Reason is one of the Reason constants.
	Reason string
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// RetryAfter is the server's Retry-After (capped), or how long the
	// host's pause has left when Err is ErrBackingOff.
	RetryAfter time.Duration
	// Detail is a short printable excerpt of the answer, for the log.
	Detail string
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Reason)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, ": server said %q", e.Detail)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry in %s)", e.RetryAfter.Round(time.Second))
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Throttled reports whether the server asked to slow down (429) or is
// failing (5xx): the caller backs off.
func (e *Error) Throttled() bool {
	return e.Reason == ReasonRateLimited || e.Reason == ReasonServerError
}

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	return nil
}

// StatusReason maps a status other than 2xx and 304 to its reason.
func StatusReason(code int) string {
	switch {
	case code == http.StatusTooManyRequests:
		return ReasonRateLimited
	case code == http.StatusUnauthorized:
		return ReasonUnauthorized
	case code == http.StatusForbidden:
		return ReasonForbidden
	case code == http.StatusNotFound:
		return ReasonNotFound
	case code >= 500 && code < 600:
		return ReasonServerError
	case code >= 400 && code < 500:
		return ReasonClientError
	}
	return ReasonUnexpectedStatus
}

// TransportReason classifies an error from http.Client.Do or a body read.
// parent is the caller's context: when it was cancelled (shutdown, reload)
// so was the request, whatever the error says; a deadline, the request's
// or the caller's, is a timeout.
func TransportReason(parent context.Context, err error) string {
	var (
		ne    net.Error
		dns   *net.DNSError
		cert  *tls.CertificateVerificationError
		rec   tls.RecordHeaderError
		alert tls.AlertError
		ua    x509.UnknownAuthorityError
		hn    x509.HostnameError
		ci    x509.CertificateInvalidError
	)
	switch {
	case errors.Is(parent.Err(), context.Canceled), errors.Is(err, context.Canceled):
		return ReasonCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return ReasonTimeout
	case errors.As(err, &dns):
		return ReasonDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return ReasonRefused
	case errors.As(err, &cert), errors.As(err, &rec), errors.As(err, &alert), errors.As(err, &ua),
		errors.As(err, &hn), errors.As(err, &ci):
		return ReasonTLS
	}
	return ReasonNetwork
}

// TransportError is err, from http.Client.Do or a body read, classified by
// TransportReason. It drops the URL a *url.Error carries, since a URL may
// hold a credential: callers name the endpoint themselves. An *Error
// already in err's chain (a paused host) is returned as it is.
func TransportError(parent context.Context, err error) *Error {
	if e := AsError(err); e != nil {
		return e
	}
	cause := err
	if ue, ok := errors.AsType[*url.Error](err); ok {
		cause = fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return &Error{Reason: TransportReason(parent, err), Err: cause}
}

// StatusError is the error of an answer whose status is not 2xx (nor an
// expected 304): its reason, the Retry-After of a 429 or 5xx, and the
// start of body as Detail.
func StatusError(resp *http.Response, body []byte, now time.Time) *Error {
	e := &Error{Reason: StatusReason(resp.StatusCode), Status: resp.StatusCode, Detail: Snippet(body)}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode/100 == 5 {
		e.RetryAfter = RetryAfter(resp.Header, now)
	}
	return e
}

// IsNetwork reports whether reason is a failure to reach the server at all
// (name, connection or TLS), as opposed to a timeout or an answer.
func IsNetwork(reason string) bool {
	switch reason {
	case ReasonDNS, ReasonRefused, ReasonTLS, ReasonNetwork:
		return true
	}
	return false
}

// Describe says in words what a reason means, for the status page and the
// last line of `monitord once`.
func Describe(reason string, status int) string {
	switch reason {
	case ReasonTimeout:
		return "timed out"
	case ReasonDNS:
		return "DNS lookup failed"
	case ReasonRefused:
		return "connection refused"
	case ReasonTLS:
		return "TLS handshake or certificate failed"
	case ReasonNetwork:
		return "network error"
	case ReasonCanceled:
		return "cancelled"
	case ReasonTooLarge:
		return "answer too large"
	case ReasonRequest:
		return "request could not be built"
	case ReasonParse:
		return "answer could not be read"
	case ReasonNotFeed:
		return "not a feed"
	case ReasonUpstreamError:
		return "error in the answer"
	case ReasonBadCrumb:
		return "no crumb in the answer"
	case ReasonConsent:
		return "consent page"
	case ReasonStore:
		return "could not be saved (state database)"
	}
	if status == 0 {
		switch reason {
		case ReasonRateLimited:
			status = http.StatusTooManyRequests
		case ReasonUnauthorized:
			status = http.StatusUnauthorized
		case ReasonForbidden:
			status = http.StatusForbidden
		case ReasonNotFound:
			status = http.StatusNotFound
		case ReasonServerError:
			return "HTTP 5xx server error"
		case ReasonClientError:
			return "HTTP 4xx client error"
		}
	}
	if status != 0 {
		if t := http.StatusText(status); t != "" {
			return fmt.Sprintf("HTTP %d %s", status, t)
		}
		return fmt.Sprintf("HTTP %d", status)
	}
	return reason
}
