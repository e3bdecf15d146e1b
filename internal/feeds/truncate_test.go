package feeds

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// longItem is one entry of a long test feed: guid g<i>, a distinct
// headline, and a date i minutes after a day before testStart (none when
// undated).
type longItem struct {
	i     int
	title string
}

// longBody builds an RSS body of the given items in the given order.
func longBody(items []longItem, dated bool) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Archive</title>`)
	for _, it := range items {
		title := it.title
		if title == "" {
			title = fmt.Sprintf("Archive entry number %d filed", it.i)
		}
		fmt.Fprintf(&b, `<item><guid isPermaLink="false">g%d</guid><title>%s</title><link>https://archive.example.com/%d</link>`, it.i, title, it.i)
		if dated {
			fmt.Fprintf(&b, `<pubDate>%s</pubDate>`, testStart.Add(-24*time.Hour).Add(time.Duration(it.i)*time.Minute).Format(time.RFC1123Z))
		}
		b.WriteString(`</item>`)
	}
	b.WriteString(`</channel></rss>`)
	return []byte(b.String())
}

// oldestFirst returns items 0..n-1, then extra, in document order.
func oldestFirst(n int, extra ...longItem) []longItem {
	out := make([]longItem, 0, n+len(extra))
	for i := range n {
		out = append(out, longItem{i: i})
	}
	return append(out, extra...)
}

// TestLongOldestFirstFeedReportsNewItems reproduces news lost in silence:
// a feed of 1,200 items listed oldest first was cut to its first 1,000,
// so the items it added at its end were never reported, and nothing said
// so. The newest items are kept now, by date when the items have dates
// and by the end the feed grows at when they do not; what is cut is
// counted, and a warning is logged once, not every poll.
func TestLongOldestFirstFeedReportsNewItems(t *testing.T) {
	news := []longItem{
		{i: 1300, title: "Rare earth magnet plant opens in Texas"},
		{i: 1301, title: "Neodymium price climbs on export controls"},
	}
	for _, dated := range []bool{true, false} {
		t.Run(fmt.Sprintf("dated=%v", dated), func(t *testing.T) {
			h := newHarness(t)
			h.server.set("/archive.xml", reply{body: longBody(oldestFirst(1200), dated)})
			src := h.source(h.service(h.config(`
feeds:
  - name: archive
    url: "{{srv}}/archive.xml"
`)), "archive")
			if got := h.poll(src); len(got) != 0 {
				t.Fatalf("priming poll reported %d stories", len(got))
			}
			for n, item := range news {
				h.clock.Advance(5 * time.Minute)
				h.server.set("/archive.xml", reply{body: longBody(oldestFirst(1200, news[:n+1]...), dated)})
				if diff := cmp.Diff([]string{item.title}, titles(h.poll(src))); diff != "" {
					t.Errorf("poll %d after the new item (-want +got):\n%s", n+2, diff)
				}
			}
			if got, want := testutil.ToFloat64(h.metrics.truncated.WithLabelValues("archive")), float64(200+201+202); got != want {
				t.Errorf("monitord_feed_items_truncated_total: got %g, want %g", got, want)
			}
			if n := h.logs.FilterMessage("Feed lists more items than are read; keeping the newest").Len(); n != 1 {
				t.Errorf("got %d truncation warnings over three polls, want 1", n)
			}
		})
	}
}

// TestLongNewestFirstFeedKeepsItsStart: the usual order, newest first,
// still reads the start of the body, dates or not.
func TestLongNewestFirstFeedKeepsItsStart(t *testing.T) {
	newestFirst := func(extra ...longItem) []longItem {
		out := append([]longItem(nil), extra...)
		for i := 1199; i >= 0; i-- {
			out = append(out, longItem{i: i})
		}
		return out
	}
	for _, dated := range []bool{true, false} {
		t.Run(fmt.Sprintf("dated=%v", dated), func(t *testing.T) {
			h := newHarness(t)
			h.server.set("/archive.xml", reply{body: longBody(newestFirst(), dated)})
			src := h.source(h.service(h.config(`
feeds:
  - name: archive
    url: "{{srv}}/archive.xml"
`)), "archive")
			h.poll(src)
			h.clock.Advance(5 * time.Minute)
			item := longItem{i: 1300, title: "Rare earth magnet plant opens in Texas"}
			h.server.set("/archive.xml", reply{body: longBody(newestFirst(item), dated)})
			if diff := cmp.Diff([]string{item.title}, titles(h.poll(src))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewest(t *testing.T) {
	at := func(min int) time.Time { return testStart.Add(time.Duration(min) * time.Minute) }
	items := func(dates ...int) []Item {
		var out []Item
		for i, d := range dates {
			it := Item{ID: fmt.Sprint(i)}
			if d >= 0 {
				it.Published = at(d)
			}
			out = append(out, it)
		}
		return out
	}
	ids := func(items []Item) string {
		var s []string
		for _, it := range items {
			s = append(s, it.ID)
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct {
		name   string
		in     []Item
		atEnd  bool
		want   string
		byDate bool
	}{
		{"short", items(1, 2), false, "0,1", false},
		{"newest first", items(9, 8, 7, 6), false, "0,1", true},
		{"oldest first", items(1, 2, 3, 4), false, "2,3", true},
		{"dates decide over the hint", items(1, 2, 3, 4), false, "2,3", true},
		{"undated rank below dated", items(5, -1, 4, -1), false, "0,2", true},
		{"undated, newest at the start", items(-1, -1, -1, -1), false, "0,1", false},
		{"undated, newest at the end", items(-1, -1, -1, -1), true, "2,3", false},
		{"one date is no order", items(-1, 3, -1, -1), true, "1,3", false},
		{"equal dates: the end the first and last dated point to", items(2, 5, 5, 5, 3), false, "2,3", true},
	} {
		const limit = 2
		got, info := newest(tc.in, limit, tc.atEnd)
		if ids(got) != tc.want || (len(tc.in) > limit && info.byDate != tc.byDate) {
			t.Errorf("%s: got %s (by date %v), want %s (by date %v)", tc.name, ids(got), info.byDate, tc.want, tc.byDate)
		}
	}
}
