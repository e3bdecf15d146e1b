package rules

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/tickers"
)

// OnQuotes evaluates the price rules on one quote poll. Call it after
// every poll that returned quotes, once the poller has appended them to
// the history (Poll does): move_pct reads the move from there. A skipped
// poll, and a symbol the poll got no quote for, change nothing: an episode
// ends only on a quote that shows its condition cleared.
//
// Market_hours_only rules judge only quotes whose MarketState is REGULAR
// (the symbol's own exchange session); others are counted as
// market_closed when they would have fired.
//
// The error joins what could not be evaluated or enqueued; what could was
// committed.
func (e *Engine) OnQuotes(ctx context.Context, res tickers.Result) error {
	if res.Skipped || len(res.Quotes) == 0 || len(e.price) == 0 {
		return nil
	}
	now := e.now()
	moves := e.moves(res.Quotes)
	var errs []error
	err := e.update(ctx, func(tx *store.Tx) error {
		for _, q := range res.Quotes {
			d := &quoteData{q: q, moves: moves[q.Symbol]}
			d.day = q.QuoteTime.In(e.zone(q.TimeZone)).Format(time.DateOnly)
			if e.needs52(q.Symbol) {
				base, err := observe52(tx, q, d.day)
				if err != nil {
					return err
				}
				d.base = base
			}
			for _, r := range e.price {
				if !r.concerns(q.Symbol) {
					continue
				}
				if err := e.evalQuote(tx, r, d, now); err != nil {
					e.log.Error("Cannot evaluate price rule", zap.String("rule", r.Name),
						zap.String("ticker", q.Symbol), zap.NamedError("err", err))
					errs = append(errs, err)
				}
			}
		}
		return nil
	})
	return errors.Join(append(errs, err)...)
}

// evalQuote judges every condition of r on d.
func (e *Engine) evalQuote(tx *store.Tx, r *rule, d *quoteData, now time.Time) error {
	closed := r.MarketHoursOnly && d.q.MarketState != tickers.MarketStateRegular
	for _, c := range r.conds {
		var open *episode
		if ep := new(episode); getJSON(bucket(tx), episodeKey(r.Name, d.q.Symbol, c.name), ep) {
			open = ep
		}
		v := evaluate(r, c, d, open)
		if !v.known {
			continue
		}
		if closed {
			// Outside the session the rule neither fires nor clears.
			if v.holds && (open == nil || !open.Notified) {
				e.suppressed(tx, r.Name, ReasonMarketClosed)
			}
			continue
		}
		o := &observation{
			rule: r, subject: d.q.Symbol, cond: c.name, kind: alert.KindPrice,
			holds: v.holds, variant: v.variant, params: c.params, at: d.q.QuoteTime,
			build:   func() *alert.Alert { return priceAlert(d.q, v) },
			cleared: cleared(d.q),
		}
		if err := e.advance(tx, o, now); err != nil {
			return err
		}
	}
	return nil
}

// moves reads, before the transaction (bbolt must not nest a read in a
// write on one goroutine), the move of each symbol over each move_pct
// window that concerns it.
func (e *Engine) moves(quotes []tickers.Quote) map[string]map[time.Duration]tickers.Move {
	out := map[string]map[time.Duration]tickers.Move{}
	for _, q := range quotes {
		for _, r := range e.price {
			if r.MovePct == nil || !r.concerns(q.Symbol) {
				continue
			}
			w := r.Window.D()
			if _, done := out[q.Symbol][w]; done {
				continue
			}
			m, ok, err := e.hist.MoveOver(q.Symbol, w, q.QuoteTime)
			if err != nil {
				e.log.Warn("Cannot read quote history", zap.String("ticker", q.Symbol), zap.NamedError("err", err))
				continue
			}
			if !ok {
				continue
			}
			if out[q.Symbol] == nil {
				out[q.Symbol] = map[time.Duration]tickers.Move{}
			}
			out[q.Symbol][w] = m
		}
	}
	return out
}

// needs52 reports whether a price rule watches symbol for new 52-week
// highs and lows.
func (e *Engine) needs52(symbol string) bool {
	for _, r := range e.price {
		if r.New52Week && r.concerns(symbol) {
			return true
		}
	}
	return false
}
