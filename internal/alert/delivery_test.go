package alert

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zapcore"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/upstream"
)

// answer is one scripted response of a test receiver.
type answer struct {
	status     int
	retryAfter string
	body       string
	// hang holds the request until the client gives up.
	hang bool
}

// scripted serves answers in order, repeating the last, and counts requests.
func scripted(t *testing.T, answers ...answer) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		a := answers[min(i, len(answers)-1)]
		// Reading the body lets the server notice a client that gave up.
		_, _ = io.Copy(io.Discard, r.Body)
		if a.hang {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
			return
		}
		if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestDeliveryRetries(t *testing.T) {
	ok := answer{status: 200, body: "ok"}
	cases := []struct {
		name        string
		answers     []answer
		maxAge      time.Duration
		timeout     time.Duration
		wantReqs    int32
		wantSent    float64
		wantDropped map[string]float64
		wantFailed  map[string]float64
		// wantSleeps are the fake clock's sleeps (nil: not checked).
		wantSleeps []time.Duration
		// wantLog is a substring of an Error or Warn entry.
		wantLog string
	}{{
		name:       "500 then success",
		answers:    []answer{{status: 500, body: "boom"}, ok},
		wantReqs:   2,
		wantSent:   1,
		wantFailed: map[string]float64{upstream.ReasonServerError: 1},
		wantSleeps: []time.Duration{500 * time.Millisecond},
		wantLog:    "500 Internal Server Error: boom",
	}, {
		name:       "429 honours Retry-After seconds",
		answers:    []answer{{status: 429, retryAfter: "7", body: "slow down"}, ok},
		wantReqs:   2,
		wantSent:   1,
		wantFailed: map[string]float64{upstream.ReasonRateLimited: 1},
		wantSleeps: []time.Duration{7 * time.Second},
	}, {
		name:       "429 honours Retry-After date",
		answers:    []answer{{status: 429, retryAfter: t0.Add(90 * time.Second).Format(http.TimeFormat)}, ok},
		wantReqs:   2,
		wantSent:   1,
		wantFailed: map[string]float64{upstream.ReasonRateLimited: 1},
		wantSleeps: []time.Duration{90 * time.Second},
	}, {
		// Read naively, 9999999999 seconds overflows into a negative wait.
		name:       "429 with an absurd Retry-After waits at most an hour",
		answers:    []answer{{status: 429, retryAfter: "9999999999"}, ok},
		wantReqs:   2,
		wantSent:   1,
		wantFailed: map[string]float64{upstream.ReasonRateLimited: 1},
		wantSleeps: []time.Duration{time.Hour},
	}, {
		name:        "400 is permanent",
		answers:     []answer{{status: 400, body: "invalid_payload"}},
		wantReqs:    1,
		wantDropped: map[string]float64{DropPermanent: 1},
		wantFailed:  map[string]float64{upstream.ReasonClientError: 1},
		wantSleeps:  []time.Duration{},
		wantLog:     "400 Bad Request: invalid_payload",
	}, {
		name:        "503 until max_age",
		answers:     []answer{{status: 503}},
		maxAge:      10 * time.Minute,
		wantDropped: map[string]float64{DropMaxAge: 1},
	}, {
		name:    "timeout then success",
		answers: []answer{{hang: true}, ok},
		// Real time, but only the hanging request waits for it; the
		// margin is for the one that answers on a loaded machine.
		timeout:    2 * time.Second,
		wantReqs:   2,
		wantSent:   1,
		wantFailed: map[string]float64{upstream.ReasonTimeout: 1},
		wantSleeps: []time.Duration{500 * time.Millisecond},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, reqs := scripted(t, tc.answers...)
			rc := webhookReceiver("archive", srv.URL+"/hook")
			if tc.maxAge > 0 {
				rc.MaxAge = config.Duration(tc.maxAge)
			}
			if tc.timeout > 0 {
				rc.Timeout = config.Duration(tc.timeout)
			}
			r := newRig(t, []config.Receiver{rc}, noJitter)
			if err := r.d.Enqueue(priceAlert("MP", 0), "archive"); err != nil {
				t.Fatal(err)
			}
			r.run(t)
			settled := func() bool {
				done := testutil.ToFloat64(r.m.notifications.WithLabelValues("archive", IntegrationWebhook))
				for _, reason := range dropReasons {
					done += testutil.ToFloat64(r.m.dropped.WithLabelValues("archive", reason))
				}
				return done == 1
			}
			waitFor(t, "the alert to be delivered or dropped", settled)
			r.d.Close()

			if got := r.depth("archive"); got != 0 {
				t.Errorf("outbox depth: got %d, want 0", got)
			}
			if tc.wantReqs > 0 && reqs.Load() != tc.wantReqs {
				t.Errorf("requests: got %d, want %d", reqs.Load(), tc.wantReqs)
			}
			if got := testutil.ToFloat64(r.m.notifications.WithLabelValues("archive", IntegrationWebhook)); got != tc.wantSent {
				t.Errorf("delivered: got %v, want %v", got, tc.wantSent)
			}
			for _, reason := range dropReasons {
				if got, want := testutil.ToFloat64(r.m.dropped.WithLabelValues("archive", reason)), tc.wantDropped[reason]; got != want {
					t.Errorf("dropped{reason=%q}: got %v, want %v", reason, got, want)
				}
			}
			for reason, want := range tc.wantFailed {
				if got := testutil.ToFloat64(r.m.failed.WithLabelValues("archive", IntegrationWebhook, string(reason))); got != want {
					t.Errorf("failed{reason=%q}: got %v, want %v", reason, got, want)
				}
			}
			if tc.wantSleeps != nil {
				if diff := cmp.Diff(tc.wantSleeps, r.clock.Sleeps(), cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("sleeps (-want +got):\n%s", diff)
				}
			}
			if tc.maxAge > 0 {
				// Backoff is bounded by max_age: the worker sleeps exactly
				// up to the deadline, then drops.
				var sum time.Duration
				for _, s := range r.clock.Sleeps() {
					sum += s
				}
				if sum != tc.maxAge {
					t.Errorf("total backoff: got %v, want exactly max_age %v", sum, tc.maxAge)
				}
			}
			if tc.wantLog != "" && !strings.Contains(logText(r.logs.FilterLevelExact(zapcore.ErrorLevel))+logText(r.logs.FilterLevelExact(zapcore.WarnLevel)), tc.wantLog) {
				t.Errorf("no Warn or Error log containing %q in:\n%s", tc.wantLog, logText(r.logs))
			}
		})
	}
}

