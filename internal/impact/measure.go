package impact

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/tickers"
)

// PriceHistory is what the engine reads of the quote history; it is
// satisfied by *tickers.History. The engine never writes to it: the poller
// appends every accepted quote before OnQuotes is called.
type PriceHistory interface {
	At(symbol string, t time.Time) (tickers.Point, bool, error)
	Range(symbol string, from, to time.Time) ([]tickers.Point, error)
}

// BarSource fetches chart bars to fill horizons that the quote history
// missed (the daemon was down, or polls failed). It is satisfied by
// *tickers.Poller; bars whose close is null must already be left out.
type BarSource interface {
	Bars(ctx context.Context, symbol string, from, to time.Time, interval string) ([]tickers.Bar, error)
}

// BarSourceFunc adapts a function to BarSource.
type BarSourceFunc func(ctx context.Context, symbol string, from, to time.Time, interval string) ([]tickers.Bar, error)

// Bars calls f.
func (f BarSourceFunc) Bars(ctx context.Context, symbol string, from, to time.Time, interval string) ([]tickers.Bar, error) {
	return f(ctx, symbol, from, to, interval)
}

const (
	// settle is how long after the tolerance has passed the engine still
	// waits for the quote history before it asks for chart bars: a trade
	// inside the tolerance may reach the history with the next poll.
	settle = 2 * time.Minute
	// giveUp is how long chart requests that fail are retried for one
	// time before it is declared no_data.
	giveUp = 24 * time.Hour
	// barRetry spaces chart requests for a symbol after one failed.
	barRetry = 5 * time.Minute
	// barSpan is how much chart around a time one request fetches, so one
	// request serves every horizon of a day after a restart.
	barSpan = 6 * time.Hour
)

// lookup is the outcome of asking for a price.
type lookup int

const (
	found   lookup = iota // a price was observed
	waiting               // not yet: it may still arrive
	absent                // it never will: no data within the tolerance
)

// price is one observed price.
type price struct {
	value  float64
	at     time.Time
	source string
	late   bool
}

// mode says which price at a time is wanted.
type mode int

const (
	// modeAt is the price at a horizon: the last trade at or before it if
	// a quote proves no trade followed, else the first trade shortly after.
	modeAt mode = iota
	// modeBefore is the reference at publication: the last trade at or
	// before it, from a quote fetched within the tolerance before it.
	modeBefore
	// modeOpen is an opening price: the first trade at or after the open,
	// never the last one before (the previous close).
	modeOpen
)

// priceAt returns symbol's price at t, following the rules documented for
// impact.tolerance:
//
//   - from the history, a quote priced no more than the tolerance before t:
//     for modeAt, the last at or before t if it was fetched at or after t
//     (no trade happened between its quote time and t); for modeBefore,
//     the last at or before t if it was fetched no more than the tolerance
//     before t;
//   - else the first quote with a time in [t, t+tolerance];
//   - else, once t+tolerance+settle has passed, chart bars (see barPrice);
//   - else no data.
func (e *Engine) priceAt(ctx context.Context, p *pass, symbol string, t time.Time, md mode) (price, lookup, error) {
	now := p.now
	if t.IsZero() {
		return price{}, absent, nil
	}
	if t.After(now) {
		return price{}, waiting, nil
	}
	late := now.After(t.Add(e.tol + settle))
	if md != modeOpen {
		pt, ok, err := e.hist.At(symbol, t)
		if err != nil {
			return price{}, waiting, err
		}
		// A quote older than the tolerance is not used even when a later
		// fetch vouches for it: a delayed feed (TSX-V, ASX) reports old
		// trades as current.
		fresh := !pt.FetchedAt.Before(t) && !pt.Time.Before(t.Add(-e.tol))
		if md == modeBefore {
			fresh = !pt.FetchedAt.Before(t.Add(-e.tol)) && !pt.Time.Before(t.Add(-e.tol))
		}
		if ok && pt.Price > 0 && fresh {
			return price{value: pt.Price, at: pt.Time, source: SourceHistory, late: late}, found, nil
		}
	}
	pts, err := e.hist.Range(symbol, t, t.Add(e.tol))
	if err != nil {
		return price{}, waiting, err
	}
	for _, pt := range pts {
		if pt.Price > 0 {
			return price{value: pt.Price, at: pt.Time, source: SourceHistory, late: late}, found, nil
		}
	}
	if !late {
		return price{}, waiting, nil
	}
	return e.barPrice(ctx, p, symbol, t, md)
}

