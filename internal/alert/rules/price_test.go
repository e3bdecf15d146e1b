package rules

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/monitord/monitord/internal/tickers"
)

// step is one moment of a scripted quote sequence for MP.
type step struct {
	after time.Duration // since t0: the clock and the quote time
	price float64       // 0: the poll has no quote for MP
	skip  bool          // the poll was skipped
	state string        // market state; REGULAR when empty
	mod   func(q *tickers.Quote)
	want  []string // what this step enqueued
}

// run plays steps against the rig, previous close 100.
func (r *rig) run(steps []step) {
	r.t.Helper()
	for i, s := range steps {
		at := t0.Add(s.after)
		r.clock.Set(at)
		switch {
		case s.skip:
			if err := r.e.OnQuotes(context.Background(), tickers.Result{Skipped: true, Reason: "market closed"}); err != nil {
				r.t.Fatalf("step %d: OnQuotes: %v", i, err)
			}
		case s.price == 0:
			r.poll(quote("TMQ", 1.5, 1.5, at))
		default:
			q := quote("MP", s.price, 100, at)
			if s.state != "" {
				q.MarketState = s.state
			}
			if s.mod != nil {
				s.mod(&q)
			}
			r.poll(q)
		}
		want := s.want
		if want == nil {
			want = []string{}
		}
		if diff := cmp.Diff(want, lines(r.rec.take())); diff != "" {
			r.t.Fatalf("step %d (+%s, price %g): alerts differ (-want +got):\n%s", i, s.after, s.price, diff)
		}
	}
}

