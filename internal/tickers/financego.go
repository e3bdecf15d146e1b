package tickers

// This file owns every use of github.com/piquette/finance-go. finance-go
// (pinned to its crumb-aware master, v1.1.1-0.20230807033903-430a57233430)
// shapes the v7 quote request and decodes its typed Quote; everything
// about the transport is ours (yahoo.go, crumb.go, fetch.go), because its
// own backend has no timeouts, adopts a 429 body as the crumb and never
// refreshes on 401. Its chart client is not used: it panics on an empty
// result and turns nulls into zeros (chart.go decodes the chart itself).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/monitord/monitord/internal/upstream"
	finance "github.com/piquette/finance-go"
	"github.com/piquette/finance-go/form"
	"github.com/piquette/finance-go/quote"
)

// Call implements finance.Backend: it sends path (a v7 quote or v8 chart
// path, with or without the leading slash) with the form's parameters to
// the configured host, adding the crumb for v7, and decodes the JSON
// answer into v. Errors are *RequestError before finance-go flattens them;
// Quotes keeps the typed copy.
func (b *Backend) Call(path string, body *form.Values, ctx *context.Context, v any) error {
	c := context.Background()
	if ctx != nil && *ctx != nil {
		c = *ctx
	}
	source, clean := route(path)
	q := url.Values{}
	if p, raw, ok := strings.Cut(clean, "?"); ok {
		clean = p
		if parsed, err := url.ParseQuery(raw); err == nil {
			q = parsed
		}
	}
	if body != nil {
		for k, vs := range body.ToValues() {
			q[k] = append(q[k], vs...)
		}
	}
	return b.get(c, source, clean, q, func(resp *response) error {
		if source == SourceYahoo {
			if err := checkQuoteEnvelope(resp); err != nil {
				return err
			}
		}
		if v == nil {
			return nil
		}
		if err := json.Unmarshal(resp.body, v); err != nil {
			return &RequestError{Source: source, Status: resp.status, Reason: upstream.ReasonParse, Detail: upstream.Snippet(resp.body), Err: err}
		}
		return nil
	})
}

// recorder hands calls to the Backend and keeps the typed error that
// finance-go would turn into a string. Each ListP gets its own recorder,
// and ListP calls it synchronously, so it needs no lock.
type recorder struct {
	b   *Backend
	err error
}

func (r *recorder) Call(path string, body *form.Values, ctx *context.Context, v any) error {
	r.err = r.b.Call(path, body, ctx, v)
	return r.err
}

// Quotes asks the v7 quote API for symbols in one request (the caller
// batches) and returns the quotes it got by symbol. A symbol Yahoo does
// not know is simply absent; the error is for the request as a whole and
// is a *RequestError.
func (b *Backend) Quotes(ctx context.Context, symbols []string) (map[string]Quote, error) {
	out, _, err := b.quotes(ctx, symbols)
	return out, err
}

// quotes is Quotes with the symbols the answer listed more than once: they
// are left out of the quotes (which entry is right cannot be told) and
// counted, and their errors are in bad.
func (b *Backend) quotes(ctx context.Context, symbols []string) (map[string]Quote, map[string]error, error) {
	if len(symbols) == 0 {
		return map[string]Quote{}, nil, nil
	}
	rec := &recorder{b: b}
	it := quote.Client{B: rec}.ListP(&quote.Params{
		Params:  finance.Params{Context: &ctx},
		Symbols: symbols,
	})
	now := b.f.now()
	out := make(map[string]Quote, len(symbols))
	var bad map[string]error
	for it.Next() {
		fq := it.Quote()
		if fq == nil || fq.Symbol == "" {
			continue
		}
		q := fromFinance(fq, now)
		if _, dup := out[q.Symbol]; dup || bad[q.Symbol] != nil {
			if bad == nil {
				bad = map[string]error{}
			}
			if bad[q.Symbol] == nil {
				b.f.metrics.rejected(q.Symbol, rejectDuplicate)
			}
			bad[q.Symbol] = fmt.Errorf("%s: %w: the answer lists %s more than once", SourceYahoo, ErrInvalidQuote, q.Symbol)
			delete(out, q.Symbol)
			continue
		}
		out[q.Symbol] = q
	}
	if rec.err != nil {
		return out, bad, rec.err
	}
	if err := it.Err(); err != nil {
		return out, bad, &RequestError{Source: SourceYahoo, Reason: upstream.ReasonUpstreamError, Err: err}
	}
	return out, bad, nil
}

