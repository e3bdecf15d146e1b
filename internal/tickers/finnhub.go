package tickers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

// finnhub is the "finnhub" provider, a keyed fallback: GET
// {base_url}/quote?symbol=MP, answering {"c":price,"d":change,"dp":pct,
// "h","l","o","pc":prev,"t":epoch}, one symbol per request. The key
// travels in the X-Finnhub-Token header, never in the URL, so no error
// message (Go's include the URL) can carry it. The free plan allows 60
// calls a minute; placed after Yahoo's providers, it is asked only for the
// symbols they failed on.
type finnhub struct {
	f    *fetcher
	base string
	key  config.Secret
}

// newFinnhub builds the provider; configuration validation made sure an
// API key is set when finnhub is in quotes.providers.
func newFinnhub(env providerEnv) Provider {
	c := env.cfg.Quotes.Finnhub
	if c == nil {
		c = &config.Finnhub{}
	}
	return &finnhub{f: env.f, base: strings.TrimRight(c.BaseURL, "/"), key: c.APIKey}
}

// Name implements Provider.
func (*finnhub) Name() string { return SourceFinnhub }

// Quotes implements Provider.
func (fh *finnhub) Quotes(ctx context.Context, symbols []string) (map[string]Quote, map[string]error) {
	return eachSymbol(ctx, SourceFinnhub, symbols, fh.quote)
}

type finnhubQuote struct {
	Current  *float64 `json:"c"`
	High     *float64 `json:"h"`
	Low      *float64 `json:"l"`
	Previous *float64 `json:"pc"`
	Time     *int64   `json:"t"`
	Error    string   `json:"error"`
}

// quote fetches one symbol. Finnhub answers an unknown symbol with zeros
// and HTTP 200, which becomes ErrNoData.
func (fh *finnhub) quote(ctx context.Context, symbol string) (Quote, error) {
	var fq finnhubQuote
	_, err := fh.f.exchange(ctx, request{
		source: SourceFinnhub,
		url:    fh.base + "/quote?symbol=" + url.QueryEscape(symbol),
		accept: "application/json",
		header: http.Header{"X-Finnhub-Token": {fh.key.Reveal()}},
	}, func(resp *response) error {
		if err := json.Unmarshal(resp.body, &fq); err != nil {
			return &RequestError{Source: SourceFinnhub, Status: resp.status, Reason: upstream.ReasonParse, Detail: upstream.Snippet(resp.body), Err: err}
		}
		if fq.Error != "" {
			return &RequestError{Source: SourceFinnhub, Status: resp.status, Reason: upstream.ReasonUpstreamError, Detail: upstream.Snippet([]byte(fq.Error))}
		}
		return nil
	})
	if err != nil {
		return Quote{}, err
	}
	if val(fq.Current) <= 0 || fq.Time == nil || *fq.Time <= 0 {
		return Quote{}, fmt.Errorf("%s: finnhub has no price: %w", symbol, ErrNoData)
	}
	q := Quote{
		Symbol:        symbol,
		Price:         *fq.Current,
		PreviousClose: val(fq.Previous),
		DayHigh:       val(fq.High),
		DayLow:        val(fq.Low),
		QuoteTime:     time.Unix(*fq.Time, 0),
		FetchedAt:     fh.f.now(),
		Source:        SourceFinnhub,
	}
	q.fillChange()
	return q, nil
}
