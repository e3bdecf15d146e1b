package main

import (
	"context"
	"fmt"
	"io"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/app"
)

// runOnce polls every source once and prints what it saw.
func runOnce(ctx context.Context, opts app.Options, alerts bool, stdout io.Writer, logger *zap.Logger) int {
	ctx, cancel := context.WithTimeout(ctx, onceTimeout)
	defer cancel()
	if err := app.Once(ctx, opts, app.OnceOptions{Alerts: alerts, Out: stdout}); err != nil {
		logger.Error("Poll failed", zap.NamedError("err", err))
		fmt.Fprintf(stdout, "monitord once: %v\n", err)
		return 1
	}
	return 0
}
