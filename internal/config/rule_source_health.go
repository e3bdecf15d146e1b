package config

import "fmt"

// SourceHealthRule is the keys of a source_health rule: when a quote or
// news source counts as failing.
type SourceHealthRule struct {
	// Sources are feed names or QuotesSource (the quote poller); empty:
	// every source.
	Sources []string `yaml:"sources"`
	// Failures fires after this many failed polls in a row.
	Failures int `yaml:"failures"`
	// StaleFor fires when a failing source has had no successful poll for
	// this long.
	StaleFor Duration `yaml:"stale_for"`
	// QuietHours holds the rule's alerts back during these daily windows
	// ("22:00-07:00", in global.timezone); they are sent when the window
	// ends.
	QuietHours []string `yaml:"quiet_hours"`
	Episodes   `yaml:",inline"`
}

func (s *SourceHealthRule) validate(c *ruleCheck) {
	if s.Failures <= 0 && s.StaleFor <= 0 {
		c.ps.add(c.path, "a source_health rule needs failures or stale_for")
	}
	for j, src := range s.Sources {
		if !c.sources[src] {
			c.ps.add(fmt.Sprintf("%s[%d]", c.key("sources"), j), "source %q is neither a feed nor %q (the quote poller)", src, QuotesSource)
		}
	}
	c.quietHours(s.QuietHours)
	s.Episodes.check(c)
}
