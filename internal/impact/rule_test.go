package impact

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/monitord/monitord/internal/alert"
	"github.com/monitord/monitord/internal/config"
)

// session runs the standard script: a story on MP at 10:00, then a poll a
// minute until until, MP and the benchmark priced by their scripts.
func (h *harness) session(d func(string) time.Time, until string, scripts map[string]steps, stories ...string) {
	h.t.Helper()
	h.pollMinutes(d("09:58"), d("10:00"), scripts)
	h.stories(d("10:00:30"), story("s1", "MP Materials signs DoD magnet deal", d("10:00"), "MP"))
	h.pollMinutes(d("10:01"), d(until), scripts)
	h.tick(d(until).Add(2 * time.Minute))
}

func TestBenchmark(t *testing.T) {
	d := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	mp := steps{{d("09:00"), 20}, {d("10:05"), 21.6}}
	tests := []struct {
		name      string
		benchmark string
		remx      steps
		want      []string // follow-up titles
		reason    string
		line5m    string
	}{
		{
			name:      "moves with the ticker: no abnormal move, no alert",
			benchmark: "REMX",
			remx:      steps{{d("09:00"), 50}, {d("10:05"), 54}},
			line5m:    "5m measured 21.6000 history at=06-16 10:05 move=+8.0000 bench=+8.0000 abn=+0.0000",
		},
		{
			name:      "flat",
			benchmark: "REMX",
			remx:      steps{{d("09:00"), 50}},
			want:      []string{"MP +8.0% in 5m after 'MP Materials signs DoD magnet deal'"},
			reason:    "abnormal move +8.0% (MP +8.0%, REMX +0.0%) in 5m; rule news-impact: at least 3% within 30m",
			line5m:    "5m measured 21.6000 history at=06-16 10:05 move=+8.0000 bench=+0.0000 abn=+8.0000",
		},
		{
			name:      "without data: raw move only, marked",
			benchmark: "REMX",
			want:      []string{"MP +8.0% in 5m after 'MP Materials signs DoD magnet deal'"},
			reason:    "raw move +8.0% (REMX had no price) in 5m; rule news-impact: at least 3% within 30m",
			line5m:    "5m measured 21.6000 history no-benchmark at=06-16 10:05 move=+8.0000",
		},
		{
			name:   "none configured",
			want:   []string{"MP +8.0% in 5m after 'MP Materials signs DoD magnet deal'"},
			reason: "move +8.0% in 5m; rule news-impact: at least 3% within 30m",
			line5m: "5m measured 21.6000 history at=06-16 10:05 move=+8.0000",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(impactRule("news-impact", 3, 30*time.Minute))
			cfg.Impact.Benchmark = tt.benchmark
			h := newHarness(t, cfg)
			scripts := map[string]steps{"MP": mp}
			if tt.remx != nil {
				scripts["REMX"] = tt.remx
			}
			h.session(d, "10:20", scripts)
			if diff := cmp.Diff(tt.want, h.alerts.titles()); diff != "" {
				t.Errorf("follow-ups (-want +got):\n%s", diff)
			}
			if tt.reason != "" && len(h.alerts.sent) == 1 {
				if got := h.alerts.sent[0].alert.Reason; got != tt.reason {
					t.Errorf("reason: got %q, want %q", got, tt.reason)
				}
			}
			if got := summary(h.events("")[0].Impacts[0])[2]; got != tt.line5m {
				t.Errorf("5m horizon: got %q, want %q", got, tt.line5m)
			}
		})
	}
}

