package config

import "fmt"

// Impact configures how the price reaction after matched news is measured.
type Impact struct {
	// Benchmark is the symbol whose move is subtracted to give the abnormal
	// move (a rare-earth ETF such as REMX, or SPY). It is polled with the
	// watchlist.
	Benchmark string `yaml:"benchmark"`
	// Horizons are the delays after the reference at which the price is
	// taken: the story's publication, or the next regular open when it came
	// out while the market was closed. A horizon past the session's close
	// is taken at the close.
	Horizons []Duration `yaml:"horizons"`
	// SessionClose and NextOpen add the close of the reference's session
	// and the next regular open after the reference as horizons.
	SessionClose bool `yaml:"session_close"`
	NextOpen     bool `yaml:"next_open"`
	// Retention is how long measured stories are kept.
	Retention Duration `yaml:"retention"`
	// Tolerance is how far after a horizon a price may be observed and still
	// count as the price at the horizon. With no quote or chart bar within
	// it, the horizon is left unmeasured ("no data"), never guessed. It
	// should exceed the quote polling interval.
	Tolerance Duration `yaml:"tolerance"`
	// WatchlistGroups are keyword groups whose stories about no watched
	// ticker (a Federal Register notice, a Ministry announcement) are
	// measured on the whole watchlist and the benchmark: how the group
	// moved after the news.
	WatchlistGroups []string `yaml:"watchlist_groups"`
}

// DefaultImpact measures at +5m, +15m, +60m, the close and the next open.
var DefaultImpact = Impact{
	Benchmark:    "REMX",
	Horizons:     []Duration{Duration(5 * 60e9), Duration(15 * 60e9), Duration(60 * 60e9)},
	SessionClose: true,
	NextOpen:     true,
	Retention:    Duration(90 * 24 * 3600e9),
	Tolerance:    Duration(3 * 60e9),
}

// UnmarshalYAML applies DefaultImpact before decoding.
func (im *Impact) UnmarshalYAML(unmarshal func(any) error) error {
	*im = DefaultImpact
	type plain Impact
	return unmarshal((*plain)(im))
}

func validateImpact(ps *problems, im *Impact, v *validator, groups map[string]KeywordGroup) {
	for i, g := range im.WatchlistGroups {
		if _, ok := groups[g]; !ok {
			ps.add(fmt.Sprintf("impact.watchlist_groups[%d]", i), "keyword group %q is not defined in keywords", g)
		}
	}
	if im.Benchmark != "" && !reSymbol.MatchString(im.Benchmark) {
		ps.add("impact.benchmark", "%q is not a ticker symbol", im.Benchmark)
	}
	seen := map[Duration]bool{}
	for i, h := range im.Horizons {
		p := fmt.Sprintf("impact.horizons[%d]", i)
		v.positive(p, h)
		if seen[h] {
			ps.add(p, "%s is listed twice", h)
		}
		seen[h] = true
	}
	v.positive("impact.retention", im.Retention)
	v.positive("impact.tolerance", im.Tolerance)
}

// Shard splits the watchlist across replicas by a hash of the symbol, as
// Prometheus's hashmod relabelling does: replica Index of Total owns the
// symbols whose hash mod Total is Index.
type Shard struct {
	Index int `yaml:"index"`
	Total int `yaml:"total"`
}

func validateShard(ps *problems, s Shard) {
	if s.Total == 0 && s.Index == 0 {
		return
	}
	if s.Total < 1 {
		ps.add("shard.total", "must be at least 1, got %d", s.Total)
		return
	}
	if s.Index < 0 || s.Index >= s.Total {
		ps.add("shard.index", "must be between 0 and shard.total-1 (%d), got %d", s.Total-1, s.Index)
	}
}
