package feeds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/upstream"
)

// Source is one configured feed: every URL it renders, its schedule, its
// fetch limits and its state. The scheduler calls Poll; Poll is safe to
// call concurrently (calls run one at a time).
type Source struct {
	svc     *Service
	feed    config.Feed
	parse   bodyParser
	targets []target
	ua      string
	client  *http.Client
	timeout time.Duration
	maxBody int64
	log     *zap.Logger

	// mu serialises polls: state is read at the start of a poll and
	// written at its end.
	mu sync.Mutex
	// state and urls hold what this source last read or committed of its
	// feed's and its URLs' state (nil or absent: read the store). Only the
	// source writes that state, one poll at a time (mu, and across reloads
	// the scheduler's per-job guard), so they equal what the store holds
	// (but for a LastSuccess not yet stored, see saveState) and a poll of
	// an unchanged feed reads nothing from it. A failed commit drops the
	// entry. Guarded by mu.
	state *feedState
	urls  map[string]urlState
	// freshUntil is when each URL's last answer stops being fresh by its
	// Cache-Control or Expires; it is not asked before. In memory only: a
	// restart asks again, and a fresh answer commits nothing.
	freshUntil map[string]time.Time
	// pace is the adaptive schedule of an "@every" feed, nil otherwise.
	pace *adaptive
	// storedSuccess is the LastSuccess the store holds. Guarded by mu.
	storedSuccess time.Time
	// live is the feed's latest state, for Health; nil before the first
	// poll.
	live atomic.Pointer[feedState]
	// warnedCut is set once a body longer than maxItemsPerBody has been
	// logged, so the warning comes once per feed, not every poll. Guarded
	// by mu.
	warnedCut bool
	// previousIssue is the last public inspection issue logged as a
	// previous day's (federal_register feeds). Guarded by mu.
	previousIssue string
}

// target is one URL of a feed: the feed's URL, or one rendering of a
// per_ticker template.
type target struct {
	url string
	// shown is url fit for a log line or an error: without credentials.
	shown string
	// symbol is the ticker the URL was rendered for ("" for plain feeds).
	symbol string
}

// Name is the feed's configured name.
func (s *Source) Name() string { return s.feed.Name }

// Schedule is the feed's cron spec (feeds[].schedule, or news.schedule),
// to be parsed with config.ParseSchedule in the configured time zone.
func (s *Source) Schedule() string {
	if s.pace != nil {
		return s.pace.spec()
	}
	return s.feed.Schedule
}

// Timeout bounds one Poll: every URL's fetch timeout plus the politeness
// spacing between them. Use it as the scheduled job's timeout.
func (s *Source) Timeout() time.Duration {
	n := time.Duration(max(len(s.targets), 1))
	return n*(s.timeout+time.Second) + 5*time.Second
}

// Poll fetches every URL of the feed once and returns the stories that are
// new: not seen before from any source, not older than news.max_item_age,
// and not from a URL's first (priming) poll. Matched and unmatched stories
// are both returned, oldest first; Story.Matched tells them apart. It is
// PollStream with the stories collected, for callers that want them at
// the end (`monitord once`, tests).
func (s *Source) Poll(ctx context.Context) ([]Story, error) {
	var all []Story
	err := s.PollStream(ctx, func(_ context.Context, stories []Story) { all = append(all, stories...) })
	slices.SortStableFunc(all, func(a, b Story) int { return a.Published.Compare(b.Published) })
	return all, err
}

