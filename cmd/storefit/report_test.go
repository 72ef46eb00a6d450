package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/storefit/storefit/results/resultstest"
)

// storefit report a.json b.json shows the files side by side, labelled by
// file name or --label; --merge makes them repetitions.
func TestReportSideBySide(t *testing.T) {
	dir := t.TempDir()
	a := writeResult(t, dir, "before.json", resultstest.Result(specs(1), 1))
	b := writeResult(t, dir, "after.json", resultstest.Result(specs(2), 1))
	out, stderr, code := storefit(t, dir, "report", a, b)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Side by side: before vs after", "postgres · before", "postgres · after"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	out, _, _ = storefit(t, dir, "report", "--label", "v1", "--label", "v2", a, b)
	if !strings.Contains(out, "Side by side: v1 vs v2") {
		t.Errorf("--label not used:\n%s", out)
	}
	out, _, _ = storefit(t, dir, "report", "--merge", a, b)
	if strings.Contains(out, "Side by side") || strings.Contains(out, "postgres ·") {
		t.Errorf("--merge still shows series:\n%s", out)
	}
	html := filepath.Join(dir, "r.html")
	if _, stderr, code := storefit(t, dir, "report", a, b, "-o", html); code != 0 {
		t.Fatalf("html: exit %d: %s", code, stderr)
	}
	for _, args := range [][]string{{"report", "--label", "one", a, b}, {"report", "--merge", "--label", "x", "--label", "y", a, b}, {"report", "--label", "x", "--label", "x", a, b}} {
		if _, stderr, code := storefit(t, dir, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
}

func TestFileLabels(t *testing.T) {
	got := fileLabels([]string{"x/run.json", "y/run.json", "z/other.json", "y/run.json"})
	want := []string{"x/run", "y/run #2", "other", "y/run #4"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("labels %q, want %q", got, want)
	}
}
