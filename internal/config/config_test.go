package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/monitord/monitord/configs"
)

func TestBadConfigs(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
	}{
		// An unknown key, a bad URL, a negative duration and an undefined
		// receiver: decoding and validation problems in one run.
		{"mixed.bad.yml", []string{
			`line 3: tickers[0].bogus: unknown key "bogus"`,
			`line 6: feeds[0].url: must be an absolute http or https URL, got "not a url"`,
			`line 8: quotes.timeout: must be a positive duration, got "-5s"`,
			`line 10: rules[0].keywords: a news rule needs at least one keyword group`,
			`line 12: rules[0].receivers[0]: receiver "nobody" is not defined in receivers`,
		}},
		// The bad indentation is on line 3; yaml.v3 names line 2, where
		// the mapping it breaks began.
		{"indent.bad.yml", []string{
			`line 3: did not find expected key`,
		}},
		{"unknown_key.bad.yml", []string{
			`line 6: tickers[0].alias: unknown key "alias"`,
			`line 8: quotes.schedul: unknown key "schedul"`,
		}},
		{"bad_types.bad.yml", []string{
			`line 2: quotes.market_hours_only: cannot use string "sometimes" as a boolean`,
			`line 3: quotes.timeout: invalid duration "5" (use a number with a unit: 30s, 5m, 1h, 2d)`,
			`line 5: quotes.yahoo.batch_size: cannot use string "many" as an integer`,
		}},
		{"bad_values.bad.yml", []string{
			`line 2: global.timezone: unknown time zone "Mars/Olympus_Mons"`,
			`line 5: tickers[0].cik: "18013680000" is not a CIK (up to ten digits)`,
			`line 6: tickers[1].symbol: "mp materials" is not a ticker symbol (upper-case letters, digits, '.', '-', '=' or '^')`,
			`line 7: tickers[2].symbol: "MP" is listed twice`,
			`line 9: quotes.schedule: bad cron spec: expected exactly 5 fields, found 2: [every minute]`,
			`line 11: quotes.yahoo.base_url: must be an absolute http or https URL, got "ftp://query1.example.com"`,
			`line 12: quotes.yahoo.batch_size: must be between 1 and 50, got 120`,
			`line 15: feeds[0].url: must be an absolute http or https URL, got "/rss/news.xml"`,
			`line 16: feeds[1].name: feed "wire" is defined twice`,
			`line 17: feeds[1].url: is a template but neither per_ticker nor batch_size is set`,
			`line 19: feeds[2].url: bad template: unknown field .Sym (use {{.Symbol}}, {{.CIK}} or {{.Name}})`,
			`line 21: feeds[2].schedule: "CRON_TZ=America/New_York" has a time zone but no schedule`,
			`line 23: feeds[3].type: unknown feed type "atom" (want rss, yahoo_search, edgar, globenewswire, federal_register, dod_contracts or list_page)`,
		}},
		{"bad_refs.bad.yml", []string{
			`line 6: keywords.empty: needs at least one term in any or all`,
			`line 11: rules[0].receivers[0]: receiver "slack-ops" is not defined in receivers`,
			`line 14: rules[1].keywords[0]: keyword group "rare_earths" is not defined in keywords`,
			`line 15: rules[1].tickers[0]: ticker "TMQ" is not in the tickers list`,
			`line 17: rules[2]: a price rule needs a condition: change_pct, move_pct, above, below, volume_ratio or new_52_week`,
			`line 21: rules[3].type: unknown rule type "gossip" (want price, news, impact or source_health)`,
		}},
		{"rule_keys.bad.yml", []string{ // each rule type has its own keys
			`line 8: rules[0].keywords: not a key of a price rule`,
			`line 13: rules[1].change_pct: not a key of a news rule`,
			`line 14: rules[1].repeat_interval: not a key of a news rule`,
			`line 20: rules[2].quiet_hours: not a key of an impact rule`,
			`line 25: rules[3].window: not a key of a source_health rule`,
			`line 26: rules[3].thresold: unknown key "thresold"`,
			`line 28: rules[4].stale_for: not a key of a news rule`,
			// An unknown type is reported by validation, once the keys of
			// no type are fixed.
			`line 32: rules[5].colour: unknown key "colour"`,
		}},
		{"bad_feed_url.bad.yml", []string{
			`line 4: feeds[0]: set url or url_file, not both`,
			`line 8: feeds[1].url_file: cannot read secret file "testdata/no-such-feed-url.txt": no such file or directory`,
			`line 10: feeds[2].url_file: must hold an absolute http or https URL (value not shown: it is secret)`,
			`line 12: feeds[3].url_file: is a template but neither per_ticker nor batch_size is set`,
			`line 14: feeds[4].url: must be an absolute http or https URL, got "ftp://reader:xxxxx@feeds.example.com/rss"`,
		}},
		{"bad_env.bad.yml", []string{
			`line 4: receivers[0].slack.webhook_url: environment variable MONITORD_TEST_UNSET_VARIABLE is not set`,
		}},
		{"bad_secrets.bad.yml", []string{
			`line 3: receivers[0].slack: set webhook_url or webhook_url_file, not both`,
			`line 8: receivers[1].webhook.url_file: cannot read secret file "testdata/no-such-secret.txt": no such file or directory`,
			`line 11: receivers[2].slack.webhook_url: must be an absolute http or https URL (value not shown: it is secret)`,
			`line 12: receivers[3]: needs exactly one of slack, webhook or alertmanager, has 0`,
			`line 13: receivers[4]: needs exactly one of slack, webhook or alertmanager, has 2`,
			`line 17: receivers[4].alertmanager.urls[0]: must be an absolute http or https URL, got "localhost:9093"`,
		}},
		{"bad_sources.bad.yml", []string{
			`line 2: feeds[0].name: "quotes" is the quote poller's name as a source; choose another`,
			`line 7: rules[0].sources[0]: source "yahoo" is neither a feed nor "quotes" (the quote poller)`,
		}},
		{"bad_batch.bad.yml", []string{
			`line 7: feeds[0].batch_size: set per_ticker or batch_size, not both`,
			`line 9: feeds[1].url: a batch_size feed's URL must use {{.Symbols}}, {{.Names}} or {{.CIKs}}, e.g. {{join .Symbols ","}}`,
			`line 13: feeds[2].batch_size: must be positive, got -1`,
			`line 15: feeds[3].url: bad template: unknown field .Tickers (use {{.Symbols}}, {{.Names}} or {{.CIKs}})`,
		}},
		{"bad_primary.bad.yml", []string{
			`line 4: feeds[0].list_page: is required for a list_page feed: at least item, the CSS selector of each entry`,
			`line 11: feeds[1].list_page.item: bad CSS selector "ul.list > li[": expected identifier, found EOF instead`,
			`line 12: feeds[1].list_page.link: bad CSS selector "a[href": unexpected EOF in attribute selector`,
			`line 14: feeds[1].list_page.date_layout: "Jan 2" is not a Go time layout with a year, a month and a day (such as 2006-01-02 or 2006年01月02日)`,
			`line 15: feeds[1].list_page.date_pattern: bad regular expression: error parsing regexp: missing closing ): ` + "`(\\d{4}年`",
			`line 16: feeds[1].list_page.timezone: unknown time zone "Asia/Nowhere"`,
			`line 20: feeds[2].list_page.item: is required: the CSS selector of each entry of the list`,
			`line 24: feeds[3].list_page: only for a feed of type list_page`,
			`line 26: feeds[3].federal_register: only for a feed of type federal_register`,
			`line 32: feeds[4].federal_register.agencies[1]: "Trade Representative" is not an agency slug (lower-case words joined by '-', as in industry-and-security-bureau)`,
		}},
		{"bad_providers.bad.yml", []string{
			`line 4: quotes.providers[1]: unknown provider "bloomberg" (want one of yahoo, yahoo_chart, finnhub)`,
			`line 5: quotes.providers[2]: "yahoo" is listed twice`,
			`line 6: quotes.providers[3]: finnhub needs quotes.finnhub.api_key or api_key_file`,
		}},
		{"bad_http_config.bad.yml", []string{
			`line 7: feeds[0].http_config.basic_auth.password_file: cannot read "testdata/no-such-password.txt": no such file or directory`,
			`line 10: feeds[1].http_config: at most one of basic_auth, oauth2 & authorization must be configured`,
			`line 20: receivers[0].http_config.tls_config.ca_file: cannot read "testdata/no-such-ca.pem": no such file or directory`,
		}},
		{"bad_edgar.bad.yml", []string{
			`line 11: feeds[0].enabled: SEC EDGAR requires a contact e-mail in the User-Agent: set global.user_agent (or this feed's user_agent) to "Company Name admin@example.com"`,
			`line 14: feeds[1].url: a per_ticker edgar feed must use {{.CIK}}`,
		}},
		{"bad_news.bad.yml", []string{
			`line 2: news.host_rate_limit: must be positive, got 0`,
			`line 3: news.host_burst: must be at least 1, got 0`,
			`line 4: news.max_concurrent_fetches: must be at least 1, got 0`,
		}},
		// Aliases keep their capitals: one written all in lower case would
		// match only lower-case text, so it must say it means any case.
		{"bad_aliases.bad.yml", []string{
			`line 4: tickers[0].aliases[0]: "niocorp" has no capital letter, so it matches only text in lower case: write it as headlines do, or list it in aliases_any_case`,
			`line 6: tickers[0].aliases[2]: is empty`,
			`line 7: tickers[0].aliases_any_case[0]: is empty`,
			`line 9: tickers[1].aliases[1]: "energy fuels" has no capital letter, so it matches only text in lower case: write it as headlines do, or list it in aliases_any_case`,
			`line 10: tickers[1].aliases_any_case: cannot use string "EFR" as a list`,
		}},
		{"alias_loop.bad.yml", []string{ // an anchor inside itself: an error, not a hang
			`line 2: tickers[0].aliases[0].symbol: cannot use a mapping "" as a string`,
		}},
		{"syntax.bad.yml", []string{
			`line 2: did not find expected ',' or ']'`,
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			cfg, err := LoadFile(filepath.Join("testdata", tc.file))
			if err == nil {
				t.Fatalf("got config %+v, want an error", cfg)
			}
			var got []string
			for _, p := range Problems(err) {
				got = append(got, p.String())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(err.Error(), "testdata/"+tc.file+": ") {
				t.Errorf("got error %q, want it to start with the file name", err)
			}
		})
	}
}

