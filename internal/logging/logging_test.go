package logging

import (
	"bytes"
	"strings"
	"testing"

	"go.uber.org/zap"
)

func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		format string
		want   []string
	}{
		{"logfmt", []string{"level=info", `msg="Starting monitord"`, "component=test"}},
		{"json", []string{`"level":"info"`, `"msg":"Starting monitord"`, `"component":"test"`}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			var buf bytes.Buffer
			l, err := New(Config{Level: "info", Format: tc.format}, &buf)
			if err != nil {
				t.Fatal(err)
			}
			l.Debug("Hidden")
			l.Info("Starting monitord", zap.String("component", "test"))
			got := buf.String()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q, want it to contain %q", got, w)
				}
			}
			if strings.Contains(got, "Hidden") {
				t.Errorf("debug line written at info level: %q", got)
			}
		})
	}
}

func TestBadFlags(t *testing.T) {
	for _, c := range []Config{{"verbose", "logfmt"}, {"info", "xml"}, {"", "json"}, {"fatal", "json"}} {
		if _, err := New(c, nil); err == nil {
			t.Errorf("New(%+v): got nil error, want one", c)
		}
	}
}

func TestSlogBridge(t *testing.T) {
	var buf bytes.Buffer
	l, err := New(Config{Level: "info", Format: "logfmt"}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	Slog(l).Info("Listening on", "address", "127.0.0.1:1")
	if got := buf.String(); !strings.Contains(got, "address=127.0.0.1:1") {
		t.Errorf("got %q, want the slog attribute", got)
	}
}
