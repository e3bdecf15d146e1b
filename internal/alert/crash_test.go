package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/zap"

	"github.com/monitord/monitord/internal/config"
	"github.com/monitord/monitord/internal/store"
)

// The child process of TestKill9MidDelivery reads its task from these.
const (
	crashEnvMode = "MONITORD_ALERT_CRASH_MODE" // "enqueue" or "resume"
	crashEnvDir  = "MONITORD_ALERT_CRASH_DIR"
	crashEnvURL  = "MONITORD_ALERT_CRASH_URL"
	crashAlerts  = 10
	// crashAt is the delivery during which the parent kills the child.
	crashAt = 4
)

func crashAlert(i int) *Alert { return priceAlert(fmt.Sprintf("S%02d", i), i) }

// TestCrashChild is not a test of its own: TestKill9MidDelivery re-executes
// the test binary to run it as a daemon it can kill.
func TestCrashChild(t *testing.T) {
	mode := os.Getenv(crashEnvMode)
	if mode == "" {
		t.Skip("the child process of TestKill9MidDelivery")
	}
	st, err := store.Open(os.Getenv(crashEnvDir), store.Options{LockTimeout: 30 * time.Second}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := New([]config.Receiver{webhookReceiver("archive", os.Getenv(crashEnvURL))},
		Options{Store: st, Metrics: NewMetrics(nil), Logger: zap.NewExample()})
	if err != nil {
		t.Fatal(err)
	}
	if mode == "enqueue" {
		for i := range crashAlerts {
			if err := d.Enqueue(crashAlert(i), "archive"); err != nil {
				t.Fatal(err)
			}
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- d.Run(context.Background()) }()
	// Run until killed, or in resume mode until the outbox is empty.
	for mode == "enqueue" || outboxDepth(t, st) > 0 {
		time.Sleep(10 * time.Millisecond)
	}
	d.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func outboxDepth(t *testing.T, st *store.Store) int {
	n := 0
	err := st.View(func(tx *store.Tx) error {
		qs, err := queues(tx)
		for _, eps := range qs {
			for _, c := range eps {
				n += c
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestKill9MidDelivery runs the dispatcher in a child process, kills it with
// SIGKILL while a delivery is in flight, restarts it on the same store, and
// checks that every alert arrives with its ID unchanged; the one in flight
// arrives twice, as the same ID.
func TestKill9MidDelivery(t *testing.T) {
	if os.Getenv(crashEnvMode) != "" {
		t.Skip("in the child")
	}
	var (
		mu       sync.Mutex
		arrivals []string // webhook-id of every request, in order
		acked    = map[string]int{}
		killing  = true
	)
	inFlight := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var b WebhookBody
		id := r.Header.Get(HeaderWebhookID)
		if err := json.Unmarshal(body, &b); err != nil || b.Data.ID != id {
			t.Errorf("request %q: body id %q, err %v", id, b.Data.ID, err)
		}
		mu.Lock()
		arrivals = append(arrivals, id)
		hold := killing && len(arrivals) == crashAt
		if !hold {
			acked[id]++
		}
		mu.Unlock()
		if hold {
			close(inFlight)
			select { // until the child dies and the connection drops
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	child := func(mode string) (*exec.Cmd, *bytes.Buffer) {
		var out bytes.Buffer
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), crashEnvMode+"="+mode, crashEnvDir+"="+dir, crashEnvURL+"="+srv.URL+"/hook")
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &out
	}

	first, out1 := child("enqueue")
	select {
	case <-inFlight:
	case <-time.After(2 * time.Minute):
		_ = first.Process.Kill()
		_ = first.Wait()
		t.Fatalf("delivery %d never started; child output:\n%s", crashAt, out1)
	}
	if err := first.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	if err := first.Wait(); err == nil {
		t.Fatalf("child survived SIGKILL:\n%s", out1)
	}
	mu.Lock()
	killing = false
	inFlightID := arrivals[crashAt-1]
	mu.Unlock()

	second, out2 := child("resume")
	done := make(chan error, 1)
	go func() { done <- second.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("restarted child: %v\n%s", err, out2)
		}
	case <-time.After(2 * time.Minute):
		_ = second.Process.Kill()
		<-done
		t.Fatalf("restarted child did not drain the outbox:\n%s", out2)
	}

	var want []string
	for i := range crashAlerts {
		a := crashAlert(i)
		a.Identify()
		want = append(want, a.ID)
	}
	sort.Strings(want)
	mu.Lock()
	defer mu.Unlock()
	var got []string
	for id, n := range acked {
		got = append(got, id)
		if n != 1 {
			t.Errorf("alert %s acknowledged %d times, want 1", id, n)
		}
	}
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("delivered alert IDs (-want +got):\n%s", diff)
	}
	seen := map[string]int{}
	for _, id := range arrivals {
		seen[id]++
	}
	if seen[inFlightID] != 2 {
		t.Errorf("alert in flight at the kill arrived %d times, want 2 (a duplicate with the same ID)", seen[inFlightID])
	}
	if len(arrivals) != crashAlerts+1 {
		t.Errorf("requests: got %d, want %d (one duplicate)", len(arrivals), crashAlerts+1)
	}
}
