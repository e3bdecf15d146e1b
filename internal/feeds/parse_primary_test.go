package feeds

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

// TestParsePrimarySources checks the shapes of the primary sources and the
// wires their issuers use, item by item: the Federal Register's public
// inspection list and documents, the Department of Defense's contract
// digests, Newsfile's industry RSS and a GlobeNewswire keyword feed.
func TestParsePrimarySources(t *testing.T) {
	const (
		fr      = "https://www.federalregister.gov/"
		dod     = "https://www.war.gov/News/Contracts/Contract/Article/"
		nf      = "https://www.newsfilecorp.com/release/"
		bis     = "Commerce Department, Industry and Security Bureau"
		ucore   = "Ucore Starts Samarium Oxide Trials at Its Louisiana Plant"
		ucoreNF = "Halifax, Nova Scotia--(Newsfile Corp. - August 26, 2026) - Ucore Rare Metals Inc. (TSXV: UCU) (OTCQX: UURAF) started samarium oxide trials on its rare earth separation line."
	)
	bisSlugs := []string{"commerce-department", "industry-and-security-bureau"}
	tests := []struct {
		file, typ string
		want      []Item
	}{
		// Public inspection: filed_at is the time; the scheduled issue and
		// the list's own issue are kept; a missing title is made of the
		// table-of-contents lines; an entry without a number is dropped.
		{"federalregister-inspection.json", config.FeedFederalRegister, []Item{
			{ID: "2026-17342", Title: "Export Administration Regulations: License Requirements for Rare Earth Magnet Technology",
				Publisher: bis,
				URL:       fr + "public-inspection/2026-17342/license-requirements-for-rare-earth-magnet-technology",
				Link:      fr + "public-inspection/2026-17342/license-requirements-for-rare-earth-magnet-technology",
				Summary:   "Rule on public inspection, to be published 2026-08-28.",
				Published: utc("2026-08-26T12:45:00Z"),
				Notice: &Notice{DocumentNumber: "2026-17342", Type: "Rule", Agencies: bisSlugs, PublicationDate: "2026-08-28",
					PublicInspection: true, InspectionIssue: "2026-08-26"}},
			{ID: "2026-17288", Title: "Request for Comments on Critical Mineral Supply Chain Measures",
				Publisher: "Trade Representative, Office of United States",
				URL:       fr + "public-inspection/2026-17288/request-for-comments-on-critical-mineral-supply-chain-measures",
				Link:      fr + "public-inspection/2026-17288/request-for-comments-on-critical-mineral-supply-chain-measures",
				Summary:   "Notice on public inspection, to be published 2026-08-27.",
				Published: utc("2026-08-25T20:15:00Z"), // a special filing, the afternoon before
				Notice: &Notice{DocumentNumber: "2026-17288", Type: "Notice", Agencies: []string{"trade-representative-office-of-united-states"},
					PublicationDate: "2026-08-27", PublicInspection: true, InspectionIssue: "2026-08-26"}},
			{ID: "2026-17301", Title: "Groundfish Harvest Adjustment in the Gulf Region",
				Publisher: "Commerce Department, National Oceanic and Atmospheric Administration",
				URL:       fr + "public-inspection/2026-17301/groundfish-harvest-adjustment-in-the-gulf-region",
				Link:      fr + "public-inspection/2026-17301/groundfish-harvest-adjustment-in-the-gulf-region",
				Summary:   "Rule on public inspection, to be published 2026-08-27.",
				Published: utc("2026-08-26T12:45:00Z"),
				Notice: &Notice{DocumentNumber: "2026-17301", Type: "Rule", Agencies: []string{"commerce-department", "national-oceanic-and-atmospheric-administration"},
					PublicationDate: "2026-08-27", PublicInspection: true, InspectionIssue: "2026-08-26"}},
			{ID: "2026-17350", Title: "Defense Acquisition Regulations System: Sourcing of Samarium-Cobalt Magnets for Defense Systems",
				Publisher: "Defense Department",
				URL:       fr + "public-inspection/2026-17350/sourcing-of-samarium-cobalt-magnets",
				Link:      fr + "public-inspection/2026-17350/sourcing-of-samarium-cobalt-magnets",
				Summary:   "Proposed Rule on public inspection.",
				// filed_at null: the first-seen time, never the issue's day.
				Notice: &Notice{DocumentNumber: "2026-17350", Type: "Proposed Rule", Agencies: []string{"defense-department"},
					PublicInspection: true, InspectionIssue: "2026-08-26"}},
		}},
		// Published documents: a publication date is a day, Eastern.
		{"federalregister-documents.json", config.FeedFederalRegister, []Item{
			{ID: "2026-17342", Title: "Export Administration Regulations: License Requirements for Rare Earth Permanent Magnet Technology",
				Publisher: bis,
				URL:       fr + "documents/2026/08/28/2026-17342/export-administration-regulations-license-requirements-for-rare-earth-permanent-magnet-technology",
				Link:      fr + "documents/2026/08/28/2026-17342/export-administration-regulations-license-requirements-for-rare-earth-permanent-magnet-technology",
				Summary:   "The Bureau of Industry and Security (BIS) amends the Export Administration Regulations to require a license for exports of technology for producing sintered neodymium-iron-boron and samarium-cobalt magnets.",
				Published: utc("2026-08-28T04:00:00Z"),
				Notice:    &Notice{DocumentNumber: "2026-17342", Type: "Rule", Agencies: bisSlugs, PublicationDate: "2026-08-28"}},
			{ID: "2026-17350", Title: "Defense Federal Acquisition Regulation Supplement: Sourcing of Samarium-Cobalt Magnets",
				Publisher: "Defense Department, Defense Acquisition Regulations System",
				URL:       fr + "documents/2026/08/28/2026-17350/defense-federal-acquisition-regulation-supplement-sourcing-of-samarium-cobalt-magnets",
				Link:      fr + "documents/2026/08/28/2026-17350/defense-federal-acquisition-regulation-supplement-sourcing-of-samarium-cobalt-magnets",
				Summary:   "DoD proposes to extend the restriction on magnets made with samarium-cobalt or neodymium-iron-boron from covered countries to their components.",
				Published: utc("2026-08-28T04:00:00Z"),
				Notice: &Notice{DocumentNumber: "2026-17350", Type: "Proposed Rule", Agencies: []string{"defense-department", "defense-acquisition-regulations-system"},
					PublicationDate: "2026-08-28"}},
			{ID: "2026-16990", Title: "Additions to the Entity List", Publisher: bis,
				URL:       fr + "documents/2026/08/25/2026-16990/additions-to-the-entity-list",
				Link:      fr + "documents/2026/08/25/2026-16990/additions-to-the-entity-list",
				Summary:   "BIS adds four entities that supplied “heavy rare earth” separation equipment to the Entity List.",
				Published: utc("2026-08-25T04:00:00Z"),
				Notice:    &Notice{DocumentNumber: "2026-16990", Type: "Rule", Agencies: bisSlugs, PublicationDate: "2026-08-25"}},
		}},
		// A digest becomes one story per award: headings and footnotes
		// are not awards, and the awards have no URL of their own (they
		// share the digest's). A digest the feed only summarises stays one.
		{"dod-contracts.xml", config.FeedDoDContracts, []Item{
			{ID: dod + "4391207/#37116b0b8528",
				Title: "Contracts For Aug. 25, 2026: Halvorsen Magnetics LLC,* Fort Worth, Texas, was awarded a $48,250,000 firm-fixed-price contract for samarium-cobalt permanent magnets for guidance actuators.…",
				Link:  dod + "4391207/",
				Summary: "Halvorsen Magnetics LLC,* Fort Worth, Texas, was awarded a $48,250,000 firm-fixed-price contract for samarium-cobalt permanent magnets for guidance actuators. " +
					"Work will be performed in Fort Worth, Texas, with an estimated completion date of Aug. 31, 2029. Army Contracting Command, Redstone Arsenal, Alabama, is the contracting activity (W31P4Q-26-C-0117).",
				Published: utc("2026-08-25T21:03:00Z")},
			{ID: dod + "4391207/#ff503a10afb3",
				Title: "Contracts For Aug. 25, 2026: Brightwater Civil Works Inc., Mobile, Alabama, was awarded a $12,400,000 modification (P00006) to contract W91278-24-C-0040 for channel dredging. Work will be…",
				Link:  dod + "4391207/",
				Summary: "Brightwater Civil Works Inc., Mobile, Alabama, was awarded a $12,400,000 modification (P00006) to contract W91278-24-C-0040 for channel dredging. " +
					"Work will be performed in Mobile, Alabama, with an estimated completion date of March 3, 2027. U.S. Army Corps of Engineers, Mobile, Alabama, is the contracting activity.",
				Published: utc("2026-08-25T21:03:00Z")},
			{ID: dod + "4391207/#86a4fbdd56f3",
				Title: "Contracts For Aug. 25, 2026: MP Materials Corp., Las Vegas, Nevada, has been awarded a maximum $96,000,000 firm-fixed-price, indefinite-delivery contract for separated…",
				Link:  dod + "4391207/",
				Summary: "MP Materials Corp., Las Vegas, Nevada, has been awarded a maximum $96,000,000 firm-fixed-price, indefinite-delivery contract for separated neodymium-praseodymium oxide for the National Defense Stockpile. " +
					"This was a sole-source acquisition. Defense Logistics Agency Strategic Materials, Fort Belvoir, Virginia, is the contracting activity (SP8000-26-D-0009).",
				Published: utc("2026-08-25T21:03:00Z")},
			{ID: dod + "4390544/", Title: "Contracts For Aug. 24, 2026", URL: dod + "4390544/", Link: dod + "4390544/",
				Summary: "Contracts valued at $7.5 million or more announced on Aug. 24, 2026.", Published: utc("2026-08-24T21:01:00Z")},
		}},
		// Newsfile's industry feed is plain RSS; its RETRANSMISSION is
		// folded by the dedup (TestRetransmissionFolds), not here.
		{"newsfile-rare-earths.xml", config.FeedRSS, []Item{
			{ID: nf + "268815", Title: "RETRANSMISSION: " + ucore,
				URL:     nf + "268815/RETRANSMISSION-Ucore-Starts-Samarium-Oxide-Trials-at-Its-Louisiana-Plant",
				Link:    nf + "268815/RETRANSMISSION-Ucore-Starts-Samarium-Oxide-Trials-at-Its-Louisiana-Plant",
				Summary: ucoreNF, Published: utc("2026-08-26T12:30:00Z")},
			{ID: nf + "268790", Title: ucore,
				URL:     nf + "268790/Ucore-Starts-Samarium-Oxide-Trials-at-Its-Louisiana-Plant",
				Link:    nf + "268790/Ucore-Starts-Samarium-Oxide-Trials-at-Its-Louisiana-Plant",
				Summary: ucoreNF, Published: utc("2026-08-26T11:00:00Z")},
			{ID: nf + "268702", Title: "Northcape Minerals Drills 2.1% TREO Over 38 Metres at Its Quebec Project",
				URL:       nf + "268702/Northcape-Minerals-Drills-2.1-TREO-Over-38-Metres",
				Link:      nf + "268702/Northcape-Minerals-Drills-2.1-TREO-Over-38-Metres",
				Summary:   "Vancouver, British Columbia--(Newsfile Corp. - August 25, 2026) - Northcape Minerals Corp. (CSE: NCM) reported rare earth drill results.",
				Published: utc("2026-08-25T13:15:00Z")},
		}},
		// A GlobeNewswire keyword feed has the public-companies feed's
		// shape: the globenewswire type reads it as is.
		{"globenewswire-keyword.xml", config.FeedGlobeNewswire, []Item{
			{ID: "3199210", Title: "USA Rare Earth Ships First Sintered Magnets from Stillwater",
				URL:       "https://www.globenewswire.com/news-release/2026/08/26/3199210/0/en/USA-Rare-Earth-Ships-First-Sintered-Magnets-from-Stillwater.html",
				Link:      "https://www.globenewswire.com/news-release/2026/08/26/3199210/0/en/USA-Rare-Earth-Ships-First-Sintered-Magnets-from-Stillwater.html",
				Summary:   "STILLWATER, Okla., Aug. 26, 2026 (GLOBE NEWSWIRE) -- USA Rare Earth, Inc. (Nasdaq: USAR) shipped its first sintered neodymium magnets.",
				Published: utc("2026-08-26T12:00:00Z"), Tickers: []string{"USAR"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := Parse(tt.typ, readTestdata(t, tt.file), "")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseFederalRegisterAnswers: an answer with nothing to list (the
// public inspection list between issues, a search without hits) is empty,
// not a failure; an error object in a 200 is upstream_error; anything but
// the API's envelope is not_feed.
func TestParseFederalRegisterAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		wantReason string
	}{
		{name: "no results key", body: `{"count":0,"description":"Documents matching 'yttrium'"}`},
		{name: "empty results", body: `{"count":0,"results":[]}`},
		{name: "error object", body: `{"errors":{"conditions":{"agencies":["bogus-agency is not a valid agency"]}}}`, wantReason: upstream.ReasonUpstreamError},
		{name: "other JSON", body: `{"news":[]}`, wantReason: upstream.ReasonNotFeed},
		{name: "HTML", body: `<!DOCTYPE html><html><title>Maintenance</title></html>`, wantReason: upstream.ReasonNotFeed},
		{name: "cut short", body: `{"count":3,"results":[{"document_number":"2026-1`, wantReason: upstream.ReasonParse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items, err := Parse(config.FeedFederalRegister, []byte(tc.body), "application/json")
			if tc.wantReason == "" {
				if err != nil || len(items) != 0 {
					t.Fatalf("got %v, %v; want no items and no error", items, err)
				}
				return
			}
			if got := ReasonOf(err); err == nil || got != tc.wantReason {
				t.Fatalf("got items %v, err %v; want reason %q", items, err, tc.wantReason)
			}
		})
	}
}

// TestFederalRegisterAgencies: a federal_register feed's agencies keep the
// documents of any of them, the public inspection list included.
func TestFederalRegisterAgencies(t *testing.T) {
	f := config.Feed{Name: "fr", Type: config.FeedFederalRegister,
		FederalRegister: &config.FederalRegister{Agencies: []string{"industry-and-security-bureau", "defense-department"}}}
	items, err := parserFor(f, time.UTC)(readTestdata(t, "federalregister-inspection.json"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.ID)
	}
	if diff := cmp.Diff([]string{"2026-17342", "2026-17350"}, got); diff != "" {
		t.Errorf("documents kept (-want +got):\n%s", diff)
	}
}

// TestInspectionIssue: from midnight until the day's list, and over the
// weekend, the list served is a previous day's; the day is Eastern.
func TestInspectionIssue(t *testing.T) {
	items, err := Parse(config.FeedFederalRegister, readTestdata(t, "federalregister-inspection.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		now          string
		wantPrevious bool
	}{
		{"2026-08-26T15:00:00Z", false}, // 11:00 on the issue's day
		{"2026-08-27T03:59:00Z", false}, // 23:59 Eastern, still the 26th
		{"2026-08-27T05:00:00Z", true},  // 01:00 Eastern on the 27th: overnight
		{"2026-08-29T16:00:00Z", true},  // Saturday
	} {
		issue, previous := inspectionIssue(items, utc(tc.now))
		if issue != "2026-08-26" || previous != tc.wantPrevious {
			t.Errorf("at %s: got %q, previous %v; want 2026-08-26, %v", tc.now, issue, previous, tc.wantPrevious)
		}
	}
	if issue, previous := inspectionIssue(nil, testStart); issue != "" || previous {
		t.Errorf("no items: got %q, %v", issue, previous)
	}
}

// TestParseListPage reads pages without a feed: a ministry's list in GBK
// (declared by <meta>, by the header, or not at all), a trade office's in
// UTF-8 with a <base> and English dates; and fails, naming the feed, when
// the layout no longer matches.
func TestParseListPage(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	const (
		mofcomPage = "https://www.mofcom.gov.cn/zwgk/zcfb/index.html"
		mofcomArt  = "https://www.mofcom.gov.cn/zwgk/zcfb/art/2026/"
		ustrPage   = "https://ustr.example.gov/about-us/policy-offices/press-office/press-releases"
		ustrPR     = "https://ustr.example.gov/about-us/policy-offices/press-office/press-releases/2026/august/"
	)
	mofcom := &config.ListPage{Item: "ul.txtList_01 li"}
	mofcomItems := []Item{
		// The link's title attribute holds the headline the list shortened.
		{ID: mofcomArt + "art_3f0c9a7e51d24b6c8e1f0a2b3c4d5e6f.html",
			Title:     "商务部 海关总署公告2026年第45号 关于对部分稀土永磁材料相关物项实施出口管制的决定",
			URL:       mofcomArt + "art_3f0c9a7e51d24b6c8e1f0a2b3c4d5e6f.html",
			Link:      mofcomArt + "art_3f0c9a7e51d24b6c8e1f0a2b3c4d5e6f.html",
			Published: utc("2026-08-24T16:00:00Z")}, // [2026-08-25], Beijing time
		{ID: mofcomArt + "art_9b8a7c6d5e4f40312a1b2c3d4e5f6a7b.html",
			Title:     "商务部公告2026年第44号 关于调整两用物项出口许可管理的公告",
			URL:       mofcomArt + "art_9b8a7c6d5e4f40312a1b2c3d4e5f6a7b.html",
			Link:      mofcomArt + "art_9b8a7c6d5e4f40312a1b2c3d4e5f6a7b.html",
			Published: utc("2026-08-23T16:00:00Z")}, // 2026年08月24日
	}
	gbk := readTestdata(t, "listpage-mofcom-gbk.html")
	undeclared := []byte(strings.Replace(string(gbk), `<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />`, "", 1))
	ustr := &config.ListPage{Item: "div.views-row", Title: "h3", Date: ".date-display-single"}
	ustrItems := []Item{
		{ID: ustrPR + "ustr-announces-critical-minerals-trade-consultations",
			Title: "USTR Announces Critical Minerals Trade Consultations with Allies",
			URL:   ustrPR + "ustr-announces-critical-minerals-trade-consultations", Link: ustrPR + "ustr-announces-critical-minerals-trade-consultations",
			Published: utc("2026-08-25T04:00:00Z")},
		{ID: ustrPR + "statement-on-section-301-rare-earth-magnets",
			Title: "Statement on the Section 301 Review of Rare Earth Magnet Imports",
			URL:   ustrPR + "statement-on-section-301-rare-earth-magnets", Link: ustrPR + "statement-on-section-301-rare-earth-magnets",
			Published: utc("2026-08-21T04:00:00Z")},
		// "Forthcoming" is no date: the first-seen time stands in.
		{ID: ustrPR + "undated", Title: "Readout of the Trade Policy Staff Committee Meeting",
			URL: ustrPR + "undated", Link: ustrPR + "undated"},
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		cfg         *config.ListPage
		loc         *time.Location
		page        string
		body        []byte
		contentType string
		want        []Item
		wantErr     string
	}{
		{name: "GBK declared by meta", cfg: mofcom, loc: shanghai, page: mofcomPage, body: gbk, contentType: "text/html", want: mofcomItems},
		{name: "GBK declared by the header", cfg: mofcom, loc: shanghai, page: mofcomPage, body: undeclared, contentType: "text/html; charset=GBK", want: mofcomItems},
		{name: "GBK undeclared", cfg: mofcom, loc: shanghai, page: mofcomPage, body: undeclared, want: mofcomItems},
		{name: "header claims UTF-8", cfg: mofcom, loc: shanghai, page: mofcomPage, body: gbk, contentType: "text/html; charset=utf-8", want: mofcomItems},
		// Day first: no recognised form reads it, the layout does.
		{name: "dates by layout", loc: shanghai, page: "https://trade.example.gov/notices/",
			body: []byte(`<ul class="notices"><li><a href="2026/rare-earth-quota">Rare earth quota notice</a> <em>25/08/2026</em></li></ul>`),
			cfg:  &config.ListPage{Item: "ul.notices li", Date: "em", DateLayout: "02/01/2006"},
			want: []Item{{ID: "https://trade.example.gov/notices/2026/rare-earth-quota", Title: "Rare earth quota notice",
				URL: "https://trade.example.gov/notices/2026/rare-earth-quota", Link: "https://trade.example.gov/notices/2026/rare-earth-quota",
				Published: utc("2026-08-24T16:00:00Z")}}},
		{name: "dates by pattern", loc: shanghai, page: mofcomPage, body: gbk,
			cfg:  &config.ListPage{Item: "ul.txtList_01 li", DatePattern: `\[(\d{4}-\d{2}-\d{2})\]`},
			want: []Item{mofcomItems[0], withDate(mofcomItems[1], time.Time{})}},
		{name: "English dates, base href", cfg: ustr, loc: ny, page: ustrPage, body: readTestdata(t, "listpage-ustr.html"), want: ustrItems},
		{name: "layout changed", cfg: ustr, loc: ny, page: ustrPage, body: readTestdata(t, "odd/listpage-redesigned.html"),
			wantErr: `parse: feed "ustr-press": list_page.item "div.views-row" matches nothing (page title "Newsroom"): the page layout may have changed`},
		{name: "entries without links", loc: ny, page: ustrPage, body: readTestdata(t, "listpage-ustr.html"),
			cfg:     &config.ListPage{Item: "span.date-display-single"},
			wantErr: `parse: feed "ustr-press": list_page.item "span.date-display-single" matches 3 elements, none with a link and a title (page title "Press Releases | United States Trade Representative"): the page layout may have changed`},
		{name: "dates gone", loc: ny, page: ustrPage, body: readTestdata(t, "listpage-ustr.html"),
			cfg:     &config.ListPage{Item: "div.views-row", Date: "time"},
			wantErr: `parse: feed "ustr-press": none of the 3 entries has a date that list_page.date, date_layout and date_pattern read (page title "Press Releases | United States Trade Representative"): the page layout may have changed`},
		{name: "a feed where a page was", cfg: ustr, loc: ny, page: ustrPage, body: readTestdata(t, "rss2-mining-news.xml"),
			wantErr: `parse: feed "ustr-press": list_page.item "div.views-row" matches nothing (page title "Critical Minerals Desk"): the page layout may have changed`},
		{name: "empty", cfg: ustr, loc: ny, page: ustrPage, body: []byte(" \n"), wantErr: "not_feed: empty body: not a feed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := newListPage("ustr-press", tc.cfg, tc.loc).parse(tc.body, tc.contentType, tc.page)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("got items %v, err %v; want error %q", got, err, tc.wantErr)
				}
				if strings.Contains(tc.wantErr, "layout") && (!errors.Is(err, ErrLayoutChanged) || ReasonOf(err) != upstream.ReasonParse) {
					t.Errorf("error %v: want ErrLayoutChanged with reason parse", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
		})
	}
}

func withDate(it Item, t time.Time) Item {
	it.Published = t
	return it
}

// TestFindDate covers the date forms a list page is searched for.
func TestFindDate(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		want string
	}{
		{"[2026-08-25]", "2026-08-24T16:00:00Z"},
		{"发布时间：2026年8月5日", "2026-08-04T16:00:00Z"},
		{"2026/08/25 09:30", "2026-08-25T01:30:00Z"},
		{"2026.08.25", "2026-08-24T16:00:00Z"},
		{"August 25, 2026", "2026-08-24T16:00:00Z"},
		{"Sept. 3, 2026", "2026-09-02T16:00:00Z"},
		{"3 September 2026", "2026-09-02T16:00:00Z"},
		// A headline may name a date; the list's own comes last.
		{"关于2025年10月9日公告的解读 2026-08-25", "2026-08-24T16:00:00Z"},
		{"2026-02-30", ""}, // no such day
		{"2026-13-01", ""},
		{"Forthcoming", ""},
		{"2026-08-25 99:99", "2026-08-24T16:00:00Z"}, // not a time: the day alone
	} {
		got := findDate(tc.text, shanghai)
		var want time.Time
		if tc.want != "" {
			want = utc(tc.want)
		}
		if !got.Equal(want) {
			t.Errorf("findDate(%q) = %v, want %v", tc.text, got, want)
		}
	}
}
