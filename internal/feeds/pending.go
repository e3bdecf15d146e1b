package feeds

import (
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/monitord/monitord/internal/store"
)

// A matched story is recorded as pending in the transaction that files
// it in the seen-set, and stays pending until its consumer (the rules and
// the impact engine) calls Handled. A crash between the two commits would
// otherwise leave a story the seen-set knows, so that no poll reports it
// again, that no rule ever saw: a lost alert. After a restart Unhandled
// returns it for another evaluation; consumers are idempotent per story.
//
// Keys of store.BucketFeedState: prefixPending + story id -> first-seen
// time (8 bytes, big-endian Unix nanoseconds).
const prefixPending = "p\x00"

func pendingKey(id string) []byte { return []byte(prefixPending + id) }

// putPending marks story s pending inside tx.
func putPending(tx *store.Tx, s *Story) error {
	return tx.Bucket(store.BucketFeedState).Put(pendingKey(s.ID),
		binary.BigEndian.AppendUint64(nil, uint64(s.FirstSeen.UnixNano())))
}

// Unhandled returns the matched stories first seen before cutoff that
// were reported by a poll but not yet marked Handled, oldest first.
func (s *Service) Unhandled(cutoff time.Time) ([]Story, error) {
	var out []Story
	err := s.store.View(func(tx *store.Tx) error {
		stories := tx.Bucket(store.BucketStories)
		c := tx.Bucket(store.BucketFeedState).Cursor()
		prefix := []byte(prefixPending)
		for k, v := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == prefixPending; k, v = c.Next() {
			if len(v) < 8 || int64(binary.BigEndian.Uint64(v)) >= cutoff.UnixNano() {
				continue
			}
			if st, ok := getStory(stories, string(k[len(prefix):])); ok {
				out = append(out, st)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read pending stories: %w", err)
	}
	slices.SortStableFunc(out, func(a, b Story) int { return a.FirstSeen.Compare(b.FirstSeen) })
	return out, nil
}

// Handled marks stories as evaluated by their consumer: Unhandled no
// longer returns them. Ids that are not pending are ignored.
func (s *Service) Handled(ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.store.Batch(func(tx *store.Tx) error {
		b := tx.Bucket(store.BucketFeedState)
		for _, id := range ids {
			if err := b.Delete(pendingKey(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark stories handled: %w", err)
	}
	return nil
}

// prunePending forgets pending marks first seen before cutoff: their
// stories are pruned with the seen-set.
func prunePending(tx *store.Tx, cutoff time.Time) (int, error) {
	b := tx.Bucket(store.BucketFeedState)
	var stale [][]byte
	c := b.Cursor()
	prefix := []byte(prefixPending)
	for k, v := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == prefixPending; k, v = c.Next() {
		if len(v) >= 8 && int64(binary.BigEndian.Uint64(v)) < cutoff.UnixNano() {
			stale = append(stale, append([]byte(nil), k...))
		}
	}
	for _, k := range stale {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(stale), nil
}
