package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/monitord/monitord/internal/testupstream"
)

const wireRSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test wire</title><link>https://wire.example.com</link><description>test</description>
<item><title>MP Materials expands NdPr magnet output at Fort Worth (NYSE: MP)</title>
<link>https://wire.example.com/news/mp-magnets</link><guid isPermaLink="false">wire-0001</guid>
<pubDate>Fri, 27 Nov 2026 14:30:00 GMT</pubDate>
<description>The rare earth producer said its magnet plant reached a new milestone.</description></item>
<item><title>City council approves new park budget</title>
<link>https://wire.example.com/news/park</link><guid isPermaLink="false">wire-0002</guid>
<pubDate>Fri, 27 Nov 2026 13:00:00 GMT</pubDate><description>Nothing about minerals.</description></item>
</channel></rss>`

func TestOnce(t *testing.T) {
	up := testupstream.New()
	defer up.Close()
	up.SetPrice("MP", testupstream.Price{Price: 58.41, PrevClose: 56.9, Volume: 9412337})
	up.SetFeed("wire", "application/rss+xml", wireRSS, 200)
	up.SetFeed("broken", "text/html", "<html>Service Unavailable</html>", 503)
	cfg := goodConfig + `
keywords:
  rare_earth:
    any: ["rare earth", "NdPr", "magnet"]
feeds:
  - name: wire
    url: UPSTREAM/feeds/wire
  - name: broken
    url: UPSTREAM/feeds/broken
`
	dir := t.TempDir()
	file := filepath.Join(dir, "monitord.yml")
	writeConfig(t, up, file, cfg)
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := Once(ctx, Options{ConfigFile: file, StoragePath: filepath.Join(dir, "data"), Logger: zaptest.NewLogger(t)},
		OnceOptions{Out: &out})
	if err != nil {
		t.Fatalf("Once: %v\n%s", err, out.String())
	}
	got := out.String()
	t.Logf("once output:\n%s", got)
	for _, want := range []string{"MP", "58.41", "+2.65%", "MP Materials expands NdPr magnet output", "rare_earth", "error: feed/broken",
		"News impact", "REFERENCE", "+0.0%"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "park budget") {
		t.Errorf("output lists an unmatched headline:\n%s", got)
	}
	// Once used a scratch store, never the storage path.
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("once created the storage path (stat: %v)", err)
	}
}
