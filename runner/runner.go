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
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
)

// Config holds the runner settings of a cell.
type Config struct {
	// Workers is the number of concurrent workers (default 1); under
	// WorkersRule auto, the ramp chooses it.
	Workers int
	// WorkersRule is "" (Workers as given), results.WorkersLow (two
	// workers: latency at low load) or results.WorkersAuto: the capacity
	// ramp (see ramp) chooses the count, at most WorkersMax.
	WorkersRule string
	// WorkersMax bounds the capacity ramp (default DefaultWorkersMax).
	WorkersMax int
	// Rate is the target total rate in operations per second; 0 runs a
	// closed loop.
	Rate float64
	// Duration bounds the measured phase; 0 means no time limit (Ops must
	// then be set).
	Duration time.Duration
	// Ops bounds the number of measured operations over all workers; 0
	// means no count limit.
	Ops int64
	// Warmup is run before the measured phase and discarded: for this
	// long under WarmupMode fixed.
	Warmup time.Duration
	// WarmupMode is results.WarmupAuto (run until throughput and p99 are
	// steady, see steady, at most WarmupMax), results.WarmupFixed or ""
	// (run Warmup), or WarmupByStore: auto on server stores, Warmup on
	// embedded ones (the command line's and suites' default).
	WarmupMode string
	// WarmupMax caps an automatic warm-up (default DefaultWarmupMax).
	WarmupMax time.Duration
	// Timeout bounds each operation; 0 means no per-operation timeout.
	Timeout time.Duration
	// Loaders is the number of concurrent loaders (default: number of CPUs,
	// at most 8).
	Loaders int
	// FindMax replaces the single measured run by a search for the highest
	// open-loop rate that meets SLO (see findMax); it chooses the rates
	// itself, so Rate must be 0.
	FindMax bool
	// SLO is the latency objective of FindMax: bounds on every operation
	// together and per operation kind.
	SLO results.SLO
	// MaxLoad, when positive, is the load phase's budget: a cell whose load
	// is estimated to take longer (at a rate measured earlier, see
	// History) is not loaded, and a load still running when it is spent is
	// stopped; either way the cell fails with ErrOverBudget.
	MaxLoad time.Duration
	// MaxStep is the longest a find-max step may run so that every kind
	// the SLO bounds gathers enough operations for its percentile (0: 10 ×
	// Duration); a rate that would need longer is refused, not judged.
	MaxStep time.Duration
	// Faults are injected into the server of the cell's store during the
	// measured phase (Options.Faults acts on it).
	Faults []Fault
}

// DefaultLoaders is the load parallelism used when Config.Loaders is 0.
func DefaultLoaders() int { return min(runtime.NumCPU(), 8) }

// WarmupByStore is the warm-up mode that picks auto for server stores and
// the fixed Warmup for embedded ones (Config.WarmupMode).
const WarmupByStore = "by-store"

// Defaults of the automatic warm-up and worker count.
const (
	// DefaultWarmupMax caps an automatic warm-up: two minutes, what a
	// JVM server's just-in-time compiler took here to reach steady
	// throughput after a start (Neo4j, OpenSearch).
	DefaultWarmupMax = 2 * time.Minute
	// DefaultWorkersMax bounds the capacity ramp.
	DefaultWorkersMax = 64
)

// Validate checks the settings and fills defaults: Workers 0 (the zero
// Config) means 1. (Suites and the command line refuse 0 workers given
// explicitly, see Suite.Plan.)
func (c *Config) Validate() error {
	switch c.WorkersRule {
	case "":
		if c.Workers == 0 {
			c.Workers = 1
		}
	case results.WorkersLow:
		c.Workers = results.LowLoadWorkers
	case results.WorkersAuto:
		if c.WorkersMax == 0 {
			c.WorkersMax = DefaultWorkersMax
		}
		if c.WorkersMax < 1 || c.WorkersMax > 4096 {
			return fmt.Errorf("workers-max must be in 1..4096, not %d", c.WorkersMax)
		}
		if c.Rate > 0 {
			return errors.New("workers auto finds the closed-loop capacity: give an open-loop rate a worker count (--workers N)")
		}
	default:
		return fmt.Errorf("workers %q: give a number, auto or low", c.WorkersRule)
	}
	switch c.WarmupMode {
	case "", results.WarmupFixed, WarmupByStore:
	case results.WarmupAuto:
		if c.WarmupMax == 0 {
			c.WarmupMax = DefaultWarmupMax
		}
	default:
		return fmt.Errorf("warmup mode %q: give a duration or auto", c.WarmupMode)
	}
	if c.WarmupMax == 0 {
		c.WarmupMax = DefaultWarmupMax
	}
	if c.Loaders == 0 {
		c.Loaders = DefaultLoaders()
	}
	switch {
	case c.WarmupMax < 0:
		return fmt.Errorf("durations must not be negative")
	case c.WorkersRule != results.WorkersAuto && (c.Workers < 0 || c.Workers > 10000):
		return fmt.Errorf("workers must be in 1..10000, not %d", c.Workers)
	case c.Loaders < 0 || c.Loaders > 1024:
		return fmt.Errorf("loaders must be in 1..1024, not %d", c.Loaders)
	case c.Rate < 0:
		return fmt.Errorf("rate must not be negative")
	case c.Duration < 0 || c.Warmup < 0 || c.Timeout < 0 || c.MaxLoad < 0:
		return fmt.Errorf("durations must not be negative")
	case c.Ops < 0:
		return fmt.Errorf("ops must not be negative")
	case c.Duration == 0 && c.Ops == 0:
		return fmt.Errorf("set a duration or an operation count")
	case c.FindMax && c.SLO.IsZero():
		return fmt.Errorf("find-max needs an SLO (e.g. p99=10ms)")
	case c.FindMax && c.Duration == 0:
		return fmt.Errorf("find-max needs a duration per step, not an operation count")
	case c.MaxStep < 0:
		return fmt.Errorf("max-step must not be negative")
	case c.FindMax && c.Rate > 0:
		return fmt.Errorf("find-max chooses the open-loop rates itself: drop the rate (%s ops/s)", results.FormatRate(c.Rate))
	}
	if c.Rate > 0 && c.Rate/float64(c.Workers) > 5e6 {
		return fmt.Errorf("rate %.0f ops/s is more than 5M ops/s per worker; add workers", c.Rate)
	}
	return c.checkFaults()
}

