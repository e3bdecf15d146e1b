package alert

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/monitord/monitord/internal/config"
)

// TestIdentifyPinned pins the ID scheme: replicas of different versions,
// and the outbox's dedup index across an upgrade, rely on it not changing.
func TestIdentifyPinned(t *testing.T) {
	a := priceAlert("MP", 0)
	a.Identify()
	if a.ID != "7496f37d3ad5d62dbb6779f77a30d379" || a.ConditionID != "345d78c46f743b251e85001ce40b3627" {
		t.Errorf("got id %s condition %s; the ID scheme changed", a.ID, a.ConditionID)
	}
}

func TestIdentify(t *testing.T) {
	ids := func(a *Alert) (string, string) {
		a.Identify()
		return a.ID, a.ConditionID
	}
	baseID, baseCond := ids(priceAlert("MP", 0))
	news := func(mod func(*Alert)) *Alert {
		a := newsAlert(3)
		mod(a)
		return a
	}
	newsID, newsCond := ids(news(func(*Alert) {}))

	cases := []struct {
		name             string
		a                *Alert
		wantID, wantCond string
	}{
		{name: "presentation does not count", a: func() *Alert {
			a := priceAlert("MP", 0)
			a.Title, a.Summary, a.Price.Price, a.CreatedAt, a.Severity = "other", "text", 99, t0.Add(time.Hour), "critical"
			return a
		}(), wantID: baseID, wantCond: baseCond},
		{name: "resolved: new notification, same condition", a: func() *Alert {
			a := priceAlert("MP", 0)
			a.Status = StatusResolved
			return a
		}(), wantCond: baseCond},
		{name: "repeat: new notification, same condition", a: func() *Alert {
			a := priceAlert("MP", 0)
			a.Repeat = 1
			return a
		}(), wantCond: baseCond},
		{name: "another episode", a: priceAlert("MP", 1)},
		{name: "another symbol", a: priceAlert("TMQ", 0)},
		{name: "another rule", a: func() *Alert {
			a := priceAlert("MP", 0)
			a.Rule = "fast-move"
			return a
		}()},
		{name: "news: story order and start do not count", a: news(func(a *Alert) {
			a.Headlines[0], a.Headlines[2] = a.Headlines[2], a.Headlines[0]
			a.StartsAt = t0.Add(time.Hour)
			a.Symbols = []string{"TMQ"}
		}), wantID: newsID, wantCond: newsCond},
		{name: "news: another story set", a: news(func(a *Alert) { a.Headlines = a.Headlines[:2] })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id, cond := ids(tc.a)
			if len(id) != 32 || len(cond) != 32 {
				t.Fatalf("ids %q %q: want 32 hex characters", id, cond)
			}
			switch {
			case tc.wantID != "" && id != tc.wantID:
				t.Errorf("id: got %s, want %s", id, tc.wantID)
			case tc.wantID == "" && (id == baseID || id == newsID):
				t.Errorf("id %s collides with another alert's", id)
			}
			switch {
			case tc.wantCond != "" && cond != tc.wantCond:
				t.Errorf("condition id: got %s, want %s", cond, tc.wantCond)
			case tc.wantCond == "" && (cond == baseCond || cond == newsCond):
				t.Errorf("condition id %s collides with another alert's", cond)
			}
		})
	}
}

func TestIdentifyKeepsGivenIDs(t *testing.T) {
	a := priceAlert("MP", 0)
	a.ID, a.ConditionID = "mine", "my-condition"
	a.Identify()
	if a.ID != "mine" || a.ConditionID != "my-condition" {
		t.Errorf("got %q %q, want the given ids kept", a.ID, a.ConditionID)
	}
}

func TestAlertJSONRoundTrip(t *testing.T) {
	a := newsAlert(2)
	a.Price = &Price{Symbol: "MP", Price: 24.1, Change: 1.4, ChangePct: 6.2}
	a.StartsAt, a.EndsAt, a.CreatedAt = t0, t0.Add(time.Hour), t0
	a.Identify()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back Alert
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*a, back); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestEnqueueValidatesAndDeduplicates(t *testing.T) {
	r := newRig(t, []config.Receiver{webhookReceiver("a", "http://127.0.0.1:1/"), amReceiver("am", "http://127.0.0.1:1", "http://127.0.0.1:2")})
	for _, bad := range []*Alert{
		{Kind: KindPrice, Title: "x", StartsAt: t0},                // no rule
		{Rule: "r", Kind: KindPrice, StartsAt: t0},                 // no title
		{Rule: "r", Kind: KindPrice, Title: "x"},                   // condition without start
		{Rule: "r", Kind: KindPrice, Title: "x", Status: "paused"}, // bad status
	} {
		if err := r.d.Enqueue(bad, "a"); err == nil {
			t.Errorf("%+v: got no error", bad)
		}
	}
	if err := r.d.Enqueue(priceAlert("MP", 0)); err == nil {
		t.Error("no receivers: got no error")
	}
	for range 2 {
		if err := r.d.Enqueue(priceAlert("MP", 0), "a", "a", "am"); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.depth("a"); got != 1 {
		t.Errorf("depth of a: got %d, want 1 (same ID queued once)", got)
	}
	if got := r.depth("am"); got != 2 {
		t.Errorf("depth of am: got %d, want 2 (one per URL)", got)
	}
}
