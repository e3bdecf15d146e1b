package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
)

// Feed types beyond RSS, Atom and JSON Feed. The first are primary
// sources: what an agency or a ministry publishes itself, days or hours
// before the press writes about it.
const (
	// FeedFederalRegister reads the US Federal Register's JSON API:
	// documents.json (published documents) and the public inspection list
	// (public-inspection-documents/current.json, documents filed for
	// publication in the next days).
	FeedFederalRegister = "federal_register"
	// FeedDoDContracts reads the US Department of Defense's contract
	// announcements RSS, one story per contract of each day's digest.
	FeedDoDContracts = "dod_contracts"
	// FeedListPage reads an HTML page that lists announcements but has no
	// feed, with the CSS selectors of its ListPage.
	FeedListPage = "list_page"
)

// feedTypes are the valid values of feeds[].type, as an error lists them.
const feedTypes = "rss, yahoo_search, edgar, globenewswire, federal_register, dod_contracts or list_page"

// ListPage says how a list_page feed finds the entries of a page without a
// feed: CSS selectors (goquery's, over golang.org/x/net/html) for each
// entry and, inside it, its link, title and date.
type ListPage struct {
	// Item selects each entry of the list; required. When it selects
	// nothing, the page's layout has changed and the fetch fails.
	Item string `yaml:"item"`
	// Link selects, inside an entry, the element whose href is its link;
	// empty: the entry itself when it is a link, else its first a[href].
	Link string `yaml:"link,omitempty"`
	// Title selects, inside an entry, the element whose text is the
	// headline; empty: the link's title attribute when it is longer than
	// the link's text (lists shorten long titles), else that text.
	Title string `yaml:"title,omitempty"`
	// Date selects, inside an entry, the element whose text holds the
	// date; empty: the entry's whole text is searched for one.
	Date string `yaml:"date,omitempty"`
	// DateLayout is the Go time layout of the date ("2006年01月02日");
	// empty: the forms listed in CONFIGURATION.md are recognised.
	DateLayout string `yaml:"date_layout,omitempty"`
	// DatePattern is a regular expression that finds the date in the
	// text: its first group, else the whole match, is read.
	DatePattern string `yaml:"date_pattern,omitempty"`
	// Timezone is the zone of the page's dates, which carry none; empty:
	// global.timezone.
	Timezone string `yaml:"timezone,omitempty"`
}

// FederalRegister narrows a federal_register feed.
type FederalRegister struct {
	// Agencies keeps only the documents of these agencies, named by the
	// Federal Register's slugs (industry-and-security-bureau); empty: every
	// document of the answer. The public inspection list cannot be
	// filtered in its URL: this can.
	Agencies []string `yaml:"agencies,omitempty"`
}

var reAgencySlug = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// validateFeedType checks the feed's type and the sections that belong to
// one type only.
func validateFeedType(ps *problems, p string, f *Feed) {
	switch f.Type {
	case FeedRSS, FeedYahooSearch, FeedEDGAR, FeedGlobeNewswire, FeedFederalRegister, FeedDoDContracts, FeedListPage:
	default:
		ps.add(p+".type", "unknown feed type %q (want %s)", f.Type, feedTypes)
	}
	if f.ListPage != nil && f.Type != FeedListPage {
		ps.add(p+".list_page", "only for a feed of type list_page")
	}
	if f.FederalRegister != nil && f.Type != FeedFederalRegister {
		ps.add(p+".federal_register", "only for a feed of type federal_register")
	}
	if f.Type == FeedListPage {
		validateListPage(ps, p+".list_page", f.ListPage)
	}
	if f.FederalRegister != nil {
		for j, slug := range f.FederalRegister.Agencies {
			if !reAgencySlug.MatchString(slug) {
				ps.add(fmt.Sprintf("%s.federal_register.agencies[%d]", p, j),
					"%q is not an agency slug (lower-case words joined by '-', as in industry-and-security-bureau)", slug)
			}
		}
	}
}

func validateListPage(ps *problems, p string, lp *ListPage) {
	if lp == nil {
		ps.add(p, "is required for a list_page feed: at least item, the CSS selector of each entry")
		return
	}
	if strings.TrimSpace(lp.Item) == "" {
		ps.add(p+".item", "is required: the CSS selector of each entry of the list")
	}
	// goquery matches nothing with a selector it cannot compile, which
	// would look like a changed layout: say what is wrong instead.
	for _, s := range []struct{ key, sel string }{{"item", lp.Item}, {"link", lp.Link}, {"title", lp.Title}, {"date", lp.Date}} {
		if strings.TrimSpace(s.sel) == "" {
			continue
		}
		if _, err := cascadia.Compile(s.sel); err != nil {
			ps.add(p+"."+s.key, "bad CSS selector %q: %v", s.sel, err)
		}
	}
	if lp.DatePattern != "" {
		if _, err := regexp.Compile(lp.DatePattern); err != nil {
			ps.add(p+".date_pattern", "bad regular expression: %v", err)
		}
	}
	if lp.DateLayout != "" && !layoutHasDate(lp.DateLayout) {
		ps.add(p+".date_layout", "%q is not a Go time layout with a year, a month and a day (such as 2006-01-02 or 2006年01月02日)", lp.DateLayout)
	}
	if lp.Timezone != "" {
		if _, err := time.LoadLocation(lp.Timezone); err != nil {
			ps.add(p+".timezone", "unknown time zone %q", lp.Timezone)
		}
	}
}

// layoutHasDate reports whether a Go time layout reads a whole date: a
// reference day written with it reads back as that day.
func layoutHasDate(layout string) bool {
	ref := time.Date(2025, time.October, 9, 14, 30, 0, 0, time.UTC)
	got, err := time.Parse(layout, ref.Format(layout))
	return err == nil && got.Year() == ref.Year() && got.Month() == ref.Month() && got.Day() == ref.Day()
}

// Location is the zone of the page's dates: Timezone, else def (the
// configuration's global.timezone).
func (lp *ListPage) Location(def *time.Location) *time.Location {
	if lp != nil && lp.Timezone != "" {
		if loc, err := time.LoadLocation(lp.Timezone); err == nil {
			return loc
		}
	}
	return def
}