// Cell is one (workload, store, settings) combination to run.
type Cell struct {
	Workload string
	Params   workloads.Params
	Store    string
	DSN      string
	Config   Config
	// Thresholds are checked on the cell's measured run; their outcomes
	// are recorded in the result's cell.
	Thresholds []results.Threshold
	// ServerPID, when set, is the store's server process: its tree's CPU
	// time and memory during each measured phase go into the result
	// (results.Server).
	ServerPID int
}

// Plan is what one run executes.
type Plan struct {
	// Suite names the suite file, if any, for the result.
	Suite string
	Cells []Cell
	// Repeat runs every cell this many times (default 1), interleaved:
	// all cells once, then all cells again, so slow drift of the machine
	// spreads over every cell instead of biasing the last ones. Every
	// repetition is a cell of the result, numbered by Cell.Repetition.
	Repeat int
	// Shard, when Count > 1, runs only shard Index of Count of the plan:
	// its share of the load parts and of the workers (see results.Shard).
	Shard results.Shard
	// Phase selects the phases to run: PhaseAll (also ""), PhaseLoad or
	// PhaseRun, so the data of a sharded run is loaded once and measured
	// as often as wanted.
	Phase string
	// SkipValidation skips the validate phase: the cells are then
	// "unvalidated — not ranked". By default every run validates — a run
	// phase the data an earlier load phase left (all of it: every shard's
	// load phase has finished by then), a shard of a full run its own
	// share (see workloads.ShareValidator).
	SkipValidation bool
	// Objectives are latency objectives for ranking (a suite's), recorded
	// in the result for pick and the reports.
	Objectives []results.Objective
	// StartAt, when set, is the wall-clock instant the measured phase of
	// the first cell starts, so the shards of a plan, started at different
	// times on different machines, measure side by side. Each cell warms up
	// just before its start; a cell that is ready more than StartTolerance
	// after it fails. The measured phase of the k-th cell run starts at
	// StartAt + k·StartEvery.
	StartAt time.Time
	// StartEvery is the time between the coordinated starts of consecutive
	// cells (required with StartAt when the plan runs more than one cell).
	StartEvery time.Duration
}

// ShardLoaders is the default number of loaders of a sharded run. The load
// parts of every shard must be cut the same way on every machine, so a
// sharded run does not default to the machine's CPU count.
const ShardLoaders = 4

// Check reports what makes a plan impossible to run: a shard index out of
// range, a negative repeat count, or find-max in a sharded run (the shards
// would search for different rates).
func (p Plan) Check() error {
	if p.Repeat < 0 {
		return fmt.Errorf("repeat must not be negative, not %d", p.Repeat)
	}
	if p.Shard.Count < 0 || (p.Shard.Count > 0 && (p.Shard.Index < 0 || p.Shard.Index >= p.Shard.Count)) {
		return fmt.Errorf("shard %s: use i/n with 0 <= i < n", p.Shard)
	}
	if p.sharded() {
		for _, c := range p.Cells {
			if c.Config.FindMax {
				return errors.New("find-max cannot run sharded: the shards would search for different rates")
			}
			if c.Config.WorkersRule == results.WorkersAuto {
				return errors.New("workers auto cannot run sharded: the shards would choose different counts (give --workers N)")
			}
		}
	}
	if !p.StartAt.IsZero() {
		for _, c := range p.Cells {
			if c.Config.WorkersRule == results.WorkersAuto {
				return errors.New("workers auto cannot run with --start-at: its ramp takes an unknown time before the coordinated start (give --workers N)")
			}
		}
	}
	return p.checkPhase()
}

// CheckShardedStores refuses a sharded plan that would load an embedded
// store shard by shard: each shard's process would load its share into a
// store of its own, and every shard would then miss the others' records.
// The run phase of data loaded whole before is fine, and so is a store that
// keeps nothing. (Run does not call it: tests simulate the shards of a plan
// in one process.)
func (p Plan) CheckShardedStores() error {
	if !p.sharded() || p.Phase == PhaseRun {
		return nil
	}
	for _, c := range p.Cells {
		info, ok := drivers.Describe(c.Store)
		if !ok || !info.Embedded || (info.Conn != nil && drivers.DiscardsData(info.Conn)) {
			continue
		}
		return fmt.Errorf("%s is an embedded store: each shard would load only its share into a store of its own, and miss the other shards' records; shard a run against a server store, or load an embedded store once, unsharded, with a DSN path (--phase load) and shard only --phase run", c.Store)
	}
	return nil
}

