package feeds

import (
	"encoding/binary"
	"encoding/json"
	"slices"
	"sort"
	"time"

	"github.com/monitord/monitord/internal/store"
)

// Sightings returns the feeds that carried the matched story id, each
// with when monitord first saw the story there, the first feed first; nil
// when the story is not kept (unmatched, or pruned).
func Sightings(tx *store.Tx, id string) []SourceRef {
	s, ok := getStory(tx.Bucket(store.BucketStories), id)
	if !ok {
		return nil
	}
	out := slices.Clone(s.Sources)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seen.Before(out[j].Seen) })
	return out
}

// Lead is how early one feed hears the stories it carries, over a period:
// "who is first".
type Lead struct {
	Feed string
	// Stories is how many matched stories the feed carried; First how
	// many of them it had before every other feed.
	Stories, First int
	// MedianLag is the median of how long after the first feed it had the
	// others (0 when it had none later than the first).
	MedianLag time.Duration
}

// Leads measures, over the matched stories first seen since since, how
// early each feed had them; feeds in order of most stories had first.
func Leads(st *store.Store, since time.Time) ([]Lead, error) {
	type acc struct {
		stories, first int
		lags           []time.Duration
	}
	by := map[string]*acc{}
	err := st.View(func(tx *store.Tx) error {
		return tx.Bucket(store.BucketStories).ForEach(func(k, v []byte) error {
			if len(v) < 8 || int64(binary.BigEndian.Uint64(v)) < since.UnixNano() {
				return nil
			}
			var s Story
			if json.Unmarshal(v[8:], &s) != nil || len(s.Sources) == 0 {
				return nil
			}
			first := s.Sources[0].Seen
			for _, ref := range s.Sources {
				first = minTime(first, ref.Seen)
			}
			for _, ref := range s.Sources {
				a := by[ref.Feed]
				if a == nil {
					a = &acc{}
					by[ref.Feed] = a
				}
				a.stories++
				if lag := ref.Seen.Sub(first); lag <= 0 {
					a.first++
				} else {
					a.lags = append(a.lags, lag)
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]Lead, 0, len(by))
	for feed, a := range by {
		l := Lead{Feed: feed, Stories: a.stories, First: a.first}
		if len(a.lags) > 0 {
			slices.Sort(a.lags)
			l.MedianLag = a.lags[len(a.lags)/2]
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].First != out[j].First {
			return out[i].First > out[j].First
		}
		return out[i].Feed < out[j].Feed
	})
	return out, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
