package tickers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// Result is the outcome of one Poll.
type Result struct {
	// Quotes are the accepted quotes, in watchlist order.
	Quotes []Quote
	// Errors holds why each symbol without a quote got none.
	Errors map[string]error
	// Skipped is set when the poll did not ask any source; Reason says why.
	Skipped bool
	Reason  string
	// Session is the market session the poll ran in.
	Session Session
}

// Poll fetches one quote for every symbol, unless quotes.market_hours_only
// is set and the market is closed (or in pre/post-market without
// quotes.extended_hours), or another Poll is still running: then it skips
// and says why. It is bounded by quotes.timeout. The error is non-nil when
// ctx ended, no symbol got a quote, or the history could not be written;
// Result is filled in every case.
func (p *Poller) Poll(ctx context.Context) (Result, error) {
	if !p.running.TryLock() {
		p.m.poll(PollSkipped)
		return Result{Skipped: true, Reason: "the previous poll is still running"}, nil
	}
	defer p.running.Unlock()

	now := p.now()
	sess := p.Session(now)
	res := Result{Session: sess, Errors: map[string]error{}}
	if p.cfg.MarketHoursOnly && !p.pollable(sess) {
		res.Skipped = true
		res.Reason = fmt.Sprintf("market is %s and quotes.market_hours_only is set", sess)
		if sess != SessionClosed {
			res.Reason += " without quotes.extended_hours"
		}
		p.m.poll(PollSkipped)
		p.updateStale(now)
		p.log.Debug("Quote poll skipped", zap.String("reason", res.Reason))
		return res, nil
	}

	pctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout.D())
	defer cancel()
	got, errs := p.fetch(pctx)
	res.Errors = errs
	res.Quotes = p.accept(got, sess)
	for _, s := range p.symbols {
		if err, ok := errs[s]; ok {
			p.symbolFailed(s, err)
		}
	}

	var err error
	if p.hist != nil {
		if herr := p.hist.Append(res.Quotes...); herr != nil {
			err = fmt.Errorf("store quotes: %w", herr)
		}
		p.prune(now)
	}
	p.updateStale(p.now())
	switch {
	case len(res.Quotes) == len(p.symbols):
		p.m.poll(PollSuccess)
	case len(res.Quotes) > 0:
		p.m.poll(PollPartial)
	default:
		p.m.poll(PollFailed)
	}
	p.log.Debug("Quote poll done", zap.Int("quotes", len(res.Quotes)), zap.Int("errors", len(errs)))
	switch {
	case ctx.Err() != nil:
		return res, errors.Join(ctx.Err(), err)
	case len(res.Quotes) == 0 && len(p.symbols) > 0:
		return res, errors.Join(fmt.Errorf("%w (%d symbols failed)", ErrNoQuotes, len(errs)), err)
	}
	return res, err
}

// fetch asks each provider of the chain, in order, for the symbols the
// providers before it could not price; a symbol a provider does not know
// at all (ErrUnknownSymbol) goes no further.
func (p *Poller) fetch(ctx context.Context) (map[string]Quote, map[string]error) {
	got := map[string]Quote{}
	errs := map[string]error{}
	now := p.now()
	left := p.symbols
	for _, pr := range p.chain {
		if len(left) == 0 {
			break
		}
		qs, perr := pr.Quotes(ctx, left)
		var next []string
		for _, s := range left {
			q, ok := qs[s]
			var err error
			switch {
			case ok:
				if err = q.validate(); err == nil {
					err = q.checkBounds(now)
				}
				if err != nil {
					p.m.rejected(s, rejectInvalid)
					err = fmt.Errorf("%s: %w", pr.Name(), err)
					break
				}
				if err = p.judge(q); err == nil {
					got[s] = q
					delete(errs, s)
					continue
				}
			case perr[s] != nil:
				err = perr[s]
			default:
				err = fmt.Errorf("%s: no quote", pr.Name())
			}
			if prev := errs[s]; prev != nil {
				err = fmt.Errorf("%w; %w", prev, err)
			}
			errs[s] = err
			if !errors.Is(err, ErrUnknownSymbol) {
				next = append(next, s)
			}
		}
		left = next
	}
	return got, errs
}

// accept records the quotes got in this poll: market state for sources
// without one, freshness, metrics and the marketState observation.
func (p *Poller) accept(got map[string]Quote, sess Session) []Quote {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Quote, 0, len(got))
	var obs *Quote
	for _, s := range p.symbols {
		q, ok := got[s]
		if !ok {
			continue
		}
		q.Symbol = s
		if q.MarketState == "" {
			q.MarketState = sess.MarketState()
		}
		prev, seen := p.last[s]
		fresh := !seen || q.QuoteTime.After(prev.QuoteTime)
		p.last[s] = q
		if fresh {
			p.lastFresh[s] = q.FetchedAt
		}
		p.m.recordQuote(q, fresh)
		if p.symFail[s] != "" {
			p.log.Info("Symbol quoted again", zap.String("ticker", s), zap.String("source", q.Source))
			delete(p.symFail, s)
		}
		// Yahoo's marketState of a New York listing, the benchmark first.
		if q.Source == SourceYahoo && q.TimeZone == "America/New_York" && (obs == nil || s == p.bench) {
			obs = &q
		}
		out = append(out, q)
	}
	if obs != nil {
		if ys, ok := SessionOf(obs.MarketState); ok {
			p.observed = observation{yahoo: ys, calendar: p.cal.Session(obs.FetchedAt), at: obs.FetchedAt}
		}
	}
	return out
}

// symbolFailed counts a symbol's failure and logs it: a warning when its
// reason changes (an unknown symbol is a config mistake worth seeing
// once), debug otherwise.
func (p *Poller) symbolFailed(symbol string, err error) {
	p.m.symbolError(symbol, err)
	reason := symbolReason(err)
	p.mu.Lock()
	changed := p.symFail[symbol] != reason
	p.symFail[symbol] = reason
	p.mu.Unlock()
	log := p.log.Debug
	if changed {
		log = p.log.Warn
	}
	log("No quote for symbol", zap.String("ticker", symbol), zap.String("reason", reason), zap.NamedError("err", err))
}

// prune trims the history at most once per pruneEvery.
func (p *Poller) prune(now time.Time) {
	p.mu.Lock()
	due := now.Sub(p.lastPrune) >= pruneEvery
	if due {
		p.lastPrune = now
	}
	p.mu.Unlock()
	if !due {
		return
	}
	n, err := p.hist.Prune(now)
	if err != nil {
		p.log.Error("Quote history prune failed", zap.NamedError("err", err))
		return
	}
	p.log.Debug("Pruned quote history", zap.Int("points", n))
}
