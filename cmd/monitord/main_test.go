package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestCheckConfig(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		stdout   string
		stderr   []string
		noStderr string
	}{
		{args: []string{"check-config", "../../configs/monitord.yml"}, code: 0,
			stdout: "../../configs/monitord.yml: SUCCESS: 9 tickers, 9 feeds (6 enabled), 3 keyword groups, 0 rules, 0 receivers\n"},
		{args: []string{"check-config", "../../configs/example.yml"}, code: 0,
			stdout: "../../configs/example.yml: SUCCESS: 5 tickers, 14 feeds (13 enabled), 2 keyword groups, 8 rules, 3 receivers\n"},
		{args: []string{"check-config", "../../internal/config/testdata/bad_refs.bad.yml"}, code: 1,
			stderr: []string{"FAILED: 6 problem(s)", `line 11: rules[0].receivers[0]: receiver "slack-ops" is not defined in receivers`}},
		{args: []string{"check-config", "no-such-file.yml"}, code: 1,
			stderr: []string{"no-such-file.yml: FAILED: read config file: open no-such-file.yml: no such file or directory"}},
		{args: []string{"check-config"}, code: 2, stderr: []string{"required argument 'file' not provided"}},
		{args: []string{"--log.level=loud"}, code: 2, stderr: []string{"enum value must be one of debug,info,warn,error, got 'loud'"}},
		{args: []string{"--no-such-flag"}, code: 2, stderr: []string{"unknown long flag '--no-such-flag'"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("got exit %d, want %d (stderr %q)", code, tc.code, stderr.String())
			}
			if tc.stdout != "" && stdout.String() != tc.stdout {
				t.Errorf("got stdout %q, want %q", stdout.String(), tc.stdout)
			}
			for _, w := range tc.stderr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("got stderr %q, want it to contain %q", stderr.String(), w)
				}
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"--help"}, {"-h"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Errorf("%v: got exit %d, want 0", args, code)
		}
		out := stdout.String() + stderr.String()
		if !strings.Contains(out, "monitord") {
			t.Errorf("%v: got %q, want it to name monitord", args, out)
		}
	}
	var stdout, stderr bytes.Buffer
	run([]string{"--help"}, &stdout, &stderr)
	for _, flag := range []string{"--config.file", "--web.listen-address", "--web.config.file", "--storage.path", "--log.level", "--log.format", "check-config", "once", "replay"} {
		if !strings.Contains(stdout.String(), flag) {
			t.Errorf("--help lacks %s", flag)
		}
	}
}
