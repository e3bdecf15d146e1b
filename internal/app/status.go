package app

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/common/version"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/impact"
	"github.com/monitord/monitord/internal/status"
	"github.com/monitord/monitord/internal/upstream"
)

// statusStories is how many matched stories the status page lists.
const statusStories = 30

// snapshot gathers what the status page shows from the running generation.
func (a *App) snapshot(ctx context.Context) (status.Snapshot, error) {
	cfg := a.Config()
	now := a.now().In(cfg.Location())
	snap := status.Snapshot{Now: now, Version: version.Version, Ready: a.Ready()}
	if since, err := a.store.WriteFailure(); err != nil {
		snap.StoreWriteError, snap.StoreWriteErrorSince = err.Error(), since
	}
	a.reloadMu.Lock()
	gen := a.gen
	a.reloadMu.Unlock()
	if gen == nil {
		return snap, nil
	}
	next := a.sched.Next()

	if q := gen.quotes; q != nil {
		snap.Quotes = q.rows(now)
		snap.MarketNote = q.marketNote(now)
		h := q.health()
		row := status.SourceRow{Name: config.QuotesSource, Kind: "quotes",
			LastSuccess: h.lastSuccess, ConsecutiveFailures: h.failures, LastError: h.lastError, NextRun: next["quotes"]}
		if q.poller.MarketHoursOnly() && !q.poller.Pollable(q.poller.Session(now)) {
			row.Note = "market closed: not polled until it opens"
		}
		snap.Sources = append(snap.Sources, row)
	}
	if n := gen.news; n != nil {
		for _, src := range n.service.Sources() {
			row := status.SourceRow{Name: src.Name(), Kind: "feed", NextRun: next["feed/"+src.Name()]}
			h, err := src.Health()
			if err != nil {
				return snap, fmt.Errorf("feed %s health: %w", src.Name(), err)
			}
			row.LastSuccess, row.ConsecutiveFailures = h.LastSuccess, h.Failures
			if h.LastError != "" {
				row.LastError = upstream.Describe(h.LastError, 0)
			}
			if !h.BackoffUntil.IsZero() {
				row.LastError += fmt.Sprintf(" (backing off until %s)", h.BackoffUntil.In(now.Location()).Format("15:04"))
			}
			snap.Sources = append(snap.Sources, row)
		}
	}
	for _, f := range gen.cfg.Feeds {
		if why := f.DisabledReason(gen.cfg.Global); why != "" {
			snap.Sources = append(snap.Sources, status.SourceRow{Name: f.Name, Kind: "feed", Disabled: why})
		}
	}
	leads, err := feeds.Leads(a.store, now.Add(-7*24*time.Hour))
	if err != nil {
		return snap, fmt.Errorf("read leads: %w", err)
	}
	for _, l := range leads {
		snap.Leads = append(snap.Leads, status.LeadRow{Feed: l.Feed, Stories: l.Stories, First: l.First, MedianLag: l.MedianLag})
	}
	for _, r := range a.alerts.Status() {
		snap.Receivers = append(snap.Receivers, status.ReceiverRow{Name: r.Name, Integration: r.Integration,
			QueueDepth: r.Depth, OldestPending: r.Oldest, LastResult: r.LastResult, LastDelivery: r.LastAttempt,
			Failing: r.LastResult != "" && r.LastResult != "delivered"})
	}
	events, err := impact.ReadEvents(a.store, impact.Query{Since: now.Add(-7 * 24 * time.Hour), Limit: statusStories})
	if err != nil {
		return snap, fmt.Errorf("read stories: %w", err)
	}
	for _, ev := range events {
		snap.Stories = append(snap.Stories, storyRow(ev))
	}
	return snap, ctx.Err()
}

// storyRow turns an impact event into a row: horizons named as the page
// names them, the move raw and, when a benchmark applied, abnormal.
func storyRow(ev impact.Event) status.StoryRow {
	row := status.StoryRow{Time: ev.Time, Headline: ev.Title, Link: ev.Link, Tickers: ev.Tickers, Watchlist: ev.WatchlistWide,
		Terms: ev.Terms, Sources: ev.Sources}
	for _, im := range ev.Impacts {
		row.AfterHours = row.AfterHours || im.AfterHours
		for _, h := range im.Horizons {
			cell := status.ImpactCell{Symbol: im.Ticker, Horizon: horizonLabel(h.Name), Abnormal: h.AbnormalPct}
			if h.MovePct != nil {
				cell.Move, cell.Measured = *h.MovePct, true
			}
			row.Impact = append(row.Impact, cell)
		}
	}
	return row
}

func horizonLabel(name string) string {
	switch name {
	case "close":
		return "close"
	case "next_open":
		return "next open"
	case "1h":
		return "+60m"
	}
	return "+" + name
}
