package app

import (
	"fmt"
	"testing"

	"github.com/monitord/monitord/internal/testupstream"
)

// Two replicas with shard 0/2 and 1/2 on the same configuration quote
// every symbol exactly once between them.
func TestShardedReplicasSplitTheWatchlist(t *testing.T) {
	symbols := []string{"MP", "TMQ", "LAC", "USAR", "UUUU", "NB", "CRML"}
	cfg := "tickers:\n"
	for _, s := range symbols {
		cfg += fmt.Sprintf("  - symbol: %s\n", s)
	}
	cfg += `
quotes:
  schedule: "@every 1h"
  market_hours_only: false
  yahoo:
    base_url: UPSTREAM
    chart_url: UPSTREAM
    cookie_url: UPSTREAM/cookie
impact:
  benchmark: ""
rules:
  - name: mp-only
    type: price
    change_pct: 50
    tickers: [MP]
    receivers: [am]
receivers:
  - name: am
    alertmanager:
      urls: [http://127.0.0.1:1]
`
	owners := map[string]int{}
	for idx := 0; idx < 2; idx++ {
		h := newHarness(t, cfg+fmt.Sprintf("shard:\n  index: %d\n  total: 2\n", idx), func(a *App) {})
		for _, s := range symbols {
			h.up.SetPrice(s, testupstream.Price{Price: 10, PrevClose: 10, Volume: 1})
		}
		h.waitReady()
		h.app.reloadMu.Lock()
		polled := h.app.gen.quotes.poller.Symbols()
		h.app.reloadMu.Unlock()
		for _, s := range polled {
			owners[s]++
		}
	}
	for _, s := range symbols {
		if owners[s] != 1 {
			t.Errorf("%s polled by %d replicas, want 1", s, owners[s])
		}
	}
}
