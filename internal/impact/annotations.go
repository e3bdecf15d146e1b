package impact

import (
	"fmt"
	"strings"
)

// Annotation is one story on one ticker in the shape Grafana's annotation
// queries want (Infinity or JSON API data source): times in Unix
// milliseconds, tags as one comma-separated string.
type Annotation struct {
	// Time is the story's time; TimeEnd the last measured horizon's (the
	// span the window has covered so far), or Time when none is.
	Time    int64  `json:"time"`
	TimeEnd int64  `json:"timeEnd"`
	Title   string `json:"title"`
	Text    string `json:"text"`
	// Tags are the ticker, the matched keyword groups and "after_hours"
	// when it applies, so a panel can filter by its ticker.
	Tags   string `json:"tags"`
	Ticker string `json:"ticker"`
	ID     string `json:"id"`
	Link   string `json:"link,omitempty"`
}

// annotations flattens events into one annotation per story and ticker.
func annotations(events []Event) []Annotation {
	out := []Annotation{}
	for i := range events {
		ev := &events[i]
		for j := range ev.Impacts {
			im := &ev.Impacts[j]
			end := ev.Time
			for k := range im.Horizons {
				if h := &im.Horizons[k]; h.Status == StatusMeasured && h.At.After(end) {
					end = h.At
				}
			}
			tags := append([]string{im.Ticker}, ev.Groups...)
			if im.AfterHours {
				tags = append(tags, "after_hours")
			}
			out = append(out, Annotation{
				Time: ev.Time.UnixMilli(), TimeEnd: end.UnixMilli(),
				Title: ev.Title, Text: annotationText(ev, im), Tags: strings.Join(tags, ","),
				Ticker: im.Ticker, ID: ev.ID, Link: ev.Link,
			})
		}
	}
	return out
}

// annotationText summarises the window on one line: "MP from $20.00 · 5m
// +1.2% (abnormal +1.0%) · 15m +8.1% (abnormal +7.9%) · close pending".
func annotationText(ev *Event, im *Impact) string {
	var b strings.Builder
	ref := &im.Reference
	switch ref.Status {
	case StatusMeasured:
		fmt.Fprintf(&b, "%s from %s", im.Ticker, money(ref.Price))
	case StatusNoData:
		fmt.Fprintf(&b, "%s: no reference price", im.Ticker)
	default:
		fmt.Fprintf(&b, "%s: reference pending", im.Ticker)
	}
	if im.AfterHours {
		b.WriteString(" (after hours: measured from the next open)")
	}
	for k := range im.Horizons {
		h := &im.Horizons[k]
		b.WriteString(" · " + h.Name + " ")
		switch {
		case h.Status == StatusPending:
			b.WriteString("pending")
		case h.MovePct == nil:
			b.WriteString("no data")
		case h.AbnormalPct != nil:
			fmt.Fprintf(&b, "%s (abnormal %s)", signedPct(*h.MovePct), signedPct(*h.AbnormalPct))
		case h.BenchmarkMissing:
			fmt.Fprintf(&b, "%s (raw; %s had no price)", signedPct(*h.MovePct), im.Benchmark)
		default:
			b.WriteString(signedPct(*h.MovePct))
		}
	}
	if len(ev.Terms) > 0 {
		b.WriteString(" · matched " + strings.Join(ev.Terms, ", "))
	}
	if len(ev.Sources) > 0 {
		b.WriteString(" · via " + strings.Join(ev.Sources, ", "))
	}
	return b.String()
}
