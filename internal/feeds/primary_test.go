package feeds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/monitord/monitord/internal/feeds/match"
	"github.com/monitord/monitord/internal/upstream"
)

// emptyFR primes a federal_register source without giving it a document.
var emptyFR = []byte(`{"count":0,"results":[]}`)

// TestFederalRegisterFolds follows documents from the public inspection
// list to their publication: the entry is the story, at its filed_at; the
// previous day's list served overnight reports nothing and is no failure;
// the publication, days later and beyond the dedup window, folds into the
// entry's story by document number whatever its title; and a document
// whose entry matched nothing is reported when its published abstract
// does.
func TestFederalRegisterFolds(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(`
feeds:
  - name: fr-inspection
    type: federal_register
    url: "{{srv}}/pi"
  - name: fr-documents
    type: federal_register
    url: "{{srv}}/docs"
`)
	svc := h.service(cfg)
	pi, docs := h.source(svc, "fr-inspection"), h.source(svc, "fr-documents")
	h.server.set("/pi", reply{body: emptyFR})
	h.server.set("/docs", reply{body: emptyFR})
	h.poll(pi)
	h.poll(docs)

	h.clock.Advance(time.Minute)
	list := readTestdata(t, "federalregister-inspection.json")
	h.server.set("/pi", reply{body: list})
	got := h.poll(pi)
	if diff := cmp.Diff([]string{
		"Request for Comments on Critical Mineral Supply Chain Measures",
		"Export Administration Regulations: License Requirements for Rare Earth Magnet Technology",
		"Groundfish Harvest Adjustment in the Gulf Region",
		"Defense Acquisition Regulations System: Sourcing of Samarium-Cobalt Magnets for Defense Systems",
	}, titles(got)); diff != "" {
		t.Fatalf("stories from the list (-want +got):\n%s", diff)
	}
	rule := got[1]
	if rule.ID != storyID("fr:2026-17342") || !rule.Published.Equal(utc("2026-08-26T12:45:00Z")) || rule.PublishedEstimated || !rule.Matched() {
		t.Errorf("got story %s published %v (estimated %v, matched %v); want fr:2026-17342 at its filed_at, matched",
			rule.ID, rule.Published, rule.PublishedEstimated, rule.Matched())
	}
	if got[3].Published != h.clock.Now() || !got[3].PublishedEstimated {
		t.Errorf("entry without filed_at: published %v, estimated %v; want the first-seen time", got[3].Published, got[3].PublishedEstimated)
	}

	// 01:00 Eastern: the same list again, re-serialised.
	h.clock.Advance(utc("2026-08-27T05:00:00Z").Sub(h.clock.Now()))
	h.server.set("/pi", reply{body: reordered(t, list)})
	if got, err := pi.Poll(context.Background()); err != nil || len(got) != 0 {
		t.Fatalf("overnight: got %v, %v; want nothing and no error", titles(got), err)
	}
	if n := h.logs.FilterMessageSnippet("Public inspection list is a previous issue").Len(); n != 1 {
		t.Errorf("logged the previous issue %d times, want once", n)
	}
	if hl, _ := pi.Health(); hl.Failures != 0 || hl.LastError != "" {
		t.Errorf("overnight health %+v, want no failure", hl)
	}

	// Publication day, 50 hours after the entry: past the 48h dedup window.
	h.clock.Advance(utc("2026-08-28T17:00:00Z").Sub(h.clock.Now()))
	h.server.set("/docs", reply{body: readTestdata(t, "federalregister-documents.json")})
	got = h.poll(docs)
	if diff := cmp.Diff([]string{
		"Additions to the Entity List",
		// Its entry matched nothing; the abstract says neodymium.
		"Defense Federal Acquisition Regulation Supplement: Sourcing of Samarium-Cobalt Magnets",
	}, titles(got)); diff != "" {
		t.Fatalf("stories from the documents (-want +got):\n%s", diff)
	}
	if got[1].ID != storyID("fr:2026-17350") || !got[1].Matched() {
		t.Errorf("first matched sighting: got id %s, matched %v; want the entry's id, matched", got[1].ID, got[1].Matched())
	}
	story := h.storedStory(storyID("fr:2026-17342"))
	var feeds []string
	for _, s := range story.Sources {
		feeds = append(feeds, s.Feed)
	}
	if diff := cmp.Diff([]string{"fr-inspection", "fr-documents"}, feeds); diff != "" {
		t.Errorf("sources of the folded story (-want +got):\n%s", diff)
	}
	if story.Title != rule.Title || story.Notice == nil || !story.Notice.PublicInspection || story.Notice.PublicationDate != "2026-08-28" {
		t.Errorf("folded story %q, notice %+v; want the entry's", story.Title, story.Notice)
	}
	if got := testutil.ToFloat64(h.metrics.duplicates.WithLabelValues("fr-documents", dupID)); got != 1 {
		t.Errorf("fr-documents id duplicates = %v, want 1", got)
	}
}

