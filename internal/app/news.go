package app

import (
	"context"
	"errors"
	"io"
	"sort"
	"sync"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/schedule"
)

// newsJobs polls each enabled feed on its own schedule and hands the new
// stories to the rest of the pipeline.
type newsJobs struct {
	service *feeds.Service
	// onStories receives each URL's new stories as soon as they are
	// recorded (rules, impact); onPolled each poll's outcome (source
	// health).
	onStories func(ctx context.Context, source string, stories []feeds.Story)
	onPolled  func(ctx context.Context, source string, err error)

	// seen collects the stories of the single poll of `monitord once`,
	// which prints them; the daemon keeps none (collect is false), so
	// nothing here grows with the life of the process.
	collect bool
	mu      sync.Mutex
	seen    []feeds.Story
}

func (a *App) buildNews(cfg *config.Config, gen *generation) error {
	svc, err := feeds.New(cfg, a.store, a.feedMetrics, a.log, feeds.Options{
		Hosts:       a.hosts,
		Now:         a.now,
		SkipPriming: a.once,
		FixedPace:   a.once,
	})
	if err != nil {
		return err
	}
	n := &newsJobs{service: svc, collect: a.once}
	gen.news = n
	gen.closers = append(gen.closers, svc.Close)
	for _, src := range svc.Sources() {
		gen.sources["feed/"+src.Name()] = true
		gen.jobs = append(gen.jobs, schedule.Job{
			Name:      "feed/" + src.Name(),
			Spec:      src.Schedule(),
			Timeout:   src.Timeout(),
			Immediate: true,
			// Sources log and count their own failures (a Warn when the
			// reason changes); the scheduler need not repeat them.
			Quiet: true,
			Run:   func(ctx context.Context) error { return n.poll(ctx, src) },
		})
	}
	if n.collect {
		gen.reports = append(gen.reports, n.report)
	}
	return nil
}

func (n *newsJobs) poll(ctx context.Context, src *feeds.Source) error {
	err := src.PollStream(ctx, func(ctx context.Context, stories []feeds.Story) {
		if a := n.onStories; a != nil {
			a(ctx, src.Name(), stories)
		}
		if n.collect {
			n.mu.Lock()
			n.seen = append(n.seen, stories...)
			n.mu.Unlock()
		}
	})
	if a := n.onPolled; a != nil {
		a(ctx, src.Name(), err)
	}
	if errors.Is(err, feeds.ErrSkipped) {
		return nil // backing off: counted by the feed, not a failed run
	}
	return err
}

func (n *newsJobs) report(w io.Writer) {
	n.mu.Lock()
	stories := append([]feeds.Story(nil), n.seen...)
	n.mu.Unlock()
	sort.SliceStable(stories, func(i, j int) bool { return stories[i].Published.After(stories[j].Published) })
	io.WriteString(w, "Matched headlines\n")
	feeds.WriteStories(w, stories)
	io.WriteString(w, "\n")
}
