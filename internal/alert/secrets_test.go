package alert

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/monitord/monitord/internal/config"
)

// TestNoSecretInLogsOrMetrics drives every receiver into failures whose raw
// error text would carry a secret (net/http's *url.Error quotes the URL, a
// 404 page echoes the path, a proxy echoes headers) and checks that no log
// line, field or metric ever shows one.
func TestNoSecretInLogsOrMetrics(t *testing.T) {
	// echo answers with everything it was sent: path, query, headers.
	echo := func(status int) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(status)
			fmt.Fprintf(w, "cannot %s %s %v %s", r.Method, r.URL.String(), r.Header, body)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()

	cases := []struct {
		name    string
		rc      func() config.Receiver
		secrets []string
	}{{
		name:    "slack 404 echoing the path",
		rc:      func() config.Receiver { return slackReceiver("ops", echo(404).URL+"/services/T000/B000/SLACKTOKEN1") },
		secrets: []string{"SLACKTOKEN1"},
	}, {
		name:    "slack unreachable",
		rc:      func() config.Receiver { return slackReceiver("ops", "http://"+dead+"/services/T000/B000/SLACKTOKEN2") },
		secrets: []string{"SLACKTOKEN2"},
	}, {
		name: "webhook 500 echoing headers and query",
		rc: func() config.Receiver {
			r := webhookReceiver("ops", echo(500).URL+"/hook?token=QUERYTOKEN3")
			r.Webhook.Secret = vectorSecret
			r.Webhook.Headers = map[string]config.Secret{"Authorization": "Bearer HEADERTOKEN3", "X-Api-Key": "APIKEY3"}
			return r
		},
		secrets: []string{"QUERYTOKEN3", "HEADERTOKEN3", "APIKEY3", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
	}, {
		name:    "webhook unreachable with userinfo",
		rc:      func() config.Receiver { return webhookReceiver("ops", "http://user:PASSWORD4@"+dead+"/h/PATHTOKEN4") },
		secrets: []string{"PASSWORD4", "PATHTOKEN4"},
	}, {
		name:    "alertmanager unreachable with basic auth",
		rc:      func() config.Receiver { return amReceiver("ops", "http://admin:AMPASSWORD5@"+dead) },
		secrets: []string{"AMPASSWORD5"},
	}, {
		name: "alertmanager 400 echoing",
		rc: func() config.Receiver {
			return amReceiver("ops", "http://admin:AMPASSWORD6@"+strings.TrimPrefix(echo(400).URL, "http://"))
		},
		secrets: []string{"AMPASSWORD6"},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := tc.rc()
			rc.MaxAge = config.Duration(time.Minute)
			r := newRig(t, []config.Receiver{rc})
			if err := r.d.Enqueue(priceAlert("MP", 0), "ops"); err != nil {
				t.Fatal(err)
			}
			r.run(t)
			waitFor(t, "the alert to be dropped", func() bool {
				return testutil.ToFloat64(r.m.dropped.WithLabelValues("ops", DropPermanent))+
					testutil.ToFloat64(r.m.dropped.WithLabelValues("ops", DropMaxAge)) == 1
			})
			r.d.Close()

			logs := logText(r.logs)
			if !strings.Contains(logs, "post http") {
				t.Errorf("no delivery error was logged:\n%s", logs)
			}
			metrics, err := testutil.CollectAndFormat(r.m.failed, expfmt.TypeTextPlain)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.secrets {
				if strings.Contains(logs, s) {
					t.Errorf("secret %q in the logs:\n%s", s, logs)
				}
				if strings.Contains(string(metrics), s) {
					t.Errorf("secret %q in the metrics", s)
				}
			}
		})
	}
}

// TestNoSecretInBuildErrors checks that a receiver that cannot be built
// says why without the value.
func TestNoSecretInBuildErrors(t *testing.T) {
	rc := webhookReceiver("ops", "https://hooks.example.com/x")
	rc.Webhook.Secret = "whsec_BADSECRET!!"
	r := newRig(t, nil)
	err := r.d.ApplyConfig([]config.Receiver{rc})
	if err == nil {
		t.Fatal("got no error")
	}
	if strings.Contains(err.Error(), "BADSECRET") {
		t.Errorf("error repeats the secret: %v", err)
	}
}
