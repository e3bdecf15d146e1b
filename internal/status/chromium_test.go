//go:build unix

package status_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// chromiumTimeout bounds one Chromium run; two shared cores are slow.
const chromiumTimeout = 90 * time.Second

// chromium finds Debian's headless-capable Chromium. It is required under
// CI (.ci/run installs it) and optional elsewhere.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; .ci/run installs Debian's chromium package")
	}
	t.Skip("chromium not installed (apt-get install chromium)")
	return ""
}

// artifactsDir is where screenshots go: $MONITORD_ARTIFACTS_DIR, else a
// directory removed with the test.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("MONITORD_ARTIFACTS_DIR")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runChromium runs headless Chromium on url with extra arguments, in its
// own process group and profile, and returns its stdout and stderr. The
// whole group is killed when the run times out or ends, so no renderer or
// crash handler outlives the test.
func runChromium(t *testing.T, bin, url string, extra ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), chromiumTimeout)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
		"--user-data-dir=" + t.TempDir(),
	}, extra...)
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // leftovers of the group, if any
	}
	if ctx.Err() != nil {
		t.Fatalf("chromium did not finish within %s; killed.\nstderr:\n%s", chromiumTimeout, errOut.String())
	}
	if err != nil {
		t.Fatalf("chromium: %v\nstderr:\n%s", err, errOut.String())
	}
	return out.String(), errOut.String()
}

// renderedDOM loads url in Chromium and parses the DOM it rendered. The
// page must load without a console message: it has no script, so any is
// a Content Security Policy violation (an inline style or script) or a
// resource that failed to load (the stylesheet).
func renderedDOM(t *testing.T, bin, url string) *html.Node {
	t.Helper()
	out, errOut := runChromium(t, bin, url, "--dump-dom")
	for _, line := range strings.Split(errOut, "\n") {
		if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Content Security Policy") {
			t.Errorf("chromium reported: %s", line)
		}
	}
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// screenshot saves url as rendered at width×height to dir/name and logs
// where.
func screenshot(t *testing.T, bin, url, dir, name string, width, height int) string {
	t.Helper()
	path := filepath.Join(dir, name)
	runChromium(t, bin, url, "--screenshot="+path, "--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height))
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Fatalf("no screenshot at %s: %v", path, err)
	}
	t.Logf("screenshot: %s", path)
	return path
}

func TestChromiumRendersThePage(t *testing.T) {
	bin := chromium(t)
	srv := httptest.NewServer(serve(t, fixture()))
	defer srv.Close()
	doc := renderedDOM(t, bin, srv.URL+"/")
	_, cells := rows(t, doc, "quote-table")
	if len(cells) != 2 || !strings.HasPrefix(cells[0][0], "MP") || !strings.HasPrefix(cells[1][0], "USAR") {
		t.Errorf("rendered watchlist: %q", cells)
	}
	if n := len(findAll(doc, "svg", nil)); n != 2 {
		t.Errorf("rendered %d sparklines, want 2", n)
	}
	dir := artifactsDir(t)
	screenshot(t, bin, srv.URL+"/", dir, "status-fixture-desktop.png", 1280, 1000)
	screenshot(t, bin, srv.URL+"/", dir, "status-fixture-phone.png", 390, 1400)
}