// TestRetryWarnsOnce checks that a receiver failing the same way logs one
// Warn, then Debug, and an Info when it recovers.
func TestRetryWarnsOnce(t *testing.T) {
	srv, _ := scripted(t, answer{status: 502}, answer{status: 502}, answer{status: 502}, answer{status: 200})
	r := newRig(t, []config.Receiver{webhookReceiver("archive", srv.URL)}, noJitter)
	if err := r.d.Enqueue(priceAlert("MP", 0), "archive"); err != nil {
		t.Fatal(err)
	}
	r.run(t)
	waitFor(t, "delivery", func() bool {
		return testutil.ToFloat64(r.m.notifications.WithLabelValues("archive", IntegrationWebhook)) == 1
	})
	r.d.Close()
	if got := r.logs.FilterMessage("Delivery failed; will retry").FilterLevelExact(zapcore.WarnLevel).Len(); got != 1 {
		t.Errorf("Warn entries: got %d, want 1\n%s", got, logText(r.logs))
	}
	if got := r.logs.FilterMessage("Delivery failed; will retry").FilterLevelExact(zapcore.DebugLevel).Len(); got != 2 {
		t.Errorf("Debug entries: got %d, want 2", got)
	}
	if got := r.logs.FilterMessage("Delivery recovered").Len(); got != 1 {
		t.Errorf("recovery entries: got %d, want 1", got)
	}
}

// TestNetworkErrorRetried checks that a refused connection is retried
// (reason connection_refused) until max_age.
func TestNetworkErrorRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	rc := webhookReceiver("archive", "http://"+addr+"/hook")
	rc.MaxAge = config.Duration(5 * time.Minute)
	r := newRig(t, []config.Receiver{rc}, noJitter)
	if err := r.d.Enqueue(priceAlert("MP", 0), "archive"); err != nil {
		t.Fatal(err)
	}
	r.run(t)
	waitFor(t, "the drop", func() bool {
		return testutil.ToFloat64(r.m.dropped.WithLabelValues("archive", DropMaxAge)) == 1
	})
	if got := testutil.ToFloat64(r.m.failed.WithLabelValues("archive", IntegrationWebhook, upstream.ReasonRefused)); got < 2 {
		t.Errorf("failed{reason=connection_refused}: got %v, want at least 2 attempts", got)
	}
}

