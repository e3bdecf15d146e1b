package feeds

import (
	"context"
	"errors"
	"fmt"

	"github.com/monitord/monitord/internal/upstream"
)

// ErrNotFeed is wrapped by errors for bodies that are not a feed at all.
var ErrNotFeed = errors.New("not a feed")

// ErrSkipped is returned by Poll when the feed did not ask its upstream:
// the feed is backing off after a 429 or 5xx, or its host is paused for
// every caller. It is neither a success nor a new failure: health
// tracking should ignore the poll.
var ErrSkipped = errors.New("poll skipped: feed is backing off")

// ReasonOf returns the reason label for err (see upstream's reasons): the
// Reason of an *upstream.Error in its chain, "canceled" for context
// cancellation, else "network".
func ReasonOf(err error) string {
	if e := upstream.AsError(err); e != nil {
		return e.Reason
	}
	if errors.Is(err, context.Canceled) {
		return upstream.ReasonCanceled
	}
	return upstream.ReasonNetwork
}

// statusLabel is the code label of monitord_feed_http_responses_total: the
// codes an operator acts on individually, and the class for the rest, so
// the label set stays small and known in advance.
func statusLabel(code int) string {
	switch code {
	case 304, 403, 404, 429:
		return fmt.Sprint(code)
	}
	switch {
	case code >= 200 && code < 300:
		return "2xx"
	case code >= 300 && code < 400:
		return "3xx"
	case code >= 400 && code < 500:
		return "4xx"
	case code >= 500 && code < 600:
		return "5xx"
	}
	return "other"
}
