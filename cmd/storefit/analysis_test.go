package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/results/resultstest"
)

// quiet runs the CLI with standard output and error discarded, returning
// the exit status.
func quiet(t *testing.T, args ...string) int {
	t.Helper()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	stdout, stderr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = null, null
	defer func() { os.Stdout, os.Stderr = stdout, stderr }()
	return run(args)
}

func writeResult(t *testing.T, dir, name string, r *results.Result) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := results.WriteFile(path, r); err != nil {
		t.Fatal(err)
	}
	return path
}

func specs(scale float64) []resultstest.Spec {
	return []resultstest.Spec{{Workload: "point/c", Store: "postgres", Kinds: []string{"read"}, OpsPerSec: 20000 * scale, P50Us: 200 / scale}}
}

// compare's exit status tells CI about a regression.
func TestCompareExitStatus(t *testing.T) {
	dir := t.TempDir()
	old := writeResult(t, dir, "old.json", resultstest.Result(specs(1), 5))
	slower := writeResult(t, dir, "slower.json", resultstest.Result(specs(0.8), 5))
	same := writeResult(t, dir, "same.json", resultstest.Result(specs(1), 5))
	if code := quiet(t, "compare", "--fail-on-regression", "5%", old, slower); code != exitFailure {
		t.Errorf("20%% regression: exit %d, want %d", code, exitFailure)
	}
	if code := quiet(t, "compare", "--fail-on-regression", "5%", old, same); code != 0 {
		t.Errorf("no change: exit %d, want 0", code)
	}
	if code := quiet(t, "compare", old, slower); code != 0 {
		t.Errorf("without --fail-on-regression: exit %d, want 0", code)
	}
	if code := quiet(t, "compare", "--fail-on-regression", "five", old, same); code != exitUsage {
		t.Errorf("bad threshold: exit %d, want %d", code, exitUsage)
	}

	// Issue 16: compare passed "when the new result failed outright",
	// "when the two files share no workload", and compared runs of
	// different worker counts without a word.
	failed := resultstest.Result(specs(1), 5)
	for i := range failed.Cells {
		failed.Cells[i].Status, failed.Cells[i].Error, failed.Cells[i].Run = results.StatusFailed, "connection refused", nil
	}
	failedPath := writeResult(t, dir, "failed.json", failed)
	if code := quiet(t, "compare", "--fail-on-regression", "5%", old, failedPath); code != exitFailure {
		t.Errorf("new side failed: exit %d, want %d", code, exitFailure)
	}
	other := writeResult(t, dir, "other.json", resultstest.Result([]resultstest.Spec{{Workload: "agg/q1", Store: "duckdb", OpsPerSec: 40, P50Us: 2000}}, 5))
	if code := quiet(t, "compare", old, other); code != exitUsage {
		t.Errorf("nothing in common: exit %d, want %d", code, exitUsage)
	}
	more := resultstest.Result(specs(1), 5)
	for i := range more.Cells {
		more.Cells[i].Params.Workers = 8
	}
	morePath := writeResult(t, dir, "more.json", more)
	if code := quiet(t, "compare", "--strict", old, morePath); code != exitUsage {
		t.Errorf("--strict with different workers: exit %d, want %d", code, exitUsage)
	}
	if code := quiet(t, "compare", "--strict", old, same); code != 0 {
		t.Errorf("--strict on the same plan: exit %d, want 0", code)
	}
	if code := quiet(t, "compare", "--metrics", "p42x", old, same); code != exitUsage {
		t.Errorf("unknown metric: exit %d, want %d", code, exitUsage)
	}
}

