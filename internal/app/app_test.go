package app

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zaptest"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/schedule"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/testupstream"
)

// goodConfig polls a fake Yahoo (UPSTREAM is replaced by its URL) at any
// hour, so the tests never depend on the market being open.
const goodConfig = `
tickers:
  - symbol: MP
    name: MP Materials
quotes:
  schedule: "@every 1h"
  market_hours_only: false
  yahoo:
    base_url: UPSTREAM
    chart_url: UPSTREAM
    cookie_url: UPSTREAM/cookie
impact:
  benchmark: ""
`

// harness runs an App in-process on a loopback port.
type harness struct {
	t    *testing.T
	up   *testupstream.Server
	app  *App
	base string
	hup  chan struct{}
	stop context.CancelFunc
	done chan error
	file string
	// now is the daemon's clock, which the fake upstream follows too.
	now func() time.Time
}

func newHarness(t *testing.T, cfg string, setup func(a *App)) *harness {
	t.Helper()
	return newHarnessAt(t, cfg, time.Now, setup)
}

// newHarnessAt runs the daemon, and the fake upstream, on the clock now.
func newHarnessAt(t *testing.T, cfg string, now func() time.Time, setup func(a *App)) *harness {
	t.Helper()
	return newHarnessWith(t, cfg, now, nil, setup)
}

