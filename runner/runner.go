// Package runner executes a plan of cells — (workload, store, settings) —
// through the phases setup → load → validate → warm-up → measured run, and
// returns the result document.
//
// The runner, never a driver, times every operation. Each worker records into
// its own HdrHistograms (one per operation kind, plus one per one-second
// interval), merged once at the end, so the per-operation path takes no lock
// and allocates nothing. Closed loop runs N workers as fast as the store
// answers; open loop paces each worker to its share of a target rate and
// measures latency from the intended start time (coordinated omission
// corrected, as wrk2 does), keeping the uncorrected service time beside it.
//
// Cancelling the context (Ctrl-C in the CLI) stops the run within a second:
// in-flight operations are cancelled, and Run returns the result so far with
// Complete false.
package runner

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
)

// Config holds the runner settings of a cell.
type Config struct {
	// Workers is the number of concurrent workers (default 1).
	Workers int
	// Rate is the target total rate in operations per second; 0 runs a
	// closed loop.
	Rate float64
	// Duration bounds the measured phase; 0 means no time limit (Ops must
	// then be set).
	Duration time.Duration
	// Ops bounds the number of measured operations over all workers; 0
	// means no count limit.
	Ops int64
	// Warmup is run before the measured phase and discarded.
	Warmup time.Duration
	// Timeout bounds each operation; 0 means no per-operation timeout.
	Timeout time.Duration
	// Loaders is the number of concurrent loaders (default: number of CPUs,
	// at most 8).
	Loaders int
}

// DefaultLoaders is the load parallelism used when Config.Loaders is 0.
func DefaultLoaders() int { return min(runtime.NumCPU(), 8) }

// Validate checks the settings and fills defaults.
func (c *Config) Validate() error {
	if c.Workers == 0 {
		c.Workers = 1
	}
	if c.Loaders == 0 {
		c.Loaders = DefaultLoaders()
	}
	switch {
	case c.Workers < 0 || c.Workers > 10000:
		return fmt.Errorf("workers must be in 1..10000, not %d", c.Workers)
	case c.Loaders < 0 || c.Loaders > 1024:
		return fmt.Errorf("loaders must be in 1..1024, not %d", c.Loaders)
	case c.Rate < 0:
		return fmt.Errorf("rate must not be negative")
	case c.Duration < 0 || c.Warmup < 0 || c.Timeout < 0:
		return fmt.Errorf("durations must not be negative")
	case c.Ops < 0:
		return fmt.Errorf("ops must not be negative")
	case c.Duration == 0 && c.Ops == 0:
		return fmt.Errorf("set a duration or an operation count")
	}
	if c.Rate > 0 && c.Rate/float64(c.Workers) > 5e6 {
		return fmt.Errorf("rate %.0f ops/s is more than 5M ops/s per worker; add workers", c.Rate)
	}
	return nil
}

// Cell is one (workload, store, settings) combination to run.
type Cell struct {
	Workload string
	Params   workloads.Params
	Store    string
	DSN      string
	Config   Config
}

// Plan is what one run executes.
type Plan struct {
	// Suite names the suite file, if any, for the result.
	Suite string
	Cells []Cell
}

// Options are the runner's connections to the outside.
type Options struct {
	// Display shows progress; nil shows nothing.
	Display Display
	// Checkpoint, when set, is called with the result so far after every
	// cell, so a crash loses at most the cell in progress.
	Checkpoint func(*results.Result) error
	// Tool identifies this build in the result.
	Tool results.Tool
}

// ErrInterrupted is returned (wrapped) when the context is cancelled during
// a run; the result returned with it is partial.
var ErrInterrupted = errors.New("run interrupted")

// Run executes plan. It returns the result document even on error: with
// Complete false and the cells done so far when interrupted. A cell that
// fails (unreachable store, failing load) is recorded as failed and the run
// goes on with the next cell.
func Run(ctx context.Context, plan Plan, opts Options) (*results.Result, error) {
	if opts.Display == nil {
		opts.Display = nopDisplay{}
	}
	res := &results.Result{
		SchemaVersion: results.SchemaVersion,
		Tool:          opts.Tool,
		StartedAt:     time.Now().UTC(),
		Environment:   results.CurrentEnvironment(),
		Suite:         plan.Suite,
		Cells:         []results.Cell{},
	}
	var runErr error
	for i, cell := range plan.Cells {
		opts.Display.Logf("[%d/%d] %s on %s", i+1, len(plan.Cells), cell.Workload, cell.Store)
		rc := runCell(ctx, cell, opts.Display)
		res.Cells = append(res.Cells, rc)
		if ctx.Err() != nil {
			runErr = fmt.Errorf("%w during %s on %s", ErrInterrupted, cell.Workload, cell.Store)
			break
		}
		if opts.Checkpoint != nil && i < len(plan.Cells)-1 {
			res.FinishedAt = time.Now().UTC()
			res.Interrupted = "in progress"
			if err := opts.Checkpoint(res); err != nil {
				return res, err
			}
		}
	}
	res.FinishedAt = time.Now().UTC()
	res.Complete = runErr == nil
	res.Interrupted = ""
	if runErr != nil {
		res.Interrupted = "interrupted by the user"
	}
	return res, runErr
}

