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
// configuration's comment and the README's "Default sources": a quiet hour
// of the regular session costs fewer than 200 requests, quotes and every
// enabled feed's URLs together (an adaptive feed asks no more often than
// its schedule while it is quiet).
func TestBuiltinRequestBudget(t *testing.T) {
	cfg, err := Load(configs.Default, "")
	if err != nil {
		t.Fatal(err)
	}
	perHour := func(spec string) float64 {
		t.Helper()
		s, err := ParseSchedule(spec, time.UTC)
		if err != nil {
			t.Fatalf("schedule %q: %v", spec, err)
		}
		every, ok := s.(cron.ConstantDelaySchedule)
		if !ok {
			t.Fatalf("schedule %q is not @every: count its runs here", spec)
		}
		return float64(time.Hour) / float64(every.Delay)
	}
	symbols := len(cfg.Tickers) + 1 // and the benchmark
	costs := map[string]float64{"quotes": perHour(cfg.Quotes.Schedule) * float64((symbols+cfg.Quotes.Yahoo.BatchSize-1)/cfg.Quotes.Yahoo.BatchSize)}
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
		costs[f.Name] = perHour(f.Schedule) * float64(urls)
	}
	total := 0.0
	var lines []string
	for name, n := range costs {
		total += n
		lines = append(lines, fmt.Sprintf("%s: %g", name, n))
	}
	if total >= 200 {
		t.Errorf("a quiet hour costs %g requests, want fewer than 200:\n%s", total, strings.Join(lines, "\n"))
	}
	if _, ok := costs["federal-register-inspection"]; !ok {
		t.Errorf("the built-in configuration does not poll the Federal Register's public inspection list")
	}
}
