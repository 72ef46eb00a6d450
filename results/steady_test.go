package results_test

import (
	"math"
	"strings"
	"testing"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/results/resultstest"
)

func TestTrendOf(t *testing.T) {
	noise := []float64{3, -2, 5, -4, 1, -1, 4, -3, 2, -5, 0, 3, -2, 1, -4}
	flat := make([]float64, len(noise))
	rising := make([]float64, len(noise))
	for i, e := range noise {
		flat[i] = 1000 + 10*e
		rising[i] = 1000 + 10*float64(i) + 10*e // +1% a second, +14% over 15 s
	}
	for _, tc := range []struct {
		name     string
		xs       []float64
		tested   bool
		trending bool
		text     string
	}{
		{"short", flat[:7], false, false, "not tested (7 s measured; 8 s needed)"},
		{"flat and noisy", flat, true, false, "no trend"},
		{"rising", rising, true, true, "ops/s rose 1"},
		{"falling", reverse(rising), true, true, "ops/s fell 1"},
		// A tiny but perfectly regular drift is significant, not material.
		{"tiny drift", ramp(15, 1000, 0.5), true, false, "no trend (+1% over 15 s"},
		{"all tied", ramp(12, 500, 0), true, false, "no trend (+0%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := results.TrendOf("ops/s", tc.xs)
			if tr.Tested != tc.tested || tr.Trending != tc.trending || !strings.HasPrefix(tr.Text(), tc.text) {
				t.Errorf("trend %+v: %q; want tested %v, trending %v, %q", tr, tr.Text(), tc.tested, tc.trending, tc.text)
			}
		})
	}
	// S, its variance and p for a known case: 1..10 strictly rising gives
	// S = 45, Var(S) = 10·9·25/18 = 125, Z = 44/√125 = 3.936, p = 8.3e-5;
	// Sen's slope 1 over a median of 5.5: +164% over the 10 s.
	tr := results.TrendOf("ops/s", ramp(10, 1, 1))
	if math.Abs(tr.P-8.29e-5) > 1e-6 || tr.Slope != 1 || math.Abs(tr.Change-9/5.5) > 1e-9 {
		t.Errorf("known case: %+v", tr)
	}
}

func ramp(n int, from, step float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = from + step*float64(i)
	}
	return out
}

func reverse(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[len(xs)-1-i] = x
	}
	return out
}

// A contender whose measured throughput still trended is ranked, with a
// caution, like one measured on a starved machine; the concurrency each
// store got is part of its standing.
func TestPickCautionsUnsteadyThroughput(t *testing.T) {
	r := resultstest.Result([]resultstest.Spec{
		{Workload: "point/c", Store: "redis", OpsPerSec: 30000, P50Us: 50},
		{Workload: "point/c", Store: "postgres", OpsPerSec: 20000, P50Us: 60},
	}, 1)
	for i := range r.Cells {
		c := &r.Cells[i]
		c.Params.Workers, c.Params.WorkersRule = 8<<i, results.WorkersAuto
		if c.Store == "redis" {
			c.Run.Trend = &results.Trend{Metric: "ops/s", Intervals: 15, Tested: true, Slope: 300, Change: 0.15, P: 0.001, Trending: true}
		}
	}
	rec := results.Pick([]*results.Result{r}, results.PickOptions{})
	pr := rec.Patterns[0]
	if pr.Winner() != "redis" || !pr.Ranked[0].Unsteady || pr.Ranked[1].Unsteady {
		t.Fatalf("ranking %+v", pr.Ranked)
	}
	if got := pr.Explain(); !strings.Contains(got, "caution: redis's throughput still rose or fell while it was measured") {
		t.Errorf("explanation %q", got)
	}
	if pr.Ranked[0].Concurrency != "8 workers (auto)" || pr.Ranked[1].Concurrency != "16 workers (auto)" {
		t.Errorf("concurrency %q, %q", pr.Ranked[0].Concurrency, pr.Ranked[1].Concurrency)
	}
	var text strings.Builder
	if err := results.WritePickText(&text, rec); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "16 workers (auto)") {
		t.Errorf("pick table does not show the workers:\n%s", text.String())
	}
	r.Cells[0].Warmup = &results.Warmup{Mode: results.WarmupAuto, Workers: 8, Seconds: 23, Steady: true, MaxSeconds: 120, Reason: "throughput +1% and p99 -2% between the last two 5-s windows",
		Settle: &results.Warmup{Mode: results.WarmupAuto, Workers: 8, Seconds: 10, Steady: true, MaxSeconds: 120}}
	r.Cells[0].Ramp = &results.WorkerRamp{Workers: 8, Max: 64, Gain: 0.1, Reason: "throughput rose only +4% from 8 to 16 workers (less than 10%)",
		Steps: []results.RampStep{{Workers: 1, OpsPerSec: 5000, P99Us: 300}, {Workers: 2, OpsPerSec: 9000, P99Us: 320}}}
	r.Cells[0].StoreSettings = map[string]string{"cache": "off"}
	var out strings.Builder
	if err := results.WriteText(&out, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"store settings: cache=off", "warm-up: auto: steady after 23 s with 8 workers — throughput +1%", "warm-up at the ramp's count: auto: steady after 10 s with 8 workers",
		"workers auto: 8 — throughput rose only +4%", "steps 1: 5,000 ops/s p99 300.0 µs; 2: 9,000", "trend: ops/s rose 15% over 15 s (Mann-Kendall p = 0.001)", "8 workers (auto)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := results.WriteMarkdown(&out, []*results.Result{r}, results.PickOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "| 8 workers (auto) | warm-up auto: steady after 23 s; then auto: steady after 10 s at the ramp's count; STILL TRENDING in 1 of 1 runs |") {
		t.Errorf("markdown summary lacks the workers and steady state:\n%s", out.String())
	}
	notes := r.Cells[0].HarnessNotes()
	if len(notes) != 1 || !notes[0].Unsteady || !strings.Contains(notes[0].Text, "ops/s rose 15% over 15 s") {
		t.Errorf("notes %+v", notes)
	}
}

