package tickers

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

// pruneEvery is how often a poll also prunes the history.
const pruneEvery = time.Hour

// ErrNoQuotes means a poll got no quote for any symbol.
var ErrNoQuotes = errors.New("no quote for any symbol")

// Poller polls the watchlist and the impact benchmark: Yahoo v7 in batches,
// the v8 chart for whatever v7 could not price, then Finnhub when it has a
// key. It records accepted quotes in the history and the metrics. Build a
// new Poller on each config reload, handing it the same Metrics; Poll may
// be called from any goroutine, and overlapping calls skip.
type Poller struct {
	cfg     config.Quotes
	symbols []string
	bench   string
	cal     *Calendar
	yahoo   *Backend
	// chain is quotes.providers, in order.
	chain []Provider
	// hosts are the per-host budgets shared with the process (WithHosts).
	hosts   *upstream.Hosts
	hist    *History
	m       *Metrics
	log     *zap.Logger
	now     func() time.Time
	started time.Time

	// running is held for the whole of a poll.
	running sync.Mutex

	// mu guards the fields below.
	mu        sync.Mutex
	last      map[string]Quote
	lastFresh map[string]time.Time
	observed  observation
	lastPrune time.Time
	symFail   map[string]string
	// held are the quotes that jumped and wait for confirmation (judge).
	held map[string]Quote
}

// observation is Yahoo's marketState as last seen, with the calendar's
// session at that moment.
type observation struct {
	yahoo, calendar Session
	at              time.Time
}

// Option configures a Poller.
type Option func(*Poller)

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option { return func(p *Poller) { p.now = now } }

// WithHosts shares the process's per-host budgets (upstream.Hosts) with
// the poller: without it, the poller keeps budgets of its own.
func WithHosts(h *upstream.Hosts) Option { return func(p *Poller) { p.hosts = h } }

// NewPoller builds a poller for cfg's watchlist plus cfg.Impact.Benchmark
// (deduplicated). hist may be nil (no history is kept); m must be the
// process's single Metrics.
func NewPoller(cfg *config.Config, hist *History, m *Metrics, log *zap.Logger, opts ...Option) (*Poller, error) {
	if log == nil {
		log = zap.NewNop()
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	p := &Poller{
		cfg:       cfg.Quotes,
		hist:      hist,
		m:         m,
		log:       log.With(zap.String("component", "tickers")),
		now:       time.Now,
		last:      map[string]Quote{},
		lastFresh: map[string]time.Time{},
		symFail:   map[string]string{},
		held:      map[string]Quote{},
	}
	for _, o := range opts {
		o(p)
	}
	p.started = p.now()
	for _, t := range cfg.Tickers {
		if !slices.Contains(p.symbols, t.Symbol) {
			p.symbols = append(p.symbols, t.Symbol)
		}
	}
	if b := cfg.Impact.Benchmark; b != "" {
		p.bench = b
		if !slices.Contains(p.symbols, b) {
			p.symbols = append(p.symbols, b)
		}
	}
	cal, err := NewCalendar(cfg.Quotes.ExtraClosures)
	if err != nil {
		return nil, err
	}
	p.cal = cal
	f, err := newFetcher(cfg, m, p.log, p.now, p.hosts)
	if err != nil {
		return nil, err
	}
	p.yahoo = newBackend(f, cfg.Quotes.Yahoo)
	if p.chain, err = newChain(providerEnv{cfg: cfg, f: f, yahoo: p.yahoo}); err != nil {
		return nil, err
	}
	m.SetSymbols(p.symbols)
	if err := p.seed(); err != nil {
		return nil, err
	}
	return p, nil
}

// seed loads each symbol's newest stored quote, so freshness and the
// staleness gauge carry across restarts.
func (p *Poller) seed() error {
	if p.hist == nil {
		return nil
	}
	for _, s := range p.symbols {
		pt, ok, err := p.hist.Latest(s)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		q := Quote{Symbol: s, Price: pt.Price, PreviousClose: pt.PreviousClose, Volume: pt.Volume,
			QuoteTime: pt.Time, FetchedAt: pt.FetchedAt, Source: pt.Source, MarketState: pt.MarketState}
		q.fillChange()
		p.last[s] = q
		p.lastFresh[s] = pt.FetchedAt
		p.m.seedFresh(s, pt.FetchedAt)
	}
	return nil
}

// Symbols returns the polled symbols: the watchlist, then the benchmark.
func (p *Poller) Symbols() []string { return slices.Clone(p.symbols) }

// MarketHoursOnly reports whether polls skip outside the session
// (quotes.market_hours_only).
func (p *Poller) MarketHoursOnly() bool { return p.cfg.MarketHoursOnly }

// Pollable reports whether a poll in session sess asks the upstream under
// quotes.market_hours_only and quotes.extended_hours.
func (p *Poller) Pollable(sess Session) bool { return p.pollable(sess) }

// Calendar returns the exchange calendar the poller follows.
func (p *Poller) Calendar() *Calendar { return p.cal }

// Backend returns the Yahoo backend, for chart bars and ad-hoc quotes.
func (p *Poller) Backend() *Backend { return p.yahoo }

// Bars fetches chart bars of symbol over [from, to]; see Backend.Bars.
func (p *Poller) Bars(ctx context.Context, symbol string, from, to time.Time, interval string) ([]Bar, error) {
	return p.yahoo.Bars(ctx, symbol, from, to, interval)
}

// Latest returns the last accepted quote of every symbol that has one, in
// watchlist order.
func (p *Poller) Latest() []Quote {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Quote, 0, len(p.symbols))
	for _, s := range p.symbols {
		if q, ok := p.last[s]; ok {
			out = append(out, q)
		}
	}
	return out
}

