package tickers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/monitord/monitord/internal/upstream"
)

// The v8 chart API, decoded here rather than by finance-go: its chart
// client panics on {"result":[]} and reads JSON nulls (common in intraday
// arrays) as zero prices. Every number below is a pointer so that a null
// stays "unknown".

type chartEnvelope struct {
	Chart struct {
		Result []*chartResult `json:"result"`
		Error  *yahooError    `json:"error"`
	} `json:"chart"`
}

type chartResult struct {
	Meta       chartMeta `json:"meta"`
	Timestamp  []int64   `json:"timestamp"`
	Indicators struct {
		Quote []struct {
			Open   []*float64 `json:"open"`
			High   []*float64 `json:"high"`
			Low    []*float64 `json:"low"`
			Close  []*float64 `json:"close"`
			Volume []*float64 `json:"volume"`
		} `json:"quote"`
	} `json:"indicators"`
}

// chartMeta is the part of the chart meta that makes a quote. finance-go's
// ChartMeta lacks the price, its time and the day's range.
type chartMeta struct {
	Symbol               string   `json:"symbol"`
	Currency             string   `json:"currency"`
	ExchangeName         string   `json:"exchangeName"`
	FullExchangeName     string   `json:"fullExchangeName"`
	ExchangeTimezoneName string   `json:"exchangeTimezoneName"`
	LongName             string   `json:"longName"`
	ShortName            string   `json:"shortName"`
	RegularMarketTime    *int64   `json:"regularMarketTime"`
	RegularMarketPrice   *float64 `json:"regularMarketPrice"`
	PreviousClose        *float64 `json:"previousClose"`
	ChartPreviousClose   *float64 `json:"chartPreviousClose"`
	RegularMarketDayHigh *float64 `json:"regularMarketDayHigh"`
	RegularMarketDayLow  *float64 `json:"regularMarketDayLow"`
	RegularMarketVolume  *float64 `json:"regularMarketVolume"`
	FiftyTwoWeekHigh     *float64 `json:"fiftyTwoWeekHigh"`
	FiftyTwoWeekLow      *float64 `json:"fiftyTwoWeekLow"`
}

// chart fetches and decodes /v8/finance/chart/{symbol}. It returns nil
// and no error for a well-formed answer without a result. A symbol Yahoo
// does not know (404, or an error object coded "Not Found") is
// ErrUnknownSymbol.
func (b *Backend) chart(ctx context.Context, symbol string, q url.Values) (*chartResult, error) {
	var res *chartResult
	err := b.get(ctx, SourceYahooChart, "/v8/finance/chart/"+url.PathEscape(symbol), q, func(resp *response) error {
		var env chartEnvelope
		if err := json.Unmarshal(resp.body, &env); err != nil {
			return &RequestError{Source: SourceYahooChart, Status: resp.status, Reason: upstream.ReasonParse, Detail: upstream.Snippet(resp.body), Err: err}
		}
		if e := env.Chart.Error; e != nil {
			reason := upstream.ReasonUpstreamError
			if e.Code == "Not Found" {
				reason = upstream.ReasonNotFound
			}
			return &RequestError{Source: SourceYahooChart, Status: resp.status, Reason: reason, Detail: e.Description}
		}
		if len(env.Chart.Result) > 0 {
			res = env.Chart.Result[0]
		}
		return nil
	})
	if err != nil {
		if reasonOf(err) == upstream.ReasonNotFound {
			return nil, fmt.Errorf("%s: %w (%w)", symbol, ErrUnknownSymbol, err)
		}
		return nil, err
	}
	return res, nil
}

