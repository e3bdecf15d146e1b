package impact

import (
	"time"
)

// Target and window states, the status fields of the events API.
const (
	// StatusPending: the price is not known yet (the time has not come, or
	// quotes are still expected within the tolerance).
	StatusPending = "pending"
	// StatusMeasured: a price was observed at or shortly after the time.
	StatusMeasured = "measured"
	// StatusNoData: no quote and no chart bar exists within the tolerance;
	// the horizon stays unmeasured rather than guessed.
	StatusNoData = "no_data"

	// StatusComplete: every target of a window is measured or no_data.
	StatusComplete = "complete"
	// StatusNoReference: the reference price could not be observed, so no
	// move can be given.
	StatusNoReference = "no_reference"
)

// Horizon kinds.
const (
	KindOffset   = "offset"    // a delay after the reference time (5m, 15m, 1h)
	KindClose    = "close"     // the close of the reference session
	KindNextOpen = "next_open" // the first regular open after the reference
)

// Where a price came from.
const (
	SourceHistory = "history" // the stored quote history
	SourceChart   = "chart"   // chart bars fetched after the fact
)

// Event is one matched story and what the market did after it, for every
// ticker it concerns: a row of GET /api/v1/events and of Engine.Rows.
type Event struct {
	// ID is the story id internal/feeds derives from the content.
	ID    string `json:"id"`
	Title string `json:"title"`
	Link  string `json:"link,omitempty"`
	// Time is when the story came out: its publication time, or when
	// monitord first saw it if the source gave no plausible date
	// (TimeEstimated). Moves are measured from here.
	Time          time.Time `json:"time"`
	TimeEstimated bool      `json:"time_estimated,omitempty"`
	FirstSeen     time.Time `json:"first_seen"`
	// Sources are the feeds that carried the story; Tickers the symbols it
	// concerns; Groups and Terms the keyword groups and terms that matched.
	Sources []string `json:"sources"`
	// Sightings say when monitord first saw the story in each of its
	// feeds, the first first: how early each source had it. Read from
	// the story's record when events are served, so they include the
	// feeds that carried it after its window opened.
	Sightings []Sighting `json:"sightings,omitempty"`
	Tickers   []string   `json:"tickers"`
	// WatchlistWide marks a story about no watched ticker that matched
	// one of impact.watchlist_groups: its impact is measured on the whole
	// watchlist and the benchmark.
	WatchlistWide bool     `json:"watchlist_wide,omitempty"`
	Groups        []string `json:"groups"`
	Terms         []string `json:"terms"`
	// Impacts holds one measurement window per ticker, in ticker order.
	Impacts []Impact `json:"impacts"`
}

// Sighting is one feed's first sight of a story.
type Sighting struct {
	Source    string    `json:"source"`
	FirstSeen time.Time `json:"first_seen"`
}

// Impact is the measurement window of one story on one ticker.
type Impact struct {
	Ticker string `json:"ticker"`
	// Benchmark is the symbol whose move is subtracted (impact.benchmark
	// when the window opened); empty when none is configured or the
	// ticker is the benchmark itself.
	Benchmark string `json:"benchmark,omitempty"`
	// AfterHours is set when the story came out while the regular session
	// was closed: the reference is then the next regular open.
	AfterHours bool `json:"after_hours"`
	// Status is pending, complete or no_reference.
	Status string `json:"status"`
	// Reference is the price moves are measured from.
	Reference Measure `json:"reference"`
	// Horizons are the later prices, in the configured order.
	Horizons []Horizon `json:"horizons"`
}

// Measure is a price of the ticker (and of the benchmark) at one time.
type Measure struct {
	// At is when the price is taken.
	At time.Time `json:"at"`
	// Status is pending, measured or no_data.
	Status string `json:"status"`
	// Price is the ticker's price, and PriceTime the time of the quote or
	// chart bar it came from (at or shortly after At, or a quote at or
	// before At that was still current at At).
	Price     float64   `json:"price,omitempty"`
	PriceTime time.Time `json:"price_time,omitzero"`
	// Source is history or chart; Late is set when the price was filled
	// after the tolerance had passed (after a restart or an outage).
	Source string `json:"source,omitempty"`
	Late   bool   `json:"late,omitempty"`
	// BenchmarkPrice is the benchmark's price at At. BenchmarkMissing is
	// set when a benchmark is configured but had no price: the horizon's
	// move is then raw only.
	BenchmarkPrice     *float64  `json:"benchmark_price,omitempty"`
	BenchmarkPriceTime time.Time `json:"benchmark_price_time,omitzero"`
	BenchmarkMissing   bool      `json:"benchmark_missing,omitempty"`
}

// Horizon is one measured point after the reference.
type Horizon struct {
	// Name is the horizon's label: the configured duration ("5m", "1h"),
	// "close" or "next_open". It is the horizon label of the metrics.
	Name string `json:"name"`
	// Kind is offset, close or next_open.
	Kind string `json:"kind"`
	// AtClose is set for an offset horizon that falls outside the regular
	// session: its price is taken at the session's close, since the
	// regular price does not move until the next open.
	AtClose bool `json:"at_close,omitempty"`
	Measure
	// MovePct is the ticker's move from the reference in percent;
	// BenchmarkMovePct the benchmark's over the same span; AbnormalPct
	// their difference. Absent until measured, and the benchmark ones when
	// the benchmark has no price.
	MovePct          *float64 `json:"move_pct,omitempty"`
	BenchmarkMovePct *float64 `json:"benchmark_move_pct,omitempty"`
	AbnormalPct      *float64 `json:"abnormal_pct,omitempty"`
}

// effectiveMove is the move the impact rule and the histogram use: the
// abnormal move when there is one, else the raw move when no benchmark
// applies. ok is false while unmeasured; raw is set when the raw move
// stands in for a configured benchmark that had no price.
func (h *Horizon) effectiveMove() (move float64, raw, ok bool) {
	switch {
	case h.MovePct == nil:
		return 0, false, false
	case h.AbnormalPct != nil:
		return *h.AbnormalPct, false, true
	}
	return *h.MovePct, h.BenchmarkMissing, true
}
