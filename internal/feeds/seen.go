package feeds

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/monitord/monitord/internal/feeds/match"
	"github.com/monitord/monitord/internal/store"
)

// Keys of store.BucketSeen are one kind byte and the first 16 bytes of the
// SHA-256 of what they identify, so they stay short whatever a URL's
// length. Values are the first-seen time (8 bytes, big-endian Unix
// nanoseconds) followed by the story id.
//
// Keys of store.BucketStories are story ids; values are the first-seen time
// (8 bytes, as above, so pruning needs no decoding) followed by the Story
// as JSON. Only matched stories are kept there: they are the ones a
// restart may have to evaluate again (pending.go) and whose sources grow
// as other feeds carry them. An unmatched story needs only its seen-set
// keys, and at a thousand feeds its JSON would be nine tenths of the
// store.
const (
	kindID    = 'i' // feed name + source id: the source's own identity
	kindURL   = 'u' // canonical URL
	kindStory = 's' // the story's dedup key (headline fingerprint, accession)
)

func seenKey(kind byte, parts ...string) []byte {
	h := sha256.New()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	return append([]byte{kind}, h.Sum(nil)[:16]...)
}

func seenValue(first time.Time, story string) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(first.UnixNano())), story...)
}

func decodeSeen(v []byte) (first time.Time, story string, ok bool) {
	if len(v) < 8 {
		return time.Time{}, "", false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(v))).UTC(), string(v[8:]), true
}

// recorder files one body's items into the seen-set inside one transaction.
type recorder struct {
	feed      string
	now       time.Time
	prime     bool          // record only: the URL's first poll
	window    time.Duration // news.dedup_window
	retention time.Duration // news.seen_retention
	maxAge    time.Duration // news.max_item_age
	matcher   *match.Matcher
	// onlyWatchlist drops the stories about no watched ticker
	// (feeds[].only_watchlist), once their keys are in the seen-set.
	onlyWatchlist bool
}

// outcome is what record found.
type outcome struct {
	stories []Story
	dups    map[string]int // by kind label
	primed  int
	tooOld  int
	// notWatched counts the stories about no watched ticker that
	// only_watchlist dropped.
	notWatched int
	// delays are the new stories' times from publication to now (those
	// with a plausible date); lags how long after the first feed this
	// feed had each matched story it carries (0 when it was first).
	delays, lags []time.Duration
}

// add returns o with p's counts added (p's stories are never reported:
// it is what a priming record found).
func (o outcome) add(p outcome) outcome {
	for k, n := range p.dups {
		o.dups[k] += n
	}
	o.primed += p.primed
	o.tooOld += p.tooOld
	return o
}

// record files items, oldest first, and returns the new stories. An item
// is known when its source id (per feed) or its canonical URL was seen at
// any time within retention, or its story key was: a normalised headline
// first seen within the dedup window, an accession or document number at
// any time within retention; a known item from a feed the story does not
// list yet is appended to the story's sources. A known story that no
// source's text matched so far is reported by the first item that
// matches (see firstMatch).
func (r *recorder) record(tx *store.Tx, items []Item) (outcome, error) {
	seen := tx.Bucket(store.BucketSeen)
	stories := tx.Bucket(store.BucketStories)
	out := outcome{dups: map[string]int{}}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Published.Before(items[j].Published) })
	for i := range items {
		it := &items[i]
		var idKey, urlKey []byte
		if it.ID != "" {
			idKey = seenKey(kindID, r.feed, it.ID)
		}
		if it.URL != "" {
			urlKey = seenKey(kindURL, it.URL)
		}
		dk, byTitle := it.dedupKey()
		storyKey := seenKey(kindStory, dk)
		id := storyID(dk)

		if idKey != nil {
			if first, sid, ok := decodeSeen(seen.Get(idKey)); ok {
				out.dups[dupID]++
				if err := r.refresh(seen, idKey, first, sid); err != nil {
					return out, err
				}
				continue
			}
		}
		if urlKey != nil {
			if first, sid, ok := decodeSeen(seen.Get(urlKey)); ok {
				out.dups[dupURL]++
				if err := r.refresh(seen, urlKey, first, sid); err != nil {
					return out, err
				}
				lag, err := r.known(seen, stories, it, sid, idKey)
				if err != nil {
					return out, err
				}
				if lag >= 0 {
					out.lags = append(out.lags, lag)
				}
				continue
			}
		}
		if first, sid, ok := decodeSeen(seen.Get(storyKey)); ok && (!byTitle || r.now.Sub(first) <= r.window) {
			if s, ok := r.firstMatch(stories, it, sid); ok {
				if err := putKeys(seen, seenValue(r.now, sid), idKey, urlKey); err != nil {
					return out, err
				}
				if err := r.emit(tx, stories, it, &s, &out); err != nil {
					return out, err
				}
				continue
			}
			if byTitle {
				out.dups[dupTitle]++
			} else {
				out.dups[dupID]++
			}
			lag, err := r.known(seen, stories, it, sid, idKey, urlKey)
			if err != nil {
				return out, err
			}
			if lag >= 0 {
				out.lags = append(out.lags, lag)
			}
			continue
		}

		val := seenValue(r.now, id)
		if err := putKeys(seen, val, idKey, urlKey); err != nil {
			return out, err
		}
		if !r.prime && r.tooOld(it) {
			out.tooOld++
			continue
		}
		if err := seen.Put(storyKey, val); err != nil {
			return out, err
		}
		s := r.newStory(it, id)
		if r.onlyWatchlist && len(s.Tickers) == 0 {
			out.notWatched++
			continue
		}
		if r.prime {
			if s.Matched() {
				if err := putStory(stories, &s); err != nil {
					return out, err
				}
			}
			out.primed++
			continue
		}
		if err := r.emit(tx, stories, it, &s, &out); err != nil {
			return out, err
		}
	}
	return out, nil
}

