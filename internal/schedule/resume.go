package schedule

import (
	"time"

	"github.com/robfig/cron/v3"
)

// resumed is a job's schedule carried over a reload: its first Next is
// the run the previous cron instance had planned, the rest come from the
// schedule itself. Without it every Apply would restart the "@every"
// timers, and reloads more frequent than a feed's interval would keep it
// from ever polling. cron calls Next from its one goroutine only.
type resumed struct {
	cron.Schedule
	first time.Time
}

func (r *resumed) Next(t time.Time) time.Time {
	if first := r.first; !first.IsZero() {
		r.first = time.Time{}
		return first // in the past when due during the reload: runs at once
	}
	return r.Schedule.Next(t)
}

// planned returns the next run the running cron instance planned for each
// job, by name.
func (s *Scheduler) planned() map[string]time.Time {
	out := map[string]time.Time{}
	if s.cron == nil {
		return out
	}
	for name, id := range s.entries {
		if e := s.cron.Entry(id); e.Valid() && !e.Next.IsZero() {
			out[name] = e.Next
		}
	}
	return out
}
