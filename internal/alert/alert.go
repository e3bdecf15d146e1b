// Package alert gets what the rules decide in front of people: the Alert
// type, the durable outbox that commits every alert to the store before any
// attempt to send it, and the receivers that deliver it (Slack incoming
// webhooks, signed generic webhooks and the Alertmanager v2 API).
//
// Delivery follows Alertmanager's notify pipeline: a Notifier reports
// whether its error is worth retrying; each receiver endpoint drains its own
// queue in its own goroutine with its own rate limit, retrying with
// exponential backoff and jitter bounded by the context and the receiver's
// max_age, never by a count. An alert leaves the outbox only when a receiver
// acknowledged it, answered with a permanent error, or outlived max_age, so a
// crash at any point yields at worst a duplicate with the same ID.
package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"time"
)

// Kind says what an alert is about.
type Kind string

// Alert kinds: one per rule type.
const (
	KindPrice        Kind = "price"
	KindNews         Kind = "news"
	KindImpact       Kind = "impact"
	KindSourceHealth Kind = "source_health"
)

// Status says whether a condition holds (firing) or has cleared (resolved:
// a price back under its level, a source that recovered).
type Status string

// Alert statuses.
const (
	StatusFiring   Status = "firing"
	StatusResolved Status = "resolved"
)

// Alert is one thing worth a person's attention, as the rules produce it and
// every receiver delivers it. It is stored in the outbox as JSON and is the
// "data" of the webhook body (schema version WebhookSchemaVersion), so
// fields are only ever added.
//
// Identity: ConditionID names the condition episode or the story set and
// stays the same when the alert resolves; ID names this notification (the
// webhook-id idempotency key). Both are derived from content by Identify,
// never from local counters, so two replicas that see the same thing name it
// the same and Alertmanager folds their pushes into one alert.
type Alert struct {
	// ID is this notification's stable id; see Identify.
	ID string `json:"id"`
	// ConditionID is the condition or story id, shared by the firing and
	// the resolved notification; see Identify.
	ConditionID string `json:"condition_id"`
	Status      Status `json:"status"`
	Kind        Kind   `json:"kind"`
	// Rule is the name of the rule that produced the alert.
	Rule string `json:"rule"`
	// Severity is the rule's severity: info, warning or critical.
	Severity string `json:"severity"`
	// Symbols are the tickers concerned, from the configured list.
	Symbols []string `json:"symbols,omitempty"`
	// Source is the failing quote or news source of a source-health alert.
	Source string `json:"source,omitempty"`
	// Title is a one-line headline ("MP +6.2% to $24.10"). Untrusted: it may
	// carry a news headline; receivers escape it.
	Title string `json:"title"`
	// Summary is a short paragraph for the body of the message.
	Summary string `json:"summary,omitempty"`
	// Reason says why the rule matched ("change +6.2% >= 5%", "matched
	// rare earth, NdPr").
	Reason string `json:"reason,omitempty"`
	// Link is where to read more (the story, a chart).
	Link string `json:"link,omitempty"`
	// Price is the quote behind a price or impact alert.
	Price *Price `json:"price,omitempty"`
	// Headlines are the stories of a news or impact alert; a burst of news
	// becomes one alert listing several.
	Headlines []Headline `json:"headlines,omitempty"`
	// StartsAt is when the condition began: the quote time of the crossing,
	// the first failed poll. It is part of a condition's identity, so it
	// must come from the data, not from time.Now.
	StartsAt time.Time `json:"starts_at,omitzero"`
	// EndsAt is when a resolved condition cleared.
	EndsAt time.Time `json:"ends_at,omitzero"`
	// CreatedAt is when the rule produced the alert (Enqueue sets it if
	// zero). Not part of the identity.
	CreatedAt time.Time `json:"created_at"`
	// Repeat counts re-sends of a condition that still holds (0 for the
	// first). It enters ID, so a repeat is a new notification.
	Repeat int `json:"repeat,omitempty"`
}

