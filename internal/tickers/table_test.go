package tickers

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWriteTable(t *testing.T) {
	now := time.Date(2026, 6, 16, 15, 45, 0, 0, time.UTC)
	quotes := []Quote{
		{Symbol: "MP", Price: 58.41, PreviousClose: 56.9, ChangeRatio: 0.026538, Volume: 9412337,
			MarketState: "REGULAR", Source: SourceYahoo, QuoteTime: now.Add(-42 * time.Second)},
		{Symbol: "TMQ", Price: 6.87, PreviousClose: 7.12, ChangeRatio: -0.035112, Volume: 22104,
			MarketState: "REGULAR", Source: SourceYahooChart, QuoteTime: now.Add(-12 * time.Minute)},
		{Symbol: "UCU.V", Price: 0.8125, Volume: 812, MarketState: "CLOSED", Source: SourceFinnhub,
			QuoteTime: now.Add(-(26*time.Hour + 5*time.Minute))},
		{Symbol: "REMX", Price: 52.5, PreviousClose: 50, ChangeRatio: 0.05, Volume: 1_200_000_000,
			MarketState: "POST", Source: SourceYahoo, QuoteTime: now.Add(-(3*time.Hour + 4*time.Minute))},
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, quotes, now); err != nil {
		t.Fatal(err)
	}
	want := `SYMBOL   PRICE  CHANGE  VOLUME  STATE    SOURCE         AGE
MP       58.41  +2.65%   9.41M  REGULAR  yahoo          42s
TMQ       6.87  -3.51%   22.1K  REGULAR  yahoo_chart    12m
UCU.V   0.8125       -     812  CLOSED   finnhub       1d2h
REMX     52.50  +5.00%   1.20B  POST     yahoo        3h04m
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
}

func TestWriteErrors(t *testing.T) {
	var buf bytes.Buffer
	WriteErrors(&buf, map[string]error{"ZZZZ": ErrUnknownSymbol, "AAAA": errors.New("boom")})
	if got, want := buf.String(), "AAAA: boom\nZZZZ: unknown or delisted symbol\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
