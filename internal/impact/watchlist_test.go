package impact

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/feeds/match"
)

// policyStory is a matched story about no watched company, in group.
func policyStory(id, title, group string, pub time.Time) feeds.Story {
	return feeds.Story{ID: id, Title: title, Published: pub.UTC(), FirstSeen: pub.Add(30 * time.Second).UTC(),
		Match:   match.Result{Groups: []match.GroupHit{{Name: group, Terms: []string{"export controls"}}}, Score: 2},
		Sources: []feeds.SourceRef{{Feed: "federal-register", Seen: pub, First: true}}}
}

// TestPolicyStoriesMeasureTheWatchlist: a story about no watched company
// that matched one of impact.watchlist_groups (a Federal Register notice)
// is measured on every ticker of the watchlist and the benchmark; a story
// of another group about no company is not measured. Only impact rules
// that name the group follow such a story up: a policy notice moves every
// name, and a rule written for company news would alert once per ticker.
func TestPolicyStoriesMeasureTheWatchlist(t *testing.T) {
	cfg := testConfig(impactRule("news-impact", 3, 30*time.Minute))
	policy := impactRule("policy-impact", 3, 30*time.Minute)
	policy.Name = "policy-impact"
	policy.Spec.(*config.ImpactRule).Keywords = []string{"policy"}
	cfg.Rules = append(cfg.Rules, policy)
	cfg.Impact.WatchlistGroups = []string{"policy"}
	h := newHarness(t, cfg)
	d := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	scripts := map[string]steps{
		"MP":   {{d("09:00"), 20}, {d("10:05"), 21.6}},
		"USAR": {{d("09:00"), 10}},
		"UUUU": {{d("09:00"), 8}},
		"REMX": {{d("09:00"), 50}},
	}
	h.pollMinutes(d("09:58"), d("10:00"), scripts)
	h.stories(d("10:00:30"),
		policyStory("fr1", "Commerce adds rare earth magnets to export controls list", "policy", d("10:00")),
		policyStory("gen1", "Rare earth prices steady in Asia", "rare_earth", d("10:00")))
	h.pollMinutes(d("10:01"), d("10:40"), scripts)
	h.tick(d("10:42"))

	evs := h.events("")
	if len(evs) != 1 || evs[0].ID != "fr1" || !evs[0].WatchlistWide {
		t.Fatalf("events %+v, want the policy story alone, watchlist-wide", evs)
	}
	var measured []string
	for _, im := range evs[0].Impacts {
		measured = append(measured, im.Ticker)
	}
	if diff := cmp.Diff([]string{"MP", "REMX", "USAR", "UUUU"}, measured); diff != "" {
		t.Errorf("measured on (-want +got):\n%s", diff)
	}
	want := []string{"MP +8.0% in 5m after 'Commerce adds rare earth magnets to export controls list'"}
	if diff := cmp.Diff(want, h.alerts.titles()); diff != "" {
		t.Errorf("follow-ups (-want +got):\n%s", diff)
	}
}
