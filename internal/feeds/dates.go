package feeds

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Bounds on a publication date a feed may claim. A date outside them is
// replaced by the time monitord first saw the item, and the item is flagged.
const (
	// futureSkew is how far ahead of our clock a source's clock may run.
	// Wires stamp releases a minute or two early; anything further out is
	// an embargo date, a typo or a broken feed.
	futureSkew = 10 * time.Minute
)

// earliestDate is the oldest publication date believed: older is a zero
// value rendered by a broken CMS (1970, 0001), not news.
var earliestDate = time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC)

// zoneOffsets resolves the zone abbreviations seen in feed dates. Go's time
// package parses an abbreviation it does not know as UTC, silently shifting
// the time by hours; parseDate instead rejects abbreviations missing here.
// Ambiguous ones (IST, ET) are left out on purpose.
var zoneOffsets = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
	"EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
	"MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
	"AKST": -9 * 3600, "AKDT": -8 * 3600, "HST": -10 * 3600,
	"AST": -4 * 3600, "ADT": -3 * 3600, "NST": -(3*3600 + 1800), "NDT": -(2*3600 + 1800),
	"BST": 3600, "WEST": 3600, "CET": 3600, "CEST": 2 * 3600, "EET": 2 * 3600, "EEST": 3 * 3600,
	"MSK": 3 * 3600, "HKT": 8 * 3600, "SGT": 8 * 3600, "AWST": 8 * 3600,
	"JST": 9 * 3600, "KST": 9 * 3600, "ACST": 9*3600 + 1800, "ACDT": 10*3600 + 1800,
	"AEST": 10 * 3600, "AEDT": 11 * 3600, "NZST": 12 * 3600, "NZDT": 13 * 3600,
}

// offsetLayouts carry their own numeric offset (or Z), split by isISO.
var offsetLayouts = byShape(

	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05-0700",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04 -0700",
	"2 January 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -07:00",
	"2 Jan 2006 15:04:05-0700",
	"Jan 2 2006 15:04:05 -0700",
	"2006-01-02T15:04:05-07",
)

// localLayouts carry no zone; parseDate adds the one it found (or UTC).
// They are split by isISO.
var localLayouts = byShape(

	"2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04",
	"2 Jan 06 15:04:05",
	"2 Jan 06 15:04",
	"2 January 2006 15:04:05",
	"2 January 2006 15:04",
	"2-Jan-06 15:04:05",
	"Jan 2 15:04:05 2006",
	"Jan 2 2006 15:04:05",
	"Jan 2, 2006 15:04:05",
	"Jan 2, 2006 3:04:05 PM",
	"Jan 2, 2006 3:04 PM",
	"January 2, 2006 15:04:05",
	"January 2, 2006 3:04 PM",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"20060102T150405",
	"20060102T1504",
	"2006-01-02",
	"20060102",
	"2 Jan 2006",
	"January 2, 2006",
	"Jan 2, 2006",
)

// byShape splits layouts into those for dates isISO accepts and the rest,
// keeping their order. A layout of one shape cannot parse a date of the
// other, and every failed time.Parse allocates its error: trying only the
// right half halves parseDate's cost on a thousand-feed cycle.
func byShape(layouts ...string) (split map[bool][]string) {
	split = map[bool][]string{}
	for _, l := range layouts {
		split[isISO(l)] = append(split[isISO(l)], l)
	}
	return split
}

// isISO reports whether s starts like an ISO 8601 date, "2006-".
func isISO(s string) bool {
	return len(s) >= 5 && s[4] == '-'
}

var (
	// reWeekday matches a leading day name ("Tue,", "Tuesday ") that
	// precedes a day number. Go checks it only for syntax, and feeds get it
	// wrong often enough that ignoring it is the robust choice.
	reWeekday = regexp.MustCompile(`(?i)^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*`)
	// reTrailingComment matches "(UTC)" or "(Eastern Daylight Time)".
	reTrailingComment = regexp.MustCompile(`\s*\([^)]*\)$`)
	// reGMTOffset matches "GMT-0700" and "UTC+05:30".
	reGMTOffset = regexp.MustCompile(`(?i)\s(?:GMT|UTC)([+-]\d{2}:?\d{2})$`)
)

// parseDate reads a feed date in any form SOURCES.md lists: RFC 1123/822
// with named zones or numeric offsets, with or without seconds and
// weekday, ISO 8601, Unix epoch seconds or milliseconds, and the zone-less
// compact YYYYMMDDTHHMMSS. Zone-less forms are read as UTC. It reports
// false for anything it cannot read unambiguously, including unknown zone
// abbreviations. The result is in UTC.
func parseDate(s string) (time.Time, bool) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	if t, ok := parseEpoch(s); ok {
		return t, true
	}
	if s[0] < '0' || s[0] > '9' {
		if loc := reWeekday.FindStringIndex(s); loc != nil && loc[1] < len(s) && s[loc[1]] >= '0' && s[loc[1]] <= '9' {
			s = s[loc[1]:]
		}
	}
	s = reTrailingComment.ReplaceAllString(s, "")
	s = reGMTOffset.ReplaceAllString(s, " $1")
	iso := isISO(s)
	for _, l := range offsetLayouts[iso] {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	zone := time.UTC
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		if name := s[i+1:]; isAlpha(name) && !isMonthOrMeridiem(name) {
			off, ok := zoneOffsets[strings.ToUpper(name)]
			if !ok {
				return time.Time{}, false
			}
			zone = time.FixedZone(name, off)
			s = s[:i]
		}
	}
	if strings.HasSuffix(s, "Z") && strings.Contains(s, "T") {
		s = strings.TrimSuffix(s, "Z")
	}
	for _, l := range localLayouts[iso] {
		if t, err := time.ParseInLocation(l, s, zone); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseEpoch reads Unix seconds (9 to 11 digits) or milliseconds (12 to 14).
func parseEpoch(s string) (time.Time, bool) {
	if len(s) < 9 || len(s) > 14 {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	if len(s) >= 12 {
		return time.UnixMilli(n).UTC(), true
	}
	return time.Unix(n, 0).UTC(), true
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

func isMonthOrMeridiem(s string) bool {
	switch strings.ToLower(s) {
	case "am", "pm":
		return true
	}
	_, err := time.Parse("Jan", s)
	if err == nil {
		return true
	}
	_, err = time.Parse("January", s)
	return err == nil
}

// settleDate decides an item's publication time: the source's own date
// when it is plausible, otherwise firstSeen with estimated set. A date a
// little in the future (within futureSkew) is kept: the source's clock runs
// ahead, the story is real.
func settleDate(published, firstSeen time.Time) (t time.Time, estimated bool) {
	if published.IsZero() || published.Before(earliestDate) || published.After(firstSeen.Add(futureSkew)) {
		return firstSeen.UTC(), true
	}
	return published.UTC(), false
}
