package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/monitord/monitord/internal/clocktest"
)

// corePanels must show data as soon as Prometheus has scraped a daemon
// twice: the prices, their change, their staleness and the feed fetches.
var corePanels = []string{"Price", "Change vs previous close", "Change now", "Quote staleness", "Feed fetches"}

// storyPanels must show data once a matched story has been scraped.
var storyPanels = []string{"New stories by feed", "Keyword matches by group", "Alerts fired by rule", "Stories measured"}

// grafanaVars stand in for the dashboard's variables as Grafana expands
// them with "All" selected (allValue .+) and a one-hour range.
var grafanaVars = map[string]string{
	"job": ".+", "instance": ".+", "symbol": ".+", "feed": ".+", "horizon": ".+",
	"__rate_interval": "1m", "__interval": "1m", "__range": "1h",
}

var reGrafanaVar = regexp.MustCompile(`\$\{([a-zA-Z_]+)(?::[a-z]+)?\}|\$([a-zA-Z_]+)`)

func expandGrafanaVars(expr string) (string, error) {
	var unknown []string
	out := reGrafanaVar.ReplaceAllStringFunc(expr, func(m string) string {
		sub := reGrafanaVar.FindStringSubmatch(m)
		name := sub[1] + sub[2]
		v, ok := grafanaVars[name]
		if !ok {
			unknown = append(unknown, name)
		}
		return v
	})
	if len(unknown) > 0 {
		return "", fmt.Errorf("unknown variables %q", unknown)
	}
	return out, nil
}

// TestEndToEndPrometheus scrapes an in-process daemon with Debian's real
// Prometheus every second, then evaluates every dashboard query and every
// alerting rule through Prometheus's HTTP API: each must parse, the core
// panels must return data, and the loaded rules must evaluate cleanly
// without firing on a healthy daemon.
//
// The daemon runs pinned at each of clocktest.Instants: its timestamps
// then lie ahead of Prometheus's clock, on a weekend, a holiday, at night
// or a year ahead, and still no rule may fire.
func TestEndToEndPrometheus(t *testing.T) {
	t.Parallel() // a daemon or a build: overlap the waits
	bin := need(t, "prometheus", "prometheus")
	for _, in := range clocktest.Instants(t, time.Now()) {
		t.Run(in.Name, func(t *testing.T) {
			t.Parallel() // each waits on its own scrapes
			testEndToEnd(t, bin, clocktest.Clock(in.At))
		})
	}
}

