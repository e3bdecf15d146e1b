package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

// ErrLayoutChanged is wrapped by the error of a list page whose selectors
// find no entry: the page's layout may have changed, and the feed must say
// so rather than report an empty list forever.
var ErrLayoutChanged = errors.New("the page layout may have changed")

// listPage reads an HTML page that lists announcements but has no feed (a
// ministry's notices, a trade office's press releases), as a list_page
// feed's selectors say.
type listPage struct {
	feed string
	cfg  config.ListPage
	// loc is the zone of the page's dates.
	loc *time.Location
	// pattern is cfg.DatePattern compiled, nil when unset.
	pattern *regexp.Regexp
}

// newListPage returns the parser of list_page feed feed; the configuration
// is validated, so its selectors and pattern compile.
func newListPage(feed string, cfg *config.ListPage, loc *time.Location) *listPage {
	lp := &listPage{feed: feed, loc: loc}
	if cfg != nil {
		lp.cfg = *cfg
	}
	if lp.cfg.DatePattern != "" {
		lp.pattern, _ = regexp.Compile(lp.cfg.DatePattern)
	}
	return lp
}

// parse reads one body of the page, fetched from pageURL: one Item per
// entry that has a link (resolved against the page, or its <base>) and a
// title, its id the link. It fails with reason parse, wrapping
// ErrLayoutChanged, when the item selector matches nothing, when no entry
// it matches has a link and a title, or when dates are configured and no
// entry has one.
func (lp *listPage) parse(body []byte, contentType, pageURL string) (items []Item, err error) {
	defer func() {
		if r := recover(); r != nil {
			items, err = nil, parseError("HTML parser panicked: %v", r)
		}
	}()
	body = htmlToUTF8(body, contentType)
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, notFeedError(body)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, parseError("HTML: %v", err)
	}
	base, err := url.Parse(pageURL)
	if err != nil {
		base = &url.URL{}
	}
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if b, err := base.Parse(strings.TrimSpace(href)); err == nil {
			base = b
		}
	}
	entries := doc.Find(lp.cfg.Item)
	if entries.Length() == 0 {
		return nil, lp.layoutError(doc, "list_page.item %q matches nothing", lp.cfg.Item)
	}
	dated := 0
	entries.Each(func(_ int, s *goquery.Selection) {
		if it, ok := lp.item(s, base); ok {
			items = append(items, it)
			if !it.Published.IsZero() {
				dated++
			}
		}
	})
	switch {
	case len(items) == 0:
		return nil, lp.layoutError(doc, "list_page.item %q matches %d elements, none with a link and a title", lp.cfg.Item, entries.Length())
	case dated == 0 && (lp.cfg.Date != "" || lp.cfg.DateLayout != "" || lp.pattern != nil):
		return nil, lp.layoutError(doc, "none of the %d entries has a date that list_page.date, date_layout and date_pattern read", len(items))
	}
	return items, nil
}

// layoutError is the failure of a page whose entries cannot be found,
// naming the feed and the page's own title (an error or consent page
// served with 200 shows there).
func (lp *listPage) layoutError(doc *goquery.Document, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if title := truncateRunes(cleanText(doc.Find("title").First().Text()), 80); title != "" {
		what += fmt.Sprintf(" (page title %q)", title)
	}
	return &upstream.Error{Reason: upstream.ReasonParse, Err: fmt.Errorf("feed %q: %s: %w", lp.feed, what, ErrLayoutChanged)}
}

// item reads one entry; ok is false for an entry without an http(s) link
// or a title (a separator, a "more" link).
func (lp *listPage) item(s *goquery.Selection, base *url.URL) (Item, bool) {
	var link *goquery.Selection
	switch {
	case lp.cfg.Link != "":
		link = within(s, lp.cfg.Link)
	case goquery.NodeName(s) == "a":
		link = s
	default:
		link = s.Find("a[href]").First()
	}
	href := strings.TrimSpace(link.AttrOr("href", ""))
	if href == "" || strings.HasPrefix(href, "#") {
		return Item{}, false
	}
	u, err := base.Parse(href)
	if err != nil || canonicalURL(u.String()) == "" {
		return Item{}, false // javascript:, mailto:
	}
	var title string
	if lp.cfg.Title != "" {
		title = cleanText(within(s, lp.cfg.Title).Text())
	} else {
		// Lists shorten long headlines ("…") and keep them whole in the
		// link's title attribute.
		title = cleanText(link.Text())
		if attr := cleanText(link.AttrOr("title", "")); len(attr) > len(title) {
			title = attr
		}
	}
	if title == "" {
		return Item{}, false
	}
	text := s.Text()
	if lp.cfg.Date != "" {
		d := within(s, lp.cfg.Date)
		text = d.AttrOr("datetime", d.Text())
	}
	abs := u.String()
	return Item{ID: abs, Title: title, Link: abs, URL: canonicalURL(abs), Published: lp.date(text)}, true
}

