// Package feeds turns monitord's news sources into stories: it fetches
// each configured feed politely (conditional GET, size and time limits,
// per-host rate limits, backoff on 429 and 5xx), parses whatever the source
// sends (RSS, RDF, Atom, JSON Feed, Yahoo's search JSON, SEC EDGAR filings,
// GlobeNewswire releases, the Federal Register's documents and public
// inspection list, the Department of Defense's contract digests, HTML
// announcement lists without a feed) into normalised Items, remembers what
// it has seen in the store, folds the same story from several sources into
// one, and matches each new story against the keyword groups and tickers.
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
	// EDGAR accession number, GlobeNewswire dc:identifier, Federal
	// Register document number, a list page entry's link. It may be empty.
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
	// Notice is set for Federal Register documents.
	Notice *Notice
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

// Notice is what a Federal Register entry says beyond a headline.
type Notice struct {
	// DocumentNumber is the Federal Register's document number
	// (2026-17012): the same on the public inspection list and, days
	// later, in the published issue.
	DocumentNumber string `json:"document_number"`
	// Type is the document type: Rule, Proposed Rule, Notice,
	// Presidential Document.
	Type string `json:"type,omitempty"`
	// Agencies are the issuing agencies' slugs
	// (industry-and-security-bureau).
	Agencies []string `json:"agencies,omitempty"`
	// PublicationDate is the issue (YYYY-MM-DD) the document is, or is
	// to be, published in.
	PublicationDate string `json:"publication_date,omitempty"`
	// PublicInspection is set when the entry came from the public
	// inspection list: filed, not yet published.
	PublicInspection bool `json:"public_inspection,omitempty"`
	// InspectionIssue is the latest public inspection issue (YYYY-MM-DD)
	// that listed the document; a list whose newest is before today is
	// the previous day's, served overnight.
	InspectionIssue string `json:"inspection_issue,omitempty"`
}

// dedupKey is what identifies the item's story across sources: the
// accession number for a filing (every company's 8-K has the same title),
// the document number for a Federal Register document (its public
// inspection entry and its publication days later are one story, whatever
// their titles), otherwise the headline's fingerprint when it is specific
// enough, else the canonical URL, else the source's own id, else the short
// headline. byTitle says the key is a headline's: only those expire with
// the dedup window, the others identify one story for good.
func (it *Item) dedupKey() (key string, byTitle bool) {
	if it.Filing != nil && it.Filing.Accession != "" {
		return "edgar:" + it.Filing.Accession, false
	}
	if it.Notice != nil && it.Notice.DocumentNumber != "" {
		return "fr:" + it.Notice.DocumentNumber, false
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
	// Notice is set for Federal Register documents: that of the first
	// feed that had it (the public inspection entry, usually).
	Notice *Notice `json:"notice,omitempty"`
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
