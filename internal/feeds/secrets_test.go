package feeds

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
)

// TestFeedURLCredentialsNeverLeak reproduces feed URLs with credentials
// (http://user:PASSWORD@host/feed?apikey=KEY) written verbatim into
// warnings and errors: whatever a poll meets (a 5xx and its backoff, a
// 404, a page that is not a feed, a success), no log line and no error
// holds the password or the key. A URL read from url_file shows only its
// scheme and host.
func TestFeedURLCredentialsNeverLeak(t *testing.T) {
	const password, key, pathToken = "s3cretPASSWORD", "APIKEY123", "PATHTOKEN99"
	h := newHarness(t)
	secretFile := filepath.Join(t.TempDir(), "vendor-url")
	host := strings.TrimPrefix(h.server.srv.URL, "http://")
	if err := os.WriteFile(secretFile, []byte("http://"+host+"/vendor/"+pathToken+"/rss\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := h.service(h.config(fmt.Sprintf(`
feeds:
  - name: desk
    url: "http://reader:%s@%s/desk.xml?apikey=%s&lang=en"
  - name: vendor
    url_file: %q
`, password, host, key, secretFile)))
	desk, vendor := h.source(src, "desk"), h.source(src, "vendor")
	const deskURI, vendorURI = "/desk.xml?apikey=" + key + "&lang=en", "/vendor/" + pathToken + "/rss"
	var errs []error
	for _, r := range []reply{
		{status: http.StatusServiceUnavailable, body: []byte("down")},
		{status: http.StatusNotFound, body: []byte("gone")},
		{body: []byte("<html><body>Sign in</body></html>")},
		{body: rssBody([3]string{"a1", "Neodymium output rises at Texas plant", "Wed, 26 Aug 2026 10:00:00 GMT"})},
	} {
		h.server.set(deskURI, r)
		h.server.set(vendorURI, r)
		for _, s := range []*Source{desk, vendor} {
			if _, err := s.Poll(context.Background()); err != nil && !errors.Is(err, ErrSkipped) {
				errs = append(errs, err)
			}
		}
		h.clock.Advance(2 * time.Hour) // past any backoff
	}
	if len(errs) < 5 { // the vendor feed skips the 503: its host is paused
		t.Fatalf("got %d poll errors, want the failures of both feeds: %v", len(errs), errs)
	}
	var seen []string
	for _, err := range errs {
		seen = append(seen, "error: "+err.Error())
	}
	for _, e := range h.logs.All() {
		seen = append(seen, fmt.Sprintf("log: %s %v", e.Message, e.ContextMap()))
	}
	for _, line := range seen {
		for _, secret := range []string{password, key, pathToken} {
			if strings.Contains(line, secret) {
				t.Errorf("%q leaks in %s", secret, line)
			}
		}
	}
	if got := h.logs.FilterMessage("Feed fetch failed").FilterField(zap.String("url", "http://reader:xxxxx@"+host+"/desk.xml?apikey=xxxxx&lang=en")).Len(); got == 0 {
		t.Error("no warning names the desk feed's redacted URL")
	}
	if got := h.logs.FilterMessage("Feed fetch failed").FilterField(zap.String("url", "http://"+host+"/<secret>")).Len(); got == 0 {
		t.Error("no warning names the url_file feed by its host")
	}
}
