package replay

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/monitord/monitord/internal/config"
)

// TestDeliver: with Deliver, every recorded alert reaches the configured
// webhook, under the same id; without it, nothing is sent.
func TestDeliver(t *testing.T) {
	t.Parallel()
	var (
		mu  sync.Mutex
		ids []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids = append(ids, r.Header.Get("webhook-id"))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	text, err := os.ReadFile(filepath.Join(synthetic, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	text = []byte(strings.ReplaceAll(string(text), "https://hooks.synthetic.invalid/monitord", srv.URL))
	file := filepath.Join(t.TempDir(), "monitord.yml")
	if err := os.WriteFile(file, text, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := Read(synthetic)
	if err != nil {
		t.Fatal(err)
	}

	res, err := Run(t.Context(), rec, Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(ids) != 0 {
		t.Errorf("without Deliver: got %d requests, want none", len(ids))
	}
	mu.Unlock()
	if res.Receivers != nil {
		t.Errorf("without Deliver: got receiver status %+v", res.Receivers)
	}

	res, err = Run(t.Context(), rec, Options{Config: cfg, Deliver: true, DeliverWait: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range res.Alerts {
		want = append(want, f.Alert.ID)
	}
	mu.Lock()
	got := slices.Clone(ids)
	mu.Unlock()
	slices.Sort(want)
	slices.Sort(got)
	if len(want) == 0 {
		t.Fatal("no alerts recorded")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("webhook ids (-recorded +delivered):\n%s", diff)
	}
	if len(res.Receivers) != 1 || res.Receivers[0].Depth != 0 || res.Receivers[0].LastResult != "delivered" {
		t.Errorf("got receivers %+v, want synthetic-archive with nothing left", res.Receivers)
	}
	if out := report(t, res); !strings.Contains(out, "sent to the configured receivers") ||
		!strings.Contains(out, `receiver synthetic-archive (webhook): 0 undelivered, last result "delivered"`) {
		t.Errorf("report does not say the alerts were sent:\n%s", out)
	}
}
