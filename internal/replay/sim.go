package replay

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/alert/rules"
	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/feeds/match"
	"github.com/monitord/monitord/internal/pipeline"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/tickers"
)

// tickEvery is the period of the daemon's tick job (internal/app).
const tickEvery = time.Minute

// quoteSource is the Source of replayed quotes in the history.
const quoteSource = "replay"

// Kinds of events; at one instant they play in this order.
const (
	kindQuotes = iota
	kindStories
	kindPoll
)

// group is what one poll returned: quotes with one fetch time, stories of
// one feed first seen at one time, or one source poll outcome.
type group struct {
	at      time.Time
	kind    int
	quotes  []Quote
	stories []Story
	poll    *Poll
}

// merge turns a recording into polls in time order.
func merge(rec *Recording) []group {
	var out []group
	for i := 0; i < len(rec.Quotes); {
		j := i + 1
		for j < len(rec.Quotes) && rec.Quotes[j].At().Equal(rec.Quotes[i].At()) {
			j++
		}
		out = append(out, group{at: rec.Quotes[i].At(), kind: kindQuotes, quotes: rec.Quotes[i:j]})
		i = j
	}
	for i := 0; i < len(rec.Stories); {
		j := i + 1
		for j < len(rec.Stories) && rec.Stories[j].Time.Equal(rec.Stories[i].Time) {
			j++
		}
		// One poll per feed, in the order the feeds first appear.
		var feedsAt []string
		byFeed := map[string][]Story{}
		for _, s := range rec.Stories[i:j] {
			if _, ok := byFeed[s.Feed]; !ok {
				feedsAt = append(feedsAt, s.Feed)
			}
			byFeed[s.Feed] = append(byFeed[s.Feed], s)
		}
		for _, f := range feedsAt {
			out = append(out, group{at: rec.Stories[i].Time, kind: kindStories, stories: byFeed[f]})
		}
		i = j
	}
	for i := range rec.Polls {
		out = append(out, group{at: rec.Polls[i].Time, kind: kindPoll, poll: &rec.Polls[i]})
	}
	slices.SortStableFunc(out, func(a, b group) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.kind - b.kind
	})
	return out
}

// configured drops the quotes of symbols the configuration does not poll
// (neither a ticker nor the benchmark) and the outcomes of sources it does
// not have: the daemon would never see them. What it drops is counted in
// stats, so a misspelt symbol shows in the report.
func configured(cfg *config.Config, rec *Recording, stats *Stats) *Recording {
	symbols := map[string]bool{}
	for _, t := range cfg.Tickers {
		symbols[t.Symbol] = true
	}
	if cfg.Impact.Benchmark != "" {
		symbols[cfg.Impact.Benchmark] = true
	}
	sources := map[string]bool{rules.SourceQuotes: true}
	for _, f := range cfg.Feeds {
		sources[f.Name] = true
	}
	out := &Recording{Stories: rec.Stories}
	for _, q := range rec.Quotes {
		if symbols[q.Symbol] {
			out.Quotes = append(out.Quotes, q)
			continue
		}
		stats.IgnoredQuotes++
		if !slices.Contains(stats.IgnoredSymbols, q.Symbol) {
			stats.IgnoredSymbols = append(stats.IgnoredSymbols, q.Symbol)
		}
	}
	for _, p := range rec.Polls {
		if sources[p.Source] {
			out.Polls = append(out.Polls, p)
			continue
		}
		stats.IgnoredPolls++
		if !slices.Contains(stats.IgnoredSources, p.Source) {
			stats.IgnoredSources = append(stats.IgnoredSources, p.Source)
		}
	}
	slices.Sort(stats.IgnoredSymbols)
	slices.Sort(stats.IgnoredSources)
	return out
}

// sim is one replay: the pipeline, the scratch store and the simulated
// clock. It runs on one goroutine; the engines call clock from it.
type sim struct {
	cfg *config.Config
	st  *store.Store
	log *zap.Logger

	cal     *tickers.Calendar
	hist    *tickers.History
	matcher *match.Matcher
	pipe    *pipeline.Pipeline

	// now is the simulated time; nextTick the next minute to tick.
	now, nextTick time.Time
	// seen is when each story id was first seen, to fold repeats.
	seen map[string]time.Time
	res  *Result
}

func (s *sim) clock() time.Time { return s.now }