// reordered returns a Federal Register answer with its results reversed:
// the same list, other bytes.
func reordered(t *testing.T, body []byte) []byte {
	t.Helper()
	var r struct {
		Count   int               `json:"count"`
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(r.Results)-1; i < j; i, j = i+1, j-1 {
		r.Results[i], r.Results[j] = r.Results[j], r.Results[i]
	}
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRetransmissionFolds: a junior's release resent by the wire as
// "RETRANSMISSION: ..." is the story already reported, whether the wire's
// own feed or another source carries it.
func TestRetransmissionFolds(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(`
feeds:
  - name: newsfile
    url: "{{srv}}/newsfile"
  - name: mirror
    url: "{{srv}}/mirror"
`)
	svc := h.service(cfg)
	nf, mirror := h.source(svc, "newsfile"), h.source(svc, "mirror")
	h.server.set("/newsfile", reply{body: emptyRSS})
	h.server.set("/mirror", reply{body: emptyRSS})
	h.poll(nf)
	h.poll(mirror)

	// Before the resend: the original and another release.
	h.clock.Advance(time.Minute)
	full := string(readTestdata(t, "newsfile-rare-earths.xml"))
	start, end := strings.Index(full, "<item>"), strings.Index(full, "</item>")+len("</item>")
	h.server.set("/newsfile", reply{body: []byte(full[:start] + full[end:])})
	const ucore = "Ucore Starts Samarium Oxide Trials at Its Louisiana Plant"
	if diff := cmp.Diff([]string{"Northcape Minerals Drills 2.1% TREO Over 38 Metres at Its Quebec Project", ucore}, titles(h.poll(nf))); diff != "" {
		t.Fatalf("first stories (-want +got):\n%s", diff)
	}

	h.clock.Advance(time.Minute)
	h.server.set("/newsfile", reply{body: []byte(full)})
	h.server.set("/mirror", reply{body: rssBody([3]string{"m-1", ucore + " (RETRANSMISSION)", "Wed, 26 Aug 2026 12:40:00 GMT"})})
	for _, src := range []*Source{nf, mirror} {
		if got := h.poll(src); len(got) != 0 {
			t.Errorf("%s: got new stories %q, want the retransmission folded", src.Name(), titles(got))
		}
	}
	if got := testutil.ToFloat64(h.metrics.duplicates.WithLabelValues("newsfile", dupTitle)); got != 1 {
		t.Errorf("newsfile title duplicates = %v, want 1", got)
	}
	story := h.storedStory(storyID("title:" + fingerprint(ucore)))
	var feeds []string
	for _, s := range story.Sources {
		feeds = append(feeds, s.Feed)
	}
	if diff := cmp.Diff([]string{"newsfile", "mirror"}, feeds); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
}

// TestDoDContractsStories: the awards of one digest share its link but
// are stories of their own; the one naming a watched company is tagged.
func TestDoDContractsStories(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(`
feeds:
  - name: dod-contracts
    type: dod_contracts
    url: "{{srv}}/contracts"
`)
	src := h.source(h.service(cfg), "dod-contracts")
	h.server.set("/contracts", reply{body: emptyRSS})
	h.poll(src)
	h.clock.Advance(time.Minute)
	h.server.set("/contracts", reply{body: readTestdata(t, "dod-contracts.xml")})
	got := h.poll(src)
	if len(got) != 4 {
		t.Fatalf("got %d stories %q, want 4: three awards and a digest", len(got), titles(got))
	}
	var mp *Story
	for i := range got {
		if strings.Contains(got[i].Title, "MP Materials Corp.") {
			mp = &got[i]
		}
	}
	if mp == nil || !mp.Matched() || !cmp.Equal(mp.Tickers, []string{"MP"}) {
		t.Errorf("MP award: %+v; want it matched (neodymium) and tagged MP", mp)
	}
}

// TestListPageLayoutChange: when a list page's selectors find nothing,
// every poll fails with reason parse and says why, naming the feed; even
// an answer that claims to stay fresh is asked for again, so the failure
// is never silenced.
func TestListPageLayoutChange(t *testing.T) {
	h := newHarness(t)
	cfg := h.config(`
feeds:
  - name: ustr-press
    type: list_page
    url: "{{srv}}/press"
    list_page:
      item: div.views-row
      title: h3
      date: .date-display-single
      timezone: America/New_York
`)
	src := h.source(h.service(cfg), "ustr-press")
	fresh := map[string]string{"Cache-Control": "max-age=600", "Content-Type": "text/html; charset=utf-8"}
	h.server.set("/press", reply{body: readTestdata(t, "listpage-ustr.html"), header: fresh})
	h.poll(src) // primes

	h.clock.Advance(15 * time.Minute)
	h.server.set("/press", reply{body: readTestdata(t, "odd/listpage-redesigned.html"), header: fresh})
	for i := 1; i <= 2; i++ {
		_, err := src.Poll(context.Background())
		if !errors.Is(err, ErrLayoutChanged) || ReasonOf(err) != upstream.ReasonParse || !strings.Contains(err.Error(), `feed "ustr-press"`) {
			t.Fatalf("poll %d: got %v; want a parse failure naming the feed and the changed layout", i, err)
		}
		if got := testutil.ToFloat64(h.metrics.fetchErrors.WithLabelValues("ustr-press", upstream.ReasonParse)); got != float64(i) {
			t.Errorf("poll %d: parse errors = %v, want %d", i, got, i)
		}
		h.clock.Advance(time.Minute)
	}
	if n := h.logs.FilterMessage("Feed fetch failed").Len(); n != 1 {
		t.Errorf("warned %d times, want once (then Debug while the reason stays)", n)
	}
	if hl, _ := src.Health(); hl.LastError != upstream.ReasonParse || hl.Failures != 2 {
		t.Errorf("health %+v, want two failures with reason parse", hl)
	}
}

// TestMinistryNoticeMatchesChineseTerms follows a GBK list page of the
// Ministry of Commerce from its fetch to a matched story: the page's
// charset is detected, the headline is read whole from the link's title
// attribute, and the Chinese terms match inside it, where no space sets
// them apart.
func TestMinistryNoticeMatchesChineseTerms(t *testing.T) {
	h := newHarness(t)
	head := strings.Replace(testConfigHead, `    any: ["rare earth", "rare earths",`, `    any: ["稀土", "rare earth", "rare earths",`, 1)
	head = strings.Replace(head, "  critical_minerals:", "  china_controls:\n    any: [出口管制, 两用物项, 不可靠实体]\n  critical_minerals:", 1)
	cfg, err := loadConfig(head + strings.ReplaceAll(`
feeds:
  - name: mofcom-policy
    type: list_page
    url: "{{srv}}/zcfb/index.html"
    list_page:
      item: "ul.txtList_01 li"
      timezone: Asia/Shanghai
`, "{{srv}}", h.server.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	src := h.source(h.service(cfg), "mofcom-policy")
	page := readTestdata(t, "listpage-mofcom-gbk.html")
	html := map[string]string{"Content-Type": "text/html"}

	// Primed on the page without its newest notice; "<li" can only begin
	// at an ASCII byte of a GBK page.
	first := bytes.Index(page, []byte("<li><a"))
	second := bytes.Index(page[first+1:], []byte("<li><a")) + first + 1
	older := append(append([]byte{}, page[:first]...), page[second:]...)
	h.server.set("/zcfb/index.html", reply{body: older, header: html})
	if got := h.poll(src); len(got) != 0 {
		t.Fatalf("priming reported %q", titles(got))
	}

	h.clock.Advance(10 * time.Minute)
	h.server.set("/zcfb/index.html", reply{body: page, header: html})
	got := h.poll(src)
	if len(got) != 1 {
		t.Fatalf("got %d stories %q, want the new notice", len(got), titles(got))
	}
	s := got[0]
	if want := "商务部 海关总署公告2026年第45号 关于对部分稀土永磁材料相关物项实施出口管制的决定"; s.Title != want {
		t.Errorf("title %q, want %q", s.Title, want)
	}
	want := []match.GroupHit{{Name: "china_controls", Terms: []string{"出口管制"}}, {Name: "rare_earth", Terms: []string{"稀土"}}}
	if diff := cmp.Diff(want, s.Match.Groups); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
}
