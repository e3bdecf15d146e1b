package rules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/store"
)

// Key prefixes inside store.BucketAlertState. The delivery half of
// internal/alert owns every key outside "rules/".
const (
	// prefixEpisode + rule/subject/condition: an open episode.
	prefixEpisode = "rules/ep/"
	// prefixCooldown + rule/subject: when the rule last fired for subject.
	prefixCooldown = "rules/cool/"
	// prefixStory + rule/story id: when the rule took the story.
	prefixStory = "rules/story/"
	// prefixGroup + rule: the stories waiting for group_wait.
	prefixGroup = "rules/group/"
	// prefixHeld + rule/time/id: an alert held by quiet hours.
	prefixHeld = "rules/held/"
	// prefixSource + source: a source's poll streak.
	prefixSource = "rules/src/"
	// prefix52w + symbol: the 52-week range as it stood before today.
	prefix52w = "rules/52w/"
)

// episode is the stored state of one condition of one rule for one subject
// (a symbol or a source) while the condition holds. It is deleted when the
// condition clears.
type episode struct {
	// Params are the condition's thresholds when the episode began; a
	// reload that changes them ends the episode.
	Params string `json:"params"`
	// Variant distinguishes episodes of one condition that must not merge:
	// the direction of a move, the trading day of a daily condition.
	Variant string `json:"variant,omitempty"`
	// Start is when the condition began (data time, to the minute for
	// quotes); ConditionID is derived from it.
	Start       time.Time `json:"start"`
	ConditionID string    `json:"condition_id"`
	// Notified is set once a firing notification went out or was held by
	// quiet hours; only then is a resolved notification due.
	Notified bool `json:"notified,omitempty"`
	// LastSent is when the last firing notification was made, for
	// repeat_interval; Repeat counts the repeats.
	LastSent time.Time `json:"last_sent,omitzero"`
	Repeat   int       `json:"repeat,omitempty"`
	// Pushed is when the firing alert last reached the outbox of the
	// Alertmanager receivers (zero while quiet hours hold it).
	Pushed time.Time `json:"pushed,omitzero"`
	// Receivers and Alert are the last firing notification, to resolve
	// and refresh it even after the rule is gone.
	Receivers []string     `json:"receivers,omitempty"`
	Alert     *alert.Alert `json:"alert,omitempty"`
}

func episodeKey(rule, subject, cond string) []byte { return key(prefixEpisode, rule, subject, cond) }

// getJSON decodes the value at k into v and reports whether it was there.
// A value that does not decode (a future or corrupt encoding) counts as
// absent, so one bad entry cannot stop the rules.
func getJSON(b *store.Bucket, k []byte, v any) bool {
	raw := b.Get(k)
	return raw != nil && getValue(raw, v)
}

// getValue decodes a stored value into v and reports whether it decoded.
func getValue(raw []byte, v any) bool { return json.Unmarshal(raw, v) == nil }

func putJSON(b *store.Bucket, k []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", k, err)
	}
	if err := b.Put(k, raw); err != nil {
		return fmt.Errorf("store %s: %w", k, err)
	}
	return nil
}

func bucket(tx *store.Tx) *store.Bucket { return tx.Bucket(store.BucketAlertState) }

// scan calls fn for every key with prefix, in key order. fn may not
// modify the bucket; collect keys and change them afterwards.
func scan(b *store.Bucket, prefix string, fn func(k, v []byte) error) error {
	c := b.Cursor()
	p := []byte(prefix)
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// getTime reads a time stored by putTime.
func getTime(b *store.Bucket, k []byte) time.Time {
	raw := b.Get(k)
	if raw == nil {
		return time.Time{}
	}
	ns, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

func putTime(b *store.Bucket, k []byte, t time.Time) error {
	return b.Put(k, strconv.AppendInt(nil, t.UnixNano(), 10))
}

// inCooldown reports whether rule fired for subject less than d before now.
func inCooldown(b *store.Bucket, rule, subject string, d time.Duration, now time.Time) bool {
	if d <= 0 {
		return false
	}
	last := getTime(b, key(prefixCooldown, rule, subject))
	return !last.IsZero() && now.Sub(last) < d
}

// conditionID names one episode of a price condition: the rule, the
// symbol, the condition and its start, hashed like alert.ConditionID
// (length-prefixed parts, 128 bits in hex). The condition is part of it
// because one price rule may hold several (change_pct and above) whose
// episodes can start on the same quote.
func conditionID(rule string, kind alert.Kind, subject, cond string, start time.Time) string {
	h := sha256.New()
	for _, p := range []string{"condition", rule, string(kind), subject, cond, strconv.FormatInt(start.Unix(), 10)} {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
