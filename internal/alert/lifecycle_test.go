package alert

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/config"
)

func TestMetricsExposition(t *testing.T) {
	r := newRig(t, []config.Receiver{webhookReceiver("archive", "http://127.0.0.1:1/"), amReceiver("am", "http://127.0.0.1:1")})
	if err := r.d.Enqueue(priceAlert("MP", 0), "archive"); err != nil {
		t.Fatal(err)
	}
	_ = r.clock.Sleep(context.Background(), 90*time.Second)
	const want = `
# HELP monitord_alert_enqueued_total Alerts committed to a receiver's outbox.
# TYPE monitord_alert_enqueued_total counter
monitord_alert_enqueued_total{receiver="am"} 0
monitord_alert_enqueued_total{receiver="archive"} 1
# HELP monitord_alert_notifications_dropped_total Alerts given up on: refused by the receiver (permanent) or undelivered after max_age.
# TYPE monitord_alert_notifications_dropped_total counter
monitord_alert_notifications_dropped_total{reason="max_age",receiver="am"} 0
monitord_alert_notifications_dropped_total{reason="max_age",receiver="archive"} 0
monitord_alert_notifications_dropped_total{reason="permanent",receiver="am"} 0
monitord_alert_notifications_dropped_total{reason="permanent",receiver="archive"} 0
# HELP monitord_alert_notifications_total Alerts delivered and acknowledged, per receiver endpoint.
# TYPE monitord_alert_notifications_total counter
monitord_alert_notifications_total{integration="alertmanager",receiver="am"} 0
monitord_alert_notifications_total{integration="webhook",receiver="archive"} 0
# HELP monitord_alert_outbox_depth Alerts waiting in a receiver's outbox (summed over its endpoints).
# TYPE monitord_alert_outbox_depth gauge
monitord_alert_outbox_depth{receiver="am"} 0
monitord_alert_outbox_depth{receiver="archive"} 1
# HELP monitord_alert_outbox_oldest_age_seconds Age of the oldest alert waiting in a receiver's outbox, 0 when empty.
# TYPE monitord_alert_outbox_oldest_age_seconds gauge
monitord_alert_outbox_oldest_age_seconds{receiver="am"} 0
monitord_alert_outbox_oldest_age_seconds{receiver="archive"} 90
`
	if err := testutil.GatherAndCompare(r.reg, strings.NewReader(want),
		"monitord_alert_enqueued_total", "monitord_alert_notifications_dropped_total", "monitord_alert_notifications_total",
		"monitord_alert_outbox_depth", "monitord_alert_outbox_oldest_age_seconds"); err != nil {
		t.Error(err)
	}
	// Every failure reason is pre-initialised for every endpoint.
	if got, want := testutil.CollectAndCount(r.m.failed), 2*len(reasons); got != want {
		t.Errorf("failed series: got %d, want %d", got, want)
	}
	// The rules half's metrics exist, under the names it will use.
	r.m.Fired.WithLabelValues("big-move").Inc()
	r.m.Suppressed.WithLabelValues("big-move", "cooldown").Inc()
	if n, err := testutil.GatherAndCount(r.reg, "monitord_alert_fired_total", "monitord_alert_suppressed_total"); err != nil || n != 2 {
		t.Errorf("rule metrics: got %d series, err %v", n, err)
	}
}

// TestReloadKeepsRemovedQueues checks the reload policy: a removed
// receiver's queue is kept and reported, and delivered if it comes back; a
// config that cannot be built leaves the running one alone.
func TestReloadKeepsRemovedQueues(t *testing.T) {
	var got atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { got.Add(1) }))
	t.Cleanup(srv.Close)
	a := webhookReceiver("a", "http://127.0.0.1:1/down")
	r := newRig(t, []config.Receiver{a})
	if err := r.d.Enqueue(priceAlert("MP", 0), "a"); err != nil {
		t.Fatal(err)
	}
	if err := r.d.ApplyConfig(nil); err != nil {
		t.Fatal(err)
	}
	if n := r.logs.FilterMessageSnippet("no longer configured").FilterField(zap.String("receiver", "a")).Len(); n != 1 {
		t.Errorf("orphan warnings: got %d, want 1\n%s", n, logText(r.logs))
	}
	if err := r.d.Enqueue(priceAlert("MP", 1), "a"); err == nil {
		t.Error("enqueue to a removed receiver: got no error")
	}

	bad := webhookReceiver("a", srv.URL)
	bad.Webhook.TextTemplate = "{{.Nope"
	if err := r.d.ApplyConfig([]config.Receiver{bad}); err == nil {
		t.Fatal("a bad template: got no error")
	}
	if len(r.d.receivers) != 0 {
		t.Fatal("a failed reload changed the receivers")
	}

	r.run(t)
	if err := r.d.ApplyConfig([]config.Receiver{webhookReceiver("a", srv.URL)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the kept alert to be delivered", func() bool { return r.depth("a") == 0 })
	if got.Load() != 1 {
		t.Errorf("requests: got %d, want 1", got.Load())
	}
}

// TestReloadRestartsChangedReceiver rotates a webhook URL while a send to
// the old one hangs: the send is cancelled and the alert goes to the new URL.
func TestReloadRestartsChangedReceiver(t *testing.T) {
	old, oldReqs := scripted(t, answer{hang: true})
	fresh, freshReqs := scripted(t, answer{status: 200})
	rc := webhookReceiver("a", old.URL)
	rc.Timeout = config.Duration(time.Minute)
	r := newRig(t, []config.Receiver{rc})
	if err := r.d.Enqueue(priceAlert("MP", 0), "a"); err != nil {
		t.Fatal(err)
	}
	r.run(t)
	waitFor(t, "the hanging send", func() bool { return oldReqs.Load() == 1 })
	rc.Webhook = &config.Webhook{URL: config.Secret(fresh.URL)}
	if err := r.d.ApplyConfig([]config.Receiver{rc}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "delivery to the new URL", func() bool { return r.depth("a") == 0 })
	if freshReqs.Load() != 1 {
		t.Errorf("requests to the new URL: got %d, want 1", freshReqs.Load())
	}
}

func TestRunLifecycle(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv, _ := scripted(t, answer{status: 200})
	r := newRig(t, []config.Receiver{webhookReceiver("a", srv.URL)})
	r.d.Close() // before Run: a no-op

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- r.d.Run(ctx) }()
	if err := r.d.Enqueue(priceAlert("MP", 0), "a"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "delivery", func() bool { return r.depth("a") == 0 })
	if err := r.d.Run(ctx); err == nil {
		t.Error("a second concurrent Run: got no error")
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("Run: %v", err)
	}
	r.d.Close() // after Run: a no-op
	srv.Close()
}
