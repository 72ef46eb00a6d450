package runner

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/results"
)

// series makes one-second intervals with the given throughputs and p99s
// (a single p99 for all when p99s has one element).
func steadySeries(ops []int64, p99s ...float64) []results.Interval {
	out := make([]results.Interval, len(ops))
	for i, n := range ops {
		p := p99s[0]
		if len(p99s) > 1 {
			p = p99s[i]
		}
		out[i] = results.Interval{T: i, Ops: n, OpsPerSec: float64(n), P99Us: p}
	}
	return out
}

func repeat(n int, v int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestSteadyRule(t *testing.T) {
	rising := make([]int64, 20)
	for i := range rising {
		rising[i] = 5000 + 300*int64(i) // +6% a second at first, +3% at the end
	}
	p99Falling := make([]float64, 12)
	for i := range p99Falling {
		p99Falling[i] = 2000 - 120*float64(i)
	}
	for _, tc := range []struct {
		name  string
		ivs   []results.Interval
		want  bool
		since string
	}{
		{"too short", steadySeries(repeat(9, 5000), 800), false, "9 s of the 10 s"},
		{"flat", steadySeries(repeat(10, 5000), 800), true, "throughput +0% and p99 +0%"},
		{"noisy but level", steadySeries([]int64{5000, 5300, 4800, 5100, 4900, 5200, 4850, 5050, 5150, 4950}, 800), true, "between the last two 5-s windows"},
		{"still rising", steadySeries(rising, 800), false, "throughput changed +"},
		{"p99 still falling", steadySeries(repeat(12, 5000), p99Falling...), false, "p99 changed -"},
		// 20 operations a second: counts alone vary by more than 5%, so
		// the tolerance widens (2·√(1/100+1/100) = 28%) and p99 is not
		// compared.
		{"few operations", steadySeries([]int64{20, 22, 18, 21, 19, 23, 24, 22, 23, 25}, 800), true, "p99 not compared"},
		{"few operations, doubling", steadySeries([]int64{10, 10, 10, 10, 10, 20, 20, 20, 20, 20}, 800), false, "throughput changed +100%"},
		{"nothing completes", steadySeries(repeat(10, 0), 0), true, "no operation completed"},
		{"stopped completing", steadySeries(append(repeat(5, 100), repeat(5, 0)...), 0), false, "stopped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, why := steady(tc.ivs)
			if ok != tc.want || !strings.Contains(why, tc.since) {
				t.Errorf("steady = %v, %q; want %v, %q", ok, why, tc.want, tc.since)
			}
		})
	}
}