// sharded reports whether the plan runs one shard of several.
func (p Plan) sharded() bool { return p.Shard.Count > 1 }

// Options are the runner's connections to the outside.
type Options struct {
	// Display shows progress; nil shows nothing.
	Display Display
	// Checkpoint, when set, is called with the result so far when the run
	// starts and after every cell but the last, so a crash loses at most
	// the cell in progress. A failing checkpoint stops the run.
	Checkpoint func(*results.Result) error
	// Tool identifies this build in the result.
	Tool results.Tool
	// History holds load figures measured earlier (result files), from
	// which the runner estimates a load's cost before starting it; the
	// run adds its own cells as it goes. Nil starts an empty one.
	History *History
	// RunID identifies the run in its result (results.Result.RunID).
	RunID string
	// Progress, when set, holds the result while the run runs, for a
	// caller that must write it before Run returns (Progress.Snapshot).
	Progress *Progress
	// Faults acts on the servers of the plan's stores; required when a
	// cell has faults.
	Faults FaultInjector
	// SampleEvery is the period of the process samples of measured phases
	// (0: DefaultSampleEvery).
	SampleEvery time.Duration
	// Live, when set, receives the run's figures as it goes (phases, load
	// progress, every measured second per operation kind).
	Live Live
}

// ErrInterrupted is returned (wrapped) when the context is cancelled during
// a run; the result returned with it is partial.
var ErrInterrupted = errors.New("run interrupted")

// cellGrace is how long a cell gets, once the run is cancelled, to finish
// what it is doing (the measured phase abandons its operations after
// interruptGrace) and close its store, before it is abandoned and its
// progress so far recorded: a stalled store must not hold Ctrl-C up.
const cellGrace = 1500 * time.Millisecond

// Run executes plan. It returns the result document even on error: with
// Complete false and the cells done so far when interrupted. Only a plan
// that fails Check returns no result, before anything runs. A cell that
// fails (unreachable store, failing load) is recorded as failed and the run
// goes on with the next cell.
//
// Cancelling ctx stops the run within about two seconds whatever the store
// does: operations still in flight after half a second are abandoned, and a
// cell still busy after cellGrace (a driver stuck closing a connection to
// a stalled server) is abandoned with what it measured. The cancellation's
// cause (context.WithCancelCause) says why in the result; a plain cancel
// reads "interrupted". Every string of the result and of the display is
// scrubbed of the secrets of the plan's DSNs and of $STOREFIT_*_DSN.
func Run(ctx context.Context, plan Plan, opts Options) (*results.Result, error) {
	if err := plan.Check(); err != nil {
		return nil, err
	}
	if plan.hasFaults() && opts.Faults == nil {
		return nil, errors.New("the plan injects faults, but no fault injector was given")
	}
	red := plan.Redactor()
	disp := &guardedDisplay{d: opts.Display, red: red}
	if disp.d == nil {
		disp.d = nopDisplay{}
	}
	defer disp.close()
	opts.Display = disp
	if opts.Progress == nil {
		opts.Progress = &Progress{}
	}
	if opts.History == nil {
		opts.History = NewHistory(nil)
	}
	plan = plan.withDefaults()
	res := newResult(plan, opts)
	live := opts.Progress
	live.begin(res, red)
	checkpoint := func() error {
		if opts.Checkpoint == nil {
			return nil
		}
		live.update(func(r *results.Result) { r.FinishedAt, r.Interrupted = time.Now().UTC(), "in progress" })
		return opts.Checkpoint(res)
	}
	if err := checkpoint(); err != nil {
		return res, err
	}
	var runErr error
	total := plan.Repeat * len(plan.Cells)
	done := 0
	// The worker count a cell's first repetition found (workers auto),
	// kept for its later repetitions so they all measure the same thing.
	ramps := make([]*results.WorkerRamp, len(plan.Cells))
run:
	for rep := 1; rep <= plan.Repeat; rep++ {
		for ci, cell := range plan.Cells {
			done++
			disp.Logf("%s", plan.cellLabel(cell, done, total, rep))
			lc := liveCell{sink: opts.Live, cell: LiveCell{Workload: cell.Workload, Store: cell.Store}}
			rc := runBounded(ctx, cell, plan, plan.cellStart(done-1), ramps[ci], opts, live, lc)
			lc.phase("done")
			if plan.Repeat > 1 {
				rc.Repetition = rep
			}
			if ramps[ci] == nil && rc.Ramp != nil && rc.Status == results.StatusOK {
				ramps[ci] = &results.WorkerRamp{Workers: rc.Ramp.Workers, Max: rc.Ramp.Max, Gain: rc.Ramp.Gain,
					Reason: "the count repetition " + fmt.Sprint(max(rep, 1)) + "'s ramp chose", FromRepetition: max(rep, 1)}
			}
			rc.Redact(red.Redact)
			opts.History.Add(&rc)
			live.endCell(rc)
			if ctx.Err() != nil {
				runErr = fmt.Errorf("%w during %s on %s (%s)", ErrInterrupted, cell.Workload, cell.Store, InterruptReason(ctx))
				break run
			}
			if done < total {
				if err := checkpoint(); err != nil {
					return res, err
				}
			}
		}
	}
	live.update(func(r *results.Result) { finish(ctx, r, runErr) })
	return res, runErr
}

