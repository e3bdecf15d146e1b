package app

import (
	"io"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/pipeline"
	"github.com/monitord/monitord/internal/schedule"
	"github.com/monitord/monitord/internal/shard"
)

// generation is what one configuration builds: the jobs to schedule and
// whatever must be released when a reload replaces it.
type generation struct {
	cfg    *config.Config
	quotes *quoteJob
	news   *newsJobs
	// pipeline evaluates what the polls produce; in `monitord once`
	// without --alerts, it only measures impact.
	pipeline *pipeline.Pipeline

	jobs []schedule.Job
	// sources names the jobs that poll an upstream (the quotes, each
	// feed), as against the pipeline's housekeeping.
	sources map[string]bool
	// reports print what the components saw, for `monitord once`.
	reports []func(w io.Writer)
	closers []func()
}

// build turns a validated configuration into components and jobs. It
// starts nothing: the scheduler starts the jobs once every part is built.
func (a *App) build(cfg *config.Config) (*generation, error) {
	gen := &generation{cfg: cfg, sources: map[string]bool{}}
	// A sharded replica polls only the tickers and feeds it owns.
	cfg = shard.Apply(cfg)
	if err := a.buildQuotes(cfg, gen); err != nil {
		return nil, err
	}
	if err := a.buildNews(cfg, gen); err != nil {
		return nil, err
	}
	if err := a.buildPipeline(cfg, gen); err != nil {
		return nil, err
	}
	if a.extraJobs != nil {
		gen.jobs = append(gen.jobs, a.extraJobs(cfg)...)
	}
	return gen, nil
}

// close releases the generation; nil-safe, for the first apply.
func (g *generation) close() {
	if g == nil {
		return
	}
	for i := len(g.closers) - 1; i >= 0; i-- {
		g.closers[i]()
	}
}