func TestBuiltinConfig(t *testing.T) {
	cfg, err := Load(configs.Default, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"MP": "0001801368", "TMQ": "0001543418", "LAC": "0001966983",
		"USAR": "0001970622", "UUUU": "0001385849", "NB": "0001512228", "CRML": "0001951089"}
	for _, tk := range cfg.Tickers {
		if cik, ok := want[tk.Symbol]; ok {
			if tk.CIK != cik || tk.Name == "" || len(tk.Aliases) == 0 {
				t.Errorf("ticker %s: got cik %q name %q aliases %v, want cik %s with a name and aliases", tk.Symbol, tk.CIK, tk.Name, tk.Aliases, cik)
			}
			delete(want, tk.Symbol)
		}
	}
	if len(want) > 0 {
		t.Errorf("built-in watchlist lacks %v", want)
	}
	if len(cfg.Receivers) != 0 {
		t.Errorf("got %d receivers in the built-in config, want none (they need secrets)", len(cfg.Receivers))
	}
	if _, ok := cfg.Keywords["rare_earth"]; !ok {
		t.Error("built-in config has no rare_earth keyword group")
	}
	for _, f := range cfg.Feeds {
		if f.Type == FeedEDGAR && f.IsEnabled(cfg.Global) {
			t.Errorf("feed %s: EDGAR enabled without a contact in the User-Agent", f.Name)
		}
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := LoadFile("testdata/minimal.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(DefaultGlobal, cfg.Global); diff != "" {
		t.Errorf("global (-want +got):\n%s", diff)
	}
	wantQuotes := DefaultQuotes
	wantQuotes.Providers = []string{ProviderYahoo, ProviderYahooChart} // no Finnhub key
	if diff := cmp.Diff(wantQuotes, cfg.Quotes); diff != "" {
		t.Errorf("quotes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(DefaultNews, cfg.News); diff != "" {
		t.Errorf("news (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(DefaultImpact, cfg.Impact); diff != "" {
		t.Errorf("impact (-want +got):\n%s", diff)
	}
	if got := cfg.Tickers[0].CIK; got != "0001801368" {
		t.Errorf("got CIK %q, want it padded to ten digits", got)
	}
	if got := cfg.Location().String(); got != "America/New_York" {
		t.Errorf("got location %s, want America/New_York", got)
	}
	// Defaults inside list elements and nested sections apply too.
	cfg, err = Load([]byte(`
quotes:
  yahoo:
    batch_size: 20
feeds:
  - name: wire
    url: https://news.example.com/rss
rules:
  - name: r
    type: price
    above: 10
    receivers: [am]
receivers:
  - name: am
    alertmanager:
      urls: [http://127.0.0.1:9093]
`), "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Quotes.Yahoo.BaseURL, DefaultYahoo.BaseURL; got != want {
		t.Errorf("got yahoo base_url %q, want the default %q kept beside batch_size", got, want)
	}
	f := cfg.Feeds[0]
	if f.Type != FeedRSS || f.Schedule != DefaultNews.Schedule || f.Timeout != DefaultNews.Timeout || f.MaxBodySize != DefaultNews.MaxBodySize {
		t.Errorf("got feed %+v, want news defaults applied", f)
	}
	r := cfg.Rules[0]
	if p, ok := r.Spec.(*PriceRule); !ok || r.Severity != "warning" || p.HysteresisPct != 0.5 || p.VolumeAverage != "10d" {
		t.Errorf("got rule %+v with %+v, want rule and price rule defaults", r, r.Spec)
	}
	if got := cfg.Receivers[0].MaxAge.D(); got != 24*time.Hour {
		t.Errorf("got receiver max_age %v, want 24h", got)
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	const slackURL = "https://hooks.slack.example/services/T000/B000/hunter2hunter2"
	const token = "tok-0123456789abcdef"
	t.Setenv("MONITORD_TEST_SLACK_URL", slackURL)
	t.Setenv("MONITORD_TEST_TOKEN", token)
	cfg, err := LoadFile("testdata/secrets.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{slackURL, "hunter2", token, "c2VjcmV0LWhtYWMta2V5LWZvci10ZXN0cw"}
	if got := cfg.Receivers[0].Slack.WebhookURL.Reveal(); got != slackURL {
		t.Errorf("got slack URL %q from ${ENV}, want %q", got, slackURL)
	}
	if got := cfg.Receivers[1].Webhook.Secret.Reveal(); !strings.HasPrefix(got, "whsec_") {
		t.Errorf("got webhook secret %q from secret_file, want the file's content", got)
	}

	redacted, err := cfg.Redacted()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	zap.New(zapcore.NewCore(enc, zapcore.AddSync(&logs), zap.DebugLevel)).
		Info("Config", zap.Any("config", cfg), zap.Any("receiver", cfg.Receivers[0]), zap.Stringer("url", cfg.Receivers[0].Slack.WebhookURL))
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"Redacted":  string(redacted),
		"%v":        fmt.Sprintf("%v", cfg),
		"%+v":       fmt.Sprintf("%+v", *cfg),
		"%#v":       fmt.Sprintf("%#v", cfg.Receivers),
		"%s secret": fmt.Sprintf("url=%s", cfg.Receivers[0].Slack.WebhookURL),
		"zap":       logs.String(),
		"json":      string(js),
	}
	for name, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s output contains a secret: %s", name, out)
			}
		}
	}
	if !strings.Contains(string(redacted), "webhook_url: <secret>") {
		t.Errorf("got redacted config without <secret> markers:\n%s", redacted)
	}
}

// TestFeedURLCredentialsNeverShown reproduces feed URLs shown verbatim in
// /config: the password of a URL's userinfo and an API key in its query
// are redacted, a URL read from url_file is not shown at all, and a
// template without credentials is shown as written.
func TestFeedURLCredentialsNeverShown(t *testing.T) {
	cfg, err := LoadFile("testdata/feed_url_file.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Feeds[0].URL, "http://reader:s3cretPASSWORD@feeds.example.com/{{.Symbol}}/rss?apikey=APIKEY123&lang=en"; got != want {
		t.Errorf("url_file: got URL %q, want the file's content %q", got, want)
	}
	redacted, err := cfg.Redacted()
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"s3cretPASSWORD", "APIKEY123", "feeds.example.com/{{.Symbol}}/rss?apikey"} {
		if strings.Contains(string(redacted), secret) {
			t.Errorf("/config shows %q:\n%s", secret, redacted)
		}
	}
	for _, want := range []string{
		"url_file: feed-url.txt",
		"url: http://reader:xxxxx@wire.example.com/rss?apikey=xxxxx&q=rare+earth",
		"url: https://feeds.example.com/{{.Symbol}}/rss?lang=en",
	} {
		if !strings.Contains(string(redacted), want) {
			t.Errorf("/config lacks %q:\n%s", want, redacted)
		}
	}
}

