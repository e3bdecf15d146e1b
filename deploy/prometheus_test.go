package deploy

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const (
	scrapeConfigFile = "prometheus/prometheus.yml"
	rulesFile        = "prometheus/monitord.rules.yml"
	rulesTestFile    = "prometheus/monitord.rules.test.yml"
)

// ruleGroups is Prometheus's rule file format.
type ruleGroups struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func loadRules(t *testing.T, file string) []rule {
	t.Helper()
	var g ruleGroups
	readYAML(t, file, &g)
	var out []rule
	for _, grp := range g.Groups {
		out = append(out, grp.Rules...)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no rules", file)
	}
	return out
}

// promtool runs promtool and fails the test on an error or any warning.
func promtool(t *testing.T, args ...string) string {
	t.Helper()
	bin := need(t, "promtool", "prometheus")
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil || strings.Contains(strings.ToLower(string(out)), "warning") {
		t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestPrometheusConfigChecks(t *testing.T) {
	promtool(t, "check", "config", scrapeConfigFile)
}

func TestAlertingRulesCheck(t *testing.T) {
	promtool(t, "check", "rules", rulesFile)
}

func TestAlertingRulesUnitTests(t *testing.T) {
	out := promtool(t, "test", "rules", rulesTestFile)
	if !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool test rules did not succeed:\n%s", out)
	}
}

// TestAlertingRulesConventions checks what promtool does not: every alert
// has a severity, a summary and a description naming the instance, and a
// unit test in which it fires and one in which it does not.
func TestAlertingRulesConventions(t *testing.T) {
	var tests struct {
		RuleFiles []string `yaml:"rule_files"`
		Tests     []struct {
			Name  string `yaml:"name"`
			Cases []struct {
				Alertname string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	readYAML(t, rulesTestFile, &tests)
	if !slices.Equal(tests.RuleFiles, []string{"monitord.rules.yml"}) {
		t.Errorf("%s: got rule_files %q, want the rules beside it", rulesTestFile, tests.RuleFiles)
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tg := range tests.Tests {
		for _, c := range tg.Cases {
			if len(c.ExpAlerts) > 0 {
				fires[c.Alertname] = true
			} else {
				quiet[c.Alertname] = true
			}
		}
	}
	seen := map[string]bool{}
	for _, r := range loadRules(t, rulesFile) {
		if r.Alert == "" {
			t.Errorf("recording rule %q: this file holds alerts only", r.Record)
			continue
		}
		if seen[r.Alert] || !strings.HasPrefix(r.Alert, "Monitord") {
			t.Errorf("alert %q is defined twice or lacks the Monitord prefix", r.Alert)
		}
		seen[r.Alert] = true
		if s := r.Labels["severity"]; s != "warning" && s != "critical" {
			t.Errorf("%s: got severity %q, want warning or critical", r.Alert, s)
		}
		if r.Annotations["summary"] == "" || !strings.Contains(r.Annotations["description"], "{{ $labels.") {
			t.Errorf("%s: want a summary and a description that uses $labels", r.Alert)
		}
		if !strings.Contains(r.Expr, `job="monitord"`) && !strings.Contains(r.Annotations["description"], "{{ $labels.instance }}") {
			t.Errorf("%s: the description does not name the instance", r.Alert)
		}
		if !fires[r.Alert] || !quiet[r.Alert] {
			t.Errorf("%s: got a firing test %v and a quiet test %v in %s, want both", r.Alert, fires[r.Alert], quiet[r.Alert], rulesTestFile)
		}
	}
	for name := range fires {
		if !seen[name] {
			t.Errorf("%s tests alert %q, which no rule defines", rulesTestFile, name)
		}
	}
}
