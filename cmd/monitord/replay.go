package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/replay"
)

// replayArgs are the argument and flags of `monitord replay`.
type replayArgs struct {
	dir         string
	until       string
	deliver     bool
	deliverWait time.Duration
}

// replayFlags declares the argument and flags of the replay command.
func replayFlags(cmd *kingpin.CmdClause) *replayArgs {
	a := &replayArgs{}
	cmd.Arg("dir", "Recording directory: quotes.jsonl, stories.jsonl, optional sources.jsonl and monitord.yml.").
		Required().ExistingDirVar(&a.dir)
	cmd.Flag("until", "Run the simulated clock to this RFC 3339 time (default: the last event plus impact.tolerance and 5m).").
		PlaceHolder("TIME").StringVar(&a.until)
	cmd.Flag("deliver", "Also send the alerts to the configured receivers; without it no receiver is called.").
		BoolVar(&a.deliver)
	cmd.Flag("deliver.timeout", "With --deliver, how long to wait for the receivers to take every alert.").
		Default("1m").DurationVar(&a.deliverWait)
	return a
}

// runReplay plays a recording through the rules and the impact engine and
// prints the alerts that would fire and the impact table. The
// configuration is --config.file, else the directory's monitord.yml, else
// the built-in one.
func runReplay(ctx context.Context, configFile string, a *replayArgs, stdout, stderr io.Writer, logger *zap.Logger) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "monitord replay: %v\n", err)
		return 1
	}
	opts := replay.Options{Logger: logger, Deliver: a.deliver, DeliverWait: a.deliverWait}
	if a.until != "" {
		t, err := time.Parse(time.RFC3339, a.until)
		if err != nil {
			return fail(fmt.Errorf("--until: %q is not an RFC 3339 time such as 2026-03-04T16:00:00-05:00", a.until))
		}
		opts.Until = t
	}
	cfg, source, err := replay.LoadConfig(a.dir, configFile)
	if err != nil {
		if ps := config.Problems(err); ps != nil {
			fmt.Fprintf(stderr, "monitord replay: %s: %d problem(s)\n", source, len(ps))
			for _, p := range ps {
				fmt.Fprintf(stderr, "  %s\n", p)
			}
			return 1
		}
		return fail(err)
	}
	opts.Config = cfg
	rec, err := replay.Read(a.dir)
	if err != nil {
		return fail(err)
	}
	res, err := replay.Run(ctx, rec, opts)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "Replay of %s with %s\n", a.dir, source)
	if err := res.Write(stdout); err != nil {
		return fail(err)
	}
	return 0
}
