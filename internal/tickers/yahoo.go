package tickers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

// Backend talks to Yahoo Finance: the v7 quote API behind a cookie and a
// crumb, and the crumb-free v8 chart API. It implements finance-go's
// Backend interface (see financego.go) so finance-go's quote client shapes
// the requests and decodes the typed quote model, while this type owns
// the transport: its own http.Client and cookie jar, one crumb shared by
// concurrent callers, a refresh and one retry on 401, backoff with jitter
// on 429 and 5xx, and a size limit on every body. It is safe for
// concurrent use.
type Backend struct {
	f         *fetcher
	baseURL   string
	chartURL  string
	cookieURL string
	crumbs    crumbs
}

// NewBackend returns a Backend configured by cfg.Quotes (URLs, timeouts,
// backoff, body limit) and the Yahoo User-Agent (quotes.yahoo.user_agent,
// else global.user_agent). m may be nil.
func NewBackend(cfg *config.Config, m *Metrics, log *zap.Logger) (*Backend, error) {
	if m == nil {
		m = NewMetrics(nil)
	}
	if log == nil {
		log = zap.NewNop()
	}
	f, err := newFetcher(cfg, m, log.With(zap.String("component", "tickers")), time.Now, nil)
	if err != nil {
		return nil, err
	}
	return newBackend(f, cfg.Quotes.Yahoo), nil
}

func newBackend(f *fetcher, y config.Yahoo) *Backend {
	return &Backend{
		f:         f,
		baseURL:   strings.TrimRight(y.BaseURL, "/"),
		chartURL:  strings.TrimRight(y.ChartURL, "/"),
		cookieURL: y.CookieURL,
	}
}

// route maps a path as finance-go hands it over ("/v7/finance/quote",
// "v8/finance/chart/MP", with or without a leading slash) to its source.
func route(path string) (source, clean string) {
	clean = "/" + strings.TrimLeft(path, "/")
	if strings.HasPrefix(clean, "/v8/finance/chart/") {
		return SourceYahooChart, clean
	}
	return SourceYahoo, clean
}

// get performs a GET of path on the source's host. Requests to the v7 host
// carry the crumb; when Yahoo rejects it (401, "Invalid Crumb", "Invalid
// Cookie") get fetches a new cookie and crumb and retries once, and a
// second rejection pauses the source.
func (b *Backend) get(ctx context.Context, source, path string, query url.Values, decode func(*response) error) error {
	base := b.baseURL
	if source == SourceYahooChart {
		base = b.chartURL
	}
	q := maps.Clone(query)
	if q == nil {
		q = url.Values{}
	}
	for attempt := 0; ; attempt++ {
		var crumb string
		if source == SourceYahoo {
			// Do not fetch a crumb for a source that is backing off.
			if err := b.f.gate(source, base); err != nil {
				return err
			}
			c, err := b.crumb(ctx)
			if err != nil {
				return err
			}
			crumb = c
			q.Set("crumb", c)
		}
		u := base + path
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		_, err := b.f.exchange(ctx, request{source: source, url: u, accept: "application/json"}, decode)
		if err == nil {
			return nil
		}
		if source != SourceYahoo || reasonOf(err) != upstream.ReasonUnauthorized || errors.Is(err, ErrBackingOff) {
			return err
		}
		b.invalidateCrumb(crumb)
		if attempt == 0 {
			b.f.log.Debug("Crumb rejected, refreshing", zap.String("source", source), zap.NamedError("err", err))
			continue
		}
		b.f.pause(source, u, asRequestError(source, err))
		return err
	}
}

// Backoff reports how long source must still wait before its next request
// and the failure behind the wait; 0 means it may be asked now.
func (b *Backend) Backoff(source string) (time.Duration, string) {
	bo, ok := b.f.backoff[source]
	if !ok {
		return 0, ""
	}
	_, reason := bo.state()
	return bo.remaining(b.f.now()), reason
}

// v7Provider is the "yahoo" provider: the v7 quote API, quotes.yahoo.
// batch_size symbols per request, one batch after the other (never
// hammer).
type v7Provider struct {
	b     *Backend
	batch int
}

// Name implements Provider.
func (*v7Provider) Name() string { return SourceYahoo }

// Quotes implements Provider. A symbol the answer leaves out, or lists
// twice, gets an error of its own, so the next provider is asked for it.
func (v *v7Provider) Quotes(ctx context.Context, symbols []string) (map[string]Quote, map[string]error) {
	got := make(map[string]Quote, len(symbols))
	errs := map[string]error{}
	for batch := range slices.Chunk(symbols, max(1, v.batch)) {
		qs, bad, err := v.b.quotes(ctx, batch)
		for _, s := range batch {
			switch q, ok := qs[s]; {
			case ok:
				got[s] = q
			case bad[s] != nil:
				errs[s] = bad[s]
			case err != nil:
				errs[s] = err
			default:
				errs[s] = fmt.Errorf("%s: not in the quote response", SourceYahoo)
			}
		}
	}
	return got, errs
}
