package tickers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// v7Answer is an override that makes the v7 API answer with entries, raw
// JSON objects, whatever the fake knows: what a broken upstream sends.
func v7Answer(entries ...string) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"quoteResponse":{"result":[` + strings.Join(entries, ",") + `],"error":null}}`))
		return true
	}
}

// mpEntry is a v7 entry for MP: price and previous close as JSON numbers,
// priced at at.
func mpEntry(price, prev string, at time.Time) string {
	return fmt.Sprintf(`{"symbol":"MP","quoteType":"EQUITY","marketState":"REGULAR",`+
		`"exchangeTimezoneName":"America/New_York","regularMarketPrice":%s,`+
		`"regularMarketPreviousClose":%s,"regularMarketTime":%d}`, price, prev, at.Unix())
}

// TestGarbageQuotesNeverReachTheRules reproduces what a broken v7 answer
// did: a price of 1e300, a symbol listed twice (20 and 40, "+100 %"), a
// quote time in the future or in 1970. Each is counted and left out, and
// the chart, the next provider, prices the symbol instead.
func TestGarbageQuotesNeverReachTheRules(t *testing.T) {
	tests := []struct {
		name    string
		entries []string
		reason  string
	}{
		{"1e300", []string{mpEntry("1e300", "56.9", t0)}, rejectInvalid},
		{"previous close 1e-300", []string{mpEntry("58.41", "-1e300", t0)}, rejectInvalid},
		{"listed twice", []string{mpEntry("20", "56.9", t0), mpEntry("40", "56.9", t0)}, rejectDuplicate},
		{"quote time next week", []string{mpEntry("58.41", "56.9", t0.Add(7*24*time.Hour))}, rejectInvalid},
		{"quote time 1970", []string{mpEntry("58.41", "56.9", time.Unix(1, 0))}, rejectInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeYahoo(t)
			f.set("MP", fakeQuote{price: 58.41, prev: 56.9, volume: 9412337, at: t0})
			f.onQuote = v7Answer(tt.entries...)
			m := NewMetrics(prometheus.NewRegistry())
			p := newTestPoller(t, testConfig(t, f, []string{"MP"}, ""), newClock(t0), m, nil, nil)
			res, _ := p.Poll(testCtx(t))
			var mp *Quote
			for i := range res.Quotes {
				if res.Quotes[i].Symbol == "MP" {
					mp = &res.Quotes[i]
				}
			}
			if mp == nil || mp.Source != SourceYahooChart || mp.Price != 58.41 {
				t.Fatalf("MP: got %+v, want the chart's 58.41", mp)
			}
			if got := testutil.ToFloat64(m.rejections.WithLabelValues("MP", tt.reason)); got != 1 {
				t.Errorf("rejected{reason=%q}: got %v, want 1", tt.reason, got)
			}
		})
	}
}

// TestJumpsWaitForConfirmation: a price far from the last accepted one
// reaches the rules only once another quote agrees: the next provider in
// the same poll, or the next poll.
func TestJumpsWaitForConfirmation(t *testing.T) {
	f := newFakeYahoo(t)
	f.set("MP", fakeQuote{price: 58.41, prev: 56.9, volume: 9412337, at: t0})
	clock := newClock(t0)
	m := NewMetrics(prometheus.NewRegistry())
	cfg := testConfig(t, f, []string{"MP"}, "providers: [yahoo]\n")
	p := newTestPoller(t, cfg, clock, m, nil, nil)
	price := func() float64 {
		t.Helper()
		res, _ := p.Poll(testCtx(t))
		for _, q := range res.Quotes {
			if q.Symbol == "MP" {
				return q.Price
			}
		}
		return 0
	}
	if got := price(); got != 58.41 {
		t.Fatalf("first poll: %v, want 58.41", got)
	}
	// Yahoo now says 131.2 (+125 %): held, not handed on.
	clock.Advance(time.Minute)
	f.set("MP", fakeQuote{price: 131.2, prev: 56.9, volume: 9412337, at: clock.Now()})
	if got := price(); got != 0 {
		t.Fatalf("unconfirmed jump: got %v, want no quote", got)
	}
	if got := testutil.ToFloat64(m.rejections.WithLabelValues("MP", rejectJump)); got != 1 {
		t.Errorf("rejected{reason=jump}: got %v, want 1", got)
	}
	// The next poll agrees (131.9 is within 10 %): the move is real.
	clock.Advance(time.Minute)
	f.set("MP", fakeQuote{price: 131.9, prev: 56.9, volume: 9412337, at: clock.Now()})
	if got := price(); got != 131.9 {
		t.Fatalf("confirmed by the next poll: got %v, want 131.9", got)
	}

	// With the chart after v7 in the chain, the chart's agreement confirms
	// a jump within the same poll, and its disagreement wins.
	f2 := newFakeYahoo(t)
	f2.set("MP", fakeQuote{price: 58.41, prev: 56.9, at: t0})
	p2 := newTestPoller(t, testConfig(t, f2, []string{"MP"}, ""), clock, nil, nil, nil)
	if _, err := p2.Poll(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		v7, chart float64
		want      Quote
	}{
		{v7: 140, chart: 141, want: Quote{Price: 141, Source: SourceYahooChart}},
		{v7: 1400, chart: 139, want: Quote{Price: 139, Source: SourceYahooChart}},
	} {
		clock.Advance(time.Minute)
		f2.set("MP", fakeQuote{price: tc.chart, prev: 56.9, at: clock.Now()})
		f2.onQuote = v7Answer(mpEntry(fmt.Sprint(tc.v7), "56.9", clock.Now()))
		res, _ := p2.Poll(testCtx(t))
		if len(res.Quotes) == 0 || res.Quotes[0].Price != tc.want.Price || res.Quotes[0].Source != tc.want.Source {
			t.Errorf("v7 %v, chart %v: got %+v, want %v from %s", tc.v7, tc.chart, res.Quotes, tc.want.Price, tc.want.Source)
		}
	}
}