// finish marks the result of a run that ended: complete, unless it was
// interrupted or a store stalled.
func finish(ctx context.Context, r *results.Result, runErr error) {
	r.FinishedAt = time.Now().UTC()
	r.Complete = runErr == nil
	r.Interrupted = ""
	if runErr != nil {
		r.Interrupted = InterruptReason(ctx)
		return
	}
	var stalls []string
	for _, c := range r.Cells {
		if c.Run != nil && c.Run.Stalled != nil {
			stalls = append(stalls, fmt.Sprintf("%s on %s", c.Workload, c.Store))
		}
	}
	if len(stalls) > 0 {
		r.Complete = false
		r.Interrupted = "the store stalled at the end of the measured phase of " + strings.Join(stalls, ", ") + ": operations still in flight were abandoned (see the cells)"
	}
}

// InterruptReason says why ctx was cancelled: its cause
// (context.WithCancelCause), or "interrupted".
func InterruptReason(ctx context.Context) string {
	cause := context.Cause(ctx)
	switch {
	case cause == nil:
		return ""
	case cause == context.Canceled:
		return "interrupted"
	case errors.Is(cause, context.DeadlineExceeded):
		return "interrupted: its deadline passed"
	}
	return cause.Error()
}

// withDefaults returns the plan with its defaults filled in.
func (p Plan) withDefaults() Plan {
	p.Repeat = max(p.Repeat, 1)
	if p.Shard.Count < 1 {
		p.Shard = results.Shard{Index: 0, Count: 1}
	}
	if p.sharded() {
		cells := slices.Clone(p.Cells)
		for i := range cells {
			if cells[i].Config.Loaders == 0 {
				cells[i].Config.Loaders = ShardLoaders
			}
		}
		p.Cells = cells
	}
	return p
}

// newResult returns the result document of a run of plan that starts.
func newResult(plan Plan, opts Options) *results.Result {
	res := &results.Result{
		SchemaVersion: results.SchemaVersion,
		Tool:          opts.Tool,
		RunID:         opts.RunID,
		StartedAt:     time.Now().UTC(),
		Environment:   results.CurrentEnvironment(),
		Suite:         plan.Suite,
		PlanID:        PlanID(plan),
		Cells:         []results.Cell{},
	}
	if plan.Repeat > 1 {
		res.Repeat = plan.Repeat
	}
	if plan.Phase == PhaseLoad || plan.Phase == PhaseRun {
		res.Phase = plan.Phase
	}
	res.Objectives = plan.Objectives
	if !plan.StartAt.IsZero() {
		res.StartAt = plan.StartAt.UTC()
		res.StartEverySeconds = plan.StartEvery.Seconds()
	}
	if plan.sharded() {
		sh := plan.Shard
		sh.Host, _ = os.Hostname()
		res.Shard = &sh
	}
	return res
}

// cellLabel is the line announcing the done-th cell of total.
func (p Plan) cellLabel(cell Cell, done, total, rep int) string {
	label := fmt.Sprintf("[%d/%d] %s on %s", done, total, cell.Workload, cell.Store)
	if p.Repeat > 1 {
		label += fmt.Sprintf(" (repetition %d of %d)", rep, p.Repeat)
	}
	if p.sharded() {
		label += fmt.Sprintf(" (shard %s)", p.Shard)
	}
	return label
}

// hasFaults reports whether a cell of the plan injects faults.
func (p Plan) hasFaults() bool {
	for _, c := range p.Cells {
		if len(c.Config.Faults) > 0 {
			return true
		}
	}
	return false
}

// Redactor returns a Redactor of the secrets of every DSN the plan's cells
// use (and the DSNs nested in them, such as a placement file's), and of
// every $STOREFIT_*_DSN in the environment, which stores and workloads may
// open by themselves.
func (p Plan) Redactor() *drivers.Redactor {
	red := drivers.NewRedactor()
	for _, c := range p.Cells {
		red.Merge(drivers.RedactorFor(c.Store, c.DSN))
	}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "STOREFIT_") && strings.HasSuffix(k, "_DSN") {
			red.Add(v)
		}
	}
	return red
}

// runBounded runs a cell and returns its record; once ctx is done it waits
// at most cellGrace for the cell, then abandons it with what it had
// published. prior, when set, is the worker count an earlier repetition's
// ramp chose.
func runBounded(ctx context.Context, cell Cell, plan Plan, start time.Time, prior *results.WorkerRamp, opts Options, live *Progress, lc liveCell) results.Cell {
	cp := live.startCell(results.Cell{Workload: cell.Workload, Store: cell.Store, DSN: drivers.RedactDSN(cell.DSN), Status: results.StatusInterrupted})
	done := make(chan results.Cell, 1)
	go func() { done <- runCell(ctx, cell, plan, start, prior, opts, cp, lc) }()
	select {
	case rc := <-done:
		return rc
	case <-ctx.Done():
	}
	t := time.NewTimer(cellGrace)
	defer t.Stop()
	select {
	case rc := <-done:
		return rc
	case <-t.C:
	}
	phase := cp.phaseName()
	rc := cp.snapshot()
	rc.Status = results.StatusInterrupted
	rc.Error = fmt.Sprintf("the run was interrupted while the cell was %s, and the store did not let go within %s (a stalled server?): the cell was abandoned with what it had measured", phase, cellGrace)
	return rc
}

