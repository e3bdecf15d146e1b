package replay

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/monitord/monitord/configs"
	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/feeds/match"
	"github.com/monitord/monitord/internal/impact"
	"github.com/monitord/monitord/internal/pipeline"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/tickers"
)

// tail is how long the simulation runs past the last event beyond
// impact.tolerance by default: the impact engine waits a little past the
// tolerance before it declares a horizon without data.
const tail = 5 * time.Minute

// defaultDeliverWait bounds the wait for delivery with Options.Deliver.
const defaultDeliverWait = time.Minute

// Options tune Run.
type Options struct {
	// Config is the configuration replayed under. Required.
	Config *config.Config
	// Logger defaults to a no-op logger.
	Logger *zap.Logger
	// Until is when the simulated clock stops. Zero means the last event
	// plus impact.tolerance and five minutes, so that horizons due within
	// the recording are measured; later ones are reported pending.
	Until time.Time
	// Deliver also sends every alert to the configured receivers through
	// an alert.Dispatcher. Without it no receiver is called.
	Deliver bool
	// DeliverWait bounds the wait for the outbox to drain; 0 is a minute.
	DeliverWait time.Duration
}

// Fired is one alert that would have been committed to the outbox.
type Fired struct {
	// At is the simulated time it was queued.
	At        time.Time
	Alert     alert.Alert
	Receivers []string
	// Refresh marks a notification queued before, pushed again so that
	// Alertmanager does not end it (see rules.Engine.Tick).
	Refresh bool
}

// Stats count what the recording held and what became of its stories.
type Stats struct {
	Quotes, QuotePolls, Polls int
	// Stories were read; Matched hit a keyword group; Duplicates repeated
	// a story within news.dedup_window; TooOld were published longer than
	// news.max_item_age before they were seen. Only the other stories
	// reach the rules and the impact engine, as in the daemon.
	Stories, Matched, Duplicates, TooOld int
	// IgnoredQuotes are of symbols the configuration does not poll
	// (IgnoredSymbols); IgnoredPolls of sources it does not have
	// (IgnoredSources). The daemon would never see them.
	IgnoredQuotes, IgnoredPolls    int
	IgnoredSymbols, IgnoredSources []string
}

// Result is what a replay found.
type Result struct {
	// From and Until bound the simulated time; Location is global.timezone.
	From, Until time.Time
	Location    *time.Location
	// Alerts are in the order they were queued.
	Alerts []Fired
	// Events are the matched stories concerning a ticker, oldest first,
	// with the impact measured by Until.
	Events []impact.Event
	Stats  Stats
	// Receivers is each receiver's outbox after delivery (Deliver only).
	Receivers []alert.ReceiverStatus
}

// LoadConfig returns the configuration of a replay of dir and where it
// came from: file when given, else dir's monitord.yml when it exists, else
// the built-in configuration.
func LoadConfig(dir, file string) (*config.Config, string, error) {
	if file == "" {
		p := filepath.Join(dir, ConfigFile)
		if _, err := os.Stat(p); err == nil {
			file = p
		}
	}
	if file == "" {
		cfg, err := config.Load(configs.Default, "")
		return cfg, "built-in configuration", err
	}
	cfg, err := config.LoadFile(file)
	return cfg, file, err
}

