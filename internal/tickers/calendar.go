package tickers

import (
	"fmt"
	"time"
)

// Session is a phase of the exchange's trading day.
type Session int

// The sessions of a US equity trading day (Eastern time): pre-market
// 04:00–09:30, regular 09:30–16:00 (13:00 on early-close days), post-market
// until four hours after the close. Anything else is closed.
const (
	SessionClosed Session = iota
	SessionPre
	SessionRegular
	SessionPost
)

func (s Session) String() string {
	switch s {
	case SessionPre:
		return "pre"
	case SessionRegular:
		return "regular"
	case SessionPost:
		return "post"
	}
	return "closed"
}

// MarketState is the session in Yahoo's words (PRE, REGULAR, POST, CLOSED).
func (s Session) MarketState() string {
	switch s {
	case SessionPre:
		return MarketStatePre
	case SessionRegular:
		return MarketStateRegular
	case SessionPost:
		return MarketStatePost
	}
	return MarketStateClosed
}

// SessionOf maps Yahoo's marketState to a Session; PREPRE and POSTPOST (the
// hours around the extended sessions) are closed. ok is false for a word
// Yahoo is not known to send.
func SessionOf(marketState string) (s Session, ok bool) {
	switch marketState {
	case "PRE":
		return SessionPre, true
	case "REGULAR":
		return SessionRegular, true
	case "POST":
		return SessionPost, true
	case "CLOSED", "PREPRE", "POSTPOST":
		return SessionClosed, true
	}
	return SessionClosed, false
}

// Calendar is the NYSE trading calendar, computed from the exchange's
// rules for any year (NYSE Rule 7.2 and its published schedules): the
// regular holidays with their observed dates, the 13:00 early closes, and
// any extra closures the configuration lists. Times are Eastern; the
// methods accept any time.Time and answer for the Eastern date it falls on.
// A Calendar is immutable and safe for concurrent use.
type Calendar struct {
	loc   *time.Location
	extra map[civil]bool
}

// civil is a calendar date without a zone.
type civil struct {
	y int
	m time.Month
	d int
}

func civilOf(t time.Time) civil { y, m, d := t.Date(); return civil{y, m, d} }

// NewCalendar returns the NYSE calendar. extraClosures are dates
// (YYYY-MM-DD) the exchange closes beyond its rules, such as a national day
// of mourning (2025-01-09).
func NewCalendar(extraClosures []string) (*Calendar, error) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		return nil, fmt.Errorf("load exchange time zone: %w", err)
	}
	c := &Calendar{loc: loc, extra: map[civil]bool{}}
	for _, s := range extraClosures {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, fmt.Errorf("extra closure %q is not a date like 2025-01-09", s)
		}
		c.extra[civilOf(t)] = true
	}
	return c, nil
}

// Location is the exchange's time zone (America/New_York).
func (c *Calendar) Location() *time.Location { return c.loc }

// Holiday returns the name of the holiday or closure that shuts the
// exchange on t's date, or false.
func (c *Calendar) Holiday(t time.Time) (string, bool) {
	d := civilOf(t.In(c.loc))
	if c.extra[d] {
		return "Special closure", true
	}
	for _, h := range holidays(d.y) {
		if h.date == d {
			return h.name, true
		}
	}
	return "", false
}

// IsTradingDay reports whether the exchange opens on t's date.
func (c *Calendar) IsTradingDay(t time.Time) bool {
	t = t.In(c.loc)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	_, holiday := c.Holiday(t)
	return !holiday
}

// IsEarlyClose reports whether t's date is a trading day that closes at
// 13:00: the day before Independence Day, the day after Thanksgiving and
// Christmas Eve, each only when it is itself a trading day.
func (c *Calendar) IsEarlyClose(t time.Time) bool {
	t = t.In(c.loc)
	if !c.IsTradingDay(t) {
		return false
	}
	d := civilOf(t)
	switch {
	case d.m == time.July && d.d == 3, d.m == time.December && d.d == 24:
		return true
	case d.m == time.November:
		return d == addDays(nthWeekday(d.y, time.November, time.Thursday, 4), 1)
	}
	return false
}

// OpenClose returns the regular session's open and close on t's date, and
// false when the exchange does not open that day.
func (c *Calendar) OpenClose(t time.Time) (open, close time.Time, ok bool) {
	t = t.In(c.loc)
	if !c.IsTradingDay(t) {
		return time.Time{}, time.Time{}, false
	}
	y, m, d := t.Date()
	open = time.Date(y, m, d, 9, 30, 0, 0, c.loc)
	close = time.Date(y, m, d, 16, 0, 0, 0, c.loc)
	if c.IsEarlyClose(t) {
		close = time.Date(y, m, d, 13, 0, 0, 0, c.loc)
	}
	return open, close, true
}

// Session returns the session in progress at t.
func (c *Calendar) Session(t time.Time) Session {
	s, _ := c.session(t)
	return s
}

// session returns the session at t and when it began.
func (c *Calendar) session(t time.Time) (Session, time.Time) {
	open, close, ok := c.OpenClose(t)
	if !ok {
		return SessionClosed, time.Time{}
	}
	y, m, d := open.Date()
	pre := time.Date(y, m, d, 4, 0, 0, 0, c.loc)
	switch {
	case t.Before(pre):
		return SessionClosed, time.Time{}
	case t.Before(open):
		return SessionPre, pre
	case t.Before(close):
		return SessionRegular, open
	case t.Before(close.Add(4 * time.Hour)):
		return SessionPost, close
	}
	return SessionClosed, time.Time{}
}

// maxScan bounds searches for the next trading day; the longest NYSE
// closure since 1933 was four weekdays (September 2001).
const maxScan = 30

// NextOpen returns the first regular-session open strictly after t.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	day := t.In(c.loc)
	for range maxScan {
		if open, _, ok := c.OpenClose(day); ok && open.After(t) {
			return open
		}
		day = nextDay(day)
	}
	return time.Time{}
}

// SessionClose returns the close of the regular session in progress at t,
// or, when none is, of the next one: the first regular close at or after t.
func (c *Calendar) SessionClose(t time.Time) time.Time {
	day := t.In(c.loc)
	for range maxScan {
		if _, close, ok := c.OpenClose(day); ok && !close.Before(t) {
			return close
		}
		day = nextDay(day)
	}
	return time.Time{}
}

// nextDay returns noon of the following Eastern date, safe across DST.
func nextDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 12, 0, 0, 0, t.Location())
}