// runCell runs one cell through the plan's phases and never fails: errors
// are recorded in the cell. start, when set, is the coordinated start of its
// measured phase; prior, when set, is the worker count an earlier
// repetition's ramp chose. It publishes the cell's progress to cp at the
// end of each phase, and its phases and figures to lc.
func runCell(ctx context.Context, cell Cell, plan Plan, start time.Time, prior *results.WorkerRamp, opts Options, cp *cellProgress, lc liveCell) (rc results.Cell) {
	cfg := cell.Config
	info, _ := drivers.Describe(cell.Store)
	switch cfg.WarmupMode {
	case "":
		cfg.WarmupMode = results.WarmupFixed
	case WarmupByStore:
		// Server stores warm up until steady: a JVM server's compiler and
		// caches take tens of seconds to minutes after a start. Embedded
		// stores are compiled ahead of time and have no connection pool
		// to fill: a fixed warm-up suffices, and the trend test on the
		// measured phase flags one that did not.
		cfg.WarmupMode = results.WarmupAuto
		if info.Embedded {
			cfg.WarmupMode = results.WarmupFixed
		}
	}
	if cfg.WarmupMode == results.WarmupAuto && cfg.WarmupMax == 0 {
		cfg.WarmupMax = DefaultWarmupMax
	}
	rc = results.Cell{
		Workload: cell.Workload,
		Store:    cell.Store,
		Embedded: info.Embedded,
		Oracle:   info.Oracle,
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
		Workers: cfg.Workers, WorkersRule: cfg.WorkersRule, Rate: cfg.Rate, DurationSeconds: cfg.Duration.Seconds(), Ops: cfg.Ops,
		WarmupSeconds: cfg.Warmup.Seconds(), WarmupMode: cfg.WarmupMode, TimeoutSeconds: cfg.Timeout.Seconds(), Loaders: cfg.Loaders,
	}
	if cfg.WarmupMode == results.WarmupAuto {
		rc.Params.WarmupSeconds = 0
		rc.Params.WarmupMaxSeconds = cfg.WarmupMax.Seconds()
	}
	wl, err := workloads.New(cell.Workload, cell.Params)
	if err != nil {
		return fail(err)
	}
	rc.Pattern = wl.Pattern()
	rc.Settings = wl.Settings()
	rc.Records = wl.Records()
	cp.set(&rc, "connecting")

	conn, err := drivers.Open(ctx, cell.Store, cell.DSN)
	if err != nil {
		return fail(err)
	}
	defer func() {
		cp.set(&rc, "closing the store")
		if err := closeBounded(conn, &rc); err != nil && rc.Error == "" {
			rc.Error = fmt.Sprintf("close %s: %v", cell.Store, err)
		}
	}()
	rc.StoreVersion = drivers.Version(ctx, conn)
	rc.Connection = connectionOf(conn, info)
	rc.StoreSettings = drivers.Settings(conn)
	rc.Sink = drivers.DiscardsData(conn)
	if mb, err := drivers.MemoryBound(ctx, conn); err != nil {
		opts.Display.Logf("%s: memory bound not known: %v", cell.Store, err)
	} else if mb != "" {
		rc.MemoryBound = mb
		opts.Display.Logf("%s runs under a memory bound: %s", cell.Store, mb)
	}
	if !workloads.Supports(conn, wl.Pattern()) {
		return fail(fmt.Errorf("%s does not support the %s pattern: %w", cell.Store, wl.Pattern(), drivers.ErrUnsupported))
	}
	// Ask for a worker first: a store that lacks an operation of the mix
	// is n/a before anything is loaded.
	if _, err := wl.Worker(conn, plan.Shard.Index*cfg.pool(), plan.Shard.Count*cfg.pool()); err != nil {
		return fail(err)
	}
	if plan.Phase != PhaseRun {
		if f, ok := wl.(RunFinisher); ok {
			defer func() {
				cp.set(&rc, "finishing the run")
				f.FinishRun(ctx, conn, &rc)
			}()
		}
		if err := checkBudget(cell, cfg, wl.Records()/int64(plan.Shard.Count), info.Embedded, opts.Display, opts.History); err != nil {
			return fail(err)
		}
	}
	if err := prepareCell(ctx, &rc, wl, conn, cfg, plan, opts.Display, cp, lc); err != nil {
		return fail(err)
	}
	if plan.Phase == PhaseLoad {
		return rc
	}
	cp.set(&rc, "warming up")
	m, err := newMeasurer(ctx, wl, conn, cfg, plan.Shard, opts.Display)
	if m != nil {
		defer func() {
			if err := m.closeConns(); err != nil && rc.Error == "" {
				rc.Error = fmt.Sprintf("close the workers' connections: %v", err)
			}
		}()
	}
	if err != nil {
		return fail(err)
	}
	m.start, m.store, m.dsn, m.faults, m.progress, m.live = start, cell.Store, cell.DSN, opts.Faults, cp, lc
	m.serverPID = cell.ServerPID
	if opts.SampleEvery > 0 {
		m.sampleEvery = opts.SampleEvery
	}
	m.obj = results.NewObjectives(plan.Objectives, results.DefaultObjectives())
	m.ramp = prior
	vf, verifies := wl.(workloads.Verifier)
	m.acks = verifies && !rc.Sink
	if cfg.FindMax {
		rc.Run, rc.MaxRate, err = m.findMax(ctx)
	} else {
		rc.Run, err = m.measure(ctx, cfg.Rate)
	}
	rc.Warmup, rc.Ramp = m.warm, m.ramp
	if m.ramp != nil {
		rc.Params.Workers = m.workers
	}
	rc.Thresholds = results.CheckThresholds(&rc, cell.Thresholds)
	cp.set(&rc, "measured")
	if err != nil {
		return fail(err)
	}
	if m.acks {
		cp.set(&rc, "verifying")
		verifyCell(ctx, &rc, vf, conn, m, plan, opts.Display)
		if ctx.Err() != nil {
			return fail(ctx.Err())
		}
	}
	return rc
}

