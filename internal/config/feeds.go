package config

import (
	"cmp"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"github.com/alecthomas/units"
	"go.yaml.in/yaml/v3"
)

// News holds what every feed shares: defaults for their schedule and
// limits, and how long the seen-set remembers.
type News struct {
	// Schedule is the default cron spec of a feed that sets none.
	Schedule string `yaml:"schedule"`
	// Timeout is the default bound of one HTTP fetch.
	Timeout Duration `yaml:"timeout"`
	// MaxBodySize is the default largest body read from a feed.
	MaxBodySize ByteSize `yaml:"max_body_size"`
	// SeenRetention is how long an item's ids, canonical URL and story are
	// remembered; it bounds the store. It must be at least MaxItemAge.
	SeenRetention Duration `yaml:"seen_retention"`
	// DedupWindow is how long the same headline from another source counts
	// as the same story (at most SeenRetention).
	DedupWindow Duration `yaml:"dedup_window"`
	// MaxItemAge drops items published longer ago than this (after the
	// first poll of a source, which only primes the seen-set).
	MaxItemAge Duration `yaml:"max_item_age"`
	// HostRateLimit is how many requests a second all feeds together may
	// send to one host, and HostBurst how many of them may go at once.
	// SEC EDGAR's hosts keep their own limit (ten a second in total), which
	// these never raise.
	HostRateLimit float64 `yaml:"host_rate_limit"`
	HostBurst     int     `yaml:"host_burst"`
	// MaxConcurrentFetches bounds the feed URLs fetched, parsed and
	// recorded at once, all hosts together: the bodies held in memory.
	MaxConcurrentFetches int `yaml:"max_concurrent_fetches"`
}

// DefaultNews is the news section of a file that does not set one.
var DefaultNews = News{
	Schedule:      "@every 5m",
	Timeout:       Duration(20e9),
	MaxBodySize:   ByteSize(5 << 20),
	SeenRetention: Duration(30 * 24 * 3600e9),
	DedupWindow:   Duration(48 * 3600e9),
	MaxItemAge:    Duration(7 * 24 * 3600e9),
	HostRateLimit: 1,
	HostBurst:     2,

	MaxConcurrentFetches: 16,
}

// UnmarshalYAML applies DefaultNews before decoding.
func (n *News) UnmarshalYAML(unmarshal func(any) error) error {
	*n = DefaultNews
	type plain News
	return unmarshal((*plain)(n))
}

// Feed types (see also feeds_primary.go).
const (
	FeedRSS           = "rss"           // RSS 0.9x/2.0, RSS 1.0/RDF, Atom or JSON Feed
	FeedYahooSearch   = "yahoo_search"  // Yahoo v1/finance/search news JSON
	FeedEDGAR         = "edgar"         // SEC EDGAR company filings Atom
	FeedGlobeNewswire = "globenewswire" // GlobeNewswire RSS with stock categories
)

