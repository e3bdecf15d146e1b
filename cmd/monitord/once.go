package main

import (
	"context"
	"fmt"
	"io"

	"github.com/monitord/monitord/internal/app"
)

// runOnce polls every source once and prints what it saw: the tables on
// stdout, each failure and the closing line on stderr. It exits 1 when
// every source failed, or nothing could be polled at all.
func runOnce(ctx context.Context, opts app.Options, alerts bool, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, onceTimeout)
	defer cancel()
	res, err := app.Once(ctx, opts, app.OnceOptions{Alerts: alerts, Out: stdout, Err: stderr})
	if err != nil {
		fmt.Fprintf(stderr, "monitord once: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "monitord once: %s\n", res.Summary())
	if res.Sources > 0 && res.Failed == res.Sources {
		return 1
	}
	return 0
}
