package tickers

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The exchange's published schedules (nyse.com "Holidays & Trading Hours").
var nyseYears = []struct {
	year        int
	extra       []string
	holidays    []string
	earlyCloses []string
}{
	{
		year:  2025,
		extra: []string{"2025-01-09"}, // National Day of Mourning for President Carter
		holidays: []string{"2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26",
			"2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25"},
		earlyCloses: []string{"2025-07-03", "2025-11-28", "2025-12-24"},
	},
	{
		year: 2026,
		holidays: []string{"2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25",
			"2026-06-19", "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25"},
		earlyCloses: []string{"2026-11-27", "2026-12-24"},
	},
	{
		year: 2027,
		holidays: []string{"2027-01-01", "2027-01-18", "2027-02-15", "2027-03-26", "2027-05-31",
			"2027-06-18", "2027-07-05", "2027-09-06", "2027-11-25", "2027-12-24"},
		earlyCloses: []string{"2027-11-26"},
	},
	{
		// New Year's Day 2022 fell on a Saturday and was not observed on
		// Friday 2021-12-31; Juneteenth was first observed on Monday 2022-06-20.
		year: 2022,
		holidays: []string{"2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30", "2022-06-20",
			"2022-07-04", "2022-09-05", "2022-11-24", "2022-12-26"},
		earlyCloses: []string{"2022-11-25"},
	},
	{
		// Juneteenth was not yet an exchange holiday; Christmas on a
		// Saturday moved to Friday 12-24, with no early close on 12-23.
		year: 2021,
		holidays: []string{"2021-01-01", "2021-01-18", "2021-02-15", "2021-04-02", "2021-05-31",
			"2021-07-05", "2021-09-06", "2021-11-25", "2021-12-24"},
		earlyCloses: []string{"2021-11-26"},
	},
	{
		// Christmas Eve on a Monday closes early.
		year: 2018,
		holidays: []string{"2018-01-01", "2018-01-15", "2018-02-19", "2018-03-30", "2018-05-28",
			"2018-07-04", "2018-09-03", "2018-11-22", "2018-12-05", "2018-12-25"},
		extra:       []string{"2018-12-05"}, // National Day of Mourning for President G. H. W. Bush
		earlyCloses: []string{"2018-07-03", "2018-11-23", "2018-12-24"},
	},
}

