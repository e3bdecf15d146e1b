package deploy

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	amConfigFile   = "alertmanager/alertmanager.yml"
	amTemplateFile = "alertmanager/monitord.tmpl"
)

func amtool(t *testing.T, args ...string) string {
	t.Helper()
	bin := need(t, "amtool", "prometheus-alertmanager")
	cmd := exec.Command(bin, args...)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("amtool %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
	}
	return string(out)
}

func TestAlertmanagerConfigChecks(t *testing.T) {
	out := amtool(t, "check-config", amConfigFile)
	for _, want := range []string{"SUCCESS", "1 templates", "3 inhibit rules"} {
		if !strings.Contains(out, want) {
			t.Errorf("amtool check-config output lacks %q:\n%s", want, out)
		}
	}
}

// TestAlertmanagerRoutes sends the label sets monitord pushes (see
// internal/alert/alertmanager.go) and those of the Monitord* rules through
// the routing tree.
func TestAlertmanagerRoutes(t *testing.T) {
	for _, tc := range []struct {
		labels []string
		want   string
	}{
		{[]string{"alertname=rare-earth-news", "rule=rare-earth-news", "kind=news", "severity=warning", "symbol=MP", "story_id=9f2c"}, "traders-news"},
		{[]string{"alertname=news-impact", "rule=news-impact", "kind=impact", "severity=warning", "symbol=MP", "condition_id=41ab"}, "traders-news"},
		{[]string{"alertname=big-move", "rule=big-move", "kind=price", "severity=critical", "symbol=USAR", "condition_id=77de"}, "traders-price"},
		{[]string{"alertname=yahoo-down", "rule=yahoo-down", "kind=source_health", "severity=warning", "source=yahoo", "condition_id=1"}, "ops"},
		{[]string{"alertname=MonitordDown", "job=monitord", "instance=mon-1:10088", "severity=critical"}, "ops"},
	} {
		args := append([]string{"config", "routes", "test", "--config.file=" + amConfigFile}, tc.labels...)
		if got := strings.TrimSpace(amtool(t, args...)); got != tc.want {
			t.Errorf("%v: got receiver %q, want %q", tc.labels, got, tc.want)
		}
	}

	// Traders' alerts are grouped by ticker.
	var cfg struct {
		Route struct {
			Routes []struct {
				Receiver string   `yaml:"receiver"`
				GroupBy  []string `yaml:"group_by"`
			} `yaml:"routes"`
		} `yaml:"route"`
	}
	readYAML(t, amConfigFile, &cfg)
	for _, r := range cfg.Route.Routes {
		if strings.HasPrefix(r.Receiver, "traders") && !slices.Equal(r.GroupBy, []string{"symbol"}) {
			t.Errorf("route to %s: got group_by %q, want [symbol]", r.Receiver, r.GroupBy)
		}
	}
}

// TestAlertmanagerSlackTemplate renders a hostile headline: Slack's
// control sequences must arrive escaped.
func TestAlertmanagerSlackTemplate(t *testing.T) {
	data := map[string]any{
		"receiver": "traders-news", "status": "firing", "externalURL": "http://am-0:9093",
		"groupLabels": map[string]string{"symbol": "MP"}, "commonLabels": map[string]string{"symbol": "MP"},
		"commonAnnotations": map[string]string{},
		"alerts": []map[string]any{{
			"status": "firing",
			"labels": map[string]string{"alertname": "rare-earth-news", "rule": "rare-earth-news", "kind": "news",
				"severity": "warning", "symbol": "MP", "story_id": "9f2c"},
			"annotations": map[string]string{
				"summary":     "<!channel> MP & partners <https://evil.example|win big>",
				"description": "Matched rare_earth: NdPr",
				"link":        "https://wire.example.com/mp?a=1&b=2",
			},
			"startsAt": "2026-01-02T15:04:05Z", "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "1",
		}},
	}
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	got := amtool(t, "template", "render", "--template.glob="+amTemplateFile, "--template.data="+file,
		`--template.text={{ template "monitord.slack.title" . }}|{{ template "monitord.slack.text" . }}`)
	want := "MP: 1 alert|• *&lt;!channel&gt; MP &amp; partners &lt;https://evil.example|win big&gt;* " +
		"https://wire.example.com/mp?a=1&amp;b=2\nMatched rare_earth: NdPr\n_rare-earth-news · warning_\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}
