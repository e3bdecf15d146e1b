package feeds

import (
	"context"
	"testing"

	"github.com/monitord/monitord/internal/upstream"
)

func TestHealth(t *testing.T) {
	h := newHarness(t)
	h.server.set("/ok.xml", reply{body: rssBody([3]string{"a1", "Neodymium output rises", "Wed, 26 Aug 2026 10:00:00 GMT"})})
	h.server.set("/down.xml", reply{status: 503})
	cfg := h.config(`
feeds:
  - name: ok
    url: "{{srv}}/ok.xml"
  - name: down
    url: "{{srv}}/down.xml"
`)
	svc := h.service(cfg)
	if _, err := h.source(svc, "ok").Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := h.source(svc, "down").Poll(context.Background()); err == nil {
		t.Fatal("got nil error from a feed answering 503")
	}
	ok, err := h.source(svc, "ok").Health()
	if err != nil || ok.Failures != 0 || ok.LastError != "" || ok.LastSuccess.IsZero() {
		t.Errorf("healthy feed: got %+v, %v", ok, err)
	}
	down, err := h.source(svc, "down").Health()
	if err != nil || down.Failures != 1 || down.LastError != upstream.ReasonServerError || !down.LastSuccess.IsZero() || down.BackoffUntil.IsZero() {
		t.Errorf("failing feed: got %+v, %v; want one failure, reason server_error, backing off", down, err)
	}
}