// Auto worker counts differ per workload but make one contender per
// store; two workers named "low" are a contender of their own, named
// "latency at low load".
func TestGroupsNameConcurrency(t *testing.T) {
	r := resultstest.Result([]resultstest.Spec{
		{Workload: "point/c", Store: "redis", OpsPerSec: 30000, P50Us: 50},
		{Workload: "point/a", Store: "redis", OpsPerSec: 20000, P50Us: 60},
		{Workload: "point/c", Store: "redis", OpsPerSec: 9000, P50Us: 40},
	}, 1)
	r.Cells[0].Params.Workers, r.Cells[0].Params.WorkersRule = 16, results.WorkersAuto
	r.Cells[1].Params.Workers, r.Cells[1].Params.WorkersRule = 4, results.WorkersAuto
	r.Cells[2].Params.Workers, r.Cells[2].Params.WorkersRule = 2, results.WorkersLow
	var labels []string
	for _, g := range results.Groups([]*results.Result{r}) {
		labels = append(labels, g.Workload+" "+g.Label)
	}
	want := "point/a redis, point/c redis, point/c redis (latency at low load)"
	if got := strings.Join(labels, ", "); got != want {
		t.Errorf("groups %q, want %q", got, want)
	}
	if got := r.Cells[2].ConcurrencyText(); got != "2 workers (latency at low load)" {
		t.Errorf("low: %q", got)
	}
}

// compare checks that both sides ran the same plan: under workers auto
// the rule is the plan (the count each side's ramp chose is an outcome),
// and the store settings are part of it.
func TestCompareWorkersRuleAndStoreSettings(t *testing.T) {
	side := func(workers int, writes string) *results.Result {
		r := resultstest.Result([]resultstest.Spec{{Workload: "point/a", Store: "cassandra", OpsPerSec: 9000, P50Us: 400}}, 1)
		c := &r.Cells[0]
		c.Params.Workers, c.Params.WorkersRule = workers, results.WorkersAuto
		c.StoreSettings = map[string]string{"point_writes": writes}
		return r
	}
	cmp, err := results.Compare("old", []*results.Result{side(16, "blind")}, "new", []*results.Result{side(32, "blind")}, results.CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cmp.Differences) != 0 {
		t.Errorf("different counts chosen by the same rule: %q", cmp.Differences)
	}
	cmp, err = results.Compare("old", []*results.Result{side(16, "blind")}, "new", []*results.Result{side(16, "checked")}, results.CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cmp.Differences) != 1 || !strings.Contains(cmp.Differences[0], "store point_writes blind → checked") {
		t.Errorf("differences %q", cmp.Differences)
	}
}

// The side-by-side table shows the workers a rule chose beside each
// throughput.
func TestSideBySideShowsRuleWorkers(t *testing.T) {
	mk := func(label string, workers int) *results.Result {
		r := resultstest.Result([]resultstest.Spec{{Workload: "point/c", Store: "cassandra", OpsPerSec: 9000, P50Us: 400}}, 1)
		r.Label = label
		r.Cells[0].Params.Workers, r.Cells[0].Params.WorkersRule = workers, results.WorkersAuto
		return r
	}
	sb := results.CompareSideBySide([]*results.Result{mk("before", 8), mk("after", 16)})
	if sb == nil || len(sb.Rows) != 1 {
		t.Fatalf("comparison %+v", sb)
	}
	if got := sb.Rows[0].Cells[1].Value(false); got != "9,000 · 16 workers (auto)" {
		t.Errorf("throughput cell %q", got)
	}
}
