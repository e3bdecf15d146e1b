package tickers

import (
	"fmt"
	"math"
	"time"
)

// Plausibility limits. An upstream that answers 200 can still be wrong: a
// price of 1e300, a quote time in 1970 or next week, a decimal point in
// the wrong place. Such a quote must never reach a rule.
const (
	// maxPrice is above any listed share (Berkshire's A share trades under
	// a million); a larger price is garbage.
	maxPrice = 1e7
	// maxClockSkew is how far in the future a quote time may be: clocks
	// drift, and a few minutes is a clock, not a quote.
	maxClockSkew = 10 * time.Minute
	// maxQuoteAge is how old a quote time may be: a halted share's last
	// trade can be weeks old, a year is a broken field.
	maxQuoteAge = 365 * 24 * time.Hour
	// jumpRatio is the move from the reference (the last accepted price,
	// else the quote's previous close) beyond which a quote needs
	// confirmation: 1.5 means up by half or down by a third. Rare-earth
	// juniors have moved that much in a day, so such a move is held, not
	// rejected: the next poll, or the next provider, confirms it.
	jumpRatio = 1.5
	// agreeRatio is how close two quotes must be to confirm each other.
	agreeRatio = 1.1
)

// The reasons of monitord_quote_rejected_total.
const (
	rejectInvalid   = "invalid"
	rejectJump      = "jump"
	rejectDuplicate = "duplicate"
)

var rejectReasons = []string{rejectInvalid, rejectJump, rejectDuplicate}

// checkBounds rejects what no market produces: a price or previous close
// that is not a finite positive number under maxPrice, and a quote time in
// the future or a year old.
func (q *Quote) checkBounds(now time.Time) error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"price", q.Price}, {"previous close", q.PreviousClose}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 || f.v > maxPrice {
			return fmt.Errorf("%w: %s %v is no price", ErrInvalidQuote, f.name, f.v)
		}
	}
	switch {
	case q.QuoteTime.After(now.Add(maxClockSkew)):
		return fmt.Errorf("%w: quote time %s is in the future", ErrInvalidQuote, q.QuoteTime.UTC().Format(time.RFC3339))
	case q.QuoteTime.Before(now.Add(-maxQuoteAge)):
		return fmt.Errorf("%w: quote time %s is over a year old", ErrInvalidQuote, q.QuoteTime.UTC().Format(time.RFC3339))
	}
	return nil
}

// ratio is how far apart two positive prices are, as a factor >= 1.
func ratio(a, b float64) float64 {
	if a <= 0 || b <= 0 {
		return 1
	}
	return max(a/b, b/a)
}

// judge decides whether q, valid in itself, may reach the rules now. A
// quote whose price jumped more than jumpRatio from the symbol's reference
// (the last accepted price, else its own previous close), or whose
// previous close is that far from both the last accepted previous close
// and price (a close does not move within a session, and becomes the last
// price across one), is held: it is accepted once another quote agrees
// with it, from the next provider of the same poll or from the next poll;
// until then judge returns an error and the rules see nothing of it.
func (p *Poller) judge(q Quote) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	ref := q.PreviousClose
	last, seen := p.last[q.Symbol]
	if seen && last.Price > 0 {
		ref = last.Price
	}
	jumped := ref > 0 && ratio(q.Price, ref) > jumpRatio
	if seen && q.PreviousClose > 0 && last.PreviousClose > 0 {
		jumped = jumped || ratio(q.PreviousClose, last.PreviousClose) > jumpRatio && ratio(q.PreviousClose, last.Price) > jumpRatio
	}
	held, wasHeld := p.held[q.Symbol]
	switch {
	case !jumped:
		delete(p.held, q.Symbol)
		return nil
	case wasHeld && ratio(held.Price, q.Price) <= agreeRatio && ratio(held.PreviousClose, q.PreviousClose) <= agreeRatio:
		delete(p.held, q.Symbol)
		return nil
	}
	p.held[q.Symbol] = q
	p.m.rejected(q.Symbol, rejectJump)
	return fmt.Errorf("%s: %w: %v is %.0f%% from the last accepted %v; held until the next poll or another source confirms it",
		q.Source, ErrUnconfirmedJump, q.Price, (q.Price/ref-1)*100, ref)
}
