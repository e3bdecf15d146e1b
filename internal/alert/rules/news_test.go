package rules

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/feeds"
	"github.com/monitord/monitord/internal/feeds/match"
)

// story is a new story first carried by sources[0], matching group with
// terms, concerning tickers.
func story(id, title string, score float64, group string, tickers []string, sources ...string) feeds.Story {
	s := feeds.Story{
		ID: id, Title: title, Link: "https://news.example.com/" + id,
		Published: t0.Add(-time.Minute), FirstSeen: t0, Tickers: tickers,
		Match: match.Result{Score: score},
	}
	switch group {
	case "rare_earth":
		s.Match.Groups = []match.GroupHit{{Name: "rare_earth", Terms: []string{"NdPr"}}}
	case "lithium":
		s.Match.Groups = []match.GroupHit{{Name: "lithium", Terms: []string{"lithium"}}}
	}
	for i, src := range sources {
		s.Sources = append(s.Sources, feeds.SourceRef{Feed: src, Link: s.Link, Seen: t0, First: i == 0})
	}
	return s
}

func (r *rig) stories(ss ...feeds.Story) {
	r.t.Helper()
	if err := r.e.OnStories(context.Background(), ss); err != nil {
		r.t.Fatalf("OnStories: %v", err)
	}
}

const newsRule = `
  - {name: ree, type: news, keywords: [rare_earth], receivers: [slack]}`

func TestNewsBatchIsOneMessage(t *testing.T) {
	r := newRig(t, newsRule)
	r.stories(
		story("a1", "MP Materials lifts NdPr output", 4, "rare_earth", []string{"MP"}, "wire-a", "wire-b"),
		story("b2", "Lithium prices slide", 2, "lithium", []string{"LAC"}, "wire-a"),
		story("c3", "China tightens NdPr exports", 2, "rare_earth", nil, "wire-a"),
		story("d4", "Quarterly results", 0, "", []string{"MP"}, "wire-a"),
	)
	got := r.rec.take()
	if len(got) != 1 {
		t.Fatalf("got %d alerts %q, want one message", len(got), lines(got))
	}
	a := got[0].Alert
	want := alert.Alert{
		ID: a.ID, ConditionID: a.ConditionID, CreatedAt: a.CreatedAt,
		Status: alert.StatusFiring, Kind: alert.KindNews, Rule: "ree", Severity: "warning",
		Symbols: []string{"MP"},
		Title:   "2 headlines matching NdPr",
		Reason:  "matched NdPr; concerns MP",
		Headlines: []alert.Headline{
			{ID: "a1", Title: "MP Materials lifts NdPr output", URL: "https://news.example.com/a1",
				Sources: []string{"wire-a", "wire-b"}, Tickers: []string{"MP"}, Terms: []string{"NdPr"}, PublishedAt: t0.Add(-time.Minute)},
			{ID: "c3", Title: "China tightens NdPr exports", URL: "https://news.example.com/c3",
				Sources: []string{"wire-a"}, Terms: []string{"NdPr"}, PublishedAt: t0.Add(-time.Minute)},
		},
	}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Errorf("alert differs (-want +got):\n%s", diff)
	}
	if a.ConditionID != alert.ConditionID(&a) || a.ID == "" {
		t.Errorf("got condition id %q and id %q, want content-derived ids", a.ConditionID, a.ID)
	}
}

func TestNewsSingleStory(t *testing.T) {
	r := newRig(t, newsRule)
	// The second source had it first.
	s := story("a1", "MP Materials lifts NdPr output", 4, "rare_earth", []string{"MP"}, "wire-b", "wire-a")
	s.Sources[0], s.Sources[1] = s.Sources[1], s.Sources[0]
	r.stories(s)
	got := r.rec.take()
	if len(got) != 1 {
		t.Fatalf("got %d alerts, want 1", len(got))
	}
	a := got[0].Alert
	if a.Title != s.Title || a.Link != s.Link {
		t.Errorf("got title %q link %q, want the story's %q %q", a.Title, a.Link, s.Title, s.Link)
	}
	if want := "matched NdPr; concerns MP; first on wire-b (+1 more sources)"; a.Reason != want {
		t.Errorf("got reason %q, want %q", a.Reason, want)
	}
	if want := []string{"wire-b", "wire-a"}; !cmp.Equal(a.Headlines[0].Sources, want) {
		t.Errorf("got sources %q, want the first source first: %q", a.Headlines[0].Sources, want)
	}
}

func TestNewsFilters(t *testing.T) {
	for _, tc := range []struct {
		name, rules string
		stories     []feeds.Story
		want        []string // headline ids sent
		suppressed  map[string]float64
	}{{
		name: "min_score",
		rules: `
  - {name: ree, type: news, keywords: [rare_earth], min_score: 2, receivers: [slack]}`,
		stories: []feeds.Story{
			story("weak", "NdPr mentioned in passing", 1, "rare_earth", nil, "wire-a"),
			story("strong", "NdPr output record", 2, "rare_earth", nil, "wire-a"),
		},
		want:       []string{"strong"},
		suppressed: map[string]float64{ReasonMinScore: 1},
	}, {
		name: "tickers",
		rules: `
  - {name: ree, type: news, keywords: [rare_earth], tickers: [MP], receivers: [slack]}`,
		stories: []feeds.Story{
			story("tmq", "Trilogy and NdPr", 4, "rare_earth", []string{"TMQ"}, "wire-a"),
			story("none", "NdPr in general", 4, "rare_earth", nil, "wire-a"),
			story("both", "MP and Trilogy on NdPr", 4, "rare_earth", []string{"MP", "TMQ"}, "wire-a"),
		},
		want: []string{"both"},
	}, {
		name: "keyword groups",
		rules: `
  - {name: li, type: news, keywords: [lithium], receivers: [slack]}`,
		stories: []feeds.Story{
			story("ree", "NdPr", 4, "rare_earth", nil, "wire-a"),
			story("li", "Lithium", 4, "lithium", nil, "wire-a"),
		},
		want: []string{"li"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.rules)
			r.stories(tc.stories...)
			got := []string{}
			for _, s := range r.rec.take() {
				for _, h := range s.Alert.Headlines {
					got = append(got, h.ID)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("headlines sent differ (-want +got):\n%s", diff)
			}
			for reason, want := range tc.suppressed {
				if got := r.suppressed(r.cfg.Rules[0].Name, reason); got != want {
					t.Errorf("suppressed{reason=%q}: got %g, want %g", reason, got, want)
				}
			}
		})
	}
}

