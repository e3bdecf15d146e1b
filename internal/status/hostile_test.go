package status_test

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/monitord/monitord/internal/status"
)

const hostile = `<script>alert(1)</script>"><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>&amp;`

// hostileSnapshot puts attacker-controlled text (feeds are third parties)
// everywhere the page shows a string.
func hostileSnapshot(link string) status.Snapshot {
	snap := fixture()
	snap.Version = hostile
	snap.Quotes[0].Name = hostile
	snap.Quotes[0].MarketState = hostile
	snap.Stories = []status.StoryRow{{
		Time: clock(), Headline: hostile, Link: link, Tickers: []string{hostile}, Terms: []string{hostile},
		Sources: []string{hostile, hostile}, Impact: []status.ImpactCell{{Symbol: hostile, Horizon: hostile, Measured: true}},
	}}
	snap.Sources[1].LastError = hostile
	snap.Receivers[1].LastResult = hostile
	return snap
}

func TestHostileTextIsEscaped(t *testing.T) {
	_, body := request(t, serve(t, hostileSnapshot("javascript:alert(4)")), http.MethodGet, "/")
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(findAll(doc, "script", nil)) + len(findAll(doc, "img", nil)); n > 0 {
		t.Errorf("hostile text made %d script or img elements:\n%s", n, body)
	}
	for _, el := range findAll(doc, "", nil) {
		for _, a := range el.Attr {
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("<%s> has an event handler attribute %s=%q", el.Data, a.Key, a.Val)
			}
			if (a.Key == "href" || a.Key == "src") && strings.Contains(strings.ToLower(a.Val), "javascript") {
				t.Errorf("<%s %s=%q> runs script", el.Data, a.Key, a.Val)
			}
		}
	}
	// The headline is shown as the very text the feed sent, not as markup.
	trs, _ := rows(t, doc, "story-table")
	headline := findAll(trs[0], "th", nil)[0]
	if got := text(headline); got != hostile {
		t.Errorf("headline text: got %q, want %q", got, hostile)
	}
	if n := len(findAll(headline, "a", nil)); n != 0 {
		t.Errorf("a javascript: link was rendered (%d anchors)", n)
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "<img") {
		t.Error("raw markup in the page source")
	}
}

func TestOnlyHTTPLinksAreRendered(t *testing.T) {
	for _, tc := range []struct{ link, want string }{
		{"https://wire.example.com/a", "https://wire.example.com/a"},
		{"http://wire.example.com/a?b=1&c=\"2\"", "http://wire.example.com/a?b=1&c=%222%22"},
		{"  HTTPS://Wire.example.com/x  ", "https://Wire.example.com/x"},
		{"javascript:alert(1)", ""},
		{"JaVaScRiPt:alert(1)", ""},
		{"\tjavascript:alert(1)", ""},
		{"java\nscript:alert(1)", ""},
		{"vbscript:msgbox(1)", ""},
		{"data:text/html,<script>alert(1)</script>", ""},
		{"//evil.example.com/x", ""},
		{"/relative/path", ""},
		{"https:///nohost", ""},
		{"ftp://files.example.com/a", ""},
		{"", ""},
	} {
		snap := fixture()
		snap.Stories[0].Link = tc.link
		trs, _ := rows(t, page(t, snap), "story-table")
		links := findAll(trs[0], "a", nil)
		switch {
		case tc.want == "" && len(links) != 0:
			t.Errorf("link %q rendered as href %q, want dropped", tc.link, attr(links[0], "href"))
		case tc.want != "" && (len(links) != 1 || attr(links[0], "href") != tc.want):
			t.Errorf("link %q: got %d anchors, want href %q", tc.link, len(links), tc.want)
		case tc.want != "" && attr(links[0], "rel") != "noopener noreferrer":
			t.Errorf("link %q: rel %q", tc.link, attr(links[0], "rel"))
		}
		if got := text(findAll(trs[0], "th", nil)[0]); got != "MP Materials expands NdPr magnet output" {
			t.Errorf("link %q: headline text %q", tc.link, got)
		}
	}
}

func TestPageCarriesOnlyItsOwnLinks(t *testing.T) {
	// Apart from story links, every href stays on the daemon.
	doc := page(t, fixture())
	for _, a := range findAll(doc, "", func(n *html.Node) bool { return attr(n, "href") != "" }) {
		href := attr(a, "href")
		if !strings.HasPrefix(href, "/") && !strings.HasPrefix(href, "https://wire.example.com/") {
			t.Errorf("unexpected link %q", href)
		}
	}
}
