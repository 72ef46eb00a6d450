package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/storefit/storefit/drivers/sqlite"
	"github.com/storefit/storefit/results"
)

// Issue 16: "A store with 45% failed operations is ranked #1: latency
// histograms hold successful operations only". Failed operations count
// at their time to failure in the inclusive latency, beside the
// success-only one, and the cell is not ranked.
func TestFailuresCountInInclusiveLatency(t *testing.T) {
	// Count the reads validation makes, so that they all succeed.
	count := &faults{}
	if _, err := runOne(t, context.Background(), pointCell(register(t, count), "c", Config{Workers: 1, Ops: 1}, map[string]any{"records": 100})); err != nil {
		t.Fatal(err)
	}
	// Then 9 of every 20 reads fail after 20 ms; the others answer at once.
	f := &faults{failOf: 9, failIn: 20, failAfter: 20 * time.Millisecond, delayFrom: count.reads.Load() - 1}
	res, err := runOne(t, context.Background(), pointCell(register(t, f), "c", Config{Workers: 2, Ops: 400}, map[string]any{"records": 100}))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	if c.Status != results.StatusOK {
		t.Fatalf("status %s (%s): 45%% errors is below the 50%% that fails a cell", c.Status, c.Error)
	}
	k := c.Run.Kinds[0]
	if share := float64(c.Run.Errors) / 400; share < 0.4 || share > 0.5 {
		t.Fatalf("%d of 400 operations failed, want 45%%", c.Run.Errors)
	}
	if k.Inclusive == nil || k.FailureHistogram == "" {
		t.Fatal("no inclusive latency or failure histogram")
	}
	if k.Latency.P99 > 15000 {
		t.Errorf("success-only p99 %.0f µs: the successful reads answer at once", k.Latency.P99)
	}
	if k.Inclusive.P90 < 15000 || k.Inclusive.P99 < 15000 {
		t.Errorf("inclusive p90 %.0f µs, p99 %.0f µs: 45%% of operations took 20 ms to fail", k.Inclusive.P90, k.Inclusive.P99)
	}
	if n := k.InclusiveHistogram().TotalCount(); n != 400 {
		t.Errorf("inclusive histogram holds %d operations, want all 400", n)
	}
	// memory is the oracle: rank it like a store here.
	rec := results.Pick([]*results.Result{res}, results.PickOptions{IncludeOracle: true})
	if w := rec.Patterns[0].Winner(); w != "" {
		t.Errorf("a store with 45%% failed operations ranked: %s", w)
	}
}

// Issue 16: "Under open loop, operations that were scheduled but never
// started … are in no histogram". A dropped operation counts from its
// intended start to the end of the phase, dealt to the kinds in
// proportion to their share of the started operations.
func TestDroppedOperationsCountFromTheirIntendedStart(t *testing.T) {
	// Reads take 5 ms, updates are immediate: 1 worker serves about 400
	// ops/s of a 50:50 mix, and falls behind a schedule of 600.
	f := &faults{readDelay: 5 * time.Millisecond}
	res, err := runOne(t, context.Background(), pointCell(register(t, f), "a", Config{Workers: 1, Rate: 600, Duration: time.Second}, map[string]any{"records": 100}))
	if err != nil {
		t.Fatal(err)
	}
	run := res.Cells[0].Run
	if run.DroppedOps < 50 || run.Ops+run.Errors+run.DroppedOps != run.IntendedOps {
		t.Fatalf("intended %d, started %d, dropped %d: every scheduled operation is started or dropped", run.IntendedOps, run.Ops+run.Errors, run.DroppedOps)
	}
	var dropped, started int64
	for _, k := range run.Kinds {
		dropped += k.Dropped
		started += k.Count
		if k.Inclusive == nil || k.DroppedHistogram == "" {
			t.Fatalf("%s: no inclusive latency or dropped histogram", k.Kind)
		}
		h := k.InclusiveHistogram()
		if h.TotalCount() != k.Count+k.ErrorCount()+k.Dropped {
			t.Errorf("%s: inclusive histogram holds %d, want %d started + %d dropped", k.Kind, h.TotalCount(), k.Count, k.Dropped)
		}
		// A dropped operation waited at least from its intended start to
		// the end of the phase; the last ones scheduled, a little.
		dh, _ := results.DecodeHistogram(k.DroppedHistogram)
		if max := float64(dh.Max()) / 1e6; max > 1100 {
			t.Errorf("%s: a dropped operation counted %.0f ms in a 1 s phase", k.Kind, max)
		}
	}
	if dropped != run.DroppedOps {
		t.Errorf("kinds' drops add up to %d, run dropped %d", dropped, run.DroppedOps)
	}
	for _, k := range run.Kinds {
		want := float64(run.DroppedOps) * float64(k.Count) / float64(started)
		if d := float64(k.Dropped) - want; d > 1.5 || d < -1.5 {
			t.Errorf("%s: %d drops, want its share %.1f", k.Kind, k.Dropped, want)
		}
	}
	if c := res.Cells[0]; c.Status != results.StatusOK {
		t.Fatalf("status %s: %s", c.Status, c.Error)
	}
	rec := results.Pick([]*results.Result{res}, results.PickOptions{IncludeOracle: true})
	if w := rec.Patterns[0].Winner(); w != "" {
		t.Errorf("a run that dropped %d of %d scheduled operations ranked", run.DroppedOps, run.IntendedOps)
	}
}

