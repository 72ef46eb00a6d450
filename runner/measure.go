package runner

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
)

// measurer runs the warm-up and measured phases of a cell; its workers'
// operation streams continue from one measured phase to the next (the
// steps of a find-max search).
type measurer struct {
	wl    workloads.Workload
	conn  drivers.Conn
	cfg   Config
	shard results.Shard
	disp  Display
	// gens are the operation streams of the pool of workers; the first
	// workers of them run (all of them, unless the ramp chose fewer).
	gens    []workloads.Worker
	workers int
	warmed  bool
	// obj are the latency objectives the ramp holds each step to.
	obj results.Objectives
	// warm and ramp record the warm-up and the capacity ramp; ramp, when
	// set before the first measure, is an earlier repetition's choice.
	warm *results.Warmup
	ramp *results.WorkerRamp
	// start, when set, is the coordinated start of the measured phase.
	start time.Time
	// store and dsn name the cell's store, for faults.
	store, dsn string
	// faults acts on the store's server for cfg.Faults.
	faults FaultInjector
	// sampleEvery is the period of the process samples.
	sampleEvery time.Duration
	// progress, when set, is told about the measured phase in progress.
	progress *cellProgress
	// acks has the workers told their operations' outcomes (for the
	// verify step), in the warm-up and ramp as in the measured phase.
	acks bool
	// live receives the phases and every measured second.
	live liveCell
	// closeConns closes the workers' own connections (conns=worker).
	closeConns func() error
	// serverPID, when set, is the store's server process, measured
	// during each measured phase.
	serverPID int
}

// pool is the number of operation streams a cell needs: the workers, or
// under the capacity ramp the most it may try. Each stream is worker i of
// pool (its writes partitioned accordingly), whichever of them run.
func (c Config) pool() int {
	if c.WorkersRule == results.WorkersAuto {
		return c.WorkersMax
	}
	return c.Workers
}

func newMeasurer(ctx context.Context, wl workloads.Workload, conn drivers.Conn, cfg Config, shard results.Shard, disp Display) (*measurer, error) {
	m := &measurer{wl: wl, conn: conn, cfg: cfg, shard: shard, disp: disp, sampleEvery: DefaultSampleEvery, workers: cfg.pool()}
	n := cfg.pool()
	conns, closeConns, err := drivers.WorkerConns(ctx, conn, shard.Index*n, n)
	m.closeConns = closeConns
	if err != nil {
		return m, err
	}
	m.gens = make([]workloads.Worker, n)
	for i := range m.gens {
		g, err := wl.Worker(conns[i], shard.Index*n+i, shard.Count*n)
		if err != nil {
			return m, err
		}
		m.gens[i] = g
	}
	return m, nil
}

// DefaultSampleEvery is how often a measured phase samples storefit's own
// memory and goroutines (results.Run.Process).
const DefaultSampleEvery = 10 * time.Second

// measure runs the warm-up (and the capacity ramp; the first time only)
// and one measured phase at rate (0: closed loop).
func (m *measurer) measure(ctx context.Context, rate float64) (*results.Run, error) {
	return m.measureFor(ctx, rate, m.cfg.Duration)
}

// measureFor is measure with a measured phase of length d (a find-max
// step extended so every kind its SLO bounds gathers enough operations).
func (m *measurer) measureFor(ctx context.Context, rate float64, d time.Duration) (*results.Run, error) {
	if !m.start.IsZero() {
		if err := m.awaitStart(ctx, m.warmupLength()); err != nil {
			return nil, err
		}
	}
	if !m.warmed {
		m.warmed = true
		m.live.phase("warmup")
		if err := m.prepare(ctx, rate); err != nil {
			return nil, err
		}
	}
	cfg := m.cfg
	cfg.Rate = rate
	cfg.Duration = d
	cfg.Workers = m.workers
	e, period := m.engine(ctx, m.workers, rate)
	return m.measured(ctx, e, cfg, period)
}