// Price is the quote behind an alert.
type Price struct {
	Symbol        string    `json:"symbol"`
	Price         float64   `json:"price"`
	PreviousClose float64   `json:"previous_close,omitempty"`
	Change        float64   `json:"change"`
	ChangePct     float64   `json:"change_pct"`
	Currency      string    `json:"currency,omitempty"`
	Volume        int64     `json:"volume,omitempty"`
	At            time.Time `json:"at,omitzero"`
}

// Headline is one story in a news or impact alert.
type Headline struct {
	// ID is the story id internal/feeds derives from the normalised
	// headline, the same on every replica and for every source.
	ID    string `json:"id"`
	Title string `json:"title"`
	URL   string `json:"url,omitempty"`
	// Sources are the feeds that carried the story.
	Sources []string `json:"sources,omitempty"`
	// Tickers are the symbols the story concerns; Terms the keywords that
	// matched.
	Tickers     []string  `json:"tickers,omitempty"`
	Terms       []string  `json:"terms,omitempty"`
	PublishedAt time.Time `json:"published_at,omitzero"`
}

// Resolved reports whether the alert announces a cleared condition.
func (a *Alert) Resolved() bool { return a.Status == StatusResolved }

// Identify fills ConditionID and ID when they are empty.
//
// ConditionID hashes the rule, the kind and what the alert is about: for a
// news alert the sorted story ids; for an impact alert the story ids and the
// symbols; otherwise the sorted symbols, the source and StartsAt (the
// episode's start, to the second). ID hashes ConditionID, Status and Repeat.
func (a *Alert) Identify() {
	if a.Status == "" {
		a.Status = StatusFiring
	}
	if a.ConditionID == "" {
		a.ConditionID = ConditionID(a)
	}
	if a.ID == "" {
		h := newIDHash()
		h.add("notification", a.ConditionID, string(a.Status), strconv.Itoa(a.Repeat))
		a.ID = h.sum()
	}
}

// ConditionID returns the content-derived condition id of a, ignoring
// a.ConditionID (see Identify). The rules half can key its state by it.
func ConditionID(a *Alert) string {
	h := newIDHash()
	h.add("condition", a.Rule, string(a.Kind))
	stories := make([]string, 0, len(a.Headlines))
	for _, s := range a.Headlines {
		stories = append(stories, s.ID)
	}
	slices.Sort(stories)
	symbols := slices.Sorted(slices.Values(a.Symbols))
	switch {
	case a.Kind == KindNews && len(stories) > 0:
		h.add(stories...)
	case len(stories) > 0:
		h.add(symbols...)
		h.add("|")
		h.add(stories...)
	default:
		h.add(symbols...)
		h.add("|", a.Source, strconv.FormatInt(a.StartsAt.Unix(), 10))
	}
	return h.sum()
}

// validate reports what makes a unfit to enqueue.
func (a *Alert) validate() error {
	switch {
	case a.Rule == "":
		return fmt.Errorf("alert has no rule")
	case a.Kind == "":
		return fmt.Errorf("alert of rule %q has no kind", a.Rule)
	case a.Title == "":
		return fmt.Errorf("alert of rule %q has no title", a.Rule)
	case a.Status != StatusFiring && a.Status != StatusResolved:
		return fmt.Errorf("alert of rule %q has unknown status %q", a.Rule, a.Status)
	case a.StartsAt.IsZero() && len(a.Headlines) == 0:
		return fmt.Errorf("condition alert of rule %q has no starts_at", a.Rule)
	}
	return nil
}

// idHash hashes length-prefixed parts, so ("ab","c") and ("a","bc") differ.
type idHash struct{ h hash.Hash }

func newIDHash() idHash { return idHash{sha256.New()} }

func (h idHash) add(parts ...string) {
	for _, p := range parts {
		fmt.Fprintf(h.h, "%d:%s;", len(p), p)
	}
}

// sum is the first 128 bits in hex: 32 characters, collision-free at any
// volume monitord will see, short enough for a header and a label.
func (h idHash) sum() string { return hex.EncodeToString(h.h.Sum(nil)[:16]) }
