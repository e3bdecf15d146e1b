package replay

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/monitord/monitord/internal/config"
)

const (
	goodQuote = `{"time": "2026-03-03T10:00:00-05:00", "symbol": "MP", "price": 25.5, "previous_close": 25}`
	goodStory = `{"time": "2026-03-03T10:00:00-05:00", "feed": "synthetic-wire", "title": "[SYNTHETIC] NdPr output rises"}`
	goodPoll  = `{"time": "2026-03-03T10:00:00-05:00", "source": "synthetic-wire", "ok": true}`
)

// writeDir writes a recording directory from file name to lines.
func writeDir(t *testing.T, files map[string][]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, lines := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestReadErrors: every bad line is refused with its file, line and key.
func TestReadErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string][]string
		want  string
	}{
		{"syntax", map[string][]string{QuotesFile: {goodQuote, `{"time": "2026-03-03T10:01:00-05:00",`}},
			`quotes.jsonl:2: invalid JSON: unexpected EOF`},
		{"comments and blank lines keep the numbering", map[string][]string{QuotesFile: {"# SYNTHETIC", "", goodQuote, `[1, 2]`}},
			`quotes.jsonl:4: want an object, got array`},
		{"two values", map[string][]string{QuotesFile: {goodQuote + " {}"}},
			`quotes.jsonl:1: more than one JSON value on the line`},
		{"unknown key", map[string][]string{QuotesFile: {`{"time": "2026-03-03T10:00:00Z", "symbol": "MP", "prise": 1}`}},
			`quotes.jsonl:1: unknown key "prise"`},
		{"missing time", map[string][]string{QuotesFile: {`{"symbol": "MP", "price": 1}`}},
			`quotes.jsonl:1: time: is required`},
		{"time without offset", map[string][]string{QuotesFile: {`{"time": "2026-03-03 10:00", "symbol": "MP", "price": 1}`}},
			`quotes.jsonl:1: time: "2026-03-03 10:00" is not an RFC 3339 time such as 2026-03-03T10:00:00-05:00`},
		{"fetched before priced", map[string][]string{QuotesFile: {`{"time": "2026-03-03T10:00:00Z", "fetched_at": "2026-03-03T09:59:00Z", "symbol": "MP", "price": 1}`}},
			`quotes.jsonl:1: fetched_at: 2026-03-03T09:59:00Z is before the quote's time 2026-03-03T10:00:00Z`},
		{"no symbol", map[string][]string{QuotesFile: {`{"time": "2026-03-03T10:00:00Z", "price": 1}`}},
			`quotes.jsonl:1: symbol: is required`},
		{"price not positive", map[string][]string{QuotesFile: {`{"time": "2026-03-03T10:00:00Z", "symbol": "MP", "price": -1}`}},
			`quotes.jsonl:1: price: must be positive, got -1`},
		{"price as text", map[string][]string{QuotesFile: {`{"time": "2026-03-03T10:00:00Z", "symbol": "MP", "price": "25.5"}`}},
			`quotes.jsonl:1: price: want a number, got string`},
		{"volume fraction", map[string][]string{QuotesFile: {`{"time": "2026-03-03T10:00:00Z", "symbol": "MP", "price": 1, "volume": 1.5}`}},
			`quotes.jsonl:1: volume: want a whole number, got number 1.5`},
		{"negative average", map[string][]string{QuotesFile: {`{"time": "2026-03-03T10:00:00Z", "symbol": "MP", "price": 1, "avg_volume_10d": -3}`}},
			`quotes.jsonl:1: avg_volume_10d: must be a number of at least 0, got -3`},
		{"market state", map[string][]string{QuotesFile: {`{"time": "2026-03-03T10:00:00Z", "symbol": "MP", "price": 1, "market_state": "OPEN"}`}},
			`quotes.jsonl:1: market_state: must be one of PRE, REGULAR, POST, CLOSED, PREPRE, POSTPOST, got "OPEN"`},
		{"two quotes of a symbol in a poll", map[string][]string{QuotesFile: {goodQuote, goodQuote}},
			`quotes.jsonl:2: symbol: MP already has a quote fetched at this time (line 1)`},
		{"story without title", map[string][]string{StoriesFile: {`{"time": "2026-03-03T10:00:00Z", "feed": "f", "title": " "}`}},
			`stories.jsonl:1: title: is required`},
		{"story without feed", map[string][]string{StoriesFile: {`{"time": "2026-03-03T10:00:00Z", "title": "t"}`}},
			`stories.jsonl:1: feed: is required`},
		{"story published", map[string][]string{StoriesFile: {`{"time": "2026-03-03T10:00:00Z", "published": "yesterday", "feed": "f", "title": "t"}`}},
			`stories.jsonl:1: published: "yesterday" is not an RFC 3339 time such as 2026-03-03T10:00:00-05:00`},
		{"story tickers", map[string][]string{StoriesFile: {goodStory, `{"time": "2026-03-03T10:00:00Z", "feed": "f", "title": "t", "tickers": "MP"}`}},
			`stories.jsonl:2: tickers: want a list, got string`},
		{"story empty ticker", map[string][]string{StoriesFile: {`{"time": "2026-03-03T10:00:00Z", "feed": "f", "title": "t", "tickers": ["MP", ""]}`}},
			`stories.jsonl:1: tickers[1]: is empty`},
		{"poll without ok", map[string][]string{QuotesFile: {goodQuote}, SourcesFile: {`{"time": "2026-03-03T10:00:00Z", "source": "yahoo"}`}},
			`sources.jsonl:1: ok: is required (true or false)`},
		{"reason of a success", map[string][]string{QuotesFile: {goodQuote}, SourcesFile: {goodPoll, `{"time": "2026-03-03T10:00:00Z", "source": "yahoo", "ok": true, "reason": "http_503"}`}},
			`sources.jsonl:2: reason: only a failed poll has a reason`},
		{"poll without source", map[string][]string{QuotesFile: {goodQuote}, SourcesFile: {`{"time": "2026-03-03T10:00:00Z", "ok": false}`}},
			`sources.jsonl:1: source: is required`},
		{"ok as text", map[string][]string{QuotesFile: {goodQuote}, SourcesFile: {`{"time": "2026-03-03T10:00:00Z", "source": "yahoo", "ok": "yes"}`}},
			`sources.jsonl:1: ok: want true or false, got string`},
		{"only sources", map[string][]string{SourcesFile: {goodPoll}},
			`no quotes.jsonl or stories.jsonl`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeDir(t, tc.files)
			_, err := Read(dir)
			if err == nil {
				t.Fatalf("got no error, want %q", tc.want)
			}
			got := strings.TrimPrefix(err.Error(), dir+": ")
			if got != tc.want {
				t.Errorf("got error %q, want %q", got, tc.want)
			}
		})
	}
}

