package main

import (
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
