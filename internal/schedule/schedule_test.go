package schedule

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/monitord/monitord/internal/config"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newTest(t *testing.T) (*Scheduler, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	return New(zap.NewNop(), NewMetrics(reg)), reg
}

func runs(s *Scheduler, job, result string) float64 {
	return testutil.ToFloat64(s.metrics.runs.WithLabelValues(job, result))
}

// waitFor polls cond; the deadline is generous because CI machines are busy.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestImmediateRunAndResults(t *testing.T) {
	s, _ := newTest(t)
	defer s.Stop(time.Second)
	jobs := []Job{
		{Name: "ok", Spec: "@every 1h", Timeout: time.Second, Immediate: true, Run: func(context.Context) error { return nil }},
		{Name: "bad", Spec: "@every 1h", Timeout: time.Second, Immediate: true, Run: func(context.Context) error { return errors.New("upstream said no") }},
		{Name: "slow", Spec: "@every 1h", Timeout: 20 * time.Millisecond, Immediate: true, Run: func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		}},
		{Name: "boom", Spec: "@every 1h", Timeout: time.Second, Immediate: true, Run: func(context.Context) error { panic("bug") }},
	}
	if err := s.Apply(time.UTC, jobs); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ job, result string }{{"ok", "success"}, {"bad", "error"}, {"slow", "timeout"}, {"boom", "panic"}} {
		waitFor(t, c.job+" "+c.result, func() bool { return runs(s, c.job, c.result) == 1 })
	}
	if got := testutil.ToFloat64(s.metrics.jobs); got != 4 {
		t.Errorf("got %v jobs, want 4", got)
	}
}

func TestOverrunIsSkippedAndCounted(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	s := New(zap.New(core), NewMetrics(prometheus.NewRegistry()))
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	job := Job{Name: "poll", Spec: "@every 1h", Timeout: time.Minute, Immediate: true, Run: func(ctx context.Context) error {
		started <- struct{}{}
		<-release
		return nil
	}}
	if err := s.Apply(time.UTC, []Job{job}); err != nil {
		t.Fatal(err)
	}
	<-started
	// Two more ticks while the first run is going: both skipped.
	s.slots["poll"].wrapped.Run()
	s.slots["poll"].wrapped.Run()
	if got := testutil.ToFloat64(s.metrics.skips.WithLabelValues("poll")); got != 2 {
		t.Errorf("got %v skips, want 2", got)
	}
	// A reload does not let a new run overlap the old one either.
	if err := s.Apply(time.UTC, []Job{job}); err != nil {
		t.Fatal(err)
	}
	s.slots["poll"].wrapped.Run()
	if got := testutil.ToFloat64(s.metrics.skips.WithLabelValues("poll")); got != 3 {
		t.Errorf("got %v skips after reload, want 3", got)
	}
	close(release)
	waitFor(t, "the run to finish", func() bool { return runs(s, "poll", "success") == 1 })
	s.Stop(time.Second)
	// The overrun is said once, at Info; the further skips at Debug.
	if n := logs.FilterMessage("Job outlives its schedule; its next runs are skipped until it ends").Len(); n != 1 {
		t.Errorf("overrun reported %d times, want once", n)
	}
	if n := logs.FilterMessage("Job still running, skipping this run").FilterLevelExact(zap.DebugLevel).Len(); n != 2 {
		t.Errorf("%d skips at Debug, want 2", n)
	}
	if len(started) != 0 {
		t.Errorf("got %d extra runs, want none", len(started))
	}
}

func TestApplyRejectsBadJobsAndKeepsOld(t *testing.T) {
	s, _ := newTest(t)
	defer s.Stop(time.Second)
	ok := Job{Name: "quotes", Spec: "@every 1m", Timeout: time.Second, Run: func(context.Context) error { return nil }}
	if err := s.Apply(time.UTC, []Job{ok}); err != nil {
		t.Fatal(err)
	}
	bad := []Job{ok, {Name: "feed/x", Spec: "every minute", Timeout: time.Second, Run: ok.Run}, ok}
	err := s.Apply(time.UTC, bad)
	if err == nil {
		t.Fatal("got nil error, want one")
	}
	for _, want := range []string{`job "feed/x": schedule "every minute"`, `job "quotes": defined twice`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to mention %q", err, want)
		}
	}
	if got := s.Jobs(); len(got) != 1 || got[0] != "quotes" {
		t.Errorf("got jobs %v after a bad apply, want [quotes]", got)
	}
	if n := s.Next()["quotes"]; n.IsZero() {
		t.Error("got no next run for quotes")
	}
}

