package runner

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/storefit/storefit/results"
)

// The steady-state rule of the automatic warm-up.
const (
	// steadyWindow is the length, in one-second intervals, of the two
	// windows the rule compares: the last five seconds against the five
	// before them.
	steadyWindow = 5
	// steadyP99Ops is the number of operations each window needs for its
	// p99 to be compared: with fewer, a p99 is one of the last few
	// samples (results.MinOpsFor) and only throughput is compared.
	steadyP99Ops = 1000
)

// The steady rule's tolerances (variables for tests on a busy machine).
var (
	// steadyThroughput is how far the two windows' mean throughput may
	// differ, relative to the earlier one, for the workload to count as
	// steady (widened for windows of few operations, see steady).
	steadyThroughput = 0.05
	// steadyP99 is how far the windows' p99 (the median of their
	// per-second p99s) may differ.
	steadyP99 = 0.10
)

// steady applies the steady-state rule to the intervals of a warm-up so
// far: at least two windows of steadyWindow seconds, and the last window's
// mean throughput within steadyThroughput of the window before it (or
// within twice the relative standard error of the two counts, when that
// is wider: at 20 operations a second, counts alone vary by more than 5%),
// and its p99 within steadyP99. This compares means of windows rather than
// single seconds, so one slow second (a collection pause) does not restart
// the wait, and it stops as soon as the ramp-up of a just-started server —
// compilation, caches, connection pools — has levelled off. It returns a
// sentence saying what it found.
func steady(ivs []results.Interval) (bool, string) {
	n := len(ivs)
	if n < 2*steadyWindow {
		return false, fmt.Sprintf("%d s of the %d s the rule compares", n, 2*steadyWindow)
	}
	a, b := ivs[n-2*steadyWindow:n-steadyWindow], ivs[n-steadyWindow:]
	opsA, opsB := windowOps(a), windowOps(b)
	if opsA == 0 && opsB == 0 {
		return true, "no operation completed in the last 10 s"
	}
	if opsA == 0 || opsB == 0 {
		return false, "operations stopped or started completing"
	}
	tol := max(steadyThroughput, 2*math.Sqrt(1/float64(opsA)+1/float64(opsB)))
	dThr := float64(opsB)/float64(opsA) - 1
	if math.Abs(dThr) > tol {
		return false, fmt.Sprintf("throughput changed %+.0f%% between the last two %d-s windows (at most ±%.0f%% counts as steady)", 100*dThr, steadyWindow, 100*tol)
	}
	if opsA < steadyP99Ops || opsB < steadyP99Ops {
		return true, fmt.Sprintf("throughput within %+.0f%% between the last two %d-s windows (p99 not compared: fewer than %d operations a window)", 100*dThr, steadyWindow, steadyP99Ops)
	}
	pA, pB := windowP99(a), windowP99(b)
	dP99 := 0.0
	if pA > 0 {
		dP99 = pB/pA - 1
	}
	if math.Abs(dP99) > steadyP99 {
		return false, fmt.Sprintf("p99 changed %+.0f%% between the last two %d-s windows (at most ±%.0f%% counts as steady)", 100*dP99, steadyWindow, 100*steadyP99)
	}
	return true, fmt.Sprintf("throughput %+.0f%% and p99 %+.0f%% between the last two %d-s windows", 100*dThr, 100*dP99, steadyWindow)
}

func windowOps(ivs []results.Interval) int64 {
	var n int64
	for _, iv := range ivs {
		n += iv.Ops
	}
	return n
}

// windowP99 is the median of a window's per-second p99s: robust to one
// second with a pause.
func windowP99(ivs []results.Interval) float64 {
	xs := make([]float64, 0, len(ivs))
	for _, iv := range ivs {
		if iv.Ops > 0 {
			xs = append(xs, iv.P99Us)
		}
	}
	return results.Median(xs)
}

// engine returns an engine running the first n operation streams at rate
// (0: closed loop), and the open-loop period of one worker.
func (m *measurer) engine(ctx context.Context, n int, rate float64) (*engine, float64) {
	cfg := m.cfg
	cfg.Rate = rate
	cfg.Workers = n
	all := m.shard.Count * n
	period := 0.0
	if rate > 0 {
		period = 1e9 * float64(all) / rate
	}
	e := newEngine(ctx, cfg, m.wl.OpKinds(), m.gens[:n], m.shard.Index*n, all)
	if m.acks {
		e.acknowledge()
	}
	return e, period
}

// warmupLength is the longest the warm-up may take, for a coordinated
// start: the fixed warm-up, or the cap of an automatic one.
func (m *measurer) warmupLength() time.Duration {
	if m.cfg.WarmupMode == results.WarmupAuto {
		return m.cfg.WarmupMax
	}
	return m.cfg.Warmup
}

