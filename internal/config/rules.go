package config

import "fmt"

// Rule types: the values of a rule's type key. Each has a file of its own
// (rule_price.go, ...) and an entry in ruleTypes.
const (
	RulePrice        = "price"
	RuleNews         = "news"
	RuleImpact       = "impact"
	RuleSourceHealth = "source_health"
)

// Rule decides what deserves an alert and who receives it. It holds the
// keys every rule type has; Spec holds the keys of its type, so that a key
// of another type is an error when the file is read rather than a setting
// that silently does nothing.
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

	// Spec holds the keys of the rule's type: a *PriceRule, *NewsRule,
	// *ImpactRule or *SourceHealthRule, as Type says. It is nil when Type
	// names no rule type, which validation reports.
	Spec RuleSpec `yaml:"-"`
}

// RuleSpec is the keys of one rule type. Decoding a rule fills the RuleSpec
// its type's entry in ruleTypes makes, with that type's defaults.
type RuleSpec interface {
	// validate checks the type's keys; c knows where the rule stands and
	// what its keys may name.
	validate(c *ruleCheck)
}

// DefaultRule holds the defaults of the keys every rule has.
var DefaultRule = Rule{Severity: "warning"}

// Episodes are the keys of the rule types whose conditions are episodes
// that fire and resolve (price and source_health).
type Episodes struct {
	// RepeatInterval re-sends a condition that still holds after this long;
	// zero fires once until the condition clears.
	RepeatInterval Duration `yaml:"repeat_interval"`
	// SendResolved says which receivers hear that a condition cleared.
	// Unset, Alertmanager's defaults: webhook and alertmanager receivers
	// do, Slack does not. true sends it to every receiver; false only to
	// alertmanager receivers, which always need it to end the alert.
	SendResolved *bool `yaml:"send_resolved,omitempty"`
}

func (e Episodes) check(c *ruleCheck) {
	c.nonNegative(c.key("repeat_interval"), e.RepeatInterval)
}

// ruleCheck is what the validation of a rule type's keys needs: the
// problem list and its helpers, the rule's key path, and the names its
// keys may refer to.
type ruleCheck struct {
	*validator
	path     string
	keywords map[string]KeywordGroup
	// sources are the feed names and QuotesSource.
	sources map[string]bool
}

// key returns the path of the rule's key k.
func (c *ruleCheck) key(k string) string { return c.path + "." + k }

// keywordGroups checks that every group in names is defined in keywords.
func (c *ruleCheck) keywordGroups(names []string) {
	for j, k := range names {
		if _, ok := c.keywords[k]; !ok {
			c.ps.add(fmt.Sprintf("%s[%d]", c.key("keywords"), j), "keyword group %q is not defined in keywords", k)
		}
	}
}

// quietHours checks the daily windows of a quiet_hours key.
func (c *ruleCheck) quietHours(windows []string) {
	for j, q := range windows {
		if _, _, err := ParseClockRange(q); err != nil {
			c.ps.add(fmt.Sprintf("%s[%d]", c.key("quiet_hours"), j), "%v", err)
		}
	}
}

func validateRules(ps *problems, c *Config, v *validator, symbols map[string]bool, receivers map[string]bool) {
	names := map[string]bool{}
	sources := map[string]bool{QuotesSource: true}
	for _, f := range c.Feeds {
		sources[f.Name] = true
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
		switch {
		case r.Spec != nil:
			r.Spec.validate(&ruleCheck{validator: v, path: p, keywords: c.Keywords, sources: sources})
		case r.Type == "":
			ps.add(p+".type", "is required (%s)", ruleTypeList())
		default:
			ps.add(p+".type", "unknown rule type %q (want %s)", r.Type, ruleTypeList())
		}
	}
}
