package feeds

import (
	"slices"
	"time"

	"github.com/monitord/monitord/internal/feeds/match"
)

// NewStory returns the Story that a poll of it.Feed would report for it,
// first seen at firstSeen: the item normalised as the parsers and the
// source leave one (title and summary as plain text, the summary bounded,
// the canonical URL, the publication date settled against firstSeen, the
// native tickers without repeats), its id derived from its content as for
// every story (so it names the story the daemon and every replica would),
// and the keyword groups and tickers m finds in it.
//
// It is for stories that come from somewhere other than a feed body:
// `monitord replay` reads recorded stories through it. It does not consult
// or change the seen-set; folding repeats of a story is the caller's.
func NewStory(it Item, firstSeen time.Time, m *match.Matcher) Story {
	it.Title = cleanText(it.Title)
	it.Summary = truncateRunes(cleanText(it.Summary), maxSummaryRunes)
	it.URL = canonicalURL(it.Link)
	it.Published, it.PublishedEstimated = settleDate(it.Published, firstSeen)
	it.Tickers = dedupStrings(slices.Clone(it.Tickers))
	key, _ := it.dedupKey()
	r := recorder{feed: it.Feed, now: firstSeen, matcher: m}
	return r.newStory(&it, storyID(key))
}
