package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// rulesConfig is a configuration around the rules given, with what they
// may refer to.
func rulesConfig(rules string) []byte {
	return []byte(`keywords:
  rare_earth:
    any: ["rare earth"]
receivers:
  - name: am
    alertmanager:
      urls: [http://127.0.0.1:9093]
rules:
` + rules)
}

// TestRuleSpecs checks that each rule type decodes into its own keys, with
// its defaults, whatever the order of type among the keys.
func TestRuleSpecs(t *testing.T) {
	cfg, err := Load(rulesConfig(`
  - {name: p, change_pct: 5, type: price, quiet_hours: ["22:00-07:00"], repeat_interval: 1h, receivers: [am]}
  - {name: n, type: news, keywords: [rare_earth], group_wait: 30s, receivers: [am]}
  - {name: i, type: impact, move_pct: 3, within: 30m, receivers: [am]}
  - {name: s, type: source_health, sources: [quotes], failures: 3, send_resolved: true, receivers: [am]}
`), "")
	if err != nil {
		t.Fatal(err)
	}
	five, three, yes := 5.0, 3.0, true
	want := []RuleSpec{
		&PriceRule{ChangePct: &five, HysteresisPct: 0.5, VolumeAverage: "10d", QuietHours: []string{"22:00-07:00"},
			Episodes: Episodes{RepeatInterval: Duration(3600e9)}},
		&NewsRule{Keywords: []string{"rare_earth"}, GroupWait: Duration(30e9)},
		&ImpactRule{MovePct: &three, Within: Duration(1800e9)},
		&SourceHealthRule{Sources: []string{"quotes"}, Failures: 3, Episodes: Episodes{SendResolved: &yes}},
	}
	for i, r := range cfg.Rules {
		if diff := cmp.Diff(want[i], r.Spec); diff != "" {
			t.Errorf("rule %s (-want +got):\n%s", r.Name, diff)
		}
		if r.Severity != "warning" {
			t.Errorf("rule %s: got severity %q, want the default", r.Name, r.Severity)
		}
	}
}

// TestRuleMergedKeys checks that keys merged from an anchor with "<<" are
// decoded, and checked against the rule's type, like written ones; a
// problem is reported where the merge stands.
func TestRuleMergedKeys(t *testing.T) {
	cfg, err := Load(rulesConfig(`
  - &move
    name: a
    type: price
    change_pct: 5
    cooldown: 1h
    receivers: [am]
  - <<: *move
    name: b
`), "")
	if err != nil {
		t.Fatal(err)
	}
	if r := cfg.Rules[1]; r.Cooldown != Duration(3600e9) || *r.Spec.(*PriceRule).ChangePct != 5 {
		t.Errorf("got rule %+v with %+v, want the anchor's cooldown and change_pct", r, r.Spec)
	}

	_, err = Load(rulesConfig(`
  - &move
    name: a
    type: price
    change_pct: 5
    receivers: [am]
  - <<: *move
    name: b
    type: news
    keywords: [rare_earth]
`), "")
	var got []string
	for _, p := range Problems(err) {
		got = append(got, p.String())
	}
	want := []string{`line 15: rules[1].change_pct: not a key of a news rule`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
}

// TestRuleRendersAsRead checks that /config shows a rule as one mapping of
// the keys it is written with, and that the rendering loads again.
func TestRuleRendersAsRead(t *testing.T) {
	cfg, err := Load(rulesConfig(`
  - {name: p, type: price, above: 30, receivers: [am]}
  - {name: n, type: news, keywords: [rare_earth], receivers: [am]}
`), "")
	if err != nil {
		t.Fatal(err)
	}
	out, err := cfg.Redacted()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"    above: 30\n", "    hysteresis_pct: 0.5\n", "    keywords:\n      - rare_earth\n"} {
		if !strings.Contains(string(out), s) {
			t.Errorf("rendering lacks %q:\n%s", s, out)
		}
	}
	again, err := Load(out, "")
	if err != nil {
		t.Fatalf("rendering does not load: %v\n%s", err, out)
	}
	if diff := cmp.Diff(cfg.Rules, again.Rules, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("rules after a round trip (-want +got):\n%s", diff)
	}
}