// runCell runs one cell through all its phases and never fails: errors are
// recorded in the cell.
func runCell(ctx context.Context, cell Cell, disp Display) (rc results.Cell) {
	cfg := cell.Config
	rc = results.Cell{
		Workload: cell.Workload,
		Store:    cell.Store,
		DSN:      drivers.RedactDSN(cell.DSN),
		Seed:     cell.Params.Seed,
		Scale:    string(cell.Params.Scale),
		Status:   results.StatusOK,
	}
	fail := func(err error) results.Cell {
		switch {
		case ctx.Err() != nil:
			rc.Status = results.StatusInterrupted
		case errors.Is(err, drivers.ErrUnsupported):
			rc.Status = results.StatusNA
		default:
			rc.Status = results.StatusFailed
		}
		rc.Error = err.Error()
		return rc
	}
	if err := cfg.Validate(); err != nil {
		return fail(err)
	}
	rc.Params = results.RunParams{
		Workers: cfg.Workers, Rate: cfg.Rate, DurationSeconds: cfg.Duration.Seconds(), Ops: cfg.Ops,
		WarmupSeconds: cfg.Warmup.Seconds(), TimeoutSeconds: cfg.Timeout.Seconds(), Loaders: cfg.Loaders,
	}
	wl, err := workloads.New(cell.Workload, cell.Params)
	if err != nil {
		return fail(err)
	}
	rc.Pattern = wl.Pattern()
	rc.Settings = wl.Settings()

	conn, err := drivers.Open(ctx, cell.Store, cell.DSN)
	if err != nil {
		return fail(err)
	}
	defer func() {
		if err := conn.Close(); err != nil && rc.Error == "" {
			rc.Error = fmt.Sprintf("close %s: %v", cell.Store, err)
		}
	}()
	rc.StoreVersion = drivers.Version(ctx, conn)
	if !workloads.Supports(conn, wl.Pattern()) {
		return fail(fmt.Errorf("%s does not support the %s pattern: %w", cell.Store, wl.Pattern(), drivers.ErrUnsupported))
	}
	// Ask for a worker first: a store that lacks an operation of the mix
	// is n/a before anything is loaded.
	if _, err := wl.Worker(conn, 0, cfg.Workers); err != nil {
		return fail(err)
	}

	// Setup and load.
	t0 := time.Now()
	if err := wl.Setup(ctx, conn); err != nil {
		return fail(err)
	}
	setup := time.Since(t0)
	load, err := loadAll(ctx, wl, conn, cfg.Loaders, disp)
	load.SetupSeconds = setup.Seconds()
	rc.Load = &load
	if err != nil {
		return fail(err)
	}

	// Validate.
	rc.Validation = validate(ctx, wl, conn, disp)
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}

	// Warm up and run.
	run, err := measure(ctx, wl, conn, cfg, disp)
	rc.Run = run
	if err != nil {
		return fail(err)
	}
	return rc
}

type progress struct{ n atomic.Int64 }

func (p *progress) Add(rows int64) { p.n.Add(rows) }

// loadAll runs the load phase with n concurrent loaders.
func loadAll(ctx context.Context, wl workloads.Workload, conn drivers.Conn, n int, disp Display) (results.Load, error) {
	total := wl.Records()
	var p progress
	disp.StartPhase("load "+wl.Name(), total, "rows")
	t0 := time.Now()
	stopTick := make(chan struct{})
	var tickWG sync.WaitGroup
	tickWG.Add(1)
	go func() {
		defer tickWG.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopTick:
				return
			case <-t.C:
				done := p.n.Load()
				disp.Update(done, fmt.Sprintf("%s rows/s", results.FormatRate(float64(done)/time.Since(t0).Seconds())))
			}
		}
	}()
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := wl.Load(lctx, conn, i, n, &p); err != nil {
				errs[i] = err
				cancel() // one failing loader stops the others
			}
		}()
	}
	wg.Wait()
	finishErr := error(nil)
	if f, ok := wl.(workloads.Finisher); ok && lctx.Err() == nil {
		disp.Update(p.n.Load(), "finishing (indexes)")
		finishErr = f.FinishLoad(lctx, conn)
	}
	close(stopTick)
	tickWG.Wait()
	el := time.Since(t0)
	l := results.Load{Rows: p.n.Load(), Seconds: el.Seconds(), Loaders: n}
	if el > 0 {
		l.RowsPerSec = float64(l.Rows) / el.Seconds()
		if vc, ok := wl.(workloads.ValueCounter); ok {
			l.ValuesPerSec = l.RowsPerSec * vc.ValuesPerRow()
		}
	}
	disp.EndPhase(fmt.Sprintf("loaded %d rows in %.2f s (%s rows/s)", l.Rows, l.Seconds, results.FormatRate(l.RowsPerSec)))
	// Report the root cause, not the cancellations it caused.
	var first error
	for _, err := range errs {
		if err != nil && (first == nil || errors.Is(first, context.Canceled)) {
			first = err
		}
	}
	if first != nil {
		return l, fmt.Errorf("load: %w", first)
	}
	if finishErr != nil {
		return l, fmt.Errorf("load: %w", finishErr)
	}
	return l, nil
}

