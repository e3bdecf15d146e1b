package status

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// EventsPath is the daemon's events API, linked from the page header.
const EventsPath = "/api/v1/events"

// view is what the template renders: the snapshot with every value
// already formatted, so the template only lays it out.
type view struct {
	Now         stamp
	Zone        string
	Version     string
	Ready       bool
	Refresh     int
	MetricsPath string
	EventsPath  string
	Stylesheet  string

	Quotes     []quoteView
	MarketNote string
	Stories    []storyView
	Horizons   []string
	Sources    []sourceView
	Receivers  []receiverView
	Leads      []leadView

	Stale, FailingSources, FailingReceivers int
	// StoreWrite is set while writes to the state database fail.
	StoreWrite *storeWriteView
}

// storeWriteView is the banner of failing writes to the state database.
type storeWriteView struct {
	Error string
	Since stamp
}

// stamp is a time for a <time> element: Text is shown, ISO goes in
// datetime, Full in the tooltip. A zero time has an empty ISO.
type stamp struct{ Text, ISO, Full string }

type quoteView struct {
	Symbol, Name, Price, Volume, State, StateRaw, Source string
	Change                                               change
	Updated                                              stamp
	Stale                                                bool
	Spark                                                sparkline
}

// change is a signed percentage: Text carries the sign, Class the colour,
// Arrow a decorative glyph hidden from screen readers.
type change struct{ Text, Class, Arrow string }

type storyView struct {
	Time       stamp
	Headline   string
	Href       string
	Tickers    []string
	Watchlist  bool
	Terms      []string
	Sources    []string
	Impact     [][]impactLine // per horizon column
	AfterHours bool
}

// impactLine is one ticker's move over one horizon; Move is "—" when not
// measured yet.
type impactLine struct {
	Symbol   string
	Move     change
	Abnormal string
	Measured bool
}

type sourceView struct {
	Name, Kind, LastError string
	// State is ok, failing, waiting (no success yet) or disabled; Note
	// says why when it is not ok.
	State, Note          string
	LastSuccess, NextRun stamp
	Failures             int
	Failing              bool
}

type leadView struct {
	Feed           string
	Stories, First int
	MedianLag      string
}

type receiverView struct {
	Name, Integration, OldestPending, LastResult string
	QueueDepth                                   int
	LastDelivery                                 stamp
	Failing                                      bool
}

// newView formats snap for the template.
func newView(snap Snapshot, opts Options) view {
	now := snap.Now
	if now.IsZero() {
		now = time.Now()
	}
	v := view{
		Now:         stamp{Text: now.Format("15:04:05"), ISO: now.Format(time.RFC3339), Full: now.Format(fullLayout)},
		Zone:        now.Format("MST"),
		Version:     snap.Version,
		Ready:       snap.Ready,
		Refresh:     max(1, int(opts.Refresh.Round(time.Second)/time.Second)), // 0 would reload at once, forever
		MetricsPath: opts.MetricsPath,
		EventsPath:  EventsPath,
		Stylesheet:  StylesheetPath,
	}
	v.MarketNote = snap.MarketNote
	if snap.StoreWriteError != "" {
		v.StoreWrite = &storeWriteView{Error: snap.StoreWriteError, Since: ago(snap.StoreWriteErrorSince, now)}
	}
	for _, q := range snap.Quotes {
		v.Quotes = append(v.Quotes, quoteView{
			Symbol: q.Symbol, Name: q.Name, Price: price(q.Price), Volume: volume(q.Volume),
			State: marketState(q.MarketState), StateRaw: q.MarketState, Source: dash(q.Source),
			Change: percent(q.ChangePct, q.Price == 0), Updated: ago(q.QuoteTime, now), Stale: q.Stale,
			Spark: newSparkline(q.Symbol, q.Spark),
		})
		if q.Stale {
			v.Stale++
		}
	}
	v.Horizons = horizons(snap.Stories)
	stories := slices.Clone(snap.Stories)
	slices.SortStableFunc(stories, func(a, b StoryRow) int { return b.Time.Compare(a.Time) })
	for _, s := range stories {
		v.Stories = append(v.Stories, newStoryView(s, v.Horizons, now))
	}
	for _, s := range snap.Sources {
		sv := sourceView{Name: s.Name, Kind: s.Kind, LastError: s.LastError, Failures: s.ConsecutiveFailures,
			Failing: s.ConsecutiveFailures > 0, LastSuccess: ago(s.LastSuccess, now), NextRun: until(s.NextRun, now),
			State: "ok", Note: s.Note}
		switch {
		case s.Disabled != "":
			sv.State, sv.Note = "disabled", s.Disabled
		case sv.Failing:
			sv.State = "failing"
		case s.LastSuccess.IsZero():
			// Never succeeded is not ok: it may never have been asked.
			sv.State = "waiting"
			sv.Note = cmp.Or(sv.Note, "not polled successfully yet")
		}
		if s.LastSuccess.IsZero() {
			sv.LastSuccess.Text = "never"
		}
		if sv.Failing {
			v.FailingSources++
		}
		v.Sources = append(v.Sources, sv)
	}
	for _, l := range snap.Leads {
		lv := leadView{Feed: l.Feed, Stories: l.Stories, First: l.First, MedianLag: "—"}
		if l.First < l.Stories {
			lv.MedianLag = "+" + duration(l.MedianLag)
		}
		v.Leads = append(v.Leads, lv)
	}
	for _, r := range snap.Receivers {
		rv := receiverView{Name: r.Name, Integration: r.Integration, QueueDepth: r.QueueDepth,
			OldestPending: "—", LastResult: cmp.Or(r.LastResult, "none yet"), LastDelivery: ago(r.LastDelivery, now),
			Failing: r.Failing}
		if r.QueueDepth > 0 {
			rv.OldestPending = duration(r.OldestPending)
		}
		if r.Failing {
			v.FailingReceivers++
		}
		v.Receivers = append(v.Receivers, rv)
	}
	return v
}

// horizons are the impact columns: +5m, +15m and +60m always, then any
// other horizon in the stories ("close", "next open") in order of first
// appearance.
func horizons(stories []StoryRow) []string {
	out := []string{"+5m", "+15m", "+60m"}
	for _, s := range stories {
		for _, c := range s.Impact {
			if c.Horizon != "" && !slices.Contains(out, c.Horizon) {
				out = append(out, c.Horizon)
			}
		}
	}
	return out
}

func newStoryView(s StoryRow, horizons []string, now time.Time) storyView {
	sv := storyView{
		Time: storyTime(s.Time, now), Headline: cmp.Or(strings.TrimSpace(s.Headline), "(no headline)"),
		Href: safeLink(s.Link), Tickers: s.Tickers, Watchlist: s.Watchlist, Terms: s.Terms, Sources: s.Sources,
		AfterHours: s.AfterHours,
	}
	symbols := map[string]bool{}
	for _, c := range s.Impact {
		symbols[c.Symbol] = true
	}
	for _, h := range horizons {
		var lines []impactLine
		for _, c := range s.Impact {
			if c.Horizon != h {
				continue
			}
			l := impactLine{Measured: c.Measured, Move: change{Text: "—"}}
			if len(symbols) > 1 {
				l.Symbol = c.Symbol
			}
			if c.Measured {
				l.Move = percent(c.Move, false)
				if c.Abnormal != nil {
					l.Abnormal = percent(*c.Abnormal, false).Text
				}
			}
			lines = append(lines, l)
		}
		sv.Impact = append(sv.Impact, lines)
	}
	return sv
}
