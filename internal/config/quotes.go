package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Quotes configures how prices are polled.
type Quotes struct {
	// Schedule is a cron spec (robfig/cron, CRON_TZ= allowed, @every) for
	// the quote poll.
	Schedule string `yaml:"schedule"`
	// MarketHoursOnly skips polls outside the exchange's regular session.
	MarketHoursOnly bool `yaml:"market_hours_only"`
	// ExtendedHours widens market_hours_only to the pre- and post-market.
	ExtendedHours bool `yaml:"extended_hours"`
	// Timeout bounds one whole poll of every symbol.
	Timeout Duration `yaml:"timeout"`
	// HistoryRetention is how long accepted quotes are kept in the store.
	HistoryRetention Duration `yaml:"history_retention"`
	// StaleAfter marks a symbol's quote stale when no fresh one came for
	// this long during a session.
	StaleAfter Duration `yaml:"stale_after"`
	// MinBackoff is the first wait after a source answers 429, 5xx or a
	// repeated 401; each further failure doubles it, with jitter.
	MinBackoff Duration `yaml:"min_backoff"`
	// MaxBackoff caps the wait between attempts on a failing source.
	MaxBackoff Duration `yaml:"max_backoff"`
	// MaxBodySize is the largest response body read from a quote source.
	MaxBodySize ByteSize `yaml:"max_body_size"`
	// ExtraClosures are dates (YYYY-MM-DD) the exchange is closed beyond
	// its computed holidays, such as a national day of mourning.
	ExtraClosures []string `yaml:"extra_closures"`
	// Providers is the fallback chain: each symbol is asked of the first
	// provider, and of the next only when the one before could not price
	// it. Unset: yahoo, yahoo_chart, and finnhub when it has an API key.
	Providers []string `yaml:"providers"`
	Yahoo     Yahoo    `yaml:"yahoo"`
	// Finnhub is an optional keyed fallback, used only with an API key.
	Finnhub *Finnhub `yaml:"finnhub,omitempty"`
}

// Quote providers, the names of quotes.providers. internal/tickers
// registers one implementation per name.
const (
	ProviderYahoo      = "yahoo"       // Yahoo's v7 quote API (cookie and crumb), in batches
	ProviderYahooChart = "yahoo_chart" // Yahoo's v8 chart meta, per symbol, no crumb
	ProviderFinnhub    = "finnhub"     // Finnhub's quote API, per symbol, with an API key
)

// QuotesSource is the name of the quote poller as a source: in the
// sources of a source_health rule, on the status page, in a replay's
// sources.jsonl. No feed may take it.
const QuotesSource = "quotes"

// QuoteProviders lists every provider name.
var QuoteProviders = []string{ProviderYahoo, ProviderYahooChart, ProviderFinnhub}

// DefaultQuotes is the quotes section of a file that does not set one.
var DefaultQuotes = Quotes{
	Schedule:         "@every 1m",
	MarketHoursOnly:  true,
	Timeout:          Duration(45e9),
	HistoryRetention: Duration(14 * 24 * 3600e9),
	StaleAfter:       Duration(10 * 60e9),
	MinBackoff:       Duration(30e9),
	MaxBackoff:       Duration(15 * 60e9),
	MaxBodySize:      ByteSize(4 << 20),
	Yahoo:            DefaultYahoo,
}

// UnmarshalYAML applies DefaultQuotes before decoding.
func (q *Quotes) UnmarshalYAML(unmarshal func(any) error) error {
	*q = DefaultQuotes
	type plain Quotes
	return unmarshal((*plain)(q))
}

// Yahoo configures the Yahoo Finance quote source. Every URL is overridable
// so tests and proxies can stand in for Yahoo.
type Yahoo struct {
	// BaseURL serves /v7/finance/quote and /v1/test/getcrumb.
	BaseURL string `yaml:"base_url"`
	// ChartURL serves /v8/finance/chart/{symbol}, the crumb-free fallback.
	ChartURL string `yaml:"chart_url"`
	// CookieURL is fetched to obtain the session cookie the crumb is tied to.
	CookieURL string `yaml:"cookie_url"`
	// UserAgent overrides global.user_agent for Yahoo.
	UserAgent string `yaml:"user_agent"`
	// BatchSize is the most symbols asked for in one quote request.
	BatchSize int `yaml:"batch_size"`
	// RequestTimeout bounds each HTTP request.
	RequestTimeout Duration `yaml:"request_timeout"`
	// HTTPConfig sets TLS, authentication, a proxy and headers for Yahoo's
	// requests (v7 and chart); unset, DefaultHTTPConfig.
	HTTPConfig *HTTPConfig `yaml:"http_config,omitempty"`
}

