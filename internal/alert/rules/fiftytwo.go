package rules

import (
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/tickers"
)

// range52 is a symbol's 52-week range as it stood before a trading day,
// and the extremes seen during that day, stored under prefix52w + symbol.
//
// A new 52-week high is a price above the high as it was before today: the
// quote's own FiftyTwoWeekHigh may already include today's trading (then
// the price can never exceed it), so the baseline of a day is taken from
// the previous day's observations: the highest of its 52-week highs, day
// highs and prices. Only the first day a symbol is seen falls back to the
// quote's own figures.
type range52 struct {
	// Day is the trading day (YYYY-MM-DD, exchange time) of the Seen
	// figures; High and Low are the baseline for Day.
	Day      string  `json:"day"`
	High     float64 `json:"high"`
	Low      float64 `json:"low"`
	SeenHigh float64 `json:"seen_high"`
	SeenLow  float64 `json:"seen_low"`
}

// observe52 folds q (of trading day day) into the symbol's range and
// returns the baseline for day, or nil for a quote older than the stored
// day.
func observe52(tx *store.Tx, q tickers.Quote, day string) (*range52, error) {
	b := bucket(tx)
	k := key(prefix52w, q.Symbol)
	var r range52
	had := getJSON(b, k, &r)
	old := r
	switch {
	case !had:
		r = range52{Day: day, High: q.FiftyTwoWeekHigh, Low: q.FiftyTwoWeekLow}
	case day < r.Day:
		return nil, nil
	case day > r.Day:
		high, low := r.SeenHigh, r.SeenLow
		if high <= 0 {
			high = q.FiftyTwoWeekHigh
		}
		if low <= 0 {
			low = q.FiftyTwoWeekLow
		}
		r = range52{Day: day, High: high, Low: low}
	}
	for _, v := range []float64{q.FiftyTwoWeekHigh, q.DayHigh, q.Price} {
		if v > r.SeenHigh {
			r.SeenHigh = v
		}
	}
	for _, v := range []float64{q.FiftyTwoWeekLow, q.DayLow, q.Price} {
		if v > 0 && (r.SeenLow <= 0 || v < r.SeenLow) {
			r.SeenLow = v
		}
	}
	if !had || r != old {
		if err := putJSON(b, k, r); err != nil {
			return nil, err
		}
	}
	return &r, nil
}