// verifyCell runs the verify step after the measured phase and adds its
// outcome to the cell's validation, unless a fault killed or emptied the
// server during the phase, which loses writes by design. (A phase that
// stalled never gets here: its cell failed.)
func verifyCell(ctx context.Context, rc *results.Cell, vf workloads.Verifier, conn drivers.Conn, m *measurer, plan Plan, disp Display) {
	if rc.Run != nil && losesWrites(rc.Run.Faults) {
		reason := "a fault killed or emptied the server, which loses writes by design"
		rc.Validation.Verify = &results.Verify{Status: results.ValidationSkipped, Reason: reason}
		disp.Logf("verify skipped: %s", reason)
		return
	}
	// A shard of a full run loaded only its share; a run phase measures
	// data an earlier run may have changed: neither may assume the store
	// held exactly the loaded data.
	shard := plan.Shard
	scope := workloads.VerifyScope{Workers: m.gens, Fresh: plan.Phase != PhaseRun && shard.Count == 1,
		Shard: shard.Index, Shards: shard.Count, Readers: m.cfg.Loaders}
	vr, failures := verify(ctx, vf, conn, scope, disp)
	addVerify(rc.Validation, vr, failures)
}

// Bounds on closing a store: a pool closing its connections to a stalled
// server waits on each (pgxpool up to 15 s).
const (
	closeBound      = 10 * time.Second
	closeAfterStall = time.Second
)

// closeBounded closes conn, waiting at most closeBound (closeAfterStall
// when the cell's measured phase stalled); a Close that takes longer is
// left running and reported.
func closeBounded(conn drivers.Conn, rc *results.Cell) error {
	bound := closeBound
	if rc.Run != nil && rc.Run.Stalled != nil {
		bound = closeAfterStall
	}
	done := make(chan error, 1)
	go func() { done <- conn.Close() }()
	t := time.NewTimer(bound)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("the store did not close within %s (a stalled server?); left closing", bound)
	}
}

// prepareCell runs the phases before the warm-up: setup and load (unless
// an earlier load phase did them) and validation, recording them in rc.
func prepareCell(ctx context.Context, rc *results.Cell, wl workloads.Workload, conn drivers.Conn, cfg Config, plan Plan, disp Display, cp *cellProgress, lc liveCell) error {
	shard := plan.Shard
	var before storeSize // the size after setup, when this cell loads
	if plan.Phase != PhaseRun {
		cp.set(rc, "loading")
		t0 := time.Now()
		lc.phase("setup")
		if err := wl.Setup(ctx, conn); err != nil {
			return err
		}
		setup := time.Since(t0)
		lctx, cancel := ctx, context.CancelFunc(func() {})
		if cfg.MaxLoad > 0 {
			lctx, cancel = context.WithTimeout(ctx, cfg.MaxLoad)
		}
		size := startSize(ctx, wl, conn, shard)
		lc.phase("load")
		load, err := loadAll(lctx, wl, conn, cfg.Loaders, shard, disp, lc)
		cancel()
		load.SetupSeconds = setup.Seconds()
		rc.Load = &load
		if err != nil && ctx.Err() == nil && errors.Is(lctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("%w: the load was stopped at max_load %v, %s of %s records loaded (%s rows/s)", ErrOverBudget, cfg.MaxLoad,
				results.FormatCount(load.Rows), results.FormatCount(wl.Records()/int64(shard.Count)), results.FormatRate(load.RowsPerSec))
		}
		if err != nil {
			return err
		}
		before = size
	}
	recordSize(ctx, rc, wl, conn, shard, before, disp)
	if plan.Phase == PhaseLoad {
		rc.Validation = &results.Validation{Status: results.ValidationSkipped,
			Reason: "load phase only: the run phase (--phase run) validates the data"}
		return nil
	}
	cp.set(rc, "validating")
	lc.phase("validate")
	rc.Validation = validatePhase(ctx, wl, conn, cfg, plan, disp, lc)
	return ctx.Err()
}

