// Command monitord watches rare-earth and critical-minerals stocks and the
// news about them, and alerts people when a price moves, a relevant
// headline lands, or a headline is followed by a price reaction.
//
// main parses flags, builds the logger, turns signals into a context and a
// reload channel, and hands over to internal/app.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	// The NYSE calendar and schedules load time zones by name; embedding
	// the zone database keeps a static binary on a bare image correct.
	_ "time/tzdata"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/version"
	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/app"
	"github.com/monitord/monitord/internal/logging"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its inputs and outputs made explicit, for tests.
func run(args []string, stdout, stderr io.Writer) int {
	var (
		opts       app.Options
		logCfg     logging.Config
		checkFile  string
		ka         = kingpin.New("monitord", "Watches rare-earth stocks and their news; alerts on moves, headlines and news impact.")
		runCmd     = ka.Command("run", "Run the daemon (the default).").Default()
		checkCmd   = ka.Command("check-config", "Validate a configuration file and exit: 0 if good, 1 with every problem if not.")
		onceCmd    = ka.Command("once", "Poll every source once and print the quotes and matched headlines; send no alerts.")
		onceAlerts bool
		replayCmd  = ka.Command("replay", "Replay recorded quotes and stories through the rules and the impact engine; print the alerts that would fire.")
		replayOpts = replayFlags(replayCmd)
		storeCmd   = ka.Command("store", "Check or salvage the state database under --storage.path.")
		storeCheck = storeCmd.Command("check", "Read the whole state database and report any damage: exit 0 if it is sound, 1 if not.")
		storeRecov = storeCmd.Command("recover", "Salvage what is readable of a damaged state database into a fresh file, keeping the damaged one beside it. Stop monitord first.")
	)
	stampVersion(debug.ReadBuildInfo())
	ka.Version(version.Print("monitord"))
	ka.HelpFlag.Short('h')
	ka.UsageWriter(stdout)
	ka.ErrorWriter(stderr)
	exitCode := -1
	ka.Terminate(func(code int) {
		if exitCode < 0 {
			exitCode = code
		}
	})
	ka.Flag("config.file", "Configuration file; without it monitord runs its built-in configuration.").StringVar(&opts.ConfigFile)
	ka.Flag("storage.path", "Directory of the state database.").Default("data").StringVar(&opts.StoragePath)
	ka.Flag("web.listen-address", "Address to listen on for the web interface and telemetry. Repeatable.").Default(app.DefaultListenAddress).StringsVar(&opts.ListenAddresses)
	ka.Flag("web.config.file", "Path to a web configuration file (TLS and basic auth, exporter-toolkit format).").Default("").StringVar(&opts.WebConfigFile)
	ka.Flag("web.systemd-socket", "Use systemd socket activation listeners instead of port listeners (Linux only).").BoolVar(&opts.SystemdSocket)
	ka.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").StringVar(&opts.TelemetryPath)
	ka.Flag("web.max-requests", "Maximum number of parallel scrape requests. Use 0 to disable.").Default("40").IntVar(&opts.MaxRequests)
	ka.Flag("web.disable-exporter-metrics", "Exclude metrics about the exporter itself (promhttp_*, process_*, go_*).").BoolVar(&opts.DisableExporterMetrics)
	ka.Flag("shutdown.grace", "How long shutdown waits for running polls, then for HTTP requests.").Default("30s").DurationVar(&opts.ShutdownGrace)
	levelSet := false
	ka.Flag("log.level", "Only log messages with the given severity or above. One of: [debug, info, warn, error]").Default("info").IsSetByUser(&levelSet).EnumVar(&logCfg.Level, logging.Levels...)
	ka.Flag("log.format", "Output format of log messages. One of: [logfmt, json]").Default("logfmt").EnumVar(&logCfg.Format, logging.Formats...)
	checkCmd.Arg("file", "Configuration file to check.").Required().StringVar(&checkFile)
	onceCmd.Flag("alerts", "Also evaluate rules and deliver alerts to the configured receivers.").BoolVar(&onceAlerts)

	cmd, err := ka.Parse(args)
	if exitCode >= 0 { // --help or --version was handled
		return exitCode
	}
	if err != nil {
		fmt.Fprintf(stderr, "monitord: %v (try --help)\n", err)
		return 2
	}
	switch cmd {
	case checkCmd.FullCommand():
		return checkConfig(checkFile, stdout, stderr)
	}

	if cmd == onceCmd.FullCommand() && !levelSet {
		// once reports each source's failure itself, once; the warnings
		// the components log for the daemon would say it again.
		logCfg.Level = "error"
	}
	logger, err := logging.New(logCfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "monitord: %v\n", err)
		return 2
	}
	defer logger.Sync()
	opts.Logger = logger

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	switch cmd {
	case runCmd.FullCommand():
		return runDaemon(ctx, opts, logger)
	case onceCmd.FullCommand():
		return runOnce(ctx, opts, onceAlerts, stdout, stderr)
	case replayCmd.FullCommand():
		return runReplay(ctx, opts.ConfigFile, replayOpts, stdout, stderr, logger)
	case storeCheck.FullCommand():
		return storeCheckRun(opts.StoragePath, stdout, stderr)
	case storeRecov.FullCommand():
		return storeRecover(opts.StoragePath, stdout, stderr, logger)
	}
	return 2
}

func runDaemon(ctx context.Context, opts app.Options, logger *zap.Logger) int {
	logger.Info("Starting monitord", zap.String("version", version.Info()))
	logger.Info("Build context", zap.String("build_context", version.BuildContext()))
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reload := make(chan struct{})
	go func() { // ends with the process; forwards SIGHUP as reload requests
		for range hup {
			reload <- struct{}{}
		}
	}()

	a, err := app.New(opts)
	if err != nil {
		logStartError(logger, "Cannot start", err, opts.StoragePath)
		return 1
	}
	cfgName := opts.ConfigFile
	if cfgName == "" {
		cfgName = "(built-in configs/monitord.yml)"
	}
	addrs := make([]string, 0, len(a.Addrs()))
	for _, ad := range a.Addrs() {
		addrs = append(addrs, ad.String())
	}
	logger.Info("Configuration loaded", zap.String("file", cfgName))
	logger.Info("Keeping state", zap.String("storage_path", opts.StoragePath))
	logger.Info("Serving web interface", zap.Strings("addresses", addrs))
	if err := a.Run(ctx, reload); err != nil {
		logger.Error("Stopped with an error", zap.NamedError("err", err))
		return 1
	}
	return 0
}

// onceTimeout bounds `once` as a whole.
const onceTimeout = 2 * time.Minute
