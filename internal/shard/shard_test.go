package shard

import (
	"fmt"
	"testing"

	"github.com/monitord/monitord/internal/config"
)

func TestEverySymbolOwnedByExactlyOneShard(t *testing.T) {
	symbols := []string{"MP", "TMQ", "LAC", "USAR", "UUUU", "NB", "CRML", "UURAF", "LYSCF", "REMX", "SPY"}
	for i := 0; i < 2000; i++ {
		symbols = append(symbols, fmt.Sprintf("S%04d", i))
	}
	for _, total := range []int{1, 2, 3, 5, 8} {
		counts := make([]int, total)
		for _, sym := range symbols {
			owners := 0
			for idx := 0; idx < total; idx++ {
				if Owns(config.Shard{Index: idx, Total: total}, sym) {
					owners++
					counts[idx]++
				}
			}
			if owners != 1 {
				t.Fatalf("total %d: %s owned by %d shards, want exactly 1", total, sym, owners)
			}
		}
		// The split is roughly even: no shard gets less than half its share.
		for idx, n := range counts {
			if n < len(symbols)/total/2 {
				t.Errorf("total %d: shard %d owns %d of %d symbols", total, idx, n, len(symbols))
			}
		}
	}
}

// Prometheus's hashmod of "MP" modulo 2, computed by hand from the MD5 of
// "MP" (last eight bytes, big-endian); pinning it keeps the split stable
// across versions, so a rolling upgrade never moves a symbol.
func TestHashIsStable(t *testing.T) {
	got := []bool{Owns(config.Shard{Index: 0, Total: 2}, "MP"), Owns(config.Shard{Index: 1, Total: 2}, "MP")}
	want := []bool{mpShard0, !mpShard0}
	if got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestApply(t *testing.T) {
	cfg := &config.Config{
		Tickers: []config.Ticker{{Symbol: "MP"}, {Symbol: "TMQ"}, {Symbol: "LAC"}, {Symbol: "USAR"}},
		Feeds:   []config.Feed{{Name: "per", PerTicker: true}, {Name: "wire-a"}, {Name: "wire-b"}, {Name: "wire-c"}},
	}
	seenT, seenF := map[string]int{}, map[string]int{}
	for idx := 0; idx < 3; idx++ {
		c := *cfg
		c.Shard = config.Shard{Index: idx, Total: 3}
		out := Apply(&c)
		for _, tk := range out.Tickers {
			seenT[tk.Symbol]++
		}
		for _, f := range out.Feeds {
			seenF[f.Name]++
		}
	}
	for _, tk := range cfg.Tickers {
		if seenT[tk.Symbol] != 1 {
			t.Errorf("ticker %s kept by %d replicas, want 1", tk.Symbol, seenT[tk.Symbol])
		}
	}
	if seenF["per"] != 3 {
		t.Errorf("per-ticker feed kept by %d replicas, want all 3 (each polls its own tickers)", seenF["per"])
	}
	for _, n := range []string{"wire-a", "wire-b", "wire-c"} {
		if seenF[n] != 1 {
			t.Errorf("feed %s kept by %d replicas, want 1", n, seenF[n])
		}
	}
	if got := Apply(cfg); got != cfg {
		t.Error("an unsharded config was copied")
	}
}

// mpShard0: python3 -c "import hashlib,struct;print(struct.unpack('>Q',hashlib.md5(b'MP').digest()[8:])[0]%2)" prints 0.
const mpShard0 = true