// DefaultYahoo points at Yahoo's public hosts.
var DefaultYahoo = Yahoo{
	BaseURL:        "https://query1.finance.yahoo.com",
	ChartURL:       "https://query2.finance.yahoo.com",
	CookieURL:      "https://fc.yahoo.com",
	BatchSize:      50,
	RequestTimeout: Duration(10e9),
}

// UnmarshalYAML applies DefaultYahoo before decoding.
func (y *Yahoo) UnmarshalYAML(unmarshal func(any) error) error {
	*y = DefaultYahoo
	type plain Yahoo
	return unmarshal((*plain)(y))
}

// Finnhub configures the keyed Finnhub quote fallback.
type Finnhub struct {
	BaseURL    string `yaml:"base_url"`
	APIKey     Secret `yaml:"api_key,omitempty"`
	APIKeyFile string `yaml:"api_key_file,omitempty"`
	// HTTPConfig sets TLS, a proxy and headers for Finnhub's requests.
	HTTPConfig *HTTPConfig `yaml:"http_config,omitempty"`
}

// UnmarshalYAML applies the default base URL before decoding.
func (f *Finnhub) UnmarshalYAML(unmarshal func(any) error) error {
	*f = Finnhub{BaseURL: "https://finnhub.io/api/v1"}
	type plain Finnhub
	return unmarshal((*plain)(f))
}

func validateQuotes(ps *problems, q *Quotes, v *validator) {
	v.schedule("quotes.schedule", q.Schedule)
	v.positive("quotes.timeout", q.Timeout)
	v.positive("quotes.history_retention", q.HistoryRetention)
	v.positive("quotes.stale_after", q.StaleAfter)
	v.positive("quotes.min_backoff", q.MinBackoff)
	v.positive("quotes.max_backoff", q.MaxBackoff)
	if q.MinBackoff > 0 && q.MaxBackoff < q.MinBackoff {
		ps.add("quotes.max_backoff", "must not be less than quotes.min_backoff (%s), got %s", q.MinBackoff, q.MaxBackoff)
	}
	if q.MaxBodySize <= 0 {
		ps.add("quotes.max_body_size", "must be positive")
	}
	for i, d := range q.ExtraClosures {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			ps.add(fmt.Sprintf("quotes.extra_closures[%d]", i), "%q is not a date like 2025-01-09", d)
		}
	}
	y := &q.Yahoo
	for _, u := range []struct{ key, val string }{
		{"quotes.yahoo.base_url", y.BaseURL},
		{"quotes.yahoo.chart_url", y.ChartURL},
		{"quotes.yahoo.cookie_url", y.CookieURL},
	} {
		if m := checkHTTPURL(u.val); m != "" {
			ps.add(u.key, "%s", m)
		}
	}
	if y.BatchSize < 1 || y.BatchSize > 50 {
		ps.add("quotes.yahoo.batch_size", "must be between 1 and 50, got %d", y.BatchSize)
	}
	v.positive("quotes.yahoo.request_timeout", y.RequestTimeout)
	v.httpConfig("quotes.yahoo.http_config", y.HTTPConfig)
	finnhubKey := false
	if f := q.Finnhub; f != nil {
		v.httpConfig("quotes.finnhub.http_config", f.HTTPConfig)
		if m := checkHTTPURL(f.BaseURL); m != "" {
			ps.add("quotes.finnhub.base_url", "%s", m)
		}
		finnhubKey = v.secretPair("quotes.finnhub", "api_key", &f.APIKey, f.APIKeyFile, false)
	}
	validateProviders(ps, q, finnhubKey)
}

// ProviderChain is quotes.providers, or the default chain when it is not
// set: yahoo, yahoo_chart, and finnhub when it has an API key.
func (q *Quotes) ProviderChain() []string {
	if q.Providers != nil {
		return q.Providers
	}
	chain := []string{ProviderYahoo, ProviderYahooChart}
	if q.Finnhub != nil && q.Finnhub.APIKey != "" {
		chain = append(chain, ProviderFinnhub)
	}
	return chain
}

// validateProviders checks quotes.providers, or sets the default chain.
func validateProviders(ps *problems, q *Quotes, finnhubKey bool) {
	if q.Providers == nil {
		q.Providers = q.ProviderChain()
		return
	}
	if len(q.Providers) == 0 {
		ps.add("quotes.providers", "needs at least one provider (%s)", strings.Join(QuoteProviders, ", "))
	}
	seen := map[string]bool{}
	for i, name := range q.Providers {
		p := fmt.Sprintf("quotes.providers[%d]", i)
		switch {
		case !slices.Contains(QuoteProviders, name):
			ps.add(p, "unknown provider %q (want one of %s)", name, strings.Join(QuoteProviders, ", "))
		case seen[name]:
			ps.add(p, "%q is listed twice", name)
		case name == ProviderFinnhub && !finnhubKey:
			ps.add(p, "finnhub needs quotes.finnhub.api_key or api_key_file")
		}
		seen[name] = true
	}
}
