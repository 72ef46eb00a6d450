package results_test

import (
	"bytes"
	"errors"
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

	c := mustCompare(t, old, regressed, o)
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

	c = mustCompare(t, old, same, o)
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
	c := mustCompare(t, old, regressed, results.CompareOptions{Threshold: 0.05})
	row := c.Metrics[0].Rows[0]
	if row.Samples != "1-s intervals" || row.OldN != 5 {
		t.Fatalf("samples %s n=%d; want the 5 full intervals", row.Samples, row.OldN)
	}
	if !row.Regression {
		t.Errorf("halved throughput not flagged from intervals: %+v", row)
	}
}

func mustCompare(t *testing.T, old, new *results.Result, o results.CompareOptions) *results.Comparison {
	t.Helper()
	c, err := results.Compare("old", []*results.Result{old}, "new", []*results.Result{new}, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Issue 16: "compare --fail-on-regression 5% passes when the new result
// failed outright (the cell shows as 'only in old')". A contender the new
// side failed, answered wrongly, did not validate, ran with too many
// errors or lost is a regression, whatever the figures.
func TestCompareNewSideFailureIsARegression(t *testing.T) {
	old := resultstest.Result(compareSpecs(1), 3)
	tests := map[string]struct {
		change func(c *results.Cell)
		want   string
	}{
		"failed outright": {func(c *results.Cell) {
			c.Status, c.Error, c.Run, c.Validation = results.StatusFailed, "connect: connection refused", nil, nil
		}, "failed: connect: connection refused"},
		"validation failed": {func(c *results.Cell) {
			c.Validation.Status, c.Validation.Failed, c.Validation.Failures = results.ValidationFailed, 1, []string{"read user1: wrong value"}
		}, "validation failed on point/a: read user1: wrong value"},
		"unvalidated": {func(c *results.Cell) {
			c.Validation = &results.Validation{Status: results.ValidationSkipped, Reason: "unvalidated — not ranked: --validate=false skipped the check"}
		}, "unvalidated — not ranked"},
		"45% errors": {func(c *results.Cell) {
			c.Run.Errors = c.Run.Ops * 45 / 55
		}, "45% of operations failed on point/a"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			new := resultstest.Result(compareSpecs(1), 3)
			for i := range new.Cells {
				if new.Cells[i].Workload == "point/a" {
					tt.change(&new.Cells[i])
				}
			}
			c := mustCompare(t, old, new, results.CompareOptions{Threshold: 0.05})
			if len(c.Lost) != 1 || c.Lost[0].Workload != "point/a" || !strings.Contains(c.Lost[0].Why, tt.want) || !c.Failed() {
				t.Errorf("lost %+v, failed %v; want point/a lost: %q", c.Lost, c.Failed(), tt.want)
			}
			var out bytes.Buffer
			if err := c.WriteText(&out); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "lost on the new side") {
				t.Errorf("the text does not say so:\n%s", out.String())
			}
		})
	}
	// Missing on the new side.
	new := resultstest.Result(compareSpecs(1)[1:], 3)
	c := mustCompare(t, old, new, results.CompareOptions{})
	if len(c.Lost) != 1 || c.Lost[0].Why != "missing on the new side" {
		t.Errorf("lost %+v, want point/a missing", c.Lost)
	}
}

// Issue 16: compare passed "when the two files share no workload".
func TestCompareRefusesNothingInCommon(t *testing.T) {
	old := resultstest.Result(compareSpecs(1)[:1], 1)
	new := resultstest.Result(compareSpecs(1)[1:], 1)
	_, err := results.Compare("old", []*results.Result{old}, "new", []*results.Result{new}, results.CompareOptions{})
	if !errors.Is(err, results.ErrNothingInCommon) {
		t.Errorf("err = %v, want ErrNothingInCommon", err)
	}
}

// Issue 16: compare "reports an 81% REGRESSION between runs with
// different worker counts without a word about the different settings".
// Every difference of plan and machine is listed.
func TestCompareSaysWhatDiffers(t *testing.T) {
	old := resultstest.Result(compareSpecs(1), 3)
	new := resultstest.Result(compareSpecs(1), 3)
	new.Environment.Cores = 4
	for i := range new.Cells {
		if new.Cells[i].Workload == "point/a" {
			new.Cells[i].Params.Workers = 8
			new.Cells[i].Settings = map[string]any{"records": 5000}
			new.Cells[i].StoreVersion = "postgres 2.0"
		}
	}
	c := mustCompare(t, old, new, results.CompareOptions{})
	got := strings.Join(c.Differences, "\n")
	for _, want := range []string{"machine: cores 8 → 4", "point/a on postgres: records 1000 → 5000", "workers 2 → 8", "store version postgres 1.0 → postgres 2.0"} {
		if !strings.Contains(got, want) {
			t.Errorf("differences lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "agg/mix") {
		t.Errorf("agg/mix ran the same plan on both sides:\n%s", got)
	}
	var out bytes.Buffer
	if err := c.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "WARNING: the two sides did not run the same plan") {
		t.Errorf("no warning first:\n%s", out.String())
	}
}

// Issue 16: compare "prints '95%' whatever confidence was asked for". It
// also gives a geomean row, per-kind rows and the tail on request.
func TestCompareOptions(t *testing.T) {
	old := resultstest.Result(compareSpecs(1), 6)
	new := resultstest.Result(compareSpecs(1.1), 6)
	c := mustCompare(t, old, new, results.CompareOptions{Confidence: 0.9, Kinds: true, Metrics: []string{"ops/s", "p99.9", "max"}})
	var out bytes.Buffer
	if err := c.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"Medians with 90% confidence intervals", "p99.9 µs", "max µs", "geomean", "\n  read ", "\n  update "} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if c.Confidence != 0.9 || len(c.Metrics) != 3 || c.Metrics[0].Geomean == nil {
		t.Fatalf("comparison %+v", c)
	}
	// point/a is 10% faster, agg/mix unchanged: the geomean moves by
	// √1.1 − 1 ≈ 4.9%.
	if g := c.Metrics[0].Geomean; g.Delta < 0.04 || g.Delta > 0.06 {
		t.Errorf("geomean of one of two contenders 10%% faster: %+.3f", g.Delta)
	}
	if _, err := results.Compare("old", []*results.Result{old}, "new", []*results.Result{new}, results.CompareOptions{Metrics: []string{"p200"}}); err == nil {
		t.Error("metric p200 accepted")
	}
	t.Logf("\n%s", text)
}
