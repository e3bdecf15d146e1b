package impact

import (
	"slices"
	"time"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/tickers"
)

// Calendar is what the engine needs of the exchange calendar; it is
// satisfied by *tickers.Calendar.
type Calendar interface {
	Session(t time.Time) tickers.Session
	NextOpen(t time.Time) time.Time
	SessionClose(t time.Time) time.Time
}

// windowVersion is the "v" of every stored window. Version 1 is the JSON of
// window below.
const windowVersion = 1

// window is one (story, ticker) measurement as stored: the story's fields
// (Event without Impacts) and the ticker's Impact.
type window struct {
	V      int    `json:"v"`
	Story  Event  `json:"story"`
	Impact Impact `json:"impact"`
}

// storyTime is when a story came out: its publication time, or its
// first-seen time when the source's date is estimated, missing or later
// than monitord's first sight (a clock ahead of ours).
func storyTime(s *feeds.Story, now time.Time) (t time.Time, estimated bool) {
	t, estimated = s.Published, s.PublishedEstimated
	if t.IsZero() || estimated || (!s.FirstSeen.IsZero() && t.After(s.FirstSeen)) {
		t, estimated = s.FirstSeen, true
	}
	if t.IsZero() {
		t = now
	}
	return t.UTC(), estimated
}

// storyEvent is the story part of an Event.
func storyEvent(s *feeds.Story, now time.Time) Event {
	t, est := storyTime(s, now)
	ev := Event{
		ID: s.ID, Title: s.Title, Link: s.Link, Time: t, TimeEstimated: est, FirstSeen: s.FirstSeen.UTC(),
		Sources: []string{}, Tickers: slices.Clone(s.Tickers), Groups: s.Match.GroupNames(), Terms: []string{},
	}
	for _, src := range s.Sources {
		if !slices.Contains(ev.Sources, src.Feed) {
			ev.Sources = append(ev.Sources, src.Feed)
		}
	}
	for _, g := range s.Match.Groups {
		for _, term := range g.Terms {
			if !slices.Contains(ev.Terms, term) {
				ev.Terms = append(ev.Terms, term)
			}
		}
	}
	if ev.Tickers == nil {
		ev.Tickers = []string{}
	}
	if ev.Groups == nil {
		ev.Groups = []string{}
	}
	return ev
}

// openWindow plans the measurement of ev on symbol: the reference time (the
// story's time in the regular session, else the next regular open) and the
// time of every horizon, measured from the reference.
func openWindow(ev Event, symbol, benchmark string, im *config.Impact, cal Calendar) window {
	if benchmark == symbol {
		benchmark = ""
	}
	ref := ev.Time
	after := cal.Session(ref) != tickers.SessionRegular
	if after {
		ref = cal.NextOpen(ref)
	}
	w := window{V: windowVersion, Story: ev, Impact: Impact{
		Ticker: symbol, Benchmark: benchmark, AfterHours: after, Status: StatusPending,
		Reference: Measure{At: ref.UTC(), Status: StatusPending},
		Horizons:  []Horizon{},
	}}
	w.Story.Impacts = nil
	for _, d := range im.Horizons {
		at, atClose := inSession(cal, ref, ref.Add(d.D()))
		w.addHorizon(Horizon{Name: d.String(), Kind: KindOffset, AtClose: atClose, Measure: Measure{At: at}})
	}
	if im.SessionClose {
		w.addHorizon(Horizon{Name: KindClose, Kind: KindClose, Measure: Measure{At: cal.SessionClose(ref)}})
	}
	if im.NextOpen {
		w.addHorizon(Horizon{Name: KindNextOpen, Kind: KindNextOpen, Measure: Measure{At: cal.NextOpen(ref)}})
	}
	return w
}

func (w *window) addHorizon(h Horizon) {
	h.At = h.At.UTC()
	h.Status = StatusPending
	w.Impact.Horizons = append(w.Impact.Horizons, h)
}

// inSession maps t, a time after ref (which is in a regular session), to
// the time its regular-session price is taken: t itself while a session
// runs, else the close of the last session before t, since the regular
// price does not change between a close and the next open.
func inSession(cal Calendar, ref, t time.Time) (time.Time, bool) {
	end := cal.SessionClose(ref)
	for range 400 { // sessions; a horizon of more than a year is absurd
		if end.IsZero() || !t.After(end) {
			return t, false
		}
		open := cal.NextOpen(end)
		if open.IsZero() || t.Before(open) {
			return end, true
		}
		end = cal.SessionClose(open)
	}
	return end, true
}

// mode says which price target i (-1: the reference) wants: the reference
// of an after-hours story and the next open are opening prices; the
// reference at publication is the last price before it.
func (w *window) mode(i int) mode {
	switch {
	case i < 0 && w.Impact.AfterHours, i >= 0 && w.Impact.Horizons[i].Kind == KindNextOpen:
		return modeOpen
	case i < 0:
		return modeBefore
	}
	return modeAt
}

// target returns the measure of target i (-1: the reference).
func (w *window) target(i int) *Measure {
	if i < 0 {
		return &w.Impact.Reference
	}
	return &w.Impact.Horizons[i].Measure
}

// resolved reports whether every target is measured or no_data.
func (w *window) resolved() bool {
	if w.Impact.Reference.Status == StatusPending {
		return false
	}
	for i := range w.Impact.Horizons {
		if w.Impact.Horizons[i].Status == StatusPending {
			return false
		}
	}
	return true
}

// due is the earliest time a pass can change w, given the longest
// `within` of the impact rules: the time of its first pending target,
// since no price is taken before its time (priceAt waits), or the zero
// time when any pass may. That is the case once the reference is measured
// while impact rules watch live quotes (maxWithin > 0): every quote poll
// checks them, and the window leaves pending only after its last horizon
// and the longest within.
func (w *window) due(maxWithin time.Duration) time.Time {
	im := &w.Impact
	if im.Reference.Status == StatusPending {
		return im.Reference.At
	}
	if maxWithin > 0 {
		return time.Time{}
	}
	var due time.Time
	for i := range im.Horizons {
		h := &im.Horizons[i]
		if h.Status != StatusPending {
			continue
		}
		if h.At.IsZero() {
			return time.Time{}
		}
		if due.IsZero() || h.At.Before(due) {
			due = h.At
		}
	}
	return due
}

// label says when a horizon was taken, for a follow-up's title: "in 15m",
// "by the close", "at the next open".
func (h *Horizon) label(ref time.Time) string {
	switch {
	case h.Kind == KindNextOpen:
		return "at the next open"
	case h.Kind == KindClose, h.AtClose:
		return "by the close"
	}
	return "in " + shortDuration(h.At.Sub(ref))
}

// shortDuration writes d the Prometheus way, rounded to the minute above a
// minute and to the second below: 15m, 1h5m, 40s.
func shortDuration(d time.Duration) string {
	if d >= time.Minute {
		d = d.Round(time.Minute)
	} else {
		d = max(d.Round(time.Second), time.Second)
	}
	return config.Duration(d).String()
}
