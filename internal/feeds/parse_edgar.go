package feeds

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// edgarFeed is the part of an EDGAR browse-edgar Atom feed monitord reads:
// the per-company feed (getcompany, with <company-info>) and the
// market-wide one (getcurrent, where the company is in each entry's title).
type edgarFeed struct {
	XMLName xml.Name `xml:"feed"`
	Company struct {
		CIK  string `xml:"cik"`
		Name string `xml:"conformed-name"`
	} `xml:"company-info"`
	Entries []edgarEntry `xml:"entry"`
}

type edgarEntry struct {
	Title   string `xml:"title"`
	ID      string `xml:"id"`
	Updated string `xml:"updated"`
	Summary string `xml:"summary"`
	Links   []struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr"`
	} `xml:"link"`
	Categories []struct {
		Term string `xml:"term,attr"`
	} `xml:"category"`
	Content struct {
		Accession  string `xml:"accession-number"`
		FilingDate string `xml:"filing-date"`
		FilingHref string `xml:"filing-href"`
		FilingType string `xml:"filing-type"`
		FormName   string `xml:"form-name"`
		ItemsDesc  string `xml:"items-desc"`
	} `xml:"content"`
}

var (
	reAccession = regexp.MustCompile(`\d{10}-\d{2}-\d{6}`)
	// reCurrentTitle reads a getcurrent entry title:
	// "8-K - MP Materials Corp. / DE (0001801368) (Filer)".
	reCurrentTitle = regexp.MustCompile(`^(.+?)\s+-\s+(.+?)\s+\((\d{1,10})\)\s*(?:\([^)]*\))?$`)
	reItemNumber   = regexp.MustCompile(`\b\d{1,2}\.\d{2}\b`)
	reSummaryItem  = regexp.MustCompile(`(?i)\bitem\s+(\d{1,2}\.\d{2})\b`)
)

// parseEDGAR reads SEC EDGAR's Atom feeds, keeping what a generic Atom
// reader loses: the form type, the 8-K item numbers, the accession number
// (the item's id) and the filer. EDGAR declares ISO-8859-1; Parse has
// already converted the body to UTF-8.
func parseEDGAR(body []byte) ([]Item, error) {
	root := xmlRoot(body)
	if root != "feed" {
		return nil, notFeedError(body)
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var f edgarFeed
	if err := d.Decode(&f); err != nil {
		return nil, parseError("EDGAR Atom: %v", err)
	}
	items := make([]Item, 0, len(f.Entries))
	for i := range f.Entries {
		if it, ok := edgarItem(&f.Entries[i], f.Company.CIK, f.Company.Name); ok {
			items = append(items, it)
		}
	}
	return items, nil
}

func edgarItem(e *edgarEntry, cik, company string) (Item, bool) {
	fl := &Filing{
		Form:      strings.TrimSpace(e.Content.FilingType),
		Accession: strings.TrimSpace(e.Content.Accession),
		CIK:       strings.TrimSpace(cik),
		Company:   cleanText(company),
	}
	if fl.Accession == "" {
		fl.Accession = reAccession.FindString(e.ID)
	}
	if fl.Form == "" && len(e.Categories) > 0 {
		fl.Form = strings.TrimSpace(e.Categories[0].Term)
	}
	title := cleanText(e.Title)
	formName := cleanText(e.Content.FormName)
	if m := reCurrentTitle.FindStringSubmatch(title); m != nil && fl.Company == "" {
		// getcurrent: "8-K - Company (CIK) (Filer)".
		if fl.Form == "" {
			fl.Form = m[1]
		}
		fl.Company, fl.CIK = m[2], m[3]
	} else if formName == "" {
		// getcompany: "8-K  - Current report".
		if _, rest, ok := strings.Cut(title, " - "); ok {
			formName = strings.TrimSpace(rest)
		}
	}
	if fl.CIK != "" {
		fl.CIK = fmt.Sprintf("%010s", strings.TrimLeft(fl.CIK, "0"))
		fl.CIK = strings.ReplaceAll(fl.CIK, " ", "0")
	}
	summary := cleanHTML(e.Summary) // <summary type="html">
	fl.Items = filingItems(e.Content.ItemsDesc, summary)
	if fl.Accession == "" && fl.Form == "" {
		return Item{}, false
	}

	link := strings.TrimSpace(e.Content.FilingHref)
	for _, l := range e.Links {
		if link == "" && (l.Rel == "" || l.Rel == "alternate") {
			link = strings.TrimSpace(l.Href)
		}
	}
	it := Item{
		ID:      fl.Accession,
		Title:   filingTitle(fl, formName),
		Link:    link,
		URL:     canonicalURL(link),
		Summary: truncateRunes(summary, maxSummaryRunes),
		Filing:  fl,
	}
	if t, ok := parseDate(e.Updated); ok {
		it.Published = t
	} else if t, ok := parseDate(e.Content.FilingDate); ok {
		it.Published = t
	}
	return it, true
}

// filingTitle makes a headline of a filing: "MP Materials Corp. / DE
// files 8-K: Current report (items 2.02, 9.01)". EDGAR's own title is the
// same for every company's 8-K.
func filingTitle(fl *Filing, formName string) string {
	var b strings.Builder
	if fl.Company != "" {
		b.WriteString(fl.Company)
		b.WriteString(" files ")
	}
	b.WriteString(fl.Form)
	if formName != "" {
		b.WriteString(": ")
		b.WriteString(formName)
	}
	if len(fl.Items) > 0 {
		b.WriteString(" (items ")
		b.WriteString(strings.Join(fl.Items, ", "))
		b.WriteString(")")
	}
	return b.String()
}

// filingItems reads 8-K item numbers from <items-desc> ("items 2.02 and
// 9.01"), or else from the summary's "Item 2.02: ..." lines.
func filingItems(desc, summary string) []string {
	found := reItemNumber.FindAllString(desc, -1)
	if len(found) == 0 {
		for _, m := range reSummaryItem.FindAllStringSubmatch(summary, -1) {
			found = append(found, m[1])
		}
	}
	return dedupStrings(found)
}