// Issue 16: "--find-max … when no rate met the SLO the summary still says
// ok with the last rate as if it were capacity". The cell fails, saying
// so, and keeps the lowest rate's run for inspection.
func TestFindMaxNoRateMetFailsTheCell(t *testing.T) {
	if testing.Short() {
		t.Skip("runs several measured phases")
	}
	f := &faults{readDelay: 2 * time.Millisecond}
	slo, _ := results.ParseSLO("p50=500us")
	cfg := Config{Workers: 1, Duration: 500 * time.Millisecond, FindMax: true, SLO: slo}
	res, err := runOne(t, context.Background(), pointCell(register(t, f), "c", cfg, map[string]any{"records": 50}))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	if c.Status != results.StatusFailed || !strings.Contains(c.Error, "no rate tried met p50=500µs") {
		t.Fatalf("status %s: %q", c.Status, c.Error)
	}
	if c.MaxRate == nil || c.MaxRate.Rate != 0 || c.Run == nil || c.Run.Mode != results.OpenLoop {
		t.Fatalf("max rate %+v, run %+v", c.MaxRate, c.Run)
	}
	if p := res.Problems(); len(p.Failed) != 1 {
		t.Errorf("problems %+v: the failed search is a failed cell", p)
	}
}

// Issue 16: "--rate with --find-max is silently ignored".
func TestFindMaxRefusesARate(t *testing.T) {
	slo, _ := results.ParseSLO("p99=10ms")
	cfg := Config{Workers: 1, Duration: time.Second, FindMax: true, SLO: slo, Rate: 1000}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "find-max chooses the open-loop rates itself") {
		t.Errorf("err = %v", err)
	}
}

// A find-max step needs enough operations for the SLO's percentile: 10
// beyond it (1,000 for p99); with fewer the rate is refused, not judged.
func TestFindMaxStepNeedsEnoughOperations(t *testing.T) {
	slo, _ := results.ParseSLO("p99=10ms")
	run := &results.Run{Ops: 999, OpsPerSec: 1000}
	v := judge(run, 1000, slo)
	if v.ok || !v.refused || !strings.Contains(v.reason, "all kinds: 999 operations, fewer than the 1,000 a p99 needs") {
		t.Errorf("999 operations for a p99: %+v", v)
	}
	if n := results.MinOpsFor(99.9); n != 10000 {
		t.Errorf("p99.9 needs %d operations, want 10,000", n)
	}
}