// Run plays rec under opts.Config on simulated time, on a scratch store
// in a temporary directory that it removes, and returns what happened.
func Run(ctx context.Context, rec *Recording, opts Options) (*Result, error) {
	cfg := opts.Config
	if cfg == nil {
		return nil, errors.New("replay: a configuration is required")
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	var stats Stats
	groups := merge(configured(cfg, rec, &stats))
	if len(groups) == 0 {
		return nil, fmt.Errorf("nothing to replay: the configuration has none of the symbols %v and sources %v",
			stats.IgnoredSymbols, stats.IgnoredSources)
	}
	from := groups[0].at.Truncate(time.Minute)
	until := opts.Until
	last := groups[len(groups)-1].at
	if until.IsZero() {
		until = last.Add(cfg.Impact.Tolerance.D() + tail).Truncate(time.Minute)
	} else if until.Before(last) {
		return nil, fmt.Errorf("until %s is before the last event of the recording (%s)",
			until.Format(time.RFC3339), last.Format(time.RFC3339))
	}

	dir, err := os.MkdirTemp("", "monitord-replay-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(dir, store.Options{}, zap.NewNop())
	if err != nil {
		return nil, err
	}
	defer st.Close()

	s := &sim{cfg: cfg, st: st, now: from, nextTick: from, log: opts.Logger,
		res: &Result{From: from, Until: until, Location: cfg.Location(), Stats: stats}, seen: map[string]time.Time{}}
	out := &recorder{now: s.clock, fired: &s.res.Alerts, ids: map[string]bool{}}
	if opts.Deliver {
		d, stop, err := startDispatcher(ctx, cfg, st, opts.Logger)
		if err != nil {
			return nil, err
		}
		defer stop()
		out.next = d
	}
	if err := s.build(out); err != nil {
		return nil, err
	}
	if err := s.play(ctx, groups, until); err != nil {
		return nil, err
	}
	if out.next != nil {
		s.res.Receivers = drain(ctx, out.next, opts.DeliverWait)
	}
	events, err := impact.ReadEvents(st, impact.Query{})
	if err != nil {
		return nil, err
	}
	slices.Reverse(events)
	s.res.Events = events
	return s.res, nil
}

// build makes the pipeline the daemon drives (internal/pipeline), on the
// simulated clock and with out as its outbox.
func (s *sim) build(out *recorder) error {
	reg := prometheus.NewRegistry()
	var err error
	if s.cal, err = tickers.NewCalendar(s.cfg.Quotes.ExtraClosures); err != nil {
		return err
	}
	if s.matcher, err = match.New(s.cfg.Keywords, s.cfg.Tickers); err != nil {
		return err
	}
	s.hist = tickers.NewHistory(s.st, s.cfg.Quotes.HistoryRetention.D())
	s.pipe, err = pipeline.New(s.cfg, pipeline.Options{
		Store: s.st, Alerts: out, AlertMetrics: alert.NewMetrics(reg), ImpactMetrics: impact.NewMetrics(reg),
		History: s.hist, Calendar: s.cal, Logger: s.log, Now: s.clock,
	})
	return err
}

// startDispatcher starts delivery to the configured receivers; stop ends
// it and waits for its goroutine.
func startDispatcher(ctx context.Context, cfg *config.Config, st *store.Store, log *zap.Logger) (*alert.Dispatcher, func(), error) {
	d, err := alert.New(cfg.Receivers, alert.Options{Store: st, Metrics: alert.NewMetrics(prometheus.NewRegistry()),
		Logger: log, UserAgent: cfg.Global.UserAgent})
	if err != nil {
		return nil, nil, err
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }() // joined by stop
	return d, func() { d.Close(); <-done }, nil
}

// drain waits until every alert has left the outbox (delivered or
// dropped), wait has passed or ctx ends, and returns the receivers' state.
func drain(ctx context.Context, d *alert.Dispatcher, wait time.Duration) []alert.ReceiverStatus {
	if wait <= 0 {
		wait = defaultDeliverWait
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for d.Pending() > 0 {
		select {
		case <-ctx.Done():
			return d.Status()
		case <-t.C:
		}
	}
	return d.Status()
}

// recorder is the outbox the engines see: it records every alert and,
// with Deliver, passes it on to the Dispatcher in the same transaction.
// Only the replay's goroutine calls it (the engines run there).
type recorder struct {
	now   func() time.Time
	next  *alert.Dispatcher
	fired *[]Fired
	// ids are the notifications recorded so far, to tell refreshes.
	ids map[string]bool
}

// EnqueueTx records a once tx commits.
func (r *recorder) EnqueueTx(tx *store.Tx, a *alert.Alert, receivers ...string) error {
	if r.next != nil {
		if err := r.next.EnqueueTx(tx, a, receivers...); err != nil {
			return err
		}
	} else {
		if len(receivers) == 0 {
			return fmt.Errorf("enqueue alert of rule %q: no receivers", a.Rule)
		}
		if a.CreatedAt.IsZero() {
			a.CreatedAt = r.now().UTC()
		}
		a.Identify()
	}
	f := Fired{At: r.now(), Alert: *a, Receivers: slices.Clone(receivers)}
	f.Alert.Symbols = slices.Clone(a.Symbols)
	tx.OnCommit(func() {
		f.Refresh = r.ids[f.Alert.ID]
		r.ids[f.Alert.ID] = true
		*r.fired = append(*r.fired, f)
	})
	return nil
}