// PollStream fetches every URL of the feed once and hands each URL's new
// stories (as Poll defines them, oldest first) to emit as soon as that URL
// is parsed and recorded, so a story found on the second of two thousand
// per-ticker URLs reaches the rules without waiting for the round to end.
// emit runs on the polling goroutine, one URL at a time.
//
// A matched story stays pending until the caller marks it Handled, so a
// crash before the story was evaluated does not lose it (see Unhandled).
//
// A URL that fails does not stop the others. After a 429 or 5xx the URLs
// of the same host are not asked for the rest of the round (a 429 also
// pauses the host for every caller), the URLs of other hosts are, and the
// feed backs off: later polls return nothing until the backoff passes,
// each skip counted. The error joins the failures, each an
// *upstream.Error carrying a reason; it is ErrSkipped when nothing was
// asked. Failures are already counted and logged (a warning only when a
// URL's reason changes), so callers need not log them again above Debug.
//
// A feed scheduled "@every" two minutes or more is ticked more often and
// polled when due (see adaptive); at the ticks in between PollStream
// returns ErrNotDue.
func (s *Source) PollStream(ctx context.Context, emit func(ctx context.Context, stories []Story)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, m := s.feed.Name, s.svc.metrics
	start := s.svc.now()
	if s.pace != nil && start.Before(s.pace.due) {
		return ErrNotDue
	}
	fs, err := s.loadState()
	if err != nil {
		return fmt.Errorf("feed %q: load state: %w", name, err)
	}
	if now := s.svc.now(); now.Before(fs.BackoffUntil) {
		m.pollSkips.WithLabelValues(name, skipBackoff).Inc()
		s.log.Debug("Skipping poll during backoff", zap.Time("until", fs.BackoffUntil))
		return ErrSkipped
	}

	var (
		errs []error
		// retry is the 429 or 5xx that makes the feed back off, at
		// retryURL; stopped are the hosts not asked again this round.
		retry    *upstream.Error
		retryURL string
		stopped  = map[string]bool{}
		asked    bool
		fresh    bool // a URL brought new stories
	)
	if s.pace != nil {
		defer func() { s.pace.next(start, fresh, len(errs) > 0) }()
	}
	for _, t := range s.targets {
		if ctx.Err() != nil {
			break
		}
		host := upstream.Key(t.url)
		if stopped[host] {
			continue
		}
		got, err := s.pollURL(ctx, t)
		fresh = fresh || len(got) > 0
		if len(got) > 0 {
			slices.SortStableFunc(got, func(a, b Story) int { return a.Published.Compare(b.Published) })
			emit(ctx, got)
		}
		if errors.Is(err, upstream.ErrBackingOff) {
			stopped[host] = true // paused for every caller: not asked, not failed
			continue
		}
		asked = true
		if err == nil {
			continue
		}
		errs = append(errs, err)
		if e := upstream.AsError(err); e != nil && e.Throttled() {
			stopped[host] = true
			if retry == nil {
				retry, retryURL = e, t.url
			}
		}
	}
	if !asked {
		// Every host of this feed is paused: neither a success nor a
		// failure of the feed.
		m.pollSkips.WithLabelValues(name, skipHostBackoff).Inc()
		s.log.Debug("Skipping poll: the host is backing off")
		return ErrSkipped
	}
	s.settle(&fs, errs, retry, retryURL, errors.Is(ctx.Err(), context.Canceled))
	if err := s.saveState(fs); err != nil {
		errs = append(errs, fmt.Errorf("save state: %w", err))
	}
	m.failures.WithLabelValues(name).Set(float64(fs.Failures))
	if !fs.LastSuccess.IsZero() {
		m.lastSuccess.WithLabelValues(name).Set(float64(fs.LastSuccess.UnixNano()) / 1e9)
	}
	s.svc.maybePrune()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("feed %q: %w", name, err)
	}
	return nil
}

// feedBackoff is how a feed backs off after consecutive 429s and 5xx: from
// a minute, doubling to an hour, never sooner than the Retry-After.
var feedBackoff = upstream.Policy{Min: time.Minute, Max: time.Hour}

// settle updates the feed's failure count and backoff after a poll. A 429
// pauses the host that answered it for every caller as long as this feed
// backs off, so the other feeds on that host wait too (rate limits are the
// client's, not the URL's), and unrelated hosts do not. A 5xx pauses only
// this feed (and its host when it says Retry-After, see upstream): one
// broken feed path must not silence the healthy feeds of its site.
func (s *Source) settle(fs *feedState, errs []error, retry *upstream.Error, retryURL string, canceled bool) {
	now := s.svc.now()
	switch {
	case len(errs) == 0:
		fs.Failures, fs.Retryable, fs.LastSuccess = 0, 0, now
		fs.BackoffUntil = time.Time{}
	case canceled:
		// Shutdown or reload: not the source's fault.
	default:
		fs.Failures++
		if retry == nil {
			fs.Retryable = 0
			return
		}
		fs.Retryable++
		d := feedBackoff.Delay(fs.Retryable, retry.RetryAfter, s.svc.jitter())
		fs.BackoffUntil = now.Add(d)
		if retry.Reason == upstream.ReasonRateLimited {
			s.svc.fetcher.hosts.Pause(retryURL, fs.BackoffUntil, retry.Reason)
		}
		log := s.log.Debug
		if fs.Retryable == 1 {
			log = s.log.Warn // entering backoff; its growth is Debug
		}
		log("Backing off", zap.Duration("for", d), zap.Int("failures", fs.Retryable), zap.NamedError("err", retry))
	}
}

