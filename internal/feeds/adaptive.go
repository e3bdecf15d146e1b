package feeds

import (
	"time"

	"github.com/robfig/cron/v3"

	"github.com/monitord/monitord/internal/config"
)

// ErrNotDue is returned by Poll when an adaptive feed's next poll is not
// due yet at this tick. It is an ErrSkipped (errors.Is): neither a success
// nor a failure, and not counted.
var ErrNotDue error = notDue{}

type notDue struct{}

func (notDue) Error() string        { return "poll skipped: not due yet" }
func (notDue) Is(target error) bool { return target == ErrSkipped }

// Adaptive polling. A feed scheduled "@every D" (D of at least minAdaptive)
// is ticked four times as often and asked when due: after a poll that
// found new stories, in half the last wait (never under the tick), so a
// story that comes with others is heard sooner; after a quiet poll, in
// half as long again, up to D, so a quiet feed costs what its schedule
// says. Every request still waits for its host's politeness limit.
const (
	minAdaptive  = 2 * time.Minute
	adaptiveTick = 4
	minTick      = 30 * time.Second
)

// adaptive is the pace of one feed; its fields are guarded by the
// Source's mu.
type adaptive struct {
	tick, max time.Duration
	wait      time.Duration
	due       time.Time
}

// newAdaptive returns the pace of a feed with schedule spec, or nil when
// the schedule is a cron expression or too short to quicken.
func newAdaptive(spec string) *adaptive {
	sch, err := config.ParseSchedule(spec, time.UTC)
	if err != nil {
		return nil
	}
	c, ok := sch.(cron.ConstantDelaySchedule)
	if !ok || c.Delay < minAdaptive {
		return nil
	}
	return &adaptive{tick: max(c.Delay/adaptiveTick, minTick), max: c.Delay, wait: c.Delay}
}

// spec is the scheduler's tick.
func (a *adaptive) spec() string {
	return "@every " + a.tick.String()
}

// next sets when the feed is due after a poll that began at start and
// found fresh new stories, or failed.
func (a *adaptive) next(start time.Time, fresh, failed bool) {
	switch {
	case failed:
		a.wait = a.max
	case fresh:
		a.wait = max(a.wait/2, a.tick)
	default:
		a.wait = min(a.wait*3/2, a.max)
	}
	// Due a little before the tick that follows, so the scheduler's
	// tick and the due time never miss each other by a hair.
	a.due = start.Add(a.wait - a.tick/4)
}