func TestImpactRule(t *testing.T) {
	d := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	flat := steps{{d("09:00"), 50}}
	rule := func(mod func(r *config.Rule)) config.Rule {
		r := impactRule("news-impact", 3, 30*time.Minute)
		if mod != nil {
			mod(&r)
		}
		return r
	}
	tests := []struct {
		name string
		rule config.Rule
		mp   steps
		want []string
		// until is how long the session's polls run (default 10:20).
		until string
	}{
		{"over the threshold", rule(nil), steps{{d("09:00"), 20}, {d("10:12"), 20.8}},
			[]string{"MP +4.0% in 12m after 'MP Materials signs DoD magnet deal'"}, ""},
		{"a fall counts too", rule(nil), steps{{d("09:00"), 20}, {d("10:12"), 19.2}},
			[]string{"MP -4.0% in 12m after 'MP Materials signs DoD magnet deal'"}, ""},
		{"under the threshold", rule(nil), steps{{d("09:00"), 20}, {d("10:12"), 20.5}}, nil, ""},
		{"after within", rule(nil), steps{{d("09:00"), 20}, {d("10:40"), 22}}, nil, "10:45"},
		{"within reaches the close horizon", rule(func(r *config.Rule) { r.Spec.(*config.ImpactRule).Within = config.Duration(7 * time.Hour) }),
			steps{{d("09:00"), 20}, {d("15:30"), 22}},
			[]string{"MP +10.0% by the close after 'MP Materials signs DoD magnet deal'"}, ""},
		{"tickers filter excludes", rule(func(r *config.Rule) { r.Tickers = []string{"USAR"} }),
			steps{{d("09:00"), 20}, {d("10:12"), 22}}, nil, ""},
		{"tickers filter includes", rule(func(r *config.Rule) { r.Tickers = []string{"USAR", "MP"} }),
			steps{{d("09:00"), 20}, {d("10:12"), 22}},
			[]string{"MP +10.0% in 12m after 'MP Materials signs DoD magnet deal'"}, ""},
		{"keywords filter excludes", rule(func(r *config.Rule) { r.Spec.(*config.ImpactRule).Keywords = []string{"policy"} }),
			steps{{d("09:00"), 20}, {d("10:12"), 22}}, nil, ""},
		{"keywords filter includes", rule(func(r *config.Rule) { r.Spec.(*config.ImpactRule).Keywords = []string{"policy", "rare_earth"} }),
			steps{{d("09:00"), 20}, {d("10:12"), 22}},
			[]string{"MP +10.0% in 12m after 'MP Materials signs DoD magnet deal'"}, ""},
		// The move keeps growing: one follow-up only, for the first crossing.
		{"one follow-up per story", rule(nil), steps{{d("09:00"), 20}, {d("10:03"), 21}, {d("10:08"), 23}, {d("10:15"), 25}},
			[]string{"MP +5.0% in 3m after 'MP Materials signs DoD magnet deal'"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testConfig(tt.rule))
			until := "10:20"
			if tt.until != "" {
				until = tt.until
			}
			h.session(d, until, map[string]steps{"MP": tt.mp, "REMX": flat})
			if tt.rule.Spec.(*config.ImpactRule).Within.D() > time.Hour {
				h.poll(d("16:00:20"), q("MP", tt.mp.at(d("16:00")), d("16:00")), q("REMX", 50, d("16:00")))
			}
			// A restart does not repeat a follow-up.
			h.restart()
			h.pollMinutes(d("16:01"), d("16:02"), map[string]steps{"MP": tt.mp, "REMX": flat})
			if diff := cmp.Diff(tt.want, h.alerts.titles()); diff != "" {
				t.Errorf("follow-ups (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFollowUpAlert(t *testing.T) {
	d := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	run := func() *harness {
		r := impactRule("news-impact", 3, 30*time.Minute)
		r.Severity = "critical"
		h := newHarness(t, testConfig(r))
		h.session(d, "10:20", map[string]steps{"MP": {{d("09:00"), 20}, {d("10:15"), 21.6}}, "REMX": {{d("09:00"), 50}, {d("10:15"), 50.5}}})
		return h
	}
	h := run()
	if len(h.alerts.sent) != 1 {
		t.Fatalf("got %d follow-ups, want 1", len(h.alerts.sent))
	}
	got := h.alerts.sent[0]
	want := alert.Alert{
		Status: alert.StatusFiring, Kind: alert.KindImpact, Rule: "news-impact", Severity: "critical",
		Symbols: []string{"MP"},
		Title:   "MP +7.0% in 15m after 'MP Materials signs DoD magnet deal'",
		Summary: "MP went from $20.00 to $21.60 in 15m after the story. REMX moved +1.0% over the same span.",
		Reason:  "abnormal move +7.0% (MP +8.0%, REMX +1.0%) in 15m; rule news-impact: at least 3% within 30m",
		Link:    "https://news.example.com/s1",
		Price:   &alert.Price{Symbol: "MP", Price: 21.6, Change: 1.6, ChangePct: 8, At: d("10:15:15").UTC()},
		Headlines: []alert.Headline{{ID: "s1", Title: "MP Materials signs DoD magnet deal", URL: "https://news.example.com/s1",
			Sources: []string{"yahoo-search", "google-news"}, Tickers: []string{"MP"}, Terms: []string{"NdPr", "magnet"},
			PublishedAt: d("10:00").UTC()}},
		StartsAt:  d("10:15:15").UTC(),
		CreatedAt: d("10:15:20"),
	}
	want.Identify()
	if diff := cmp.Diff(want, got.alert); diff != "" {
		t.Errorf("alert (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"slack-ops"}, got.receivers); diff != "" {
		t.Errorf("receivers (-want +got):\n%s", diff)
	}

	// Another replica that saw the same story and quotes names it the same.
	if other := run().alerts.sent[0].alert; other.ID != got.alert.ID || other.ConditionID != got.alert.ConditionID {
		t.Errorf("ids differ between replicas: %s/%s and %s/%s", got.alert.ID, got.alert.ConditionID, other.ID, other.ConditionID)
	}
	// The follow-up is not the news alert of the same story again.
	news := alert.Alert{Kind: alert.KindNews, Rule: "rare-earth-news", Headlines: got.alert.Headlines}
	news.Identify()
	if news.ConditionID == got.alert.ConditionID {
		t.Errorf("the follow-up has the news alert's condition id %s", news.ConditionID)
	}
}

func TestSeveralStoriesCloseTogether(t *testing.T) {
	d := func(s string) time.Time { return ny(t, "2026-06-16 "+s) }
	scripts := map[string]steps{"MP": {{d("09:00"), 20}, {d("10:06"), 22}}, "REMX": {{d("09:00"), 50}}}
	titles := []string{"MP Materials signs DoD magnet deal", "Pentagon takes stake in MP Materials", "MP Materials sets NdPr price floor"}
	tests := []struct {
		name     string
		cooldown time.Duration
		want     []string
	}{
		{"each story followed up once", 0, []string{
			"MP +10.0% in 6m after 'MP Materials signs DoD magnet deal'",
			"MP +10.0% in 4m after 'Pentagon takes stake in MP Materials'",
			"MP +10.0% in 2m after 'MP Materials sets NdPr price floor'",
		}},
		{"cooldown holds the others back", time.Hour, []string{
			"MP +10.0% in 6m after 'MP Materials signs DoD magnet deal'",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := impactRule("news-impact", 3, 30*time.Minute)
			r.Cooldown = config.Duration(tt.cooldown)
			h := newHarness(t, testConfig(r))
			h.pollMinutes(d("09:58"), d("10:00"), scripts)
			for i, title := range titles {
				pub := d("10:00").Add(time.Duration(2*i) * time.Minute)
				h.pollMinutes(pub, pub.Add(time.Minute), scripts)
				h.stories(pub.Add(time.Minute+30*time.Second), story(string(rune('a'+i)), title, pub, "MP"))
			}
			h.pollMinutes(d("10:06"), d("10:40"), scripts)
			h.tick(d("10:45"))

			if diff := cmp.Diff(tt.want, h.alerts.titles()); diff != "" {
				t.Errorf("follow-ups (-want +got):\n%s", diff)
			}
			evs := h.events("MP")
			if len(evs) != 3 {
				t.Fatalf("got %d events, want 3", len(evs))
			}
			for i, ev := range evs {
				s := summary(ev.Impacts[0])
				if s[1] != "ref measured 20.0000 history" || s[3] != "15m measured 22.0000 history at="+ev.Impacts[0].Horizons[1].At.In(newYork).Format("01-02 15:04")+" move=+10.0000 bench=+0.0000 abn=+10.0000" {
					t.Errorf("event %d (%s) not measured on its own: %q", i, ev.Title, s)
				}
			}
		})
	}
}
