package schedule

import (
	"fmt"

	"go.uber.org/zap"
)

// cronLogger adapts zap to robfig/cron's Logger for one job, counting the
// events cron's wrappers report: "skip" from SkipIfStillRunning and "panic"
// from Recover.
type cronLogger struct {
	log *zap.Logger
	// onSkip counts a skipped tick and reports whether it is the first of
	// the run in progress: a round that outlives its interval (a
	// per-ticker feed over thousands of symbols) is said once, not at
	// every tick.
	onSkip  func() (first bool)
	onPanic func()
}

func (l cronLogger) Info(msg string, kv ...any) {
	if msg == "skip" {
		if l.onSkip == nil || l.onSkip() {
			l.log.Info("Job outlives its schedule; its next runs are skipped until it ends")
		} else {
			l.log.Debug("Job still running, skipping this run")
		}
		return
	}
	l.log.Debug("Cron: "+msg, fields(kv)...)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	if msg == "panic" && l.onPanic != nil {
		l.onPanic()
	}
	l.log.Error("Cron: "+msg, append(fields(kv), zap.NamedError("err", err))...)
}

func fields(kv []any) []zap.Field {
	out := make([]zap.Field, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, zap.Any(fmt.Sprint(kv[i]), kv[i+1]))
	}
	return out
}
