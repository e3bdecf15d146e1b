package main

import (
	"fmt"
	"io"

	"github.com/monitord/monitord/internal/config"
)

// checkConfig validates file and prints a one-line summary, or every
// problem with its key path and line.
func checkConfig(file string, stdout, stderr io.Writer) int {
	cfg, err := config.LoadFile(file)
	if err != nil {
		if ps := config.Problems(err); ps != nil {
			fmt.Fprintf(stderr, "%s: FAILED: %d problem(s)\n", file, len(ps))
			for _, p := range ps {
				fmt.Fprintf(stderr, "  %s\n", p)
			}
			return 1
		}
		fmt.Fprintf(stderr, "%s: FAILED: %v\n", file, err)
		return 1
	}
	enabled := 0
	for i := range cfg.Feeds {
		if cfg.Feeds[i].IsEnabled(cfg.Global) {
			enabled++
		}
	}
	fmt.Fprintf(stdout, "%s: SUCCESS: %d tickers, %d feeds (%d enabled), %d keyword groups, %d rules, %d receivers\n",
		file, len(cfg.Tickers), len(cfg.Feeds), enabled, len(cfg.Keywords), len(cfg.Rules), len(cfg.Receivers))
	return 0
}
