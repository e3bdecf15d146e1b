package feeds

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/monitord/monitord/internal/store"
)

// Keys of store.BucketFeedState. Values are JSON, so fields can be added
// without a migration.
//
//	"f\x00" + feed              -> feedState
//	"u\x00" + feed + "\x00" + url -> urlState
const (
	prefixFeedState = "f\x00"
	prefixURLState  = "u\x00"
)

// feedState is what a feed remembers across polls, reloads and restarts.
type feedState struct {
	// BackoffUntil is when the feed may poll again after a 429 or 5xx.
	BackoffUntil time.Time `json:"backoff_until,omitzero"`
	// Retryable counts consecutive polls that ended in 429 or 5xx: the
	// backoff exponent.
	Retryable int `json:"retryable,omitempty"`
	// Failures counts consecutive failed polls (any reason).
	Failures int `json:"failures,omitempty"`
	// LastSuccess is when a poll last succeeded for every URL.
	LastSuccess time.Time `json:"last_success,omitzero"`
}

// urlState is what one rendered URL of a feed remembers.
type urlState struct {
	// ETag and LastModified are the validators of the last 200, sent back
	// as If-None-Match and If-Modified-Since; empty when the server sent
	// none.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// BodyHash is the SHA-256 of the last body parsed successfully, for
	// servers without validators: an identical body is not parsed again.
	BodyHash string `json:"body_hash,omitempty"`
	// Primed is set once the URL's first successful poll has filled the
	// seen-set; until then its items are recorded but not reported.
	Primed bool `json:"primed,omitempty"`
	// LastReason is the reason of the URL's last failure, "" after a
	// success: a warning is logged only when it changes.
	LastReason string `json:"last_reason,omitempty"`
	// Touched is when the URL was last polled; state untouched for longer
	// than news.seen_retention is pruned.
	Touched time.Time `json:"touched,omitzero"`
	// Ends is what the URL remembers of the ends of its last undated body
	// longer than maxItemsPerBody (see Source.trim).
	Ends bodyEnds `json:"ends,omitzero"`
}

func feedStateKey(feed string) []byte { return []byte(prefixFeedState + feed) }

func urlStateKey(feed, url string) []byte { return []byte(prefixURLState + feed + "\x00" + url) }

// getJSON decodes the value at key into v, leaving v alone when the key is
// missing or holds something unreadable (state is advisory: losing it costs
// one unconditional fetch or one priming poll, never correctness).
func getJSON(b *store.Bucket, key []byte, v any) {
	if raw := b.Get(key); raw != nil {
		_ = json.Unmarshal(raw, v)
	}
}

func putJSON(b *store.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

// loadFeedState reads a feed's state.
func loadFeedState(st *store.Store, feed string) (feedState, error) {
	var fs feedState
	err := st.View(func(tx *store.Tx) error {
		getJSON(tx.Bucket(store.BucketFeedState), feedStateKey(feed), &fs)
		return nil
	})
	return fs, err
}

// saveFeedState writes a feed's state, in a commit shared with the other
// feeds polled at the same moment.
func saveFeedState(st *store.Store, feed string, fs feedState) error {
	return st.Batch(func(tx *store.Tx) error {
		return putJSON(tx.Bucket(store.BucketFeedState), feedStateKey(feed), fs)
	})
}

// loadURLState reads one URL's state.
func loadURLState(st *store.Store, feed, url string) (urlState, error) {
	var us urlState
	err := st.View(func(tx *store.Tx) error {
		getJSON(tx.Bucket(store.BucketFeedState), urlStateKey(feed, url), &us)
		return nil
	})
	return us, err
}

// putURLState writes one URL's state inside tx, so that validators and the
// body hash commit together with the seen-set entries of the same body: a
// crash between them can never skip items.
func putURLState(tx *store.Tx, feed, url string, us urlState) error {
	if err := putJSON(tx.Bucket(store.BucketFeedState), urlStateKey(feed, url), us); err != nil {
		return fmt.Errorf("save state of %q: %w", feed, err)
	}
	return nil
}

// pruneFeedState deletes URL states untouched since before cutoff: feeds
// and tickers removed from the configuration.
func pruneFeedState(tx *store.Tx, cutoff time.Time) (int, error) {
	b := tx.Bucket(store.BucketFeedState)
	var stale [][]byte
	c := b.Cursor()
	prefix := []byte(prefixURLState)
	for k, v := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == prefixURLState; k, v = c.Next() {
		var us urlState
		if json.Unmarshal(v, &us) == nil && !us.Touched.IsZero() && us.Touched.Before(cutoff) {
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

// lastSuccessEvery is how stale the stored LastSuccess may grow while
// nothing else about the feed changes: a healthy feed polled every 20
// seconds then commits its state every third poll instead of every poll.
// The gauge and Health use the exact time; after a restart both start from
// the stored one until the first poll.
const lastSuccessEvery = time.Minute

// loadState returns the feed's state, from the cache or the store.
func (s *Source) loadState() (feedState, error) {
	if s.state != nil {
		return *s.state, nil
	}
	fs, err := loadFeedState(s.svc.store, s.feed.Name)
	if err == nil {
		s.state, s.storedSuccess = &fs, fs.LastSuccess
	}
	return fs, err
}

// saveState commits the feed's state and caches it. A state that differs
// from the cached one only by a LastSuccess less than lastSuccessEvery
// after the stored one is cached without a commit.
func (s *Source) saveState(fs feedState) error {
	s.live.Store(&fs)
	if prev := s.state; prev != nil && sameButLastSuccess(*prev, fs) && fs.LastSuccess.Sub(s.storedSuccess) < lastSuccessEvery {
		s.state = &fs
		return nil
	}
	s.state = nil
	if err := saveFeedState(s.svc.store, s.feed.Name, fs); err != nil {
		return err
	}
	s.state, s.storedSuccess = &fs, fs.LastSuccess
	return nil
}

// sameButLastSuccess reports whether a and b differ at most in
// LastSuccess. It compares encodings, as the store holds them: a field
// added to feedState is compared without being listed here, and times
// compare by their encoded instant, not by monotonic reading.
func sameButLastSuccess(a, b feedState) bool {
	a.LastSuccess, b.LastSuccess = time.Time{}, time.Time{}
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// loadURL returns one URL's state, from the cache or the store.
func (s *Source) loadURL(url string) (urlState, error) {
	if us, ok := s.urls[url]; ok {
		return us, nil
	}
	us, err := loadURLState(s.svc.store, s.feed.Name, url)
	if err == nil {
		s.cacheURL(url, us)
	}
	return us, err
}

// cacheURL records the URL state a commit wrote, or forgets the URL's
// entry after a failed one (err != nil).
func (s *Source) cacheURL(url string, us urlState, err ...error) {
	if s.urls == nil {
		s.urls = map[string]urlState{}
	}
	if len(err) > 0 && err[0] != nil {
		delete(s.urls, url)
		return
	}
	s.urls[url] = us
}
