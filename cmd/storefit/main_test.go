package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "storefit-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "storefit")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic("build: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// storefit runs the binary and returns stdout, stderr and the exit status.
func storefit(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// Bad input: one line on stderr saying what is wrong, exit status 2, no
// stack trace.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("workloads: [point/a]\nstores: [memory]\ndefaults: {duration: soon}\n"), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--workload", "point/a", "--store", "nosuch"}, `unknown store "nosuch"`},
		{[]string{"run", "--workload", "point/zz", "--store", "memory"}, `unknown workload "point/zz"`},
		{[]string{"run", "--workload", "point/a", "--store", "memory", "--workers", "abc"}, `--workers "abc": give a number of workers, auto`},
		{[]string{"run", "--workload", "point/a", "--store", "memory", "--warmup", "abc"}, `--warmup "abc": give a duration`},
		{[]string{"run", "--workload", "point/a", "--store", "memory", "--workers", "auto", "--rate", "100"}, `workers auto finds the closed-loop capacity`},
		{[]string{"run", "--workload", "point/a", "--store", "memory", "--duration", "-5s"}, "durations must not be negative"},
		{[]string{"run", "--workload", "point/a", "--store", "memory", "--set", "fieldcount=0"}, "fieldcount must be"},
		{[]string{"run", "--workload", "point/a", "--store", "memory", "--set", "nonsense"}, "use NAME=VALUE"},
		{[]string{"run", "--suite", bad}, "not a duration"},
		{[]string{"run", "--suite", filepath.Join(dir, "missing.yaml")}, "no such file"},
		{[]string{"run"}, "nothing to run"},
		{[]string{"run", "--workload", "point/a", "--store", "memory", "--scale", "huge"}, `unknown scale "huge"`},
		{[]string{"report", filepath.Join(dir, "missing.json")}, "no such file"},
		{[]string{"report", bad}, "not a storefit result"},
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"gen", "--workload", "agg"}, "--out DIR is required"},
	}
	for _, tt := range tests {
		stdout, stderr, code := storefit(t, dir, tt.args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", tt.args, code, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if len(lines) != 1 || !strings.Contains(stderr, tt.want) || !strings.HasPrefix(stderr, "storefit: ") {
			t.Errorf("%v: stderr %q, want one line containing %q", tt.args, stderr, tt.want)
		}
		if strings.Contains(stderr, "goroutine") || stdout != "" {
			t.Errorf("%v: unexpected output %q / %q", tt.args, stdout, stderr)
		}
	}
}

func TestRunWritesResult(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	stdout, stderr, code := storefit(t, dir, "run", "--workload", "point/a", "--store", "memory", "--records", "2000",
		"--ops", "5000", "--warmup", "0s", "--workers", "2", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "point/a") || !strings.Contains(stdout, "✓") {
		t.Errorf("no summary table:\n%s", stdout)
	}
	var r struct {
		SchemaVersion int  `json:"schema_version"`
		Complete      bool `json:"complete"`
		Cells         []struct {
			Status string `json:"status"`
			Run    struct {
				Ops int64 `json:"ops"`
			} `json:"run"`
		} `json:"cells"`
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if r.SchemaVersion != 1 || !r.Complete || len(r.Cells) != 1 || r.Cells[0].Run.Ops != 5000 {
		t.Errorf("result: %+v", r)
	}
	stdout, _, code = storefit(t, dir, "report", "--format", "text", out)
	if code != 0 || !strings.Contains(stdout, "== point/a on memory") {
		t.Errorf("report: exit %d\n%s", code, stdout)
	}
}

// Ctrl-C during the measured phase: exit 130 within a second or two, and
// the partial result is on disk, marked incomplete.
func TestInterruptWritesPartialResult(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.json")
	cmd := exec.Command(binary, "run", "--workload", "point/c", "--store", "memory", "--records", "1000",
		"--duration", "1h", "--warmup", "0s", "--out", out, "--progress", "lines")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v (stderr %s)", err, errb.String())
	}
	if d := time.Since(sent); d > 2*time.Second {
		t.Errorf("took %v to stop", d)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no partial result: %v", err)
	}
	var r struct {
		Complete bool `json:"complete"`
		Cells    []struct {
			Status string `json:"status"`
			Run    *struct {
				Ops int64 `json:"ops"`
			} `json:"run"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if r.Complete || len(r.Cells) != 1 || r.Cells[0].Status != "interrupted" || r.Cells[0].Run == nil || r.Cells[0].Run.Ops == 0 {
		t.Errorf("partial result: %s", data)
	}
}

func TestListAndGen(t *testing.T) {
	dir := t.TempDir()
	stdout, _, code := storefit(t, dir, "list")
	for _, want := range []string{"point/a", "memory", "noop", "SUPPORT"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("list: exit %d, missing %q", code, want)
		}
	}
	_, stderr, code := storefit(t, dir, "gen", "--workload", "point", "--set", "records=50", "--out", "data", "--queries")
	if code != 0 {
		t.Fatalf("gen: %s", stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "data", "usertable.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 51 || !strings.HasPrefix(lines[0], "YCSB_KEY,field0") || !strings.HasPrefix(lines[1], "user6284781860667377211,") {
		t.Errorf("usertable.csv: %d lines, starts %q / %q", len(lines), lines[0], lines[1])
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "queries.json")); err != nil {
		t.Error(err)
	}
}
