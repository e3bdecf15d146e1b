package main

import (
	"runtime/debug"
	"strings"

	"github.com/prometheus/common/version"
)

// stampVersion fills the version fields that -ldflags did not set (a
// release build sets them all) from what the Go toolchain records in the
// binary: the module's version for `go install ...@version`, and the git
// revision and commit time for a `go build` in a checkout (prometheus/
// common already reads the revision). Without either, the fields say so
// rather than stay empty.
func stampVersion(bi *debug.BuildInfo, ok bool) {
	if version.Version == "" {
		version.Version = "devel"
		if ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			version.Version = strings.TrimPrefix(bi.Main.Version, "v")
		}
	}
	if !ok {
		return
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.time" && version.BuildDate == "" {
			version.BuildDate = s.Value
		}
	}
	// The toolchain records neither the branch nor the user.
	for _, f := range []*string{&version.Branch, &version.BuildUser} {
		if *f == "" {
			*f = "unknown"
		}
	}
	if version.BuildDate == "" {
		version.BuildDate = "unknown (go build in a git checkout records it; go run only with -buildvcs=true)"
	}
}
