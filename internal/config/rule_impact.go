package config

// ImpactRule is the keys of an impact rule, which internal/impact
// evaluates: it follows a matched story up when the stock moves at least
// MovePct percent (abnormal move) within Within of the story.
type ImpactRule struct {
	MovePct *float64 `yaml:"move_pct,omitempty"`
	Within  Duration `yaml:"within"`
	// Keywords limits the rule to stories that matched one of these
	// keyword groups; empty: any matched story.
	Keywords []string `yaml:"keywords"`
}

func (s *ImpactRule) validate(c *ruleCheck) {
	if s.MovePct == nil || *s.MovePct <= 0 {
		c.ps.add(c.key("move_pct"), "an impact rule needs a positive move_pct")
	}
	c.positive(c.key("within"), s.Within)
	c.keywordGroups(s.Keywords)
}