// TestSlackRateLimit checks one message a second per Slack webhook on the
// fake clock: three queued alerts go out at +0s, +1s and +2s.
func TestSlackRateLimit(t *testing.T) {
	var mu sync.Mutex
	var at []time.Duration
	var r *rig
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		at = append(at, r.clock.Now().Sub(t0))
		mu.Unlock()
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	r = newRig(t, []config.Receiver{slackReceiver("ops", srv.URL+"/services/T/B/x")})
	for i := range 3 {
		if err := r.d.Enqueue(priceAlert("MP", i), "ops"); err != nil {
			t.Fatal(err)
		}
	}
	r.run(t)
	waitFor(t, "three messages", func() bool { return r.depth("ops") == 0 })
	r.d.Close()
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]time.Duration{0, time.Second, 2 * time.Second}, at); diff != "" {
		t.Errorf("send times (-want +got):\n%s", diff)
	}
}

// TestSlackLimiterShared checks that receivers posting to one Slack
// webhook share its limit, that another webhook has its own, and that a
// reload keeps them.
func TestSlackLimiterShared(t *testing.T) {
	rcvs := []config.Receiver{
		slackReceiver("a", "https://hooks.slack.com/services/T/B/one"),
		slackReceiver("b", "https://hooks.slack.com/services/T/B/one"),
		slackReceiver("c", "https://hooks.slack.com/services/T/B/two"),
	}
	r := newRig(t, rcvs)
	lim := func(name string) any { return r.d.receivers[name][0].limiter }
	a := lim("a")
	if a != lim("b") {
		t.Error("receivers on one webhook URL have different limiters")
	}
	if a == lim("c") {
		t.Error("receivers on different webhook URLs share a limiter")
	}
	epA, epC := r.d.receivers["a"][0], r.d.receivers["c"][0]
	rcvs[0].Slack.TitleTemplate = "{{.Title}}!"
	if err := r.d.ApplyConfig(rcvs); err != nil {
		t.Fatal(err)
	}
	if r.d.receivers["a"][0] == epA {
		t.Error("a changed receiver kept its endpoint")
	}
	if r.d.receivers["c"][0] != epC {
		t.Error("an unchanged receiver was rebuilt")
	}
	if lim("a") != a {
		t.Error("a reload replaced the limiter of an unchanged URL")
	}
}

// TestEnqueueUnknownReceiver checks that a bad receiver name queues nothing.
func TestEnqueueUnknownReceiver(t *testing.T) {
	r := newRig(t, []config.Receiver{webhookReceiver("archive", "http://127.0.0.1:1/")})
	err := r.d.Enqueue(priceAlert("MP", 0), "archive", "nope")
	if !errors.Is(err, ErrUnknownReceiver) {
		t.Fatalf("got %v, want ErrUnknownReceiver", err)
	}
	if got := r.depth("archive"); got != 0 {
		t.Errorf("archive depth: got %d, want 0 (the transaction must not commit)", got)
	}
}

// TestDownReceiverLogsOnce checks that a receiver down past max_age logs
// one Warn and one Error for a whole backlog, while every drop is counted.
func TestDownReceiverLogsOnce(t *testing.T) {
	srv, _ := scripted(t, answer{status: 503})
	rc := webhookReceiver("archive", srv.URL)
	rc.MaxAge = config.Duration(2 * time.Minute)
	r := newRig(t, []config.Receiver{rc})
	for i := range 3 {
		if err := r.d.Enqueue(priceAlert("MP", i), "archive"); err != nil {
			t.Fatal(err)
		}
	}
	r.run(t)
	waitFor(t, "three drops", func() bool {
		return testutil.ToFloat64(r.m.dropped.WithLabelValues("archive", DropMaxAge)) == 3
	})
	r.d.Close()
	if n := r.logs.FilterLevelExact(zapcore.WarnLevel).Len(); n != 1 {
		t.Errorf("Warn entries: got %d, want 1\n%s", n, logText(r.logs))
	}
	if n := r.logs.FilterLevelExact(zapcore.ErrorLevel).Len(); n != 1 {
		t.Errorf("Error entries: got %d, want 1\n%s", n, logText(r.logs))
	}
}
