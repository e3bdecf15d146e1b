package rules

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/store"
	"github.com/monitord/monitord/internal/tickers"
)

const cooldownRule = `
  - {name: big-move, type: price, change_pct: 5, cooldown: 1h, receivers: [hook]}`

func TestCooldownSurvives(t *testing.T) {
	m := time.Minute
	for _, tc := range []struct {
		name    string
		restart func(r *rig)
	}{
		{"restart", func(r *rig) { r.restart() }},
		{"reload", func(r *rig) { r.reload(cooldownRule) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, cooldownRule)
			r.run([]step{
				{after: 0, price: 106, want: []string{"firing MP +6.0% to $106.00 [hook]"}},
				{after: 10 * m, price: 100, want: []string{"resolved MP +6.0% to $106.00 [hook]"}},
			})
			tc.restart(r)
			r.run([]step{{after: 20 * m, price: 106}})
			tc.restart(r)
			r.run([]step{
				{after: 40 * m, price: 106},
				{after: 61 * m, price: 106, want: []string{"firing MP +6.0% to $106.00 [hook]"}},
			})
			if got := r.suppressed("big-move", ReasonCooldown); got != 2 {
				t.Errorf("suppressed{reason=cooldown}: got %g, want 2", got)
			}
		})
	}
}

func TestRestartKeepsEpisode(t *testing.T) {
	r := newRig(t, `
  - {name: level, type: price, above: 30, receivers: [hook]}`)
	r.run([]step{{after: 0, price: 31, want: []string{"firing MP above $30.00 at $31.00 [hook]"}}})
	r.restart()
	r.run([]step{
		{after: time.Minute, price: 31.5},
		{after: 2 * time.Minute, price: 29, want: []string{"resolved MP above $30.00 at $31.00 [hook]"}},
	})
}

func TestReloadResolvesWhatTheConfigDropped(t *testing.T) {
	const first = `
  - {name: level, type: price, above: 30, receivers: [hook]}`
	for _, tc := range []struct {
		name, rules string
		drop        string // a receiver the new config no longer has
		want        []string
	}{
		{"same rule", first, "", []string{}},
		{"level changed", `
  - {name: level, type: price, above: 35, receivers: [hook]}`, "", []string{"resolved MP above $30.00 at $31.00 [hook]"}},
		{"rule removed", `
  - {name: other, type: price, below: 1, receivers: [hook]}`, "", []string{"resolved MP above $30.00 at $31.00 [hook]"}},
		{"symbol left the watchlist", first, "", []string{"resolved MP above $30.00 at $31.00 [hook]"}},
		{"ticker filtered out", `
  - {name: level, type: price, above: 30, tickers: [TMQ], receivers: [hook]}`, "", []string{"resolved MP above $30.00 at $31.00 [hook]"}},
		{"receiver removed too", `
  - {name: level, type: price, above: 35, receivers: [am]}`, "hook", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, first)
			r.run([]step{{after: 0, price: 31, want: []string{"firing MP above $30.00 at $31.00 [hook]"}}})
			cfg := loadConfig(t, tc.rules)
			cfg.Receivers = slices.DeleteFunc(cfg.Receivers, func(rc config.Receiver) bool { return rc.Name == tc.drop })
			if tc.name == "symbol left the watchlist" {
				cfg.Tickers = cfg.Tickers[1:]
			}
			if _, err := New(cfg, r.st, r.rec, r.m, nil, WithClock(r.clock.Now)); err != nil {
				t.Fatalf("New: %v", err)
			}
			if diff := cmp.Diff(tc.want, lines(r.rec.take())); diff != "" {
				t.Errorf("alerts on reload differ (-want +got):\n%s", diff)
			}
			// Nothing is resolved twice.
			if _, err := New(cfg, r.st, r.rec, r.m, nil, WithClock(r.clock.Now)); err != nil {
				t.Fatalf("New: %v", err)
			}
			if got := lines(r.rec.take()); len(got) != 0 {
				t.Errorf("second reload: got %q, want nothing", got)
			}
		})
	}
}