func TestCalendarYears(t *testing.T) {
	for _, y := range nyseYears {
		t.Run(time.Date(y.year, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006"), func(t *testing.T) {
			cal, err := NewCalendar(y.extra)
			if err != nil {
				t.Fatal(err)
			}
			var holidays, early []string
			tradingDays := 0
			for d := time.Date(y.year, 1, 1, 12, 0, 0, 0, cal.Location()); d.Year() == y.year; d = d.AddDate(0, 0, 1) {
				wd := d.Weekday()
				if wd == time.Saturday || wd == time.Sunday {
					if cal.IsTradingDay(d) {
						t.Errorf("%s (%s): got a trading day, want closed", d.Format(time.DateOnly), wd)
					}
					continue
				}
				if !cal.IsTradingDay(d) {
					holidays = append(holidays, d.Format(time.DateOnly))
					continue
				}
				tradingDays++
				if cal.IsEarlyClose(d) {
					early = append(early, d.Format(time.DateOnly))
				}
			}
			if diff := cmp.Diff(y.holidays, holidays); diff != "" {
				t.Errorf("weekday closures (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(y.earlyCloses, early); diff != "" {
				t.Errorf("early closes (-want +got):\n%s", diff)
			}
			if tradingDays < 248 || tradingDays > 253 {
				t.Errorf("got %d trading days, want about 250", tradingDays)
			}
		})
	}
}

func TestHolidayNames(t *testing.T) {
	cal, err := NewCalendar(nil)
	if err != nil {
		t.Fatal(err)
	}
	for day, want := range map[string]string{
		"2026-04-03": "Good Friday", "2027-06-18": "Juneteenth", "2026-07-03": "Independence Day",
		"2027-12-24": "Christmas Day", "2025-01-20": "Martin Luther King Jr. Day",
	} {
		d, _ := time.ParseInLocation(time.DateOnly, day, cal.Location())
		if got, ok := cal.Holiday(d); !ok || got != want {
			t.Errorf("Holiday(%s): got %q, %v; want %q", day, got, ok, want)
		}
	}
}

func TestEaster(t *testing.T) {
	for year, want := range map[int]string{
		2000: "2000-04-23", 2008: "2008-03-23", 2011: "2011-04-24", 2019: "2019-04-21", 2024: "2024-03-31",
		2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28", 2038: "2038-04-25", 2285: "2285-03-22",
	} {
		e := easter(year)
		if got := e.time().Format(time.DateOnly); got != want {
			t.Errorf("easter(%d): got %s, want %s", year, got, want)
		}
	}
}

func TestSession(t *testing.T) {
	cal, err := NewCalendar(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		at   string // New York wall clock
		want Session
	}{
		{"2026-06-16 03:59", SessionClosed},
		{"2026-06-16 04:00", SessionPre},
		{"2026-06-16 09:29", SessionPre},
		{"2026-06-16 09:30", SessionRegular},
		{"2026-06-16 15:59", SessionRegular},
		{"2026-06-16 16:00", SessionPost},
		{"2026-06-16 19:59", SessionPost},
		{"2026-06-16 20:00", SessionClosed},
		{"2026-11-27 12:59", SessionRegular}, // day after Thanksgiving
		{"2026-11-27 13:00", SessionPost},
		{"2026-11-27 16:59", SessionPost},
		{"2026-11-27 17:00", SessionClosed},
		{"2026-06-20 11:00", SessionClosed},  // Saturday
		{"2026-04-03 11:00", SessionClosed},  // Good Friday
		{"2026-03-09 09:30", SessionRegular}, // first Monday of daylight saving time
		{"2026-11-02 09:29", SessionPre},     // first Monday of standard time
	}
	for _, tt := range tests {
		if got := cal.Session(ny(t, tt.at)); got != tt.want {
			t.Errorf("Session(%s): got %s, want %s", tt.at, got, tt.want)
		}
	}
	// The same instant from another zone gets the same answer.
	if got := cal.Session(time.Date(2026, 11, 2, 14, 30, 0, 0, time.UTC)); got != SessionRegular {
		t.Errorf("Session(2026-11-02T14:30Z): got %s, want regular", got)
	}
}

func TestNextOpenAndSessionClose(t *testing.T) {
	cal, err := NewCalendar(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		at, nextOpen, sessionClose string
	}{
		{"2026-06-16 08:00", "2026-06-16 09:30", "2026-06-16 16:00"},
		{"2026-06-16 09:30", "2026-06-17 09:30", "2026-06-16 16:00"},
		{"2026-06-16 12:00", "2026-06-17 09:30", "2026-06-16 16:00"},
		{"2026-06-16 16:00", "2026-06-17 09:30", "2026-06-16 16:00"},
		{"2026-06-16 17:30", "2026-06-17 09:30", "2026-06-17 16:00"},
		{"2026-06-18 18:00", "2026-06-22 09:30", "2026-06-22 16:00"}, // Juneteenth Friday, then the weekend
		{"2026-04-02 17:00", "2026-04-06 09:30", "2026-04-06 16:00"}, // Good Friday
		{"2026-11-27 10:00", "2026-11-30 09:30", "2026-11-27 13:00"}, // early close
		{"2026-12-23 20:00", "2026-12-24 09:30", "2026-12-24 13:00"},
		{"2026-12-31 18:00", "2027-01-04 09:30", "2027-01-04 16:00"},
		{"2026-03-06 20:00", "2026-03-09 09:30", "2026-03-09 16:00"}, // across the DST change
	}
	for _, tt := range tests {
		at := ny(t, tt.at)
		if got, want := cal.NextOpen(at), ny(t, tt.nextOpen); !got.Equal(want) {
			t.Errorf("NextOpen(%s): got %s, want %s", tt.at, got.In(cal.Location()), want)
		}
		if got, want := cal.SessionClose(at), ny(t, tt.sessionClose); !got.Equal(want) {
			t.Errorf("SessionClose(%s): got %s, want %s", tt.at, got.In(cal.Location()), want)
		}
	}
}

func TestOpenClose(t *testing.T) {
	cal, err := NewCalendar(nil)
	if err != nil {
		t.Fatal(err)
	}
	open, close, ok := cal.OpenClose(ny(t, "2025-07-03 22:00"))
	if !ok || !open.Equal(ny(t, "2025-07-03 09:30")) || !close.Equal(ny(t, "2025-07-03 13:00")) {
		t.Errorf("OpenClose(2025-07-03): got %s–%s %v, want 09:30–13:00", open, close, ok)
	}
	if _, _, ok := cal.OpenClose(ny(t, "2025-07-04 10:00")); ok {
		t.Errorf("OpenClose(2025-07-04): got open, want closed")
	}
}

func TestCalendarRejectsBadExtraClosure(t *testing.T) {
	if _, err := NewCalendar([]string{"2025-13-01"}); err == nil {
		t.Errorf("got no error for month 13, want one")
	}
}

func TestSessionOf(t *testing.T) {
	for in, want := range map[string]Session{"PRE": SessionPre, "REGULAR": SessionRegular, "POST": SessionPost,
		"POSTPOST": SessionClosed, "PREPRE": SessionClosed, "CLOSED": SessionClosed} {
		if got, ok := SessionOf(in); !ok || got != want {
			t.Errorf("SessionOf(%q): got %s %v, want %s", in, got, ok, want)
		}
	}
	if _, ok := SessionOf("LUNCH"); ok {
		t.Errorf("SessionOf(LUNCH): got ok, want not")
	}
}
