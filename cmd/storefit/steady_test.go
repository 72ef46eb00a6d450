package main

import (
	"path/filepath"
	"testing"

	"github.com/storefit/storefit/results"
)

// --workers and --warmup take their rules on the command line: low is two
// workers named "latency at low load"; a fixed warm-up stays fixed.
func TestRunWorkersAndWarmupFlags(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "low.json")
	_, stderr, code := storefit(t, dir, "run", "-q", "--workload", "point/c", "--store", "memory", "--records", "500", "--ops", "400",
		"--workers", "low", "--warmup", "100ms", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	r, err := results.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Cells[0]
	if c.Params.Workers != 2 || c.Params.WorkersRule != results.WorkersLow || c.ConcurrencyText() != "2 workers (latency at low load)" {
		t.Errorf("params %+v", c.Params)
	}
	if w := c.Warmup; w == nil || w.Mode != results.WarmupFixed || c.Params.WarmupMode != results.WarmupFixed || c.Params.WarmupSeconds != 0.1 {
		t.Errorf("warm-up %+v, params %+v", w, c.Params)
	}
}