// measured runs the measured phase and summarizes it.
func (m *measurer) measured(ctx context.Context, e *engine, cfg Config, period float64) (*results.Run, error) {
	disp := m.disp
	quota := splitQuota(cfg.Ops, e.idTotal)
	e.ivs = newIntervals(cfg.Workers, len(m.wl.OpKinds()))
	e.ivs.live = m.live.collector(m.wl.OpKinds())
	m.live.phase("run")
	total, unit := int64(cfg.Duration/time.Millisecond), "ms"
	if cfg.Duration == 0 {
		total, unit = cfg.Ops/int64(m.shard.Count), "ops"
	}
	label := "run " + m.live.name()
	if cfg.Rate > 0 && cfg.FindMax {
		label += " at " + results.FormatRate(cfg.Rate) + " ops/s"
	}
	disp.StartPhase(label, total, unit)
	stopCollect, collected := make(chan struct{}), make(chan struct{})
	go e.ivs.run(stopCollect, collected)
	// An observing workload resets its counts before the phase's clock starts.
	obs, _ := m.wl.(workloads.Observer)
	if obs != nil {
		obs.BeginMeasure(ctx, m.conn)
	}
	sm, err := startServerMeter(m.serverPID)
	if err != nil {
		return nil, fmt.Errorf("measure the server: %w", err)
	}
	before := readHarness()
	base := time.Now()
	var lag time.Duration
	if !m.start.IsZero() {
		// Every shard counts its schedule and intervals from the same
		// instant; how late this one really began is kept as its lag.
		// (A cancelled wait ends the phase at once: e.run sees ctx.)
		_ = sleepUntil(ctx, m.start)
		base = m.start
		lag = time.Since(base)
	}
	ph := phase{base: base, deadline: cfg.Duration, measure: true, period: period}
	m.progress.measuring(ph.base, e)
	sampler := startSampler(ph.base, m.sampleEvery)
	var faults *faultRun
	if len(cfg.Faults) > 0 && m.faults != nil {
		e.rideOut = true
		faults = startFaults(ctx, m.faults, cfg.Faults, m.store, m.dsn, ph.base, disp)
	}
	stop := tickPhase(disp, ph.base, cfg.Duration, e)
	st := e.run(ctx, ph, quota)
	elapsed := time.Since(ph.base)
	after := readHarness()
	var server *results.Server
	var serverErr error
	if sm != nil {
		server, serverErr = sm.finish(elapsed)
	}
	var figures map[string]float64
	if obs != nil {
		figures = obs.EndMeasure(ctx, m.conn)
	}
	stop()
	close(stopCollect)
	<-collected
	for _, w := range e.workers {
		e.ivs.submit(w.id, w.ivIdx, w.ivIdx+1, w.iv)
	}
	run, err := e.summarize(ph, quota, elapsed)
	m.progress.measuring(time.Time{}, nil)
	if err != nil {
		return nil, err
	}
	run.MeasuredStart = ph.base.UTC()
	if !m.start.IsZero() {
		run.StartAt = m.start.UTC()
		run.StartLagUs = float64(lag) / 1e3
	}
	run.Figures = figures
	run.Intervals = e.ivs.close(elapsed)
	run.Trend = run.SteadinessTrend()
	run.Process = sampler.stop()
	if faults != nil {
		run.Faults = faults.finish(run.Intervals)
	}
	if period > 0 {
		run.IntendedRate = cfg.Rate / float64(m.shard.Count)
	}
	run.Harness = harnessOf(before, after, elapsed)
	if h := run.Harness; h != nil && run.Ops+run.Errors > 0 {
		h.CPUMicrosPerOp = (h.UserSeconds + h.SystemSeconds) * 1e6 / float64(run.Ops+run.Errors)
	}
	if server != nil {
		server.PerOp(run.Ops)
		run.Server = server
	}
	if st != nil {
		run.Stalled = &results.Stall{Ops: st.ops, OldestSeconds: st.oldest.Seconds(), AfterSeconds: st.after.Seconds()}
	}
	disp.EndPhase(fmt.Sprintf("%s in %.2f s: %s ops/s, %s", results.Plural(run.Ops, "op"), run.Seconds, results.FormatRate(run.OpsPerSec), results.Plural(run.Errors, "error")))
	if err := m.verdict(ctx, e, run, st); err != nil {
		return run, err
	}
	if serverErr != nil {
		return run, fmt.Errorf("measure the server: %w", serverErr)
	}
	return run, nil
}