// ChartQuote makes a quote of symbol from the v8 chart meta, which needs no
// crumb: the fallback when the v7 quote API fails. MarketState is left
// empty: the chart does not say.
func (b *Backend) ChartQuote(ctx context.Context, symbol string) (Quote, error) {
	res, err := b.chart(ctx, symbol, url.Values{"range": {"1d"}, "interval": {"1d"}})
	if err != nil {
		return Quote{}, err
	}
	if res == nil {
		return Quote{}, fmt.Errorf("%s: chart has no result: %w", symbol, ErrNoData)
	}
	m := res.Meta
	if m.RegularMarketPrice == nil || m.RegularMarketTime == nil {
		return Quote{}, fmt.Errorf("%s: chart meta has no price: %w", symbol, ErrNoData)
	}
	q := Quote{
		Symbol:           strings.ToUpper(m.Symbol),
		Name:             m.ShortName,
		Price:            *m.RegularMarketPrice,
		PreviousClose:    val(m.PreviousClose),
		Volume:           int64(val(m.RegularMarketVolume)),
		DayHigh:          val(m.RegularMarketDayHigh),
		DayLow:           val(m.RegularMarketDayLow),
		FiftyTwoWeekHigh: val(m.FiftyTwoWeekHigh),
		FiftyTwoWeekLow:  val(m.FiftyTwoWeekLow),
		QuoteTime:        time.Unix(*m.RegularMarketTime, 0),
		FetchedAt:        b.f.now(),
		Source:           SourceYahooChart,
		Currency:         m.Currency,
		Exchange:         m.FullExchangeName,
		TimeZone:         m.ExchangeTimezoneName,
	}
	if q.Symbol == "" {
		q.Symbol = symbol
	}
	if q.Name == "" {
		q.Name = m.LongName
	}
	if q.PreviousClose == 0 {
		// With range=1d the chart's previous close is the last session's.
		q.PreviousClose = val(m.ChartPreviousClose)
	}
	if q.Exchange == "" {
		q.Exchange = m.ExchangeName
	}
	q.fillChange()
	return q, nil
}

// chartProvider is the "yahoo_chart" provider: the v8 chart meta, one
// symbol per request, no crumb.
type chartProvider struct{ b *Backend }

// Name implements Provider.
func (*chartProvider) Name() string { return SourceYahooChart }

// Quotes implements Provider.
func (c *chartProvider) Quotes(ctx context.Context, symbols []string) (map[string]Quote, map[string]error) {
	return eachSymbol(ctx, SourceYahooChart, symbols, c.b.ChartQuote)
}

// Bar is one interval of a price chart.
type Bar struct {
	Time                   time.Time
	Open, High, Low, Close float64
	Volume                 int64
}

// Chart bar intervals Yahoo accepts. Yahoo keeps 1m bars for about the
// last 7 days and intraday bars up to 60 days.
const (
	Interval1m  = "1m"
	Interval5m  = "5m"
	Interval15m = "15m"
	Interval1h  = "1h"
	Interval1d  = "1d"
)

// Bars fetches symbol's chart bars with the given interval between from
// and to (inclusive), including pre- and post-market bars. Intervals whose
// close is null (no trade) are left out, never turned into zeros.
func (b *Backend) Bars(ctx context.Context, symbol string, from, to time.Time, interval string) ([]Bar, error) {
	switch interval {
	case Interval1m, Interval5m, Interval15m, Interval1h, Interval1d:
	default:
		return nil, fmt.Errorf("bars for %s: unsupported interval %q", symbol, interval)
	}
	if !from.Before(to) {
		return nil, fmt.Errorf("bars for %s: from %s is not before to %s", symbol, from, to)
	}
	res, err := b.chart(ctx, symbol, url.Values{
		"period1":        {strconv.FormatInt(from.Unix(), 10)},
		"period2":        {strconv.FormatInt(to.Unix()+1, 10)},
		"interval":       {interval},
		"includePrePost": {"true"},
	})
	if err != nil || res == nil {
		return nil, err
	}
	return res.bars(from, to), nil
}

// bars extracts the non-null bars within [from, to], tolerating arrays of
// unequal length.
func (r *chartResult) bars(from, to time.Time) []Bar {
	if len(r.Indicators.Quote) == 0 {
		return nil
	}
	ind := r.Indicators.Quote[0]
	out := make([]Bar, 0, len(r.Timestamp))
	for i, ts := range r.Timestamp {
		c := at(ind.Close, i)
		if ts <= 0 || c == nil || *c <= 0 {
			continue
		}
		t := time.Unix(ts, 0)
		if t.Before(from) || t.After(to) {
			continue
		}
		out = append(out, Bar{
			Time:   t,
			Open:   val(at(ind.Open, i)),
			High:   val(at(ind.High, i)),
			Low:    val(at(ind.Low, i)),
			Close:  *c,
			Volume: int64(val(at(ind.Volume, i))),
		})
	}
	return out
}

func at(xs []*float64, i int) *float64 {
	if i < len(xs) {
		return xs[i]
	}
	return nil
}

func val(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}