// Thresholds are checked on every measured cell and recorded in it; a
// breach is a problem of the run.
func TestThresholdsRecorded(t *testing.T) {
	ths := []results.Threshold{}
	for _, s := range []string{"p99<1ns", "errors<0.1%", "point/c:rate>=1", "point/c.read:max<1h", "graph:p99<1ns"} {
		th, err := results.ParseThreshold(s)
		if err != nil {
			t.Fatal(err)
		}
		ths = append(ths, th)
	}
	cell := pointCell("memory", "c", Config{Workers: 1, Ops: 500}, map[string]any{"records": 100})
	cell.Thresholds = ths
	res, err := runOne(t, context.Background(), cell)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Cells[0].Thresholds
	if len(got) != 4 {
		t.Fatalf("checks %+v: want 4 (graph's is out of scope)", got)
	}
	want := map[string]bool{"p99<1ns": false, "errors<0.1%": true, "point/c:rate>=1": true, "point/c.read:max<1h": true}
	for _, c := range got {
		if c.OK != want[c.Threshold] || c.Text == "" {
			t.Errorf("%s: ok %v (%s), want %v", c.Threshold, c.OK, c.Text, want[c.Threshold])
		}
	}
	if p := res.Problems(); len(p.Breached) != 1 || !strings.Contains(p.Breached[0], "p99<1ns") {
		t.Errorf("breaches %v", p.Breached)
	}
}

