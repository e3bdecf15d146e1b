// Package tickers fetches stock quotes for the watchlist and keeps them:
// Yahoo Finance's v7 quote API through finance-go with a Backend of our own
// (cookie and crumb, backoff, timeouts, size limits), the v8 chart
// endpoint's meta as a crumb-free fallback, Finnhub as an optional keyed
// fallback, a computed NYSE calendar that decides when to poll, quote
// history in the store, and the quote metrics.
//
// Only financego.go imports finance-go; everything else speaks Quote.
package tickers

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/monitord/monitord/internal/config"
)

// Names of the quote sources, used in Quote.Source and as the source
// label: the provider names of quotes.providers.
const (
	SourceYahoo      = config.ProviderYahoo      // v7 quote API (cookie and crumb)
	SourceYahooChart = config.ProviderYahooChart // v8 chart meta (no crumb)
	SourceFinnhub    = config.ProviderFinnhub    // keyed fallback
)

// Sources lists every source name, for pre-initialising metrics.
var Sources = []string{SourceYahoo, SourceYahooChart, SourceFinnhub}

// Yahoo's marketState words. Fallback sources that have none get the
// calendar's session in the same words.
const (
	MarketStatePre     = "PRE"
	MarketStateRegular = "REGULAR"
	MarketStatePost    = "POST"
	MarketStateClosed  = "CLOSED"
)

// Quote is one price observation of a symbol. Zero numeric fields mean the
// source did not report them.
type Quote struct {
	Symbol string
	// Name is the short company or fund name, when the source gives one.
	Name string
	// Price is the last regular-session price.
	Price         float64
	PreviousClose float64
	// Change is Price minus PreviousClose; ChangeRatio is Change divided by
	// PreviousClose (0.0102 for +1.02 %).
	Change      float64
	ChangeRatio float64
	// Volume is the regular session's volume so far.
	Volume           int64
	AvgVolume10Day   int64
	AvgVolume3Month  int64
	DayHigh          float64
	DayLow           float64
	FiftyTwoWeekHigh float64
	FiftyTwoWeekLow  float64
	// ExtendedPrice is the latest pre- or post-market price, and
	// ExtendedTime its time, when the source reports one newer than the
	// regular session's (Yahoo v7 only).
	ExtendedPrice float64
	ExtendedTime  time.Time
	// MarketState is Yahoo's word for the exchange's session (PRE, REGULAR,
	// POST, CLOSED, PREPRE, POSTPOST), or the calendar's for other sources.
	MarketState string
	// QuoteTime is when the exchange priced the quote (the last trade);
	// FetchedAt is when monitord received it.
	QuoteTime time.Time
	FetchedAt time.Time
	// Source is the source that produced the quote (SourceYahoo, ...).
	Source   string
	Currency string
	Exchange string
	// TimeZone is the exchange's IANA zone when the source reports it.
	TimeZone string
}

// ChangePct is the change against the previous close in percent.
func (q Quote) ChangePct() float64 { return q.ChangeRatio * 100 }

// Age is how old the quote's price was at now.
func (q Quote) Age(now time.Time) time.Duration {
	if q.QuoteTime.IsZero() {
		return 0
	}
	return now.Sub(q.QuoteTime)
}

// fillChange derives Change and ChangeRatio from Price and PreviousClose,
// so every source reports them the same way.
func (q *Quote) fillChange() {
	if q.PreviousClose > 0 {
		q.Change = q.Price - q.PreviousClose
		q.ChangeRatio = q.Change / q.PreviousClose
	}
}

// validate reports why q cannot be used as a price.
func (q *Quote) validate() error {
	switch {
	case q.Symbol == "":
		return fmt.Errorf("%w: no symbol", ErrInvalidQuote)
	case math.IsNaN(q.Price) || math.IsInf(q.Price, 0) || q.Price <= 0:
		return fmt.Errorf("%w: price %v", ErrInvalidQuote, q.Price)
	case q.QuoteTime.IsZero():
		return fmt.Errorf("%w: no quote time", ErrInvalidQuote)
	}
	return nil
}

// Errors for a single symbol. The source's own failures are *RequestError.
var (
	// ErrUnknownSymbol means the source does not know the symbol: a typo or
	// a delisting. Other symbols of the same request are unaffected.
	ErrUnknownSymbol = errors.New("unknown or delisted symbol")
	// ErrNoData means the source answered without a usable price.
	ErrNoData = errors.New("no price data")
	// ErrInvalidQuote means the source sent a quote monitord cannot use.
	ErrInvalidQuote = errors.New("invalid quote")
	// ErrUnconfirmedJump means the quote moved implausibly far and waits
	// for another quote to confirm it (see Poller.judge).
	ErrUnconfirmedJump = errors.New("unconfirmed jump")
	// ErrBackingOff means the source failed recently and is not asked again
	// until its backoff expires.
	ErrBackingOff = errors.New("source is backing off")
)

// Per-symbol failure reasons, the reason label of
// monitord_quote_symbol_errors_total.
const (
	SymbolReasonUnknown     = "unknown_symbol"
	SymbolReasonInvalid     = "invalid"
	SymbolReasonUnavailable = "unavailable"
)

var symbolReasons = []string{SymbolReasonUnknown, SymbolReasonInvalid, SymbolReasonUnavailable}

// symbolReason maps a per-symbol error to its metric reason.
func symbolReason(err error) string {
	switch {
	case errors.Is(err, ErrUnknownSymbol):
		return SymbolReasonUnknown
	case errors.Is(err, ErrInvalidQuote), errors.Is(err, ErrUnconfirmedJump):
		return SymbolReasonInvalid
	default:
		return SymbolReasonUnavailable
	}
}
