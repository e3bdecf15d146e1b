package feeds

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/monitord/monitord/internal/upstream"
)

// yahooSearch is the part of Yahoo's v1/finance/search reply monitord
// reads: news[], with a uuid, the publisher, the publication time as Unix
// seconds and the tickers Yahoo relates the story to.
type yahooSearch struct {
	News    *[]yahooNews `json:"news"`
	Finance *struct {
		Error *struct {
			Code        string `json:"code"`
			Description string `json:"description"`
		} `json:"error"`
	} `json:"finance"`
}

type yahooNews struct {
	UUID                string     `json:"uuid"`
	Title               string     `json:"title"`
	Publisher           string     `json:"publisher"`
	Link                string     `json:"link"`
	ProviderPublishTime epochValue `json:"providerPublishTime"`
	Type                string     `json:"type"`
	RelatedTickers      []string   `json:"relatedTickers"`
}

// epochValue is Unix seconds sent as a number or, defensively, a string.
type epochValue struct{ t time.Time }

func (e *epochValue) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f < 1e13 {
		if f >= 1e11 { // milliseconds
			e.t = time.UnixMilli(int64(f)).UTC()
		} else {
			e.t = time.Unix(int64(f), 0).UTC()
		}
		return nil
	}
	if t, ok := parseDate(s); ok {
		e.t = t
	}
	// A date we cannot read is not a reason to drop the item: it gets the
	// first-seen time.
	return nil
}

// parseYahooSearch reads the news of a v1/finance/search reply. A reply
// without news[] is an error envelope or something else entirely.
func parseYahooSearch(body []byte) ([]Item, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, notFeedError(body)
	}
	var r yahooSearch
	if err := json.Unmarshal(trimmed, &r); err != nil {
		return nil, parseError("search JSON: %v", err)
	}
	if r.News == nil {
		if r.Finance != nil && r.Finance.Error != nil {
			return nil, &upstream.Error{Reason: upstream.ReasonNotFeed, Err: fmt.Errorf("error envelope %s: %s: %w",
				r.Finance.Error.Code, r.Finance.Error.Description, ErrNotFeed)}
		}
		return nil, &upstream.Error{Reason: upstream.ReasonNotFeed, Err: fmt.Errorf("JSON without news[]: %w", ErrNotFeed)}
	}
	items := make([]Item, 0, len(*r.News))
	for _, n := range *r.News {
		it := Item{
			ID:        strings.TrimSpace(n.UUID),
			Publisher: cleanText(n.Publisher),
			Link:      strings.TrimSpace(n.Link),
			Published: n.ProviderPublishTime.t,
		}
		it.Title = stripPublisher(cleanText(n.Title), it.Publisher, false)
		it.URL = canonicalURL(it.Link)
		for _, s := range n.RelatedTickers {
			if s = exchangeSymbol(s); s != "" {
				it.Tickers = append(it.Tickers, s)
			}
		}
		it.Tickers = dedupStrings(it.Tickers)
		if it.Title == "" {
			continue
		}
		items = append(items, it)
	}
	return items, nil
}