func TestApplyDropsRemovedJobs(t *testing.T) {
	s, reg := newTest(t)
	defer s.Stop(time.Second)
	fn := func(context.Context) error { return nil }
	if err := s.Apply(time.UTC, []Job{{Name: "a", Spec: "@every 1m", Timeout: time.Second, Run: fn}, {Name: "b", Spec: "@every 1m", Timeout: time.Second, Run: fn}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(time.UTC, []Job{{Name: "a", Spec: "@every 2m", Timeout: time.Second, Run: fn}}); err != nil {
		t.Fatal(err)
	}
	if got := testutil.CollectAndCount(s.metrics.skips); got != 1 {
		t.Errorf("got %d skip series, want 1 (job b dropped)", got)
	}
	if _, err := reg.Gather(); err != nil {
		t.Fatal(err)
	}
}

func TestStopWaitsForJobInFlight(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	s := New(zap.New(core), NewMetrics(prometheus.NewRegistry()))
	started := make(chan struct{})
	finished := make(chan struct{})
	if err := s.Apply(time.UTC, []Job{{Name: "poll", Spec: "@every 1h", Timeout: time.Minute, Immediate: true, Run: func(ctx context.Context) error {
		close(started)
		time.Sleep(100 * time.Millisecond) // work that does not watch ctx
		close(finished)
		return nil
	}}}); err != nil {
		t.Fatal(err)
	}
	<-started
	if !s.Stop(10 * time.Second) {
		t.Fatal("Stop reported runs left over")
	}
	select {
	case <-finished:
	default:
		t.Fatal("Stop returned before the job in flight finished")
	}
	// Shutdown says what it waits for.
	waiting := logs.FilterMessage("Waiting for running jobs to finish").All()
	if len(waiting) != 1 || fmt.Sprint(waiting[0].ContextMap()["jobs"]) != "[poll]" {
		t.Errorf("got %+v, want one line naming the poll", waiting)
	}
	if err := s.Apply(time.UTC, nil); err == nil {
		t.Error("Apply after Stop: got nil error, want one")
	}
}

func TestStopCancelsAfterGrace(t *testing.T) {
	s, _ := newTest(t)
	started := make(chan struct{})
	if err := s.Apply(time.UTC, []Job{{Name: "stuck", Spec: "@every 1h", Timeout: time.Hour, Immediate: true, Run: func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}}}); err != nil {
		t.Fatal(err)
	}
	<-started
	if !s.Stop(50 * time.Millisecond) {
		t.Fatal("Stop reported runs left over after cancelling them")
	}
	if got := runs(s, "stuck", "error"); got != 1 {
		t.Errorf("got %v cancelled runs, want 1", got)
	}
}

// TestReloadKeepsTheNextRun: re-applying a job with the same spec keeps
// its planned run. Before, every Apply started @every timers afresh, so
// reloads more frequent than a feed's interval kept it from ever polling.
func TestReloadKeepsTheNextRun(t *testing.T) {
	s, _ := newTest(t)
	defer s.Stop(time.Second)
	ran := make(chan time.Time, 10)
	job := func(spec string) []Job {
		return []Job{{Name: "feed/desk", Spec: spec, Timeout: time.Second,
			Run: func(context.Context) error { ran <- time.Now(); return nil }}}
	}
	start := time.Now()
	if err := s.Apply(time.UTC, job("@every 4s")); err != nil {
		t.Fatal(err)
	}
	// Due at most 4 s after start (cron rounds to the second). Reloads at
	// 1.5 s and 3 s would each have pushed it 4 s further.
	for _, at := range []time.Duration{1500 * time.Millisecond, 3 * time.Second} {
		time.Sleep(time.Until(start.Add(at)))
		if err := s.Apply(time.UTC, job("@every 4s")); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case at := <-ran:
		if d := at.Sub(start); d > 5*time.Second {
			t.Errorf("first run %v after start, want at most 4s: the reloads postponed it", d)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("no run within 8s of start: the reloads postponed it")
	}

	// A changed spec starts afresh.
	if err := s.Apply(time.UTC, job("@every 1h")); err != nil {
		t.Fatal(err)
	}
	select {
	case at := <-ran:
		t.Errorf("ran at %v under the new 1h spec", at.Sub(start))
	case <-time.After(4500 * time.Millisecond):
	}
}

// TestEveryJobsAreSpread: "@every" jobs run at a phase of their own, a
// hash of the name, evenly over the interval and the same after a
// restart; a cron expression keeps its exact times.
func TestEveryJobsAreSpread(t *testing.T) {
	at := time.Date(2026, 6, 16, 15, 0, 0, 0, time.UTC) // any instant
	every, err := config.ParseSchedule("@every 2m", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	const jobs = 1000
	var buckets [12]int // 10 s each
	for i := range jobs {
		name := fmt.Sprintf("feed/f%04d", i)
		sch := spreadSchedule(name, every)
		next := sch.Next(at)
		if d := next.Sub(at); d <= 0 || d > 2*time.Minute {
			t.Fatalf("%s: next run %v after now, want within the interval", name, d)
		}
		if again := spreadSchedule(name, every).Next(at); !again.Equal(next) {
			t.Fatalf("%s: phase %v, then %v: not stable", name, next, again)
		}
		if following := sch.Next(next); following.Sub(next) != 2*time.Minute {
			t.Fatalf("%s: runs %v apart, want 2m", name, following.Sub(next))
		}
		buckets[next.Sub(at)/(10*time.Second)]++
	}
	for i, n := range buckets {
		// About 83 a bucket; a hash that clumps would leave some near 0.
		if n < 50 || n > 120 {
			t.Errorf("bucket %d of the interval holds %d of %d jobs: %v", i, n, jobs, buckets)
		}
	}
	cronExpr, err := config.ParseSchedule("*/5 * * * *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if got := spreadSchedule("quotes", cronExpr).Next(at); !got.Equal(at.Add(5 * time.Minute)) {
		t.Errorf("cron expression moved to %v, want %v", got, at.Add(5*time.Minute))
	}
}
