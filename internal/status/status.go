// Package status renders monitord's status page: the watchlist with
// prices and sparklines of the day, the recent matched stories and the
// impact measured after them, the health of every quote and news source,
// and the alert receivers' queues. It is one server-rendered HTML page
// (html/template, an embedded stylesheet, inline SVG, no script) that
// refreshes itself with a meta refresh, in the spirit of Prometheus's and
// Alertmanager's status pages.
//
// The package knows nothing of the daemon: the app fills a Snapshot from
// its components on every request, and Handler renders it.
package status

import "time"

// Snapshot is everything the page shows, gathered by the app for one
// request. It is plain data: the page adds no state of its own. Times are
// shown in Now's location (the app passes the configured time zone), and
// ages and "next run" countdowns are measured from Now.
type Snapshot struct {
	// Now is when the snapshot was taken.
	Now time.Time
	// Version is monitord's version, shown in the header.
	Version string
	// Ready is whether the configuration is applied and schedules run.
	Ready bool
	// Quotes are the watchlist in watchlist order, one row per ticker,
	// including tickers without a quote yet (zero QuoteTime).
	Quotes []QuoteRow
	// MarketNote says why prices may be missing or old: the market is
	// closed (and when it opens), or the quotes are failing (and why).
	// Empty when the session runs and quotes come.
	MarketNote string
	// Stories are the recent matched stories; the page sorts them newest
	// first.
	Stories []StoryRow
	// Sources are every quote and news source.
	Sources []SourceRow
	// Receivers are the alert receivers.
	Receivers []ReceiverRow
	// Leads are how early each feed heard the matched stories of the last
	// days: "who is first".
	Leads []LeadRow
	// StoreWriteError is why writes to the state database fail (a full
	// disk), "" while they succeed; StoreWriteErrorSince is when they
	// began to fail. The page shows a banner while it is set: nothing the
	// daemon learns is being saved.
	StoreWriteError      string
	StoreWriteErrorSince time.Time
}

// LeadRow is how early one feed had the matched stories it carried.
type LeadRow struct {
	Feed string
	// Stories is how many it carried, First how many it had first.
	Stories, First int
	// MedianLag is its median delay behind the first feed, over the
	// stories it did not have first.
	MedianLag time.Duration
}

// QuoteRow is one ticker of the watchlist.
type QuoteRow struct {
	Symbol string
	// Name is the company or fund name, when known.
	Name string
	// Price is the last price; 0 when there is no quote yet.
	Price float64
	// ChangePct is the change against the previous close in percent
	// (2.65 for +2.65 %).
	ChangePct float64
	// Volume is the session's volume so far.
	Volume int64
	// MarketState is the session the quote was taken in (PRE, REGULAR,
	// POST, CLOSED).
	MarketState string
	// Source is the quote source that produced the quote (yahoo, ...).
	Source string
	// QuoteTime is when the exchange priced the quote; its age is
	// Now-QuoteTime. Zero when there is no quote yet.
	QuoteTime time.Time
	// Stale is set when the ticker had no fresh quote for
	// quotes.stale_after during the regular session.
	Stale bool
	// Spark are the day's prices from the quote history, oldest first.
	// NaN and infinite values are skipped.
	Spark []float64
}

// StoryRow is one matched story.
type StoryRow struct {
	// Time is when the story was published (or first seen).
	Time time.Time
	// Headline is shown as text: it is always escaped.
	Headline string
	// Link is the story's URL; only absolute http and https links are
	// rendered as a link, anything else is dropped.
	Link string
	// Tickers are the watchlist symbols the story matched.
	Tickers []string
	// Watchlist marks a story about no watched company (a policy notice)
	// whose impact is measured on the whole watchlist.
	Watchlist bool
	// Terms are the keywords or rules the story matched.
	Terms []string
	// Sources are the sources that reported the story, the first to
	// report it first; the page marks that one.
	Sources []string
	// Impact is the price reaction measured so far, one cell per ticker
	// and horizon. Cells not measured yet may be omitted or have Measured
	// false; the page shows "—" for them.
	Impact []ImpactCell
	// AfterHours is set when the story came out while the market was
	// closed, so its impact is measured from the next open.
	AfterHours bool
}

// ImpactCell is the move of one ticker over one horizon after a story.
type ImpactCell struct {
	// Symbol is the ticker measured; it may be empty when the story has a
	// single ticker.
	Symbol string
	// Horizon is "+5m", "+15m", "+60m", "close" or "next open".
	Horizon string
	// Move is the price change over the horizon in percent.
	Move float64
	// Abnormal is the move net of the benchmark in percent; nil when no
	// benchmark is configured or it was not measured.
	Abnormal *float64
	// Measured is set once the horizon has passed and the move is known.
	Measured bool
}

// SourceRow is the health of one quote or news source.
type SourceRow struct {
	Name string
	// Kind is "quotes" or "feed".
	Kind string
	// LastSuccess is when the source last polled successfully; zero if
	// never.
	LastSuccess time.Time
	// ConsecutiveFailures counts the failed polls since the last success;
	// a source with any is flagged as failing.
	ConsecutiveFailures int
	// LastError is the cause of the last failure in words ("DNS lookup
	// failed", "connection refused", "HTTP 503 Service Unavailable"), never
	// a URL: URLs may carry credentials.
	LastError string
	// Note says why a source that is not failing has no success yet
	// ("market closed"); Disabled why it does not poll at all.
	Note, Disabled string
	// NextRun is when the source is polled next; zero if not scheduled.
	NextRun time.Time
}

// ReceiverRow is the delivery state of one alert receiver.
type ReceiverRow struct {
	Name string
	// Integration is the receiver's kind (slack, webhook, alertmanager).
	Integration string
	// QueueDepth is how many notifications wait for delivery.
	QueueDepth int
	// OldestPending is how long the oldest of them has waited.
	OldestPending time.Duration
	// LastResult is the outcome of the last delivery attempt ("delivered",
	// "HTTP 503, retrying"); empty if none yet.
	LastResult string
	// LastDelivery is when that attempt was made.
	LastDelivery time.Time
	// Failing flags the receiver: the last attempt failed.
	Failing bool
}
