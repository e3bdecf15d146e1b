// Package schedule runs monitord's polls on cron schedules (robfig/cron/v3):
// each job with its own timeout under one root context, never two runs of
// the same job at once (an overrun is skipped and counted, not stacked),
// "@every" jobs spread over their interval by a hash of their name,
// panics recovered, and an atomic swap of the whole job set on reload.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/config"
)

// Job is one scheduled task.
type Job struct {
	// Name identifies the job in logs and metrics; it must be unique and
	// come from the configuration (quotes, feed/<name>), never from data.
	Name string
	// Spec is the cron spec, parsed by config.ParseSchedule.
	Spec string
	// Timeout bounds one run; the run's context is cancelled after it.
	Timeout time.Duration
	// Immediate runs the job once as soon as it is first scheduled, rather
	// than waiting for the first tick.
	Immediate bool
	// Quiet logs failed runs at Debug: for jobs that log their own
	// failures. They are counted all the same.
	Quiet bool
	// Run does the work. It must return when ctx is done.
	Run func(ctx context.Context) error
}

// slot is the stable home of a named job across reloads: cron's
// SkipIfStillRunning guard lives here, so a run left over from before a
// reload still blocks an overlapping run after it.
type slot struct {
	name    string
	job     atomic.Pointer[Job]
	wrapped cron.Job
	// overran is set by the first tick skipped during a run, and cleared
	// when the run ends.
	overran atomic.Bool
}

// Scheduler owns the cron instance and every run it starts.
type Scheduler struct {
	log     *zap.Logger
	metrics *Metrics
	now     func() time.Time

	mu      sync.Mutex
	cron    *cron.Cron
	entries map[string]cron.EntryID
	loc     *time.Location // of cron
	slots   map[string]*slot

	// root is the parent of every run's context; cancel aborts runs still
	// going when Stop's grace period ends.
	root   context.Context
	cancel context.CancelFunc

	// runs counts runs in flight; stopping refuses new ones.
	runMu    sync.Mutex
	running  int
	inFlight map[string]int // runs in flight by job name
	stopping bool
	idle     chan struct{}
}

// New returns a scheduler that has not started.
func New(log *zap.Logger, m *Metrics) *Scheduler {
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		log:     log.With(zap.String("component", "scheduler")),
		metrics: m,
		now:     time.Now,
		slots:   map[string]*slot{},
		root:    ctx,
		cancel:  cancel,
	}
}