// prepare brings the store to the state the measured phase is taken in:
// a warm-up (until steady under auto), and under workers auto the
// capacity ramp, then a second warm-up at the count it chose.
func (m *measurer) prepare(ctx context.Context, rate float64) error {
	if m.cfg.WorkersRule != results.WorkersAuto {
		w, err := m.warmUp(ctx, m.workers, rate)
		m.warm = w
		return err
	}
	if m.ramp != nil {
		// An earlier repetition's ramp chose the count.
		m.workers = min(m.ramp.Workers, len(m.gens))
		w, err := m.warmUp(ctx, m.workers, 0)
		m.warm = w
		return err
	}
	w, err := m.warmUp(ctx, min(rampWarmupWorkers, len(m.gens)), 0)
	m.warm = w
	if err != nil {
		return err
	}
	r, err := m.rampUp(ctx)
	m.ramp = r
	if err != nil {
		return err
	}
	m.workers = r.Workers
	settle, err := m.warmUp(ctx, m.workers, 0)
	m.warm.Settle = settle
	return err
}

// warmUp runs n workers at rate before the measured phase, discarding
// what they measure: for the fixed warm-up, or until steady (at most
// WarmupMax) under auto. A coordinated start shortens it so it ends
// startSettle before the start.
func (m *measurer) warmUp(ctx context.Context, n int, rate float64) (*results.Warmup, error) {
	auto := m.cfg.WarmupMode == results.WarmupAuto
	w := &results.Warmup{Mode: results.WarmupFixed, Workers: n}
	d := m.cfg.Warmup
	if auto {
		w.Mode, d = results.WarmupAuto, m.cfg.WarmupMax
		w.MaxSeconds = d.Seconds()
	}
	base := time.Now()
	if !m.start.IsZero() {
		d = min(d, m.start.Add(-startSettle).Sub(base))
	}
	if d <= 0 {
		w.Reason = "no time before the coordinated start"
		return w, ctx.Err()
	}
	e, period := m.engine(ctx, n, rate)
	all := splitQuota(0, m.shard.Count*n)
	name := m.live.name()
	if !auto {
		m.disp.StartPhase(fmt.Sprintf("warm-up %s (%s)", name, workersText(n)), int64(d/time.Millisecond), "ms")
		stop := tickPhase(m.disp, base, d, nil)
		stalled := e.run(ctx, phase{base: base, deadline: d, period: period}, all)
		stop()
		w.Seconds = time.Since(base).Seconds()
		m.disp.EndPhase("warm-up done")
		if stalled != nil && ctx.Err() == nil {
			return w, fmt.Errorf("the store stalled during the warm-up: %s", describeStall(stalled))
		}
		return w, ctx.Err()
	}
	m.disp.StartPhase(fmt.Sprintf("warm-up %s until steady (%s, at most %s)", name, workersText(n), d), int64(d/time.Millisecond), "ms")
	stopTick := tickPhase(m.disp, base, d, nil)
	e.ivs = newIntervals(n, len(m.wl.OpKinds()))
	stopCollect, collected := make(chan struct{}), make(chan struct{})
	go e.ivs.run(stopCollect, collected)
	// The watcher ends the phase once the intervals so far are steady.
	done, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		seen := 0
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			ivs := e.ivs.final()
			if len(ivs) == seen {
				continue
			}
			seen = len(ivs)
			if ok, reason := steady(ivs); ok {
				w.Steady, w.Reason = true, reason
				e.stop.Store(true)
				return
			}
		}
	}()
	ph := phase{base: base, deadline: d, measure: true, period: period}
	stalled := e.run(ctx, ph, all)
	elapsed := time.Since(base)
	close(done)
	<-watched
	stopTick()
	close(stopCollect)
	<-collected
	w.Seconds = elapsed.Seconds()
	ivs := e.ivs.final()
	for i := range ivs {
		ivs[i].Histogram = ""
	}
	w.Intervals = ivs
	if !w.Steady {
		_, w.Reason = steady(ivs)
	}
	mark := "steady after " + elapsed.Round(time.Second).String()
	if !w.Steady {
		mark = "NOT steady at the " + d.String() + " cap: " + w.Reason
	}
	m.disp.EndPhase("warm-up " + mark)
	if stalled != nil && ctx.Err() == nil {
		return w, fmt.Errorf("the store stalled during the warm-up: %s", describeStall(stalled))
	}
	return w, ctx.Err()
}

// final returns a copy of the intervals finalized so far.
func (iv *intervals) final() []results.Interval {
	iv.lastMu.Lock()
	defer iv.lastMu.Unlock()
	return slices.Clone(iv.finals)
}
