package deploy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
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
			"startsAt": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "1",
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

// TestAlertmanagerTwoReplicas is the recipe of alertmanager/README.md with
// real parts: two monitord replicas see the same story and push it to
// Debian's Alertmanager running the example configuration; Alertmanager
// holds one alert, and Slack (a fake) gets one message grouped by ticker.
func TestAlertmanagerTwoReplicas(t *testing.T) {
	t.Parallel() // a daemon or a build: overlap the waits
	bin := need(t, "prometheus-alertmanager", "prometheus-alertmanager")
	var mu sync.Mutex
	messages := map[string][]string{} // by receiver path: title and text of each attachment
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			Attachments []struct{ Title, Text string } `json:"attachments"`
		}
		if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, a := range msg.Attachments {
			messages[r.URL.Path] = append(messages[r.URL.Path], a.Title+"\n"+a.Text)
		}
		mu.Unlock()
		w.Write([]byte("ok"))
	}))
	t.Cleanup(slack.Close)

	// The example configuration, with the webhook URL files and the
	// template in a temporary directory and group_wait cut to a second.
	dir := t.TempDir()
	b, err := os.ReadFile(amConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	for _, name := range []string{"traders", "ops"} {
		secret := "/etc/alertmanager/secrets/slack-" + name + "-webhook-url"
		file := filepath.Join(dir, name+"-url")
		if !strings.Contains(cfg, secret) {
			t.Fatalf("%s does not read %s", amConfigFile, secret)
		}
		cfg = strings.ReplaceAll(cfg, secret, file)
		if err := os.WriteFile(file, []byte(slack.URL+"/"+name), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg = regexp.MustCompile(`group_wait: \w+`).ReplaceAllString(cfg, "group_wait: 1s")
	tmpl, err := os.ReadFile(amTemplateFile)
	if err != nil {
		t.Fatal(err)
	}
	for file, data := range map[string]string{"alertmanager.yml": cfg, "monitord.tmpl": string(tmpl)} {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	am := startServer(t, bin, func(addr string) []string {
		return []string{"--config.file=" + filepath.Join(dir, "alertmanager.yml"), "--storage.path=" + filepath.Join(dir, "data"),
			"--web.listen-address=" + addr, "--cluster.listen-address=", "--log.level=warn"}
	})

	replicas := []*daemon{startDaemon(t, am.base), startDaemon(t, am.base)}
	for _, d := range replicas {
		d.polled(t)
		d.publishStory(t)
	}

	const headline = "MP Materials signs NdPr magnet offtake with a US automaker"
	var traders []string
	replicas[0].waitFor(t, "a Slack message to the traders", func() bool {
		mu.Lock()
		defer mu.Unlock()
		traders = slices.Clone(messages["/traders"])
		return len(traders) > 0
	})
	if !strings.HasPrefix(traders[0], "MP: 1 alert\n") || !strings.Contains(traders[0], headline) {
		t.Errorf("got traders' message %q, want the story under MP", traders[0])
	}

	// Once both replicas' pushes are acknowledged (the news rule is the
	// only one of daemonConfig that pushes there), Alertmanager holds the
	// story once: its labels are the same from either replica.
	for i, d := range replicas {
		d.waitFor(t, fmt.Sprintf("replica %d's push acknowledged", i), func() bool {
			_, body := d.get(t, "/metrics")
			m := reAMDelivered.FindStringSubmatch(body)
			return m != nil && m[1] != "0"
		})
	}
	resp, err := http.Get(am.base + "/api/v2/alerts?" + url.Values{"filter": {`kind="news"`}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var alerts []struct {
		Labels map[string]string `json:"labels"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&alerts); err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].Labels["symbol"] != "MP" || alerts[0].Labels["story_id"] == "" {
		t.Errorf("got news alerts %v in Alertmanager, want one story about MP", alerts)
	}
}

var reAMDelivered = regexp.MustCompile(`monitord_alert_notifications_total\{integration="alertmanager",receiver="am"\} (\d+)`)
