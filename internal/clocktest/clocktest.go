// Package clocktest pins the daemon's clock for tests: the instants at
// which the clock-sensitive end-to-end tests run (a weekend, a holiday, the
// night, a session, a year ahead), found from the real date so that no
// test carries a date that ages, and a clock that starts at one of them.
package clocktest

import (
	"testing"
	"time"

	"github.com/monitord/monitord/internal/tickers"
)

// Instant is a moment a test pins the daemon's clock at.
type Instant struct {
	// Name says what kind of moment it is, for subtest names.
	Name string
	At   time.Time
}

// Instants are the moments the clock-sensitive end-to-end tests run at:
// the next Saturday, the next NYSE full-day holiday and the next 03:00 in
// New York (the market closed for three different reasons), the middle of
// the next trading day's regular session, and one year from now. They are
// found from now by the exchange calendar, so the tests mean the same on
// any day they run: no date is written down to age.
func Instants(t testing.TB, now time.Time) []Instant {
	t.Helper()
	cal, err := tickers.NewCalendar(nil)
	if err != nil {
		t.Fatal(err)
	}
	ny := cal.Location()
	local := now.In(ny)
	day := func(offset int, hour, minute int) time.Time {
		y, m, d := local.Date()
		return time.Date(y, m, d+offset, hour, minute, 0, 0, ny)
	}
	find := func(what string, ok func(time.Time) bool) time.Time {
		for i := 1; i <= 400; i++ {
			if at := day(i, 12, 30); ok(at) {
				return at
			}
		}
		t.Fatalf("no %s within 400 days of %s", what, now)
		return time.Time{}
	}
	threeAM := day(0, 3, 0)
	if !threeAM.After(now) {
		threeAM = day(1, 3, 0)
	}
	return []Instant{
		{"saturday", find("Saturday", func(t time.Time) bool { return t.Weekday() == time.Saturday })},
		{"holiday", find("NYSE holiday", func(t time.Time) bool {
			_, h := cal.Holiday(t)
			return h && t.Weekday() != time.Saturday && t.Weekday() != time.Sunday
		})},
		{"3am-new-york", threeAM},
		{"mid-session", find("trading day", func(t time.Time) bool {
			return cal.Session(t) == tickers.SessionRegular
		})},
		{"next-year", now.AddDate(1, 0, 0)},
	}
}

// Clock returns a clock that reads at now and runs at the wall clock's
// pace from there: a daemon pinned at a Saturday still sees seconds
// pass, so its backoffs, timeouts and ages behave.
func Clock(at time.Time) func() time.Time {
	start := time.Now()
	return func() time.Time { return at.Add(time.Since(start)) }
}