// TestWarmupAutoWaitsForSteadyState runs a store that starts slow and
// speeds up over its first 4 s, as a just-started JVM server does: the
// automatic warm-up must outlast the speed-up and stop once the store is
// steady, and record how long it took.
func TestWarmupAutoWaitsForSteadyState(t *testing.T) {
	// A busy machine moves per-second throughput by tens of percent;
	// the store's speed-up is twentyfold, so a wide tolerance still
	// tells the ramp-up from the steady state.
	defer func(a, b float64) { steadyThroughput, steadyP99 = a, b }(steadyThroughput, steadyP99)
	steadyThroughput, steadyP99 = 0.5, 1
	f := &faults{delayAt: func(since time.Duration) time.Duration {
		if since >= 4*time.Second {
			return 200 * time.Microsecond
		}
		return 200*time.Microsecond + (4*time.Second-since)/1000 // 4.2 ms falling to 0.2 ms
	}}
	store := register(t, f)
	cfg := Config{Workers: 2, Duration: 3 * time.Second, WarmupMode: WarmupByStore, WarmupMax: time.Minute, Timeout: time.Second}
	res, err := runOne(t, context.Background(), pointCell(store, "c", cfg, nil))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	if c.Status != results.StatusOK {
		t.Fatalf("status %s: %s", c.Status, c.Error)
	}
	w := c.Warmup
	if c.Params.WarmupMode != results.WarmupAuto || w == nil || w.Mode != results.WarmupAuto {
		t.Fatalf("a store that is not embedded did not warm up until steady: params %+v, warm-up %+v", c.Params, w)
	}
	if !w.Steady || w.Seconds < 10 || w.Seconds > 40 {
		t.Errorf("warm-up steady %v after %.1f s (%s); want steady after at least 10 s and well before the cap", w.Steady, w.Seconds, w.Reason)
	}
	if len(w.Intervals) < 10 || w.Intervals[0].OpsPerSec > 0.7*w.Intervals[len(w.Intervals)-1].OpsPerSec {
		t.Errorf("warm-up intervals do not show the speed-up: %+v", w.Intervals)
	}
	if c.Run.Trend == nil || c.Run.Trend.Trending {
		t.Errorf("measured phase after a steady warm-up: trend %+v", c.Run.Trend)
	}
	if c.Params.WarmupMaxSeconds != 60 {
		t.Errorf("params %+v", c.Params)
	}

	// The memory store is embedded: a fixed warm-up by default.
	res, err = runOne(t, context.Background(), pointCell("memory", "c", Config{Workers: 1, Ops: 1000, Warmup: 100 * time.Millisecond, WarmupMode: WarmupByStore}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if w := res.Cells[0].Warmup; w == nil || w.Mode != results.WarmupFixed || w.Seconds < 0.09 || w.Seconds > 2 {
		t.Errorf("embedded store's warm-up: %+v", w)
	}
}

// TestUnsteadyIsFlagged runs a store that keeps slowing down: the
// automatic warm-up reaches its cap and says so, and the measured phase's
// trend test flags the cell, in its notes too.
func TestUnsteadyIsFlagged(t *testing.T) {
	f := &faults{delayAt: func(since time.Duration) time.Duration {
		return 100*time.Microsecond + since/200 // +5 ms every second
	}}
	store := register(t, f)
	cfg := Config{Workers: 2, Duration: 9 * time.Second, WarmupMode: results.WarmupAuto, WarmupMax: 11 * time.Second, Timeout: 5 * time.Second}
	res, err := runOne(t, context.Background(), pointCell(store, "c", cfg, nil))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	if c.Status != results.StatusOK {
		t.Fatalf("status %s: %s", c.Status, c.Error)
	}
	if w := c.Warmup; w == nil || w.Steady || w.Seconds < 10.5 || !strings.Contains(w.Reason, "throughput changed -") {
		t.Errorf("warm-up of a store that keeps slowing: %+v", w)
	}
	tr := c.Run.Trend
	if tr == nil || !tr.Tested || !tr.Trending || tr.Change > -0.05 || tr.P >= 0.05 {
		t.Fatalf("trend of a slowing store: %+v", tr)
	}
	var unsteady int
	for _, n := range c.HarnessNotes() {
		if n.Unsteady {
			unsteady++
		}
	}
	if unsteady != 2 {
		t.Errorf("notes %+v; want the trend and the warm-up's cap", c.HarnessNotes())
	}
}

func TestRampDecision(t *testing.T) {
	step := func(n int, ops float64, miss string) results.RampStep {
		return results.RampStep{Workers: n, OpsPerSec: ops, Miss: miss}
	}
	for _, tc := range []struct {
		name    string
		steps   []results.RampStep
		workers int
		done    bool
		reason  string
	}{
		{"first step", []results.RampStep{step(1, 1000, "")}, 0, false, ""},
		{"first step misses", []results.RampStep{step(1, 1000, "p99 of read 20 ms > 10ms")}, 1, true, "1 worker already misses the objective"},
		{"doubling pays", []results.RampStep{step(1, 1000, ""), step(2, 1900, "")}, 0, false, ""},
		{"gain 10% is enough", []results.RampStep{step(1, 1000, ""), step(2, 1100, "")}, 0, false, ""},
		{"gain below 10%", []results.RampStep{step(1, 1000, ""), step(2, 1900, ""), step(4, 2050, "")}, 2, true, "throughput rose only +8% from 2 workers to 4 workers"},
		{"throughput falls", []results.RampStep{step(1, 1000, ""), step(2, 900, "")}, 1, true, "throughput fell 10% from 1 worker to 2 workers"},
		{"objective missed", []results.RampStep{step(1, 1000, ""), step(2, 1900, ""), step(4, 3800, "p99 of read 12 ms > 10ms")}, 2, true, "4 workers missed the objective (p99 of read 12 ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, why, done := rampDecision(tc.steps, 0.10)
			if w != tc.workers || done != tc.done || !strings.Contains(why, tc.reason) {
				t.Errorf("rampDecision = %d, %q, %v; want %d, %q, %v", w, why, done, tc.workers, tc.reason, tc.done)
			}
		})
	}
}

// TestRampFindsCapacity runs a store that serves at most 4 reads at once:
// throughput doubles up to 4 workers, then stays. The ramp must measure
// steps of doubling counts, stop past the knee (timing on a busy machine
// moves it by a step) and run the measured phase with the count it chose,
// warmed up again at that count; a second repetition keeps the count.
func TestRampFindsCapacity(t *testing.T) {
	defer func(s, m time.Duration) { rampSettle, rampStep = s, m }(rampSettle, rampStep)
	rampSettle, rampStep = 200*time.Millisecond, 1500*time.Millisecond
	f := &faults{slots: make(chan struct{}, 4), slotTime: 5 * time.Millisecond}
	store := register(t, f)
	cfg := Config{WorkersRule: results.WorkersAuto, WorkersMax: 32, Duration: time.Second, Warmup: 200 * time.Millisecond, Timeout: time.Second}
	// An objective no step misses, even on a busy machine.
	obj, err := results.ParseObjective("point:p99=5s")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Plan{Cells: []Cell{pointCell(store, "c", cfg, nil)}, Repeat: 2, Objectives: []results.Objective{obj}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	first, second := res.Cells[0], res.Cells[1]
	r := first.Ramp
	if first.Status != results.StatusOK || r == nil {
		t.Fatalf("status %s: %s; ramp %+v", first.Status, first.Error, r)
	}
	n := r.Workers
	if (n != 4 && n != 8) || first.Params.Workers != n || first.Params.WorkersRule != results.WorkersAuto || r.Reason == "" || r.Max != 32 {
		t.Errorf("ramp chose %d workers (params %d): %s; steps %+v", n, first.Params.Workers, r.Reason, r.Steps)
	}
	for i, st := range r.Steps {
		if st.Workers != 1<<i || st.Ops == 0 || st.P99Us <= 0 {
			t.Errorf("step %d: %+v", i, st)
		}
	}
	if len(r.Steps) < 3 || r.Steps[1].OpsPerSec < 1.4*r.Steps[0].OpsPerSec {
		t.Errorf("steps %+v", r.Steps)
	}
	if first.Warmup == nil || first.Warmup.Workers != rampWarmupWorkers || first.Warmup.Settle == nil || first.Warmup.Settle.Workers != n {
		t.Errorf("warm-up %+v", first.Warmup)
	}
	if got, want := first.ConcurrencyText(), fmt.Sprintf("%d workers (auto)", n); got != want {
		t.Errorf("concurrency %q, want %q", got, want)
	}
	if second.Params.Workers != n || second.Ramp == nil || second.Ramp.FromRepetition != 1 || len(second.Ramp.Steps) != 0 {
		t.Errorf("repetition 2: workers %d, ramp %+v", second.Params.Workers, second.Ramp)
	}
	if second.Warmup == nil || second.Warmup.Workers != n || second.Warmup.Settle != nil {
		t.Errorf("repetition 2 warm-up %+v", second.Warmup)
	}
}

func TestWorkersSettings(t *testing.T) {
	for in, want := range map[string]Workers{"auto": {Rule: results.WorkersAuto}, "low": {Rule: results.WorkersLow}, "16": {N: 16}} {
		if got, err := ParseWorkers(in); err != nil || got != want {
			t.Errorf("ParseWorkers(%q) = %+v, %v", in, got, err)
		}
	}
	cfg := Config{WorkersRule: results.WorkersLow, Duration: time.Second}
	if err := cfg.Validate(); err != nil || cfg.Workers != results.LowLoadWorkers {
		t.Errorf("low: %+v, %v", cfg, err)
	}
	sharded := Plan{Cells: []Cell{pointCell("memory", "c", Config{WorkersRule: results.WorkersAuto, Duration: time.Second}, nil)}, Shard: results.Shard{Index: 0, Count: 2}}
	if err := sharded.Check(); err == nil || !strings.Contains(err.Error(), "cannot run sharded") {
		t.Errorf("sharded auto: %v", err)
	}
}