// Feed is one news source.
type Feed struct {
	Name string `yaml:"name"`
	// Type selects the parser; rss (the default) detects RSS, RDF, Atom and
	// JSON Feed by content.
	Type string `yaml:"type"`
	// URL is fetched as is, or, with per_ticker, rendered once per ticker
	// from a Go template over {{.Symbol}}, {{.CIK}} and {{.Name}} (values
	// are query-escaped). Shown without its credentials (/config, logs,
	// errors; see upstream.RedactURL).
	URL string `yaml:"url,omitempty"`
	// URLFile names a file holding the URL (or the per_ticker template)
	// instead, for a URL that carries a secret; relative to the
	// configuration file's directory. Validation reads it into URL; the
	// URL of such a feed is never shown, only the file's name.
	URLFile   string `yaml:"url_file,omitempty"`
	PerTicker bool   `yaml:"per_ticker"`
	// BatchSize renders the URL once per chunk of this many tickers from
	// a Go template over {{.Symbols}}, {{.Names}} and {{.CIKs}} (lists,
	// values query-escaped; {{join .Symbols ","}}), for upstreams that
	// take many tickers in one request. Not with per_ticker.
	BatchSize int `yaml:"batch_size"`
	// OnlyWatchlist keeps only items about a watched ticker (by CIK for
	// EDGAR filings, by the source's ticker tags or the watchlist's names
	// and aliases otherwise): for market-wide feeds such as EDGAR's latest
	// filings.
	OnlyWatchlist bool `yaml:"only_watchlist"`
	// Tickers limits a per_ticker feed to these symbols, and tags every
	// item of a plain feed with them.
	Tickers []string `yaml:"tickers"`
	// Schedule overrides news.schedule.
	Schedule string `yaml:"schedule"`
	// Timeout and MaxBodySize override the news section's.
	Timeout     Duration `yaml:"timeout"`
	MaxBodySize ByteSize `yaml:"max_body_size"`
	// UserAgent overrides global.user_agent for this feed.
	UserAgent string `yaml:"user_agent"`
	// HTTPConfig sets TLS, authentication, a proxy, redirects and headers
	// for this feed's requests; unset, DefaultHTTPConfig.
	HTTPConfig *HTTPConfig `yaml:"http_config,omitempty"`
	// ListPage says how a list_page feed finds the entries of its page;
	// required for that type, an error for any other.
	ListPage *ListPage `yaml:"list_page,omitempty"`
	// FederalRegister narrows a federal_register feed; only for that
	// type.
	FederalRegister *FederalRegister `yaml:"federal_register,omitempty"`
	// Enabled turns the feed off when false. Unset, an edgar feed is on only
	// when its User-Agent names a contact, and every other feed is on.
	Enabled *bool `yaml:"enabled,omitempty"`
}

// MarshalYAML shows the feed as /config does: its URL without
// credentials, or, when the URL came from url_file, only the file.
func (f Feed) MarshalYAML() (any, error) {
	type plain Feed
	p := plain(f)
	if p.URLFile != "" {
		p.URL = ""
	} else {
		p.URL = redactURL(p.URL)
	}
	return p, nil
}

// TemplateData is what a per_ticker or batch_size URL template sees; every
// value is query-escaped, so names with spaces make valid URLs.
type TemplateData struct {
	// Symbol, CIK and Name are the ticker of a per_ticker URL.
	Symbol, CIK, Name string
	// Symbols, Names and CIKs are the tickers of a batch_size URL's
	// chunk (CIKs only of those that have one).
	Symbols, Names, CIKs []string
}

// templateFuncs are the functions a URL template may call.
var templateFuncs = template.FuncMap{"join": strings.Join}

// RenderURL renders a per_ticker feed URL template for one ticker.
func RenderURL(tmpl string, t Ticker) (string, error) {
	return renderURL(tmpl, TemplateData{Symbol: url.QueryEscape(t.Symbol), CIK: url.QueryEscape(t.CIK),
		Name: url.QueryEscape(t.Name)})
}

// RenderBatchURL renders a batch_size feed URL template for a chunk of
// tickers.
func RenderBatchURL(tmpl string, chunk []Ticker) (string, error) {
	var d TemplateData
	for _, t := range chunk {
		d.Symbols = append(d.Symbols, url.QueryEscape(t.Symbol))
		d.Names = append(d.Names, url.QueryEscape(cmp.Or(t.Name, t.Symbol)))
		if t.CIK != "" {
			d.CIKs = append(d.CIKs, url.QueryEscape(t.CIK))
		}
	}
	return renderURL(tmpl, d)
}

