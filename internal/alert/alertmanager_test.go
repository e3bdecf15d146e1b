package alert

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/monitord/monitord/internal/config"
)

func TestAMAlerts(t *testing.T) {
	now := t0.Add(time.Hour)
	resolved := priceAlert("MP", 0)
	resolved.Status, resolved.EndsAt = StatusResolved, t0.Add(30*time.Minute)
	news := newsAlert(2)
	news.Headlines[1].Tickers = []string{"USAR", "MP"}
	cases := []struct {
		name string
		a    *Alert
		want []amAlert
	}{{
		name: "price",
		a:    priceAlert("MP", 0),
		want: []amAlert{{
			Labels: map[string]string{"alertname": "big-move", "rule": "big-move", "kind": "price", "severity": "warning",
				"symbol": "MP", "condition_id": "345d78c46f743b251e85001ce40b3627"},
			Annotations:  map[string]string{"summary": "MP +6.20% to $24.10", "description": "change +6.20% >= 5%"},
			StartsAt:     t0,
			EndsAt:       now.Add(5 * time.Minute),
			GeneratorURL: "https://monitord.example.com/",
		}},
	}, {
		name: "resolved keeps the condition id",
		a:    resolved,
		want: []amAlert{{
			Labels: map[string]string{"alertname": "big-move", "rule": "big-move", "kind": "price", "severity": "warning",
				"symbol": "MP", "condition_id": "345d78c46f743b251e85001ce40b3627"},
			Annotations:  map[string]string{"summary": "MP +6.20% to $24.10", "description": "change +6.20% >= 5%"},
			StartsAt:     t0,
			EndsAt:       t0.Add(30 * time.Minute),
			GeneratorURL: "https://monitord.example.com/",
		}},
	}, {
		name: "news: one alert per story",
		a:    news,
		want: []amAlert{{
			Labels: map[string]string{"alertname": "rare-earth-news", "rule": "rare-earth-news", "kind": "news", "severity": "info",
				"symbol": "MP", "story_id": "story-000"},
			Annotations: map[string]string{"summary": "MP Materials expands NdPr output, report 0",
				"description": "matched rare_earth\nSources: google-news-rare-earth", "link": "https://news.example.com/mp/0"},
			StartsAt:     t0,
			EndsAt:       now.Add(5 * time.Minute),
			GeneratorURL: "https://monitord.example.com/",
		}, {
			Labels: map[string]string{"alertname": "rare-earth-news", "rule": "rare-earth-news", "kind": "news", "severity": "info",
				"symbol": "MP,USAR", "story_id": "story-001"},
			Annotations: map[string]string{"summary": "MP Materials expands NdPr output, report 1",
				"description": "matched rare_earth\nSources: google-news-rare-earth", "link": "https://news.example.com/mp/1"},
			StartsAt:     t0.Add(-time.Minute),
			EndsAt:       now.Add(5 * time.Minute),
			GeneratorURL: "https://monitord.example.com/",
		}},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.a.CreatedAt = t0
			tc.a.Identify()
			got := amAlerts(tc.a, now, 5*time.Minute, "https://monitord.example.com/")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestAMURLsIndependent checks that a dead Alertmanager does not hold up
// the others: each URL has its own queue.
func TestAMURLsIndependent(t *testing.T) {
	var got atomic.Int32
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/am/api/v2/alerts" {
			t.Errorf("path: got %q, want /am/api/v2/alerts", r.URL.Path)
		}
		var as []amAlert
		if err := json.NewDecoder(r.Body).Decode(&as); err != nil {
			t.Error(err)
		}
		got.Add(int32(len(as)))
	}))
	t.Cleanup(live.Close)
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(dead.Close)

	r := newRig(t, []config.Receiver{amReceiver("am", dead.URL, live.URL+"/am")})
	for i := range 3 {
		if err := r.d.Enqueue(priceAlert("MP", i), "am"); err != nil {
			t.Fatal(err)
		}
	}
	r.run(t)
	waitFor(t, "the live Alertmanager", func() bool {
		return testutil.ToFloat64(r.m.notifications.WithLabelValues("am", IntegrationAlertmanager)) == 3
	})
	if n := got.Load(); n != 3 {
		t.Errorf("alerts at the live URL: got %d, want 3", n)
	}
	if d := r.depth("am"); d != 3 {
		t.Errorf("depth: got %d, want 3 (waiting for the dead URL)", d)
	}
}

// TestAMBatchPoisonSplit checks that a batch refused as a whole is retried
// alert by alert, so only the bad one is dropped.
func TestAMBatchPoisonSplit(t *testing.T) {
	var accepted atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), "poison") {
			http.Error(w, "bad label value", http.StatusBadRequest)
			return
		}
		var as []amAlert
		_ = json.Unmarshal(body, &as)
		accepted.Add(int32(len(as)))
	}))
	t.Cleanup(srv.Close)
	r := newRig(t, []config.Receiver{amReceiver("am", srv.URL)})
	for i := range 5 {
		a := priceAlert("MP", i)
		if i == 2 {
			a.Title = "poison"
		}
		if err := r.d.Enqueue(a, "am"); err != nil {
			t.Fatal(err)
		}
	}
	r.run(t)
	waitFor(t, "the outbox to drain", func() bool {
		return testutil.ToFloat64(r.m.notifications.WithLabelValues("am", IntegrationAlertmanager)) == 4 &&
			testutil.ToFloat64(r.m.dropped.WithLabelValues("am", DropPermanent)) == 1
	})
	if got := accepted.Load(); got != 4 {
		t.Errorf("accepted: got %d, want 4", got)
	}
	if d := r.depth("am"); d != 0 {
		t.Errorf("depth: got %d, want 0", d)
	}
}
