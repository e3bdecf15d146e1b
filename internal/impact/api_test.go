package impact

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// apiHarness has three stories: s1 on MP and USAR (Tuesday 10:00), s2 on
// UUUU (Tuesday 11:00) and s3 on MP after hours (Tuesday 18:00, measured
// from Wednesday's open). Quotes stop at 10:06 on Tuesday and resume at
// the close, and the clock stands at Wednesday 09:40: every state shows.
func apiHarness(t *testing.T) (*harness, http.Handler) {
	t.Helper()
	h := newHarness(t, testConfig())
	d := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	scripts := map[string]steps{
		"MP":   {{d("09:00"), 20}, {d("10:04"), 21}},
		"USAR": {{d("09:00"), 10}, {d("10:04"), 9.5}},
		"UUUU": {{d("09:00"), 5}},
		"REMX": {{d("09:00"), 50}, {d("10:10"), 50.25}},
	}
	h.pollMinutes(d("09:58"), d("10:00"), scripts)
	h.stories(d("10:00:30"), story("s1", "MP Materials and USA Rare Earth sign magnet supply deal", d("10:00"), "MP", "USAR"))
	h.pollMinutes(d("10:01"), d("10:06"), scripts)
	h.stories(d("11:00:30"), story("s2", "Energy Fuels ships first NdPr oxide", d("11:00"), "UUUU"))
	h.poll(d("16:00:20"), q("MP", 21.5, d("16:00")), q("USAR", 9.8, d("16:00")), q("UUUU", 5.1, d("16:00")), q("REMX", 50.5, d("16:00")))
	h.stories(d("18:00:30"), story("s3", "MP Materials wins DoD export licence", d("18:00"), "MP"))
	wed := func(s string) time.Time { return ny(t, "2026-06-17 "+s) }
	h.pollMinutes(wed("09:30"), wed("09:38"), map[string]steps{
		"MP":   {{wed("09:30"), 22}, {wed("09:34"), 23.1}},
		"USAR": {{wed("09:30"), 9.9}},
		"UUUU": {{wed("09:30"), 5.1}},
		"REMX": {{wed("09:30"), 50}},
	})
	h.tick(wed("09:40"))
	return h, NewHandler(h.st, h.clock.Now, nil)
}

func get(t *testing.T, hd http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	hd.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func TestEventsAPIGolden(t *testing.T) {
	_, hd := apiHarness(t)
	for _, tt := range []struct{ name, target string }{
		{"events.json", "/api/v1/events?ticker=mp&limit=2"},
		{"annotations.json", "/api/v1/events?format=annotations&ticker=MP"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, hd, http.MethodGet, tt.target)
			if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("got %d %q, want 200 application/json: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, rec.Body.Bytes(), "", "  "); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.name)
			if *update {
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), pretty.String()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.target, diff)
			}
		})
	}
}

func TestEventsAPIParameters(t *testing.T) {
	h, hd := apiHarness(t)
	tue := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	ms := strconv.FormatInt(tue("10:30").UnixMilli(), 10)
	sec := strconv.FormatInt(tue("10:30").Unix(), 10)
	tests := []struct {
		name, query string
		// want is the story ids with their tickers, newest first.
		want []string
	}{
		{"all, newest first", "", []string{"s3 MP", "s2 UUUU", "s1 MP USAR"}},
		{"limit", "limit=2", []string{"s3 MP", "s2 UUUU"}},
		{"ticker keeps only its impact", "ticker=USAR", []string{"s1 USAR"}},
		{"ticker in lower case", "ticker=mp", []string{"s3 MP", "s1 MP"}},
		{"unknown ticker", "ticker=LAC", nil},
		{"since RFC 3339", "since=2026-06-16T14:30:00Z", []string{"s3 MP", "s2 UUUU"}},
		{"since Unix milliseconds (Grafana's ${__from})", "since=" + ms, []string{"s3 MP", "s2 UUUU"}},
		{"since Unix seconds", "since=" + sec, []string{"s3 MP", "s2 UUUU"}},
		{"since a duration before now", "since=16h", []string{"s3 MP"}},
		{"since is inclusive", "since=2026-06-16T15:00:00Z", []string{"s3 MP", "s2 UUUU"}},
		{"until", "since=2026-06-16T13:00:00Z&until=2026-06-16T15:00:00Z", []string{"s2 UUUU", "s1 MP USAR"}},
		{"ticker and limit", "ticker=MP&limit=1", []string{"s3 MP"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, hd, http.MethodGet, "/api/v1/events?"+tt.query)
			if rec.Code != http.StatusOK {
				t.Fatalf("got %d, want 200: %s", rec.Code, rec.Body)
			}
			var body struct {
				Status string
				Data   []Event
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ev := range body.Data {
				s := ev.ID
				for _, im := range ev.Impacts {
					s += " " + im.Ticker
				}
				got = append(got, s)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || body.Status != "success" {
				t.Errorf("status %q, events (-want +got):\n%s", body.Status, diff)
			}
		})
	}
	if rows, err := h.eng.Rows(tue("10:30"), "MP", 10); err != nil || len(rows) != 1 || rows[0].ID != "s3" {
		t.Errorf("Rows(since 10:30, MP): got %v %v, want s3 only", rows, err)
	}
}

func TestEventsAPIBadRequests(t *testing.T) {
	_, hd := apiHarness(t)
	tests := []struct {
		name, method, query string
		code                int
		want                string
	}{
		{"since not a time", "GET", "since=yesterday", 400,
			`invalid since: "yesterday" is neither an RFC 3339 time, Unix seconds or milliseconds, nor a duration such as 24h`},
		{"until not a time", "GET", "until=2026-13-01", 400,
			`invalid until: "2026-13-01" is neither an RFC 3339 time, Unix seconds or milliseconds, nor a duration such as 24h`},
		{"until before since", "GET", "since=2026-06-17T00:00:00Z&until=2026-06-16T00:00:00Z", 400,
			"invalid until: 2026-06-16T00:00:00Z is before since 2026-06-17T00:00:00Z"},
		{"limit zero", "GET", "limit=0", 400, `invalid limit "0": want an integer from 1 to 1000`},
		{"limit too large", "GET", "limit=5000", 400, `invalid limit "5000": want an integer from 1 to 1000`},
		{"limit not a number", "GET", "limit=ten", 400, `invalid limit "ten": want an integer from 1 to 1000`},
		{"ticker not a symbol", "GET", "ticker=M%20P", 400, `invalid ticker "M P": want a symbol such as MP or UCU.V`},
		{"unknown format", "GET", "format=csv", 400, `invalid format "csv": want json or annotations`},
		{"POST", "POST", "", 405, "method POST not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, hd, tt.method, "/api/v1/events?"+tt.query)
			var body struct{ Status, Error string }
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if rec.Code != tt.code || body.Status != "error" || body.Error != tt.want {
				t.Errorf("got %d %q %q, want %d error %q", rec.Code, body.Status, body.Error, tt.code, tt.want)
			}
		})
	}
}
