package config

import "strings"

// PriceRule is the keys of a price rule: conditions judged on every quote
// of the symbols the rule concerns. A rule holds one or more; each is an
// episode of its own per symbol.
type PriceRule struct {
	// ChangePct holds when |change vs previous close| >= this many percent.
	ChangePct *float64 `yaml:"change_pct,omitempty"`
	// MovePct holds when the move over the last Window, from the quote
	// history, is at least this many percent either way.
	MovePct *float64 `yaml:"move_pct,omitempty"`
	Window  Duration `yaml:"window"`
	// Above and Below hold when the price reaches the level.
	Above *float64 `yaml:"above,omitempty"`
	Below *float64 `yaml:"below,omitempty"`
	// HysteresisPct is how far back, in percent, a condition must come
	// before it clears, so that a price hovering at a threshold does not
	// flap.
	HysteresisPct float64 `yaml:"hysteresis_pct"`
	// VolumeRatio holds when today's volume is this many times the
	// VolumeAverage (10d or 3m) average volume.
	VolumeRatio   *float64 `yaml:"volume_ratio,omitempty"`
	VolumeAverage string   `yaml:"volume_average"`
	// New52Week holds when the price passes the 52-week high or low as it
	// stood before today.
	New52Week bool `yaml:"new_52_week"`
	// MarketHoursOnly evaluates the rule only in the regular session.
	MarketHoursOnly bool `yaml:"market_hours_only"`
	// QuietHours holds the rule's alerts back during these daily windows
	// ("22:00-07:00", in global.timezone); they are sent when the window
	// ends.
	QuietHours []string `yaml:"quiet_hours"`
	Episodes   `yaml:",inline"`
}

// DefaultPriceRule holds the defaults of a price rule's keys.
var DefaultPriceRule = PriceRule{HysteresisPct: 0.5, VolumeAverage: "10d"}

func (s *PriceRule) validate(c *ruleCheck) {
	n := 0
	for _, x := range []struct {
		key string
		v   *float64
	}{{"change_pct", s.ChangePct}, {"move_pct", s.MovePct}, {"volume_ratio", s.VolumeRatio}} {
		if x.v != nil {
			n++
			if *x.v <= 0 {
				c.ps.add(c.key(x.key), "must be positive, got %g", *x.v)
			}
		}
	}
	if s.Above != nil {
		n++
	}
	if s.Below != nil {
		n++
	}
	if s.New52Week {
		n++
	}
	if n == 0 {
		c.ps.add(c.path, "a price rule needs a condition: change_pct, move_pct, above, below, volume_ratio or new_52_week")
	}
	if s.MovePct != nil && s.Window <= 0 {
		c.ps.add(c.key("window"), "move_pct needs a positive window")
	}
	if s.Above != nil && s.Below != nil && *s.Below >= *s.Above {
		c.ps.add(c.key("below"), "must be under above (%g), got %g", *s.Above, *s.Below)
	}
	if s.HysteresisPct < 0 || s.HysteresisPct >= 50 {
		c.ps.add(c.key("hysteresis_pct"), "must be between 0 and 50, got %g", s.HysteresisPct)
	}
	switch strings.ToLower(s.VolumeAverage) {
	case "10d", "3m":
	default:
		c.ps.add(c.key("volume_average"), "must be 10d or 3m, got %q", s.VolumeAverage)
	}
	c.quietHours(s.QuietHours)
	s.Episodes.check(c)
}