func TestNewsOneAlertPerStory(t *testing.T) {
	r := newRig(t, newsRule)
	s := story("a1", "MP Materials lifts NdPr output", 4, "rare_earth", []string{"MP"}, "wire-a")
	r.stories(s)
	if got := r.rec.take(); len(got) != 1 {
		t.Fatalf("first poll: got %d alerts, want 1", len(got))
	}
	// A second source brings the same story (same content-derived id),
	// in a later poll and after a restart.
	again := story("a1", "MP Materials lifts NdPr output", 4, "rare_earth", []string{"MP"}, "wire-b")
	r.clock.Set(t0.Add(2 * time.Minute))
	r.stories(again)
	r.restart()
	r.stories(again, again)
	if got := r.rec.take(); len(got) != 0 {
		t.Errorf("later polls: got %q, want nothing", lines(got))
	}
	if got := r.suppressed("ree", ReasonDuplicate); got != 3 {
		t.Errorf("suppressed{reason=duplicate}: got %g, want 3", got)
	}
}

func TestNewsGroupWait(t *testing.T) {
	r := newRig(t, `
  - {name: ree, type: news, keywords: [rare_earth], group_wait: 5m, receivers: [slack]}`)
	m := time.Minute
	r.stories(story("a1", "NdPr one", 2, "rare_earth", []string{"MP"}, "wire-a"))
	r.clock.Set(t0.Add(2 * m))
	r.stories(
		story("b2", "NdPr two", 2, "rare_earth", []string{"TMQ"}, "wire-b"),
		story("a1", "NdPr one", 2, "rare_earth", []string{"MP"}, "wire-b"),
	)
	r.clock.Set(t0.Add(4 * m))
	r.tick()
	if got := r.rec.take(); len(got) != 0 {
		t.Fatalf("before group_wait: got %q, want nothing", lines(got))
	}
	r.restart()
	r.clock.Set(t0.Add(5 * m))
	r.tick()
	got := r.rec.take()
	if len(got) != 1 {
		t.Fatalf("after group_wait: got %q, want one message", lines(got))
	}
	var hs []string
	for _, h := range got[0].Alert.Headlines {
		hs = append(hs, fmt.Sprintf("%s %v", h.ID, h.Sources))
	}
	if diff := cmp.Diff([]string{"a1 [wire-a wire-b]", "b2 [wire-b]"}, hs); diff != "" {
		t.Errorf("grouped headlines differ (-want +got):\n%s", diff)
	}
	if want := []string{"MP", "TMQ"}; !cmp.Equal(got[0].Alert.Symbols, want) {
		t.Errorf("got symbols %q, want %q", got[0].Alert.Symbols, want)
	}
}

func TestNewsSplitsLongBursts(t *testing.T) {
	r := newRig(t, newsRule)
	var ss []feeds.Story
	for i := range 25 {
		ss = append(ss, story(fmt.Sprintf("s%02d", i), fmt.Sprintf("NdPr story %d", i), 2, "rare_earth", nil, "wire-a"))
	}
	r.stories(ss...)
	var sizes []int
	for _, s := range r.rec.take() {
		sizes = append(sizes, len(s.Alert.Headlines))
	}
	if diff := cmp.Diff([]int{maxHeadlines, 25 - maxHeadlines}, sizes); diff != "" {
		t.Errorf("message sizes differ (-want +got):\n%s", diff)
	}
}

func TestNewsCooldownPerTicker(t *testing.T) {
	r := newRig(t, `
  - {name: ree, type: news, keywords: [rare_earth], cooldown: 1h, receivers: [slack]}`)
	for _, tc := range []struct {
		after time.Duration
		story feeds.Story
		want  int
	}{
		{0, story("a", "MP NdPr a", 2, "rare_earth", []string{"MP"}, "wire-a"), 1},
		{10 * time.Minute, story("b", "MP NdPr b", 2, "rare_earth", []string{"MP"}, "wire-a"), 0},
		{11 * time.Minute, story("c", "TMQ NdPr c", 2, "rare_earth", []string{"TMQ"}, "wire-a"), 1},
		{12 * time.Minute, story("d", "MP and TMQ NdPr d", 2, "rare_earth", []string{"MP", "TMQ"}, "wire-a"), 0},
		{61 * time.Minute, story("e", "MP NdPr e", 2, "rare_earth", []string{"MP"}, "wire-a"), 1},
	} {
		r.clock.Set(t0.Add(tc.after))
		r.stories(tc.story)
		if got := len(r.rec.take()); got != tc.want {
			t.Errorf("story %s at +%s: got %d alerts, want %d", tc.story.ID, tc.after, got, tc.want)
		}
	}
	if got := r.suppressed("ree", ReasonCooldown); got != 2 {
		t.Errorf("suppressed{reason=cooldown}: got %g, want 2", got)
	}
}
