package alert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/monitord/monitord/internal/config"
)

// startAlertmanager runs Debian's prometheus-alertmanager on a free
// loopback port with a temporary config and storage, and returns its URL.
// Without the binary the test fails in CI (CI=true) and is skipped
// elsewhere.
func startAlertmanager(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus-alertmanager")
	if err != nil {
		bin, err = exec.LookPath("alertmanager")
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)")
		}
		t.Skip("prometheus-alertmanager is not installed")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "alertmanager.yml")
	// A long group_wait: the test reads alerts, not notifications.
	const conf = "route:\n  receiver: blackhole\n  group_wait: 1h\nreceivers:\n  - name: blackhole\n"
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	var out bytes.Buffer
	cmd := exec.Command(bin,
		"--config.file="+cfg,
		"--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--cluster.listen-address=", // no gossip: a single, isolated instance
		"--log.level=warn")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("alertmanager output:\n%s", out.String())
		}
	})
	url := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("alertmanager exited: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("alertmanager not ready at %s:\n%s", url, out.String())
		}
	}
}

// gettableAlert is the part of Alertmanager's GET /api/v2/alerts we check.
type gettableAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	Status      struct {
		State string `json:"state"`
	} `json:"status"`
}

func amGetAlerts(t *testing.T, url string) []gettableAlert {
	t.Helper()
	resp, err := http.Get(url + "/api/v2/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var as []gettableAlert
	if err := json.NewDecoder(resp.Body).Decode(&as); err != nil {
		t.Fatal(err)
	}
	sort.Slice(as, func(i, j int) bool { return fmt.Sprint(as[i].Labels) < fmt.Sprint(as[j].Labels) })
	return as
}

// TestAlertmanagerIntegration pushes the same alerts from two "replicas"
// (two dispatchers with stores of their own) to a real Alertmanager, with a
// dead Alertmanager in each receiver's list, and reads them back through
// Alertmanager's own API: one alert per story or condition, not two.
func TestAlertmanagerIntegration(t *testing.T) {
	am := startAlertmanager(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()

	now := time.Now().UTC().Truncate(time.Second)
	price := func() *Alert {
		a := priceAlert("MP", 0)
		a.StartsAt = now.Add(-time.Minute)
		return a
	}
	var replicas []*rig
	for i := range 2 {
		rc := amReceiver("am", dead, am)
		rc.Alertmanager.GeneratorURL = "http://monitord.example.com/"
		r := newRig(t, []config.Receiver{rc}, startingAt(now.Add(time.Duration(i)*time.Second)))
		for _, a := range []*Alert{price(), newsAlert(2)} {
			if err := r.d.Enqueue(a, "am"); err != nil {
				t.Fatal(err)
			}
		}
		r.run(t)
		replicas = append(replicas, r)
	}
	for i, r := range replicas {
		waitFor(t, fmt.Sprintf("replica %d to push", i), func() bool {
			return testutil.ToFloat64(r.m.notifications.WithLabelValues("am", IntegrationAlertmanager)) == 2
		})
	}

	p := price()
	p.Identify()
	got := amGetAlerts(t, am)
	var labels []map[string]string
	for _, a := range got {
		labels = append(labels, a.Labels)
		if a.Status.State != "active" {
			t.Errorf("alert %v: state %q, want active", a.Labels, a.Status.State)
		}
	}
	want := []map[string]string{
		{"alertname": "big-move", "rule": "big-move", "kind": "price", "severity": "warning", "symbol": "MP", "condition_id": p.ConditionID},
		{"alertname": "rare-earth-news", "rule": "rare-earth-news", "kind": "news", "severity": "info", "symbol": "MP", "story_id": "story-000"},
		{"alertname": "rare-earth-news", "rule": "rare-earth-news", "kind": "news", "severity": "info", "symbol": "MP", "story_id": "story-001"},
	}
	if diff := cmp.Diff(want, labels); diff != "" {
		t.Fatalf("alerts in Alertmanager (-want +got):\n%s", diff)
	}
	if a := got[0].Annotations; a["summary"] != "MP +6.20% to $24.10" || !strings.Contains(a["description"], "change +6.20%") {
		t.Errorf("price annotations: got %v", a)
	}
	if a := got[1].Annotations; a["link"] != "https://news.example.com/mp/0" {
		t.Errorf("news annotations: got %v", a)
	}

	// The condition clears: its resolved notification (same condition id)
	// resolves the alert in Alertmanager.
	r := replicas[0]
	p = price()
	p.Status, p.EndsAt = StatusResolved, now
	if err := r.d.Enqueue(p, "am"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the resolved push", func() bool {
		return testutil.ToFloat64(r.m.notifications.WithLabelValues("am", IntegrationAlertmanager)) == 3
	})
	for _, a := range amGetAlerts(t, am) {
		if a.Labels["kind"] == "price" {
			t.Errorf("resolved alert still listed: %v", a.Labels)
		}
	}
}
