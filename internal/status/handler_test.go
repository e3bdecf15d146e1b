package status_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"golang.org/x/net/html"

	"github.com/monitord/monitord/internal/status"
)

const wantCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:"

func TestPageHeadersAndMethods(t *testing.T) {
	h := serve(t, fixture())
	resp, body := request(t, h, http.MethodGet, "/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: got %d", resp.StatusCode)
	}
	for key, want := range map[string]string{
		"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
	} {
		if got := resp.Header.Get(key); got != want {
			t.Errorf("GET / %s: got %q, want %q", key, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, wantCSP) {
		t.Errorf("GET / CSP: got %q, want it to start with %q", csp, wantCSP)
	}

	head, headBody := request(t, h, http.MethodHead, "/")
	if head.StatusCode != http.StatusOK || headBody != "" || head.Header.Get("Content-Length") != resp.Header.Get("Content-Length") ||
		head.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("HEAD /: got %d, %d body bytes, headers %v; want 200, no body, GET's headers", head.StatusCode, len(headBody), head.Header)
	}
	if len(body) == 0 || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Errorf("GET / Content-Length %q for %d bytes", resp.Header.Get("Content-Length"), len(body))
	}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		resp, _ := request(t, h, m, "/")
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s /: got %d Allow %q, want 405 GET, HEAD", m, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	if resp, _ := request(t, h, http.MethodGet, "/nothing-here"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nothing-here: got %d, want 404", resp.StatusCode)
	}
}

func TestStylesheet(t *testing.T) {
	h := serve(t, fixture())
	resp, css := request(t, h, http.MethodGet, status.StylesheetPath)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/css; charset=utf-8" ||
		!strings.Contains(css, "prefers-color-scheme") || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), wantCSP) {
		t.Fatalf("GET %s: got %d %v (%d bytes)", status.StylesheetPath, resp.StatusCode, resp.Header, len(css))
	}
	etag := resp.Header.Get("ETag")
	req := httptest.NewRequest(http.MethodGet, status.StylesheetPath, nil)
	req.Header.Set("If-None-Match", etag)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if etag == "" || rec.Code != http.StatusNotModified {
		t.Errorf("revalidating with ETag %q: got %d, want 304", etag, rec.Code)
	}
	if head, body := request(t, h, http.MethodHead, status.StylesheetPath); head.StatusCode != http.StatusOK || body != "" {
		t.Errorf("HEAD %s: got %d with %d bytes", status.StylesheetPath, head.StatusCode, len(body))
	}
}

func TestPageStructure(t *testing.T) {
	doc := page(t, fixture())
	if got := attr(findAll(doc, "html", nil)[0], "lang"); got != "en" {
		t.Errorf("html lang: got %q", got)
	}
	refresh := findAll(doc, "meta", func(n *html.Node) bool { return attr(n, "http-equiv") == "refresh" })
	if len(refresh) != 1 || attr(refresh[0], "content") != "30" {
		t.Errorf("want one meta refresh of 30 s, got %d", len(refresh))
	}
	css := findAll(doc, "link", func(n *html.Node) bool { return attr(n, "rel") == "stylesheet" })
	if len(css) != 1 || attr(css[0], "href") != status.StylesheetPath {
		t.Errorf("want the embedded stylesheet linked once")
	}
	var nav []string
	for _, a := range findAll(findAll(doc, "nav", nil)[0], "a", nil) {
		nav = append(nav, attr(a, "href"))
	}
	if want := []string{"/metrics", "/api/v1/events", "/config", "/-/healthy", "/-/ready"}; !slices.Equal(nav, want) {
		t.Errorf("header links: got %v, want %v", nav, want)
	}
	// No script, and no inline style (the CSP would block it).
	if n := len(findAll(doc, "script", nil)) + len(findAll(doc, "style", nil)); n > 0 {
		t.Errorf("page has %d script or style elements", n)
	}
	if n := len(findAll(doc, "", func(n *html.Node) bool { return attr(n, "style") != "" })); n > 0 {
		t.Errorf("%d elements have a style attribute", n)
	}
	// Every table has a caption, column headers with scope, and rows headed.
	for _, table := range findAll(doc, "table", nil) {
		if len(findAll(table, "caption", nil)) != 1 {
			t.Errorf("table %q has no caption", attr(table, "id"))
		}
		for _, th := range findAll(table, "th", nil) {
			if s := attr(th, "scope"); s != "col" && s != "row" {
				t.Errorf("table %q: th %q has scope %q", attr(table, "id"), text(th), s)
			}
		}
	}
}

func TestEmptyStates(t *testing.T) {
	doc := page(t, status.Snapshot{Now: clock()})
	got := text(doc)
	for _, want := range []string{"No tickers are watched.", "No matched stories yet.", "No matched story in the last seven days.",
		"No sources configured.", "No alert receivers configured.", "starting: configuration not applied yet"} {
		if !strings.Contains(got, want) {
			t.Errorf("empty page lacks %q:\n%s", want, got)
		}
	}
	if n := len(findAll(doc, "table", nil)); n != 0 {
		t.Errorf("empty page has %d tables, want none", n)
	}
}

func TestSnapshotErrorHidesReason(t *testing.T) {
	h := status.Handler(func(context.Context) (status.Snapshot, error) {
		return status.Snapshot{}, errors.New("open https://user:hunter2@example.com failed")
	}, status.Options{Logger: zap.NewNop()})
	resp, body := request(t, h, http.MethodGet, "/")
	if resp.StatusCode != http.StatusInternalServerError || strings.Contains(body, "hunter2") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("got %d %q, want 500 without the reason, not cached", resp.StatusCode, body)
	}
}

func TestSnapshotGetsRequestContext(t *testing.T) {
	type key struct{}
	var got any
	h := status.Handler(func(ctx context.Context) (status.Snapshot, error) {
		got = ctx.Value(key{})
		return status.Snapshot{}, nil
	}, status.Options{})
	req := httptest.NewRequestWithContext(context.WithValue(context.Background(), key{}, "req"), http.MethodGet, "/", nil)
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got != "req" {
		t.Errorf("snapshot saw context value %v, want the request's", got)
	}
}

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		opts          status.Options
		refresh, path string
	}{
		{status.Options{}, "30", "/metrics"},
		{status.Options{Refresh: 10 * time.Second, MetricsPath: "/telemetry"}, "10", "/telemetry"},
		{status.Options{Refresh: time.Millisecond}, "1", "/metrics"},
	} {
		h := status.Handler(func(context.Context) (status.Snapshot, error) { return status.Snapshot{}, nil }, tc.opts)
		_, body := request(t, h, http.MethodGet, "/")
		doc, err := html.Parse(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		refresh := findAll(doc, "meta", func(n *html.Node) bool { return attr(n, "http-equiv") == "refresh" })
		if got := attr(refresh[0], "content"); got != tc.refresh {
			t.Errorf("%+v: refresh %q, want %q", tc.opts, got, tc.refresh)
		}
		if got := attr(findAll(doc, "a", nil)[0], "href"); got != tc.path {
			t.Errorf("%+v: metrics link %q, want %q", tc.opts, got, tc.path)
		}
	}
}
