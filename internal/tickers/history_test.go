package tickers

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/monitord/monitord/internal/store"
)

func testQuote(symbol string, price float64, at time.Time) Quote {
	return Quote{Symbol: symbol, Price: price, PreviousClose: 56.9, Volume: 1000, QuoteTime: at,
		FetchedAt: at.Add(2 * time.Second), Source: SourceYahoo, MarketState: MarketStateRegular}
}

func point(price float64, at time.Time) Point {
	return Point{Time: at, Price: price, PreviousClose: 56.9, Volume: 1000, Source: SourceYahoo,
		MarketState: MarketStateRegular, FetchedAt: at.Add(2 * time.Second)}
}

func TestHistoryAtRangeLatest(t *testing.T) {
	h := NewHistory(openStore(t), 14*24*time.Hour)
	base := ny(t, "2026-06-16 09:30")
	min := func(n int) time.Time { return base.Add(time.Duration(n) * time.Minute) }
	if err := h.Append(testQuote("MP", 57.0, min(0)), testQuote("MP", 57.5, min(1)), testQuote("MP", 58.0, min(5)),
		testQuote("TMQ", 6.9, min(1))); err != nil {
		t.Fatal(err)
	}
	// Re-polling an unchanged quote overwrites the same key.
	if err := h.Append(testQuote("MP", 58.0, min(5))); err != nil {
		t.Fatal(err)
	}

	atTests := []struct {
		name  string
		t     time.Time
		want  Point
		found bool
	}{
		{"before the first", min(-1), Point{}, false},
		{"exactly the first", min(0), point(57.0, min(0)), true},
		{"between", min(3), point(57.5, min(1)), true},
		{"exactly a later one", min(5), point(58.0, min(5)), true},
		{"after the last", min(60), point(58.0, min(5)), true},
	}
	for _, tt := range atTests {
		got, found, err := h.At("MP", tt.t)
		if err != nil || found != tt.found {
			t.Errorf("At(%s): got found=%v err=%v, want found=%v", tt.name, found, err, tt.found)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("At(%s) (-want +got):\n%s", tt.name, diff)
		}
	}

	got, err := h.Range("MP", min(1), min(5))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Point{point(57.5, min(1)), point(58.0, min(5))}, got); diff != "" {
		t.Errorf("Range[1m,5m] (-want +got):\n%s", diff)
	}
	if got, _ := h.Range("MP", min(2), min(4)); len(got) != 0 {
		t.Errorf("Range[2m,4m]: got %d points, want none", len(got))
	}
	if got, _ := h.Range("NOPE", min(0), min(9)); len(got) != 0 {
		t.Errorf("Range of an unknown symbol: got %d points, want none", len(got))
	}
	latest, ok, err := h.Latest("TMQ")
	if err != nil || !ok || latest.Price != 6.9 {
		t.Errorf("Latest(TMQ): got %v %v %v, want price 6.9", latest, ok, err)
	}
	if _, ok, _ := h.Latest("NOPE"); ok {
		t.Errorf("Latest(NOPE): got a point, want none")
	}
}

func TestHistoryMoveOver(t *testing.T) {
	h := NewHistory(openStore(t), 14*24*time.Hour)
	prevClose := ny(t, "2026-06-15 16:00")
	open := ny(t, "2026-06-16 09:30")
	if err := h.Append(testQuote("MP", 50.0, prevClose), testQuote("MP", 56.0, open),
		testQuote("MP", 57.0, open.Add(5*time.Minute)), testQuote("MP", 58.8, open.Add(12*time.Minute))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		window    time.Duration
		now       time.Time
		wantOK    bool
		wantRatio float64
	}{
		{"fifteen minutes", 15 * time.Minute, open.Add(14 * time.Minute), true, (58.8 - 56.0) / 56.0},
		{"ten minutes", 10 * time.Minute, open.Add(14 * time.Minute), true, (58.8 - 57.0) / 57.0},
		{"one point in the window", 3 * time.Minute, open.Add(14 * time.Minute), false, 0},
		// At the open the overnight gap is not a move.
		{"at the open", 15 * time.Minute, open.Add(time.Minute), false, 0},
	}
	for _, tt := range tests {
		m, ok, err := h.MoveOver("MP", tt.window, tt.now)
		if err != nil || ok != tt.wantOK {
			t.Errorf("%s: got ok=%v err=%v, want ok=%v", tt.name, ok, err, tt.wantOK)
			continue
		}
		if ok && (m.Ratio-tt.wantRatio > 1e-12 || tt.wantRatio-m.Ratio > 1e-12) {
			t.Errorf("%s: got ratio %v, want %v", tt.name, m.Ratio, tt.wantRatio)
		}
	}
}

func TestHistoryPrune(t *testing.T) {
	st := openStore(t)
	h := NewHistory(st, 24*time.Hour)
	now := ny(t, "2026-06-16 12:00")
	if err := h.Append(testQuote("MP", 1, now.Add(-49*time.Hour)), testQuote("MP", 2, now.Add(-25*time.Hour)),
		testQuote("MP", 3, now.Add(-23*time.Hour)), testQuote("OLD", 4, now.Add(-30*time.Hour))); err != nil {
		t.Fatal(err)
	}
	n, err := h.Prune(now)
	if err != nil || n != 3 {
		t.Fatalf("Prune: got %d, %v; want 3 points deleted", n, err)
	}
	got, _ := h.Range("MP", time.Unix(1, 0), now)
	if len(got) != 1 || got[0].Price != 3 {
		t.Errorf("after prune: got %v, want only the point of 23h ago", got)
	}
	st.View(func(tx *store.Tx) error {
		if tx.Bucket(store.BucketQuotes).Bucket([]byte("OLD")) != nil {
			t.Errorf("the emptied bucket of OLD survived the prune")
		}
		return nil
	})
}

func TestPointEncoding(t *testing.T) {
	p := Point{Time: time.Unix(1781624700, 123), Price: 58.41, PreviousClose: 56.9, Volume: 9412337,
		Source: SourceYahooChart, MarketState: "POSTPOST", FetchedAt: time.Unix(1781624702, 5)}
	got, err := decodePoint(timeKey(p.Time), encodePoint(p))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	for name, v := range map[string][]byte{
		"empty":         nil,
		"wrong version": append([]byte{9}, encodePoint(p)[1:]...),
		"truncated":     encodePoint(p)[:36],
	} {
		if _, err := decodePoint(timeKey(p.Time), v); err == nil {
			t.Errorf("%s: got no error, want one", name)
		}
	}
}