// pollURL fetches, parses and records one URL.
func (s *Source) pollURL(ctx context.Context, t target) ([]Story, error) {
	name, m, st := s.feed.Name, s.svc.metrics, s.svc.store
	if s.svc.now().Before(s.freshUntil[t.url]) {
		m.fetches.WithLabelValues(name, resultFresh).Inc()
		return nil, nil // the last answer cannot have changed yet
	}
	us, err := s.loadURL(t.url)
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	resp, meta, err := s.svc.fetcher.fetch(ctx, fetchRequest{
		client: s.client, url: t.url, userAgent: s.ua, timeout: s.timeout, maxBody: s.maxBody,
		etag: us.ETag, lastModified: us.LastModified,
	})
	if meta.status != 0 {
		m.responses.WithLabelValues(name, statusLabel(meta.status)).Inc()
	}
	if meta.sent {
		m.duration.WithLabelValues(name).Observe(meta.elapsed.Seconds())
	}
	if errors.Is(err, upstream.ErrBackingOff) {
		return nil, err // not asked: the host is paused
	}
	if err != nil {
		return nil, s.fail(t, &us, err)
	}
	defer resp.release() // the body is parsed and recorded below
	if resp.freshFor > 0 {
		if s.freshUntil == nil {
			s.freshUntil = map[string]time.Time{}
		}
		s.freshUntil[t.url] = s.svc.now().Add(resp.freshFor)
	} else {
		delete(s.freshUntil, t.url)
	}
	m.bytes.WithLabelValues(name).Add(float64(len(resp.body)))
	now := s.svc.now()
	sum := sha256.Sum256(resp.body)
	hash := hex.EncodeToString(sum[:])
	if resp.notModified || (us.Primed && hash == us.BodyHash) {
		prev := us
		result := resultNotModified
		if !resp.notModified {
			result = resultUnchanged
			us.ETag, us.LastModified = resp.etag, resp.lastModified
		}
		m.fetches.WithLabelValues(name, result).Inc()
		s.recovered(t, &us)
		// Touched only needs to beat the pruning cutoff: as the seen-set
		// does, refresh it half-way to expiry, so an unchanged feed
		// usually writes nothing at all.
		if us == prev && now.Sub(us.Touched) <= s.svc.news.SeenRetention.D()/2 {
			return nil, nil
		}
		us.Touched = now
		// Batch: the polls of many feeds share one commit (and one fsync)
		// instead of queueing for the store's write lock one by one.
		err := st.Batch(func(tx *store.Tx) error { return putURLState(tx, name, t.url, us) })
		s.cacheURL(t.url, us, err)
		return nil, err
	}

	items, err := s.svc.parse(ctx, s.parse, resp, t.url)
	if err != nil {
		// Not fresh: a body that fails is asked for again at the next
		// poll, so its failure is reported again, never skipped as fresh.
		delete(s.freshUntil, t.url)
		return nil, s.fail(t, &us, err)
	}
	if s.feed.Type == config.FeedFederalRegister {
		s.notePreviousIssue(t, items)
	}
	m.items.WithLabelValues(name).Add(float64(len(items)))
	items, quiet, ends := s.trim(t, us, items)
	s.finish(items, t, now)
	prime := !us.Primed && !s.svc.skipPriming
	rec := recorder{
		feed: name, now: now, prime: prime, matcher: s.svc.matcher,
		window: s.svc.news.DedupWindow.D(), retention: s.svc.news.SeenRetention.D(), maxAge: s.svc.news.MaxItemAge.D(),
		onlyWatchlist: s.feed.OnlyWatchlist,
	}
	recQuiet := rec
	recQuiet.prime = true
	var out outcome
	next := urlState{ETag: resp.etag, LastModified: resp.lastModified, BodyHash: hash, Primed: true, Touched: now, Ends: ends}
	// Batched with other feeds' writes; if bbolt runs the function again
	// (another function of the batch failed), the first run was rolled
	// back, so the second records the same.
	err = st.Batch(func(tx *store.Tx) error {
		q, err := recQuiet.record(tx, items[:quiet])
		if err != nil {
			return err
		}
		o, err := rec.record(tx, items[quiet:])
		if err != nil {
			return err
		}
		out = o.add(q)
		return putURLState(tx, name, t.url, next)
	})
	s.cacheURL(t.url, next, err)
	if err != nil {
		// The store logs a failed commit itself (a warning a minute, see
		// store.Store.Update); counting the fetch as failed keeps a full
		// disk from looking like a quiet feed.
		m.fetches.WithLabelValues(name, resultError).Inc()
		m.fetchErrors.WithLabelValues(name, upstream.ReasonStore).Inc()
		return nil, fmt.Errorf("%s: record items: %w", t.shown, err)
	}
	m.fetches.WithLabelValues(name, resultOK).Inc()
	s.recovered(t, &us)
	m.newItems.WithLabelValues(name).Add(float64(len(out.stories)))
	for kind, n := range out.dups {
		m.duplicates.WithLabelValues(name, kind).Add(float64(n))
	}
	m.skipped.WithLabelValues(name, skipPrimed).Add(float64(out.primed))
	for _, d := range out.delays {
		m.storyDelay.WithLabelValues(name).Observe(d.Seconds())
	}
	for _, d := range out.lags {
		m.storyLag.WithLabelValues(name).Observe(d.Seconds())
	}
	m.skipped.WithLabelValues(name, skipTooOld).Add(float64(out.tooOld))
	m.skipped.WithLabelValues(name, skipNotWatched).Add(float64(out.notWatched))
	for _, story := range out.stories {
		for _, g := range story.Match.Groups {
			m.matches.WithLabelValues(name, g.Name).Inc()
		}
	}
	if prime {
		s.log.Info("Primed feed", zap.String("url", t.shown), zap.Int("items", out.primed))
	}
	for i := range out.stories {
		s.log.Debug("New story", zap.String("url", t.shown), zap.String("story", out.stories[i].ID),
			zap.String("title", out.stories[i].Title), zap.Bool("matched", out.stories[i].Matched()))
	}
	s.log.Debug("Polled feed", zap.String("url", t.shown), zap.Int("items", len(items)), zap.Int("new", len(out.stories)))
	return out.stories, nil
}

