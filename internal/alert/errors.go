package alert

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/monitord/monitord/internal/upstream"
)

// reasons are the failure reasons (upstream's, the reason label of
// monitord_alert_notifications_failed_total) that a delivery attempt meets,
// pre-initialised per endpoint. upstream.ReasonRequest also covers a payload that
// cannot be built.
var reasons = []string{upstream.ReasonClientError, upstream.ReasonServerError, upstream.ReasonRateLimited,
	upstream.ReasonUnauthorized, upstream.ReasonForbidden, upstream.ReasonNotFound, upstream.ReasonTimeout,
	upstream.ReasonDNS, upstream.ReasonRefused, upstream.ReasonTLS, upstream.ReasonNetwork, upstream.ReasonRequest}

// Error is a failed delivery attempt. Its message never holds a secret: it
// is built from sanitised parts, and it wraps nothing but context errors, so
// no error further down the chain (a *url.Error naming the webhook URL) can
// be printed through it.
type Error struct {
	// Reason is one of upstream's reasons.
	Reason string
	// StatusCode is the HTTP status, 0 when no response came.
	StatusCode int
	// RetryAfter is the receiver's Retry-After, 0 when absent.
	RetryAfter time.Duration
	msg        string
	cause      error
}

func (e *Error) Error() string { return e.msg }

// Unwrap exposes context.Canceled or context.DeadlineExceeded, nothing else.
func (e *Error) Unwrap() error { return e.cause }

// reasonOf returns the reason carried by err.
func reasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return upstream.ReasonTimeout
	}
	return upstream.ReasonRequest
}

// retryAfterOf returns the Retry-After carried by err.
func retryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// redactor removes secrets from text bound for an error or a log line: the
// webhook URL in every spelling net/http may print, its path and query, the
// HMAC key and custom header values.
type redactor struct{ secrets []string }

const redacted = "<secret>"

// minSecret keeps the redactor from mangling text over trivial values
// ("/", "a"); no real secret is that short.
const minSecret = 4

// addURL registers a secret URL: the whole of it, and the parts that carry
// the secret (Slack's token lives in the path, others put it in the query
// or the userinfo). The host is kept out of the list on purpose: operators
// need to see which host fails.
func (r *redactor) addURL(raw string) {
	r.add(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	r.add(u.String(), u.Path, u.RawPath, u.EscapedPath(), u.RawQuery, u.Fragment)
	if u.User != nil {
		r.add(u.User.String(), u.User.Username())
		if p, ok := u.User.Password(); ok {
			r.add(p)
		}
	}
	// Some servers echo the path without its slash; only long ones are
	// worth it (a token), short ones ("hook") would mangle unrelated text.
	if p := strings.TrimPrefix(u.Path, "/"); len(p) >= 8 {
		r.add(p)
	}
}

// add registers secret values.
func (r *redactor) add(vals ...string) {
	for _, v := range vals {
		if len(v) >= minSecret && !slices.Contains(r.secrets, v) {
			r.secrets = append(r.secrets, v)
		}
	}
	// Longest first, so a URL is replaced whole before its path is.
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

// clean replaces every secret in s.
func (r *redactor) clean(s string) string {
	for _, v := range r.secrets {
		s = strings.ReplaceAll(s, v, redacted)
	}
	return s
}

// safeURL is how a secret URL appears in messages: scheme and host only.
func safeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return redacted
	}
	return u.Scheme + "://" + u.Host + "/" + redacted
}

// transportError turns an error from http.Client.Do into an *Error that
// names the endpoint as shown (never the URL net/http put in *url.Error)
// and classifies it with upstream's reasons (timeout, dns,
// connection_refused, tls, network). A cancelled send keeps
// context.Canceled as its cause, so the worker sees its own shutdown.
func (r *redactor) transportError(err error, shown string) *Error {
	e := &Error{Reason: upstream.TransportReason(context.Background(), err)}
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		e.cause = context.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		e.cause = context.Canceled
	}
	if ue := upstream.AsError(err); ue != nil {
		e.RetryAfter = ue.RetryAfter // the host is paused for every caller
	}
	e.msg = fmt.Sprintf("post %s: %s", shown, r.clean(inner.Error()))
	return e
}

// answer renders a receiver's response body for an error message: at most
// maxAnswer bytes of valid, single-line UTF-8, with secrets removed (a 404
// page may echo the request path, which is the Slack token).
func (r *redactor) answer(body []byte) string {
	s := strings.ToValidUTF8(string(body), "?")
	s = strings.Map(func(c rune) rune {
		if unicode.IsControl(c) {
			return ' '
		}
		return c
	}, s)
	s = strings.TrimSpace(r.clean(s))
	if len(s) > maxAnswer {
		s = strings.ToValidUTF8(s[:maxAnswer], "") + "…"
	}
	return s
}

// maxAnswer bounds how much of a receiver's answer enters an error.
const maxAnswer = 256