func renderURL(tmpl string, data TemplateData) (string, error) {
	tp, err := template.New("url").Option("missingkey=error").Funcs(templateFuncs).Parse(tmpl)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := tp.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Batched reports whether the feed renders its URL per chunk of tickers.
func (f *Feed) Batched() bool { return f.BatchSize > 0 }

var reContact = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

// HasContact reports whether a User-Agent carries an e-mail address, as SEC
// EDGAR requires of automated clients.
func HasContact(ua string) bool { return reContact.MatchString(ua) }

// IsEnabled reports whether the feed polls, given the effective User-Agent.
func (f *Feed) IsEnabled(global Global) bool {
	if f.Enabled != nil {
		return *f.Enabled
	}
	if f.Type == FeedEDGAR {
		return HasContact(f.EffectiveUserAgent(global))
	}
	return true
}

// DisabledReason says why the feed does not poll, or "" when it does.
func (f *Feed) DisabledReason(global Global) string {
	switch {
	case f.IsEnabled(global):
		return ""
	case f.Enabled != nil:
		return "enabled: false"
	}
	return "SEC EDGAR requires a contact e-mail in the User-Agent: set global.user_agent"
}

// EffectiveUserAgent is the feed's User-Agent after defaults.
func (f *Feed) EffectiveUserAgent(global Global) string {
	if f.UserAgent != "" {
		return f.UserAgent
	}
	return global.UserAgent
}

var reBadField = regexp.MustCompile(`can't evaluate field (\w+)`)

// validateNewsWindows checks that the news durations nest: the seen-set
// must outlive both the dedup window and the age limit, or a forgotten
// item that is still young enough to report would be reported again.
func validateNewsWindows(ps *problems, n News) {
	if n.SeenRetention <= 0 {
		return // validate reports the non-positive value itself
	}
	if n.MaxItemAge > 0 && n.SeenRetention < n.MaxItemAge {
		ps.add("news.seen_retention", "must be at least news.max_item_age (%s), or items forgotten while still young enough would be reported again", n.MaxItemAge)
	}
	if n.DedupWindow > n.SeenRetention {
		ps.add("news.dedup_window", "must not exceed news.seen_retention (%s)", n.SeenRetention)
	}
}

var reName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`)

func validateFeeds(ps *problems, c *Config, v *validator, symbols map[string]bool) {
	validateNewsWindows(ps, c.News)
	if !(c.News.HostRateLimit > 0) {
		ps.add("news.host_rate_limit", "must be positive, got %g", c.News.HostRateLimit)
	}
	if c.News.HostBurst < 1 {
		ps.add("news.host_burst", "must be at least 1, got %d", c.News.HostBurst)
	}
	if c.News.MaxConcurrentFetches < 1 {
		ps.add("news.max_concurrent_fetches", "must be at least 1, got %d", c.News.MaxConcurrentFetches)
	}
	names := map[string]bool{}
	for i := range c.Feeds {
		f := &c.Feeds[i]
		p := fmt.Sprintf("feeds[%d]", i)
		checkName(ps, p+".name", "feed", f.Name, names)
		if f.Name == QuotesSource {
			ps.add(p+".name", "%q is the quote poller's name as a source; choose another", f.Name)
		}
		if f.Type == "" {
			f.Type = FeedRSS
		}
		validateFeedType(ps, p, f)
		if f.Schedule == "" {
			f.Schedule = c.News.Schedule
		}
		v.schedule(p+".schedule", f.Schedule)
		if f.Timeout == 0 {
			f.Timeout = c.News.Timeout
		}
		v.positive(p+".timeout", f.Timeout)
		if f.MaxBodySize == 0 {
			f.MaxBodySize = c.News.MaxBodySize
		}
		if f.MaxBodySize < 1024 {
			ps.add(p+".max_body_size", "must be at least 1KiB")
		}
		switch {
		case f.BatchSize < 0:
			ps.add(p+".batch_size", "must be positive, got %d", f.BatchSize)
		case f.BatchSize > 0 && f.PerTicker:
			ps.add(p+".batch_size", "set per_ticker or batch_size, not both")
		}
		switch {
		case f.BatchSize < 0:
			// The URL cannot be judged without a chunk size.
		case f.URLFile != "":
			v.feedURLFile(p, f, c.Tickers)
		default:
			validateFeedURL(ps, p+".url", f, c.Tickers, checkHTTPURL)
		}
		v.httpConfig(p+".http_config", f.HTTPConfig)
		for j, s := range f.Tickers {
			if !symbols[s] {
				ps.add(fmt.Sprintf("%s.tickers[%d]", p, j), "ticker %q is not in the tickers list", s)
			}
		}
		if f.Type == FeedEDGAR && f.Enabled != nil && *f.Enabled && !HasContact(f.EffectiveUserAgent(c.Global)) {
			ps.add(p+".enabled", "SEC EDGAR requires a contact e-mail in the User-Agent: set global.user_agent (or this feed's user_agent) to \"Company Name admin@example.com\"")
		}
	}
}

// feedURLFile reads a feed's url_file into its URL and validates it as
// validateFeedURL does, naming url_file in every problem and never the
// file's content.
func (v *validator) feedURLFile(p string, f *Feed, tickers []Ticker) {
	if f.URL != "" {
		v.ps.add(p, "set url or url_file, not both")
		return
	}
	file := f.URLFile
	if !filepath.IsAbs(file) {
		file = filepath.Join(v.dir, file)
	}
	s, err := loadSecretFile(file)
	if err != nil {
		v.ps.add(p+".url_file", "%v", err)
		return
	}
	f.URL = strings.TrimSpace(s.Reveal())
	validateFeedURL(v.ps, p+".url_file", f, tickers, func(raw string) string {
		if checkHTTPURL(raw) != "" {
			return "must hold an absolute http or https URL (value not shown: it is secret)"
		}
		return ""
	})
}

// validateFeedURL checks f.URL, given at path (url or url_file), with
// check, which says what is wrong with a rendered URL.
func validateFeedURL(ps *problems, path string, f *Feed, tickers []Ticker, check func(string) string) {
	if f.Batched() {
		validateBatchURL(ps, path, f, tickers, check)
		return
	}
	if !f.PerTicker {
		if strings.Contains(f.URL, "{{") {
			ps.add(path, "is a template but neither per_ticker nor batch_size is set")
			return
		}
		if m := check(f.URL); m != "" {
			ps.add(path, "%s", m)
		}
		return
	}
	if f.URL == "" {
		ps.add(path, "is required")
		return
	}
	sample := Ticker{Symbol: "MP", CIK: "0001801368", Name: "MP Materials"}
	if len(tickers) > 0 {
		sample = tickers[0]
	}
	u, err := RenderURL(f.URL, sample)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "template: url:")
		if m := reBadField.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("unknown field .%s (use {{.Symbol}}, {{.CIK}} or {{.Name}})", m[1])
		}
		ps.add(path, "bad template: %s", msg)
		return
	}
	if m := check(u); m != "" {
		ps.add(path, "renders to a bad URL for %s: %s", sample.Symbol, m)
	}
	if f.Type == FeedEDGAR && !strings.Contains(f.URL, ".CIK") {
		ps.add(path, "a per_ticker edgar feed must use {{.CIK}}")
	}
}

// validateBatchURL checks a batch_size feed's URL template by rendering it
// for a sample chunk.
func validateBatchURL(ps *problems, path string, f *Feed, tickers []Ticker, check func(string) string) {
	if f.URL == "" {
		ps.add(path, "is required")
		return
	}
	if !strings.Contains(f.URL, ".Symbols") && !strings.Contains(f.URL, ".Names") && !strings.Contains(f.URL, ".CIKs") {
		ps.add(path, "a batch_size feed's URL must use {{.Symbols}}, {{.Names}} or {{.CIKs}}, e.g. {{join .Symbols \",\"}}")
		return
	}
	sample := []Ticker{{Symbol: "MP", CIK: "0001801368", Name: "MP Materials"}, {Symbol: "TMQ", CIK: "0001543418", Name: "Trilogy Metals"}}
	if len(tickers) > 0 {
		sample = tickers[:min(len(tickers), f.BatchSize)]
	}
	u, err := RenderBatchURL(f.URL, sample)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "template: url:")
		if m := reBadField.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("unknown field .%s (use {{.Symbols}}, {{.Names}} or {{.CIKs}})", m[1])
		}
		ps.add(path, "bad template: %s", msg)
		return
	}
	if m := check(u); m != "" {
		ps.add(path, "renders to a bad URL: %s", m)
	}
}

// ByteSize is a size written with a unit: 512KiB, 5MiB, 1GB.
type ByteSize int64

// UnmarshalYAML parses a size with a unit.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := units.ParseBase2Bytes(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return nodeError(n, "invalid size %q (use a unit: 512KiB, 5MiB)", n.Value)
	}
	*b = ByteSize(v)
	return nil
}

// MarshalYAML writes the size back with a unit.
func (b ByteSize) MarshalYAML() (any, error) { return units.Base2Bytes(b).String(), nil }