func validate(ctx context.Context, wl workloads.Workload, conn drivers.Conn, disp Display) *results.Validation {
	if drivers.DiscardsData(conn) {
		return &results.Validation{Status: results.ValidationSkipped, Reason: "store keeps no data"}
	}
	t0 := time.Now()
	v, err := wl.Validate(ctx, conn)
	out := &results.Validation{
		Status: results.ValidationPassed, Checks: v.Checks, Failed: v.Failed, Failures: v.Failures,
		Figures: v.Figures, Seconds: time.Since(t0).Seconds(),
	}
	if err != nil {
		out.Status = results.ValidationFailed
		out.Reason = err.Error()
	} else if !v.OK() {
		out.Status = results.ValidationFailed
	}
	mark := "passed"
	if out.Status != results.ValidationPassed {
		mark = "FAILED"
	}
	disp.Logf("validation %s: %d checks, %d failed", mark, out.Checks, out.Failed)
	return out
}

// measure runs the warm-up and the measured phase.
func measure(ctx context.Context, wl workloads.Workload, conn drivers.Conn, cfg Config, disp Display) (*results.Run, error) {
	gens := make([]workloads.Worker, cfg.Workers)
	for i := range gens {
		g, err := wl.Worker(conn, i, cfg.Workers)
		if err != nil {
			return nil, err
		}
		gens[i] = g
	}
	e := newEngine(ctx, cfg, wl.OpKinds(), gens)
	period := 0.0
	if cfg.Rate > 0 {
		period = 1e9 * float64(cfg.Workers) / cfg.Rate
	}
	if cfg.Warmup > 0 {
		disp.StartPhase("warm-up "+wl.Name(), int64(cfg.Warmup/time.Millisecond), "ms")
		stop := tickPhase(disp, time.Now(), cfg.Warmup, nil)
		e.run(ctx, phase{base: time.Now(), deadline: cfg.Warmup, period: period}, splitQuota(0, cfg.Workers))
		stop()
		disp.EndPhase("warm-up done")
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		e.reset()
	}
	e.ivs = newIntervals(cfg.Workers)
	total := int64(cfg.Duration / time.Millisecond)
	unit := "ms"
	if cfg.Duration == 0 {
		total, unit = cfg.Ops, "ops"
	}
	disp.StartPhase("run "+wl.Name(), total, unit)
	stopCollect, collected := make(chan struct{}), make(chan struct{})
	go e.ivs.run(stopCollect, collected)
	base := time.Now()
	stop := tickPhase(disp, base, cfg.Duration, e)
	e.run(ctx, phase{base: base, deadline: cfg.Duration, measure: true, period: period}, splitQuota(cfg.Ops, cfg.Workers))
	elapsed := time.Since(base)
	stop()
	close(stopCollect)
	<-collected
	for _, w := range e.workers {
		e.ivs.submit(w.id, w.ivIdx, w.ivIdx+1, w.ivHist, w.ivOps, w.ivErrs)
	}
	run, err := e.summarize(elapsed)
	if err != nil {
		return nil, err
	}
	run.Intervals = e.ivs.close(elapsed)
	disp.EndPhase(fmt.Sprintf("%s ops in %.2f s: %s ops/s, %d errors", results.FormatCount(run.Ops), run.Seconds, results.FormatRate(run.OpsPerSec), run.Errors))
	if ctx.Err() != nil {
		return run, ctx.Err()
	}
	return run, nil
}

// tickPhase updates the display every 250 ms until the returned stop is
// called: with elapsed time (or completed operations when the phase has no
// duration) and, when e is set, the live rate and latest interval.
func tickPhase(disp Display, base time.Time, d time.Duration, e *engine) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			el := time.Since(base)
			cur := int64(el / time.Millisecond)
			detail := ""
			if e != nil {
				ops := e.completed()
				if d == 0 {
					cur = ops
				}
				iv := e.ivs.latest()
				detail = fmt.Sprintf("%s ops/s avg", results.FormatRate(float64(ops)/el.Seconds()))
				if iv.Ops > 0 || iv.Errors > 0 {
					detail += fmt.Sprintf(" | last s: %s ops/s p50 %s p99 %s µs, %d errors", results.FormatRate(iv.OpsPerSec), results.FormatMicros(iv.P50Us), results.FormatMicros(iv.P99Us), iv.Errors)
				}
			}
			disp.Update(cur, detail)
		}
	}()
	return func() { close(done); wg.Wait() }
}
