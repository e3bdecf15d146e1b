package feeds

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"
)

// The Department of Defense announces every contract of $7.5 million or
// more once a business day, about 17:00 Eastern, as one digest: an RSS
// item titled "Contracts for Aug. 26, 2026" whose body lists each award in
// a paragraph of its own under the military departments' headings. As one
// story, the digest's headline says nothing and its summary would be cut
// long before the contract that matters, so each award becomes a story.
const (
	// minContractWords is the fewest words a paragraph of a digest needs
	// to be an award: headings ("ARMY", "DEFENSE LOGISTICS AGENCY") and
	// footnotes ("*Small business") are shorter.
	minContractWords = 12
	// maxContractTitleRunes bounds the part of an award's paragraph that
	// makes its headline: the awardee, its city, the amount, what for.
	maxContractTitleRunes = 160
)

// reBlankLine separates the paragraphs of a plain-text body.
var reBlankLine = regexp.MustCompile(`\n[ \t\r]*\n`)

// parseDoDContracts reads the contract announcements RSS: one Item per
// award of each digest, titled "<digest title>: <start of the award's
// paragraph>", its summary the paragraph. The awards share the digest's
// link and date; their ids are the digest's plus a hash of the paragraph.
// Their URL is left empty: it is a dedup key, and the awards of one digest
// are different stories. A digest whose body holds fewer than two awards
// (the feed may carry only a summary) stays one story.
func parseDoDContracts(body []byte) ([]Item, error) {
	f, err := parseFeed(body)
	if err != nil {
		return nil, err
	}
	var items []Item
	for _, gi := range f.Items {
		if gi != nil {
			items = append(items, contractItems(gi)...)
		}
	}
	return items, nil
}

func contractItems(gi *gofeed.Item) []Item {
	digest := cleanText(gi.Title)
	link := strings.TrimSpace(gi.Link)
	if link == "" && len(gi.Links) > 0 {
		link = strings.TrimSpace(gi.Links[0])
	}
	id := cmp.Or(strings.TrimSpace(gi.GUID), link)
	published := itemDate(gi)
	text := gi.Description
	if len(gi.Content) > len(text) {
		text = gi.Content // content:encoded, when the feed sends the whole body there
	}
	var awards []string
	for _, p := range paragraphs(text) {
		if wordCount(p) >= minContractWords {
			awards = append(awards, p)
		}
	}
	if len(awards) < 2 {
		if digest == "" && link == "" {
			return nil
		}
		return []Item{{ID: id, Title: digest, Link: link, URL: canonicalURL(link),
			Summary: truncateRunes(cleanHTML(text), maxSummaryRunes), Published: published}}
	}
	out := make([]Item, 0, len(awards))
	for _, p := range awards {
		sum := sha256.Sum256([]byte(fingerprint(p)))
		title := truncateRunes(p, maxContractTitleRunes)
		if digest != "" {
			title = digest + ": " + title
		}
		out = append(out, Item{ID: id + "#" + hex.EncodeToString(sum[:6]), Title: title, Link: link,
			Summary: truncateRunes(p, maxSummaryRunes), Published: published})
	}
	return out
}

// paragraphs splits a body into paragraphs of clean text: at its block
// elements when it is HTML (escaped once or twice, as feeds send it), at
// its blank lines when it is plain text.
func paragraphs(s string) []string {
	for i := 0; i < maxUnescapePasses && !looksLikeHTML(s) && strings.Contains(s, "&lt;"); i++ {
		s = html.UnescapeString(s)
	}
	var (
		out  []string
		b    strings.Builder
		skip int
	)
	flush := func() {
		if p := cleanText(b.String()); p != "" {
			out = append(out, p)
		}
		b.Reset()
	}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			flush()
			return out
		case html.TextToken:
			if skip > 0 {
				continue
			}
			for i, part := range reBlankLine.Split(string(z.Text()), -1) {
				if i > 0 {
					flush()
				}
				b.WriteString(part)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			switch n := string(name); {
			case (n == "script" || n == "style") && tt == html.StartTagToken:
				skip++
			case n == "script" || n == "style":
				skip = max(skip-1, 0)
			case blockTags[n]:
				flush()
			}
		}
	}
}
