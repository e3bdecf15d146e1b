package feeds

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 in UTC; "" means not parsed
	}{
		// RFC 1123 with named zones, including the US ones Go does not know.
		{"Wed, 26 Aug 2026 08:15:00 EDT", "2026-08-26T12:15:00Z"},
		{"Tue, 25 Aug 2026 16:40:00 EST", "2026-08-25T21:40:00Z"},
		{"Tue, 25 Aug 2026 16:40:00 PDT", "2026-08-25T23:40:00Z"},
		{"Tue, 25 Aug 2026 16:40:00 CEST", "2026-08-25T14:40:00Z"},
		{"Fri, 25 Sep 2026 13:53:48 GMT", "2026-09-25T13:53:48Z"},
		{"Fri, 25 Sep 2026 13:53:48 UTC", "2026-09-25T13:53:48Z"},
		{"Fri, 25 Sep 2026 13:53:48 UT", "2026-09-25T13:53:48Z"},
		{"Wed, 26 Aug 2026 09:00:00 AEST", "2026-08-25T23:00:00Z"},
		// An unknown abbreviation is refused rather than read as UTC.
		{"Wed, 26 Aug 2026 08:15:00 XYZT", ""},
		{"Wed, 26 Aug 2026 08:15:00 ET", ""},
		// GlobeNewswire: no seconds.
		{"Tue, 25 Aug 2026 11:30 GMT", "2026-08-25T11:30:00Z"},
		{"Tue, 25 Aug 2026 11:30 -0400", "2026-08-25T15:30:00Z"},
		// Numeric offsets (Seeking Alpha, Yahoo RSS).
		{"Thu, 06 Aug 2026 21:54:10 -0400", "2026-08-07T01:54:10Z"},
		{"Sat, 01 Aug 2026 20:57:44 +0000", "2026-08-01T20:57:44Z"},
		{"Sat, 1 Aug 2026 20:57:44 +0530", "2026-08-01T15:27:44Z"},
		{"01 Aug 2026 20:57:44 -0700", "2026-08-02T03:57:44Z"},
		{"Sat, 01 Aug 2026 20:57:44 +0000 (UTC)", "2026-08-01T20:57:44Z"},
		{"Sat, 01 Aug 2026 20:57:44 GMT-0700", "2026-08-02T03:57:44Z"},
		// No space after the comma, full month and day names, wrong weekday.
		{"Mon,02 January 2026 15:04:05 EST", "2026-01-02T20:04:05Z"},
		{"Tuesday, 25 August 2026 11:30:00 GMT", "2026-08-25T11:30:00Z"},
		{"Mon, 25 Aug 2026 11:30:00 GMT", "2026-08-25T11:30:00Z"},
		// ISO 8601 / RFC 3339 (EDGAR, Atom, JSON Feed).
		{"2025-10-31T06:01:26-04:00", "2025-10-31T10:01:26Z"},
		{"2026-08-25T18:00:00.250Z", "2026-08-25T18:00:00.25Z"},
		{"2026-08-25T18:00:00+0100", "2026-08-25T17:00:00Z"},
		{"2026-08-25 18:00:00 -0400", "2026-08-25T22:00:00Z"},
		{"2026-08-25T18:00", "2026-08-25T18:00:00Z"},
		{"2026-08-25 18:00:00", "2026-08-25T18:00:00Z"},
		{"2026-08-25", "2026-08-25T00:00:00Z"},
		// Zone-less compact form (Alpha Vantage, dc:date in the wild): UTC.
		{"20260827T143000", "2026-08-27T14:30:00Z"},
		{"20260827T1430", "2026-08-27T14:30:00Z"},
		// Epoch seconds and milliseconds (Yahoo providerPublishTime).
		{"1787657400", "2026-08-25T11:30:00Z"},
		{"1787657400123", "2026-08-25T11:30:00.123Z"},
		// US style.
		{"Aug 25, 2026 3:04 PM", "2026-08-25T15:04:00Z"},
		{"August 25, 2026", "2026-08-25T00:00:00Z"},
		// Garbage.
		{"", ""},
		{"   ", ""},
		{"yesterday", ""},
		{"Tue, 32 Aug 2026 11:30 GMT", ""},
		{"2026-13-01T00:00:00Z", ""},
		{"12345", ""},
		{"-1787657400", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseDate(tt.in)
			if tt.want == "" {
				if ok {
					t.Fatalf("parseDate(%q) = %v, want failure", tt.in, got)
				}
				return
			}
			if !ok {
				t.Fatalf("parseDate(%q) failed, want %s", tt.in, tt.want)
			}
			if want := utc(tt.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("parseDate(%q) = %v, want %v", tt.in, got, want)
			}
		})
	}
}

func TestSettleDate(t *testing.T) {
	seen := utc("2026-08-26T15:00:00Z")
	tests := []struct {
		name          string
		published     time.Time
		want          time.Time
		wantEstimated bool
	}{
		{"plausible", utc("2026-08-26T12:00:00Z"), utc("2026-08-26T12:00:00Z"), false},
		{"old but real", utc("2010-07-12T09:00:00Z"), utc("2010-07-12T09:00:00Z"), false},
		{"missing", time.Time{}, seen, true},
		{"absurdly old", utc("1970-01-01T00:00:00Z"), seen, true},
		{"a little ahead", seen.Add(5 * time.Minute), seen.Add(5 * time.Minute), false},
		{"far future", seen.Add(20 * 24 * time.Hour), seen, true},
		{"beyond the skew", seen.Add(futureSkew + time.Second), seen, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, est := settleDate(tt.published, seen)
			if !got.Equal(tt.want) || est != tt.wantEstimated {
				t.Errorf("settleDate(%v) = %v, %v; want %v, %v", tt.published, got, est, tt.want, tt.wantEstimated)
			}
		})
	}
}