func TestPriceRules(t *testing.T) {
	const day = 24 * time.Hour
	m := time.Minute
	vol := func(v int64) func(q *tickers.Quote) {
		return func(q *tickers.Quote) { q.Volume, q.AvgVolume10Day = v, 1_000_000 }
	}
	range52 := func(high, dayHigh float64) func(q *tickers.Quote) {
		return func(q *tickers.Quote) { q.FiftyTwoWeekHigh, q.DayHigh = high, dayHigh }
	}
	for _, tc := range []struct {
		name, rules string
		steps       []step
		suppressed  map[string]float64
	}{{
		name: "change_pct hovering at the threshold fires once, resolves past the hysteresis",
		rules: `
  - {name: big-move, type: price, change_pct: 5, receivers: [hook]}`,
		steps: []step{
			{after: 0, price: 104},
			{after: 1 * m, price: 105.5, want: []string{"firing MP +5.5% to $105.50 [hook]"}},
			{after: 2 * m, price: 104.8},
			{after: 3 * m, price: 105.2},
			{after: 4 * m, price: 104.6},
			{after: 5 * m, price: 104.4, want: []string{"resolved MP +5.5% to $105.50 [hook]"}},
			{after: 6 * m, price: 105.1, want: []string{"firing MP +5.1% to $105.10 [hook]"}},
			// The other direction is another episode.
			{after: 7 * m, price: 94, want: []string{"resolved MP +5.1% to $105.10 [hook]", "firing MP -6.0% to $94.00 [hook]"}},
		},
		suppressed: map[string]float64{"repeat": 3},
	}, {
		name: "above: hovering at the level never flaps",
		rules: `
  - {name: level, type: price, above: 30, hysteresis_pct: 1, receivers: [hook]}`,
		steps: []step{
			{after: 0, price: 29.5},
			{after: 1 * m, price: 30, want: []string{"firing MP above $30.00 at $30.00 [hook]"}},
			{after: 2 * m, price: 29.8},
			{after: 3 * m, price: 30.2},
			{after: 4 * m, price: 29.75},
			{after: 5 * m, price: 29.6, want: []string{"resolved MP above $30.00 at $30.00 [hook]"}},
			{after: 6 * m, price: 30.1, want: []string{"firing MP above $30.00 at $30.10 [hook]"}},
		},
	}, {
		name: "below, with a gap over the level between polls",
		rules: `
  - {name: floor, type: price, below: 20, receivers: [hook]}`,
		steps: []step{
			{after: 0, price: 23},
			{after: 1 * m, price: 17, want: []string{"firing MP below $20.00 at $17.00 [hook]"}},
			{after: 2 * m, price: 20.05},
			{after: 3 * m, price: 25, want: []string{"resolved MP below $20.00 at $17.00 [hook]"}},
		},
	}, {
		name: "skipped polls and missing quotes do not clear",
		rules: `
  - {name: level, type: price, above: 30, receivers: [hook]}`,
		steps: []step{
			{after: 0, price: 28},
			{after: 1 * m, price: 33, want: []string{"firing MP above $30.00 at $33.00 [hook]"}},
			{after: 2 * m, skip: true},
			{after: 3 * m},
			{after: 3 * time.Hour},
			{after: 3*time.Hour + m, price: 31},
			{after: 3*time.Hour + 2*m, price: 29, want: []string{"resolved MP above $30.00 at $33.00 [hook]"}},
		},
	}, {
		name: "repeat_interval re-sends while the condition holds",
		rules: `
  - {name: big-move, type: price, change_pct: 5, repeat_interval: 30m, receivers: [hook]}`,
		steps: []step{
			{after: 0, price: 106, want: []string{"firing MP +6.0% to $106.00 [hook]"}},
			{after: 10 * m, price: 106},
			{after: 31 * m, price: 107, want: []string{"firing MP +7.0% to $107.00 repeat=1 [hook]"}},
			{after: 45 * m, price: 106},
			{after: 61 * m, price: 106, want: []string{"firing MP +6.0% to $106.00 repeat=2 [hook]"}},
			{after: 62 * m, price: 100, want: []string{"resolved MP +6.0% to $106.00 [hook]"}},
		},
		suppressed: map[string]float64{"repeat": 2},
	}, {
		name: "cooldown holds a new episode back until it expires",
		rules: `
  - {name: big-move, type: price, change_pct: 5, cooldown: 1h, receivers: [hook]}`,
		steps: []step{
			{after: 0, price: 106, want: []string{"firing MP +6.0% to $106.00 [hook]"}},
			{after: 10 * m, price: 100, want: []string{"resolved MP +6.0% to $106.00 [hook]"}},
			{after: 20 * m, price: 106},
			{after: 50 * m, price: 107},
			{after: 61 * m, price: 106.5, want: []string{"firing MP +6.5% to $106.50 [hook]"}},
			{after: 62 * m, price: 106.5},
			// Never announced episodes end silently.
			{after: 63 * m, price: 100, want: []string{"resolved MP +6.5% to $106.50 [hook]"}},
			{after: 70 * m, price: 106},
			{after: 71 * m, price: 100},
		},
		suppressed: map[string]float64{"cooldown": 3, "repeat": 1},
	}, {
		name: "market_hours_only neither fires nor clears outside the session",
		rules: `
  - {name: big-move, type: price, change_pct: 5, market_hours_only: true, receivers: [hook]}`,
		steps: []step{
			{after: 0, price: 106, state: tickers.MarketStatePre},
			{after: 1 * m, price: 106, want: []string{"firing MP +6.0% to $106.00 [hook]"}},
			{after: 2 * m, price: 100, state: tickers.MarketStatePost},
			{after: 3 * m, price: 100, want: []string{"resolved MP +6.0% to $106.00 [hook]"}},
		},
		suppressed: map[string]float64{"market_closed": 1},
	}, {
		name: "move_pct over a window, from the history",
		rules: `
  - {name: fast, type: price, move_pct: 3, window: 15m, receivers: [hook]}`,
		steps: []step{
			{after: 0, price: 100},
			{after: 5 * m, price: 101},
			{after: 10 * m, price: 103.5, want: []string{"firing MP +3.5% in 15m to $103.50 [hook]"}},
			{after: 20 * m, price: 103.6},
			{after: 26 * m, price: 103.6, want: []string{"resolved MP +3.5% in 15m to $103.50 [hook]"}},
			{after: 30 * m, price: 100.2, want: []string{"firing MP -3.3% in 15m to $100.20 [hook]"}},
		},
	}, {
		name: "volume_ratio once a trading day",
		rules: `
  - {name: volume, type: price, volume_ratio: 2, receivers: [hook]}`,
		steps: []step{
			{after: 0, price: 100, mod: vol(1_500_000)},
			{after: 1 * m, price: 100, mod: vol(2_100_000), want: []string{"firing MP volume 2.1× the 10-day average [hook]"}},
			{after: 2 * m, price: 100, mod: vol(2_500_000)},
			{after: day, price: 100, mod: vol(300_000), want: []string{"resolved MP volume 2.1× the 10-day average [hook]"}},
			{after: day + m, price: 100, mod: vol(2_000_000), want: []string{"firing MP volume 2.0× the 10-day average [hook]"}},
		},
	}, {
		name: "new 52-week high once a day, against the high before the day",
		rules: `
  - {name: high, type: price, new_52_week: true, receivers: [hook]}`,
		steps: []step{
			{after: 0, price: 29, mod: range52(30, 29)},
			// Yahoo's own 52-week high already includes the new price.
			{after: 1 * m, price: 31, mod: range52(31, 31), want: []string{"firing MP at a new 52-week high: $31.00 [hook]"}},
			{after: 2 * m, price: 29.5, mod: range52(31, 31)},
			{after: 3 * m, price: 31.5, mod: range52(31.5, 31.5)},
			{after: day, price: 31.2, mod: range52(31.5, 31.2), want: []string{"resolved MP at a new 52-week high: $31.00 [hook]"}},
			{after: day + m, price: 32, mod: range52(32, 32), want: []string{"firing MP at a new 52-week high: $32.00 [hook]"}},
		},
	}, {
		name: "each condition of a rule is its own episode",
		rules: `
  - {name: both, type: price, change_pct: 5, above: 104, receivers: [hook]}`,
		steps: []step{
			{after: 0, price: 104.5, want: []string{"firing MP above $104.00 at $104.50 [hook]"}},
			{after: 1 * m, price: 106, want: []string{"firing MP +6.0% to $106.00 [hook]"}},
		},
	}, {
		name: "the tickers filter",
		rules: `
  - {name: tmq-only, type: price, change_pct: 5, tickers: [TMQ], receivers: [hook]}`,
		steps: []step{
			{after: 0, price: 110},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.rules)
			r.run(tc.steps)
			for reason, want := range tc.suppressed {
				if got := r.suppressed(r.cfg.Rules[0].Name, reason); got != want {
					t.Errorf("suppressed{reason=%q}: got %g, want %g", reason, got, want)
				}
			}
		})
	}
}