func testEndToEnd(t *testing.T, bin string, now func() time.Time) {
	start := time.Now()
	d := startDaemonAt(t, now, "")
	d.polled(t)
	rules, err := filepath.Abs(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	target := strings.TrimPrefix(d.base, "http://")
	p := startPrometheus(t, bin, fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: monitord
    static_configs:
      - targets: [%q]
`, rules, target))

	p.waitFor(t, "two scrapes of monitord", func() bool {
		n, err := p.query(`count_over_time(up{job="monitord"}[1m]) >= 2 and up{job="monitord"} == 1`)
		return err == nil && n == 1
	})
	// A story after those scrapes, so that the news, alert and impact
	// panels see their counters move.
	d.publishStory(t)
	p.waitFor(t, "a scrape after the story was matched, alerted and measured", func() bool {
		n, err := p.query(`monitord_feed_matches_total{feed="wire", group="rare_earth"} > 0
			and on () sum(monitord_alert_fired_total{rule="rare-earth-news"}) > 0
			and on () sum(monitord_impact_stories_measured_total{symbol="MP"}) > 0`)
		return err == nil && n == 1
	})

	for _, q := range loadDashboard(t).queries() {
		expr := q.expr
		if m := reLabelValues.FindStringSubmatch(expr); m != nil {
			expr = m[1] // label_values(selector, label) is Grafana's; its selector is PromQL
		}
		expr, err := expandGrafanaVars(expr)
		if err != nil {
			t.Errorf("%s: %v", q.where, err)
			continue
		}
		n, err := p.query(expr)
		switch {
		case err != nil:
			t.Errorf("%s: %s: %v", q.where, expr, err)
		case n == 0 && (slices.Contains(corePanels, q.panel) || slices.Contains(storyPanels, q.panel) ||
			strings.HasPrefix(q.where, "variable") && q.where != `variable "horizon"`):
			// The horizon variable reads the move histogram, whose series
			// appear with the first measured horizon: empty on a fresh daemon.
			t.Errorf("%s: %s returned no data", q.where, expr)
		case n == 0:
			t.Logf("%s: no data yet (fine for a fresh daemon)", q.where)
		}
	}
	for _, title := range append(slices.Clone(corePanels), storyPanels...) {
		if !hasPanel(loadDashboard(t), title) {
			t.Errorf("the dashboard has no panel %q", title)
		}
	}
	for _, r := range loadRules(t, rulesFile) {
		if _, err := p.query(r.Expr); err != nil {
			t.Errorf("rule %s: %v", r.Alert, err)
		}
	}
	// The scheduler's job label arrives as job_name, as the dashboard
	// and the rules expect.
	if n, err := p.query(`monitord_scheduler_job_runs_total{job="monitord", job_name="quotes"}`); err != nil || n == 0 {
		t.Errorf("no scheduler series with job_name=\"quotes\" (%d, %v)", n, err)
	}

	// Prometheus evaluated every loaded rule without error, and none fires.
	var groups []ruleGroupStatus
	p.waitFor(t, "an evaluation of every rule", func() bool {
		groups = p.rules(t)
		for _, g := range groups {
			for _, r := range g.Rules {
				if r.Health == "unknown" {
					return false
				}
			}
		}
		return len(groups) > 0
	})
	for _, g := range groups {
		for _, r := range g.Rules {
			if r.Health != "ok" {
				t.Errorf("rule %s: health %s: %s", r.Name, r.Health, r.LastError)
			}
			if r.State == "firing" {
				t.Errorf("rule %s fires on a healthy daemon", r.Name)
			}
		}
	}
	t.Logf("end to end in %s", time.Since(start).Round(time.Millisecond))
}

func hasPanel(d *dashboard, title string) bool {
	for _, p := range d.allPanels() {
		if p.Title == title {
			return true
		}
	}
	return false
}

// server is a process of the test's own (Prometheus, Alertmanager)
// serving HTTP on a loopback port.
type server struct {
	base string
	out  *lockedBuffer
	exit chan error
}

// startServer runs bin with the arguments args gives for a free loopback
// address, waits for its /-/ready, and stops it when the test ends.
func startServer(t *testing.T, bin string, args func(addr string) []string) *server {
	t.Helper()
	// A port found free may be taken before the process binds it: retry.
	for attempt := 1; ; attempt++ {
		addr := "127.0.0.1:" + freePort(t)
		p := &server{base: "http://" + addr, out: &lockedBuffer{}, exit: make(chan error, 1)}
		cmd := exec.Command(bin, args(addr)...)
		cmd.Stdout, cmd.Stderr = p.out, p.out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { p.exit <- cmd.Wait() }() // ends when the process does
		err := p.waitReady()
		if err == nil {
			t.Cleanup(func() {
				cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-p.exit:
				case <-time.After(15 * time.Second):
					cmd.Process.Kill()
					<-p.exit
				}
				if t.Failed() {
					t.Logf("%s output:\n%s", filepath.Base(bin), p.out.String())
				}
			})
			return p
		}
		cmd.Process.Kill()
		<-p.exit
		if attempt == 3 || !strings.Contains(p.out.String(), "address already in use") {
			t.Fatalf("%s did not start: %v\n%s", bin, err, p.out.String())
		}
	}
}

// startPrometheus runs Prometheus with config and a data directory in
// t.TempDir.
func startPrometheus(t *testing.T, bin, config string) *server {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return startServer(t, bin, func(addr string) []string {
		return []string{"--config.file=" + cfg, "--storage.tsdb.path=" + filepath.Join(dir, "data"),
			"--web.listen-address=" + addr, "--log.level=warn"}
	})
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// waitReady waits up to a minute for /-/ready, or for the process to exit.
func (p *server) waitReady() error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.exit:
			p.exit <- err
			return fmt.Errorf("exited: %v", err)
		default:
		}
		if resp, err := http.Get(p.base + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("not ready within a minute")
}

func (p *server) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s not reached within a minute", p.base, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// apiResponse is the envelope of Prometheus's HTTP API.
type apiResponse struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

func (p *server) get(path string, params url.Values) (json.RawMessage, error) {
	resp, err := http.Get(p.base + path + "?" + params.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r apiResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %d %q: %v", path, resp.StatusCode, b, err)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s: %s", r.ErrorType, r.Error)
	}
	return r.Data, nil
}

// query evaluates expr at the current time and returns how many series
// (or one for a scalar) it gave.
func (p *server) query(expr string) (int, error) {
	data, err := p.get("/api/v1/query", url.Values{"query": {expr}})
	if err != nil {
		return 0, err
	}
	var res struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		return 0, err
	}
	if res.ResultType == "scalar" || res.ResultType == "string" {
		return 1, nil
	}
	var series []json.RawMessage
	if err := json.Unmarshal(res.Result, &series); err != nil {
		return 0, err
	}
	return len(series), nil
}

type ruleGroupStatus struct {
	Name  string `json:"name"`
	Rules []struct {
		Name      string `json:"name"`
		Health    string `json:"health"`
		LastError string `json:"lastError"`
		State     string `json:"state"`
	} `json:"rules"`
}

func (p *server) rules(t *testing.T) []ruleGroupStatus {
	t.Helper()
	data, err := p.get("/api/v1/rules", url.Values{"type": {"alert"}})
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Groups []ruleGroupStatus `json:"groups"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	return res.Groups
}

// lockedBuffer collects a process's output, written by exec's copier
// goroutines and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
