package alert

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// FuzzWebhookSignature checks the webhook signer against the Standard
// Webhooks reference library (the one receivers use) for any secret, id,
// timestamp and body: the secret decodes back to its key, the signature is
// the library's byte for byte, the library verifies it, and changing the
// body, the id, the timestamp or the key makes verification fail.
//
//	go test -run '^$' -fuzz '^FuzzWebhookSignature$' -fuzztime 30s ./internal/alert/
func FuzzWebhookSignature(f *testing.F) {
	key, _ := base64.StdEncoding.DecodeString("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	f.Add(key, vectorMsgID, int64(vectorTimestamp), []byte(vectorPayload))
	f.Add([]byte{0}, "0f3c2a9e7b1d4c5e", int64(1781624700), []byte(`{"version":"1","type":"alert.firing","data":{}}`))
	f.Add([]byte("k"), "id.with.dots", int64(-1), []byte("body.with.dots"))
	f.Add(make([]byte, 64), "ünïcødé", int64(0), []byte{})
	f.Fuzz(func(t *testing.T, key []byte, id string, ts int64, body []byte) {
		secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
		got, err := decodeWebhookSecret(secret)
		if len(key) == 0 {
			if err == nil {
				t.Fatal("an empty key decoded without error")
			}
			return
		}
		if err != nil || string(got) != string(key) {
			t.Fatalf("decodeWebhookSecret(%q) = %x, %v; want %x", secret, got, err, key)
		}
		sig := signWebhook(key, id, ts, body)
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := wh.Sign(id, time.Unix(ts, 0), body); sig != want {
			t.Fatalf("signature %s, reference library %s", sig, want)
		}
		if id == "" {
			return // the reference verifier requires a webhook-id; alerts always have one
		}
		verify := func(wh *standardwebhooks.Webhook, id string, ts int64, body []byte) error {
			h := http.Header{}
			h.Set(HeaderWebhookID, id)
			h.Set(HeaderWebhookTimestamp, strconv.FormatInt(ts, 10))
			h.Set(HeaderWebhookSignature, sig)
			return wh.VerifyIgnoringTimestamp(body, h)
		}
		if err := verify(wh, id, ts, body); err != nil {
			t.Fatalf("reference library rejects the signature: %v", err)
		}
		// A fresh timestamp passes the full check, tolerance included.
		now := time.Now().Unix()
		sig = signWebhook(key, id, now, body)
		h := http.Header{}
		h.Set(HeaderWebhookID, id)
		h.Set(HeaderWebhookTimestamp, strconv.FormatInt(now, 10))
		h.Set(HeaderWebhookSignature, sig)
		if err := wh.Verify(body, h); err != nil {
			t.Fatalf("reference library rejects a fresh signature: %v", err)
		}

		// Tampering.
		sig = signWebhook(key, id, ts, body)
		tampered := append([]byte(nil), body...)
		if len(tampered) == 0 {
			tampered = []byte{0}
		} else {
			tampered[len(tampered)/2] ^= 0x01
		}
		otherKey := append([]byte(nil), key...)
		otherKey[0] ^= 0x80
		other, _ := standardwebhooks.NewWebhookRaw(otherKey)
		for what, err := range map[string]error{
			"body":      verify(wh, id, ts, tampered),
			"id":        verify(wh, id+"x", ts, body),
			"timestamp": verify(wh, id, ts^1, body),
			"key":       verify(other, id, ts, body),
		} {
			if !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
				t.Errorf("tampered %s: verification gave %v, want no matching signature", what, err)
			}
		}
	})
}
