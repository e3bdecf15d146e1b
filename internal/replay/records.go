package replay

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Quote is one line of quotes.jsonl: a quote as a poll would have
// returned it. Quotes with the same time are one poll.
type Quote struct {
	// Time is when the exchange priced the quote (its last trade).
	Time time.Time
	// FetchedAt is when monitord received it; it defaults to Time. The
	// quote is replayed at FetchedAt.
	FetchedAt        time.Time
	Symbol           string
	Price            float64
	PreviousClose    float64
	Volume           int64
	AvgVolume10Day   int64
	AvgVolume3Month  int64
	DayHigh          float64
	DayLow           float64
	FiftyTwoWeekHigh float64
	FiftyTwoWeekLow  float64
	// MarketState is Yahoo's word (PRE, REGULAR, POST, CLOSED, PREPRE,
	// POSTPOST); empty means the exchange calendar's session at Time.
	MarketState string
	// Line is the line in quotes.jsonl.
	Line int
}

// At is when the quote is replayed.
func (q *Quote) At() time.Time { return q.FetchedAt }

type rawQuote struct {
	Time             string  `json:"time"`
	FetchedAt        string  `json:"fetched_at"`
	Symbol           string  `json:"symbol"`
	Price            float64 `json:"price"`
	PreviousClose    float64 `json:"previous_close"`
	Volume           int64   `json:"volume"`
	AvgVolume10Day   int64   `json:"avg_volume_10d"`
	AvgVolume3Month  int64   `json:"avg_volume_3m"`
	DayHigh          float64 `json:"day_high"`
	DayLow           float64 `json:"day_low"`
	FiftyTwoWeekHigh float64 `json:"fifty_two_week_high"`
	FiftyTwoWeekLow  float64 `json:"fifty_two_week_low"`
	MarketState      string  `json:"market_state"`
}

var marketStates = []string{"PRE", "REGULAR", "POST", "CLOSED", "PREPRE", "POSTPOST"}

func (r *rawQuote) check() (Quote, string, error) {
	q := Quote{Symbol: r.Symbol, Price: r.Price, PreviousClose: r.PreviousClose, Volume: r.Volume,
		AvgVolume10Day: r.AvgVolume10Day, AvgVolume3Month: r.AvgVolume3Month, DayHigh: r.DayHigh, DayLow: r.DayLow,
		FiftyTwoWeekHigh: r.FiftyTwoWeekHigh, FiftyTwoWeekLow: r.FiftyTwoWeekLow, MarketState: r.MarketState}
	var err error
	if q.Time, err = parseTime(r.Time, true); err != nil {
		return q, "time", err
	}
	if q.FetchedAt, err = parseTime(r.FetchedAt, false); err != nil {
		return q, "fetched_at", err
	}
	switch {
	case q.FetchedAt.IsZero():
		q.FetchedAt = q.Time
	case q.FetchedAt.Before(q.Time):
		return q, "fetched_at", fmt.Errorf("%s is before the quote's time %s", r.FetchedAt, r.Time)
	}
	if q.Symbol == "" {
		return q, "symbol", errors.New("is required")
	}
	if q.Price <= 0 {
		return q, "price", fmt.Errorf("must be positive, got %v", q.Price)
	}
	for _, f := range []struct {
		key string
		v   float64
	}{
		{"previous_close", q.PreviousClose}, {"volume", float64(q.Volume)},
		{"avg_volume_10d", float64(q.AvgVolume10Day)}, {"avg_volume_3m", float64(q.AvgVolume3Month)},
		{"day_high", q.DayHigh}, {"day_low", q.DayLow},
		{"fifty_two_week_high", q.FiftyTwoWeekHigh}, {"fifty_two_week_low", q.FiftyTwoWeekLow},
	} {
		if err := checkNumber(f.v); err != nil {
			return q, f.key, err
		}
	}
	if q.MarketState != "" && !slices.Contains(marketStates, q.MarketState) {
		return q, "market_state", fmt.Errorf("must be one of %s, got %q", strings.Join(marketStates, ", "), q.MarketState)
	}
	return q, "", nil
}

// Story is one line of stories.jsonl: an entry of a feed, as first seen.
// Stories of one feed with the same time are one poll of that feed.
type Story struct {
	// Time is when monitord first saw the story; it is replayed then.
	Time time.Time
	// Published is when the source says it was published; zero means
	// the source gave no date (Time stands in, as an estimate).
	Published time.Time
	// Feed is the configured feed name; ID the source's own id (RSS
	// guid), optional.
	Feed    string
	ID      string
	Title   string
	Summary string
	Link    string
	// Tickers are the symbols the source attached (native tags).
	Tickers []string
	// Line is the line in stories.jsonl.
	Line int
}

type rawStory struct {
	Time      string   `json:"time"`
	Published string   `json:"published"`
	Feed      string   `json:"feed"`
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Summary   string   `json:"summary"`
	Link      string   `json:"link"`
	Tickers   []string `json:"tickers"`
}

func (r *rawStory) check() (Story, string, error) {
	s := Story{Feed: r.Feed, ID: r.ID, Title: r.Title, Summary: r.Summary, Link: r.Link, Tickers: r.Tickers}
	var err error
	if s.Time, err = parseTime(r.Time, true); err != nil {
		return s, "time", err
	}
	if s.Published, err = parseTime(r.Published, false); err != nil {
		return s, "published", err
	}
	switch {
	case s.Feed == "":
		return s, "feed", errors.New("is required")
	case strings.TrimSpace(s.Title) == "":
		return s, "title", errors.New("is required")
	}
	for i, t := range s.Tickers {
		if strings.TrimSpace(t) == "" {
			return s, fmt.Sprintf("tickers[%d]", i), errors.New("is empty")
		}
	}
	return s, "", nil
}

// Poll is one line of sources.jsonl: the outcome of one poll of a quote or
// news source, for source-health rules. Only these lines say whether a
// source works: quotes and stories alone never count as successful polls.
type Poll struct {
	Time time.Time
	// Source is a configured feed name or "quotes" (the quote poller).
	Source string
	OK     bool
	// Reason says why a failed poll failed (http_503, timeout, ...).
	Reason string
	// Line is the line in sources.jsonl.
	Line int
}

type rawPoll struct {
	Time   string `json:"time"`
	Source string `json:"source"`
	OK     *bool  `json:"ok"`
	Reason string `json:"reason"`
}

func (r *rawPoll) check() (Poll, string, error) {
	p := Poll{Source: r.Source, Reason: r.Reason}
	var err error
	if p.Time, err = parseTime(r.Time, true); err != nil {
		return p, "time", err
	}
	switch {
	case p.Source == "":
		return p, "source", errors.New("is required")
	case r.OK == nil:
		return p, "ok", errors.New("is required (true or false)")
	case *r.OK && p.Reason != "":
		return p, "reason", errors.New("only a failed poll has a reason")
	}
	p.OK = *r.OK
	if !p.OK && p.Reason == "" {
		p.Reason = "error"
	}
	return p, "", nil
}

// checkRepeats refuses two quotes of one symbol in one poll: the history
// keeps one price per symbol and time.
func checkRepeats(quotes []Quote) error {
	seen := map[string]int{}
	for i := range quotes {
		q := &quotes[i]
		k := q.At().String() + "\x00" + q.Symbol
		if prev, ok := seen[k]; ok {
			return &LineError{File: QuotesFile, Line: q.Line, Field: "symbol",
				Err: fmt.Errorf("%s already has a quote fetched at this time (line %d)", q.Symbol, prev)}
		}
		seen[k] = q.Line
	}
	return nil
}