// verify runs the verify step: it reads back what the run's acknowledged
// writes should have left (see workloads.Verifier).
func verify(ctx context.Context, vf workloads.Verifier, conn drivers.Conn, scope workloads.VerifyScope, disp Display) (*results.Verify, []string) {
	t0 := time.Now()
	v, err := vf.Verify(ctx, conn, scope)
	out := &results.Verify{Status: results.ValidationPassed, Checks: v.Checks, Failed: v.Failed,
		Writes: v.Writes, Unknown: v.Unknown, Keys: v.Keys, Skipped: v.Skipped, Seconds: time.Since(t0).Seconds()}
	switch {
	case err != nil:
		out.Status = results.ValidationFailed
		out.Reason = "verify: " + err.Error()
	case !v.OK():
		out.Status = results.ValidationFailed
	case v.Checks == 0 && v.Skipped != "":
		out.Status = results.ValidationSkipped
		out.Reason = "nothing read back; not covered: " + v.Skipped
	case v.Checks == 0:
		out.Status = results.ValidationSkipped
		out.Reason = "nothing to read back: the run acknowledged no writes"
	}
	failures := make([]string, len(v.Failures))
	for i, f := range v.Failures {
		failures[i] = results.VerifyFailurePrefix + f
	}
	mark := map[string]string{results.ValidationPassed: "passed", results.ValidationFailed: "FAILED", results.ValidationSkipped: "skipped"}[out.Status]
	disp.Logf("verify %s: %d writes (%d of unknown outcome) read back as %d checks on %d keys, %d failed", mark, out.Writes, out.Unknown, out.Checks, out.Keys, out.Failed)
	if out.Reason != "" {
		disp.Logf("%s", out.Reason)
	}
	return out, failures
}

// addVerify adds the verify step's outcome to the cell's validation: its
// checks and failures count there too, and a failed verify fails it.
func addVerify(val *results.Validation, vr *results.Verify, failures []string) {
	val.Verify = vr
	val.Checks += vr.Checks
	val.Failed += vr.Failed
	val.Failures = append(val.Failures, failures...)
	if vr.Status == results.ValidationFailed {
		val.Status = results.ValidationFailed
		if val.Reason == "" {
			val.Reason = vr.Reason
		}
	}
}

// validatePhase checks the store's answers as the plan asks: all the data
// (a full run, or a run phase after every shard's load), a shard's share of
// it (a shard of a full run, when the workload can check a share), or
// nothing (SkipValidation, or a share the workload cannot check), saying
// why.
func validatePhase(ctx context.Context, wl workloads.Workload, conn drivers.Conn, cfg Config, plan Plan, disp Display, lc liveCell) *results.Validation {
	shard := plan.Shard
	switch {
	case plan.SkipValidation:
		return &results.Validation{Status: results.ValidationSkipped, Reason: results.Unvalidated + ": --validate=false skipped the check"}
	case shard.Count > 1 && plan.Phase != PhaseRun:
		sv, ok := wl.(workloads.ShareValidator)
		if !ok {
			return &results.Validation{Status: results.ValidationSkipped,
				Reason: fmt.Sprintf("shard %s loaded only its share of the data, which %s cannot check alone: load with --phase load, then measure with --phase run, which validates all of it", shard, wl.Name())}
		}
		first, parts := shard.Index*cfg.Loaders, shard.Count*cfg.Loaders
		return validateWith(ctx, conn, disp, lc, func(ctx context.Context) (workloads.Validation, error) {
			return sv.ValidateShare(ctx, conn, first, cfg.Loaders, parts)
		})
	}
	return validateWith(ctx, conn, disp, lc, func(ctx context.Context) (workloads.Validation, error) {
		return wl.Validate(ctx, conn)
	})
}

// checkBudget says what the cell's load will cost, when it is large (a
// million records or more, or a minute or more at the rate measured
// before), warns when an embedded store's estimated size exceeds the free
// space where it writes, and refuses a load whose estimate exceeds the
// cell's budget (Config.MaxLoad).
func checkBudget(cell Cell, cfg Config, records int64, embedded bool, disp Display, hist *History) error {
	est := hist.Estimate(cell.Workload, cell.Store, records)
	if records >= 1_000_000 || est.Seconds >= 60 {
		disp.Logf("load of %s on %s: %s", cell.Workload, cell.Store, est)
	}
	if embedded && cell.DSN == "" && est.DiskBytes > 0 {
		if free, ok := freeBytes(os.TempDir()); ok && est.DiskBytes > float64(free) {
			disp.Logf("WARNING: the estimated %s on disk exceed the %s free in %s", results.FormatBytes(int64(est.DiskBytes)), results.FormatBytes(int64(free)), os.TempDir())
		}
	}
	if cfg.MaxLoad > 0 && est.Seconds > cfg.MaxLoad.Seconds() {
		return fmt.Errorf("%w: not loaded, the load of %s is estimated at %s, over max_load %v", ErrOverBudget, results.FormatSize(float64(records))+" records",
			FormatSeconds(est.Seconds), cfg.MaxLoad)
	}
	return nil
}

