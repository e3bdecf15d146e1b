// Package shard splits the watchlist across replicas the way Prometheus's
// hashmod relabelling splits targets: a replica owns a symbol when the MD5
// of the symbol, read as a big-endian integer from its last eight bytes,
// modulo the number of shards equals the replica's index. Every replica
// computes the same split from the same configuration, with no
// coordination.
package shard

import (
	"crypto/md5"
	"encoding/binary"

	"github.com/monitord/monitord/internal/config"
)

// Owns reports whether the replica s is responsible for key (a symbol, or
// the name of a feed that is not per ticker). An unset shard owns all.
func Owns(s config.Shard, key string) bool {
	if s.Total <= 1 {
		return true
	}
	sum := md5.Sum([]byte(key))
	return binary.BigEndian.Uint64(sum[8:])%uint64(s.Total) == uint64(s.Index)
}

// Apply returns a copy of cfg narrowed to what replica cfg.Shard owns: its
// tickers (with everything per ticker that follows them) and the feeds
// that are not per ticker whose names hash to it. The impact benchmark is
// kept by every replica, since each measures its own stories against it.
func Apply(cfg *config.Config) *config.Config {
	if cfg.Shard.Total <= 1 {
		return cfg
	}
	out := *cfg
	out.Tickers = nil
	for _, t := range cfg.Tickers {
		if Owns(cfg.Shard, t.Symbol) {
			out.Tickers = append(out.Tickers, t)
		}
	}
	out.Feeds = nil
	for _, f := range cfg.Feeds {
		if f.PerTicker || Owns(cfg.Shard, "feed/"+f.Name) {
			out.Feeds = append(out.Feeds, f)
		}
	}
	return &out
}
