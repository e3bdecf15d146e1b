package testupstream

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Delivery is one webhook request a Sink acknowledged.
type Delivery struct {
	// ID is the webhook-id header, the alert's idempotency key.
	ID string
	At time.Time
	// ConditionID is shared by a condition's firing and resolved alerts.
	ConditionID string
	// The alert as the webhook body's data carries it.
	Status, Kind, Rule, Title string
	Symbols                   []string
	Headlines                 []string // titles
}

// Sink is a webhook receiver that records what monitord delivers. With
// FailEvery it answers some requests 500 before looking at them, so the
// daemon must retry; those are not deliveries.
type Sink struct {
	*httptest.Server

	mu         sync.Mutex
	deliveries []Delivery
	requests   int
	failEvery  int
	notify     chan struct{}
}

// NewSink starts a webhook sink. Close it when done.
func NewSink() *Sink {
	s := &Sink{notify: make(chan struct{}, 1)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// FailEvery makes every n-th request fail with 500 (0 turns it off).
func (s *Sink) FailEvery(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failEvery = n
}

// Deliveries returns a copy of what was acknowledged, in arrival order.
func (s *Sink) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// Requests is how many requests arrived, failed ones included.
func (s *Sink) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Wait returns when cond holds over the deliveries or timeout passes, and
// whether cond held.
func (s *Sink) Wait(timeout time.Duration, cond func([]Delivery) bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if cond(s.Deliveries()) {
			return true
		}
		select {
		case <-s.notify:
		case <-time.After(50 * time.Millisecond):
		case <-deadline.C:
			return cond(s.Deliveries())
		}
	}
}

type webhookData struct {
	Data struct {
		ID          string   `json:"id"`
		ConditionID string   `json:"condition_id"`
		Status      string   `json:"status"`
		Kind        string   `json:"kind"`
		Rule        string   `json:"rule"`
		Title       string   `json:"title"`
		Symbols     []string `json:"symbols"`
		Headlines   []struct {
			Title string `json:"title"`
		} `json:"headlines"`
	} `json:"data"`
}

func (s *Sink) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	s.requests++
	fail := s.failEvery > 0 && s.requests%s.failEvery == 0
	s.mu.Unlock()
	if fail {
		http.Error(w, "sink failing on purpose", http.StatusInternalServerError)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var v webhookData
	if err := json.Unmarshal(body, &v); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d := Delivery{ID: r.Header.Get("webhook-id"), At: now, ConditionID: v.Data.ConditionID, Status: v.Data.Status, Kind: v.Data.Kind,
		Rule: v.Data.Rule, Title: v.Data.Title, Symbols: v.Data.Symbols}
	for _, h := range v.Data.Headlines {
		d.Headlines = append(d.Headlines, h.Title)
	}
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusNoContent)
}
