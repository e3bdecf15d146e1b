package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"go.uber.org/zap"
)

// maxItemsPerBody bounds how many entries of one body are recorded, so a
// hostile or broken feed cannot flood the seen-set in one poll. A longer
// body keeps its newest entries (see newest), and what it leaves out is
// counted (monitord_feed_items_truncated_total) and logged once per feed.
const maxItemsPerBody = 1000

// cutInfo says how newest chose.
type cutInfo struct {
	// dropped is how many items were left out.
	dropped int
	// byDate is set when the items' dates decided, else their position
	// did.
	byDate bool
	// atEnd is set when the newest items are at the end of the document.
	atEnd bool
}

// newest returns the limit newest of items, in document order. The dates
// decide when at least two items have different ones: the newest by date
// are kept, undated items rank below dated ones, and among equal dates the
// items nearer the newest end win, that end being where the later of the
// first and the last dated items is. Without usable dates the position
// decides: the newest items are at the document's end when atEnd is set,
// else at its start (the RSS and Atom convention).
func newest(items []Item, limit int, atEnd bool) ([]Item, cutInfo) {
	if len(items) <= limit {
		return items, cutInfo{atEnd: atEnd}
	}
	info := cutInfo{dropped: len(items) - limit, atEnd: atEnd}
	if end, ok := datedOrder(items); ok {
		info.byDate, info.atEnd = true, end
	}
	// toward is an item's distance from the oldest end of the document.
	toward := func(i int) int {
		if info.atEnd {
			return i
		}
		return len(items) - 1 - i
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if c := items[b].Published.Compare(items[a].Published); c != 0 {
			return c // newer first; an undated item has the zero time
		}
		return toward(b) - toward(a)
	})
	keep := idx[:limit]
	slices.Sort(keep)
	out := make([]Item, 0, limit)
	for _, i := range keep {
		out = append(out, items[i])
	}
	return out, info
}

// datedOrder reports whether items list the oldest first, judged by the
// first and the last dated items; ok is false when fewer than two items
// are dated or those two dates are equal.
func datedOrder(items []Item) (atEnd, ok bool) {
	first := slices.IndexFunc(items, func(it Item) bool { return !it.Published.IsZero() })
	last := -1
	for i := len(items) - 1; i > first && first >= 0; i-- {
		if !items[i].Published.IsZero() {
			last = i
			break
		}
	}
	if first < 0 || last < 0 || items[first].Published.Equal(items[last].Published) {
		return false, false
	}
	return items[last].Published.After(items[first].Published), true
}

// bodyEnds is what a URL remembers of its last undated body longer than
// maxItemsPerBody, to learn at which end the feed adds its items.
type bodyEnds struct {
	First, Last string // itemMark of the first and the last item
	GrowsAtEnd  bool
}

// itemMark identifies an item of a body compactly: a hash of its id, else
// of its URL, else of its headline.
func itemMark(it *Item) string {
	key := it.ID
	if key == "" {
		key = it.URL
	}
	if key == "" {
		key = fingerprint(it.Title)
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// trim applies maxItemsPerBody to a parsed body of URL t, whose state
// before this poll is us. It returns the items to record, how many of
// them, from the start, are to be recorded without being reported, and
// what the URL remembers of the body's ends.
//
// An undated body has no dates to find its newest items by, so the URL
// learns which end grows: after a poll that saw the previous body's first
// item still first and its last item followed by others, the feed adds at
// its end, and from then on the end of each body is kept. On that poll,
// only the items after the previous last one are news; the others of the
// window were never recorded (the start was kept until then) and are only
// recorded, as a first poll records, so that old items are not reported.
func (s *Source) trim(t target, us urlState, items []Item) (kept []Item, quiet int, ends bodyEnds) {
	ends = us.Ends
	if len(items) <= maxItemsPerBody {
		return items, 0, ends
	}
	_, dated := datedOrder(items)
	learned := false
	if !dated {
		marks := make([]string, len(items))
		for i := range items {
			marks[i] = itemMark(&items[i])
		}
		prevFirst, prevLast := slices.Index(marks, ends.First), slices.Index(marks, ends.Last)
		switch {
		case ends.First == "":
		case prevFirst == 0 && prevLast >= 0 && prevLast < len(items)-1:
			learned = !ends.GrowsAtEnd
			ends.GrowsAtEnd = true
			if learned {
				quiet = prevLast + 1 - (len(items) - maxItemsPerBody)
			}
		case prevFirst > 0:
			ends.GrowsAtEnd = false
		}
		ends.First, ends.Last = marks[0], marks[len(marks)-1]
	}
	kept, info := newest(items, maxItemsPerBody, ends.GrowsAtEnd)
	s.svc.metrics.truncated.WithLabelValues(s.feed.Name).Add(float64(info.dropped))
	if !s.warnedCut {
		s.warnedCut = true
		by := "date"
		switch {
		case !info.byDate && info.atEnd:
			by = "position (newest at the end)"
		case !info.byDate:
			by = "position (newest at the start)"
		}
		s.log.Warn("Feed lists more items than are read; keeping the newest",
			zap.String("url", t.shown), zap.Int("items", len(items)), zap.Int("kept", maxItemsPerBody), zap.String("newest_by", by))
	}
	if learned {
		s.log.Info("Feed adds its items at its end; reading the end of its bodies from now on", zap.String("url", t.shown))
	}
	return kept, max(0, min(quiet, len(kept))), ends
}
