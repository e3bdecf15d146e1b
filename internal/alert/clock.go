package alert

import (
	"context"
	"time"
)

// clock is the time source of delivery: the rate limit, the backoff, max
// age, webhook timestamps and Alertmanager's endsAt all read it, so tests
// drive them with a fake clock instead of waiting on the wall.
type clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx ends, returning ctx.Err() then.
	Sleep(ctx context.Context, d time.Duration) error
}

// wallClock is the real clock, or the daemon's clock when now is set; its
// Sleep always waits on the wall.
type wallClock struct{ now func() time.Time }

func (c wallClock) Now() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

func (wallClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
