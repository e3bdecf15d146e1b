package tickers

import "time"

// holiday is a date on which the NYSE is closed all day.
type holiday struct {
	date civil
	name string
}

// holidays returns the NYSE's full-day holidays of year, as observed. The
// rules (NYSE Rule 7.2 and the exchange's published calendars):
//   - a holiday on a Sunday is observed the following Monday;
//   - a holiday on a Saturday is observed the preceding Friday, unless that
//     Friday ends a monthly or yearly accounting period: so New Year's Day
//     on a Saturday is not observed at all (the exchange opened on
//     2021-12-31);
//   - Juneteenth has been a holiday since 2022, Martin Luther King Jr. Day
//     since 1998.
//
// Every observed date falls within year itself.
func holidays(year int) []holiday {
	hs := make([]holiday, 0, 10)
	add := func(d civil, ok bool, name string) {
		if ok {
			hs = append(hs, holiday{d, name})
		}
	}
	d, ok := observed(civil{year, time.January, 1})
	add(d, ok, "New Year's Day")
	if year >= 1998 {
		add(nthWeekday(year, time.January, time.Monday, 3), true, "Martin Luther King Jr. Day")
	}
	add(nthWeekday(year, time.February, time.Monday, 3), true, "Washington's Birthday")
	add(addDays(easter(year), -2), true, "Good Friday")
	add(lastWeekday(year, time.May, time.Monday), true, "Memorial Day")
	if year >= 2022 {
		d, ok = observed(civil{year, time.June, 19})
		add(d, ok, "Juneteenth")
	}
	d, ok = observed(civil{year, time.July, 4})
	add(d, ok, "Independence Day")
	add(nthWeekday(year, time.September, time.Monday, 1), true, "Labor Day")
	add(nthWeekday(year, time.November, time.Thursday, 4), true, "Thanksgiving Day")
	d, ok = observed(civil{year, time.December, 25})
	add(d, ok, "Christmas Day")
	return hs
}

// observed moves a fixed-date holiday off the weekend: Sunday to Monday,
// Saturday to Friday unless that Friday is the last weekday of its month.
func observed(d civil) (civil, bool) {
	switch weekday(d) {
	case time.Sunday:
		return addDays(d, 1), true
	case time.Saturday:
		fri := addDays(d, -1)
		if addDays(fri, 3).m != fri.m {
			return civil{}, false
		}
		return fri, true
	}
	return d, true
}

// easter returns Easter Sunday of the Gregorian year (the anonymous
// Gregorian algorithm, Meeus/Jones/Butcher).
func easter(year int) civil {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return civil{year, time.Month(month), day}
}

// nthWeekday returns the n-th (1-based) wd of month.
func nthWeekday(year int, month time.Month, wd time.Weekday, n int) civil {
	first := civil{year, month, 1}
	offset := (int(wd) - int(weekday(first)) + 7) % 7
	return addDays(first, offset+7*(n-1))
}

// lastWeekday returns the last wd of month.
func lastWeekday(year int, month time.Month, wd time.Weekday) civil {
	last := addDays(civil{year, month + 1, 1}, -1)
	offset := (int(weekday(last)) - int(wd) + 7) % 7
	return addDays(last, -offset)
}

func (d civil) time() time.Time { return time.Date(d.y, d.m, d.d, 12, 0, 0, 0, time.UTC) }

func weekday(d civil) time.Weekday { return d.time().Weekday() }

func addDays(d civil, n int) civil {
	y, m, dd := d.time().AddDate(0, 0, n).Date()
	return civil{y, m, dd}
}
