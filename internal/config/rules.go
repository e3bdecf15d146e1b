package config

import (
	"fmt"
	"strings"
)

// Rule types.
const (
	RulePrice        = "price"
	RuleNews         = "news"
	RuleImpact       = "impact"
	RuleSourceHealth = "source_health"
)

// Rule decides what deserves an alert and who receives it. Which keys apply
// depends on Type; setting a key another type uses is an error.
type Rule struct {
	Name      string   `yaml:"name"`
	Type      string   `yaml:"type"`
	Receivers []string `yaml:"receivers"`
	// Tickers limits the rule to quotes or stories concerning these symbols.
	Tickers  []string `yaml:"tickers"`
	Severity string   `yaml:"severity"`
	// Cooldown is the least time between two alerts of this rule for one
	// symbol (or story key).
	Cooldown Duration `yaml:"cooldown"`
	// RepeatInterval re-sends a condition that still holds after this long;
	// zero fires once until the condition clears.
	RepeatInterval Duration `yaml:"repeat_interval"`
	// MarketHoursOnly evaluates price rules only in the regular session.
	MarketHoursOnly bool `yaml:"market_hours_only"`
	// QuietHours holds alerts of this rule back during these daily windows
	// ("22:00-07:00", in global.timezone); they are sent when the window ends.
	QuietHours []string `yaml:"quiet_hours"`
	// SendResolved says which receivers hear that a price or source-health
	// condition cleared. Unset, Alertmanager's defaults: webhook and
	// alertmanager receivers do, Slack does not. true sends it to every
	// receiver; false only to alertmanager receivers, which always need it
	// to end the alert.
	SendResolved *bool `yaml:"send_resolved,omitempty"`

	// Price rules: one or more of these conditions.
	ChangePct     *float64 `yaml:"change_pct,omitempty"`
	MovePct       *float64 `yaml:"move_pct,omitempty"`
	Window        Duration `yaml:"window"`
	Above         *float64 `yaml:"above,omitempty"`
	Below         *float64 `yaml:"below,omitempty"`
	HysteresisPct float64  `yaml:"hysteresis_pct"`
	VolumeRatio   *float64 `yaml:"volume_ratio,omitempty"`
	VolumeAverage string   `yaml:"volume_average"`
	New52Week     bool     `yaml:"new_52_week"`

	// News rules.
	Keywords  []string `yaml:"keywords"`
	MinScore  float64  `yaml:"min_score"`
	GroupWait Duration `yaml:"group_wait"`

	// Impact rules use MovePct and Within.
	Within Duration `yaml:"within"`

	// Source-health rules.
	Sources  []string `yaml:"sources"`
	Failures int      `yaml:"failures"`
	StaleFor Duration `yaml:"stale_for"`
}

// UnmarshalYAML applies the rule defaults before decoding.
func (r *Rule) UnmarshalYAML(unmarshal func(any) error) error {
	*r = Rule{Severity: "warning", HysteresisPct: 0.5, VolumeAverage: "10d"}
	type plain Rule
	return unmarshal((*plain)(r))
}

func validateRules(ps *problems, c *Config, v *validator, symbols map[string]bool, receivers map[string]bool) {
	names := map[string]bool{}
	feeds := map[string]bool{"yahoo": true}
	for _, f := range c.Feeds {
		feeds[f.Name] = true
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		p := fmt.Sprintf("rules[%d]", i)
		checkName(ps, p+".name", "rule", r.Name, names)
		if len(r.Receivers) == 0 {
			ps.add(p+".receivers", "needs at least one receiver")
		}
		for j, rc := range r.Receivers {
			if !receivers[rc] {
				ps.add(fmt.Sprintf("%s.receivers[%d]", p, j), "receiver %q is not defined in receivers", rc)
			}
		}
		for j, s := range r.Tickers {
			if !symbols[s] {
				ps.add(fmt.Sprintf("%s.tickers[%d]", p, j), "ticker %q is not in the tickers list", s)
			}
		}
		switch r.Severity {
		case "info", "warning", "critical":
		default:
			ps.add(p+".severity", "must be info, warning or critical, got %q", r.Severity)
		}
		v.nonNegative(p+".cooldown", r.Cooldown)
		v.nonNegative(p+".repeat_interval", r.RepeatInterval)
		for j, q := range r.QuietHours {
			if _, _, err := ParseClockRange(q); err != nil {
				ps.add(fmt.Sprintf("%s.quiet_hours[%d]", p, j), "%v", err)
			}
		}
		switch r.Type {
		case RulePrice:
			validatePriceRule(ps, p, r)
		case RuleNews:
			if len(r.Keywords) == 0 {
				ps.add(p+".keywords", "a news rule needs at least one keyword group")
			}
			for j, k := range r.Keywords {
				if _, ok := c.Keywords[k]; !ok {
					ps.add(fmt.Sprintf("%s.keywords[%d]", p, j), "keyword group %q is not defined in keywords", k)
				}
			}
			v.nonNegative(p+".group_wait", r.GroupWait)
		case RuleImpact:
			if r.MovePct == nil || *r.MovePct <= 0 {
				ps.add(p+".move_pct", "an impact rule needs a positive move_pct")
			}
			v.positive(p+".within", r.Within)
			for j, k := range r.Keywords {
				if _, ok := c.Keywords[k]; !ok {
					ps.add(fmt.Sprintf("%s.keywords[%d]", p, j), "keyword group %q is not defined in keywords", k)
				}
			}
		case RuleSourceHealth:
			if r.Failures <= 0 && r.StaleFor <= 0 {
				ps.add(p, "a source_health rule needs failures or stale_for")
			}
			for j, s := range r.Sources {
				if !feeds[s] {
					ps.add(fmt.Sprintf("%s.sources[%d]", p, j), "source %q is neither a feed nor \"yahoo\"", s)
				}
			}
		case "":
			ps.add(p+".type", "is required (price, news, impact or source_health)")
		default:
			ps.add(p+".type", "unknown rule type %q (want price, news, impact or source_health)", r.Type)
		}
	}
}

func validatePriceRule(ps *problems, p string, r *Rule) {
	n := 0
	for _, x := range []struct {
		key string
		v   *float64
	}{{"change_pct", r.ChangePct}, {"move_pct", r.MovePct}, {"volume_ratio", r.VolumeRatio}} {
		if x.v != nil {
			n++
			if *x.v <= 0 {
				ps.add(p+"."+x.key, "must be positive, got %g", *x.v)
			}
		}
	}
	if r.Above != nil {
		n++
	}
	if r.Below != nil {
		n++
	}
	if r.New52Week {
		n++
	}
	if n == 0 {
		ps.add(p, "a price rule needs a condition: change_pct, move_pct, above, below, volume_ratio or new_52_week")
	}
	if r.MovePct != nil && r.Window <= 0 {
		ps.add(p+".window", "move_pct needs a positive window")
	}
	if r.Above != nil && r.Below != nil && *r.Below >= *r.Above {
		ps.add(p+".below", "must be under above (%g), got %g", *r.Above, *r.Below)
	}
	if r.HysteresisPct < 0 || r.HysteresisPct >= 50 {
		ps.add(p+".hysteresis_pct", "must be between 0 and 50, got %g", r.HysteresisPct)
	}
	switch strings.ToLower(r.VolumeAverage) {
	case "10d", "3m":
	default:
		ps.add(p+".volume_average", "must be 10d or 3m, got %q", r.VolumeAverage)
	}
}
