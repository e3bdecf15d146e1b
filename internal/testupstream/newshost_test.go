package testupstream

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, url, etag string) (status int, body, gotETag string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header.Get("ETag")
}

func TestNewsHostShapes(t *testing.T) {
	h := NewNewsHost(NewsHostOptions{Symbols: []string{"AAA", "BBB", "CCC"}, Names: []string{"Alpha Corp", "Beta Corp", "Gamma Corp"},
		Items: 5, Validators: true})
	defer h.Close()
	ticker := strings.ReplaceAll(h.TickerTemplate(), "{{.Symbol}}", "BBB")
	batch := strings.ReplaceAll(h.BatchTemplate(), `{{join .Symbols ","}}`, "AAA,BBB")
	other := strings.ReplaceAll(h.TickerTemplate(), "{{.Symbol}}", "CCC")

	etags := map[string]string{}
	for _, u := range []string{ticker, batch, other, h.MarketURL()} {
		status, body, etag := get(t, u, "")
		if status != http.StatusOK || !strings.Contains(body, "<item>") {
			t.Fatalf("GET %s: %d, want 200 with items:\n%s", u, status, body)
		}
		etags[u] = etag
	}
	if got, want := h.URLsAsked(), 4; got != want {
		t.Errorf("URLsAsked: got %d, want %d", got, want)
	}

	guid := h.Inject("BBB", "Beta Corp expands rare earth output")
	if _, ok := h.Served(guid); ok {
		t.Fatal("served before any body listed it")
	}
	// The other ticker's feed does not list it, and has not changed.
	if status, _, _ := get(t, other, etags[other]); status != http.StatusNotModified {
		t.Errorf("GET %s after an injection elsewhere: %d, want 304", other, status)
	}
	if _, ok := h.Served(guid); ok {
		t.Error("served after a body that does not list it")
	}
	var first time.Time
	for _, u := range []string{ticker, batch, h.MarketURL()} {
		status, body, _ := get(t, u, etags[u])
		if status != http.StatusOK || !strings.Contains(body, "Beta Corp expands rare earth output") || !strings.Contains(body, guid) {
			t.Errorf("GET %s after the injection: %d, want 200 listing the story:\n%s", u, status, body)
		}
		// The handler notes the time after its flush, which the client may
		// have read already.
		at, ok := h.Served(guid)
		for deadline := time.Now().Add(5 * time.Second); !ok && time.Now().Before(deadline); at, ok = h.Served(guid) {
			time.Sleep(time.Millisecond)
		}
		if !ok {
			t.Fatalf("not served after GET %s listed it", u)
		}
		if first.IsZero() {
			first = at
		}
		if !at.Equal(first) {
			t.Errorf("Served moved from %v to %v after GET %s: want the first time", first, at, u)
		}
	}
	if status, _, _ := get(t, strings.ReplaceAll(h.TickerTemplate(), "{{.Symbol}}", "ZZZ"), ""); status != http.StatusNotFound {
		t.Errorf("unknown symbol: %d, want 404", status)
	}
	if got, want := h.Requests.Load(), int64(9); got != want {
		t.Errorf("Requests: got %d, want %d", got, want)
	}
	if got, want := h.NotModified.Load(), int64(1); got != want {
		t.Errorf("NotModified: got %d, want %d", got, want)
	}
}

func TestNewsHostWindow(t *testing.T) {
	h := NewNewsHost(NewsHostOptions{Symbols: []string{"AAA", "BBB"}, Items: 3})
	defer h.Close()
	for _, title := range []string{"one story here", "two story here", "three story here", "four story here"} {
		h.Inject("AAA", title)
	}
	_, body, _ := get(t, h.MarketURL(), "")
	if got := strings.Count(body, "<item>"); got != 3 {
		t.Errorf("market body lists %d items, want 3", got)
	}
	if strings.Contains(body, "one story here") || !strings.Contains(body, "four story here") {
		t.Errorf("market body does not list the newest three:\n%s", body)
	}
	if i, j := strings.Index(body, "four story"), strings.Index(body, "three story"); i > j {
		t.Errorf("market body is not newest first:\n%s", body)
	}
}
