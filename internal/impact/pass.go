package impact

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/tickers"
)

// pass is one run over the pending windows at one instant.
type pass struct {
	now time.Time
	// live are the quotes of the poll that started the pass (OnQuotes).
	live map[string]tickers.Quote
	// bars are the chart requests made so far in this pass.
	bars []barFetch
}

// change is a window to write back, with the targets that stopped pending
// in this pass (for the metrics, after the commit).
type change struct {
	s        *stored
	resolved []int // -1: the reference
	done     bool  // leaves pending
}

// run measures every pending window due at p.now, then writes the windows back
// and queues follow-ups in one transaction. Work is done outside any
// transaction (history reads, chart requests), so the store's writer is
// never held across the network.
func (e *Engine) run(ctx context.Context, p *pass) error {
	ws, err := e.loadPending(p.now)
	if err != nil {
		return err
	}
	var changes []change
	var obs []observation
	var errs []error
	for _, s := range ws {
		c := change{s: s}
		modified, err := e.advance(ctx, p, &s.w, &c)
		if err != nil {
			errs = append(errs, err)
		}
		for _, i := range c.resolved {
			if i >= 0 && s.w.Impact.Horizons[i].Status == StatusMeasured {
				obs = e.appendIfRule(obs, horizonObservation(&s.w, i))
			}
		}
		if o, ok := e.liveObservation(p, &s.w); ok {
			obs = e.appendIfRule(obs, o)
		}
		c.done = s.w.resolved() && p.now.After(s.w.Impact.Reference.At.Add(e.maxWithin))
		if modified || c.done {
			changes = append(changes, c)
		}
	}
	if len(changes) == 0 && len(obs) == 0 {
		return errors.Join(errs...)
	}
	var sent []sentFollowUp
	var pending int
	err = e.st.Update(func(tx *store.Tx) error {
		sent = sent[:0]
		bs, err := openBuckets(tx)
		if err != nil {
			return err
		}
		for _, c := range changes {
			if bs.windows.Get(c.s.key) == nil {
				continue // pruned since it was read
			}
			v, err := encodeWindow(&c.s.w)
			if err != nil {
				return err
			}
			if err := bs.windows.Put(c.s.key, v); err != nil {
				return err
			}
			if c.done {
				err = bs.pending.Delete(c.s.key)
			} else { // its due time moves with its targets
				err = bs.pending.Put(c.s.key, dueValue(c.s.w.due(e.maxWithin)))
			}
			if err != nil {
				return err
			}
		}
		for i := range obs {
			f, err := e.followUp(tx, bs, &obs[i], p.now)
			if err != nil {
				return err
			}
			sent = append(sent, f...)
		}
		pending = countPending(tx)
		return nil
	})
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("store impact windows: %w", err))...)
	}
	e.m.pending.Set(float64(pending))
	for _, c := range changes {
		w := &c.s.w
		for _, i := range c.resolved {
			if i < 0 {
				e.m.resolved(w.Impact.Ticker, nil, &w.Impact.Reference)
			} else {
				e.m.resolved(w.Impact.Ticker, &w.Impact.Horizons[i], &w.Impact.Reference)
			}
		}
	}
	for _, f := range sent {
		e.m.followUps.WithLabelValues(f.rule).Inc()
		e.log.Debug("Impact follow-up queued", zap.String("rule", f.rule), zap.String("story", f.story),
			zap.String("ticker", f.ticker))
	}
	return errors.Join(errs...)
}

// advance measures w's targets that are due at p.now, the reference first:
// no horizon is measured before it, and none can be without it. It reports
// whether w changed; c.resolved gets the targets that stopped pending.
func (e *Engine) advance(ctx context.Context, p *pass, w *window, c *change) (bool, error) {
	im := &w.Impact
	modified := false
	if im.Reference.Status == StatusPending {
		ok, err := e.measure(ctx, p, w, -1)
		if !ok {
			return false, err
		}
		modified = true
		c.resolved = append(c.resolved, -1)
		if im.Reference.Status == StatusNoData {
			im.Status = StatusNoReference
			for i := range im.Horizons {
				if im.Horizons[i].Status == StatusPending {
					im.Horizons[i].Status = StatusNoData
					c.resolved = append(c.resolved, i)
				}
			}
			return true, nil
		}
	}
	var errs []error
	for i := range im.Horizons {
		if im.Horizons[i].Status != StatusPending {
			continue
		}
		ok, err := e.measure(ctx, p, w, i)
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			modified = true
			c.resolved = append(c.resolved, i)
		}
	}
	if w.resolved() && im.Status == StatusPending {
		im.Status = StatusComplete
		modified = true
	}
	return modified, errors.Join(errs...)
}

// measure tries to resolve target i of w (-1: the reference), the ticker's
// price and then the benchmark's. It reports whether the target stopped
// pending.
func (e *Engine) measure(ctx context.Context, p *pass, w *window, i int) (bool, error) {
	im := &w.Impact
	m := w.target(i)
	md := w.mode(i)
	tp, st, err := e.priceAt(ctx, p, im.Ticker, m.At, md)
	if st == waiting {
		return false, err
	}
	if st == absent {
		m.Status = StatusNoData
		return true, nil
	}
	var bp price
	benchOK := false
	if im.Benchmark != "" && (i < 0 || im.Reference.BenchmarkPrice != nil) {
		var bst lookup
		bp, bst, err = e.priceAt(ctx, p, im.Benchmark, m.At, md)
		if bst == waiting {
			return false, err
		}
		benchOK = bst == found
	}
	m.Status, m.Price, m.PriceTime, m.Source, m.Late = StatusMeasured, tp.value, tp.at, tp.source, tp.late
	m.BenchmarkMissing = im.Benchmark != "" && !benchOK
	if benchOK {
		m.BenchmarkPrice, m.BenchmarkPriceTime = &bp.value, bp.at
	}
	if i >= 0 {
		h := &im.Horizons[i]
		h.MovePct = pct(h.Price, im.Reference.Price)
		if benchOK {
			h.BenchmarkMovePct = pct(bp.value, *im.Reference.BenchmarkPrice)
			h.AbnormalPct = round(*h.MovePct - *h.BenchmarkMovePct)
		}
	}
	return true, nil
}

// pct is the move from ref to v in percent, rounded to 4 decimals.
func pct(v, ref float64) *float64 {
	if ref <= 0 {
		return nil
	}
	return round((v/ref - 1) * 100)
}

func round(x float64) *float64 {
	r := math.Round(x*1e4) / 1e4
	return &r
}
