package rules

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"time"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/tickers"
)

// Price condition names: part of the episode key and the condition id.
const (
	condChange = "change_pct"
	condMove   = "move_pct"
	condAbove  = "above"
	condBelow  = "below"
	condVolume = "volume_ratio"
	condHigh   = "52w_high"
	condLow    = "52w_low"
)

// condition is one price condition of a rule. Each has its own episode,
// so a rule with change_pct and above announces both when both happen.
type condition struct {
	name string
	// params are the thresholds, compared on reload: a changed threshold
	// ends the episode.
	params string
}

func priceConditions(r *config.PriceRule) []condition {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	var out []condition
	if r.ChangePct != nil {
		out = append(out, condition{condChange, f(*r.ChangePct)})
	}
	if r.MovePct != nil {
		out = append(out, condition{condMove, f(*r.MovePct) + "/" + r.Window.String()})
	}
	if r.Above != nil {
		out = append(out, condition{condAbove, f(*r.Above)})
	}
	if r.Below != nil {
		out = append(out, condition{condBelow, f(*r.Below)})
	}
	if r.VolumeRatio != nil {
		out = append(out, condition{condVolume, f(*r.VolumeRatio) + "/" + r.VolumeAverage})
	}
	if r.New52Week {
		out = append(out, condition{condHigh, ""}, condition{condLow, ""})
	}
	return out
}

// quoteData is one quote with what the conditions need beside it.
type quoteData struct {
	q tickers.Quote
	// day is the trading day the quote's price belongs to, in the
	// exchange's time zone.
	day string
	// moves are the moves over each rule window, when the history had
	// two points in it.
	moves map[time.Duration]tickers.Move
	// base is the 52-week range as it stood before day (nil: unknown).
	base *range52
}

// verdict is what a condition says about a quote: known is false when the
// quote lacks the data (no previous close, no average volume, too little
// history), which leaves an open episode as it is.
type verdict struct {
	known, holds bool
	variant      string
	title        string
	reason       string
}

// evaluate judges condition c of rule r on d; open is the condition's
// open episode, whose presence applies the hysteresis.
func evaluate(r *rule, c condition, d *quoteData, open *episode) verdict {
	q, h := d.q, r.HysteresisPct
	sym, px := q.Symbol, money(q.Price, q.Currency)
	isOpen := func(variant string) bool { return open != nil && open.Params == c.params && open.Variant == variant }
	switch c.name {
	case condChange:
		if q.PreviousClose <= 0 {
			return verdict{}
		}
		t, pct := *r.ChangePct, q.ChangePct()
		v := band(pct, t, h, d.day+"/", isOpen)
		v.title = fmt.Sprintf("%s %+.1f%% to %s", sym, pct, px)
		v.reason = fmt.Sprintf("change %+.2f%% vs previous close %s, threshold %g%%", pct, money(q.PreviousClose, q.Currency), t)
		return v
	case condMove:
		m, ok := d.moves[r.Window.D()]
		if !ok {
			return verdict{}
		}
		t, pct := *r.MovePct, m.Ratio*100
		v := band(pct, t, h, "", isOpen)
		v.title = fmt.Sprintf("%s %+.1f%% in %s to %s", sym, pct, r.Window, px)
		v.reason = fmt.Sprintf("moved %+.2f%% from %s at %s, threshold %g%% within %s",
			pct, money(m.From.Price, q.Currency), m.From.Time.UTC().Format("15:04 UTC"), t, r.Window)
		return v
	case condAbove:
		l := *r.Above
		v := verdict{known: true, holds: q.Price >= l || (isOpen("") && q.Price >= l*(1-h/100))}
		v.title = fmt.Sprintf("%s above %s at %s", sym, money(l, q.Currency), px)
		v.reason = fmt.Sprintf("price %s reached the level %s", px, money(l, q.Currency))
		return v
	case condBelow:
		l := *r.Below
		v := verdict{known: true, holds: q.Price <= l || (isOpen("") && q.Price <= l*(1+h/100))}
		v.title = fmt.Sprintf("%s below %s at %s", sym, money(l, q.Currency), px)
		v.reason = fmt.Sprintf("price %s reached the level %s", px, money(l, q.Currency))
		return v
	case condVolume:
		avg, label := q.AvgVolume10Day, "10-day"
		if r.VolumeAverage == "3m" {
			avg, label = q.AvgVolume3Month, "3-month"
		}
		if avg <= 0 || q.Volume <= 0 {
			return verdict{}
		}
		t, ratio := *r.VolumeRatio, float64(q.Volume)/float64(avg)
		v := verdict{known: true, variant: d.day, holds: ratio >= t || (isOpen(d.day) && ratio >= t*(1-h/100))}
		v.title = fmt.Sprintf("%s volume %.1f× the %s average", sym, ratio, label)
		v.reason = fmt.Sprintf("volume %d is %.2f× the %s average %d, threshold %g×", q.Volume, ratio, label, avg, t)
		return v
	case condHigh, condLow:
		if d.base == nil {
			return verdict{}
		}
		level, word := d.base.High, "high"
		beyond := q.Price > level
		if c.name == condLow {
			level, word = d.base.Low, "low"
			beyond = q.Price < level
		}
		if level <= 0 {
			return verdict{}
		}
		// Once a day: the episode lasts the trading day, however often
		// the price crosses the old extreme again.
		v := verdict{known: true, variant: d.day, holds: beyond || isOpen(d.day)}
		v.title = fmt.Sprintf("%s at a new 52-week %s: %s", sym, word, px)
		v.reason = fmt.Sprintf("price %s beyond the previous 52-week %s %s", px, word, money(level, q.Currency))
		return v
	}
	return verdict{}
}