// fromFinance converts finance-go's quote. Missing JSON fields arrive as
// zeros, which validate rejects for the price and time.
func fromFinance(fq *finance.Quote, now time.Time) Quote {
	q := Quote{
		Symbol:           strings.ToUpper(fq.Symbol),
		Name:             fq.ShortName,
		Price:            fq.RegularMarketPrice,
		PreviousClose:    fq.RegularMarketPreviousClose,
		Change:           fq.RegularMarketChange,
		ChangeRatio:      fq.RegularMarketChangePercent / 100,
		Volume:           int64(fq.RegularMarketVolume),
		AvgVolume10Day:   int64(fq.AverageDailyVolume10Day),
		AvgVolume3Month:  int64(fq.AverageDailyVolume3Month),
		DayHigh:          fq.RegularMarketDayHigh,
		DayLow:           fq.RegularMarketDayLow,
		FiftyTwoWeekHigh: fq.FiftyTwoWeekHigh,
		FiftyTwoWeekLow:  fq.FiftyTwoWeekLow,
		MarketState:      string(fq.MarketState),
		FetchedAt:        now,
		Source:           SourceYahoo,
		Currency:         fq.CurrencyID,
		Exchange:         fq.FullExchangeName,
		TimeZone:         fq.ExchangeTimezoneName,
	}
	if q.Exchange == "" {
		q.Exchange = fq.ExchangeID
	}
	if fq.RegularMarketTime > 0 {
		q.QuoteTime = time.Unix(int64(fq.RegularMarketTime), 0)
	}
	for _, ext := range []struct {
		price float64
		at    int
	}{{fq.PreMarketPrice, fq.PreMarketTime}, {fq.PostMarketPrice, fq.PostMarketTime}} {
		if t := time.Unix(int64(ext.at), 0); ext.price > 0 && ext.at > 0 && t.After(q.QuoteTime) && t.After(q.ExtendedTime) {
			q.ExtendedPrice, q.ExtendedTime = ext.price, t
		}
	}
	q.fillChange()
	return q
}

// yahooError is the {code, description} object of Yahoo's error envelopes.
type yahooError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// checkQuoteEnvelope looks at a 2xx v7 body before finance-go does: an
// auth failure comes as {"finance":{"error":...}}, which finance-go's
// decoder would silently read as an empty result.
func checkQuoteEnvelope(resp *response) error {
	var env struct {
		QuoteResponse *struct {
			Error *yahooError `json:"error"`
		} `json:"quoteResponse"`
		Finance *struct {
			Error *yahooError `json:"error"`
		} `json:"finance"`
	}
	if err := json.Unmarshal(resp.body, &env); err != nil {
		return &RequestError{Source: SourceYahoo, Status: resp.status, Reason: upstream.ReasonParse, Detail: upstream.Snippet(resp.body), Err: err}
	}
	switch {
	case env.Finance != nil && env.Finance.Error != nil:
		reason := upstream.ReasonUpstreamError
		if invalidCrumbBody(resp.body) {
			reason = upstream.ReasonUnauthorized
		}
		return &RequestError{Source: SourceYahoo, Status: resp.status, Reason: reason, Detail: env.Finance.Error.Description}
	case env.QuoteResponse == nil:
		return &RequestError{Source: SourceYahoo, Status: resp.status, Reason: upstream.ReasonParse, Detail: upstream.Snippet(resp.body),
			Err: fmt.Errorf("no quoteResponse object")}
	case env.QuoteResponse.Error != nil:
		return &RequestError{Source: SourceYahoo, Status: resp.status, Reason: upstream.ReasonUpstreamError, Detail: env.QuoteResponse.Error.Description}
	}
	return nil
}
