package rules

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/store"
)

// pendingGroup is the stories a news rule with group_wait has taken and
// not yet sent, stored under prefixGroup + rule so that a restart keeps
// them. Tick (or the next batch) sends them as one message at Deadline.
type pendingGroup struct {
	Deadline  time.Time        `json:"deadline"`
	Severity  string           `json:"severity"`
	Receivers []string         `json:"receivers"`
	Headlines []alert.Headline `json:"headlines"`
}

// OnStories evaluates the news rules on a batch of new stories: call it
// with what each feed poll returned (feeds.Source.Poll's stories, matched
// or not). A story alerts once per rule, whichever source brings it and
// however often: a story the rule already took is a duplicate. Without
// group_wait, the stories a rule takes from one batch become one message;
// with it, every story taken within group_wait of the first does.
//
// The error joins what could not be evaluated or enqueued.
func (e *Engine) OnStories(ctx context.Context, stories []feeds.Story) error {
	if len(e.news) == 0 || len(stories) == 0 {
		return nil
	}
	now := e.now()
	var errs []error
	err := e.update(ctx, func(tx *store.Tx) error {
		for _, r := range e.news {
			if err := e.evalStories(tx, r, stories, now); err != nil {
				e.log.Error("Cannot evaluate news rule", zap.String("rule", r.Name), zap.NamedError("err", err))
				errs = append(errs, err)
			}
		}
		return nil
	})
	return errors.Join(append(errs, err)...)
}

func (e *Engine) evalStories(tx *store.Tx, r *rule, stories []feeds.Story, now time.Time) error {
	b := bucket(tx)
	gk := key(prefixGroup, r.Name)
	var group pendingGroup
	grouped := getJSON(b, gk, &group)
	var taken []alert.Headline
	for i := range stories {
		s := &stories[i]
		h, ok := r.headline(s)
		if !ok {
			continue
		}
		if s.Match.Score < r.MinScore {
			e.suppressed(tx, r.Name, ReasonMinScore)
			continue
		}
		sk := key(prefixStory, r.Name, s.ID)
		if b.Get(sk) != nil {
			e.suppressed(tx, r.Name, ReasonDuplicate)
			// Still waiting to be sent: name the new source too.
			addSources(taken, h)
			addSources(group.Headlines, h)
			continue
		}
		subjects := r.storySubjects(h.Tickers)
		if r.Cooldown > 0 && !slices.ContainsFunc(subjects, func(sub string) bool {
			return !inCooldown(b, r.Name, sub, r.Cooldown.D(), now)
		}) {
			e.suppressed(tx, r.Name, ReasonCooldown)
			continue
		}
		if err := putTime(b, sk, now); err != nil {
			return err
		}
		if r.Cooldown > 0 {
			for _, sub := range subjects {
				if err := putTime(b, key(prefixCooldown, r.Name, sub), now); err != nil {
					return err
				}
			}
		}
		taken = append(taken, h)
	}
	if r.GroupWait <= 0 && !grouped {
		return e.sendNews(tx, r, r.Name, r.Severity, r.Receivers, taken, now)
	}
	if !grouped {
		if len(taken) == 0 {
			return nil
		}
		group = pendingGroup{Deadline: now.Add(r.GroupWait.D()), Severity: r.Severity, Receivers: r.Receivers}
	}
	group.Headlines = append(group.Headlines, taken...)
	if now.Before(group.Deadline) && r.GroupWait > 0 {
		return putJSON(b, gk, group)
	}
	if err := b.Delete(gk); err != nil {
		return err
	}
	return e.sendNews(tx, r, r.Name, group.Severity, group.Receivers, group.Headlines, now)
}

// flushGroups sends the pending groups whose group_wait has passed,
// including those of rules a reload removed.
func (e *Engine) flushGroups(tx *store.Tx, now time.Time) error {
	b := bucket(tx)
	type due struct {
		name  string
		group pendingGroup
	}
	var ready []due
	err := scan(b, prefixGroup, func(k, v []byte) error {
		var g pendingGroup
		if getValue(v, &g) && now.Before(g.Deadline) {
			return nil
		}
		ready = append(ready, due{string(k[len(prefixGroup):]), g})
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range ready {
		if err := b.Delete(key(prefixGroup, d.name)); err != nil {
			return err
		}
		g := d.group
		if err := e.sendNews(tx, e.byName[d.name], d.name, g.Severity, g.Receivers, g.Headlines, now); err != nil {
			return err
		}
	}
	return nil
}

// sendNews emits the headlines as news alerts of the named rule (r is nil
// when the rule is gone).
func (e *Engine) sendNews(tx *store.Tx, r *rule, name, severity string, receivers []string, hs []alert.Headline, now time.Time) error {
	if len(hs) == 0 {
		return nil
	}
	rcv := e.existing(receivers)
	for _, a := range newsAlerts(name, severity, hs, now) {
		if _, err := e.emit(tx, r, name, a, rcv, now, nil); err != nil {
			return err
		}
	}
	return nil
}

// headline returns the story as r would announce it, and whether r takes
// it: it matched one of r's keyword groups and concerns one of r's
// tickers, if r names any. Terms are those of r's groups; sources list
// the first to carry the story first.
func (r *rule) headline(s *feeds.Story) (alert.Headline, bool) {
	var terms []string
	for _, g := range s.Match.Groups {
		if r.keywords[g.Name] {
			terms = append(terms, g.Terms...)
		}
	}
	if len(terms) == 0 {
		return alert.Headline{}, false
	}
	if len(r.tickers) > 0 && !slices.ContainsFunc(s.Tickers, r.concerns) {
		return alert.Headline{}, false
	}
	h := alert.Headline{
		ID: s.ID, Title: s.Title, URL: s.Link, PublishedAt: s.Published.UTC(),
		Tickers: slices.Clone(s.Tickers), Terms: uniqueInOrder(terms),
	}
	for _, src := range s.Sources {
		if src.First {
			h.Sources = append(h.Sources, src.Feed)
		}
	}
	for _, src := range s.Sources {
		if !src.First {
			h.Sources = append(h.Sources, src.Feed)
		}
	}
	h.Sources = uniqueInOrder(h.Sources)
	if h.URL == "" && len(s.Sources) > 0 {
		h.URL = s.Sources[0].Link
	}
	return h, true
}

// storySubjects are the cooldown scopes of a story: the rule's tickers it
// concerns, or "*" (the rule as a whole) when it names none.
func (r *rule) storySubjects(tickers []string) []string {
	var out []string
	for _, t := range tickers {
		if r.concerns(t) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return []string{"*"}
	}
	return out
}

// addSources adds the sources of h to the headline with h's id in hs.
func addSources(hs []alert.Headline, h alert.Headline) {
	for i := range hs {
		if hs[i].ID == h.ID {
			hs[i].Sources = uniqueInOrder(append(hs[i].Sources, h.Sources...))
		}
	}
}

// uniqueInOrder drops repeated strings, keeping the first of each.
func uniqueInOrder(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
