package feeds

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/feeds/match"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/upstream"
)

// pruneInterval is how often polls prune the seen-set as a side effect.
const pruneInterval = time.Hour

// Options are the optional dependencies of New. The zero value is the
// production setup.
type Options struct {
	// Client, when set, makes every request whatever the feeds'
	// http_config: tests point it at a fake server. nil means clients
	// built by internal/upstream from each feed's http_config, one shared
	// by every feed without one. Timeouts come from each feed's timeout,
	// not from the client.
	Client *http.Client
	// Hosts are the process's per-host budgets (politeness, pauses). Pass
	// the process's one to every New so that neither reloads nor other
	// components ever add up to more than a host allows, and set
	// news.host_rate_limit with its SetPoliteness; nil means budgets of its
	// own, set from cfg.
	Hosts *upstream.Hosts
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Jitter returns a uniform value in [0, 1) for backoff jitter; nil
	// means math/rand/v2.
	Jitter func() float64
	// SkipPriming reports stories from a URL's first poll too, for
	// `monitord once` on a scratch store.
	SkipPriming bool
	// FixedPace polls every feed on its schedule as written, never
	// adaptively: `monitord once` polls each once, tests count requests.
	FixedPace bool
}

// Service builds and holds one Source per enabled feed of a
// configuration. Build a new Service on every configuration reload; the
// store, the Metrics and the Hosts outlive it; Close releases its clients.
type Service struct {
	store       *store.Store
	metrics     *Metrics
	log         *zap.Logger
	news        config.News
	fetcher     *fetcher
	matcher     *match.Matcher
	now         func() time.Time
	jitter      func() float64
	skipPriming bool
	sources     []*Source
	// parsing bounds the bodies parsed at once to the CPUs: parsing is
	// CPU-bound, so more at once only holds more parse trees in memory
	// and finishes every feed later when a thousand change together.
	parsing chan struct{}

	// clients are the HTTP clients built for the feeds, by http_config
	// (nil: the default); Close releases their idle connections.
	clients map[*config.HTTPConfig]*http.Client

	// pruneMu guards lastPrune; polls of different sources race to prune.
	pruneMu   sync.Mutex
	lastPrune time.Time
}

