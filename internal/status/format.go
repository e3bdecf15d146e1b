package status

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// fullLayout is the tooltip of every time on the page.
const fullLayout = "Mon 2 Jan 2006 15:04:05 MST"

// dash is s, or "—" when s is empty.
func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// finite reports whether f is a real number.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// price formats a price with cents, or more decimals below a dollar; "—"
// for no price.
func price(p float64) string {
	switch {
	case !finite(p) || p <= 0:
		return "—"
	case p < 1:
		return strconv.FormatFloat(p, 'f', 4, 64)
	}
	return group(strconv.FormatFloat(p, 'f', 2, 64))
}

// volume formats a share count with thousands separators.
func volume(v int64) string {
	if v <= 0 {
		return "—"
	}
	return group(strconv.FormatInt(v, 10))
}

// group puts commas between thousands in the integer part of a number.
func group(s string) string {
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

// percent formats a signed percentage. The sign and the arrow say the
// direction in text; the class only adds the colour.
func percent(p float64, none bool) change {
	if none || !finite(p) {
		return change{Text: "—"}
	}
	p = math.Round(p*100) / 100
	switch {
	case p > 0:
		return change{Text: fmt.Sprintf("+%.2f%%", p), Class: "up", Arrow: "▲"}
	case p < 0:
		return change{Text: fmt.Sprintf("%.2f%%", p), Class: "down", Arrow: "▼"}
	}
	return change{Text: "0.00%", Class: "flat"}
}

// marketState names Yahoo's session words for people.
func marketState(s string) string {
	switch strings.ToUpper(s) {
	case "":
		return "—"
	case "REGULAR":
		return "open"
	case "PRE", "PREPRE":
		return "pre-market"
	case "POST":
		return "after hours"
	case "POSTPOST", "CLOSED":
		return "closed"
	}
	return strings.ToLower(s)
}

// ago stamps a past time as its age at now ("4m ago").
func ago(t, now time.Time) stamp {
	if t.IsZero() {
		return stamp{Text: "—"}
	}
	return stamp{Text: duration(now.Sub(t)) + " ago", ISO: t.Format(time.RFC3339), Full: t.In(now.Location()).Format(fullLayout)}
}

// until stamps a future time as the wait from now ("in 4m"), "due" once
// passed.
func until(t, now time.Time) stamp {
	if t.IsZero() {
		return stamp{Text: "—"}
	}
	s := stamp{Text: "due", ISO: t.Format(time.RFC3339), Full: t.In(now.Location()).Format(fullLayout)}
	if d := t.Sub(now); d >= time.Second {
		s.Text = "in " + duration(d)
	}
	return s
}

// storyTime shows a story's time of day, with the date unless it is
// today in now's location.
func storyTime(t, now time.Time) stamp {
	if t.IsZero() {
		return stamp{Text: "—"}
	}
	local := t.In(now.Location())
	layout := "Jan 2 15:04"
	if y, m, d := local.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		layout = "15:04"
	}
	return stamp{Text: local.Format(layout), ISO: t.Format(time.RFC3339), Full: local.Format(fullLayout)}
}

// duration is a short human duration: 45s, 4m, 2h 05m, 3d 4h. Negative
// durations (clock skew) count as zero.
func duration(d time.Duration) string {
	d = max(d, 0)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh %02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd %dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}
