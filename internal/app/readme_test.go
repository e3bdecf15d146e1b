package app

import (
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestEveryMetricIsDocumented gathers the registry of a daemon that has
// polled (so every lazily created series exists) and checks that README.md
// lists each monitord_* metric family.
func TestEveryMetricIsDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, goodConfig+`
feeds:
  - name: wire
    url: UPSTREAM/feeds/wire
receivers:
  - name: am
    alertmanager:
      urls: [http://127.0.0.1:1]
`, nil)
	h.up.SetFeed("wire", "application/rss+xml", wireRSS(h.now()), 200)
	h.waitReady()
	waitUntil(t, "the first polls", func() bool {
		_, body := h.get("/metrics")
		return strings.Contains(body, `monitord_quote_price{symbol="MP"}`) && strings.Contains(body, `monitord_feed_items_total{feed="wire"} 2`)
	})
	time.Sleep(50 * time.Millisecond)
	families, err := h.app.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, f := range families {
		name := f.GetName()
		if !strings.HasPrefix(name, "monitord_") {
			continue
		}
		if !strings.Contains(string(readme), "`"+name+"`") {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("README.md does not document: %s", strings.Join(missing, ", "))
	}
}