// RunFinisher is an optional interface of a Workload with background work
// during the run (a sync workload's consumers and lag probes). The runner
// calls FinishRun once per cell after the measured phase, or after the
// phase that failed, whenever Setup was called; it stops the background
// work, releases what Setup acquired, and may add its outcome to c (c.Run
// is nil when the cell did not get to measure). A failure is for FinishRun
// to record in c.
type RunFinisher interface {
	FinishRun(ctx context.Context, conn drivers.Conn, c *results.Cell)
}

type progress struct{ n atomic.Int64 }

func (p *progress) Add(rows int64) { p.n.Add(rows) }

// loadAll runs the load phase with n concurrent loaders: parts
// shard.Index·n … shard.Index·n+n-1 of shard.Count·n.
func loadAll(ctx context.Context, wl workloads.Workload, conn drivers.Conn, n int, shard results.Shard, disp Display, lc liveCell) (results.Load, error) {
	total := wl.Records() / int64(shard.Count)
	var p progress
	disp.StartPhase("load "+lc.name(), total, "rows")
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
				lc.loadRows(done)
				disp.Update(done, Status{Stats: []Stat{{Text: results.FormatRate(float64(done)/time.Since(t0).Seconds()) + " rows/s"}}})
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
			if err := wl.Load(lctx, conn, shard.Index*n+i, shard.Count*n, &p); err != nil {
				errs[i] = err
				cancel() // one failing loader stops the others
			}
		}()
	}
	wg.Wait()
	finishErr := error(nil)
	if f, ok := wl.(workloads.Finisher); ok && lctx.Err() == nil {
		disp.Update(p.n.Load(), Status{Stats: []Stat{{Text: "finishing (indexes)"}}})
		finishErr = f.FinishLoad(lctx, conn)
	}
	close(stopTick)
	tickWG.Wait()
	lc.loadRows(p.n.Load())
	el := time.Since(t0)
	l := results.Load{Rows: p.n.Load(), Seconds: el.Seconds(), Loaders: n}
	if el > 0 {
		l.RowsPerSec = float64(l.Rows) / el.Seconds()
		if vc, ok := wl.(workloads.ValueCounter); ok {
			l.ValuesPerSec = l.RowsPerSec * vc.ValuesPerRow()
		}
	}
	disp.EndPhase(fmt.Sprintf("loaded %s in %.2f s (%s rows/s)", results.Plural(l.Rows, "row"), l.Seconds, results.FormatRate(l.RowsPerSec)))
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

// validateWith runs a validation and turns its outcome into the result's
// record; a store that keeps no data is not asked.
func validateWith(ctx context.Context, conn drivers.Conn, disp Display, lc liveCell, check func(context.Context) (workloads.Validation, error)) *results.Validation {
	if drivers.DiscardsData(conn) {
		return &results.Validation{Status: results.ValidationSkipped, Reason: "store keeps no data"}
	}
	t0 := time.Now()
	v, err := check(ctx)
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
	disp.Logf("validate %s: %s, %s, %d failed", lc.name(), mark, results.Plural(out.Checks, "check"), out.Failed)
	return out
}

// firstSample returns ": " and the first error message of a run, if any.
func firstSample(run *results.Run) string {
	for _, k := range run.Kinds {
		if len(k.ErrorSamples) > 0 {
			return ": " + k.ErrorSamples[0]
		}
	}
	return ""
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
			var st Status
			if e != nil {
				ops := e.completed()
				if d == 0 {
					cur = ops
				}
				st = e.status(ops, el)
			}
			disp.Update(cur, st)
			if e != nil && !e.rideOut && e.ivs.failingFor() >= deadAfter && e.aborted.Load() == nil {
				reason := fmt.Sprintf("the store stopped answering: every operation failed for %d s, so the run was stopped early (see the error samples)", deadAfter)
				e.aborted.Store(&reason)
				e.stop.Store(true)
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// status returns the measured phase's figures for the display: the last
// complete second's rate, p99 and p50, the average rate, and errors when
// there are any — a narrow terminal drops p50 first, then the average, p99,
// the rate and errors — and per-kind figures.
func (e *engine) status(ops int64, el time.Duration) Status {
	avg := Stat{Text: "avg " + results.FormatRate(float64(ops)/el.Seconds()) + " ops/s", Drop: 4}
	iv := e.ivs.latest()
	if iv.Ops == 0 && iv.Errors == 0 {
		return Status{Stats: []Stat{avg}}
	}
	st := Status{Stats: []Stat{
		{Text: results.FormatRate(iv.OpsPerSec) + " ops/s", Drop: 2},
		{Text: "p99 " + results.FormatMicros(iv.P99Us) + " µs", Drop: 3},
		{Text: "p50 " + results.FormatMicros(iv.P50Us) + " µs", Drop: 5},
		avg,
	}}
	if iv.Errors > 0 {
		st.Stats = append(st.Stats, Stat{Text: results.Plural(iv.Errors, "error"), Drop: 1})
	}
	st.Kinds = e.ivs.kindStatus(e.kinds)
	return st
}

// deadAfter is how many consecutive seconds in which every operation
// failed end a measured phase early: measuring a store that stopped
// answering only piles up errors. (Not when faults are injected: the phase
// then runs its course, to measure the recovery.)
const deadAfter = 3

// mostlyFailed is the share of failed operations above which a measured
// cell counts as failed, not as a figure to rank.
const mostlyFailed = 0.5
