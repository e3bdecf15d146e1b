package scale

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// daemon is monitord running in a child process: this test binary
// re-executed with envChild set (see TestMain).
type daemon struct {
	t       testing.TB
	cmd     *exec.Cmd
	base    string // http://host:port of its web interface
	dir     string // where it writes its address and memstats
	logFile string
	seq     int // of the last memstats read
	done    chan struct{}
	err     error // the exit status, once done is closed
}

// daemonSpec says what a child runs.
type daemonSpec struct {
	config  string // configuration file
	storage string // --storage.path
	dir     string // for the address file and the log
	// logLevel defaults to $MONITORD_SCALE_LOG_LEVEL, else warn.
	logLevel string
	// env is added to the child's environment.
	env []string
}

// startDaemon starts a child and waits until it serves HTTP (the store is
// open and the configuration loaded; polls may already run).
func startDaemon(t testing.TB, spec daemonSpec) *daemon {
	t.Helper()
	addrFile := filepath.Join(spec.dir, addrFileName)
	os.Remove(addrFile)
	os.Remove(filepath.Join(spec.dir, memstatsFileName))
	logFile := filepath.Join(spec.dir, "daemon.log")
	if dir := os.Getenv(envProfile); dir != "" {
		// Kept with the profiles; GODEBUG=gctrace=1 lands here too.
		logFile = filepath.Join(dir, "daemon.log")
	}
	logw, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(logw, "--- start %s\n", time.Now().Format(time.RFC3339Nano))
	if spec.logLevel == "" {
		spec.logLevel = os.Getenv(envLogLevel)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"=1", envConfig+"="+spec.config, envStorage+"="+spec.storage,
		envDir+"="+spec.dir, envLogLevel+"="+spec.logLevel)
	cmd.Env = append(cmd.Env, spec.env...)
	cmd.Stdout, cmd.Stderr = logw, logw
	if err := cmd.Start(); err != nil {
		logw.Close()
		t.Fatal(err)
	}
	d := &daemon{t: t, cmd: cmd, dir: spec.dir, logFile: logFile, done: make(chan struct{})}
	go func() { // ends when the child exits
		d.err = cmd.Wait()
		logw.Close()
		close(d.done)
	}()
	t.Cleanup(d.kill)
	deadline := time.Now().Add(time.Minute)
	for {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			d.base = "http://" + string(b)
			return d
		}
		select {
		case <-d.done:
			t.Fatalf("daemon exited before serving: %v\n%s", d.err, d.logTail())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.kill()
			t.Fatalf("daemon did not start within a minute\n%s", d.logTail())
		}
	}
}

func (d *daemon) pid() int { return d.cmd.Process.Pid }

// memstats asks the child for its runtime.MemStats (SIGUSR1, which also
// starts its next CPU profile when it profiles) and waits for the answer.
func (d *daemon) memstats() memstats {
	d.t.Helper()
	return d.askMemstats(syscall.SIGUSR1)
}

// memstatsAfterGC is memstats after a full GC in the child that returns
// its free memory to the OS (SIGUSR2): the live heap, and an RSS read
// once it returns holds no garbage.
func (d *daemon) memstatsAfterGC() memstats {
	d.t.Helper()
	return d.askMemstats(syscall.SIGUSR2)
}

func (d *daemon) askMemstats(sig syscall.Signal) memstats {
	d.t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		d.t.Fatalf("signal the daemon: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ms memstats
		if b, err := os.ReadFile(filepath.Join(d.dir, memstatsFileName)); err == nil && json.Unmarshal(b, &ms) == nil && ms.Seq > d.seq {
			d.seq = ms.Seq
			return ms
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("the daemon did not report its memstats\n%s", d.logTail())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the child to die.
func (d *daemon) kill() {
	select {
	case <-d.done:
		return
	default:
	}
	_ = d.cmd.Process.Signal(syscall.SIGKILL)
	<-d.done
}

// stop asks the daemon to shut down (SIGTERM) and returns its exit error.
func (d *daemon) stop() error {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
		return d.err
	case <-time.After(time.Minute):
		d.kill()
		return fmt.Errorf("daemon ignored SIGTERM for a minute")
	}
}

// logTail is the end of the daemon's log, for failure messages.
func (d *daemon) logTail() string {
	b, _ := os.ReadFile(d.logFile)
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	return string(b)
}

// procStats is what /proc says about the daemon.
type procStats struct {
	cpu      time.Duration // user + system, every thread
	rss, hwm int64         // resident and peak resident bytes
	// anon and file split rss: the heap and stacks, and mapped files
	// (the binary and the store's mmap).
	anon, file int64
}

// clockTick is USER_HZ, the unit of /proc/PID/stat times: 100 on every
// Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

func readProc(pid int) (procStats, error) {
	var ps procStats
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ps, err
	}
	// The command name may hold spaces; fields resume after its ')'.
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return ps, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64) // field 14
	stime, _ := strconv.ParseInt(fields[12], 10, 64) // field 15
	ps.cpu = time.Duration(utime+stime) * clockTick
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ps, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			ps.rss = kb << 10
		case "VmHWM":
			ps.hwm = kb << 10
		case "RssAnon":
			ps.anon = kb << 10
		case "RssFile":
			ps.file = kb << 10
		}
	}
	return ps, sc.Err()
}

func (d *daemon) proc() procStats {
	d.t.Helper()
	ps, err := readProc(d.pid())
	if err != nil {
		d.t.Fatalf("read /proc of the daemon: %v", err)
	}
	return ps
}

// scrape fetches /metrics.
func (d *daemon) scrape() string {
	d.t.Helper()
	resp, err := http.Get(d.base + "/metrics")
	if err != nil {
		d.t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		d.t.Fatalf("scrape: %d %v", resp.StatusCode, err)
	}
	return string(b)
}

// runSeed returns the seed of a randomised run: the one in the
// environment variable env when set, to replay a run, else a new one. It
// logs the seed and how to replay it.
func runSeed(t *testing.T, env string) int64 {
	t.Helper()
	seed := time.Now().UnixNano()
	if v := os.Getenv(env); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		seed = n
	}
	t.Logf("seed %d (replay with %s=%d)", seed, env, seed)
	return seed
}
