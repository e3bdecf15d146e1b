// Package feeds turns monitord's news sources into stories: it fetches
// each configured feed politely (conditional GET, size and time limits,
// per-host rate limits, backoff on 429 and 5xx), parses whatever the source
// sends (RSS, RDF, Atom, JSON Feed, Yahoo's search JSON, SEC EDGAR filings,
// GlobeNewswire releases) into normalised Items, remembers what it has seen
// in the store, folds the same story from several sources into one, and
// matches each new story against the keyword groups and tickers.
//
// A source that fails (network, HTTP status, a body that is not a feed)
// fails alone: its error is typed with a reason that becomes a metric label,
// and every other source keeps running.
package feeds

import (
	"time"

	"github.com/monitord/monitord/internal/feeds/match"
)

// Item is one entry of one feed, normalised: plain-text title and summary,
// a canonical URL, a UTC publication time and the tickers the source itself
// attached.
type Item struct {
	// Feed is the configured name of the feed the item came from.
	Feed string
	// ID is the source's own identifier: RSS guid, Atom id, Yahoo uuid,
	// EDGAR accession number or GlobeNewswire dc:identifier. It may be empty.
	ID string
	// Title is the headline as plain text, without an aggregator's
	// " - Publisher" suffix.
	Title string
	// Publisher is who the aggregator says published the story (Google
	// News <source>, Yahoo's publisher), when it says.
	Publisher string
	// URL is Link reduced to its canonical form (see canonicalURL): the
	// dedup key, not for display.
	URL string
	// Link is the link as the source gave it.
	Link string
	// Summary is the description as plain text.
	Summary string
	// Published is when the source says the item was published, in UTC.
	// When the source gave no date, an absurd one or one too far in the
	// future, it is the time monitord first saw the item and
	// PublishedEstimated is set.
	Published          time.Time
	PublishedEstimated bool
	// Tickers are the symbols the source attached (Yahoo relatedTickers,
	// GlobeNewswire stock categories, the ticker a per_ticker URL was
	// rendered for, an EDGAR filer's CIK), in Yahoo's notation.
	Tickers []string
	// Filing is set for SEC EDGAR filings.
	Filing *Filing
}

// Filing is what an EDGAR entry says beyond a headline.
type Filing struct {
	// Form is the form type (8-K, 8-K/A, 10-Q, 6-K).
	Form string `json:"form"`
	// Items are the 8-K item numbers ("2.02", "7.01"), in filing order.
	Items []string `json:"items,omitempty"`
	// Accession is the accession number (0001801368-26-000042).
	Accession string `json:"accession"`
	// CIK is the filer's Central Index Key, ten digits.
	CIK string `json:"cik,omitempty"`
	// Company is the filer's conformed name.
	Company string `json:"company,omitempty"`
}

// dedupKey is what identifies the item's story across sources: the
// accession number for a filing (every company's 8-K has the same title),
// otherwise the headline's fingerprint when it is specific enough, else
// the canonical URL, else the source's own id, else the short headline.
func (it *Item) dedupKey() (key string, byTitle bool) {
	if it.Filing != nil && it.Filing.Accession != "" {
		return "edgar:" + it.Filing.Accession, false
	}
	fp := fingerprint(it.Title)
	switch {
	case wordCount(fp) >= minFingerprintWords:
		return "title:" + fp, true
	case it.URL != "":
		return "url:" + it.URL, false
	case it.ID != "":
		return "id:" + it.Feed + "\x00" + it.ID, false
	}
	return "title:" + fp, true
}

func wordCount(fp string) int {
	if fp == "" {
		return 0
	}
	n := 1
	for i := 0; i < len(fp); i++ {
		if fp[i] == ' ' {
			n++
		}
	}
	return n
}

// Story is what downstream (rules, alerts, impact, `monitord once`) gets:
// one piece of news however many sources carried it.
type Story struct {
	// ID is derived from the story's content (its normalised headline, or a
	// filing's accession number), never from local state, so two replicas
	// that see the same story name it the same and Alertmanager folds them.
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Link      string    `json:"link"`
	Summary   string    `json:"summary,omitempty"`
	Publisher string    `json:"publisher,omitempty"`
	Published time.Time `json:"published"`
	// PublishedEstimated says Published is the first-seen time because the
	// source's own date was missing or implausible.
	PublishedEstimated bool      `json:"published_estimated,omitempty"`
	FirstSeen          time.Time `json:"first_seen"`
	// Sources lists every feed that carried the story, in the order they
	// did; the first has First set.
	Sources []SourceRef `json:"sources"`
	// Tickers are the symbols the story concerns (native and matched).
	Tickers []string `json:"tickers,omitempty"`
	// Match says which keyword groups and terms hit and why each ticker
	// was tagged.
	Match match.Result `json:"match"`
	// Filing is set for SEC EDGAR filings.
	Filing *Filing `json:"filing,omitempty"`
}

// Matched reports whether the story hit a keyword group: downstream alerts
// on matched stories only.
func (s *Story) Matched() bool { return s.Match.Matched() }

// SourceRef is one feed that carried a story.
type SourceRef struct {
	Feed string    `json:"feed"`
	ID   string    `json:"id,omitempty"`
	Link string    `json:"link,omitempty"`
	Seen time.Time `json:"seen"`
	// First marks the source that had the story first.
	First bool `json:"first,omitempty"`
}