// barPrice is priceAt's last resort, chart bars around t: for modeOpen the
// open of the first bar starting in [t, t+tolerance]; for modeBefore the
// close of the last bar ending in [t-tolerance, t]; else (and when
// modeBefore finds none) the close of the first bar ending in
// [t, t+tolerance]. A bar's close is the price at its end.
func (e *Engine) barPrice(ctx context.Context, p *pass, symbol string, t time.Time, md mode) (price, lookup, error) {
	interval, step := barInterval(p.now.Sub(t))
	if e.bars == nil || interval == "" {
		return price{}, absent, nil
	}
	bars, err := p.barsAround(ctx, e, symbol, t, interval)
	if err != nil {
		// Expected during an outage, counted by the quote metrics and
		// retried: not the pass's error.
		if !errors.Is(err, errBarsBackoff) {
			e.log.Debug("Chart bars unavailable; will retry", zap.String("ticker", symbol), zap.NamedError("err", err))
		}
		if p.now.Sub(t) > giveUp {
			return price{}, absent, nil
		}
		return price{}, waiting, nil
	}
	within := func(x, from, to time.Time) bool { return !x.Before(from) && !x.After(to) }
	var before *tickers.Bar
	for i := range bars {
		b := &bars[i]
		end := b.Time.Add(step)
		switch {
		case md == modeOpen && within(b.Time, t, t.Add(e.tol)):
			v := b.Open
			if v <= 0 {
				v = b.Close
			}
			return price{value: v, at: b.Time, source: SourceChart, late: true}, found, nil
		case md == modeBefore && within(end, t.Add(-e.tol), t):
			before = b
		case md != modeOpen && within(end, t, t.Add(e.tol)):
			if before != nil {
				b, end = before, before.Time.Add(step)
			}
			return price{value: b.Close, at: end, source: SourceChart, late: true}, found, nil
		}
	}
	if before != nil {
		return price{value: before.Close, at: before.Time.Add(step), source: SourceChart, late: true}, found, nil
	}
	return price{}, absent, nil
}

// barInterval picks the finest bars Yahoo still keeps for a time age ago:
// 1m bars for about a week, 5m for about 60 days, nothing older.
func barInterval(age time.Duration) (string, time.Duration) {
	switch {
	case age <= 6*24*time.Hour:
		return tickers.Interval1m, time.Minute
	case age <= 55*24*time.Hour:
		return tickers.Interval5m, 5 * time.Minute
	}
	return "", 0
}

// barFetch is one chart request's answer, kept for the rest of a pass.
type barFetch struct {
	symbol, interval string
	from, to         time.Time
	bars             []tickers.Bar
}

// barsAround returns symbol's bars covering t, fetching barSpan either side
// unless an earlier request of this pass covered it. A symbol whose request
// failed is not asked again for barRetry.
func (p *pass) barsAround(ctx context.Context, e *Engine, symbol string, t time.Time, interval string) ([]tickers.Bar, error) {
	need := t.Add(e.tol)
	for _, f := range p.bars {
		if f.symbol == symbol && f.interval == interval && !t.Add(-e.tol-5*time.Minute).Before(f.from) && !need.After(f.to) {
			return f.bars, nil
		}
	}
	if until, ok := e.barRetryAt[symbol]; ok && p.now.Before(until) {
		return nil, errBarsBackoff
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	from, to := t.Add(-barSpan), t.Add(barSpan)
	if to.After(p.now) {
		to = p.now
	}
	bars, err := e.bars.Bars(ctx, symbol, from, to, interval)
	if errors.Is(err, tickers.ErrUnknownSymbol) {
		bars, err = nil, nil
	}
	if err != nil {
		e.barRetryAt[symbol] = p.now.Add(barRetry)
		return nil, err
	}
	delete(e.barRetryAt, symbol)
	p.bars = append(p.bars, barFetch{symbol: symbol, interval: interval, from: from, to: to, bars: bars})
	return bars, nil
}

// errBarsBackoff means a chart request for the symbol failed recently.
var errBarsBackoff = errors.New("chart bars failed recently; retrying later")