// Apply schedules exactly jobs in loc, replacing whatever ran before. Every
// spec is parsed first: on any error nothing changes. Runs in flight go on
// to completion under their old definition.
func (s *Scheduler) Apply(loc *time.Location, jobs []Job) error {
	parsed := make([]cron.Schedule, len(jobs))
	names := map[string]bool{}
	var errs []error
	for i, j := range jobs {
		if names[j.Name] {
			errs = append(errs, fmt.Errorf("job %q: defined twice", j.Name))
		}
		names[j.Name] = true
		if j.Timeout <= 0 || j.Run == nil {
			errs = append(errs, fmt.Errorf("job %q: needs a timeout and a function", j.Name))
		}
		sch, err := config.ParseSchedule(j.Spec, loc)
		if err != nil {
			errs = append(errs, fmt.Errorf("job %q: schedule %q: %w", j.Name, j.Spec, err))
		}
		parsed[i] = spreadSchedule(j.Name, sch)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rootDone() {
		return errors.New("scheduler is stopped")
	}
	if s.cron != nil {
		s.cron.Stop() // no new ticks; its running jobs are tracked by s.running
	}
	// What the old instance planned, once it can no longer change: a
	// job whose spec and time zone stay resumes its plan.
	planned := map[string]time.Time{}
	if s.loc != nil && s.loc.String() == loc.String() {
		planned = s.planned()
	}
	next := cron.New(cron.WithLocation(loc))
	entries := map[string]cron.EntryID{}
	var immediate []*slot
	for i := range jobs {
		j := jobs[i]
		sch := parsed[i]
		sl, ok := s.slots[j.Name]
		if !ok {
			sl = s.newSlot(j.Name)
			s.slots[j.Name] = sl
			s.metrics.initJob(j.Name)
			if j.Immediate {
				immediate = append(immediate, sl)
			}
		} else if old := sl.job.Load(); old.Spec == j.Spec && !planned[j.Name].IsZero() {
			sch = &resumed{Schedule: sch, first: planned[j.Name]}
		}
		sl.job.Store(&j)
		entries[j.Name] = next.Schedule(sch, sl.wrapped)
	}
	for name := range s.slots {
		if !names[name] {
			delete(s.slots, name)
			s.metrics.dropJob(name)
		}
	}
	s.cron, s.entries, s.loc = next, entries, loc
	next.Start()
	s.metrics.jobs.Set(float64(len(jobs)))
	for _, sl := range immediate {
		go sl.wrapped.Run()
	}
	return nil
}

func (s *Scheduler) rootDone() bool {
	select {
	case <-s.root.Done():
		return true
	default:
		return false
	}
}

func (s *Scheduler) newSlot(name string) *slot {
	sl := &slot{name: name}
	jl := cronLogger{
		log: s.log.With(zap.String("job", name)),
		onSkip: func() bool {
			s.metrics.skips.WithLabelValues(name).Inc()
			return !sl.overran.Swap(true)
		},
	}
	sl.wrapped = cron.NewChain(cron.Recover(jl), cron.SkipIfStillRunning(jl)).
		Then(cron.FuncJob(func() { s.run(sl) }))
	return sl
}

// run executes one run of a slot's current job under the root context.
func (s *Scheduler) run(sl *slot) {
	j := sl.job.Load()
	if !s.begin(j.Name) {
		return
	}
	defer s.end(j.Name)
	defer func() {
		if sl.overran.Swap(false) {
			s.log.Info("Job ended after outliving its schedule", zap.String("job", j.Name))
		}
	}()
	ctx, cancel := context.WithTimeout(s.root, j.Timeout)
	defer cancel()
	start := s.now()
	log := s.log.With(zap.String("job", j.Name))
	defer func() {
		s.metrics.duration.WithLabelValues(j.Name).Observe(s.now().Sub(start).Seconds())
		if r := recover(); r != nil {
			s.metrics.runs.WithLabelValues(j.Name, resultPanic).Inc()
			panic(r) // cron.Recover logs it with the stack
		}
	}()
	err := j.Run(ctx)
	switch {
	case err == nil:
		s.metrics.runs.WithLabelValues(j.Name, resultSuccess).Inc()
		s.metrics.lastSuccess.WithLabelValues(j.Name).Set(float64(s.now().UnixNano()) / 1e9)
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == context.DeadlineExceeded:
		s.metrics.runs.WithLabelValues(j.Name, resultTimeout).Inc()
		log.Error("Job timed out", zap.Duration("timeout", j.Timeout), zap.NamedError("err", err))
	case s.root.Err() != nil:
		s.metrics.runs.WithLabelValues(j.Name, resultError).Inc()
		log.Info("Job cancelled by shutdown", zap.NamedError("err", err))
	case j.Quiet:
		s.metrics.runs.WithLabelValues(j.Name, resultError).Inc()
		log.Debug("Job failed", zap.NamedError("err", err))
	default:
		s.metrics.runs.WithLabelValues(j.Name, resultError).Inc()
		log.Error("Job failed", zap.NamedError("err", err))
	}
}

func (s *Scheduler) begin(name string) bool {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	if s.stopping {
		return false
	}
	s.running++
	if s.inFlight == nil {
		s.inFlight = map[string]int{}
	}
	s.inFlight[name]++
	return true
}

func (s *Scheduler) end(name string) {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	s.running--
	if s.inFlight[name]--; s.inFlight[name] <= 0 {
		delete(s.inFlight, name)
	}
	if s.running == 0 && s.idle != nil {
		close(s.idle)
		s.idle = nil
	}
}

// inFlightNames lists the jobs running now, sorted.
func (s *Scheduler) inFlightNames() []string {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	return slices.Sorted(maps.Keys(s.inFlight))
}

// waitIdle returns a channel closed once no run is in flight.
func (s *Scheduler) waitIdle() <-chan struct{} {
	s.runMu.Lock()
	defer s.runMu.Unlock()
	ch := make(chan struct{})
	if s.running == 0 {
		close(ch)
		return ch
	}
	if s.idle == nil {
		s.idle = make(chan struct{})
	}
	return s.idle
}

// Stop ends scheduling and waits up to grace for running jobs to finish;
// then it cancels their contexts and waits up to grace again. It reports
// whether every run ended.
func (s *Scheduler) Stop(grace time.Duration) bool {
	s.mu.Lock()
	if s.cron != nil {
		s.cron.Stop()
	}
	s.mu.Unlock()
	s.runMu.Lock()
	s.stopping = true
	s.runMu.Unlock()

	idle := s.waitIdle()
	select {
	case <-idle:
		s.cancel()
		return true
	default:
		// Say what shutdown waits for: a poll held by a host's politeness
		// limit can take seconds, which would otherwise pass in silence.
		s.log.Info("Waiting for running jobs to finish", zap.Strings("jobs", s.inFlightNames()), zap.Duration("grace", grace))
	}
	select {
	case <-idle:
		s.cancel()
		return true
	case <-time.After(grace):
	}
	s.log.Warn("Jobs still running at shutdown, cancelling them", zap.Strings("jobs", s.inFlightNames()))
	s.cancel()
	select {
	case <-idle:
		return true
	case <-time.After(grace):
		return false
	}
}

// Running reports whether jobs are being scheduled (applied and not stopped).
func (s *Scheduler) Running() bool {
	s.mu.Lock()
	started := s.cron != nil
	s.mu.Unlock()
	s.runMu.Lock()
	defer s.runMu.Unlock()
	return started && !s.stopping
}

// Next returns each job's next scheduled run, for status pages.
func (s *Scheduler) Next() map[string]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]time.Time, len(s.entries))
	if s.cron == nil {
		return out
	}
	for name, id := range s.entries {
		out[name] = s.cron.Entry(id).Next
	}
	return out
}

// Jobs returns the names of the scheduled jobs, sorted.
func (s *Scheduler) Jobs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.entries))
	for n := range s.entries {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