// within returns the first element of s matching selector: inside s, or s
// itself.
func within(s *goquery.Selection, selector string) *goquery.Selection {
	if s.Is(selector) {
		return s
	}
	return s.Find(selector).First()
}

// date reads an entry's date from text (the date element's, else the
// entry's): date_pattern picks the date out of it, date_layout reads it,
// and without a layout, or when the layout does not read it, the last date
// of a recognised form does. Dates without a zone are in the page's.
func (lp *listPage) date(text string) time.Time {
	text = collapseSpace(text)
	if lp.pattern != nil {
		m := lp.pattern.FindStringSubmatch(text)
		if m == nil {
			return time.Time{}
		}
		text = m[0]
		if len(m) > 1 && m[1] != "" {
			text = m[1]
		}
	}
	if lp.cfg.DateLayout != "" {
		if t, err := time.ParseInLocation(lp.cfg.DateLayout, strings.TrimSpace(text), lp.loc); err == nil {
			return t.UTC()
		}
	}
	return findDate(text, lp.loc)
}

var (
	// reNumericDate matches 2025-10-09, 2025/10/9, 2025.10.09 and
	// 2025年10月9日, with an optional time (14:30).
	reNumericDate = regexp.MustCompile(`(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2}):(\d{2}))?`)
	// reMonthDate matches October 9, 2025 and Oct. 9, 2025.
	reMonthDate = regexp.MustCompile(`(?i)\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b`)
	// reDayMonthDate matches 9 October 2025.
	reDayMonthDate = regexp.MustCompile(`(?i)\b(\d{1,2})\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+(\d{4})\b`)
)

var shortMonths = map[string]time.Month{
	"jan": time.January, "feb": time.February, "mar": time.March, "apr": time.April,
	"may": time.May, "jun": time.June, "jul": time.July, "aug": time.August,
	"sep": time.September, "oct": time.October, "nov": time.November, "dec": time.December,
}

// findDate returns the last date of a recognised form in text, in loc, or
// the zero time. Lists put the date after the headline, and a headline may
// name another date.
func findDate(text string, loc *time.Location) time.Time {
	var (
		best  time.Time
		where = -1
	)
	consider := func(at int, y, m, d, hh, mm int) {
		if hh > 23 || mm > 59 {
			hh, mm = 0, 0 // not a time after all: the day alone
		}
		t := time.Date(y, time.Month(m), d, hh, mm, 0, 0, loc)
		if at > where && t.Year() == y && int(t.Month()) == m && t.Day() == d {
			best, where = t.UTC(), at
		}
	}
	for _, m := range reNumericDate.FindAllStringSubmatchIndex(text, -1) {
		n := submatchInts(text, m)
		consider(m[0], n[1], n[2], n[3], n[4], n[5])
	}
	for _, m := range reMonthDate.FindAllStringSubmatchIndex(text, -1) {
		n := submatchInts(text, m)
		consider(m[0], n[3], int(shortMonths[strings.ToLower(text[m[2]:m[3]])]), n[2], 0, 0)
	}
	for _, m := range reDayMonthDate.FindAllStringSubmatchIndex(text, -1) {
		n := submatchInts(text, m)
		consider(m[0], n[3], int(shortMonths[strings.ToLower(text[m[4]:m[5]])]), n[1], 0, 0)
	}
	return best
}

// submatchInts returns the groups of match m of text as integers (0 for
// a group that is absent or not a number), indexed as the groups are.
func submatchInts(text string, m []int) []int {
	out := make([]int, 6)
	for g := 1; g < len(m)/2 && g < len(out); g++ {
		if m[2*g] >= 0 {
			out[g], _ = strconv.Atoi(text[m[2*g]:m[2*g+1]])
		}
	}
	return out
}