// New builds the sources of cfg's enabled feeds. It logs, once, each EDGAR
// feed left disabled because the User-Agent names no contact.
func New(cfg *config.Config, st *store.Store, m *Metrics, log *zap.Logger, opts Options) (*Service, error) {
	if log == nil {
		log = zap.NewNop()
	}
	log = log.With(zap.String("component", "feeds"))
	mt, err := match.New(cfg.Keywords, cfg.Tickers)
	if err != nil {
		return nil, fmt.Errorf("compile keywords: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Jitter == nil {
		opts.Jitter = rand.Float64
	}
	if opts.Hosts == nil {
		opts.Hosts = upstream.NewHosts(upstream.HostsOptions{Now: opts.Now})
		opts.Hosts.SetPoliteness(cfg.News.HostRateLimit, cfg.News.HostBurst)
	}
	news := cfg.News
	for _, d := range []struct {
		v   *config.Duration
		def config.Duration
	}{
		{&news.SeenRetention, config.DefaultNews.SeenRetention},
		{&news.DedupWindow, config.DefaultNews.DedupWindow},
		{&news.MaxItemAge, config.DefaultNews.MaxItemAge},
	} {
		if *d.v <= 0 {
			*d.v = d.def // a Config built in code rather than loaded
		}
	}
	s := &Service{
		store: st, metrics: m, log: log, news: news, matcher: mt,
		fetcher: &fetcher{hosts: opts.Hosts, now: opts.Now,
			slots: make(chan struct{}, max(cfg.News.MaxConcurrentFetches, 1)), waited: m.slotWait},
		now:         opts.Now,
		jitter:      opts.Jitter,
		skipPriming: opts.SkipPriming,
		parsing:     make(chan struct{}, runtime.GOMAXPROCS(0)),
	}
	var names []string
	for _, f := range cfg.Feeds {
		flog := log.With(zap.String("feed", f.Name))
		if !f.IsEnabled(cfg.Global) {
			if f.Type == config.FeedEDGAR && f.Enabled == nil {
				flog.Info("EDGAR feed disabled: User-Agent has no contact e-mail (set global.user_agent)")
			}
			continue
		}
		client, err := s.clientFor(f, opts)
		if err != nil {
			s.Close()
			return nil, err
		}
		src := &Source{
			svc: s, feed: f, log: flog, client: client, parse: parserFor(f, cfg.Location()),
			ua:      f.EffectiveUserAgent(cfg.Global),
			timeout: durationOr(f.Timeout.D(), cfg.News.Timeout.D(), 20*time.Second),
			maxBody: int64(f.MaxBodySize),
		}
		if src.maxBody <= 0 {
			src.maxBody = max(int64(cfg.News.MaxBodySize), 1<<20)
		}
		src.targets = targetsFor(f, cfg.Tickers, flog)
		if !opts.FixedPace {
			src.pace = newAdaptive(f.Schedule)
		}
		s.sources = append(s.sources, src)
		names = append(names, f.Name)
	}
	groups := make([]string, 0, len(cfg.Keywords))
	for g := range cfg.Keywords {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	fresh := m.fresh(names)
	m.initialize(names, groups)
	for _, src := range s.sources {
		// The gauges carry over restarts: they come from the store. Over
		// a reload they carry on as they are (the store's LastSuccess may
		// lag the gauge's; see lastSuccessEvery).
		if !fresh[src.feed.Name] {
			continue
		}
		if fs, err := loadFeedState(st, src.feed.Name); err == nil {
			m.failures.WithLabelValues(src.feed.Name).Set(float64(fs.Failures))
			if !fs.LastSuccess.IsZero() {
				m.lastSuccess.WithLabelValues(src.feed.Name).Set(float64(fs.LastSuccess.UnixNano()) / 1e9)
			}
		}
	}
	return s, nil
}

// Sources returns one Source per enabled feed, in configuration order.
func (s *Service) Sources() []*Source { return slices.Clone(s.sources) }

// clientFor returns the client feed f's requests go through: opts.Client
// when set, else one built from f's http_config, shared by every feed
// without one.
func (s *Service) clientFor(f config.Feed, opts Options) (*http.Client, error) {
	if opts.Client != nil {
		return opts.Client, nil
	}
	if c, ok := s.clients[f.HTTPConfig]; ok {
		return c, nil
	}
	c, err := upstream.NewClient(f.HTTPConfig.Client(config.DefaultHTTPConfig),
		upstream.ClientOptions{Name: "feed/" + f.Name, Hosts: opts.Hosts, Now: opts.Now})
	if err != nil {
		return nil, fmt.Errorf("feed %q: http_config: %w", f.Name, err)
	}
	if s.clients == nil {
		s.clients = map[*config.HTTPConfig]*http.Client{}
	}
	s.clients[f.HTTPConfig] = c
	return c, nil
}

// Close releases the idle connections of the clients the Service built.
// The Service's sources must not poll any more.
func (s *Service) Close() {
	for _, c := range s.clients {
		c.CloseIdleConnections()
	}
}

// targetsFor renders a feed's URLs: the URL itself, or one per ticker for
// per_ticker feeds (only the feed's tickers when it lists some, and only
// tickers with a CIK when the template needs one).
func targetsFor(f config.Feed, tickers []config.Ticker, log *zap.Logger) []target {
	secret := f.URLFile != ""
	if !f.PerTicker && !f.Batched() {
		return []target{{url: f.URL, shown: shownURL(f.URL, secret)}}
	}
	only := setOf(f.Tickers)
	needsCIK := strings.Contains(f.URL, ".CIK")
	var chosen []config.Ticker
	for _, t := range tickers {
		if len(only) > 0 && !only[t.Symbol] {
			continue
		}
		if needsCIK && t.CIK == "" {
			log.Debug("Skipping ticker without a CIK", zap.String("ticker", t.Symbol))
			continue
		}
		chosen = append(chosen, t)
	}
	if f.Batched() {
		return batchTargets(f, chosen, log)
	}
	var out []target
	for _, t := range chosen {
		u, err := config.RenderURL(f.URL, t)
		if err != nil {
			// Validation renders every template; this is a bug, not input.
			log.Error("Cannot render feed URL", zap.String("ticker", t.Symbol), zap.NamedError("err", err))
			continue
		}
		out = append(out, target{url: u, shown: shownURL(u, secret), symbol: t.Symbol})
	}
	if len(out) == 0 {
		log.Info("Feed has no tickers to poll")
	}
	return out
}

// batchTargets renders a batch_size feed's URL once per chunk of tickers.
// Its items carry no ticker of the URL's: the matcher tags them.
func batchTargets(f config.Feed, tickers []config.Ticker, log *zap.Logger) []target {
	var out []target
	for chunk := range slices.Chunk(tickers, f.BatchSize) {
		u, err := config.RenderBatchURL(f.URL, chunk)
		if err != nil {
			// Validation renders every template; this is a bug, not input.
			log.Error("Cannot render feed URL", zap.NamedError("err", err))
			continue
		}
		out = append(out, target{url: u, shown: shownURL(u, f.URLFile != "")})
	}
	if len(out) == 0 {
		log.Info("Feed has no tickers to poll")
	}
	return out
}

// shownURL is a feed URL fit for a log line or an error: without the
// password of its userinfo and its credential-looking query parameters
// (upstream.RedactURL), or, when the URL came from url_file, only its
// scheme and host: the operator declared the whole URL secret, and a token
// in its path would survive RedactURL.
func shownURL(raw string, secret bool) string {
	if !secret {
		return upstream.RedactURL(raw)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "<secret>"
	}
	return u.Scheme + "://" + u.Host + "/<secret>"
}

func durationOr(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d > 0 {
			return d
		}
	}
	return 0
}

// Prune forgets seen-set entries and stories first seen longer ago than
// news.seen_retention, and the fetch state of URLs not polled for as long
// (feeds or tickers since removed). Polls call it about once an hour; it
// is exported for tests and tooling. It returns how many entries it
// deleted.
func (s *Service) Prune() (int, error) {
	cutoff := s.now().Add(-s.news.SeenRetention.D())
	n := 0
	err := s.store.Update(func(tx *store.Tx) error {
		a, err := pruneSeen(tx, cutoff)
		if err != nil {
			return err
		}
		b, err := pruneFeedState(tx, cutoff)
		if err != nil {
			return err
		}
		c, err := prunePending(tx, cutoff)
		n = a + b + c
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune seen-set: %w", err)
	}
	return n, nil
}

// maybePrune prunes when the last prune is more than pruneInterval old.
// A poll that finds another poll pruning moves on.
func (s *Service) maybePrune() {
	if !s.pruneMu.TryLock() {
		return
	}
	defer s.pruneMu.Unlock()
	now := s.now()
	if now.Sub(s.lastPrune) < pruneInterval {
		return
	}
	s.lastPrune = now
	n, err := s.Prune()
	switch {
	case err != nil:
		s.log.Error("Pruning the seen-set failed", zap.NamedError("err", err))
	case n > 0:
		s.log.Debug("Pruned the seen-set", zap.Int("entries", n))
	}
}
