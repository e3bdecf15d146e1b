package alert

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/monitord/monitord/internal/config"
)

func TestStatus(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/refuse":
			http.Error(w, "no such hook", http.StatusBadRequest)
		case calls.Add(1) == 1:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	r := newRig(t, []config.Receiver{webhookReceiver("archive", srv.URL), webhookReceiver("refused", srv.URL+"/refuse")}, noJitter)
	got := r.d.Status()
	if len(got) != 2 || got[0].Name != "archive" || got[0].Integration != IntegrationWebhook || got[0].Depth != 0 || got[0].LastResult != "" {
		t.Fatalf("got %+v before any alert, want two idle webhook receivers", got)
	}
	if err := r.d.Enqueue(priceAlert("MP", 1), "archive", "refused"); err != nil {
		t.Fatal(err)
	}
	if err := r.clock.Sleep(context.Background(), 90*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := r.d.Status()[0]; got.Depth != 1 || got.Oldest != 90*time.Second {
		t.Errorf("got %+v, want depth 1 and oldest 1m30s", got)
	}
	if r.d.Pending() != 2 {
		t.Errorf("got %d pending, want 2", r.d.Pending())
	}
	r.run(t)
	waitFor(t, "delivery", func() bool { return r.d.Pending() == 0 })
	got = r.d.Status()
	if got[0].LastResult != "delivered" || got[0].LastAttempt.IsZero() || got[0].Oldest != 0 {
		t.Errorf("got %+v after a retry and delivery, want delivered with no backlog", got[0])
	}
	if got[1].LastResult != "dropped: permanent" {
		t.Errorf("got %+v for a receiver answering 400, want dropped: permanent", got[1])
	}
}