// play runs every group at its time, ticking every simulated minute in
// between (ticks due at a group's instant run after it), then ticks on to
// until.
func (s *sim) play(ctx context.Context, groups []group, until time.Time) error {
	for _, g := range groups {
		if err := s.tickBefore(ctx, g.at, false); err != nil {
			return err
		}
		s.now = g.at
		var err error
		switch g.kind {
		case kindQuotes:
			err = s.onQuotes(ctx, g.quotes)
		case kindStories:
			err = s.onStories(ctx, g.stories)
		case kindPoll:
			p := g.poll
			s.res.Stats.Polls++
			if err = s.pipe.ObserveSource(p.Source, p.OK, p.Reason, p.Time); err != nil {
				err = fmt.Errorf("%s:%d: source health: %w", SourcesFile, p.Line, err)
			}
		}
		if err != nil {
			return err
		}
	}
	return s.tickBefore(ctx, until, true)
}

// tickBefore ticks every minute before t (and at t when inclusive).
func (s *sim) tickBefore(ctx context.Context, t time.Time, inclusive bool) error {
	for s.nextTick.Before(t) || (inclusive && s.nextTick.Equal(t)) {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.now = s.nextTick
		if err := s.pipe.Tick(ctx, s.now); err != nil {
			return fmt.Errorf("tick at %s: %w", s.now.Format(time.RFC3339), err)
		}
		s.nextTick = s.nextTick.Add(tickEvery)
	}
	return nil
}

// onQuotes does what a quote poll and the pipeline do with its result:
// append the quotes to the history, then evaluate the price rules and
// measure news impact.
func (s *sim) onQuotes(ctx context.Context, qs []Quote) error {
	res := tickers.Result{Session: s.cal.Session(s.now), Errors: map[string]error{}}
	for _, r := range qs {
		q := tickers.Quote{
			Symbol: r.Symbol, Price: r.Price, PreviousClose: r.PreviousClose, Volume: r.Volume,
			AvgVolume10Day: r.AvgVolume10Day, AvgVolume3Month: r.AvgVolume3Month, DayHigh: r.DayHigh, DayLow: r.DayLow,
			FiftyTwoWeekHigh: r.FiftyTwoWeekHigh, FiftyTwoWeekLow: r.FiftyTwoWeekLow, MarketState: r.MarketState,
			QuoteTime: r.Time, FetchedAt: r.FetchedAt, Source: quoteSource,
		}
		if q.PreviousClose > 0 {
			q.Change = q.Price - q.PreviousClose
			q.ChangeRatio = q.Change / q.PreviousClose
		}
		if q.MarketState == "" {
			q.MarketState = s.cal.Session(q.QuoteTime).MarketState()
		}
		res.Quotes = append(res.Quotes, q)
	}
	s.res.Stats.Quotes += len(qs)
	s.res.Stats.QuotePolls++
	where := fmt.Sprintf("%s:%d", QuotesFile, qs[0].Line)
	if err := s.hist.Append(res.Quotes...); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if err := s.pipe.OnQuotes(ctx, res); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

// onStories does what a feed poll and the pipeline do with new stories:
// normalise, identify and match them as internal/feeds does, fold a story
// seen again within news.dedup_window, drop stories older than
// news.max_item_age, then evaluate the news rules and open impact windows.
func (s *sim) onStories(ctx context.Context, recs []Story) error {
	var fresh []feeds.Story
	for _, r := range recs {
		s.res.Stats.Stories++
		st := feeds.NewStory(feeds.Item{Feed: r.Feed, ID: r.ID, Title: r.Title, Summary: r.Summary, Link: r.Link,
			Published: r.Published, Tickers: r.Tickers}, r.Time, s.matcher)
		if first, ok := s.seen[st.ID]; ok && r.Time.Sub(first) <= s.cfg.News.DedupWindow.D() {
			s.res.Stats.Duplicates++
			continue
		}
		s.seen[st.ID] = r.Time
		if !st.PublishedEstimated && r.Time.Sub(st.Published) > s.cfg.News.MaxItemAge.D() {
			s.res.Stats.TooOld++
			continue
		}
		if st.Matched() {
			s.res.Stats.Matched++
		}
		fresh = append(fresh, st)
	}
	if err := s.pipe.OnStories(ctx, fresh); err != nil {
		return fmt.Errorf("%s:%d: %w", StoriesFile, recs[0].Line, err)
	}
	return nil
}
