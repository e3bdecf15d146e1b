package deploy

import (
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const dockerfile = "container/Dockerfile"

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, ...
	args string
}

// stage is one FROM and the instructions after it.
type stage struct {
	from  string
	name  string
	instr []instruction
}

func (s *stage) all(cmd string) []string {
	var out []string
	for _, in := range s.instr {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// parseDockerfile reads stages; enough of the syntax for our own file
// (comments, continuations, no heredocs).
func parseDockerfile(t *testing.T, file string) []stage {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var stages []stage
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			s := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
			return
		}
		if len(stages) == 0 {
			if in.cmd != "ARG" {
				t.Fatalf("%s: %s before FROM", file, in.cmd)
			}
			return
		}
		stages[len(stages)-1].instr = append(stages[len(stages)-1].instr, in)
	}
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		flush()
	}
	flush()
	return stages
}

var reGoBuild = regexp.MustCompile(`CGO_ENABLED=0 .*go build .*`)

func TestDockerfile(t *testing.T) {
	stages := parseDockerfile(t, dockerfile)
	if len(stages) < 2 {
		t.Fatalf("got %d stages, want a build stage and a runtime stage", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]
	if !strings.HasPrefix(build.from, "golang:") || build.name == "" {
		t.Errorf("build stage: got FROM %s AS %q, want a named golang stage", build.from, build.name)
	}
	if !strings.HasPrefix(final.from, "gcr.io/distroless/static") && final.from != "scratch" {
		t.Errorf("runtime stage: got FROM %s, want distroless/static or scratch", final.from)
	}

	// The build is static, trimmed and versioned.
	var goBuild string
	for _, run := range build.all("RUN") {
		if m := reGoBuild.FindString(run); m != "" {
			goBuild = m
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/monitord",
		"-X github.com/prometheus/common/version.Version=${VERSION}",
		"-X github.com/prometheus/common/version.Revision=${REVISION}",
		"-X github.com/prometheus/common/version.Branch=${BRANCH}",
		"-X github.com/prometheus/common/version.BuildDate=${BUILD_DATE}"} {
		if !strings.Contains(goBuild, want) {
			t.Errorf("build command %q lacks %q", goBuild, want)
		}
	}

	// The runtime stage: numeric non-root user, the port, the state volume.
	users := final.all("USER")
	if len(users) != 1 {
		t.Fatalf("runtime stage: got USER %q, want exactly one", users)
	}
	uid, _, _ := strings.Cut(users[0], ":")
	if strings.Trim(uid, "0123456789") != "" || strings.Trim(uid, "0") == "" {
		t.Errorf("got USER %s, want a numeric uid other than 0 (runAsNonRoot can only verify numbers)", users[0])
	}
	if got := final.all("EXPOSE"); len(got) != 1 || got[0] != "10088" {
		t.Errorf("got EXPOSE %q, want 10088", got)
	}
	if got := final.all("VOLUME"); len(got) != 1 || !strings.Contains(got[0], `"/var/lib/monitord"`) {
		t.Errorf("got VOLUME %q, want /var/lib/monitord", got)
	}
	if got := final.all("ENTRYPOINT"); len(got) != 1 || got[0] != `["/usr/bin/monitord"]` {
		t.Errorf("got ENTRYPOINT %q, want the exec form of /usr/bin/monitord", got)
	}
	if got := final.all("CMD"); len(got) != 1 || !strings.Contains(got[0], `"--storage.path=/var/lib/monitord"`) {
		t.Errorf("got CMD %q, want the state in the volume", got)
	}
	if got := final.all("HEALTHCHECK"); len(got) != 1 || got[0] != "NONE" {
		t.Errorf("got HEALTHCHECK %q, want the explicit NONE (see the comment in the Dockerfile)", got)
	}
	var copiesBinary, ownsState bool
	for _, c := range final.all("COPY") {
		copiesBinary = copiesBinary || c == "--from="+build.name+" /out/monitord /usr/bin/monitord"
		ownsState = ownsState || strings.HasPrefix(c, "--from="+build.name+" --chown="+users[0]+" ") &&
			strings.HasSuffix(c, " /var/lib/monitord")
	}
	if !copiesBinary || !ownsState {
		t.Errorf("runtime stage: copies the binary %v, the state directory owned by %s %v; want both", copiesBinary, users[0], ownsState)
	}
}

// TestDockerfileBuildIsStatic runs the Dockerfile's own go build command
// (no Docker engine needed) and checks the binary: no dynamic loader, cgo
// off, paths trimmed, version stamped.
func TestDockerfileBuildIsStatic(t *testing.T) {
	t.Parallel() // a daemon or a build: overlap the waits
	if testing.Short() {
		t.Skip("builds the binary")
	}
	var goBuild string
	for _, run := range parseDockerfile(t, dockerfile)[0].all("RUN") {
		if m := reGoBuild.FindString(run); m != "" {
			goBuild = m
		}
	}
	goBuild, _, _ = strings.Cut(goBuild, " && ")
	out := filepath.Join(t.TempDir(), "monitord")
	goBuild = strings.Replace(goBuild, "-o /out/monitord", "-o "+out, 1)
	cmd := exec.Command("sh", "-c", goBuild)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "VERSION=9.9.9-test", "REVISION=abc123", "BRANCH=test", "BUILD_DATE=20260102-15:04:05")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", goBuild, err, b)
	}

	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("binary has a %s program header: it is not static", p.Type)
		}
	}
	info, err := buildinfo.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		t.Errorf("got build settings %v, want CGO_ENABLED=0 and -trimpath", settings)
	}
	// -trimpath keeps -ldflags out of the build info: ask the binary.
	version, err := exec.Command(out, "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(version), "9.9.9-test") || !strings.Contains(string(version), "abc123") {
		t.Errorf("monitord --version: %v\n%s", err, version)
	}
}
