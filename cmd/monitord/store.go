package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/store"
)

// recoverHint says what to do about a damaged state database in dir.
func recoverHint(dir string) string {
	return fmt.Sprintf("stop monitord, then run `monitord store recover --storage.path=%s` to salvage what is readable into a fresh file (the damaged one is kept beside it)", dir)
}

// logStartError logs why the daemon or `once` could not start, as one
// line; a damaged state database gets the way out in it.
func logStartError(logger *zap.Logger, msg string, err error, dir string) {
	if errors.Is(err, store.ErrDamaged) {
		logger.Error("Cannot start: the state database is damaged", zap.NamedError("err", err), zap.String("fix", recoverHint(dir)))
		return
	}
	logger.Error(msg, zap.NamedError("err", err))
}

// storeCheckRun runs `monitord store check`: it reads the whole state
// database without trusting it and prints what it holds, or every
// problem. Exit 0 when the file is sound, 1 when it is damaged or cannot
// be read.
func storeCheckRun(dir string, stdout, stderr io.Writer) int {
	rep, err := store.CheckFile(dir, store.SalvageOptions{})
	if err != nil {
		fmt.Fprintf(stderr, "monitord store check: %v\n", err)
		return 1
	}
	if rep.OK() {
		fmt.Fprintf(stdout, "%s: OK: schema version %d, %s\n", rep.Path, rep.Version, bucketSummary(rep.Buckets))
		return 0
	}
	fmt.Fprintf(stdout, "%s: DAMAGED: %d problem(s)\n", rep.Path, len(rep.Problems))
	for _, p := range rep.Problems {
		fmt.Fprintf(stdout, "  %s\n", p)
	}
	if len(rep.Buckets) > 0 {
		fmt.Fprintf(stdout, "Readable: %s\n", bucketSummary(rep.Buckets))
	}
	fmt.Fprintf(stdout, "To go on: %s.\n", recoverHint(dir))
	return 1
}

// storeRecover runs `monitord store recover`.
func storeRecover(dir string, stdout, stderr io.Writer, logger *zap.Logger) int {
	rep, err := store.Recover(dir, store.SalvageOptions{}, logger)
	if err != nil {
		fmt.Fprintf(stderr, "monitord store recover: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: recovered: %s\n", rep.Path, bucketSummary(rep.Buckets))
	if len(rep.Problems) == 0 {
		fmt.Fprintln(stdout, "No damage was found; the file was rewritten all the same.")
	} else {
		fmt.Fprintf(stdout, "Skipped what %d damaged part(s) held:\n", len(rep.Problems))
		for _, p := range rep.Problems {
			fmt.Fprintf(stdout, "  %s\n", p)
		}
	}
	fmt.Fprintf(stdout, "The damaged file is kept as %s; delete it once monitord runs well.\n", rep.Damaged)
	return 0
}

// bucketSummary renders "1500 keys in outbox (1 queue), 5946 in seen, ...".
func bucketSummary(buckets []store.BucketReport) string {
	parts := make([]string, 0, len(buckets))
	for i, b := range buckets {
		s := fmt.Sprintf("%d in %s", b.Keys, b.Name)
		if i == 0 {
			s = fmt.Sprintf("%d keys in %s", b.Keys, b.Name)
		}
		switch {
		case b.Lost:
			s = b.Name + " unreadable"
		case b.Skipped > 0:
			s += fmt.Sprintf(" (%d damaged part(s) skipped)", b.Skipped)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "nothing readable"
	}
	return strings.Join(parts, ", ")
}
