package upstream

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/monitord/monitord/internal/fakeclock"
)

var start = time.Date(2026, time.August, 26, 15, 0, 0, 0, time.UTC) // any instant: nothing here ages

// fakeClock is an injected clock whose Sleep advances it.
type fakeClock = fakeclock.Clock

func newTestHosts() (*Hosts, *fakeClock) {
	c := fakeclock.New(start)
	return NewHosts(HostsOptions{Now: c.Now, Sleep: c.Sleep}), c
}

func TestKey(t *testing.T) {
	for url, want := range map[string]string{
		"https://www.sec.gov/cgi-bin/browse-edgar?CIK=1":                              "sec.gov",
		"https://data.sec.gov/submissions/CIK0001801368.json":                         "sec.gov",
		"https://efts.sec.gov/LATEST/search-index?q=x":                                "sec.gov",
		"https://notsec.gov.example.com/":                                             "notsec.gov.example.com",
		"https://Query2.Finance.Yahoo.com/v1/finance/search":                          "query2.finance.yahoo.com",
		"http://127.0.0.1:8080/feeds/wire":                                            "127.0.0.1:8080",
		"https://www.sec.gov:443/cgi-bin/browse-edgar":                                "sec.gov",
		"https://www.federalregister.gov/api/v1/documents.json":                       "federalregister.gov",
		"https://federalregister.gov/api/v1/public-inspection-documents/current.json": "federalregister.gov",
	} {
		if got := Key(url); got != want {
			t.Errorf("Key(%q) = %q, want %q", url, got, want)
		}
	}
}

// TestPolitenessSharedAcrossCallers: SEC's hosts share one bucket of ten a
// second; another host is not held up by them.
func TestPolitenessSharedAcrossCallers(t *testing.T) {
	h, clock := newTestHosts()
	var at []time.Duration
	for _, u := range []string{
		"https://www.sec.gov/a", "https://data.sec.gov/b", "https://www.sec.gov/c",
		"https://feeds.example.com/x", "https://www.sec.gov/d",
	} {
		if err := h.Wait(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		at = append(at, clock.Now().Sub(start))
	}
	want := []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}
	if diff := cmp.Diff(want, at); diff != "" {
		t.Errorf("wait times (-want +got):\n%s", diff)
	}
}

func TestPolitenessCancel(t *testing.T) {
	c := fakeclock.New(start)
	h := NewHosts(HostsOptions{Now: c.Now, Sleep: func(context.Context, time.Duration) error { return context.Canceled }})
	h.Wait(context.Background(), "https://www.sec.gov/a")
	if err := h.Wait(context.Background(), "https://www.sec.gov/b"); err == nil {
		t.Fatal("want the sleep's error")
	}
}

// TestSetPoliteness raises the limit of ordinary hosts, those already
// known included, and never SEC's.
func TestSetPoliteness(t *testing.T) {
	h, clock := newTestHosts()
	wait := func(u string) time.Duration {
		t.Helper()
		before := clock.Now()
		if err := h.Wait(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		return clock.Now().Sub(before)
	}
	wait("https://feeds.example.com/a")
	h.SetPoliteness(100, 1)
	if got, burst := h.Politeness(); got != 100 || burst != 1 {
		t.Errorf("Politeness() = %v, %d; want 100, 1", got, burst)
	}
	var got []time.Duration
	for _, u := range []string{"https://feeds.example.com/b", "https://feeds.example.com/c", "https://other.example.com/x",
		"https://other.example.com/y", "https://www.sec.gov/a", "https://www.sec.gov/b"} {
		got = append(got, wait(u))
	}
	want := []time.Duration{0, 10 * time.Millisecond, 0, 10 * time.Millisecond, 0, 100 * time.Millisecond}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	// The Federal Register keeps its five a second, on every host of its
	// domain.
	if got := []time.Duration{wait("https://www.federalregister.gov/api/v1/documents.json"),
		wait("https://federalregister.gov/api/v1/public-inspection-documents/current.json")}; !slices.Equal(got, []time.Duration{0, 200 * time.Millisecond}) {
		t.Errorf("Federal Register waits %v, want 0 then 200ms", got)
	}
	// Google News keeps its minute, whatever news.host_rate_limit says.
	if got := []time.Duration{wait("https://news.google.com/rss/search?q=a"), wait("https://news.google.com/rss/search?q=b")}; !slices.Equal(got, []time.Duration{0, time.Minute}) {
		t.Errorf("Google News waits %v, want 0 then a minute", got)
	}
	h.SetPoliteness(0, 0) // not positive: unchanged
	if got, burst := h.Politeness(); got != 100 || burst != 1 {
		t.Errorf("after SetPoliteness(0, 0): %v, %d; want 100, 1", got, burst)
	}
}

func TestPauseExtendsNeverShortens(t *testing.T) {
	h, clock := newTestHosts()
	const u = "https://query2.finance.yahoo.com/v8/finance/chart/MP"
	h.Pause(u, start.Add(15*time.Second), ReasonRateLimited)
	h.Pause("https://query2.finance.yahoo.com/v1/finance/search", start.Add(3*time.Second), ReasonServerError)
	if left, reason := h.Paused(u); left != 15*time.Second || reason != ReasonRateLimited {
		t.Errorf("Paused = %v, %q; want 15s, rate_limited", left, reason)
	}
	if left, _ := h.Paused("https://query1.finance.yahoo.com/v7/finance/quote"); left != 0 {
		t.Errorf("another host is paused for %v", left)
	}
	clock.Advance(15 * time.Second)
	if left, _ := h.Paused(u); left != 0 {
		t.Errorf("still paused for %v after the pause ended", left)
	}
	h.Pause(u, clock.Now().Add(time.Minute), ReasonServerError)
	h.Resume(u)
	if left, _ := h.Paused(u); left != 0 {
		t.Errorf("paused for %v after Resume", left)
	}
}

func TestIdleHostsAreForgotten(t *testing.T) {
	h, clock := newTestHosts()
	h.Wait(context.Background(), "https://a.example.com/")
	h.Pause("https://b.example.com/", start.Add(48*time.Hour), ReasonRateLimited)
	clock.Advance(idleHostAge + time.Minute)
	h.Wait(context.Background(), "https://c.example.com/")
	if got := len(h.hosts); got != 2 {
		t.Errorf("%d hosts after a day idle, want the paused one and the new one", got)
	}
}
