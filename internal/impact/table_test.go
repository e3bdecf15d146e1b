package impact

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestWriteTable(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	at := time.Date(2026, 6, 16, 14, 0, 0, 0, time.UTC)
	events := []Event{{
		ID: "s1", Title: "MP Materials signs magnet supply deal with automaker", Time: at,
		Impacts: []Impact{{
			Ticker:    "MP",
			Reference: Measure{Status: StatusMeasured, Price: 20},
			Horizons: []Horizon{
				{Name: "5m", Measure: Measure{Status: StatusMeasured}, MovePct: f(5), AbnormalPct: f(4.5)},
				{Name: "15m", Measure: Measure{Status: StatusNoData}},
				{Name: "1h", Measure: Measure{Status: StatusMeasured, BenchmarkMissing: true}, MovePct: f(-2)},
				{Name: "close", Measure: Measure{Status: StatusPending}},
			},
		}},
	}}
	var buf bytes.Buffer
	if err := WriteTable(&buf, events); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	for _, want := range []string{"5M", "CLOSE", "20.00", "+4.5%", "n/a", "-2.0% raw", "…", "MP Materials signs magnet"} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	buf.Reset()
	if err := WriteTable(&buf, nil); err != nil || !strings.Contains(buf.String(), "no matched story") {
		t.Errorf("empty table: got %q, %v", buf.String(), err)
	}
}
