package app

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestFullDiskIsVisible reproduces a full disk invisible at the default
// log level: "record items: ... no space left on device" was logged at
// debug only and the feed metrics stayed at zero. With writes failing,
// the daemon logs a warning (one, however many writes fail within a
// minute), counts the failed writes and the feed's failed fetch, and its
// status page says so at the top.
func TestFullDiskIsVisible(t *testing.T) {
	var full atomic.Bool
	errFull := errors.New("write data/monitord.db: no space left on device")
	core, logs := observer.New(zap.InfoLevel)
	h := newHarnessWith(t, goodConfig+`
keywords:
  rare_earth:
    any: ["rare earth", "NdPr", "magnet"]
feeds:
  - name: wire
    url: UPSTREAM/feeds/wire
    schedule: "@every 1s"
`, func(o *Options) {
		o.Logger = zap.New(core)
		o.FailStoreWrites = func() error {
			if full.Load() {
				return errFull
			}
			return nil
		}
	}, nil)
	h.up.SetFeed("wire", "application/rss+xml", wireRSS(h.now()), 200)
	h.waitReady()
	waitUntil(t, "the wire feed primed", func() bool {
		_, body := h.get("/metrics")
		return strings.Contains(body, `monitord_feed_items_skipped_total{feed="wire",reason="primed"} 2`)
	})

	full.Store(true)
	h.up.SetFeed("wire", "application/rss+xml", strings.Replace(wireRSS(h.now()), "</channel>",
		`<item><title>Neodymium magnet plant breaks ground</title><link>https://wire.example.com/news/plant</link>
<guid isPermaLink="false">wire-0003</guid></item></channel>`, 1), 200)
	waitUntil(t, "the status page's banner", func() bool {
		_, body := h.get("/")
		return strings.Contains(body, `id="store-write"`) && strings.Contains(body, "no space left on device")
	})
	// The banner may come from another writer's failure (a feed's state,
	// a handled mark) before the wire's poll has failed and been counted.
	var metrics string
	waitUntil(t, "the wire's failed fetch counted", func() bool {
		_, metrics = h.get("/metrics")
		for _, want := range []string{`monitord_feed_fetch_errors_total{feed="wire",reason="store"}`, `monitord_feed_fetches_total{feed="wire",result="error"}`} {
			if !strings.Contains(metrics, want) || strings.Contains(metrics, want+" 0\n") {
				return false
			}
		}
		return true
	})
	if strings.Contains(metrics, "monitord_store_write_failures_total 0\n") {
		t.Error("monitord_store_write_failures_total is 0")
	}
	time.Sleep(2 * time.Second) // more failed polls, within the minute
	if w := logs.FilterMessage("Cannot write the state database").All(); len(w) != 1 || w[0].Level != zap.WarnLevel {
		t.Errorf("got %d warnings of failing writes within a minute, want 1: %v", len(w), w)
	}

	full.Store(false)
	waitUntil(t, "the banner gone once writes succeed", func() bool {
		_, body := h.get("/")
		return !strings.Contains(body, `id="store-write"`)
	})
}
