package feeds

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

var fuzzTypes = []string{config.FeedRSS, config.FeedYahooSearch, config.FeedEDGAR, config.FeedGlobeNewswire,
	config.FeedFederalRegister, config.FeedDoDContracts}

// FuzzParse feeds arbitrary bytes to the parser front end (charset
// detection, format detection, gofeed and the adapters): it must never
// panic, and whatever it returns must be clean text.
//
//	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 30s ./internal/feeds/
func FuzzParse(f *testing.F) {
	for _, glob := range []string{"testdata/*", "testdata/odd/*"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				continue // a directory
			}
			for i := range fuzzTypes {
				f.Add(uint8(i), b, "")
			}
		}
	}
	f.Add(uint8(0), []byte("\xfe\xff\x00<\x00r"), "text/xml; charset=utf-16")
	f.Add(uint8(0), []byte(`<?xml version="1.0" encoding="koi8-r"?><rss><channel><item><title>`+"\xf0\xd2\xc9"+`</title></item></channel></rss>`), "")
	f.Add(uint8(1), []byte(`{"news":[{"title":"&lt;b&gt;x","providerPublishTime":"soon","relatedTickers":[":",""]}]}`), "application/json")
	f.Add(uint8(4), []byte(`{"count":1,"results":[{"document_number":"2026-1","title":"","toc_subject":"&lt;i&gt;","filed_at":"never","agencies":[{"slug":null}]}]}`), "application/json")
	f.Add(uint8(4), []byte(`{"count":null,"errors":["x"]}`), "")
	f.Add(uint8(5), []byte(`<rss><channel><item><title>t</title><description>&amp;lt;p&amp;gt;one two three four five six seven eight nine ten eleven twelve&amp;lt;/p&amp;gt;&lt;p&gt;a b c d e f g h i j k l m&lt;/p&gt;</description></item></channel></rss>`), "")
	f.Fuzz(func(t *testing.T, typ uint8, body []byte, contentType string) {
		items, err := Parse(fuzzTypes[int(typ)%len(fuzzTypes)], body, contentType)
		if err != nil {
			if !isParseError(err) {
				t.Fatalf("error without a parse reason: %v", err)
			}
			return
		}
		if len(items) > maxItemsPerBody {
			t.Fatalf("%d items, over the cap", len(items))
		}
		for _, it := range items {
			for _, s := range []string{it.Title, it.Summary, it.Publisher} {
				if !utf8.ValidString(s) || strings.ContainsAny(s, "\n\t\x00") || s != strings.TrimSpace(s) {
					t.Fatalf("unclean text %q", s)
				}
			}
			if it.URL != "" && canonicalURL(it.URL) != it.URL {
				t.Fatalf("canonical URL %q is not canonical", it.URL)
			}
		}
	})
}

// FuzzParseListPage feeds arbitrary bytes, as a page without a feed, to
// the list page parser (charset detection, HTML parsing, selectors, link
// resolution, date finding) under two configurations: it must never panic,
// fail only with reason parse or not_feed, and return clean text and
// absolute links.
//
//	go test -run '^$' -fuzz '^FuzzParseListPage$' -fuzztime 30s ./internal/feeds/
func FuzzParseListPage(f *testing.F) {
	configs := []*config.ListPage{
		{Item: "ul.txtList_01 li"},
		{Item: "div.views-row, li", Link: "a", Title: "h3", Date: "span, time", DateLayout: "2006年01月02日", DatePattern: `(\d{4}\D\d{1,2}\D\d{1,2})`},
	}
	for _, file := range []string{"listpage-mofcom-gbk.html", "listpage-ustr.html", "odd/listpage-redesigned.html", "odd/html-page.html"} {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		for i := range configs {
			f.Add(uint8(i), b, "text/html")
		}
	}
	f.Add(uint8(0), []byte(`<base href="javascript:x"><ul class="txtList_01"><li><a href="//h/%zz" title="&#0;">x</a>2026年13月40日</li></ul>`), "text/html; charset=gbk")
	f.Add(uint8(1), []byte("\xfe\xff\x00<\x00l\x00i"), "")
	f.Fuzz(func(t *testing.T, cfg uint8, body []byte, contentType string) {
		lp := newListPage("fuzz", configs[int(cfg)%len(configs)], time.UTC)
		items, err := lp.parse(body, contentType, "https://www.mofcom.example.cn/zwgk/zcfb/index.html")
		if err != nil {
			if !isParseError(err) {
				t.Fatalf("error without a parse reason: %v", err)
			}
			return
		}
		for _, it := range items {
			if !utf8.ValidString(it.Title) || strings.ContainsAny(it.Title, "\n\t\x00") || it.Title != strings.TrimSpace(it.Title) || it.Title == "" {
				t.Fatalf("unclean title %q", it.Title)
			}
			if it.URL == "" || canonicalURL(it.URL) != it.URL || canonicalURL(it.Link) == "" {
				t.Fatalf("link %q (canonical %q) is not an absolute http(s) URL", it.Link, it.URL)
			}
		}
	})
}

// FuzzParseDate: no panic, and any date read is in UTC.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"Wed, 26 Aug 2026 08:15:00 EDT", "Tue, 25 Aug 2026 11:30 GMT", "2025-10-31T06:01:26-04:00",
		"20260827T143000", "1787657400", "Mon,02 January 2006 15:04:05 EST", "Sat, 01 Aug 2026 20:57:44 +0000 (UTC)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, ok := parseDate(s); ok && d.Location().String() != "UTC" {
			t.Fatalf("parseDate(%q) = %v, not UTC", s, d)
		}
	})
}

// FuzzCleanText: no panic, and the result is trimmed valid UTF-8.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"<b>x</b>", "&amp;amp;nbsp;", "a<script>b</script>c", "&lt;p&gt;x&lt;/p&gt;", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := cleanText(s)
		if !utf8.ValidString(got) || got != strings.TrimSpace(got) {
			t.Fatalf("cleanText(%q) = %q: not clean", s, got)
		}
	})
}

// isParseError reports whether err is a failure to read a body: parse,
// not_feed, or an error object the body carries (upstream_error).
func isParseError(err error) bool {
	var fe *upstream.Error
	return errors.As(err, &fe) && (fe.Reason == upstream.ReasonParse || fe.Reason == upstream.ReasonNotFeed || fe.Reason == upstream.ReasonUpstreamError)
}
