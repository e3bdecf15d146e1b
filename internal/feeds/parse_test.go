package feeds

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// TestParseShapes checks every feed shape monitord reads, item by item.
func TestParseShapes(t *testing.T) {
	const (
		gnLink = "https://news.google.com/rss/articles/"
		mpSec  = "https://www.sec.gov/Archives/edgar/data/1801368/"
	)
	tests := []struct {
		file, typ string
		want      []Item
	}{
		{"rss2-mining-news.xml", config.FeedRSS, []Item{
			{ID: "https://minerals-desk.example.com/2026/08/neodymium-prices-climb",
				Title:     "Neodymium prices climb as export controls tighten",
				URL:       "https://minerals-desk.example.com/2026/08/neodymium-prices-climb",
				Link:      "https://minerals-desk.example.com/2026/08/neodymium-prices-climb?utm_source=rss&utm_medium=feed",
				Summary:   "Spot NdPr oxide rose 4% on the week. Traders cited new licensing rules.",
				Published: utc("2026-08-26T12:15:00Z")},
			{ID: "mdesk-20260825-dy", Title: "Dysprosium supply: what the new separation plant changes",
				URL: "https://minerals-desk.example.com/2026/08/dysprosium-supply", Link: "https://minerals-desk.example.com/2026/08/dysprosium-supply",
				Summary:   "A heavy rare earth separation line in Texas is due to start in 2027.",
				Published: utc("2026-08-25T21:40:00Z")},
			{ID: "mdesk-20260825-u", Title: "Uranium miners rally after reactor restart approvals",
				URL: "https://minerals-desk.example.com/2026/08/uranium-rally", Link: "https://minerals-desk.example.com/2026/08/uranium-rally",
				Summary:   "Energy Fuels (NYSE American: UUUU) led the group higher.",
				Published: utc("2026-08-25T18:05:00Z")},
			{ID: "mdesk-20260824-g", Title: "Graphite anode plant wins loan guarantee",
				URL: "https://minerals-desk.example.com/2026/08/graphite-anode", Link: "https://minerals-desk.example.com/2026/08/graphite-anode",
				Summary:   "The guarantee covers a graphite anode plant.",
				Published: utc("2026-08-24T10:00:00Z")},
			{ID: "mdesk-archive-2010", Title: "Archive: the 2010 rare earth embargo, revisited",
				URL: "https://minerals-desk.example.com/archive/2010-embargo", Link: "https://minerals-desk.example.com/archive/2010-embargo",
				Summary: "Looking back at the 2010 shipping halt.", Published: utc("2010-07-12T09:00:00Z")},
			{ID: "mdesk-20260826-smco", Title: "Samarium-cobalt magnets find a new defense customer",
				URL: "https://minerals-desk.example.com/2026/08/smco-defense", Link: "https://minerals-desk.example.com/2026/08/smco-defense",
				Summary: "No date on this one."},
			{ID: "mdesk-20260915-la", Title: "Embargoed: lanthanide recycling breakthrough",
				URL: "https://minerals-desk.example.com/2026/09/lanthanide-recycling", Link: "https://minerals-desk.example.com/2026/09/lanthanide-recycling",
				Summary: "Scheduled for release next month.", Published: utc("2026-09-15T09:00:00Z")},
		}},
		{"rdf-critical-minerals.rdf", config.FeedRSS, []Item{
			{ID: "geo-note-412", Title: "Survey maps new monazite sands in the Carolinas",
				URL: "https://geo-bulletin.example.org/notes/412", Link: "https://geo-bulletin.example.org/notes/412",
				Summary: "Monazite is a source of light rare earth elements.", Published: utc("2026-08-25T17:20:00Z")},
			{Title: "Scandium by-product recovery from bauxite residue",
				URL: "https://geo-bulletin.example.org/notes/411", Link: "https://geo-bulletin.example.org/notes/411",
				Summary: "Pilot results from two refineries.", Published: utc("2026-08-24T09:15:00Z")},
		}},
		{"atom-magnet-blog.atom", config.FeedRSS, []Item{
			{ID: "tag:magnet-journal.example.net,2026:post-88", Title: "Sintered NdFeB capacity outside China doubles",
				URL:       "https://magnet-journal.example.net/posts/ndfeb-capacity",
				Link:      "https://magnet-journal.example.net/posts/ndfeb-capacity#comments",
				Summary:   "Permanent magnet lines in Texas and Estonia are ramping.",
				Published: utc("2026-08-26T05:30:00Z")},
			{ID: "tag:magnet-journal.example.net,2026:post-87", Title: "Terbium thrift: grain-boundary diffusion explained",
				URL: "https://magnet-journal.example.net/posts/terbium-gbd", Link: "https://magnet-journal.example.net/posts/terbium-gbd",
				Summary: "Less terbium, same coercivity.", Published: utc("2026-08-25T18:00:00.25Z")},
		}},
		{"jsonfeed-rare-earth.json", config.FeedRSS, []Item{
			{ID: "rr-2026-08-26-1", Title: "Price floor for NdPr oxide extended to 2035",
				URL: "https://re-roundup.example.com/2026/08/26/ndpr-price-floor", Link: "https://re-roundup.example.com/2026/08/26/ndpr-price-floor",
				Summary: "The offtake agreement's floor price now runs another decade.", Published: utc("2026-08-26T16:00:00Z")},
			{ID: "rr-2026-08-25-2", Title: "Gallium and germanium export licences resume",
				URL: "https://re-roundup.example.com/2026/08/25/gallium-germanium", Link: "https://re-roundup.example.com/2026/08/25/gallium-germanium",
				Summary: "Shipments of gallium restarted this week.", Published: utc("2026-08-25T08:00:00Z")},
		}},
		{"google-news-rare-earth.xml", config.FeedRSS, []Item{
			{ID: "CBMiqAFBVV95cUxNcE1hdGVyaWFsc1JlY29yZA",
				Title:     "MP Materials Announces Record NdPr Oxide Production and Magnet Plant Milestone",
				Publisher: "GlobeNewswire",
				URL:       gnLink + "CBMiqAFBVV95cUxNcE1hdGVyaWFsc1JlY29yZA", Link: gnLink + "CBMiqAFBVV95cUxNcE1hdGVyaWFsc1JlY29yZA?oc=5",
				Published: utc("2026-08-25T11:31:02Z")},
			{ID: "CBMiWkFVX3lxTE1pbmluZ1dlZWtseU1QUmVjb3Jk",
				Title:     "MP Materials announces record NdPr oxide production, and magnet plant milestone",
				Publisher: "Mining Weekly",
				URL:       gnLink + "CBMiWkFVX3lxTE1pbmluZ1dlZWtseU1QUmVjb3Jk", Link: gnLink + "CBMiWkFVX3lxTE1pbmluZ1dlZWtseU1QUmVjb3Jk?oc=5",
				Published: utc("2026-08-25T14:12:00Z")},
			{ID: "CBMiYkFVX3lxTEx5bmFzSGVhdnlSYXJlRWFydGhz",
				Title:     "Lynas says heavy rare earths separation in Malaysia is on schedule",
				Publisher: "Reuters",
				URL:       gnLink + "CBMiYkFVX3lxTEx5bmFzSGVhdnlSYXJlRWFydGhz", Link: gnLink + "CBMiYkFVX3lxTEx5bmFzSGVhdnlSYXJlRWFydGhz?oc=5",
				Published: utc("2026-08-26T02:45:00Z")},
			// No <source>: the " - Publisher" suffix is recognised by shape.
			{ID: "CBMiQkFVX3lxTE1hZ25ldFN0b2NrcGlsZQ",
				Title: "Rare earth magnets: why carmakers are stockpiling",
				URL:   gnLink + "CBMiQkFVX3lxTE1hZ25ldFN0b2NrcGlsZQ", Link: gnLink + "CBMiQkFVX3lxTE1hZ25ldFN0b2NrcGlsZQ?oc=5",
				Published: utc("2026-08-26T10:00:00Z")},
		}},
		{"yahoo-headline-mp.xml", config.FeedRSS, []Item{
			{ID: "4c1f7e0a-2b0d-3c55-9a4e-5d8f00a1b2c3",
				Title:     "MP Materials Announces Record NdPr Oxide Production and Magnet Plant Milestone",
				URL:       "https://finance.yahoo.com/news/mp-materials-announces-record-ndpr-113000512.html",
				Link:      "https://finance.yahoo.com/news/mp-materials-announces-record-ndpr-113000512.html?.tsrc=rss",
				Summary:   "LAS VEGAS -- MP Materials Corp. (NYSE: MP) said output of separated NdPr oxide reached a quarterly record, and that its magnet plant in Fort Worth shipped first production units.",
				Published: utc("2026-08-25T11:30:00Z")},
			{ID: "9e0d2c41-77aa-3d10-8c2b-0b6f3e9a7d11", Title: "Rare Earth Stocks Jump on Commerce Update",
				URL:       "https://finance.yahoo.com/m/9e0d2c41-77aa-3d10-8c2b-0b6f3e9a7d11/rare-earth-stocks-jump.html",
				Link:      "https://finance.yahoo.com/m/9e0d2c41-77aa-3d10-8c2b-0b6f3e9a7d11/rare-earth-stocks-jump.html?.tsrc=rss",
				Summary:   "Shares of rare-earth producers moved higher after the Commerce Department's update.",
				Published: utc("2026-08-26T12:48:00Z")},
		}},
		{"yahoo-search-mp.json", config.FeedYahooSearch, []Item{
			{ID: "4c1f7e0a-2b0d-3c55-9a4e-5d8f00a1b2c3",
				Title:     "MP Materials Announces Record NdPr Oxide Production and Magnet Plant Milestone",
				Publisher: "GlobeNewswire",
				URL:       "https://finance.yahoo.com/news/mp-materials-announces-record-ndpr-113000512.html",
				Link:      "https://finance.yahoo.com/news/mp-materials-announces-record-ndpr-113000512.html",
				Published: utc("2026-08-25T11:30:00Z"), Tickers: []string{"MP"}},
			{ID: "b71a90d3-5e6f-3f0c-a1d2-44e0c7b9f812", Title: "Trilogy Metals and partner file updated Arctic copper-cobalt plan",
				Publisher: "Business Wire",
				URL:       "https://finance.yahoo.com/news/trilogy-metals-partner-file-updated-140500777.html",
				Link:      "https://finance.yahoo.com/news/trilogy-metals-partner-file-updated-140500777.html",
				Published: utc("2026-08-25T14:05:00Z"), Tickers: []string{"TMQ", "MP"}},
			// providerPublishTime sent as a string.
			{ID: "0f6e5d4c-3b2a-3918-8776-655443322110", Title: "Stocks making the biggest moves midday", Publisher: "CNBC",
				URL:       "https://finance.yahoo.com/news/stocks-making-biggest-moves-midday-161502411.html",
				Link:      "https://finance.yahoo.com/news/stocks-making-biggest-moves-midday-161502411.html",
				Published: utc("2026-08-25T16:15:02Z"), Tickers: []string{"AAPL", "^GSPC"}},
		}},
		{"globenewswire-public.xml", config.FeedGlobeNewswire, []Item{
			{ID: "3199001", Title: "MP Materials Announces Record NdPr Oxide Production and Magnet Plant Milestone",
				URL:       "https://www.globenewswire.com/news-release/2026/08/25/3199001/0/en/MP-Materials-Announces-Record-NdPr-Oxide-Production-and-Magnet-Plant-Milestone.html",
				Link:      "https://www.globenewswire.com/news-release/2026/08/25/3199001/0/en/MP-Materials-Announces-Record-NdPr-Oxide-Production-and-Magnet-Plant-Milestone.html",
				Summary:   "LAS VEGAS, Aug. 25, 2026 (GLOBE NEWSWIRE) -- MP Materials Corp. (“MP Materials”) (NYSE: MP) today reported record quarterly production of NdPr oxide…",
				Published: utc("2026-08-25T11:30:00Z"), Tickers: []string{"MP"}},
			{ID: "3199044", Title: "Ucore Commissions RapidSX Demonstration Line in Louisiana",
				URL:       "https://www.globenewswire.com/news-release/2026/08/25/3199044/0/en/Ucore-Commissions-RapidSX-Demonstration-Line.html",
				Link:      "https://www.globenewswire.com/news-release/2026/08/25/3199044/0/en/Ucore-Commissions-RapidSX-Demonstration-Line.html",
				Summary:   "HALIFAX, Nova Scotia, Aug. 25, 2026 (GLOBE NEWSWIRE) -- Ucore Rare Metals Inc. (TSXV: UCU) (OTCQX: UURAF) commissioned its separation line.",
				Published: utc("2026-08-25T12:05:00Z"), Tickers: []string{"UCU.V", "UURAF"}},
			{ID: "3199102", Title: "Acme Widgets Declares Quarterly Dividend",
				URL:       "https://www.globenewswire.com/news-release/2026/08/25/3199102/0/en/Acme-Widgets-Declares-Dividend.html",
				Link:      "https://www.globenewswire.com/news-release/2026/08/25/3199102/0/en/Acme-Widgets-Declares-Dividend.html",
				Summary:   "Acme Widgets declared a dividend of $0.12 per share.",
				Published: utc("2026-08-25T13:00:00Z"), Tickers: []string{"ACMW"}},
		}},
		{"seeking-alpha-mp.xml", config.FeedRSS, []Item{
			{ID: "https://seekingalpha.com/Article:4890123", Title: "MP Materials: Magnets Change The Story",
				URL:       "https://seekingalpha.com/article/4890123-mp-materials-magnets-change-story",
				Link:      "https://seekingalpha.com/article/4890123-mp-materials-magnets-change-story?source=feed_symbol_MP",
				Published: utc("2026-08-26T13:41:10Z"), Tickers: []string{"MP"}},
			{ID: "https://seekingalpha.com/Article:4889000", Title: "MP Materials Q2 2026 Earnings Call Transcript",
				URL:       "https://seekingalpha.com/article/4889000-mp-materials-q2-2026-earnings-call-transcript",
				Link:      "https://seekingalpha.com/article/4889000-mp-materials-q2-2026-earnings-call-transcript?source=feed_symbol_MP",
				Published: utc("2026-08-07T01:54:10Z"), Tickers: []string{"MP"}},
		}},
		{"edgar-mp-8k.atom", config.FeedEDGAR, []Item{
			{ID: "0001801368-26-000051", Title: "MP Materials Corp. / DE files 8-K: Current report (items 2.02, 9.01)",
				URL:       mpSec + "000180136826000051/0001801368-26-000051-index.htm",
				Link:      mpSec + "000180136826000051/0001801368-26-000051-index.htm",
				Summary:   "Filed: 2026-08-06 AccNo: 0001801368-26-000051 Size: 412 KB Item 2.02: Results of Operations and Financial Condition Item 9.01: Financial Statements and Exhibits",
				Published: utc("2026-08-06T20:05:41Z"),
				Filing: &Filing{Form: "8-K", Items: []string{"2.02", "9.01"}, Accession: "0001801368-26-000051",
					CIK: "0001801368", Company: "MP Materials Corp. / DE"}},
			// ISO-8859-1 bytes in the summary decode to é.
			{ID: "0001801368-26-000049", Title: "MP Materials Corp. / DE files 8-K/A: Current report, amendment (items 1.01, 7.01)",
				URL:       mpSec + "000180136826000049/0001801368-26-000049-index.htm",
				Link:      mpSec + "000180136826000049/0001801368-26-000049-index.htm",
				Summary:   "Filed: 2026-07-30 AccNo: 0001801368-26-000049 Size: 95 KB Item 1.01: Entry into a Material Definitive Agreement (offtake, définitive) Item 7.01: Regulation FD Disclosure",
				Published: utc("2026-07-30T12:02:10Z"),
				Filing: &Filing{Form: "8-K/A", Items: []string{"1.01", "7.01"}, Accession: "0001801368-26-000049",
					CIK: "0001801368", Company: "MP Materials Corp. / DE"}},
			{ID: "0001801368-26-000047", Title: "MP Materials Corp. / DE files 10-Q: Quarterly report [Sections 13 or 15(d)]",
				URL:       mpSec + "000180136826000047/0001801368-26-000047-index.htm",
				Link:      mpSec + "000180136826000047/0001801368-26-000047-index.htm",
				Summary:   "Filed: 2026-08-07 AccNo: 0001801368-26-000047 Size: 9 MB",
				Published: utc("2026-08-07T20:31:02Z"),
				Filing:    &Filing{Form: "10-Q", Accession: "0001801368-26-000047", CIK: "0001801368", Company: "MP Materials Corp. / DE"}},
		}},
		{"edgar-current-8k.atom", config.FeedEDGAR, []Item{
			{ID: "0001385849-26-000033", Title: "Energy Fuels Inc. files 8-K (items 8.01)",
				URL:       "https://www.sec.gov/Archives/edgar/data/1385849/000138584926000033/0001385849-26-000033-index.htm",
				Link:      "https://www.sec.gov/Archives/edgar/data/1385849/000138584926000033/0001385849-26-000033-index.htm",
				Summary:   "Filed: 2026-08-26 AccNo: 0001385849-26-000033 Size: 301 KB Item 8.01: Other Events",
				Published: utc("2026-08-26T21:02:44Z"),
				Filing:    &Filing{Form: "8-K", Items: []string{"8.01"}, Accession: "0001385849-26-000033", CIK: "0001385849", Company: "Energy Fuels Inc."}},
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

// TestParseOdd covers broken, mis-encoded and non-feed bodies: each either
// reads correctly or fails with the right reason, never panics.
func TestParseOdd(t *testing.T) {
	tests := []struct {
		file, typ, contentType string
		wantTitles             []string
		wantReason             string
	}{
		{file: "bom.xml", wantTitles: []string{"Praseodymium premium widens — traders"}},
		{file: "latin1-no-decl.xml", wantTitles: []string{"Terres rares : la séparation du cérium démarre à La Rochelle"}},
		{file: "cp1252-wrong-prolog.xml", wantTitles: []string{"Rare earth oxide index at €412 per kilogram"}},
		{file: "cp1252-declared.xml", wantTitles: []string{"“Magnet metals” now cost €95 more"}},
		// The header's charset is a hint only when the prolog says nothing.
		{file: "latin1-no-decl.xml", contentType: "application/rss+xml; charset=iso-8859-1",
			wantTitles: []string{"Terres rares : la séparation du cérium démarre à La Rochelle"}},
		{file: "invalid-prolog.xml", wantTitles: []string{"Café talk: yttrium shortages"}},
		{file: "utf16le.xml", wantTitles: []string{"Europium recycling pilot opens"}},
		{file: "control-chars.xml", wantTitles: []string{"Holmium price steady"}},
		{file: "double-escaped.xml", wantTitles: []string{`Rare earths & magnets: "a new era"`}},
		// Pasted from a browser: a bare & and raw HTML. The lenient decoder
		// reads it.
		{file: "not-well-formed.xml", wantTitles: []string{"Neodymium magnets & the grid"}},
		{file: "truncated.xml", wantReason: upstream.ReasonParse},
		{file: "non-feed.xml", wantReason: upstream.ReasonNotFeed},
		{file: "html-page.html", wantReason: upstream.ReasonNotFeed},
		{file: "html-page.html", typ: config.FeedEDGAR, wantReason: upstream.ReasonNotFeed},
		{file: "html-page.html", typ: config.FeedYahooSearch, wantReason: upstream.ReasonNotFeed},
		{file: "json-not-feed.json", wantReason: upstream.ReasonNotFeed},
		{file: "yahoo-error.json", typ: config.FeedYahooSearch, wantReason: upstream.ReasonNotFeed},
		{file: "empty.xml", wantReason: upstream.ReasonNotFeed},
		{file: "non-feed.xml", typ: config.FeedEDGAR, wantReason: upstream.ReasonNotFeed},
		{file: "truncated.xml", typ: config.FeedYahooSearch, wantReason: upstream.ReasonNotFeed},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.typ, func(t *testing.T) {
			items, err := Parse(tt.typ, readTestdata(t, filepath.Join("odd", tt.file)), tt.contentType)
			if tt.wantReason != "" {
				var fe *upstream.Error
				if !errors.As(err, &fe) || fe.Reason != tt.wantReason {
					t.Fatalf("got items %v, err %v; want reason %q", items, err, tt.wantReason)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var titles []string
			for _, it := range items {
				titles = append(titles, it.Title)
			}
			if diff := cmp.Diff(tt.wantTitles, titles); diff != "" {
				t.Errorf("titles (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDoubleEscapedSummary(t *testing.T) {
	items, err := Parse(config.FeedRSS, readTestdata(t, "odd/double-escaped.xml"), "")
	if err != nil || len(items) != 1 {
		t.Fatalf("got %v, %v", items, err)
	}
	if got, want := items[0].Summary, "Cerium and lanthanum oversupply persists."; got != want {
		t.Errorf("summary: got %q, want %q", got, want)
	}
}

// TestParseKeepsNoBodyBytes: body buffers are recycled once parsed
// (bodyBuffers), so nothing Parse returns may share the body's memory.
// Overwriting the body after parsing must leave the items as they were.
func TestParseKeepsNoBodyBytes(t *testing.T) {
	for _, c := range []struct{ file, typ string }{
		{"rss2-mining-news.xml", config.FeedRSS},
		{"atom-magnet-blog.atom", config.FeedRSS},
		{"rdf-critical-minerals.rdf", config.FeedRSS},
		{"jsonfeed-rare-earth.json", config.FeedRSS},
		{"google-news-rare-earth.xml", config.FeedRSS},
		{"globenewswire-public.xml", config.FeedGlobeNewswire},
		{"edgar-mp-8k.atom", config.FeedEDGAR},
		{"yahoo-search-mp.json", config.FeedYahooSearch},
		{"federalregister-inspection.json", config.FeedFederalRegister},
		{"dod-contracts.xml", config.FeedDoDContracts},
	} {
		t.Run(c.file, func(t *testing.T) {
			body := readTestdata(t, c.file)
			items, err := Parse(c.typ, body, "")
			if err != nil || len(items) == 0 {
				t.Fatalf("parse: %d items, %v", len(items), err)
			}
			before, err := json.Marshal(items)
			if err != nil {
				t.Fatal(err)
			}
			for i := range body {
				body[i] = 'x'
			}
			after, _ := json.Marshal(items)
			if string(before) != string(after) {
				t.Errorf("items changed when the body was overwritten:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestParseKeepsAngleBracketsInPlainText reproduces the tag stripper that
// turned the headline "x<y and y>z rises" into "xz rises": a title is
// plain text, and so is a description that is not HTML; only fields
// declared HTML, or plainly HTML, lose their markup.
func TestParseKeepsAngleBracketsInPlainText(t *testing.T) {
	const headline = "x<y and y>z rises"
	for _, tc := range []struct {
		name, typ, body string
		wantSummary     string
	}{
		{"rss", config.FeedRSS, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><guid>1</guid><title>x&lt;y and y&gt;z rises</title><link>https://desk.example.com/1</link>
<description>Supply: x&lt;y, demand: y&gt;z</description>
<content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/">unused</content:encoded></item></channel></rss>`,
			"Supply: x<y, demand: y>z"},
		{"rss html description", config.FeedRSS, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><guid>1</guid><title>x&lt;y and y&gt;z rises</title><link>https://desk.example.com/1</link>
<description>&lt;p&gt;NdPr &lt;b&gt;up&lt;/b&gt; 4%&lt;/p&gt;</description></item></channel></rss>`,
			"NdPr up 4%"},
		{"rss content:encoded is HTML", config.FeedRSS, `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>
<item><guid>1</guid><title>x&lt;y and y&gt;z rises</title><link>https://desk.example.com/1</link>
<content:encoded><![CDATA[<p>Cerium <i>rises</i></p>]]></content:encoded></item></channel></rss>`,
			"Cerium rises"},
		{"atom text and html", config.FeedRSS, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id><updated>2026-08-26T10:00:00Z</updated>
<entry><id>urn:1</id><title type="text">x&lt;y and y&gt;z rises</title><link href="https://desk.example.com/1"/><updated>2026-08-26T10:00:00Z</updated>
<content type="html">&lt;p&gt;Dysprosium &lt;b&gt;up&lt;/b&gt;&lt;/p&gt;</content></entry></feed>`,
			"Dysprosium up"},
		{"atom text content keeps brackets", config.FeedRSS, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id><updated>2026-08-26T10:00:00Z</updated>
<entry><id>urn:1</id><title>x&lt;y and y&gt;z rises</title><link href="https://desk.example.com/1"/><updated>2026-08-26T10:00:00Z</updated>
<content type="text">when a&lt;b and b&gt;c</content></entry></feed>`,
			"when a<b and b>c"},
		{"json feed", config.FeedRSS, `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[
{"id":"1","url":"https://desk.example.com/1","title":"x<y and y>z rises","content_html":"<p>Terbium <em>steady</em></p>"}]}`,
			"Terbium steady"},
		{"json feed content_html is HTML", config.FeedRSS, `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[
{"id":"1","url":"https://desk.example.com/1","title":"x<y and y>z rises","content_html":"Lanthanum <b>surges"}]}`,
			"Lanthanum surges"},
		{"json feed text", config.FeedRSS, `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[
{"id":"1","url":"https://desk.example.com/1","title":"x<y and y>z rises","content_text":"a<b and b>c"}]}`,
			"a<b and b>c"},
		{"yahoo search", config.FeedYahooSearch, `{"news":[{"uuid":"u1","title":"x<y and y>z rises","link":"https://finance.yahoo.com/news/1.html","providerPublishTime":1787738400}]}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items, err := Parse(tc.typ, []byte(tc.body), "")
			if err != nil || len(items) != 1 {
				t.Fatalf("got %v, %v; want one item", items, err)
			}
			if got := items[0].Title; got != headline {
				t.Errorf("title: got %q, want %q", got, headline)
			}
			if got := items[0].Summary; got != tc.wantSummary {
				t.Errorf("summary: got %q, want %q", got, tc.wantSummary)
			}
		})
	}
}
