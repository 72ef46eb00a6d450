package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storefit/storefit/results"
)

// Issue 16: "storefit run exits 0 when a cell failed or its validation
// failed (even when every cell failed)", and a run against a closed port
// must exit non-zero. Each kind of problem has its own status, listed at
// the end; several give the lowest.
func TestRunExitStatus(t *testing.T) {
	dir := t.TempDir()
	point := []string{"run", "--workload", "point/c", "--records", "500", "--ops", "300", "--warmup", "0s"}
	tests := []struct {
		name string
		args []string
		code int
		say  string
	}{
		{"every cell failed: closed port", []string{"--store", "postgres=postgres://storefit:secret@127.0.0.1:1/storefit?connect_timeout=2"}, exitCellFailed, "1 cell failed"},
		{"one of two cells failed", []string{"--store", "memory", "--store", "postgres=postgres://storefit:secret@127.0.0.1:1/storefit?connect_timeout=2"}, exitCellFailed, "point/c on postgres: failed"},
		{"threshold breached", []string{"--store", "memory", "--threshold", "p99<1ns", "--threshold", "errors<0.1%"}, exitThresholdBreached, "point/c on memory: p99<1ns"},
		{"thresholds met", []string{"--store", "memory", "--threshold", "p99<1h", "--threshold", "point/c.read:rate>=1"}, 0, ""},
		{"failed cell and breach: the lower status", []string{"--store", "memory", "--store", "postgres=postgres://storefit:secret@127.0.0.1:1/storefit?connect_timeout=2", "--threshold", "p99<1ns"}, exitCellFailed, "1 threshold breached"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, tt.name+".json")
			_, stderr, code := storefit(t, dir, append(append(point, tt.args...), "-q", "--out", out)...)
			if code != tt.code || !strings.Contains(stderr, tt.say) {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if strings.Contains(stderr, "secret") {
				t.Errorf("the password leaked:\n%s", stderr)
			}
			if _, err := results.ReadFile(out); err != nil {
				t.Errorf("case %d: the result was not written: %v", i, err)
			}
		})
	}
	for _, args := range [][]string{
		{"--store", "memory", "--threshold", "p99 under 10ms"},
		{"--store", "memory", "--threshold", "graph/nosuch:p99<1ms"},
		{"--store", "memory", "--threshold", "point/c.nosuch:p99<1ms"},
		{"--store", "noop", "--find-max", "--rate", "1000", "--duration", "1s"},
	} {
		if _, stderr, code := storefit(t, dir, append(point, args...)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, stderr)
		}
	}
}

// Issue 16: "half the rows of a sqlite table corrupted, --phase run, and
// sqlite came out #1". The run phase validates by default, so the run
// fails with the validation status; skipping validation must be asked
// for, and then the store is not ranked.
func TestCorruptedRunPhase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "point.db")
	base := []string{"run", "-q", "--workload", "point/c", "--store", "sqlite=" + db, "--records", "2000"}
	if _, stderr, code := storefit(t, dir, append(base, "--phase", "load", "--out", filepath.Join(dir, "load.json"))...); code != 0 {
		t.Fatalf("load phase: exit %d: %s", code, stderr)
	}
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	res, err := conn.Exec("UPDATE usertable SET field0 = x'00' WHERE rowid % 2 = 0")
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1000 {
		t.Fatalf("corrupted %d rows, want half of 2000", n)
	}
	run := append(base, "--phase", "run", "--ops", "500", "--warmup", "0s")
	checked := filepath.Join(dir, "checked.json")
	_, stderr, code := storefit(t, dir, append(run, "--out", checked)...)
	if code != exitValidationFailed || !strings.Contains(stderr, "1 validation failed") || !strings.Contains(stderr, "point/c on sqlite") {
		t.Errorf("run phase on corrupted data: exit %d, want %d; stderr:\n%s", code, exitValidationFailed, stderr)
	}
	unchecked := filepath.Join(dir, "unchecked.json")
	if _, stderr, code := storefit(t, dir, append(run, "--validate=false", "--out", unchecked)...); code != 0 {
		t.Errorf("run phase without validation: exit %d: %s", code, stderr)
	}
	for _, f := range []string{checked, unchecked} {
		stdout, _, code := storefit(t, dir, "pick", f)
		if code != 0 || strings.Contains(stdout, "point    1     sqlite") || !strings.Contains(stdout, "sqlite") {
			t.Errorf("pick %s: exit %d, sqlite ranked:\n%s", filepath.Base(f), code, stdout)
		}
	}
	stdout, _, _ := storefit(t, dir, "pick", unchecked)
	if !strings.Contains(stdout, "unvalidated — not ranked: --validate=false skipped the check on point/c") {
		t.Errorf("pick does not say why the unvalidated run is not ranked:\n%s", stdout)
	}
}
