// Package logging builds monitord's zap logger from the Prometheus-style
// --log.level and --log.format flags, and bridges it to log/slog for the
// libraries that want one (exporter-toolkit).
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	zaplogfmt "github.com/jsternberg/zap-logfmt"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"
	"go.uber.org/zap/zapcore"
)

// Levels and Formats are the accepted flag values, in the names promslog
// uses.
var (
	Levels  = []string{"debug", "info", "warn", "error"}
	Formats = []string{"logfmt", "json"}
)

// Config selects the level and format of the logger.
type Config struct {
	Level  string
	Format string
}

// New returns a logger writing to w (stderr when nil). Timestamps are UTC
// RFC 3339 with milliseconds, keys are ts, level, caller, msg, as in the
// Prometheus tools.
func New(cfg Config, w io.Writer) (*zap.Logger, error) {
	var lvl zapcore.Level
	if err := lvl.UnmarshalText([]byte(cfg.Level)); err != nil || cfg.Level == "" || lvl > zapcore.ErrorLevel {
		return nil, fmt.Errorf("unknown log level %q (want debug, info, warn or error)", cfg.Level)
	}
	ec := zapcore.EncoderConfig{
		TimeKey:        "ts",
		LevelKey:       "level",
		NameKey:        "logger",
		CallerKey:      "caller",
		MessageKey:     "msg",
		StacktraceKey:  "stacktrace",
		LineEnding:     zapcore.DefaultLineEnding,
		EncodeLevel:    zapcore.LowercaseLevelEncoder,
		EncodeTime:     utcMillis,
		EncodeDuration: zapcore.StringDurationEncoder,
		EncodeCaller:   zapcore.ShortCallerEncoder,
	}
	var enc zapcore.Encoder
	switch cfg.Format {
	case "logfmt", "":
		enc = zaplogfmt.NewEncoder(ec)
	case "json":
		enc = zapcore.NewJSONEncoder(ec)
	default:
		return nil, fmt.Errorf("unknown log format %q (want logfmt or json)", cfg.Format)
	}
	if w == nil {
		w = os.Stderr
	}
	core := zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), lvl)
	return zap.New(core, zap.AddCaller(), zap.AddStacktrace(zapcore.DPanicLevel)), nil
}

func utcMillis(t time.Time, enc zapcore.PrimitiveArrayEncoder) {
	enc.AppendString(t.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
}

// Slog returns a *slog.Logger writing through l.
func Slog(l *zap.Logger) *slog.Logger {
	return slog.New(zapslog.NewHandler(l.Core(), zapslog.WithCaller(true)))
}
