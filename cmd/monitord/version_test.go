package main

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/prometheus/common/version"
)

func TestStampVersion(t *testing.T) {
	saved := []string{version.Version, version.Branch, version.BuildUser, version.BuildDate}
	t.Cleanup(func() {
		version.Version, version.Branch, version.BuildUser, version.BuildDate = saved[0], saved[1], saved[2], saved[3]
	})
	reset := func() { version.Version, version.Branch, version.BuildUser, version.BuildDate = "", "", "", "" }

	reset()
	stampVersion(&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261205020918-406ebc94359e"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "406ebc94359e0dab76f7526ed7fc34396bc091f6"},
		{Key: "vcs.time", Value: "2026-12-05T02:09:18Z"},
	}}, true)
	if version.Version != "0.0.0-20261205020918-406ebc94359e" || version.BuildDate != "2026-12-05T02:09:18Z" {
		t.Errorf("go build: version %q, date %q", version.Version, version.BuildDate)
	}

	reset()
	stampVersion(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true)
	for name, v := range map[string]string{"version": version.Version, "branch": version.Branch, "user": version.BuildUser, "date": version.BuildDate} {
		if v == "" {
			t.Errorf("go run: %s is empty", name)
		}
	}
	if !strings.Contains(version.BuildDate, "-buildvcs=true") {
		t.Errorf("go run: date %q does not say how to get one", version.BuildDate)
	}

	// What -ldflags set (a release) is kept.
	version.Version, version.BuildDate = "1.2.0", "20261201-10:00:00"
	stampVersion(&debug.BuildInfo{Main: debug.Module{Version: "v9.9.9"}, Settings: []debug.BuildSetting{{Key: "vcs.time", Value: "x"}}}, true)
	if version.Version != "1.2.0" || version.BuildDate != "20261201-10:00:00" {
		t.Errorf("ldflags overwritten: %q, %q", version.Version, version.BuildDate)
	}
}