// band judges |value| >= t, direction by direction: an episode opened by a
// move up (variant prefix+"up") holds until the move falls back under
// t - h percentage points (at most halfway to zero), so a value hovering at
// the threshold does not flap.
func band(value, t, h float64, prefix string, isOpen func(string) bool) verdict {
	dir := "up"
	if value < 0 {
		dir = "down"
	}
	v := verdict{known: true, variant: prefix + dir}
	a := math.Abs(value)
	v.holds = a >= t || (isOpen(v.variant) && a >= max(t-h, t/2))
	return v
}

// priceAlert is the firing alert of a price condition on q.
func priceAlert(q tickers.Quote, v verdict) *alert.Alert {
	summary := money(q.Price, q.Currency)
	if q.PreviousClose > 0 {
		summary = fmt.Sprintf("%s, %+.2f%% vs previous close %s", summary, q.ChangePct(), money(q.PreviousClose, q.Currency))
	}
	if q.Name != "" {
		summary = q.Name + ": " + summary
	}
	return &alert.Alert{
		Symbols: []string{q.Symbol},
		Title:   v.title,
		Summary: summary,
		Reason:  v.reason,
		Link:    "https://finance.yahoo.com/quote/" + url.PathEscape(q.Symbol),
		Price: &alert.Price{
			Symbol: q.Symbol, Price: q.Price, PreviousClose: q.PreviousClose, Change: q.Change,
			ChangePct: q.ChangePct(), Currency: q.Currency, Volume: q.Volume, At: q.QuoteTime.UTC(),
		},
	}
}

// cleared is the summary of a resolved price alert.
func cleared(q tickers.Quote) string {
	s := "Cleared at " + money(q.Price, q.Currency)
	if q.PreviousClose > 0 {
		s += fmt.Sprintf(" (%+.2f%% vs previous close)", q.ChangePct())
	}
	return s
}

// money formats a price: "$24.10" in dollars, "1.2350 AUD" otherwise, with
// four decimals under one unit.
func money(v float64, currency string) string {
	prec := 2
	if v < 1 {
		prec = 4
	}
	if currency == "" || currency == "USD" {
		return "$" + strconv.FormatFloat(v, 'f', prec, 64)
	}
	return strconv.FormatFloat(v, 'f', prec, 64) + " " + currency
}