// TestReadOrder: lines are replayed in time order whatever the file
// order; quotes by their fetch time.
func TestReadOrder(t *testing.T) {
	dir := writeDir(t, map[string][]string{
		QuotesFile: {
			`{"time": "2026-03-03T10:05:00-05:00", "symbol": "MP", "price": 2}`,
			`{"time": "2026-03-03T10:00:00-05:00", "fetched_at": "2026-03-03T10:10:00-05:00", "symbol": "MP", "price": 3}`,
			`{"time": "2026-03-03T09:59:00-05:00", "symbol": "MP", "price": 1}`,
		},
	})
	rec, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, q := range rec.Quotes {
		lines = append(lines, q.Line)
	}
	if diff := cmp.Diff([]int{3, 1, 2}, lines); diff != "" {
		t.Errorf("order of lines (-want +got):\n%s", diff)
	}
	var le *LineError
	if _, err := Read(writeDir(t, map[string][]string{QuotesFile: {"{"}})); !errors.As(err, &le) || le.Line != 1 || le.File != QuotesFile {
		t.Errorf("got %v, want a *LineError for quotes.jsonl:1", err)
	}
}

// TestRunChecks: what Run refuses or sets aside under a configuration.
func TestRunChecks(t *testing.T) {
	cfg, err := config.Load([]byte(`
tickers: [{symbol: MP}]
feeds: [{name: synthetic-wire, url: "https://synthetic.invalid/wire.xml"}]
impact: {benchmark: REMX}
`), "")
	if err != nil {
		t.Fatal(err)
	}
	dir := writeDir(t, map[string][]string{
		QuotesFile: {goodQuote, `{"time": "2026-03-03T10:00:00-05:00", "symbol": "XYZ", "price": 1}`},
		SourcesFile: {goodPoll, `{"time": "2026-03-03T10:01:00-05:00", "source": "nowhere", "ok": false}`,
			`{"time": "2026-03-03T10:02:00-05:00", "source": "nowhere", "ok": false}`},
	})
	rec, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), rec, Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	st := res.Stats
	if st.Quotes != 1 || st.IgnoredQuotes != 1 || st.Polls != 1 || st.IgnoredPolls != 2 ||
		!cmp.Equal(st.IgnoredSymbols, []string{"XYZ"}) || !cmp.Equal(st.IgnoredSources, []string{"nowhere"}) {
		t.Errorf("got stats %+v", st)
	}
	out := report(t, res)
	for _, w := range []string{"Ignored: 1 quote of symbols the configuration does not poll: XYZ",
		"Ignored: 2 source polls of sources the configuration does not have: nowhere"} {
		if !strings.Contains(out, w) {
			t.Errorf("report lacks %q:\n%s", w, out)
		}
	}

	early := time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC)
	_, err = Run(context.Background(), rec, Options{Config: cfg, Until: early})
	if want := "until 2026-03-03T14:00:00Z is before the last event of the recording (2026-03-03T15:00:00Z)"; err == nil || err.Error() != want {
		t.Errorf("got error %v, want %q", err, want)
	}
	if _, err := Run(context.Background(), rec, Options{}); err == nil {
		t.Error("Run without a configuration: got no error")
	}
}
