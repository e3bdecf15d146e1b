package feeds

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/upstream"
)

// frResponse is the part of a Federal Register API answer monitord reads:
// documents.json and the public inspection list
// (public-inspection-documents/current.json and its search) share the
// envelope {"count": n, "results": [...]}.
type frResponse struct {
	Count   *int            `json:"count"`
	Results *[]frDocument   `json:"results"`
	Errors  json.RawMessage `json:"errors"`
}

// frDocument is one result: a published document (documents.json) or
// one on public inspection, which carries filed_at, filing_type and
// last_public_inspection_issue instead of an abstract.
type frDocument struct {
	DocumentNumber  string     `json:"document_number"`
	Title           string     `json:"title"`
	TOCSubject      string     `json:"toc_subject"`
	TOCDoc          string     `json:"toc_doc"`
	Type            string     `json:"type"`
	Abstract        string     `json:"abstract"`
	PublicationDate string     `json:"publication_date"`
	HTMLURL         string     `json:"html_url"`
	PDFURL          string     `json:"pdf_url"`
	Agencies        []frAgency `json:"agencies"`
	// Public inspection only: present (if null) on its entries alone.
	FiledAt        *string `json:"filed_at"`
	FilingType     *string `json:"filing_type"`
	LastInspection *string `json:"last_public_inspection_issue"`
}

type frAgency struct {
	Name    string `json:"name"`
	RawName string `json:"raw_name"`
	Slug    string `json:"slug"`
}

// frZone is where the Federal Register is published: a publication date
// is an Eastern day, and the public inspection list changes at 08:45
// Eastern.
var frZone = func() *time.Location {
	if loc, err := time.LoadLocation("America/New_York"); err == nil {
		return loc
	}
	return time.FixedZone("EST", -5*3600) // no zone database: an hour off in summer
}()

// parseFederalRegister reads a Federal Register API answer. A document's
// id is its document number, which is also its story's key, so its entry
// on the public inspection list and its publication days later fold into
// one story. A public inspection entry's time is filed_at, when it went on
// public inspection; a published document's is the start of its
// publication day, Eastern. The agencies are the story's publisher. An
// answer with no results (the public inspection list between issues, a
// search that finds nothing) is empty, not an error.
func parseFederalRegister(body []byte) ([]Item, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, notFeedError(body)
	}
	var r frResponse
	if err := json.Unmarshal(trimmed, &r); err != nil {
		return nil, parseError("Federal Register JSON: %v", err)
	}
	if len(r.Errors) > 0 && string(r.Errors) != "null" {
		return nil, &upstream.Error{Reason: upstream.ReasonUpstreamError,
			Err: fmt.Errorf("error object in the answer: %s", truncateRunes(cleanText(string(r.Errors)), 200))}
	}
	if r.Results == nil {
		if r.Count != nil {
			return nil, nil // {"count": 0}: nothing to list
		}
		return nil, &upstream.Error{Reason: upstream.ReasonNotFeed, Err: fmt.Errorf("JSON without results[]: %w", ErrNotFeed)}
	}
	items := make([]Item, 0, len(*r.Results))
	for i := range *r.Results {
		if it, ok := frItem(&(*r.Results)[i]); ok {
			items = append(items, it)
		}
	}
	return items, nil
}

func frItem(d *frDocument) (Item, bool) {
	n := &Notice{
		DocumentNumber:   strings.TrimSpace(d.DocumentNumber),
		Type:             cleanText(d.Type),
		PublicationDate:  dateOnly(d.PublicationDate),
		PublicInspection: d.FiledAt != nil || d.FilingType != nil || d.LastInspection != nil,
	}
	if d.LastInspection != nil {
		n.InspectionIssue = dateOnly(*d.LastInspection)
	}
	var names []string
	for _, a := range d.Agencies {
		if s := strings.TrimSpace(a.Slug); s != "" {
			n.Agencies = append(n.Agencies, s)
		}
		if name := cleanText(a.Name); name != "" {
			names = append(names, name)
		} else if name := cleanText(a.RawName); name != "" {
			names = append(names, name)
		}
	}
	n.Agencies = dedupStrings(n.Agencies)
	title := cleanText(d.Title)
	if title == "" {
		// Some public inspection entries carry only their table-of-contents
		// subject and document lines.
		title = cleanText(d.TOCSubject + " " + d.TOCDoc)
	}
	if n.DocumentNumber == "" || title == "" {
		return Item{}, false
	}
	link := strings.TrimSpace(d.HTMLURL)
	if canonicalURL(link) == "" {
		link = strings.TrimSpace(d.PDFURL)
	}
	it := Item{
		ID:        n.DocumentNumber,
		Title:     title,
		Publisher: strings.Join(dedupStrings(names), ", "),
		Link:      link,
		URL:       canonicalURL(link),
		Summary:   truncateRunes(cleanText(d.Abstract), maxSummaryRunes),
		Notice:    n,
	}
	if n.PublicInspection {
		if it.Summary == "" {
			it.Summary = inspectionSummary(n)
		}
		if d.FiledAt != nil {
			it.Published, _ = parseDate(*d.FiledAt)
		}
		// No filed_at: the first-seen time, never the issue date (which
		// is a day, and the previous day's overnight).
	} else if t, err := time.ParseInLocation("2006-01-02", n.PublicationDate, frZone); err == nil {
		it.Published = t.UTC()
	}
	return it, true
}

// inspectionSummary says what a public inspection entry is, in place of
// the abstract it lacks.
func inspectionSummary(n *Notice) string {
	kind := cmp.Or(n.Type, "Document")
	if n.PublicationDate == "" {
		return kind + " on public inspection."
	}
	return kind + " on public inspection, to be published " + n.PublicationDate + "."
}

// dateOnly returns the YYYY-MM-DD of s, or "".
func dateOnly(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return ""
	}
	if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
		return ""
	}
	return s[:10]
}

// keepAgencies drops the items of no agency in slugs (a
// federal_register feed's agencies); with no slugs it keeps every item.
func keepAgencies(items []Item, slugs []string) []Item {
	if len(slugs) == 0 {
		return items
	}
	return slices.DeleteFunc(items, func(it Item) bool {
		return it.Notice == nil || !slices.ContainsFunc(it.Notice.Agencies, func(a string) bool { return slices.Contains(slugs, a) })
	})
}

// inspectionIssue returns the newest public inspection issue (YYYY-MM-DD)
// among items, and whether it is before today in the Federal Register's
// zone: overnight, from midnight until the day's list at 08:45 Eastern,
// and over weekends and holidays, current.json serves the previous list.
// That is not a failure, and its entries were seen before (their ids are
// known), so nothing is reported twice; the caller only says so.
func inspectionIssue(items []Item, now time.Time) (issue string, previous bool) {
	for i := range items {
		if n := items[i].Notice; n != nil && n.InspectionIssue > issue {
			issue = n.InspectionIssue
		}
	}
	if issue == "" {
		return "", false
	}
	return issue, issue < now.In(frZone).Format("2006-01-02")
}

// notePreviousIssue logs, once per issue, that a public inspection list is
// a previous day's: served overnight and over weekends, it is neither a
// failure nor news (its entries' ids are known).
func (s *Source) notePreviousIssue(t target, items []Item) {
	issue, previous := inspectionIssue(items, s.svc.now())
	if !previous || s.previousIssue == issue {
		return
	}
	s.previousIssue = issue
	s.log.Debug("Public inspection list is a previous issue; the next comes after 08:45 Eastern on a business day",
		zap.String("url", t.shown), zap.String("issue", issue))
}