// verdict returns why a measured run is not a figure to rank: interrupted,
// stalled, cut short because the store stopped answering, or mostly
// failed; nil when it is.
func (m *measurer) verdict(ctx context.Context, e *engine, run *results.Run, st *stall) error {
	switch {
	case ctx.Err() != nil && st != nil:
		return fmt.Errorf("%w; %s", ctx.Err(), describeStall(st))
	case ctx.Err() != nil:
		return ctx.Err()
	case st != nil:
		return &StallError{What: describeStall(st)}
	}
	if r := e.aborted.Load(); r != nil {
		return fmt.Errorf("%s%s", *r, firstSample(run))
	}
	if total := run.Ops + run.Errors; total > 0 && float64(run.Errors)/float64(total) > mostlyFailed {
		return fmt.Errorf("%d of %d operations failed%s", run.Errors, total, firstSample(run))
	}
	return nil
}

// StallError reports a measured phase that could not end on time because
// operations were still in flight after their grace period.
type StallError struct{ What string }

func (e *StallError) Error() string {
	return "the store stalled: " + e.What + "; the phase could not end on time, so its figures are not a complete measurement"
}

// describeStall says what a phase abandoned.
func describeStall(st *stall) string {
	ops := "1 operation was"
	if st.ops != 1 {
		ops = fmt.Sprintf("%d operations were", st.ops)
	}
	when := "the end of the phase"
	if st.interrupted {
		when = "the interruption"
	}
	return fmt.Sprintf("%s still in flight %.1f s after %s (the oldest for %.1f s) and were abandoned", ops, st.after.Seconds(), when, st.oldest.Seconds())
}

// harnessSample is what the harness figures of a phase are computed from.
type harnessSample struct {
	user, system time.Duration
	cpuOK        bool
	delay        time.Duration
	delayOK      bool
	busy         time.Duration
	busyOK       bool
}

func readHarness() harnessSample {
	var h harnessSample
	h.user, h.system, h.cpuOK = processCPU()
	h.delay, h.delayOK = runDelay()
	h.busy, h.busyOK = machineBusy()
	return h
}

// harnessOf returns storefit's own resource use between two samples, nil
// where the CPU time cannot be measured.
func harnessOf(a, b harnessSample, elapsed time.Duration) *results.Harness {
	if !a.cpuOK || !b.cpuOK || elapsed <= 0 {
		return nil
	}
	h := &results.Harness{UserSeconds: (b.user - a.user).Seconds(), SystemSeconds: (b.system - a.system).Seconds(), GOMAXPROCS: runtime.GOMAXPROCS(0)}
	h.Cores = (h.UserSeconds + h.SystemSeconds) / elapsed.Seconds()
	h.Utilization = h.Cores / float64(h.GOMAXPROCS)
	if a.delayOK && b.delayOK && b.delay >= a.delay {
		h.RunDelaySeconds = (b.delay - a.delay).Seconds()
	}
	h.LoadAverage, _ = loadAverage()
	if a.busyOK && b.busyOK {
		// /proc/stat ticks at 10 ms: clamp the rounding below zero.
		other := max(0, ((b.busy-a.busy).Seconds()-h.UserSeconds-h.SystemSeconds)/elapsed.Seconds())
		h.OtherCores = &other
	}
	h.CPUs = runtime.NumCPU()
	return h
}

// sampler samples storefit's own memory and goroutines during a phase.
type sampler struct {
	base    time.Time
	done    chan struct{}
	wg      sync.WaitGroup
	samples []results.ProcessSample
}

// startSampler samples now and every period after base until stop.
func startSampler(base time.Time, period time.Duration) *sampler {
	s := &sampler{base: base, done: make(chan struct{})}
	s.sample()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
				s.sample()
			}
		}
	}()
	return s
}

// heapMetric is the Go heap in use (objects, live or not yet swept).
const heapMetric = "/memory/classes/heap/objects:bytes"

func (s *sampler) sample() {
	ps := results.ProcessSample{T: time.Since(s.base).Seconds(), Goroutines: runtime.NumGoroutine()}
	ps.RSSBytes, _ = residentBytes()
	m := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(m)
	if m[0].Value.Kind() == metrics.KindUint64 {
		ps.HeapBytes = m[0].Value.Uint64()
	}
	s.samples = append(s.samples, ps)
}

// stop takes a last sample and returns them all.
func (s *sampler) stop() []results.ProcessSample {
	close(s.done)
	s.wg.Wait()
	s.sample()
	return s.samples
}
