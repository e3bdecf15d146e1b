package feeds

import (
	"bytes"
	"errors"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
)

// parseGeneric reads RSS 0.9x/2.0, RSS 1.0 (RDF), Atom and JSON Feed
// through gofeed, then adds what gofeed's universal item drops: the
// Google News <source>, GlobeNewswire's stock categories and dc:identifier,
// Seeking Alpha's sa:stock symbols. preferDCID makes dc:identifier the
// item's id over its guid (GlobeNewswire).
func parseGeneric(body []byte, preferDCID bool) ([]Item, error) {
	f, err := parseFeed(body)
	if err != nil {
		return nil, err
	}
	var originals []*rss.Item
	if rf, ok := f.OriginalFeed().(*rss.Feed); ok && len(rf.Items) == len(f.Items) {
		originals = rf.Items
	}
	google := strings.HasPrefix(f.Generator, "NFE/") || urlHost(f.Link) == "news.google.com"
	htmlContent := contentIsHTML(f)
	items := make([]Item, 0, len(f.Items))
	for i, gi := range f.Items {
		if gi == nil {
			continue
		}
		var ri *rss.Item
		if originals != nil {
			ri = originals[i]
		}
		it := genericItem(gi, ri, google || urlHost(gi.Link) == "news.google.com", preferDCID, htmlContent(i))
		if it.Title == "" && it.Link == "" {
			continue
		}
		items = append(items, it)
	}
	return items, nil
}

// parseFeed reads a body with gofeed, telling a body that is no feed at
// all (not_feed) from a broken feed (parse).
func parseFeed(body []byte) (*gofeed.Feed, error) {
	p := gofeed.NewParser()
	// The image scan runs a full HTML parse of every description to find an
	// <img> we never use.
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	p.KeepOriginalFeed = true
	f, err := p.Parse(bytes.NewReader(body))
	switch {
	case errors.Is(err, gofeed.ErrFeedTypeNotDetected):
		return nil, notFeedError(body)
	case err != nil:
		return nil, parseError("%s: %v", describeFeed(body), err)
	}
	if f.FeedType == "json" && !strings.Contains(f.FeedVersion, "jsonfeed.org") {
		return nil, notFeedError(body)
	}
	return f, nil
}

func describeFeed(body []byte) string {
	if name := xmlRoot(body); name != "" {
		return "feed <" + name + ">"
	}
	return "feed"
}

// contentIsHTML returns whether the content of f's item i is declared HTML:
// RSS content:encoded always is; an Atom <content> is when its type says
// html or xhtml; a JSON Feed item's is when it came from content_html.
// Titles and descriptions are never declared HTML here (gofeed drops the
// type of an Atom title or summary): cleanText reads them as text unless
// they plainly are HTML.
func contentIsHTML(f *gofeed.Feed) func(i int) bool {
	switch orig := f.OriginalFeed().(type) {
	case *rss.Feed:
		return func(int) bool { return true }
	case *atom.Feed:
		return func(i int) bool {
			if len(orig.Entries) != len(f.Items) || orig.Entries[i] == nil || orig.Entries[i].Content == nil {
				return false
			}
			return strings.Contains(strings.ToLower(orig.Entries[i].Content.Type), "html")
		}
	case *jsonfeed.Feed:
		return func(i int) bool {
			return len(orig.Items) == len(f.Items) && orig.Items[i] != nil && orig.Items[i].ContentHTML != ""
		}
	}
	return func(int) bool { return false }
}

func genericItem(gi *gofeed.Item, ri *rss.Item, google, preferDCID, htmlContent bool) Item {
	it := Item{ID: strings.TrimSpace(gi.GUID), Link: strings.TrimSpace(gi.Link)}
	if dcid := dcIdentifier(gi.Extensions); dcid != "" && (preferDCID || it.ID == "") {
		it.ID = dcid
	}
	if it.Link == "" && len(gi.Links) > 0 {
		it.Link = strings.TrimSpace(gi.Links[0])
	}
	if it.Link == "" && canonicalURL(it.ID) != "" {
		it.Link = it.ID
	}
	it.URL = canonicalURL(it.Link)
	if ri != nil && ri.Source != nil {
		it.Publisher = cleanText(ri.Source.Title)
	}
	it.Title = stripPublisher(cleanText(gi.Title), it.Publisher, google)
	if !google {
		// A Google News description is the headline again and the
		// publisher: nothing to match that the title does not have.
		summary := cleanText(gi.Description)
		if summary == "" && htmlContent {
			summary = cleanHTML(gi.Content)
		} else if summary == "" {
			summary = cleanText(gi.Content)
		}
		it.Summary = truncateRunes(summary, maxSummaryRunes)
	}
	it.Published = itemDate(gi)
	if ri != nil {
		it.Tickers = append(it.Tickers, stockCategories(ri.Categories)...)
	}
	it.Tickers = append(it.Tickers, extensionSymbols(gi.Extensions)...)
	it.Tickers = dedupStrings(it.Tickers)
	return it
}