// putKeys files the keys that are set under val.
func putKeys(seen *store.Bucket, val []byte, keys ...[]byte) error {
	for _, k := range keys {
		if k != nil {
			if err := seen.Put(k, val); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *recorder) tooOld(it *Item) bool {
	return !it.PublishedEstimated && r.now.Sub(it.Published) > r.maxAge
}

// emit reports the new story s of item it: kept and pending when it
// matched, timed, and returned by the poll.
func (r *recorder) emit(tx *store.Tx, stories *store.Bucket, it *Item, s *Story, out *outcome) error {
	if s.Matched() {
		if err := putStory(stories, s); err != nil {
			return err
		}
		if err := putPending(tx, s); err != nil {
			return err
		}
		out.lags = append(out.lags, 0)
	}
	if !it.PublishedEstimated && !it.Published.After(r.now) {
		out.delays = append(out.delays, r.now.Sub(it.Published))
	}
	out.stories = append(out.stories, *s)
	return nil
}

// firstMatch returns story sid as item it tells it when no source's text
// matched that story so far (it is not kept) and this item's does: the
// story's first matched sighting, reported now under the same id. A Federal
// Register document on the public inspection list has no abstract and may
// match nothing; published days later, its abstract may. Neither a priming
// record nor an item too old to report counts.
func (r *recorder) firstMatch(stories *store.Bucket, it *Item, sid string) (Story, bool) {
	if r.prime || r.tooOld(it) || stories.Get([]byte(sid)) != nil {
		return Story{}, false
	}
	s := r.newStory(it, sid)
	if !s.Matched() || (r.onlyWatchlist && len(s.Tickers) == 0) {
		return Story{}, false
	}
	return s, true
}

// refresh moves an id or URL entry's time to now once it is half-way to
// expiry. An item a feed keeps listing for longer than the retention would
// otherwise expire and come back as new; refreshing only past half-way
// keeps the writes rare.
func (r *recorder) refresh(seen *store.Bucket, key []byte, first time.Time, sid string) error {
	if r.now.Sub(first) <= r.retention/2 {
		return nil
	}
	return seen.Put(key, seenValue(r.now, sid))
}

// known records the keys of an item whose story exists and adds the item's
// feed to the story's sources when the story is matched (kept). It returns
// how long after the story's first sighting this feed had it, or -1 when
// the feed was already a source (or the story is not kept).
func (r *recorder) known(seen, stories *store.Bucket, it *Item, sid string, keys ...[]byte) (time.Duration, error) {
	val := seenValue(r.now, sid)
	for _, k := range keys {
		if k != nil {
			if err := seen.Put(k, val); err != nil {
				return -1, err
			}
		}
	}
	s, ok := getStory(stories, sid)
	if !ok || slices.ContainsFunc(s.Sources, func(ref SourceRef) bool { return ref.Feed == r.feed }) {
		return -1, nil
	}
	s.Sources = append(s.Sources, SourceRef{Feed: r.feed, ID: it.ID, Link: it.Link, Seen: r.now})
	return max(r.now.Sub(s.FirstSeen), 0), putStory(stories, &s)
}

func (r *recorder) newStory(it *Item, id string) Story {
	native := it.Tickers
	if it.Filing != nil && it.Filing.CIK != "" {
		native = append(slices.Clip(native), it.Filing.CIK)
	}
	res := r.matcher.Match(it.Title, it.Summary, native)
	return Story{
		ID:                 id,
		Title:              it.Title,
		Link:               it.Link,
		Summary:            it.Summary,
		Publisher:          it.Publisher,
		Published:          it.Published,
		PublishedEstimated: it.PublishedEstimated,
		FirstSeen:          r.now,
		Sources:            []SourceRef{{Feed: r.feed, ID: it.ID, Link: it.Link, Seen: r.now, First: true}},
		Tickers:            res.Symbols(),
		Match:              res,
		Filing:             it.Filing,
		Notice:             it.Notice,
	}
}

func getStory(b *store.Bucket, id string) (Story, bool) {
	raw := b.Get([]byte(id))
	if len(raw) < 8 {
		return Story{}, false
	}
	var s Story
	if err := json.Unmarshal(raw[8:], &s); err != nil {
		return Story{}, false
	}
	return s, true
}

func putStory(b *store.Bucket, s *Story) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode story: %w", err)
	}
	return b.Put([]byte(s.ID), append(binary.BigEndian.AppendUint64(nil, uint64(s.FirstSeen.UnixNano())), raw...))
}

// pruneSeen deletes seen-set entries and stories first seen before cutoff.
// It collects keys before deleting: deleting under a bbolt cursor can skip
// the next key.
func pruneSeen(tx *store.Tx, cutoff time.Time) (int, error) {
	n := 0
	for _, name := range []store.BucketName{store.BucketSeen, store.BucketStories} {
		b := tx.Bucket(name)
		var stale [][]byte
		err := b.ForEach(func(k, v []byte) error {
			if len(v) >= 8 && int64(binary.BigEndian.Uint64(v)) < cutoff.UnixNano() {
				stale = append(stale, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return n, err
			}
		}
		n += len(stale)
	}
	return n, nil
}
