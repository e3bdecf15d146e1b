// Package deploy holds the files that install and operate monitord
// (systemd, Grafana, Prometheus, Alertmanager, containers); its tests check
// them with the real tools.
package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// need returns the path of a tool .ci/run installs, failing under CI when
// it is missing and skipping elsewhere.
func need(t *testing.T, tool, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; .ci/run installs Debian's %s package", tool, pkg)
		}
		t.Skipf("%s not installed (apt-get install %s)", tool, pkg)
	}
	return p
}

// unitWithBinary copies the shipped unit with ExecStart pointing at a
// freshly built binary, since verify checks that the executable exists.
func unitWithBinary(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "monitord")
	build := exec.Command("go", "build", "-o", bin, "../cmd/monitord")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	unit, err := os.ReadFile("systemd/monitord.service")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(unit), "/usr/bin/monitord", bin)
	path := filepath.Join(dir, "monitord.service")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSystemdUnitVerifies(t *testing.T) {
	sa := need(t, "systemd-analyze", "systemd")
	unit := unitWithBinary(t)
	out, err := exec.Command(sa, "verify", unit).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

var reExposure = regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`)

func TestSystemdUnitExposure(t *testing.T) {
	sa := need(t, "systemd-analyze", "systemd")
	unit := unitWithBinary(t)
	// --threshold is on a 0-100 scale: 20 is an exposure of 2.0.
	out, err := exec.Command(sa, "security", "--offline=true", "--threshold=20", unit).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze security over the threshold: %v\n%s", err, out)
	}
	m := reExposure.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	score, _ := strconv.ParseFloat(string(m[1]), 64)
	if score > 2.0 {
		t.Errorf("got exposure %.1f, want 2.0 or better", score)
	}
	t.Logf("exposure level %.1f", score)
}

func TestSystemdUnitContract(t *testing.T) {
	unit, err := os.ReadFile("systemd/monitord.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "StateDirectory=monitord",
		"DynamicUser=yes", "ProtectSystem=strict", "CapabilityBoundingSet=", "SystemCallFilter=@system-service",
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "EnvironmentFile=-/etc/default/monitord", "WatchdogSec="} {
		if !strings.Contains(string(unit), "\n"+line) {
			t.Errorf("unit lacks %q", line)
		}
	}
}