// newHarnessWith is newHarnessAt with the Options changed by mod before New.
func newHarnessWith(t *testing.T, cfg string, now func() time.Time, mod func(*Options), setup func(a *App)) *harness {
	t.Helper()
	dir := t.TempDir()
	up := testupstream.New()
	t.Cleanup(up.Close)
	up.SetClock(now)
	up.SetPrice("MP", testupstream.Price{Price: 58.41, PrevClose: 56.9, Volume: 9412337})
	file := filepath.Join(dir, "monitord.yml")
	writeConfig(t, up, file, cfg)
	opts := Options{
		ConfigFile:      file,
		StoragePath:     filepath.Join(dir, "data"),
		ListenAddresses: []string{"127.0.0.1:0"},
		ShutdownGrace:   10 * time.Second,
		Logger:          zaptest.NewLogger(t),
		Now:             now,
	}
	if mod != nil {
		mod(&opts)
	}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(a)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, up: up, app: a, base: "http://" + a.Addrs()[0].String(), hup: make(chan struct{}),
		stop: cancel, done: make(chan error, 1), file: file, now: now}
	go func() { h.done <- a.Run(ctx, h.hup) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(30 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return h
}

func writeConfig(t *testing.T, up *testupstream.Server, file, cfg string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(cfg, "UPSTREAM", up.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) get(path string) (int, string) {
	h.t.Helper()
	return h.do(http.MethodGet, path)
}

func (h *harness) do(method, path string) (int, string) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.base+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (h *harness) waitReady() {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code, _ := h.get("/-/ready"); code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatal("daemon never became ready")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReadinessBeforeAndAfterStart(t *testing.T) {
	release := make(chan struct{})
	var blocked atomic.Bool
	h := newHarness(t, goodConfig, func(a *App) {
		a.extraJobs = func(*config.Config) []schedule.Job {
			if blocked.CompareAndSwap(false, true) {
				<-release // hold the first apply so readiness can be observed before it
			}
			return nil
		}
	})
	// The server answers health at once, readiness only after the apply.
	deadline := time.Now().Add(20 * time.Second)
	for !blocked.Load() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if code, _ := h.get("/-/healthy"); code != http.StatusOK {
		t.Errorf("healthy before apply: got %d, want 200", code)
	}
	if code, body := h.get("/-/ready"); code != http.StatusServiceUnavailable {
		t.Errorf("ready before apply: got %d %q, want 503", code, body)
	}
	close(release)
	h.waitReady()
	if !h.app.Ready() {
		t.Error("Ready() false after /-/ready answered 200")
	}
}

func TestReloadGoodAndBad(t *testing.T) {
	h := newHarness(t, goodConfig, nil)
	h.waitReady()
	reloadOK := func() float64 { return testutil.ToFloat64(h.app.reloads.successful) }
	if got := reloadOK(); got != 1 {
		t.Fatalf("got reload gauge %v after start, want 1", got)
	}

	// A bad file: 500 with the reason, gauge 0, old config kept.
	bad := goodConfig + "feeds:\n  - name: wire\n    url: not-a-url\n"
	writeConfig(t, h.up, h.file, bad)
	code, body := h.do(http.MethodPost, "/-/reload")
	if code != http.StatusInternalServerError || !strings.Contains(body, "failed to reload config") ||
		!strings.Contains(body, `feeds[0].url: must be an absolute http or https URL, got "not-a-url"`) {
		t.Errorf("bad reload: got %d %q, want 500 naming feeds[0].url", code, body)
	}
	if got := reloadOK(); got != 0 {
		t.Errorf("got reload gauge %v after a bad reload, want 0", got)
	}
	if got := len(h.app.Config().Feeds); got != 0 {
		t.Errorf("got %d feeds in use after a bad reload, want the old config (0)", got)
	}
	if code, _ := h.get("/-/ready"); code != http.StatusOK {
		t.Errorf("ready after a bad reload: got %d, want 200 (old config still runs)", code)
	}

	// GET is refused.
	if code, _ := h.get("/-/reload"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /-/reload: got %d, want 405", code)
	}

	// A good file through SIGHUP's path.
	good := strings.Replace(goodConfig, "@every 1h", "@every 2h", 1)
	writeConfig(t, h.up, h.file, good)
	h.hup <- struct{}{}
	deadline := time.Now().Add(20 * time.Second)
	for h.app.Config().Quotes.Schedule != "@every 2h" {
		if time.Now().After(deadline) {
			t.Fatal("SIGHUP reload never applied the new config")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := reloadOK(); got != 1 {
		t.Errorf("got reload gauge %v after a good reload, want 1", got)
	}
	if code, body := h.do(http.MethodPost, "/-/reload"); code != http.StatusOK {
		t.Errorf("good POST reload: got %d %q, want 200", code, body)
	}
}

func TestGracefulShutdownWithJobInFlight(t *testing.T) {
	started := make(chan struct{})
	var finished atomic.Bool
	h := newHarness(t, goodConfig, func(a *App) {
		a.extraJobs = func(*config.Config) []schedule.Job {
			return []schedule.Job{{Name: "slow-poll", Spec: "@every 1h", Timeout: time.Minute, Immediate: true,
				Run: func(ctx context.Context) error {
					close(started)
					time.Sleep(300 * time.Millisecond) // a poll finishing its last write
					finished.Store(true)
					return nil
				}}}
		}
	})
	<-started
	h.stop()
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("Run: got %v, want a clean exit", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return")
	}
	h.done <- nil // for the cleanup
	if !finished.Load() {
		t.Error("Run returned before the job in flight finished")
	}
	// The store was closed: another process (here, a second Open) can take it.
	s, err := store.Open(h.app.opts.StoragePath, store.Options{LockTimeout: time.Second}, nil)
	if err != nil {
		t.Fatalf("store still locked after shutdown: %v", err)
	}
	s.Close()
}

func TestMetricsPassPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is not installed; .ci/run installs Debian's prometheus package")
		}
		t.Skip("promtool not installed (apt-get install prometheus)")
	}
	h := newHarness(t, goodConfig, nil)
	h.waitReady()
	// The first quote poll runs at start; wait for its price to show.
	var code int
	var body string
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body = h.get("/metrics")
		if strings.Contains(body, `monitord_quote_price{symbol="MP"}`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d", code)
	}
	for _, want := range []string{"monitord_build_info", "monitord_config_last_reload_successful 1", `monitord_quote_price{symbol="MP"} 58.41`,
		"monitord_scheduler_jobs", "monitord_store_size_bytes", "go_goroutines", "process_resident_memory_bytes"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestStartupErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(file, []byte("tickers:\n  - symbol: mp\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Options{ConfigFile: file, StoragePath: dir, ListenAddresses: []string{"127.0.0.1:0"}})
	if err == nil || !strings.Contains(err.Error(), `tickers[0].symbol: "mp" is not a ticker symbol`) {
		t.Errorf("bad config: got %v, want the problem named", err)
	}
	// A second daemon on the same storage path fails clearly.
	h := newHarness(t, goodConfig, nil)
	h.waitReady()
	_, err = New(Options{ConfigFile: h.file, StoragePath: h.app.opts.StoragePath, ListenAddresses: []string{"127.0.0.1:0"}})
	if err == nil || !strings.Contains(err.Error(), "store is in use by another process") {
		t.Errorf("second daemon: got %v, want the lock error", err)
	}
}

func TestSystemdNotify(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "100000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))

	msgs := make(chan string, 100)
	go func() { // ends when conn is closed
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	expect := func(prefix string) {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for {
			select {
			case m := <-msgs:
				if strings.HasPrefix(m, prefix) {
					return
				}
			case <-deadline:
				t.Fatalf("no %q notification", prefix)
			}
		}
	}
	h := newHarness(t, goodConfig, nil)
	expect("READY=1")
	expect("WATCHDOG=1")
	if code, _ := h.do(http.MethodPost, "/-/reload"); code != http.StatusOK {
		t.Fatalf("reload: %d", code)
	}
	expect("RELOADING=1")
	expect("READY=1")
	h.stop()
	expect("STOPPING=1")
}

func TestConfigEndpointRedactsSecrets(t *testing.T) {
	const hook = "https://hooks.slack.example/services/T0/B0/hunter2secret"
	t.Setenv("MONITORD_TEST_HOOK", hook)
	h := newHarness(t, goodConfig+`
receivers:
  - name: slack-ops
    slack:
      webhook_url: "${MONITORD_TEST_HOOK}"
`, nil)
	h.waitReady()
	code, body := h.get("/config")
	if code != http.StatusOK {
		t.Fatalf("GET /config: %d", code)
	}
	if strings.Contains(body, "hunter2secret") {
		t.Errorf("/config reveals the webhook URL:\n%s", body)
	}
	if !strings.Contains(body, "webhook_url: <secret>") {
		t.Errorf("/config lacks the <secret> marker:\n%s", body)
	}
	_, metrics := h.get("/metrics")
	if strings.Contains(metrics, "hunter2secret") {
		t.Error("/metrics reveals the webhook URL")
	}
}