// finish gives parsed items what only the source knows: its name, the
// first-seen time standing in for missing or implausible dates, and the
// tickers the feed's configuration attaches.
func (s *Source) finish(items []Item, t target, now time.Time) {
	for i := range items {
		it := &items[i]
		it.Feed = s.feed.Name
		it.Published, it.PublishedEstimated = settleDate(it.Published, now)
		switch {
		case t.symbol != "" && s.feed.Type == config.FeedYahooSearch:
			// q= is a search: a story Yahoo does not relate to the
			// ticker is not about it just because the query found it.
			if len(it.Tickers) == 0 {
				it.Tickers = append(it.Tickers, t.symbol)
			}
		case t.symbol != "":
			it.Tickers = append(it.Tickers, t.symbol)
		case !s.feed.PerTicker:
			it.Tickers = append(it.Tickers, s.feed.Tickers...)
		}
		it.Tickers = dedupStrings(it.Tickers)
	}
}

// fail counts and logs a failed URL and remembers its reason; it returns
// err wrapped with the URL.
func (s *Source) fail(t target, us *urlState, err error) error {
	name, m := s.feed.Name, s.svc.metrics
	reason := ReasonOf(err)
	m.fetches.WithLabelValues(name, resultError).Inc()
	m.fetchErrors.WithLabelValues(name, reason).Inc()
	// The log line names the URL once, in its own field; the error
	// returned carries it for callers that print only the error.
	switch {
	case reason == upstream.ReasonCanceled:
		s.log.Debug("Feed fetch cancelled", zap.String("url", t.shown))
	case reason != us.LastReason:
		s.log.Warn("Feed fetch failed", zap.String("url", t.shown), zap.NamedError("err", err))
	default:
		s.log.Debug("Feed fetch failed again", zap.String("url", t.shown), zap.NamedError("err", err))
	}
	err = fmt.Errorf("%s: %w", t.shown, err)
	if reason == upstream.ReasonCanceled {
		return err
	}
	us.LastReason, us.Touched = reason, s.svc.now()
	next := *us
	uerr := s.svc.store.Batch(func(tx *store.Tx) error { return putURLState(tx, name, t.url, next) })
	s.cacheURL(t.url, next, uerr)
	if uerr != nil {
		return errors.Join(err, uerr)
	}
	return err
}

// recovered logs the first success after a failure.
func (s *Source) recovered(t target, us *urlState) {
	if us.LastReason != "" {
		s.log.Info("Feed recovered", zap.String("url", t.shown))
		us.LastReason = ""
	}
}

// parse parses a body of pageURL with p once a CPU is free for it (see
// Service.parsing).
func (svc *Service) parse(ctx context.Context, p bodyParser, resp *fetchResponse, pageURL string) ([]Item, error) {
	select {
	case svc.parsing <- struct{}{}:
	case <-ctx.Done():
		return nil, upstream.TransportError(ctx, ctx.Err())
	}
	defer func() { <-svc.parsing }()
	return p(resp.body, resp.contentType, pageURL)
}
