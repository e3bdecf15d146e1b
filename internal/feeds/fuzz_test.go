package feeds

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

var fuzzTypes = []string{config.FeedRSS, config.FeedYahooSearch, config.FeedEDGAR, config.FeedGlobeNewswire}

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

// isParseError reports whether err is a parse or not-feed failure.
func isParseError(err error) bool {
	var fe *upstream.Error
	return errors.As(err, &fe) && (fe.Reason == upstream.ReasonParse || fe.Reason == upstream.ReasonNotFeed)
}
