package k8s

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction: its keyword (upper case) and
// its arguments, continuation lines joined.
type instruction struct {
	line int
	cmd  string
	args string
}

// parseDockerfile splits a Dockerfile into instructions: comments and
// blank lines dropped, lines ending in a backslash joined with the next
// (the default escape character; the parser directives are not used here).
func parseDockerfile(t *testing.T, text string) []instruction {
	t.Helper()
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() > 0 && strings.HasPrefix(line, "#") {
			continue // a comment inside a continued instruction
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
		cur.Reset()
	}
	if cur.Len() > 0 {
		t.Fatalf("line %d: the last instruction ends in a backslash", start)
	}
	return out
}

var (
	// An exact version tag (golang:1.26.8-bookworm), or a digest.
	pinnedTag = regexp.MustCompile(`^[a-z0-9./_-]+:[^:@]*\d+\.\d+[^:@]*(@sha256:[0-9a-f]{64})?$|^[a-z0-9./_:-]+@sha256:[0-9a-f]{64}$`)
	secretish = regexp.MustCompile(`(?i)(passw|secret|token|api_?key|credential|private_?key)`)
	secretSrc = regexp.MustCompile(`(?i)(\.env\b|id_rsa|\.pem\b|\.key\b|\.netrc|\.npmrc|credentials)`)
)

// The Dockerfile the Kubernetes Job's image is built from: no Docker engine
// here, so it is checked by reading it. Multi-stage, pinned base images,
// a non-root user, no secrets, storefit as the entrypoint.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range lintDockerfile(parseDockerfile(t, string(b))) {
		t.Error(p)
	}
}

// lintDockerfile returns the problems of a parsed Dockerfile.
func lintDockerfile(ins []instruction) (problems []string) {
	errorf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(ins) == 0 || ins[0].cmd != "FROM" {
		return []string{"the Dockerfile must start with FROM"}
	}
	known := map[string]bool{"FROM": true, "WORKDIR": true, "COPY": true, "RUN": true, "ARG": true, "ENV": true,
		"USER": true, "ENTRYPOINT": true, "CMD": true, "LABEL": true, "EXPOSE": true, "HEALTHCHECK": true}
	stages := map[string]bool{}
	var user, entrypoint string
	nFrom := 0
	for _, in := range ins {
		if !known[in.cmd] {
			errorf("line %d: unexpected instruction %s", in.line, in.cmd)
		}
		switch in.cmd {
		case "FROM":
			nFrom++
			user, entrypoint = "", "" // each stage starts as root, without an entrypoint
			f := strings.Fields(in.args)
			for len(f) > 0 && strings.HasPrefix(f[0], "--") {
				f = f[1:] // --platform=…
			}
			if len(f) != 1 && !(len(f) == 3 && strings.EqualFold(f[1], "AS")) {
				errorf("line %d: FROM %s: want IMAGE [AS NAME]", in.line, in.args)
				continue
			}
			img := f[0]
			switch {
			case stages[img], img == "scratch":
			case strings.Contains(img, "$"):
				errorf("line %d: FROM %s: base image from a build argument cannot be checked for pinning", in.line, img)
			case !pinnedTag.MatchString(img) || strings.HasSuffix(img, ":latest"):
				errorf("line %d: FROM %s: pin the base image to an exact version tag or a digest", in.line, img)
			}
			if len(f) == 3 {
				stages[f[2]] = true
			}
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entrypoint = in.args
		case "ENV", "ARG":
			for _, kv := range strings.Fields(in.args) {
				if k, _, _ := strings.Cut(kv, "="); secretish.MatchString(k) {
					errorf("line %d: %s %s: no secrets in an image (pass them at run time, e.g. a Kubernetes Secret)", in.line, in.cmd, k)
				}
			}
		case "COPY":
			if secretSrc.MatchString(in.args) {
				errorf("line %d: COPY %s copies what looks like a secret", in.line, in.args)
			}
		}
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") && !(strings.Contains(in.args, "-trimpath") && strings.Contains(in.args, "-s -w")) {
			errorf("line %d: build the image's binary with -trimpath -ldflags '-s -w' (no symbol table, no debug information: about a quarter smaller)", in.line)
		}
		if m := secretish.FindString(in.args); m != "" && in.cmd != "ENV" && in.cmd != "ARG" && strings.Contains(in.args, "=") && regexp.MustCompile(`(?i)`+m+`\w*=\S`).MatchString(in.args) {
			errorf("line %d: %s sets %s: no secrets in a Dockerfile", in.line, in.cmd, m)
		}
	}
	if nFrom < 2 {
		errorf("%d stage(s): build in one stage and copy the binary into a small runtime stage", nFrom)
	}
	// The final stage's user: a name other than root, or a non-zero uid.
	uid, _, _ := strings.Cut(user, ":")
	if uid == "" || uid == "root" || uid == "0" {
		errorf("final stage runs as %q: give a non-root USER", user)
	}
	var ep []string
	if err := json.Unmarshal([]byte(entrypoint), &ep); err != nil || len(ep) == 0 {
		errorf("ENTRYPOINT %s: use the exec (JSON) form", entrypoint)
	} else if path.Base(ep[0]) != "storefit" {
		errorf("ENTRYPOINT runs %s, want storefit", ep[0])
	}
	return problems
}

// The lint itself catches what it is for.
func TestDockerfileLintCatches(t *testing.T) {
	bad := "FROM golang:latest\nRUN go build \\\n  -o /s .\nENV DB_PASSWORD=hunter2\nUSER root\nENTRYPOINT /s\n"
	ins := parseDockerfile(t, bad)
	if len(ins) != 5 || ins[1].cmd != "RUN" || ins[1].args != "go build  -o /s ." || ins[2].line != 4 {
		t.Fatalf("parsed %+v", ins)
	}
	got := strings.Join(lintDockerfile(ins), "\n")
	for _, want := range []string{"FROM golang:latest: pin", "ENV DB_PASSWORD", `runs as "root"`, "exec (JSON) form", "1 stage(s)", "-trimpath"} {
		if !strings.Contains(got, want) {
			t.Errorf("lint of a bad Dockerfile lacks %q:\n%s", want, got)
		}
	}
	if pinnedTag.MatchString("golang:latest") || pinnedTag.MatchString("golang") || !pinnedTag.MatchString("golang:1.26.8-bookworm") ||
		!pinnedTag.MatchString("registry.example/base/static@sha256:"+strings.Repeat("a", 64)) {
		t.Error("pinnedTag misjudges")
	}
	if !secretish.MatchString("DB_PASSWORD") || !secretSrc.MatchString("COPY .env /app/") {
		t.Error("secret patterns miss")
	}
}
