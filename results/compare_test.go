package results_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/results/resultstest"
)

func compareSpecs(scale float64) []resultstest.Spec {
	return []resultstest.Spec{
		{Workload: "point/a", Store: "postgres", Kinds: []string{"read", "update"}, OpsPerSec: 20000 * scale, P50Us: 200 / scale},
		{Workload: "agg/mix", Store: "duckdb", Kinds: []string{"q1"}, OpsPerSec: 400, P50Us: 3000, Embedded: true},
	}
}

// Throughputs of repetitions jitter by a few percent; a 20% regression
// must be flagged, an unchanged store must not.
func TestCompareFlagsRegressionNotNoise(t *testing.T) {
	old := resultstest.Result(compareSpecs(1), 5)
	regressed := resultstest.Result(compareSpecs(0.8), 5)
	same := resultstest.Result(compareSpecs(1), 5)
	// Unchanged, but with other noise than the old run.
	noise := []float64{1.012, 0.991, 1.004, 0.983, 1.017}
	for i := range same.Cells {
		same.Cells[i].Run.OpsPerSec *= noise[same.Cells[i].Repetition-1]
	}
	o := results.CompareOptions{Threshold: 0.05}

	c := results.Compare("old", []*results.Result{old}, "new", []*results.Result{regressed}, o)
	regs := c.Regressions()
	var sawThroughput bool
	for _, r := range regs {
		if r.Workload == "agg/mix" {
			t.Errorf("unchanged agg/mix flagged: %+v", r)
		}
		if r.Workload == "point/a" && r.Samples == "repetitions" && r.OldN == 5 {
			if r.Delta > -0.15 && r.Delta < 0.15 {
				t.Errorf("delta %.3f for a 20%% change", r.Delta)
			}
			sawThroughput = sawThroughput || r.Delta < 0
		}
	}
	if !sawThroughput {
		t.Errorf("20%% throughput regression not flagged: %+v", regs)
	}
	var out bytes.Buffer
	if err := c.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "REGRESSION") || !strings.Contains(out.String(), "significant regression(s) beyond 5%") {
		t.Errorf("report does not say so:\n%s", out.String())
	}

	c = results.Compare("old", []*results.Result{old}, "new", []*results.Result{same}, o)
	if regs := c.Regressions(); len(regs) != 0 {
		t.Errorf("0%% change flagged: %+v", regs)
	}
	out.Reset()
	if err := c.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "~ no significant change") {
		t.Errorf("no 'no significant change' for an unchanged run:\n%s", out.String())
	}
	t.Logf("\n%s", out.String())
}

// Without repetitions the one-second intervals are the samples.
func TestCompareFallsBackToIntervals(t *testing.T) {
	old := resultstest.Result(compareSpecs(1), 1)
	regressed := resultstest.Result(compareSpecs(0.5), 1)
	c := results.Compare("old", []*results.Result{old}, "new", []*results.Result{regressed}, results.CompareOptions{Threshold: 0.05})
	row := c.Metrics[0].Rows[0]
	if row.Samples != "1-s intervals" || row.OldN != 5 {
		t.Fatalf("samples %s n=%d; want the 5 full intervals", row.Samples, row.OldN)
	}
	if !row.Regression {
		t.Errorf("halved throughput not flagged from intervals: %+v", row)
	}
}
