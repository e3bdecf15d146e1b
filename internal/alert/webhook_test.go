package alert

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/config"
)

// The reference test vector of the Standard Webhooks Go library
// (libraries/go/webhook_test.go, TestWebhookSign, in
// github.com/standard-webhooks/standard-webhooks/libraries v0.0.1).
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorMsgID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorPayload   = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignWebhookReferenceVector(t *testing.T) {
	for _, secret := range []string{vectorSecret, strings.TrimPrefix(vectorSecret, "whsec_")} {
		key, err := decodeWebhookSecret(secret)
		if err != nil {
			t.Fatal(err)
		}
		if got := signWebhook(key, vectorMsgID, vectorTimestamp, []byte(vectorPayload)); got != vectorSignature {
			t.Errorf("secret %q: got %s, want %s", secret, got, vectorSignature)
		}
	}
	// The reference library agrees with the vector (guards the vector).
	wh, err := standardwebhooks.NewWebhook(vectorSecret)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := wh.Sign(vectorMsgID, time.Unix(vectorTimestamp, 0), []byte(vectorPayload)); got != vectorSignature {
		t.Errorf("reference library: got %s, want %s", got, vectorSignature)
	}
}

func TestDecodeWebhookSecretBad(t *testing.T) {
	for _, s := range []string{"whsec_=", "whsec_not base64!", "hunter2hunter2!"} {
		_, err := decodeWebhookSecret(s)
		if err == nil {
			t.Errorf("%q: got no error", s)
			continue
		}
		if strings.Contains(err.Error(), s) {
			t.Errorf("error repeats the secret: %v", err)
		}
	}
}

// TestWebhookDelivery checks a signed delivery end to end: the receiver
// verifies it with the reference library, finds the alert's ID in
// webhook-id and its custom header, and decodes the versioned body.
func TestWebhookDelivery(t *testing.T) {
	type got struct {
		header http.Header
		body   []byte
		verify error
	}
	gotc := make(chan got, 1)
	wh, err := standardwebhooks.NewWebhook(vectorSecret)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		gotc <- got{header: r.Header.Clone(), body: body, verify: wh.VerifyIgnoringTimestamp(body, r.Header)}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)

	rc := webhookReceiver("archive", srv.URL+"/monitord")
	rc.Webhook.Secret = vectorSecret
	rc.Webhook.Headers = map[string]config.Secret{"Authorization": "Bearer s3cr3t-t0ken"}
	r := newRig(t, []config.Receiver{rc})
	a := newsAlert(2)
	if err := r.d.Enqueue(a, "archive"); err != nil {
		t.Fatal(err)
	}
	r.run(t)
	g := <-gotc

	if g.verify != nil {
		t.Errorf("reference library rejects the signature: %v", g.verify)
	}
	if tampered := wh.VerifyIgnoringTimestamp(append(g.body, ' '), g.header); tampered == nil {
		t.Error("reference library accepts a tampered body")
	}
	if id := g.header.Get(HeaderWebhookID); id != a.ID || len(id) != 32 {
		t.Errorf("webhook-id: got %q, want the alert ID %q", id, a.ID)
	}
	if ts, want := g.header.Get(HeaderWebhookTimestamp), "1772461800"; ts != want {
		t.Errorf("webhook-timestamp: got %s, want %s (the fake clock)", ts, want)
	}
	if got := g.header.Get("Authorization"); got != "Bearer s3cr3t-t0ken" {
		t.Errorf("custom header: got %q", got)
	}
	var body WebhookBody
	if err := json.Unmarshal(g.body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Version != WebhookSchemaVersion || body.Type != "alert.firing" || body.Receiver != "archive" || body.Data.ID != a.ID {
		t.Errorf("body: got version %q type %q receiver %q id %q", body.Version, body.Type, body.Receiver, body.Data.ID)
	}
	if diff := cmp.Diff(*a, body.Data); diff != "" {
		t.Errorf("data round trip (-sent +received):\n%s", diff)
	}
	waitFor(t, "the ack", func() bool {
		return testutil.ToFloat64(r.m.notifications.WithLabelValues("archive", IntegrationWebhook)) == 1
	})
	if d := r.depth("archive"); d != 0 {
		t.Errorf("depth after the ack: got %d, want 0", d)
	}
}

func TestWebhookUnsigned(t *testing.T) {
	hdr := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr <- r.Header.Clone()
	}))
	t.Cleanup(srv.Close)
	r := newRig(t, []config.Receiver{webhookReceiver("archive", srv.URL)})
	a := priceAlert("MP", 0)
	if err := r.d.Enqueue(a, "archive"); err != nil {
		t.Fatal(err)
	}
	r.run(t)
	h := <-hdr
	if h.Get(HeaderWebhookID) != a.ID || h.Get(HeaderWebhookSignature) != "" || h.Get("Content-Type") != "application/json" {
		t.Errorf("headers: got id %q signature %q content type %q", h.Get(HeaderWebhookID), h.Get(HeaderWebhookSignature), h.Get("Content-Type"))
	}
}

// TestWebhookBodyGolden pins the documented v1 body.
func TestWebhookBodyGolden(t *testing.T) {
	rc := webhookReceiver("archive", "https://hooks.example.com/monitord")
	p := &poster{red: &redactor{}, clock: newFakeClock(t0)}
	n, err := newWebhookNotifier(&rc, p, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	a := priceAlert("MP", 0)
	a.CreatedAt = t0
	a.Summary = "MP Materials rose 6.2% against a flat REMX."
	a.Link = "https://finance.yahoo.com/quote/MP"
	a.Identify()
	text, _ := n.text.render(a)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(WebhookBody{Version: WebhookSchemaVersion, Type: "alert.firing", Timestamp: t0, Receiver: "archive", Text: text, Data: *a}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "webhook_body.golden.json")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func TestWebhookConfigValidation(t *testing.T) {
	const secret = "whsec_!!!!not-base64"
	yml := `
receivers:
  - name: archive
    webhook:
      url: https://hooks.example.com/monitord
      secret: "` + secret + `"
      headers:
        webhook-id: "x"
`
	_, err := config.Load([]byte(yml), "")
	if err == nil {
		t.Fatal("got no error")
	}
	msg := err.Error()
	for _, want := range []string{"receivers[0].webhook.secret: must be whsec_ followed by base64", `header "webhook-id" is set by monitord`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "not-base64") {
		t.Errorf("error repeats the secret:\n%s", msg)
	}
}