// Session returns the market session at now. The calendar decides, except
// when Yahoo's marketState, seen within quotes.stale_after and in the same
// calendar session, disagrees on whether the exchange is open at all (an
// unscheduled closure, or a rule the calendar lacks). The calendar keeps
// the phase boundaries: Yahoo's state lags them by seconds to minutes.
func (p *Poller) Session(now time.Time) Session {
	cal := p.cal.Session(now)
	p.mu.Lock()
	o := p.observed
	p.mu.Unlock()
	age := now.Sub(o.at)
	fresh := !o.at.IsZero() && age >= 0 && age <= p.cfg.StaleAfter.D() && o.calendar == cal &&
		civilOf(o.at.In(p.cal.loc)) == civilOf(now.In(p.cal.loc))
	if fresh && (o.yahoo == SessionClosed) != (cal == SessionClosed) {
		return o.yahoo
	}
	return cal
}

// pollable reports whether quotes are polled in s.
func (p *Poller) pollable(s Session) bool {
	switch s {
	case SessionRegular:
		return true
	case SessionPre, SessionPost:
		return p.cfg.ExtendedHours
	}
	return false
}

// Stale returns the symbols that, during the regular session, had no
// fresh quote (one newer than the quote before it) for quotes.stale_after,
// counting from the later of that fresh quote (or, for a symbol never
// quoted, the poller's start) and the open. Outside the regular session
// nothing is stale: the regular-session price does not move then.
func (p *Poller) Stale(now time.Time) []string {
	if p.Session(now) != SessionRegular {
		return nil
	}
	_, start := p.cal.session(now)
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, s := range p.symbols {
		ref, ok := p.lastFresh[s]
		if !ok {
			ref = p.started
		}
		ref = latest(ref, start)
		if now.Sub(ref) > p.cfg.StaleAfter.D() {
			out = append(out, s)
		}
	}
	return out
}

// updateStale publishes Stale as the per-symbol stale gauge.
func (p *Poller) updateStale(now time.Time) []string {
	stale := p.Stale(now)
	for _, s := range p.symbols {
		p.m.setStale(s, slices.Contains(stale, s))
	}
	return stale
}

func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}
