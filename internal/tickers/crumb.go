package tickers

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/monitord/monitord/internal/upstream"
	"go.uber.org/zap"
)

// upstream.ReasonConsent means Yahoo redirected the cookie request to its consent
// wall (guce.yahoo.com), which monitord does not click through.

var errConsent = errors.New("cookie request was redirected to the consent wall; set quotes.yahoo.cookie_url to a page that sets the cookie without consent, or rely on the chart fallback")

// crumbs is the crumb shared by every caller of one Backend. While a fetch
// runs, flight is non-nil and later callers wait for it instead of asking
// Yahoo again. Both fields are guarded by mu.
type crumbs struct {
	mu     sync.Mutex
	value  string
	flight *crumbFlight
}

// crumbFlight is one cookie-and-crumb fetch; done closes when value and
// err are set.
type crumbFlight struct {
	done  chan struct{}
	value string
	err   error
	// abandoned is set when the fetch failed because its caller's context
	// ended, which says nothing to the callers still waiting.
	abandoned bool
}

// crumb returns the current crumb, fetching the cookie and a new crumb
// when there is none.
func (b *Backend) crumb(ctx context.Context) (string, error) {
	for {
		b.crumbs.mu.Lock()
		if v := b.crumbs.value; v != "" {
			b.crumbs.mu.Unlock()
			return v, nil
		}
		fl := b.crumbs.flight
		leader := fl == nil
		if leader {
			fl = &crumbFlight{done: make(chan struct{})}
			b.crumbs.flight = fl
		}
		b.crumbs.mu.Unlock()

		if leader {
			fl.value, fl.err = b.refreshCrumb(ctx)
			fl.abandoned = fl.err != nil && ctx.Err() != nil
			b.crumbs.mu.Lock()
			b.crumbs.flight = nil
			if fl.err == nil {
				b.crumbs.value = fl.value
			}
			b.crumbs.mu.Unlock()
			close(fl.done)
			return fl.value, fl.err
		}
		select {
		case <-ctx.Done():
			return "", transportError(SourceYahoo, ctx.Err())
		case <-fl.done:
		}
		if fl.err == nil {
			return fl.value, nil
		}
		// The leader's caller gave up; our context is still live, so try
		// again (possibly as the new leader).
		if fl.abandoned && ctx.Err() == nil {
			continue
		}
		return "", fl.err
	}
}

// invalidateCrumb forgets used if it is still the current crumb, so the
// next caller fetches a new one; a crumb that another caller already
// replaced is left alone.
func (b *Backend) invalidateCrumb(used string) {
	b.crumbs.mu.Lock()
	defer b.crumbs.mu.Unlock()
	if b.crumbs.value == used {
		b.crumbs.value = ""
	}
}

// refreshCrumb fetches the cookie seed URL (the jar keeps what it sets)
// and then /v1/test/getcrumb. Only an HTTP 200 with a token-shaped body is
// a crumb: a 429 "Too Many Requests" or an HTML page never is.
func (b *Backend) refreshCrumb(ctx context.Context) (string, error) {
	crumb, err := b.fetchCrumb(ctx)
	b.f.metrics.crumbRefresh(err == nil)
	if err != nil {
		b.f.log.Debug("Crumb refresh failed", zap.String("source", SourceYahoo), zap.NamedError("err", err))
		return "", err
	}
	b.f.log.Debug("Fetched crumb", zap.String("source", SourceYahoo))
	return crumb, nil
}

func (b *Backend) fetchCrumb(ctx context.Context) (string, error) {
	_, err := b.f.exchange(ctx, request{
		source: SourceYahoo,
		url:    b.cookieURL,
		// Without an HTML Accept Yahoo may not set the cookie.
		accept:    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
		anyStatus: true,
		tolerant:  true,
	}, func(resp *response) error {
		if h := resp.url.Hostname(); strings.HasPrefix(h, "guce.") || strings.HasPrefix(h, "consent.") {
			return &RequestError{Source: SourceYahoo, Status: resp.status, Reason: upstream.ReasonConsent, Err: errConsent}
		}
		if resp.status == 429 || resp.status >= 500 {
			return statusError(SourceYahoo, resp, b.f.now())
		}
		return nil
	})
	switch r := reasonOf(err); {
	case err == nil:
	case upstream.IsNetwork(r):
		// The seed host is on ad blocklists; getcrumb may still work
		// with what the jar already holds.
		b.f.log.Debug("Cookie request failed", zap.String("source", SourceYahoo), zap.NamedError("err", err))
	case r == upstream.ReasonConsent:
		b.f.pause(SourceYahoo, b.baseURL, asRequestError(SourceYahoo, err))
		return "", err
	default:
		return "", err
	}

	var crumb string
	_, err = b.f.exchange(ctx, request{source: SourceYahoo, url: b.baseURL + "/v1/test/getcrumb", accept: "*/*"},
		func(resp *response) error {
			crumb = strings.TrimSpace(string(resp.body))
			if resp.status != 200 || !saneCrumb(crumb) {
				return &RequestError{Source: SourceYahoo, Status: resp.status, Reason: upstream.ReasonBadCrumb, Detail: upstream.Snippet(resp.body)}
			}
			return nil
		})
	if err != nil {
		if reasonOf(err) == upstream.ReasonBadCrumb || reasonOf(err) == upstream.ReasonUnauthorized {
			// Asking again at once would get the same answer.
			b.f.pause(SourceYahoo, b.baseURL, asRequestError(SourceYahoo, err))
		}
		return "", err
	}
	return crumb, nil
}

// saneCrumb reports whether s looks like a crumb (11 characters such as
// "haT3oykhHqZ" or "Dl7YDo3/HJG") rather than an error text or a page.
func saneCrumb(s string) bool {
	if len(s) < 4 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("./_-~+=", r):
		default:
			return false
		}
	}
	return true
}

// invalidCrumbBody reports whether a response body is Yahoo's complaint
// about the crumb or cookie ({"finance":{"error":{"description":"Invalid
// Crumb"}}}), whatever the status.
func invalidCrumbBody(body []byte) bool {
	return bytes.Contains(body, []byte("Invalid Crumb")) || bytes.Contains(body, []byte("Invalid Cookie"))
}
