package feeds

import (
	"fmt"
	"time"
)

// Health is a feed's state as its last polls left it, for status pages.
type Health struct {
	// LastSuccess is when a poll last succeeded for every URL; zero if
	// never (kept across restarts).
	LastSuccess time.Time
	// Failures counts consecutive failed polls.
	Failures int
	// LastError is a failing URL's reason (server_error, timeout, parse, ...),
	// with how many of the feed's URLs fail when more than one; never a URL.
	LastError string
	// BackoffUntil is when a feed backing off after a 429 or 5xx polls
	// again; zero when it is not backing off.
	BackoffUntil time.Time
}

// Health reads the feed's state as its last poll left it (from the store
// before the first poll).
func (s *Source) Health() (Health, error) {
	var fs feedState
	if live := s.live.Load(); live != nil {
		fs = *live
	} else {
		var err error
		if fs, err = loadFeedState(s.svc.store, s.feed.Name); err != nil {
			return Health{}, err
		}
	}
	h := Health{LastSuccess: fs.LastSuccess, Failures: fs.Failures}
	if fs.BackoffUntil.After(s.svc.now()) {
		h.BackoffUntil = fs.BackoffUntil
	}
	failing := 0
	for _, t := range s.targets {
		us, err := loadURLState(s.svc.store, s.feed.Name, t.url)
		if err != nil {
			return Health{}, err
		}
		if us.LastReason != "" {
			failing++
			if h.LastError == "" {
				h.LastError = us.LastReason
			}
		}
	}
	if failing > 1 {
		h.LastError = fmt.Sprintf("%s (%d of %d URLs failing)", h.LastError, failing, len(s.targets))
	}
	return h, nil
}