// Issue 16: "pick ranks cells whose validation was skipped (every --shard
// run and every --phase run without --validate)". The run phase validates
// by default and skips only when told, saying so.
func TestRunPhaseValidatesByDefault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "point.db")
	cell := pointCell("sqlite", "c", Config{Workers: 1, Ops: 100}, map[string]any{"records": 500})
	cell.DSN = path
	if _, err := Run(context.Background(), Plan{Cells: []Cell{cell}, Phase: PhaseLoad}, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Plan{Cells: []Cell{cell}, Phase: PhaseRun}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v := res.Cells[0].Validation; v.Status != results.ValidationPassed || v.Checks == 0 {
		t.Errorf("run phase validation %+v, want passed", v)
	}
	res, err = Run(context.Background(), Plan{Cells: []Cell{cell}, Phase: PhaseRun, SkipValidation: true}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v := res.Cells[0].Validation; v.Status != results.ValidationSkipped || !strings.Contains(v.Reason, "unvalidated — not ranked: --validate=false") {
		t.Errorf("skipped validation %+v", v)
	}
}

// A shard of a full run checks its share where the workload can; where
// it cannot, the shard is unvalidated and says how to validate.
func TestShardValidation(t *testing.T) {
	shard := results.Shard{Index: 1, Count: 2}
	res, err := Run(context.Background(), Plan{Cells: []Cell{pointCell("memory", "c", Config{Workers: 1, Ops: 100, Loaders: 2}, nil)}, Shard: shard}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v := res.Cells[0].Validation; v.Status != results.ValidationPassed || v.Checks < 100 {
		t.Errorf("point shard validation %+v, want its share checked", v)
	}
	for _, tt := range []struct {
		workload string
		opts     map[string]any
		want     string
	}{
		{"graph/mix", map[string]any{"users": 500}, results.ValidationPassed},
		{"wide/mix", map[string]any{"rows": 500}, results.ValidationPassed},
		{"crud/mix", map[string]any{"users": 100, "tweets": 500}, results.ValidationPassed},
		{"point/noshare-test", map[string]any{"records": 500}, results.ValidationSkipped},
	} {
		cell := Cell{Workload: tt.workload, Params: pointCell("", "", Config{}, nil).Params, Store: "memory", Config: Config{Workers: 1, Ops: 100, Loaders: 2}}
		cell.Params.Options = tt.opts
		res, err = Run(context.Background(), Plan{Cells: []Cell{cell}, Shard: shard}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		v := res.Cells[0].Validation
		switch {
		case res.Cells[0].Status != results.StatusOK:
			t.Errorf("%s: %s: %s", tt.workload, res.Cells[0].Status, res.Cells[0].Error)
		case v.Status != tt.want:
			t.Errorf("%s shard validation %+v, want %s", tt.workload, v, tt.want)
		case tt.want == results.ValidationPassed && v.Checks < 20:
			t.Errorf("%s shard made %d checks", tt.workload, v.Checks)
		case tt.want == results.ValidationSkipped && !strings.Contains(v.Reason, "--phase run, which validates"):
			t.Errorf("%s shard: reason %q does not say how to validate", tt.workload, v.Reason)
		}
	}
}

// Suites set ranking objectives and thresholds per scope, as a mapping or
// a list; the plan carries them, and bad ones are one-line errors.
func TestSuiteObjectivesAndThresholds(t *testing.T) {
	doc := `
defaults: {ops: 200, warmup: 0s}
workloads:
  - point/a
  - workload: point/c
    thresholds: [rate>=100]
stores: [memory]
slo:
  point: p99=5ms
  point.read: p50=1ms,p99=2ms
thresholds:
  "*": [errors<0.1%]
  point/a: [p99<10ms]
  point/a.update: p99.9<20ms
`
	s, err := ParseSuite([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := s.Plan(Overrides{Thresholds: []results.Threshold{mustThreshold(t, "dropped<1%")}})
	if err != nil {
		t.Fatal(err)
	}
	var objs []string
	for _, o := range plan.Objectives {
		objs = append(objs, o.String())
	}
	if strings.Join(objs, " ") != "point:p99=5ms point.read:p50=1ms,p99=2ms" {
		t.Errorf("objectives %v", objs)
	}
	texts := func(c Cell) string {
		var out []string
		for _, th := range c.Thresholds {
			out = append(out, th.Scope.String()+":"+th.Text)
		}
		return strings.Join(out, " ")
	}
	if got := texts(plan.Cells[0]); got != "*:*:errors<0.1% point/a:point/a:p99<10ms point/a.update:point/a.update:p99.9<20ms *:dropped<1%" {
		t.Errorf("point/a thresholds %q", got)
	}
	if got := texts(plan.Cells[1]); !strings.HasSuffix(got, "point/c:rate>=100") {
		t.Errorf("point/c thresholds %q", got)
	}
	res, err := Run(context.Background(), plan, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Objectives) != 2 {
		t.Errorf("the result records objectives %v", res.Objectives)
	}

	for _, tt := range []struct{ doc, want string }{
		{"workloads: [point/a]\nstores: [memory]\nslo: {agg: fast}", `"fast" is not a positive duration`},
		{"workloads: [point/a]\nstores: [memory]\nslo: {pointy: p99=1ms}", `unknown pattern "pointy"`},
		{"workloads: [point/a]\nstores: [memory]\nslo: {point.scan: p99=1ms}", `operation kind "scan"`},
		{"workloads: [point/a]\nstores: [memory]\nthresholds: {point/c: [p99<1ms]}", "no workload of the plan is in scope point/c"},
		{"workloads: [point/a]\nstores: [memory]\nthresholds: {point/a: [p99>>1ms]}", "not a duration"},
		{"workloads: [point/a]\nstores: [memory]\nthresholds: [7]", "use METRIC<VALUE"},
		{"workloads: [{workload: point/a, thresholds: [x:p99<1ms]}]\nstores: [memory]", "take no scope"},
		{"workloads: [{workload: point/a, rate: 100, find_max: p99=1ms}]\nstores: [memory]", "find-max chooses the open-loop rates itself"},
	} {
		s, err := ParseSuite([]byte(tt.doc))
		if err == nil {
			_, err = s.Plan(Overrides{})
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: err = %v, want one line with %q", tt.doc, err, tt.want)
		}
	}
}

func mustThreshold(t *testing.T, s string) results.Threshold {
	t.Helper()
	th, err := results.ParseThreshold(s)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// kindRun is an open-loop run at 1,000 ops/s whose kinds took the given
// latencies: n operations of each at its µs.
func kindRun(t *testing.T, kinds map[string][2]int64) *results.Run {
	t.Helper()
	run := &results.Run{OpsPerSec: 1000}
	for _, name := range []string{"timeline", "dashboard", "search"} {
		k, ok := kinds[name]
		if !ok {
			continue
		}
		h := results.NewHistogram()
		if err := h.RecordValues(k[1]*1000, k[0]); err != nil {
			t.Fatal(err)
		}
		enc, err := results.EncodeHistogram(h)
		if err != nil {
			t.Fatal(err)
		}
		run.Kinds = append(run.Kinds, results.OpStats{Kind: name, Count: k[0], Histogram: enc})
		run.Ops += k[0]
	}
	return run
}

// Issue 18: "one SLO over every operation". A kind that misses its own
// bound fails the step even when the p99 of all operations together
// meets the all-kinds bound: 1,000 dashboards at 800 ms are under 1% of
// 101,000 operations, so the overall p99 is the timelines' 1 ms.
func TestFindMaxKindMissesItsOwnSLO(t *testing.T) {
	run := kindRun(t, map[string][2]int64{"timeline": {100000, 1000}, "dashboard": {1000, 800000}})
	slo, err := results.ParseSLO("p99=20ms,timeline:p99=20ms,dashboard:p99=500ms")
	if err != nil {
		t.Fatal(err)
	}
	v := judge(run, 1000, slo)
	if v.ok || v.refused || v.bound != "dashboard:p99=500ms" || !strings.Contains(v.reason, "dashboard:p99=500ms 800") {
		t.Fatalf("verdict %+v: the dashboards' p99 of 800 ms misses their 500 ms", v)
	}
	if len(v.checks) != 3 || !v.checks[0].OK || !v.checks[1].OK || v.checks[2].OK {
		t.Fatalf("checks %+v: all kinds and timelines meet theirs, dashboards miss", v.checks)
	}
	d := v.checks[2]
	if d.Ops != 1000 || d.Us < 790000 || d.LowUs > d.Us || d.HighUs < d.Us || d.Open {
		t.Errorf("dashboard check %+v: 1,000 operations, p99 800 ms inside its interval", d)
	}
	// The same run under the all-kinds form alone meets it: the old check
	// could not see the dashboards.
	if v := judge(run, 1000, results.SLO{Bounds: slo.Bounds[:1]}); !v.ok {
		t.Errorf("all-kinds p99=20ms: %+v, want met", v)
	}
}

// A bound is never judged on a handful of operations of its kind: a step
// with 999 dashboards is refused (neither met nor missed), however fast
// they were; and a step that would need longer than --max-step to gather
// 1,000 is refused before it runs, while a shorter extension is planned.
func TestFindMaxTooFewOfAKind(t *testing.T) {
	slo, _ := results.ParseSLO("timeline:p99=20ms,dashboard:p99=500ms")
	run := kindRun(t, map[string][2]int64{"timeline": {100000, 1000}, "dashboard": {999, 1000}})
	v := judge(run, 1000, slo)
	if v.ok || !v.refused || !strings.Contains(v.reason, "dashboard: 999 operations, fewer than the 1,000 a p99 needs") {
		t.Errorf("999 dashboards: %+v, want refused", v)
	}
	m := &measurer{cfg: Config{Duration: 10 * time.Second, SLO: slo}}
	shares := map[string]float64{"": 1, "timeline": 0.9, "dashboard": 0.01}
	// 1,000 dashboards at 1% of 1,000 ops/s: 100 s, 125 s with the margin.
	if d, why := m.stepLength(1000, shares); why == "" || !strings.Contains(why, "dashboard; at 1.0% of 1,000 ops/s that is a 2m5s step, longer than the longest allowed (1m40s)") {
		t.Errorf("default max step: %v %q, want refused", d, why)
	}
	m.cfg.MaxStep = 3 * time.Minute
	if d, why := m.stepLength(1000, shares); why != "" || d != 125*time.Second {
		t.Errorf("max step 3m: %v %q, want a 125 s step", d, why)
	}
	if d, why := m.stepLength(100000, shares); why != "" || d != 10*time.Second {
		t.Errorf("at 100,000 ops/s: %v %q, want the configured 10 s", d, why)
	}
}

// Bounds name operation kinds of the workload; a kind it has not is a
// one-line error when the plan is made.
func TestFindMaxSLOKindsChecked(t *testing.T) {
	for _, tt := range []struct{ doc, want string }{
		{"workloads: [{workload: point/a, find_max: \"read:p99=1ms,update:p99=2ms\"}]\nstores: [memory]", ""},
		{"workloads: [{workload: point/a, find_max: \"scan:p99=1ms\"}]\nstores: [memory]", `the SLO bounds operation kind "scan", which the workload has not (its kinds: read, update)`},
		{"workloads: [{workload: point/c, find_max: \"re ad:p99=1ms\"}]\nstores: [memory]", `"re ad" is not an operation kind`},
	} {
		s, err := ParseSuite([]byte(tt.doc))
		if err == nil {
			_, err = s.Plan(Overrides{})
		}
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%q: err = %v, want %q", tt.doc, err, tt.want)
		}
	}
	if _, err := results.ParseObjective("crud:like:p99=1ms"); err == nil || !strings.Contains(err.Error(), "name the kind in the scope") {
		t.Errorf("a kinded bound in a ranking objective: %v", err)
	}
}

// A per-kind bound that a short step cannot judge makes the search run
// longer steps: with a p90 needing 100 reads, the 0.5 s steps at low
// rates (an eighth of ~500 reads/s) are extended to whole seconds until
// they hold 100 reads, and every step's read check is judged on at least
// 100.
func TestFindMaxExtendsStepsForAKind(t *testing.T) {
	if testing.Short() {
		t.Skip("runs several measured phases")
	}
	f := &faults{readDelay: 2 * time.Millisecond}
	slo, _ := results.ParseSLO("read:p90=200ms")
	cfg := Config{Workers: 1, Duration: 500 * time.Millisecond, FindMax: true, SLO: slo}
	res, err := runOne(t, context.Background(), pointCell(register(t, f), "c", cfg, map[string]any{"records": 50}))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	if c.Status != results.StatusOK || c.MaxRate == nil {
		t.Fatalf("status %s: %s", c.Status, c.Error)
	}
	extended := false
	for _, st := range c.MaxRate.Steps[1:] {
		t.Logf("%+v", st)
		if st.Refused {
			continue
		}
		if len(st.Checks) != 1 || st.Checks[0].Kind != "read" {
			t.Fatalf("step at %.0f: checks %+v", st.Rate, st.Checks)
		}
		if st.OK && st.Checks[0].Ops < 100 {
			t.Errorf("step at %.0f met on %d reads", st.Rate, st.Checks[0].Ops)
		}
		if st.Seconds >= 1 {
			extended = true
		}
	}
	if !extended {
		t.Error("no step was extended beyond 0.5 s")
	}
	if len(c.MaxRate.AtMax) != 1 || c.MaxRate.AtMax[0].Kind != "read" {
		t.Errorf("at max: %+v", c.MaxRate.AtMax)
	}
}

// --find-max without --slo holds each kind to the suite's objectives
// (its slo: section) on its own; a workload's find_max wins, and a suite
// without objectives keeps the all-kinds p99=10ms.
func TestFindMaxSLOFromTheSuite(t *testing.T) {
	for _, tt := range []struct{ doc, want string }{
		{"workloads: [point/a]\nstores: [memory]\nslo: {point: p99=20ms, point.read: p99=5ms}", "read:p99=5ms,update:p99=20ms"},
		{"workloads: [{workload: point/a, find_max: \"update:p99=1ms\"}]\nstores: [memory, memory:b]\nslo: {point: p99=20ms}", "update:p99=1ms"},
		{"workloads: [point/a]\nstores: [memory, memory:b]", "p99=10ms"},
	} {
		s, err := ParseSuite([]byte(tt.doc))
		if err != nil {
			t.Fatal(err)
		}
		plan, err := s.Plan(Overrides{FindMax: &results.SLO{}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range plan.Cells {
			if !c.Config.FindMax || c.Config.SLO.String() != tt.want {
				t.Errorf("%q: cell %s SLO %q, want %q", tt.doc, c.Store, c.Config.SLO, tt.want)
			}
		}
	}
}
