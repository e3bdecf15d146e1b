package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const syntheticDir = "../../internal/replay/testdata/synthetic"

func TestReplay(t *testing.T) {
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "quotes.jsonl"), []byte("# SYNTHETIC\n{\"symbol\": \"MP\", \"price\": 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{name: "synthetic set", args: []string{"replay", syntheticDir}, code: 0, stdout: []string{
			"Replay of " + syntheticDir + " with " + syntheticDir + "/monitord.yml\n",
			"Alerts that would fire: 22 (no receiver was called)",
			"big-move         price          firing    MP",
			"MP +4.3% in 5m after '[SYNTHETIC] MP Materials signs NdPr magnet offtake with synthetic automaker'",
			"News impact: 3 stories",
			"  MP      REMX       $25.50 at 09:59  +4.31% (+4.26%)",
		}},
		{name: "built-in configuration by --config.file", args: []string{"--config.file=../../configs/monitord.yml", "replay", syntheticDir},
			code: 0, stdout: []string{"with ../../configs/monitord.yml\n", "Alerts that would fire: 0",
				"Ignored: 6 source polls of sources the configuration does not have: synthetic-desk",
				// The built-in watchlist_groups measure the story about no
				// watched company on the whole watchlist too.
				"News impact: 4 stories"}},
		{name: "until", args: []string{"replay", "--until=2026-03-04T11:00:00-05:00", syntheticDir}, code: 0,
			stdout: []string{"to 2026-03-04 11:00 EST", "-3.67% (-3.55%)  no data  pending"}},
		{name: "bad until", args: []string{"replay", "--until=tomorrow", syntheticDir}, code: 1,
			stderr: []string{`monitord replay: --until: "tomorrow" is not an RFC 3339 time`}},
		{name: "bad line", args: []string{"replay", bad}, code: 1,
			stderr: []string{"monitord replay: quotes.jsonl:2: time: is required"}},
		{name: "bad config", args: []string{"--config.file=../../internal/config/testdata/bad_refs.bad.yml", "replay", syntheticDir}, code: 1,
			stderr: []string{"bad_refs.bad.yml: 6 problem(s)", `rules[0].receivers[0]: receiver "slack-ops" is not defined`}},
		{name: "no directory", args: []string{"replay", "no-such-dir"}, code: 2,
			stderr: []string{"no-such-dir"}},
		{name: "no argument", args: []string{"replay"}, code: 2,
			stderr: []string{"required argument 'dir' not provided"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("got exit %d, want %d (stderr %q)", code, tc.code, stderr.String())
			}
			for _, w := range tc.stdout {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("got stdout\n%s\nwant it to contain %q", stdout.String(), w)
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("got stderr %q, want it to contain %q", stderr.String(), w)
				}
			}
		})
	}
}
