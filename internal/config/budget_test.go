package config

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/monitord/monitord/configs"
)

// TestBuiltinRequestBudget keeps the promise of the built-in
// configuration's comment and the README's "Default sources": every hour of
// a business week costs fewer than 200 requests while the sources are
// quiet, quotes (in the regular session) and every enabled feed's URLs
// together (an adaptive feed asks no more often than its schedule while it
// is quiet), and every enabled feed but the Federal Register's published
// documents is asked at least every 2 minutes while it runs.
func TestBuiltinRequestBudget(t *testing.T) {
	cfg, err := Load(configs.Default, "")
	if err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	// A business week with no holiday; the schedules do not know the
	// date, only the weekday and the hour.
	monday := time.Date(2026, time.March, 2, 0, 0, 0, 0, ny)
	inSession := func(at time.Time) bool {
		at = at.In(ny)
		mins := at.Hour()*60 + at.Minute()
		return at.Weekday() >= time.Monday && at.Weekday() <= time.Friday && mins >= 9*60+30 && mins < 16*60
	}
	// runs counts a schedule's runs in [from, from+1h), those for which
	// keep says yes.
	runs := func(spec string, from time.Time, keep func(time.Time) bool) int {
		t.Helper()
		s, err := ParseSchedule(spec, ny)
		if err != nil {
			t.Fatalf("schedule %q: %v", spec, err)
		}
		first, next := s.Next(from.Add(-time.Nanosecond)), s.Next
		if c, ok := s.(cron.ConstantDelaySchedule); ok {
			// Runs every Delay from whenever the daemon started: count
			// them from the hour's start.
			first, next = from, func(at time.Time) time.Time { return at.Add(c.Delay) }
		}
		n := 0
		for at := first; at.Before(from.Add(time.Hour)); at = next(at) {
			if keep(at) {
				n++
			}
		}
		return n
	}
	always := func(time.Time) bool { return true }

	symbols := len(cfg.Tickers) + 1 // and the benchmark
	quoteBatches := (symbols + cfg.Quotes.Yahoo.BatchSize - 1) / cfg.Quotes.Yahoo.BatchSize
	worst, worstAt := 0, monday
	var worstLines []string
	for h := 0; h < 7*24; h++ {
		from := monday.Add(time.Duration(h) * time.Hour)
		total := 0
		var lines []string
		if n := runs(cfg.Quotes.Schedule, from, inSession); n > 0 {
			total += n * quoteBatches
			lines = append(lines, fmt.Sprintf("quotes: %d", n*quoteBatches))
		}
		for _, f := range cfg.Feeds {
			if !f.IsEnabled(cfg.Global) {
				continue
			}
			urls := 1
			switch {
			case f.PerTicker:
				urls = len(cfg.Tickers)
			case f.Batched():
				urls = (len(cfg.Tickers) + f.BatchSize - 1) / f.BatchSize
			}
			if n := runs(f.Schedule, from, always) * urls; n > 0 {
				total += n
				lines = append(lines, fmt.Sprintf("%s: %d", f.Name, n))
			}
		}
		if total > worst {
			worst, worstAt, worstLines = total, from, lines
		}
	}
	if worst >= 200 {
		t.Errorf("the hour from %s costs %d requests, want fewer than 200:\n%s", worstAt.Format("Mon 15:04 MST"), worst, strings.Join(worstLines, "\n"))
	}
	t.Logf("the busiest hour, from %s, costs %d requests: %s", worstAt.Format("Mon 15:04 MST"), worst, strings.Join(worstLines, ", "))

	polled := map[string]bool{}
	for _, f := range cfg.Feeds {
		if !f.IsEnabled(cfg.Global) {
			continue
		}
		polled[f.Name] = true
		if f.Name == "federal-register-documents" {
			continue
		}
		s, err := ParseSchedule(f.Schedule, ny)
		if err != nil {
			t.Fatal(err)
		}
		// The longest wait between two runs in an hour that has runs.
		for h := 0; h < 7*24; h++ {
			from := monday.Add(time.Duration(h) * time.Hour)
			prev := s.Next(from.Add(-time.Nanosecond))
			for at := s.Next(prev); prev.Before(from.Add(time.Hour)); prev, at = at, s.Next(at) {
				if gap := at.Sub(prev); gap > 2*time.Minute && at.Before(from.Add(time.Hour)) {
					t.Errorf("feed %s: %v between polls at %s, want at most 2m while it runs", f.Name, gap, prev.Format("Mon 15:04 MST"))
					break
				}
			}
		}
	}
	for _, name := range []string{"federal-register-inspection", "dod-contracts"} {
		if !polled[name] {
			t.Errorf("the built-in configuration does not poll %s", name)
		}
	}
}