// itemDate reads the item's own date string first (parseDate knows the
// forms our sources use and rejects unknown zone names), then falls back
// to what gofeed parsed, unless gofeed read an unknown zone abbreviation as
// UTC, which shifts the time silently.
func itemDate(gi *gofeed.Item) time.Time {
	for _, raw := range []string{gi.Published, gi.Updated} {
		if t, ok := parseDate(raw); ok {
			return t
		}
	}
	if gi.DublinCoreExt != nil {
		for _, raw := range gi.DublinCoreExt.Date {
			if t, ok := parseDate(raw); ok {
				return t
			}
		}
	}
	for _, t := range []*time.Time{gi.PublishedParsed, gi.UpdatedParsed} {
		if t == nil {
			continue
		}
		name, off := t.Zone()
		if off == 0 && name != "" && !isKnownUTCName(name) {
			continue
		}
		return t.UTC()
	}
	return time.Time{}
}

func isKnownUTCName(name string) bool {
	off, ok := zoneOffsets[strings.ToUpper(name)]
	return ok && off == 0
}

// dcIdentifier returns the item's dc:identifier. It looks under every
// prefix bound to an element named identifier with a Dublin Core-ish
// namespace, because GlobeNewswire's dc namespace URI is sometimes not the
// standard one (gofeed then files it under the declared prefix).
func dcIdentifier(exts ext.Extensions) string {
	for prefix, elems := range exts {
		if prefix != "dc" && !strings.Contains(prefix, "purl.org/dc") {
			continue
		}
		for _, e := range elems["identifier"] {
			if v := strings.TrimSpace(e.Value); v != "" {
				return v
			}
		}
	}
	return ""
}

// stockCategories reads GlobeNewswire's stock categories, <category
// domain="https://www.globenewswire.com/rss/stock">NYSE:MP</category>.
func stockCategories(cats []*rss.Category) []string {
	var out []string
	for _, c := range cats {
		if c == nil || !strings.HasSuffix(strings.TrimRight(strings.ToLower(c.Domain), "/"), "/rss/stock") {
			continue
		}
		if s := exchangeSymbol(c.Value); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// extensionSymbols reads Seeking Alpha's <sa:stock><sa:symbol>.
func extensionSymbols(exts ext.Extensions) []string {
	var out []string
	for _, stock := range exts["sa"]["stock"] {
		for _, sym := range stock.Children["symbol"] {
			if s := exchangeSymbol(sym.Value); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// exchangeSuffixes maps an exchange prefix to Yahoo's symbol suffix.
var exchangeSuffixes = map[string]string{
	"NYSE": "", "NASDAQ": "", "NYSE AMERICAN": "", "NYSEAMERICAN": "", "AMEX": "", "NYSE MKT": "",
	"NYSE ARCA": "", "OTC": "", "OTCQX": "", "OTCQB": "", "OTC PINK": "", "OTCMKTS": "",
	"TSX": ".TO", "TSX-V": ".V", "TSXV": ".V", "TSX VENTURE": ".V", "CSE": ".CN",
	"ASX": ".AX", "LSE": ".L", "AIM": ".L", "XETRA": ".DE", "FRA": ".F", "FSE": ".F",
}

// exchangeSymbol turns "NYSE:MP", "TSX-V:UCU" or "MP" into the Yahoo
// symbol (MP, UCU.V). It returns "" for anything that is not a symbol.
func exchangeSymbol(s string) string {
	s = strings.TrimSpace(s)
	exch, sym, ok := strings.Cut(s, ":")
	if !ok {
		exch, sym = "", s
	}
	sym = strings.ToUpper(strings.TrimSpace(sym))
	if sym == "" || len(sym) > 15 || strings.ContainsAny(sym, " \t<>\"'") {
		return ""
	}
	suffix, known := exchangeSuffixes[strings.ToUpper(strings.TrimSpace(exch))]
	if known && suffix != "" && !strings.Contains(sym, ".") {
		return sym + suffix
	}
	return sym
}

func dedupStrings(in []string) []string {
	if len(in) < 2 {
		return in
	}
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
