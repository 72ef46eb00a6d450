package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/results/resultstest"
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

// Issue 16, "An answer for every pattern": when no store meets a
// pattern's objective — the default suite's agg on a loaded machine,
// where every query takes seconds — pick still says which store came
// closest and by how much, every other pattern keeps its store and why,
// and the "one DB to rule them all?" verdict counts the seven patterns
// and writes every combination in one format, with the unserved pattern
// as "none".
func TestPickTextWhenAPatternMeetsNoObjective(t *testing.T) {
	dir := t.TempDir()
	slowAgg := []string{"q1_avg_price_by_region", "q2_revenue_by_category_month"}
	r := resultstest.Result([]resultstest.Spec{
		{Workload: "point/a", Store: "pebble", Kinds: []string{"read", "update"}, OpsPerSec: 44000, P50Us: 8, Spread: 1.4, Embedded: true},
		{Workload: "point/a", Store: "sqlite", Kinds: []string{"read", "update"}, OpsPerSec: 16800, P50Us: 25, Spread: 1.5, Embedded: true},
		{Workload: "crud/mix", Store: "sqlite", Kinds: []string{"read_tweet", "timeline"}, OpsPerSec: 23000, P50Us: 22, Spread: 1.5, Embedded: true},
		{Workload: "agg/mix", Store: "duckdb", Kinds: slowAgg, OpsPerSec: 3, P50Us: 500000, Spread: 0.8, Embedded: true},
		{Workload: "agg/mix", Store: "sqlite", Kinds: slowAgg, OpsPerSec: 1, P50Us: 2000000, Spread: 0.5, Embedded: true},
		{Workload: "graph/mix", Store: "sqlite", Kinds: []string{"neighbours", "fof"}, OpsPerSec: 6100, P50Us: 25, Spread: 1.6, Embedded: true},
		{Workload: "search/mix", Store: "bleve", Kinds: []string{"term-common-top10", "or-top10"}, OpsPerSec: 886, P50Us: 200, Spread: 1.6, Embedded: true},
		{Workload: "search/mix", Store: "sqlite", Kinds: []string{"term-common-top10", "or-top10"}, OpsPerSec: 619, P50Us: 170, Spread: 1.7, Embedded: true},
		{Workload: "series/mix", Store: "duckdb", Kinds: []string{"double-groupby-1", "lastpoint"}, OpsPerSec: 193, P50Us: 5500, Spread: 1.1, Embedded: true},
		{Workload: "wide/mix", Store: "pebble", Kinds: []string{"read_row", "set_columns"}, OpsPerSec: 14700, P50Us: 7, Spread: 1.6, Embedded: true},
	}, 1)
	stdout, stderr, code := storefit(t, dir, "pick", writeResult(t, dir, "loaded.json", r))
	if code != 0 {
		t.Fatalf("pick: exit %d: %s", code, stderr)
	}
	why := map[string]string{}
	for _, line := range strings.Split(stdout, "\n") {
		if p, text, ok := strings.Cut(strings.TrimSpace(line), ": "); ok && !strings.Contains(p, " ") {
			if _, seen := why[p]; !seen {
				why[p] = text
			}
		}
	}
	agg := why["agg"]
	for _, want := range []string{"No store met the objective (p99 ≤ 1s)", "duckdb came closest: p99 of ", "> 1s on agg/mix (1.", "× over)", "not ranked: sqlite — p99 of "} {
		if !strings.Contains(agg, want) {
			t.Errorf("agg's explanation lacks %q: %q", want, agg)
		}
	}
	missed := 0
	for _, line := range strings.Split(stdout, "\n") {
		if f := strings.Fields(line); len(f) > 2 && (f[0] == "agg" || f[0] == "-") && strings.Contains(line, "not ranked: p99 of ") && strings.Contains(line, "× over)") {
			missed++
		}
	}
	if missed != 2 {
		t.Errorf("the ranking table shows how far %d of the 2 agg stores missed", missed)
	}
	for p, store := range map[string]string{"point": "pebble", "crud": "sqlite", "graph": "sqlite", "search": "bleve", "series": "duckdb", "wide": "pebble"} {
		if !strings.HasPrefix(why[p], store+" ") || !strings.Contains(why[p], "within its objective (p99 ≤ ") {
			t.Errorf("%s: explanation %q, want %s and its objective", p, why[p], store)
		}
	}
	if !strings.Contains(why["search"], "sqlite follows at ") {
		t.Errorf("search: the explanation does not say how close sqlite came: %q", why["search"])
	}
	if !strings.Contains(stdout, "No store was ranked on agg (the ranking says why), so 6 of the 7 patterns measured have a store to recommend") {
		t.Errorf("the verdict miscounts the patterns:\n%s", stdout)
	}
	_, combos, _ := strings.Cut(stdout, "served by\n")
	rows := strings.Split(strings.TrimSpace(combos), "\n")
	if len(rows) != 3 {
		t.Errorf("%d combination rows, want 3", len(rows))
	}
	for _, line := range rows {
		if !strings.Contains(line, "agg: none") || !strings.Contains(line, "/7 ") || strings.Count(line, ": ") != 7 {
			t.Errorf("combination row not in the one format, with the unserved pattern as 'agg: none': %q", line)
		}
	}
	t.Logf("\n%s", stdout)
}