// Every command that reads results works on the sample.
func TestCommandsOnSample(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i, r := range resultstest.Sample() {
		paths = append(paths, writeResult(t, dir, []string{"a.json", "b.json"}[i], r))
	}
	tests := []struct {
		args []string
		file string // must exist afterwards
	}{
		{[]string{"report", "-o", filepath.Join(dir, "report.html")}, "report.html"},
		{[]string{"report", "-o", filepath.Join(dir, "report.md")}, "report.md"},
		{[]string{"report", "--format", "text"}, ""},
		{[]string{"report", "--plots", filepath.Join(dir, "plots"), "--plot-format", "svg,png", "-o", filepath.Join(dir, "r2.html")}, "plots/matrix.png"},
		{[]string{"pick"}, ""},
		{[]string{"pick", "--slo", "none", "--format", "markdown", "-o", filepath.Join(dir, "pick.md")}, "pick.md"},
		{[]string{"export", "--format", "csv", "-o", filepath.Join(dir, "out.csv")}, "out.csv"},
		{[]string{"export", "--format", "benchfmt", "-o", filepath.Join(dir, "out.txt")}, "out.txt"},
		{[]string{"export", "--format", "jsonl", "-o", filepath.Join(dir, "out.jsonl")}, "out.jsonl"},
		{[]string{"export", "--format", "hdrlog", "-o", filepath.Join(dir, "hlog")}, "hlog/1_point-a_postgres_r1.hlog"},
	}
	for _, tt := range tests {
		args := append(tt.args, paths...)
		if code := quiet(t, args...); code != 0 {
			t.Errorf("storefit %s: exit %d", strings.Join(tt.args, " "), code)
			continue
		}
		if tt.file != "" {
			if st, err := os.Stat(filepath.Join(dir, tt.file)); err != nil || st.Size() == 0 {
				t.Errorf("storefit %s: %s not written (%v)", strings.Join(tt.args, " "), tt.file, err)
			}
		}
	}
	if code := quiet(t, "report", "--format", "pdf", paths[0]); code != exitUsage {
		t.Errorf("bad format: exit %d", code)
	}
	if code := quiet(t, "report", filepath.Join(dir, "missing.json")); code != exitUsage {
		t.Errorf("missing file: exit %d", code)
	}
	// Not shards: merge refuses with a usage error.
	if code := quiet(t, "merge", "-o", filepath.Join(dir, "m.json"), paths[0], paths[1]); code != exitUsage {
		t.Errorf("merge of non-shards: exit %d", code)
	}
}

// A sharded run through the CLI merges back into one result.
func TestShardedRunMerges(t *testing.T) {
	dir := t.TempDir()
	var shards []string
	for i := range 2 {
		out := filepath.Join(dir, []string{"s0.json", "s1.json"}[i])
		if code := quiet(t, "run", "-q", "--workload", "point/c", "--store", "noop", "--records", "1000", "--ops", "2000", "--warmup", "0",
			"--workers", "2", "--shard", []string{"0/2", "1/2"}[i], "--out", out); code != 0 {
			t.Fatalf("shard %d: exit %d", i, code)
		}
		shards = append(shards, out)
	}
	merged := filepath.Join(dir, "merged.json")
	if code := quiet(t, append([]string{"merge", "-o", merged}, shards...)...); code != 0 {
		t.Fatalf("merge: exit %d", code)
	}
	r, err := results.ReadFile(merged)
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Cells[0]; c.Run.Ops != 2000 || c.Params.Workers != 4 || len(r.Merged) != 2 {
		t.Errorf("merged: %d ops, %d workers, %d shards", c.Run.Ops, c.Params.Workers, len(r.Merged))
	}
	// --report writes report.html next to the result.
	if code := quiet(t, "run", "-q", "--workload", "point/c", "--store", "noop", "--records", "1000", "--ops", "100", "--warmup", "0",
		"--repeat", "2", "--out", filepath.Join(dir, "rep", "result.json"), "--report"); code != 0 {
		t.Fatalf("run --report: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "rep", "report.html")); err != nil {
		t.Errorf("run --report: %v", err)
	}
	if code := quiet(t, "run", "-q", "--workload", "point/c", "--store", "noop", "--ops", "10", "--shard", "2/2", "--out", filepath.Join(dir, "x.json")); code != exitUsage {
		t.Errorf("--shard 2/2: exit %d, want %d", code, exitUsage)
	}
}
