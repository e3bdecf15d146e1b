//go:build unix

package status_test

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/monitord/monitord/internal/apptest"
	"github.com/monitord/monitord/internal/clocktest"
	"github.com/monitord/monitord/internal/testupstream"
)

// closedPort returns a loopback URL nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// TestStatusPageFirstMinutesInChromium renders, in Chromium, the page a
// newcomer sees before anything has worked: on a Saturday, why there are
// no prices and when the market opens, the quote source waiting rather
// than "ok", an EDGAR feed disabled for want of a contact e-mail, and each
// failing feed's cause in words; then, mid-session with Yahoo down, that
// the quotes are failing and why.
func TestStatusPageFirstMinutesInChromium(t *testing.T) {
	bin := chromium(t)
	instants := map[string]clocktest.Instant{}
	for _, in := range clocktest.Instants(t, time.Now()) {
		instants[in.Name] = in
	}

	t.Run("market closed", func(t *testing.T) {
		now := clocktest.Clock(instants["saturday"].At)
		up := testupstream.New()
		t.Cleanup(up.Close)
		up.SetClock(now)
		up.SetPrice("MP", testupstream.Price{Price: 58.41, PrevClose: 56.9, Volume: 9412337})
		up.SetFeed("broken", "text/html", "<html>Service Unavailable</html>", http.StatusServiceUnavailable)
		cfg := strings.NewReplacer("UPSTREAM", up.URL, "REFUSED", closedPort(t)).Replace(`
global:
  user_agent: "monitord-test/1.0"
tickers:
  - symbol: MP
    name: MP Materials
    cik: "0001801368"
quotes:
  market_hours_only: true
  yahoo:
    base_url: UPSTREAM
    chart_url: UPSTREAM
    cookie_url: UPSTREAM/cookie
feeds:
  - name: edgar-8k
    type: edgar
    url: "UPSTREAM/edgar?CIK={{.CIK}}"
    per_ticker: true
  - name: refused
    url: REFUSED/feed
  - name: broken
    url: UPSTREAM/feeds/broken
`)
		base := apptest.Start(t, cfg, apptest.WithClock(now)).Base
		waitFor(t, base+"/", 30*time.Second, "both feeds failing", func(b string) bool {
			return strings.Contains(b, "connection refused") && strings.Contains(b, "HTTP 5xx server error")
		})
		doc := renderedDOM(t, bin, base+"/")
		note := text(byID(t, doc, "market-note"))
		if !strings.Contains(note, "The market is closed") || !strings.Contains(note, "next regular session opens Mon") {
			t.Errorf("market note: %q", note)
		}
		_, cells := rows(t, doc, "source-table")
		got := map[string][]string{}
		for _, r := range cells {
			got[r[0]] = r
		}
		for name, want := range map[string][2]string{ // state, cause or note
			"quotes":   {"waiting", "market closed: not polled until it opens"},
			"edgar-8k": {"disabled", "SEC EDGAR requires a contact e-mail in the User-Agent: set global.user_agent"},
			"refused":  {"failing", "connection refused"},
			"broken":   {"failing", "HTTP 5xx server error"},
		} {
			r := got[name]
			if len(r) < 6 || r[2] != want[0] || !strings.HasPrefix(r[5], want[1]) {
				t.Errorf("source %s: got %q, want state %q and %q", name, r, want[0], want[1])
			}
		}
		screenshot(t, bin, base+"/", artifactsDir(t), "status-first-minutes-closed.png", 1280, 1400)
	})

	t.Run("quotes failing", func(t *testing.T) {
		now := clocktest.Clock(instants["mid-session"].At)
		down := closedPort(t)
		cfg := fmt.Sprintf(`
tickers:
  - symbol: MP
quotes:
  providers: [yahoo]
  yahoo:
    base_url: %[1]s
    cookie_url: %[1]s/cookie
`, down)
		base := apptest.Start(t, cfg, apptest.WithClock(now)).Base
		waitFor(t, base+"/", 30*time.Second, "the quotes failing", func(b string) bool {
			return strings.Contains(b, "Quotes are failing")
		})
		doc := renderedDOM(t, bin, base+"/")
		if note := text(byID(t, doc, "market-note")); note != "Quotes are failing: connection refused." {
			t.Errorf("market note: %q", note)
		}
		_, cells := rows(t, doc, "source-table")
		if len(cells) == 0 || cells[0][0] != "quotes" || cells[0][2] != "failing" || cells[0][5] != "connection refused" {
			t.Errorf("quote source row: %q", cells)
		}
		screenshot(t, bin, base+"/", artifactsDir(t), "status-first-minutes-quotes-failing.png", 1280, 1000)
	})
}