func TestSecretNotInErrors(t *testing.T) {
	t.Setenv("MONITORD_TEST_SLACK_URL", "hooks.slack.example/hunter2-missing-scheme")
	t.Setenv("MONITORD_TEST_TOKEN", "x")
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/secrets.good.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "c.yml"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadFile(filepath.Join(dir, "c.yml"))
	if err == nil {
		t.Fatal("got nil error for a secret URL without scheme")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error reveals the secret: %v", err)
	}
}

func TestParseSchedule(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	for _, tc := range []struct {
		spec    string
		wantErr string
	}{
		{"@every 1m", ""},
		{"*/5 9-16 * * MON-FRI", ""},
		{"CRON_TZ=Europe/London 0 8 * * *", ""},
		{"CRON_TZ=Nowhere/Else 0 8 * * *", "bad cron spec: provided bad location Nowhere/Else: unknown time zone Nowhere/Else"},
		{"CRON_TZ=UTC", `"CRON_TZ=UTC" has a time zone but no schedule`},
		{"@every 100ms", "@every must be at least 1s"},
		{"", "is required"},
		{"61 * * * *", "bad cron spec: end of range (61) above maximum (59): 61"},
	} {
		_, err := ParseSchedule(tc.spec, ny)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.wantErr {
			t.Errorf("ParseSchedule(%q): got error %q, want %q", tc.spec, got, tc.wantErr)
		}
	}
	// A spec without CRON_TZ runs in the global time zone.
	s, err := ParseSchedule("30 9 * * *", ny)
	if err != nil {
		t.Fatal(err)
	}
	next := s.Next(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 11, 27, 9, 30, 0, 0, ny); !next.Equal(want) {
		t.Errorf("got next run %v, want %v", next, want)
	}
}

func TestClockRange(t *testing.T) {
	from, to, err := ParseClockRange("22:00-07:30")
	if err != nil || from != 22*60 || to != 7*60+30 {
		t.Errorf("got %d, %d, %v; want 1320, 450, nil", from, to, err)
	}
	for _, bad := range []string{"22:00", "25:00-01:00", "08:00-08:00"} {
		if _, _, err := ParseClockRange(bad); err == nil {
			t.Errorf("ParseClockRange(%q): got nil error", bad)
		}
	}
}
