package app

import (
	"context"
	"fmt"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/store"
)

// sdNotify tells systemd (Type=notify) about the daemon's state. Outside
// systemd NOTIFY_SOCKET is unset and every call is a no-op.
func (a *App) sdNotify(states ...string) {
	for _, s := range states {
		if _, err := daemon.SdNotify(false, s); err != nil {
			a.log.Warn("Cannot notify systemd", zap.String("state", s), zap.NamedError("err", err))
			return
		}
	}
}

func (a *App) notifyReady() {
	a.sdNotify(daemon.SdNotifyReady, fmt.Sprintf("STATUS=Watching %d tickers, %d feeds", len(a.Config().Tickers), len(a.Config().Feeds)))
}

func (a *App) notifyReloading() {
	a.sdNotify(daemon.SdNotifyReloading, "MONOTONIC_USEC="+daemon.SdNotifyMonotonicUsec())
}

// healthy reports whether the parts a watchdog vouches for work: the
// scheduler is running and the store answers a transaction.
func (a *App) healthy() bool {
	if !a.ready.Load() || !a.sched.Running() {
		return false
	}
	return a.store.View(func(*store.Tx) error { return nil }) == nil
}

// watchdog pings systemd's watchdog at half its interval while healthy,
// until ctx ends. A hung scheduler or store stops the pings, and systemd
// restarts the service.
func (a *App) watchdog(ctx context.Context) {
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil || interval <= 0 {
		return
	}
	t := time.NewTicker(interval / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if a.healthy() {
				a.sdNotify(daemon.SdNotifyWatchdog)
			} else {
				a.log.Warn("Unhealthy, withholding the systemd watchdog ping")
			}
		}
	}
}
