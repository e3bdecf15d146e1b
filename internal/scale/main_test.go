package scale

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"testing"
	"time"

	"github.com/monitord/monitord/internal/app"
	"github.com/monitord/monitord/internal/logging"
)

// The child process reads its task from these variables: when envChild is
// set, TestMain runs the daemon instead of the tests.
const (
	envChild    = "MONITORD_SCALE_CHILD"
	envConfig   = "MONITORD_SCALE_CONFIG"
	envStorage  = "MONITORD_SCALE_STORAGE"
	envDir      = "MONITORD_SCALE_DIR" // the address and memstats files
	envLogLevel = "MONITORD_SCALE_LOG_LEVEL"
	// envProfile names a directory for the child's profiles (see
	// instrument).
	envProfile = "MONITORD_SCALE_PROFILE"
)

// Files the child writes in its envDir.
const (
	addrFileName     = "addr"
	memstatsFileName = "memstats.json"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) != "" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

// runChild is what cmd/monitord's run does for the daemon: a logger, a
// context that SIGTERM ends, app.New and Run. It also writes the address
// it serves on to a file, so the parent can scrape it, and answers
// SIGUSR1 (see instrument).
func runChild() int {
	level := os.Getenv(envLogLevel)
	if level == "" {
		level = "warn"
	}
	log, err := logging.New(logging.Config{Level: level, Format: "logfmt"}, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer log.Sync()
	dir := os.Getenv(envDir)
	stopInstrument, err := instrument(dir, os.Getenv(envProfile))
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot instrument:", err)
		return 2
	}
	defer stopInstrument()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	a, err := app.New(app.Options{
		ConfigFile:      os.Getenv(envConfig),
		StoragePath:     os.Getenv(envStorage),
		ListenAddresses: []string{"127.0.0.1:0"},
		ShutdownGrace:   10 * time.Second,
		Logger:          log,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot start:", err)
		return 1
	}
	if err := writeFileAtomic(filepath.Join(dir, addrFileName), []byte(a.Addrs()[0].String())); err != nil {
		fmt.Fprintln(os.Stderr, "cannot write the address file:", err)
		return 1
	}
	if err := a.Run(ctx, nil); err != nil {
		fmt.Fprintln(os.Stderr, "stopped with an error:", err)
		return 1
	}
	return 0
}

func writeFileAtomic(file string, b []byte) error {
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// memstats is what the child reports of its heap on SIGUSR1.
type memstats struct {
	Seq                                   int
	Mallocs, TotalAlloc                   uint64
	HeapAlloc, HeapInuse, HeapIdle        uint64
	HeapReleased, NextGC, Sys, StackInuse uint64
	NumGC                                 uint32
	Goroutines                            int
}

// instrument makes the child answer SIGUSR1, which the parent sends at the
// end of every cycle, by writing its runtime.MemStats to dir (allocation
// counts without a /metrics scrape, whose own garbage would land in the
// next cycle). SIGUSR2 does the same after a full GC that also hands every
// free page back to the OS (debug.FreeOSMemory), so that heap in use and
// RSS are the live footprint, not wherever the GC cycle and the scavenger
// happened to be: the soak test compares those across cycles. SIGUSR1
// forces no GC, because a forced GC would lower the GC cost of the cycle
// TestScale measures next. With profileDir it also writes one CPU profile per cycle
// there (cpu-00.pprof from the start, the next one from each SIGUSR1),
// a heap profile where each begins (heap-NN.pprof), and heap, block,
// mutex and goroutine profiles when it stops.
func instrument(dir, profileDir string) (func(), error) {
	var cur *os.File
	n := 0
	rotate := func() {
		if profileDir == "" {
			return
		}
		if cur != nil {
			pprof.StopCPUProfile()
			cur.Close()
			cur = nil
		}
		// The heap profile's allocation counts are cumulative as of the
		// last GC: after a GC, the difference between two (pprof -base)
		// is one cycle's. (The forced GC falls between cycles but makes
		// the next one's GC cost lower: profile runs are for finding
		// where the time goes, not for the numbers.)
		runtime.GC()
		if h, err := os.Create(filepath.Join(profileDir, fmt.Sprintf("heap-%02d.pprof", n))); err == nil {
			pprof.Lookup("heap").WriteTo(h, 0)
			h.Close()
		}
		f, err := os.Create(filepath.Join(profileDir, fmt.Sprintf("cpu-%02d.pprof", n)))
		if err != nil {
			return
		}
		n++
		if pprof.StartCPUProfile(f) != nil {
			f.Close()
			return
		}
		cur = f
	}
	if profileDir != "" {
		runtime.SetBlockProfileRate(int(time.Millisecond))
		runtime.SetMutexProfileFraction(10)
	}
	rotate()
	seq := 0
	report := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		seq++
		b, _ := json.Marshal(memstats{Seq: seq, Mallocs: ms.Mallocs, TotalAlloc: ms.TotalAlloc, HeapAlloc: ms.HeapAlloc,
			HeapInuse: ms.HeapInuse, HeapIdle: ms.HeapIdle, HeapReleased: ms.HeapReleased, NextGC: ms.NextGC,
			Sys: ms.Sys, StackInuse: ms.StackInuse, NumGC: ms.NumGC, Goroutines: runtime.NumGoroutine()})
		_ = writeFileAtomic(filepath.Join(dir, memstatsFileName), b)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2)
	done := make(chan struct{})
	exited := make(chan struct{})
	go func() { // ends when the returned function is called
		defer close(exited)
		for {
			select {
			case sig := <-sigs:
				if sig == syscall.SIGUSR2 {
					debug.FreeOSMemory()
				} else {
					rotate()
				}
				report()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
		<-exited
		if profileDir == "" {
			return
		}
		if cur != nil {
			pprof.StopCPUProfile()
			cur.Close()
		}
		for _, name := range []string{"heap", "block", "mutex", "goroutine"} {
			f, err := os.Create(filepath.Join(profileDir, name+".pprof"))
			if err != nil {
				continue
			}
			pprof.Lookup(name).WriteTo(f, 0)
			f.Close()
		}
	}, nil
}