func TestResolvedReceivers(t *testing.T) {
	for _, tc := range []struct {
		send string
		want []string
	}{
		{"", []string{"firing MP above $30.00 at $31.00 [slack hook am]", "resolved MP above $30.00 at $31.00 [hook am]"}},
		{"send_resolved: true, ", []string{"firing MP above $30.00 at $31.00 [slack hook am]", "resolved MP above $30.00 at $31.00 [slack hook am]"}},
		{"send_resolved: false, ", []string{"firing MP above $30.00 at $31.00 [slack hook am]", "resolved MP above $30.00 at $31.00 [am]"}},
	} {
		t.Run(tc.send, func(t *testing.T) {
			r := newRig(t, `
  - {name: level, type: price, above: 30, `+tc.send+`receivers: [slack, hook, am]}`)
			r.poll(quote("MP", 31, 100, t0))
			r.clock.Set(t0.Add(time.Minute))
			r.poll(quote("MP", 29, 100, t0.Add(time.Minute)))
			if diff := cmp.Diff(tc.want, lines(r.rec.take())); diff != "" {
				t.Errorf("alerts differ (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAlertmanagerRefresh(t *testing.T) {
	r := newRig(t, `
  - {name: level, type: price, above: 30, receivers: [slack, am]}`)
	m := time.Minute
	r.run([]step{{after: 0, price: 31, want: []string{"firing MP above $30.00 at $31.00 [slack am]"}}})
	first := r.e.mustEpisode(t, "level", "MP", condAbove).Alert.ID
	for _, tc := range []struct {
		at   time.Duration
		want []string
	}{
		{2 * m, []string{}},
		{3 * m, []string{"firing MP above $30.00 at $31.00 [am]"}},
		{5 * m, []string{}},
		{6 * m, []string{"firing MP above $30.00 at $31.00 [am]"}},
	} {
		r.clock.Set(t0.Add(tc.at))
		r.tick()
		got := r.rec.take()
		if diff := cmp.Diff(tc.want, lines(got)); diff != "" {
			t.Fatalf("tick at +%s: alerts differ (-want +got):\n%s", tc.at, diff)
		}
		for _, s := range got {
			if s.Alert.ID != first {
				t.Errorf("tick at +%s: refresh has id %s, want the firing alert's %s", tc.at, s.Alert.ID, first)
			}
		}
	}
	r.run([]step{{after: 7 * m, price: 29, want: []string{"resolved MP above $30.00 at $31.00 [am]"}}})
	r.clock.Set(t0.Add(20 * m))
	r.tick()
	if got := lines(r.rec.take()); len(got) != 0 {
		t.Errorf("tick after resolution: got %q, want nothing", got)
	}
	if got := testutil.ToFloat64(r.m.Fired.WithLabelValues("level")); got != 1 {
		t.Errorf("fired: got %g, want 1 (refreshes are not new alerts)", got)
	}
}

// mustEpisode reads an open episode from the store.
func (e *Engine) mustEpisode(t *testing.T, rule, subject, cond string) *episode {
	t.Helper()
	var ep episode
	var ok bool
	if err := e.st.View(func(tx *store.Tx) error {
		ok = getJSON(bucket(tx), episodeKey(rule, subject, cond), &ep)
		return nil
	}); err != nil || !ok {
		t.Fatalf("episode %s/%s/%s: not stored (%v)", rule, subject, cond, err)
	}
	return &ep
}

func TestReplicasNameAlike(t *testing.T) {
	const rules = `
  - {name: level, type: price, above: 30, receivers: [hook]}`
	var ids [2][]string
	for i, offset := range []time.Duration{5 * time.Second, 40 * time.Second} {
		r := newRig(t, rules)
		for _, s := range []struct {
			after time.Duration
			price float64
		}{{time.Minute, 31}, {2 * time.Minute, 32}, {3 * time.Minute, 29}} {
			at := t0.Add(s.after + offset)
			r.clock.Set(at)
			r.poll(quote("MP", s.price, 100, at))
		}
		for _, s := range r.rec.take() {
			ids[i] = append(ids[i], string(s.Alert.Status)+" "+s.Alert.ConditionID+" "+s.Alert.ID)
		}
	}
	if len(ids[0]) != 2 {
		t.Fatalf("got %d alerts, want firing and resolved", len(ids[0]))
	}
	if diff := cmp.Diff(ids[0], ids[1]); diff != "" {
		t.Errorf("replicas named the episode differently (-A +B):\n%s", diff)
	}
	f, res := strings.Fields(ids[0][0]), strings.Fields(ids[0][1])
	if f[1] != res[1] || f[2] == res[2] {
		t.Errorf("got firing %v and resolved %v, want one condition id and two notification ids", f, res)
	}
}

func TestEnqueueFailureIsRetried(t *testing.T) {
	r := newRig(t, `
  - {name: level, type: price, above: 30, receivers: [hook]}`)
	r.rec.fail = errors.New("outbox unavailable")
	r.clock.Set(t0)
	q := quote("MP", 31, 100, t0)
	if err := r.e.OnQuotes(context.Background(), tickers.Result{Quotes: []tickers.Quote{q}}); err == nil {
		t.Fatal("OnQuotes: got nil error, want the enqueue failure")
	}
	r.rec.fail = nil
	r.run([]step{{after: time.Minute, price: 31, want: []string{"firing MP above $30.00 at $31.00 [hook]"}}})
}

// TestAlertAndStateCommitTogether: with the real outbox, a firing alert
// and the episode that records it commit in one store transaction, so a
// crash can never keep one without the other.
func TestAlertAndStateCommitTogether(t *testing.T) {
	r := newRig(t, `
  - {name: level, type: price, above: 30, receivers: [hook]}`)
	d, err := alert.New(r.cfg.Receivers, alert.Options{Store: r.st, Metrics: r.m, Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(r.cfg, r.st, d, r.m, nil, WithClock(r.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	q := quote("MP", 31, 100, t0)
	if err := r.hist.Append(q); err != nil {
		t.Fatal(err)
	}
	before := r.st.Writes()
	if err := e.OnQuotes(context.Background(), tickers.Result{Quotes: []tickers.Quote{q}}); err != nil {
		t.Fatal(err)
	}
	if got := r.st.Writes() - before; got != 1 {
		t.Errorf("write transactions: got %d, want 1 (alert and rule state together)", got)
	}
	if got := d.Pending(); got != 1 {
		t.Errorf("outbox: got %d alerts, want 1", got)
	}
	if ep := e.mustEpisode(t, "level", "MP", condAbove); !ep.Notified {
		t.Errorf("episode: got Notified false, want true in the commit that queued its alert")
	}
}

func TestMetrics(t *testing.T) {
	r := newRig(t, `
  - {name: big-move, type: price, change_pct: 5, cooldown: 1h, market_hours_only: true, receivers: [hook]}
  - {name: news, type: news, keywords: [rare_earth], receivers: [hook]}
  - {name: impact, type: impact, move_pct: 3, within: 30m, receivers: [hook]}`)
	m := time.Minute
	r.run([]step{
		{after: 0, price: 106, state: tickers.MarketStatePost},
		{after: 1 * m, price: 106, want: []string{"firing MP +6.0% to $106.00 [hook]"}},
		{after: 2 * m, price: 106},
		{after: 3 * m, price: 100, want: []string{"resolved MP +6.0% to $106.00 [hook]"}},
		{after: 4 * m, price: 107},
	})
	want := `
# HELP monitord_alert_fired_total Alerts produced by rules, before delivery.
# TYPE monitord_alert_fired_total counter
monitord_alert_fired_total{rule="big-move"} 1
monitord_alert_fired_total{rule="news"} 0
# HELP monitord_alert_suppressed_total Alerts held back by rules, by reason.
# TYPE monitord_alert_suppressed_total counter
monitord_alert_suppressed_total{reason="cooldown",rule="big-move"} 1
monitord_alert_suppressed_total{reason="cooldown",rule="news"} 0
monitord_alert_suppressed_total{reason="duplicate",rule="news"} 0
monitord_alert_suppressed_total{reason="market_closed",rule="big-move"} 1
monitord_alert_suppressed_total{reason="min_score",rule="news"} 0
monitord_alert_suppressed_total{reason="quiet_hours",rule="big-move"} 0
monitord_alert_suppressed_total{reason="quiet_hours",rule="news"} 0
monitord_alert_suppressed_total{reason="repeat",rule="big-move"} 1
`
	if err := testutil.GatherAndCompare(r.reg, strings.NewReader(want),
		"monitord_alert_fired_total", "monitord_alert_suppressed_total"); err != nil {
		t.Error(err)
	}
}
