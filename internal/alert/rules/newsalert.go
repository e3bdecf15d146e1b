package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/monitord/monitord/internal/alert"
)

// maxHeadlines is the most stories one news alert lists. It matches the
// Slack receiver's limit of headlines with a block of their own, so a
// burst is split into several messages rather than cut to "and N more".
const maxHeadlines = 20

// newsAlerts turns the headlines a news rule took into alerts of at most
// maxHeadlines each. Their identity comes from the story ids (see
// alert.ConditionID), so the same set is named the same everywhere.
func newsAlerts(rule, severity string, hs []alert.Headline, now time.Time) []*alert.Alert {
	var out []*alert.Alert
	for chunk := range slices.Chunk(hs, maxHeadlines) {
		a := &alert.Alert{
			Status: alert.StatusFiring, Kind: alert.KindNews, Rule: rule, Severity: severity,
			Headlines: slices.Clone(chunk), CreatedAt: now.UTC(),
		}
		var terms []string
		for _, h := range chunk {
			a.Symbols = append(a.Symbols, h.Tickers...)
			terms = append(terms, h.Terms...)
		}
		a.Symbols = sortedUnique(a.Symbols)
		terms = uniqueInOrder(terms)
		reason := "matched " + list(terms, 5)
		if len(a.Symbols) > 0 {
			reason += "; concerns " + list(a.Symbols, 10)
		}
		if len(chunk) == 1 {
			h := chunk[0]
			a.Title, a.Link = h.Title, h.URL
			if len(h.Sources) > 0 {
				reason += "; first on " + h.Sources[0]
				if n := len(h.Sources) - 1; n > 0 {
					reason += fmt.Sprintf(" (+%d more sources)", n)
				}
			}
		} else {
			a.Title = fmt.Sprintf("%d headlines matching %s", len(chunk), list(terms, 3))
		}
		a.Reason = reason
		a.Identify()
		out = append(out, a)
	}
	return out
}

// list joins up to n items and says how many it left out.
func list(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}
