package schedule

import (
	"hash/fnv"
	"time"

	"github.com/robfig/cron/v3"
)

// spread is an "@every" schedule with a phase of its own: the job runs at
// the instants offset + k*every (on the wall clock), and offset is a hash
// of the job's name, as Prometheus offsets each scrape target within its
// interval. Without it every "@every 2m" feed fires on the same tick, and
// a thousand of them queue for the fetch slots at once; with it they come
// evenly over the interval, each at the same phase after every restart.
type spread struct {
	every, offset time.Duration
}

// spreadSchedule returns sch spread by name when it is an "@every"
// schedule, else sch itself (a cron expression says when, exactly).
func spreadSchedule(name string, sch cron.Schedule) cron.Schedule {
	c, ok := sch.(cron.ConstantDelaySchedule)
	if !ok || c.Delay <= 0 {
		return sch
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	offset := time.Duration(h.Sum64() % uint64(c.Delay))
	return spread{every: c.Delay, offset: offset.Truncate(time.Millisecond)}
}

// Next returns the first instant after t at the job's phase.
func (s spread) Next(t time.Time) time.Time {
	n, d, o := t.UnixNano(), int64(s.every), int64(s.offset)
	k := (n - o) / d
	if n-o < 0 {
		k-- // floor, for instants before the epoch's phase
	}
	return time.Unix(0, (k+1)*d+o).In(t.Location())
}
