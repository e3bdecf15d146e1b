package feeds

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/monitord/monitord/internal/config"
)

// bigRSS is a 100-item feed shaped like Google News: what a busy search
// returns every poll.
func bigRSS(n int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><generator>NFE/5.0</generator><title>"rare earth" - Google News</title>`)
	for i := range n {
		fmt.Fprintf(&b, `<item><title>Rare earth story number %d about NdPr magnets and export controls - Publisher %d</title>`+
			`<link>https://news.google.com/rss/articles/CBMi%08d?oc=5</link><guid isPermaLink="false">CBMi%08d</guid>`+
			`<pubDate>Wed, 26 Aug 2026 %02d:%02d:00 GMT</pubDate>`+
			`<description>&lt;a href="https://news.google.com/rss/articles/CBMi%08d?oc=5"&gt;Rare earth story number %d&lt;/a&gt;&amp;nbsp;&amp;nbsp;&lt;font color="#6f6f6f"&gt;Publisher %d&lt;/font&gt;</description>`+
			`<source url="https://publisher%d.example.com">Publisher %d</source></item>`,
			i, i, i, i, i%24, i%60, i, i, i, i, i)
	}
	b.WriteString(`</channel></rss>`)
	return []byte(b.String())
}

// BenchmarkParse reports the cost of turning a body into Items, per item.
//
//	go test -run '^$' -bench '^BenchmarkParse' -benchmem ./internal/feeds/
func BenchmarkParse(b *testing.B) {
	cases := []struct {
		name, typ string
		body      []byte
	}{
		{"google-news-100", config.FeedRSS, bigRSS(100)},
		{"rss2", config.FeedRSS, readTestdata(b, "rss2-mining-news.xml")},
		{"atom", config.FeedRSS, readTestdata(b, "atom-magnet-blog.atom")},
		{"globenewswire", config.FeedGlobeNewswire, readTestdata(b, "globenewswire-public.xml")},
		{"edgar-latin1", config.FeedEDGAR, readTestdata(b, "edgar-mp-8k.atom")},
		{"yahoo-search-json", config.FeedYahooSearch, readTestdata(b, "yahoo-search-mp.json")},
		{"federal-register-inspection", config.FeedFederalRegister, readTestdata(b, "federalregister-inspection.json")},
		{"dod-contracts", config.FeedDoDContracts, readTestdata(b, "dod-contracts.xml")},
	}
	for _, c := range cases {
		items, err := Parse(c.typ, c.body, "")
		if err != nil {
			b.Fatalf("%s: %v", c.name, err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(c.typ, c.body, ""); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(items)), "ns/item")
		})
	}
}

// BenchmarkParseListPage reports the cost of reading a GBK list page:
// charset detection and conversion, the HTML parse, the selectors.
func BenchmarkParseListPage(b *testing.B) {
	body := readTestdata(b, "listpage-mofcom-gbk.html")
	lp := newListPage("mofcom", &config.ListPage{Item: "ul.txtList_01 li"}, time.UTC)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lp.parse(body, "text/html", "https://www.mofcom.gov.cn/zwgk/zcfb/index.html"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGofeedImageScan shows why the parser turns gofeed's content image
// scan off: it parses every description as an HTML document to find an
// <img> monitord never uses.
func BenchmarkGofeedImageScan(b *testing.B) {
	body := bigRSS(100)
	for _, disable := range []bool{false, true} {
		b.Run(fmt.Sprintf("disabled=%v", disable), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p := gofeed.NewParser()
				p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: disable}
				if _, err := p.Parse(bytes.NewReader(body)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
