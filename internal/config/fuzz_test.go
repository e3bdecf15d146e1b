package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/monitord/monitord/configs"
)

// FuzzLoad feeds arbitrary bytes to Load, the path of every configuration
// file, reload and check-config: it must never panic, every error must be
// an *Error listing at least one problem with a message, the same input
// must give the same answer twice, and a configuration it accepts must
// render for /config.
//
//	go test -run '^$' -fuzz '^FuzzLoad$' -fuzztime 30s ./internal/config/
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yml")
	files = append(files, "../../configs/example.yml")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add(configs.Default)
	f.Add([]byte("tickers: [{symbol: MP}]\nquotes: {schedule: \"CRON_TZ=UTC\"}\n"))
	f.Add([]byte("feeds:\n  - {name: x, url: \"https://x.example/{{.Symbol}}\", per_ticker: true}\n"))
	f.Add([]byte("news: {max_body_size: 1e99GiB, host_rate_limit: .nan}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// *_file keys read files: keep the fuzzer away from devices that
		// never end.
		for _, dev := range []string{"/dev", "/proc", "/sys"} {
			if bytes.Contains(data, []byte(dev)) {
				t.Skip()
			}
		}
		// Relative *_file paths resolve against testdata, where the
		// seeds' secret files are.
		cfg, err := Load(data, "testdata/fuzz.yml")
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *config.Error: %v", err, err)
			}
			if len(ce.Problems) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			for _, p := range ce.Problems {
				if p.Msg == "" {
					t.Fatalf("problem without a message in %v", err)
				}
			}
			_, again := Load(data, "testdata/fuzz.yml")
			if again == nil || again.Error() != err.Error() {
				t.Fatalf("same input, different answers:\n%v\n---\n%v", err, again)
			}
			return
		}
		if cfg == nil {
			t.Fatal("nil config without an error")
		}
		if _, err := cfg.Redacted(); err != nil {
			t.Fatalf("accepted config does not render: %v", err)
		}
	})
}
