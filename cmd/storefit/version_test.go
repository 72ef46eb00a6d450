package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// storefit version names storefit, Go and the store libraries linked in,
// with their versions from the build information.
func TestVersion(t *testing.T) {
	out, stderr, code := storefit(t, t.TempDir(), "version")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"storefit ", "go       go1.", "postgres    github.com/jackc/pgx/v5 v5.", "sqlite      modernc.org/sqlite v1.",
		"memory      storefit's own", "github.com/twmb/franz-go v1."} {
		if !strings.Contains(out, want) {
			t.Errorf("version lacks %q:\n%s", want, out)
		}
	}
}

// make build and make bench link a small binary: -trimpath, and -s -w (no
// symbol table, no DWARF), as the Dockerfile does (k8s's Dockerfile test).
func TestMakefileSmallBinary(t *testing.T) {
	b, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	mk := string(b)
	if !regexp.MustCompile(`(?m)^LDFLAGS\s*:=.*-s -w`).MatchString(mk) || !regexp.MustCompile(`(?m)^BUILDFLAGS\s*:=.*-trimpath`).MatchString(mk) {
		t.Error("Makefile: LDFLAGS must hold -s -w and BUILDFLAGS -trimpath")
	}
	builds := regexp.MustCompile(`(?m)^\t\$\(GO\) build .*$`).FindAllString(mk, -1)
	if len(builds) < 2 {
		t.Fatalf("%d go build lines in the Makefile, want make build's and make bench's", len(builds))
	}
	for _, l := range builds {
		if !strings.Contains(l, "$(BUILDFLAGS)") || !strings.Contains(l, `-ldflags "$(LDFLAGS)"`) {
			t.Errorf("Makefile: %q lacks $(BUILDFLAGS) or -ldflags \"$(LDFLAGS)\"", strings.TrimSpace(l))
		}
	}
}
