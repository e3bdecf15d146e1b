package config

// NewsRule is the keys of a news rule: which new stories it announces and
// how it groups them.
type NewsRule struct {
	// Keywords are keyword groups (from keywords:); a story must match at
	// least one.
	Keywords []string `yaml:"keywords"`
	// MinScore drops stories whose match scored less.
	MinScore float64 `yaml:"min_score"`
	// GroupWait makes the stories taken within this long of the first one
	// message; zero groups the stories of one feed poll.
	GroupWait Duration `yaml:"group_wait"`
	// QuietHours holds the rule's alerts back during these daily windows
	// ("22:00-07:00", in global.timezone); they are sent as one digest
	// when the window ends.
	QuietHours []string `yaml:"quiet_hours"`
}

func (s *NewsRule) validate(c *ruleCheck) {
	if len(s.Keywords) == 0 {
		c.ps.add(c.key("keywords"), "a news rule needs at least one keyword group")
	}
	c.keywordGroups(s.Keywords)
	c.nonNegative(c.key("group_wait"), s.GroupWait)
	c.quietHours(s.QuietHours)
}
