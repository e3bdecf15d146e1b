package feeds

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

// maxSummaryRunes bounds a summary. Some feeds put a whole article in the
// description; matching keywords against all of it tags stories that only
// mention a term in passing.
const maxSummaryRunes = 1000

// Parse reads one response body of a feed of the given type (a
// config.Feed* constant but list_page, which needs its selectors; ""
// means rss) into Items, at most
// maxItemsPerBody of them: the newest (see newest). contentType is the
// response's Content-Type, used only as a charset hint. The Items carry
// neither the feed's name nor settled dates: the Source fills those in.
//
// A body that is not a feed at all (an HTML page, unrelated XML or JSON,
// nothing) fails with reason not_feed; a feed too broken to read fails
// with reason parse. Parse never panics, whatever the bytes.
func Parse(feedType string, body []byte, contentType string) ([]Item, error) {
	items, err := parseAll(feedType, body, contentType)
	items, _ = newest(items, maxItemsPerBody, false)
	return items, err
}

// parseAll is Parse without the bound on the items: a Source applies it
// knowing more of the feed than one body tells (see Source.trim).
func parseAll(feedType string, body []byte, contentType string) (items []Item, err error) {
	// The fuzz tests find no panic, but the parsers read untrusted bytes
	// through third-party code: a panic there fails this source, not the
	// daemon.
	defer func() {
		if r := recover(); r != nil {
			items, err = nil, parseError("parser panicked: %v", r)
		}
	}()
	body = toUTF8(body, contentType)
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &upstream.Error{Reason: upstream.ReasonNotFeed, Err: fmt.Errorf("empty body: %w", ErrNotFeed)}
	}
	switch feedType {
	case config.FeedYahooSearch:
		items, err = parseYahooSearch(body)
	case config.FeedEDGAR:
		items, err = parseEDGAR(body)
	case config.FeedFederalRegister:
		items, err = parseFederalRegister(body)
	case config.FeedDoDContracts:
		items, err = parseDoDContracts(body)
	default:
		items, err = parseGeneric(body, feedType == config.FeedGlobeNewswire)
	}
	if err != nil {
		return nil, err
	}
	return items, nil
}

// bodyParser reads one body of a feed, fetched from pageURL (against which
// a page without a feed resolves its links), into Items.
type bodyParser func(body []byte, contentType, pageURL string) ([]Item, error)

// parserFor returns the parser of feed f: its type's, with what the feed's
// configuration adds (a list page's selectors, a Federal Register feed's
// agencies). loc is the zone of dates a page gives without one.
func parserFor(f config.Feed, loc *time.Location) bodyParser {
	switch {
	case f.Type == config.FeedListPage:
		return newListPage(f.Name, f.ListPage, f.ListPage.Location(loc)).parse
	case f.Type == config.FeedFederalRegister && f.FederalRegister != nil && len(f.FederalRegister.Agencies) > 0:
		agencies := f.FederalRegister.Agencies
		return func(body []byte, contentType, _ string) ([]Item, error) {
			items, err := parseAll(f.Type, body, contentType)
			return keepAgencies(items, agencies), err
		}
	}
	typ := f.Type
	return func(body []byte, contentType, _ string) ([]Item, error) { return parseAll(typ, body, contentType) }
}

// parseError wraps a failure to read a body that claims to be a feed.
func parseError(format string, args ...any) error {
	return &upstream.Error{Reason: upstream.ReasonParse, Err: fmt.Errorf(format, args...)}
}

// notFeedError describes a body that is something other than a feed,
// naming what it seems to be so the log says "HTML page", not just "no".
func notFeedError(body []byte) error {
	return &upstream.Error{Reason: upstream.ReasonNotFeed, Err: fmt.Errorf("%s: %w", describeBody(body), ErrNotFeed)}
}

// describeBody names what a non-feed body looks like.
func describeBody(body []byte) string {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return "empty body"
	}
	lower := bytes.ToLower(head(trimmed))
	if bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.Contains(lower, []byte("<html")) {
		return "HTML page"
	}
	switch trimmed[0] {
	case '{', '[':
		return "JSON that is not a feed"
	case '<':
		if name := xmlRoot(trimmed); name != "" {
			return fmt.Sprintf("XML with root element <%s>", name)
		}
		return "markup that is not well-formed XML"
	}
	return "not XML or JSON"
}

// xmlRoot returns the local name of the document's root element, or "".
func xmlRoot(body []byte) string {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for range 64 {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
	return ""
}

// truncateRunes cuts s to at most n runes, at a word boundary when one is
// near, and marks the cut with an ellipsis.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := 0
	for i := range s {
		if n == 0 {
			cut = i
			break
		}
		n--
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > cut*3/4 {
		cut = sp
	}
	return strings.TrimSpace(s[:cut]) + "…"
}
