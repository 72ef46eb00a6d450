package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/storefit/storefit/results"
)

// The capacity ramp (--workers auto).
var (
	// rampGain is the least throughput gain that makes doubling the
	// workers worth it: past the knee, more workers only queue at the
	// store and lengthen the latency.
	rampGain = 0.10
	// rampSettle is run, unmeasured, at the start of each step: new
	// connections open, queues fill.
	rampSettle = time.Second
	// rampStep is each step's measured length.
	rampStep = 4 * time.Second
	// rampWarmupWorkers is the worker count the warm-up before the ramp
	// runs with: enough to drive a server with millisecond round trips to
	// thousands of operations a second, so its compiler warms up quickly,
	// without overloading a slow one.
	rampWarmupWorkers = 8
)

// rampUp finds the worker count that reaches the store's capacity. It
// runs closed-loop steps of 1, 2, 4, … workers (rampSettle unmeasured,
// then rampStep measured) up to WorkersMax, and stops at the first step
// that misses the pattern's latency objective for one of its operation
// kinds (or fails more than 0.1% of its operations), or whose throughput
// is less than 1+rampGain times the step before. It keeps the step before
// that: the fewest workers within rampGain of the most throughput the
// ramp found under the objective. A count of 1 that misses the objective
// is kept all the same (there is nothing lower), and the reason says so.
//
// This is how YCSB and similar tools are used by hand — add threads until
// throughput stops rising — made a rule, with the objective as the bound
// on latency that find-max also uses. The steps continue the cell's
// operation streams (worker i of the pool), so no write collides with one
// of the warm-up's or the measured phase's.
func (m *measurer) rampUp(ctx context.Context) (*results.WorkerRamp, error) {
	most := len(m.gens)
	r := &results.WorkerRamp{Max: most, Gain: rampGain}
	for n := 1; n <= most; n *= 2 {
		st, err := m.rampStep(ctx, n)
		if err != nil {
			return r, err
		}
		r.Steps = append(r.Steps, st)
		m.disp.Logf("workers auto: %s → %s ops/s, p99 %s µs%s", workersText(n), results.FormatRate(st.OpsPerSec), results.FormatMicros(st.P99Us), missText(st.Miss))
		if w, why, done := rampDecision(r.Steps, rampGain); done {
			r.Workers, r.Reason = w, why
			return r, nil
		}
	}
	last := r.Steps[len(r.Steps)-1].Workers
	r.Workers, r.Reason = last, fmt.Sprintf("throughput still rose at %d workers, the most the ramp tries (--workers-max)", last)
	return r, nil
}

// rampDecision applies the ramp's rule to the steps so far: done, with
// the count to keep and why, when the last step missed the objective or
// gained less than gain over the step before.
func rampDecision(steps []results.RampStep, gain float64) (workers int, reason string, done bool) {
	st := steps[len(steps)-1]
	if len(steps) == 1 {
		if st.Miss != "" {
			return st.Workers, fmt.Sprintf("%s already misses the objective (%s): kept, there is no lower count", workersText(st.Workers), st.Miss), true
		}
		return 0, "", false
	}
	prev := steps[len(steps)-2]
	switch {
	case st.Miss != "":
		return prev.Workers, fmt.Sprintf("%d workers missed the objective (%s)", st.Workers, st.Miss), true
	case st.OpsPerSec < prev.OpsPerSec:
		return prev.Workers, fmt.Sprintf("throughput fell %.0f%% from %s to %d workers", 100*(1-st.OpsPerSec/prev.OpsPerSec), workersText(prev.Workers), st.Workers), true
	case st.OpsPerSec < (1+gain)*prev.OpsPerSec:
		return prev.Workers, fmt.Sprintf("throughput rose only %+.0f%% from %s to %d workers (less than %.0f%%)", 100*(st.OpsPerSec/prev.OpsPerSec-1), workersText(prev.Workers), st.Workers, 100*gain), true
	}
	return 0, "", false
}

func workersText(n int) string {
	if n == 1 {
		return "1 worker"
	}
	return fmt.Sprintf("%d workers", n)
}

func missText(miss string) string {
	if miss == "" {
		return ""
	}
	return " — misses: " + miss
}

// rampStep runs one step of the ramp with n workers and judges it against
// the objectives.
func (m *measurer) rampStep(ctx context.Context, n int) (results.RampStep, error) {
	st := results.RampStep{Workers: n}
	quota := splitQuota(0, n)
	m.disp.StartPhase(fmt.Sprintf("workers auto: %s with %s", m.live.name(), workersText(n)), int64((rampSettle+rampStep)/time.Millisecond), "ms")
	base := time.Now()
	stop := tickPhase(m.disp, base, rampSettle+rampStep, nil)
	defer stop()
	e, _ := m.engine(ctx, n, 0)
	stalled := e.run(ctx, phase{base: base, deadline: rampSettle}, quota)
	if ctx.Err() != nil {
		return st, ctx.Err()
	}
	if stalled != nil {
		m.disp.EndPhase("stalled")
	} else {
		e.reset()
		e.ivs = newIntervals(n, len(m.wl.OpKinds()))
		ph := phase{base: time.Now(), deadline: rampStep, measure: true}
		stalled = e.run(ctx, ph, quota)
		elapsed := time.Since(ph.base)
		m.disp.EndPhase("step done")
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		if stalled == nil {
			return m.judgeStep(st, e, ph, quota, elapsed)
		}
	}
	return st, fmt.Errorf("the store stalled during the capacity ramp (%s): %s", workersText(n), describeStall(stalled))
}

// judgeStep summarizes a ramp step and judges it against the objectives.
func (m *measurer) judgeStep(st results.RampStep, e *engine, ph phase, quota func(int) int64, elapsed time.Duration) (results.RampStep, error) {
	run, err := e.summarize(ph, quota, elapsed)
	if err != nil {
		return st, err
	}
	st.Seconds, st.Ops, st.OpsPerSec = run.Seconds, run.Ops+run.Errors, run.OpsPerSec
	if h := run.InclusiveHistogram(); h != nil {
		st.P99Us = results.Quantile(h, 99)
	}
	if started := run.Ops + run.Errors; started > 0 && float64(run.Errors) > results.DefaultMaxErrorRate*float64(started) {
		st.Miss = fmt.Sprintf("%d of %d operations failed", run.Errors, started)
		return st, nil
	}
	worst := 0.0
	for _, k := range run.Kinds {
		obj, ok := m.obj.For(m.wl.Name(), k.Kind)
		if !ok || k.Count+k.ErrorCount() == 0 {
			continue
		}
		ratio, b, got := obj.SLO.Miss(k.InclusivePercentile)
		if ratio > 1 && ratio > worst {
			worst = ratio
			st.Miss = fmt.Sprintf("p%g of %s %s > %s", b.Percentile, k.Kind, results.FormatDuration(got), b.Limit)
		}
	}
	return st, nil
}
