package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/results/report"
	"github.com/storefit/storefit/runner"
)

type runFlags struct {
	suite     string
	workloads []string
	stores    []string
	workers   string
	workMax   int
	loaders   int
	rate      float64
	duration  time.Duration
	ops       int64
	warmup    string
	warmMax   time.Duration
	timeout   time.Duration
	maxStep   time.Duration
	records   int64
	seed      uint64
	scale     string
	maxLoad   time.Duration
	history   []string
	dryRun    bool
	sets      []string
	out       string
	quiet     bool
	progress  string
	repeat    int
	shard     string
	findMax   bool
	slo       string
	report    string
	phase     string
	validate  bool
	thresh    []string
	startAt   string
	every     time.Duration
	faults    []string
	force     bool
	ycsbFiles []string
	ycsbProps []string
	metrics   string
	serverPID []string
}

func newRunCmd() *cobra.Command { return newRunCmdFlags(&runFlags{}) }

// newRunCmdFlags returns the run command with its flags parsed into f.
func newRunCmdFlags(f *runFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run workloads against stores and write a result file",
		Long: `Run executes every given workload on every given store, through the phases
setup, load, validate, warm-up, measured run and verify (what the run's
acknowledged writes should have left is read back; a store that lost or
reordered some fails validation), prints a summary table and writes the
result document (JSON) to --out.

Stores are given as NAME or NAME=DSN. Without a DSN, a server store uses
$STOREFIT_<NAME>_DSN if set, else the driver's default. Passwords in DSNs are
redacted in every output.

Closed loop (default): --workers run as fast as the store answers.
--workers auto finds the store's capacity: after the warm-up, closed-loop
steps of 1, 2, 4, … workers (1 s settling, 4 s measured each, at most
--workers-max) until throughput rises by less than 10% from one step to
the next, or a step misses the pattern's latency objective
(docs/verdicts.md); the measured phase runs with the step before, after
warming up again at that count. Repetitions (--repeat) keep the count
the first one found. --workers low is 2 workers, reported as "latency at
low load".

--warmup auto (the default on server stores) runs the workload until it
is steady: the mean throughput of the last 5 s within 5% of the 5 s
before, and their p99 within 10%, at most --warmup-max (2m); embedded
stores warm up for 2 s unless told otherwise. Every measured phase is
tested for a trend (Mann-Kendall on its per-second throughput); a cell
still rising or falling by 5% or more is flagged in the reports and by
pick.
Open loop (--rate R): operations are scheduled at R per second in total, and
latency is measured from each operation's intended start (coordinated
omission corrected); the uncorrected figure is kept beside it.

--repeat N runs every cell N times, interleaved (all cells, then all again),
and keeps every repetition: 'storefit compare' tests differences over them.

--find-max searches, per cell, for the highest open-loop rate whose latency
meets --slo (default: the suite's find_max, else its slo: objectives held per
operation kind, else p99=10ms): a closed-loop probe measures the capacity C,
then rates C/8, C/4, C/2, C, 2C are tried until one misses, then bisection;
each step lasts --duration. --slo may bound operation kinds on their own
(--slo timeline:p99=20ms,search:p99=100ms,dashboard:p99=500ms; a bound
without a kind holds all operations together): a step meets it only when
every bound holds, each judged on at least 1,000 operations of its kind for
a p99 (10 beyond the percentile), so a step runs longer when a rare kind
needs it, up to --max-step (default 10 × --duration); a rate that would
need more is refused, not judged. Each bound's percentile is reported with
its 95% distribution-free confidence interval. The cell records every step
and keeps the run at the rate found, with the bound that stopped the search.

--shard i/n runs shard i (from 0) of n of the plan: its share of the load
parts and of the workers (global worker ids i·W … i·W+W-1 of n·W), so n
shards on n machines together do what one run with n·W workers does. Give
every shard the same flags; 'storefit merge' combines their results.

--start-at TIME (RFC3339, e.g. 2026-11-25T20:00:00Z) starts the measured
phase at that wall-clock instant: the warm-up runs just before it, and the
run waits visibly until then. Give every shard the same instant, so shards
started at different times on different machines (pods of a Kubernetes Job)
measure side by side; clocks must be synchronized (NTP). An instant more
than 1 s in the past is an error. With several cells, --start-every D
spaces their measured starts D apart.

--phase load runs setup and load only and stops; --phase run skips them and
measures against the data an earlier load phase left in the store, after
validating it, so a sharded run loads its data once. The run phase needs a
store that keeps data: a server store, or an embedded store with a DSN path
(sqlite=/data/point.db) given to both phases. A shard of a full run checks
the answers its own share of the data determines (every pattern can), so a
sharded run is validated and ranked like a single one.
--validate=false skips validation; the cells are then "unvalidated" and
never ranked.

--threshold EXPR (repeatable) sets a pass/fail criterion, as k6 does:
p99<10ms, errors<0.1%, dropped<1%, rate>=5000, mean<2ms, max<1s, optionally
scoped: point/a:p99<5ms, crud/mix.like:p99<20ms, graph:rate>=100. Latencies
count failed operations at their time to failure and dropped open-loop
operations from their intended start. Breaches are printed at the end and
recorded in the result.

Exit status: 0 when every cell ran (or is n/a), passed validation and met
every threshold; 3 when a cell failed (an unreachable store, a failed load,
most operations failing, find-max finding no rate that meets the SLO); 4
when a validation failed (wrong answers); 5 when a threshold was breached;
2 for bad input; 1 when storefit itself failed (results not written); 130
when interrupted. A run with several problems exits with the lowest of 3,
4, 5 and prints them all (docs/verdicts.md).

-P FILE reads a YCSB property file unchanged (workloads/workloada …, or
your own; repeatable, later files win) and -p NAME=VALUE sets one YCSB
property over them, as YCSB's own -P and -p do: the CoreWorkload properties
become point's options (the core mixes run as point/a … point/f, any other
mix as point/ycsb), threadcount, target, operationcount and
maxexecutiontime become --workers, --rate, --ops and --duration (flags
given win), and every property storefit does not use is named with the
reason.

--metrics-addr host:port serves the run's live figures to Prometheus
(OpenMetrics on request) at /metrics while it runs: operations, errors by
class and latency histograms per workload, store and kind, the phase of
each cell, load progress and storefit's own CPU use; the Grafana dashboard
metrics/grafana-dashboard.json charts them.

--server-pid STORE=PID (repeatable; default $STOREFIT_<STORE>_PID, which
'storefit up' exports) names the process of a store's server on this machine:
its CPU time and memory, with those of its child processes, are read from
/proc during every measured phase and recorded per cell, with operations per
server core ('storefit pick --by ops-per-core' ranks by it). Every result
also records storefit's own CPU time per operation and, where the driver can
tell, how many bytes per row the load added to the store.

--out - writes the result document to stdout as one line of JSON (nothing
else is printed there), e.g. for 'kubectl logs'.

--report writes the HTML report (plots embedded) next to the result, as
report.html in its directory (or --report=PATH), and prints its path.

--fault KIND@AT[+FOR][:SERVER] (repeatable; a suite's faults: list does the
same) injects a fault into the store's server AT into the measured phase:
pause (SIGSTOP for FOR, then SIGCONT), kill (SIGKILL, then a restart with
its data after FOR) or restart-empty (stopped, its data removed, started
again empty after FOR). It acts on servers started by 'storefit up'
(compose/native, same STOREFIT_NATIVE_DIR) and only if the store's DSN
names that server. The result records each fault's window and the time
the store took to recover (the first second back at 90% of the throughput
before the fault); the report marks them on the per-second plots.

Before anything runs, every DSN is checked by its driver, --out must be
writable, and a store that keeps its data in storefit's memory (memory,
duckdb=:memory:) must fit in the memory available ($STOREFIT_MEMORY_AVAILABLE,
e.g. 8GiB, sets a smaller budget): storefit loads a sample, estimates what
the whole data needs and refuses what will not fit (--force runs anyway).
Any of these is one line and exit status 2.

The default result file is results/<time to the millisecond>-<run id>.json,
so runs never overwrite each other; the run id is also in the result.

Ctrl-C (or SIGTERM) stops the run within two seconds, even when a server
has stalled, and writes the partial result, marked "complete": false; a
second Ctrl-C quits at once and still writes what was measured. The exit
status is 130 after SIGINT and 143 after SIGTERM. A measured phase whose
store stalled at its end (operations still in flight a second, or a tenth
of the phase, after its deadline) is cut there and marked: its cell
failed, the result incomplete.`,
		Example: `  storefit run --workload point/a --store memory --duration 10s
  storefit run --workload point/c --store noop --rate 50000 --duration 5s
  storefit run -P workloads/workloada -p recordcount=100000 --store postgres
  storefit run --workload point/b --store memory --workers 4 --ops 1000000 --set readallfields=false
  storefit run --suite suites/quick.yaml --store memory --out results/quick.json --report
  storefit run --workload point/c --store memory --repeat 5 --duration 5s
  storefit run --workload point/c --store memory --find-max --slo p99=1ms --duration 3s
  storefit run --workload point/a --store postgres --workers 8 --shard 0/2
  storefit run --workload point/c --store postgres --phase load --shard 0/2
  storefit run --workload point/c --store postgres --phase run --shard 0/2 --rate 20000 --start-at 2026-11-25T20:00:00Z
  storefit run --workload point/a --store redis --duration 60s --fault pause@20s+5s --report`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runRun(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.suite, "suite", "", "suite file (YAML) naming workloads, stores and settings")
	fl.StringArrayVarP(&f.workloads, "workload", "w", nil, "workload to run, e.g. point/a (repeatable)")
	fl.StringArrayVarP(&f.stores, "store", "s", nil, "store as NAME or NAME=DSN (repeatable)")
	fl.StringVar(&f.workers, "workers", "1", "concurrent workers: a number, auto (find the store's capacity: double until throughput stops rising or p99 passes the pattern's objective) or low (2: latency at low load)")
	fl.IntVar(&f.workMax, "workers-max", runner.DefaultWorkersMax, "the most workers --workers auto tries")
	fl.IntVar(&f.loaders, "loaders", 0, "concurrent loaders in the load phase (default: CPUs, at most 8)")
	fl.Float64Var(&f.rate, "rate", 0, "target total rate in ops/s (open loop); 0 = closed loop")
	fl.DurationVar(&f.duration, "duration", 10*time.Second, "length of the measured phase")
	fl.Int64Var(&f.ops, "ops", 0, "number of measured operations (alone: no time limit)")
	fl.StringVar(&f.warmup, "warmup", "", "warm-up before the measured phase (discarded): a duration, or auto (until throughput and p99 are steady, at most --warmup-max); default auto for server stores, 2s for embedded ones")
	fl.DurationVar(&f.warmMax, "warmup-max", runner.DefaultWarmupMax, "the longest --warmup auto runs")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Second, "per-operation timeout (0 = none)")
	fl.DurationVar(&f.maxStep, "max-step", 0, "longest a --find-max step may run to gather enough operations of every kind --slo bounds (default 10 × --duration)")
	fl.Int64Var(&f.records, "records", 0, "records to load (overrides the scale's count)")
	fl.Uint64Var(&f.seed, "seed", 1, "seed of all data and operation streams")
	fl.DurationVar(&f.maxLoad, "max-load", 0, "budget of each load: a load estimated (from a smaller scale or --history) to take longer is not started, one still running then is stopped (0: none)")
	fl.StringArrayVar(&f.history, "history", nil, "result file whose load rates and sizes estimate what loads will cost (repeatable)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print each cell's data size and expected load time and disk (from --history) and the total, and run nothing")
	fl.StringVar(&f.scale, "scale", "", "data scale: quick, full or a factor of quick (10), or a sweep 1,10,100 (default quick)")
	fl.StringArrayVar(&f.sets, "set", nil, "workload option NAME=VALUE, e.g. fieldcount=20 (repeatable)")
	fl.StringArrayVarP(&f.ycsbFiles, "ycsb-properties", "P", nil, "YCSB property file, e.g. workloads/workloada (repeatable)")
	fl.StringArrayVarP(&f.ycsbProps, "ycsb-property", "p", nil, "YCSB property NAME=VALUE over the -P files (repeatable)")
	fl.StringVarP(&f.out, "out", "o", "", "result file (default results/<time>-<run id>.json)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print no progress and no table")
	fl.StringVar(&f.progress, "progress", "auto", "progress display: auto, bar or lines")
	fl.IntVar(&f.repeat, "repeat", 1, "run every cell this many times, interleaved, keeping every repetition")
	fl.StringVar(&f.shard, "shard", "", "run only shard i/n of the plan (i from 0), for merging with 'storefit merge'")
	fl.BoolVar(&f.findMax, "find-max", false, "search for the highest open-loop rate that meets --slo")
	fl.StringVar(&f.slo, "slo", "", "latency objective of --find-max, [KIND:]pXX=DURATION,…: p99=10ms for all operations together, timeline:p99=20ms for one kind (default: the suite's find_max, else its slo: objectives per kind, else p99=10ms)")
	fl.StringVar(&f.report, "report", "", "also write the HTML report: report.html next to the result, or the given path")
	fl.Lookup("report").NoOptDefVal = "auto"
	fl.StringVar(&f.phase, "phase", "all", "phases to run: load (setup and load only), run (measure data loaded earlier) or all")
	fl.BoolVar(&f.validate, "validate", true, "check the store's answers before measuring (=false: cells are unvalidated and never ranked)")
	fl.StringArrayVar(&f.serverPID, "server-pid", nil, "STORE=PID of the store's server process on this machine, measured during the run (repeatable; default $STOREFIT_<STORE>_PID)")
	fl.StringArrayVar(&f.thresh, "threshold", nil, "pass/fail criterion [SCOPE:]METRIC<VALUE, e.g. p99<10ms, errors<0.1%, point/a:rate>=5000 (repeatable)")
	fl.StringVar(&f.startAt, "start-at", "", "start the measured phase at this wall-clock time (RFC3339), the same for every shard")
	fl.StringVar(&f.metrics, "metrics-addr", "", "serve live Prometheus metrics at http://ADDR/metrics during the run, e.g. :9464")
	fl.DurationVar(&f.every, "start-every", 0, "with --start-at and several cells: time between the cells' measured starts")
	fl.StringArrayVar(&f.faults, "fault", nil, "inject a fault into the store's server: KIND@AT[+FOR][:SERVER], e.g. pause@10s+5s, kill@20s+2s, restart-empty@30s (repeatable)")
	fl.BoolVar(&f.force, "force", false, "run even when the data will not fit in the memory available")
	return cmd
}

func runRun(cmd *cobra.Command, f *runFlags) error {
	ctx := cmd.Context()
	sess := sessionOf(ctx)
	plan, err := buildPlan(cmd, f)
	if err != nil {
		return usageError{err}
	}
	sess.setRedactor(plan.Redactor())
	runID := newRunID()
	w, err := newResultWriter(f.out, runID)
	if err != nil {
		return usageError{err}
	}
	if w.stdout {
		f.quiet = true
	}
	disp, err := newDisplay(f)
	if err != nil {
		return err
	}
	opts := runner.Options{Display: disp, Tool: tool(), RunID: runID, Checkpoint: w.checkpoint, Progress: &runner.Progress{}}
	for _, c := range plan.Cells {
		if len(c.Config.Faults) > 0 {
			inj, err := newNativeFaults(ctx, plan)
			if err != nil {
				return usageError{err}
			}
			opts.Faults = inj
			break
		}
	}
	if !f.force {
		if err := plan.CheckMemory(ctx); err != nil {
			if ctx.Err() != nil {
				return interruptedError{fmt.Errorf("%w before the run started: nothing was measured", runner.ErrInterrupted)}
			}
			var me *runner.MemoryError
			if errors.As(err, &me) || strings.Contains(err.Error(), runner.MemoryEnv) {
				return usageError{err}
			}
			return err
		}
	}
	hist, err := readResults(f.history)
	if err != nil {
		return err
	}
	opts.History = runner.NewHistory(hist)
	if f.dryRun {
		return printEstimates(os.Stdout, plan, runner.NewHistory(hist))
	}
	if f.metrics != "" {
		l, stop, err := startMetrics(os.Stderr, f.metrics)
		if err != nil {
			return err
		}
		defer stop()
		opts.Live = l
	}
	sess.setQuit(func(sig stopSignal) {
		if r := opts.Progress.Snapshot(sig.Error() + " twice: storefit quit at once, with the cell in progress unfinished"); r != nil {
			if path, err := w.final(r); err != nil {
				fmt.Fprintf(os.Stderr, "storefit: %v\n", err)
			} else if path != "" {
				fmt.Fprintf(os.Stderr, "storefit: partial result written to %s\n", path)
			}
		}
	})
	res, runErr := runner.Run(ctx, plan, opts)
	if res == nil {
		return runErr
	}
	return finishRun(f, w, res, runErr)
}

// finishRun writes the result (or, if that fails, a copy in the temporary
// directory), prints the summary table and the report, and returns the
// run's error.
func finishRun(f *runFlags, w *resultWriter, res *results.Result, runErr error) error {
	out, werr := w.final(res)
	if w.stdout {
		if werr != nil {
			return werr
		}
		if runErr != nil {
			return runErr
		}
		return runVerdict(os.Stderr, res)
	}
	if !f.quiet {
		fmt.Println()
		if err := results.WriteText(os.Stdout, res); err != nil {
			return err
		}
		fmt.Println()
	}
	if werr != nil && out == "" {
		return werr
	}
	if werr != nil {
		fmt.Fprintf(os.Stderr, "storefit: %v\n", werr)
	}
	fmt.Fprintf(os.Stderr, "result written to %s\n", out)
	if f.report != "" {
		path := f.report
		if path == "auto" {
			path = filepath.Join(filepath.Dir(out), "report.html")
		}
		opts := report.Options{Sources: []string{out}, Generated: time.Now()}
		if err := report.WriteHTMLFile(path, []*results.Result{res}, opts); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		fmt.Fprintf(os.Stderr, "report written to %s\n", path)
	}
	if runErr != nil {
		if errors.Is(runErr, runner.ErrInterrupted) {
			return interruptedError{fmt.Errorf("%w; partial result in %s", runErr, out)}
		}
		return runErr
	}
	if werr != nil {
		return werr
	}
	return runVerdict(os.Stderr, res)
}

// newDisplay returns the progress display the flags ask for.
func newDisplay(f *runFlags) (runner.Display, error) {
	switch {
	case f.quiet:
		return nil, nil
	case f.progress == "bar" || (f.progress == "auto" && term.IsTerminal(int(os.Stderr.Fd()))):
		return runner.NewBarDisplay(os.Stderr, termWidth(os.Stderr)), nil
	case f.progress == "lines" || f.progress == "auto":
		return runner.NewLineDisplay(os.Stderr, 5*time.Second), nil
	}
	return nil, usagef("--progress %q: use auto, bar or lines", f.progress)
}

// newRunID returns a short random identifier of a run.
func newRunID() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return strconv.FormatInt(time.Now().UnixNano()%1e8, 36)
	}
	return hex.EncodeToString(b[:])
}

// resultWriter writes a run's result file: checkpoints while the run runs,
// then the final result once, from the run or from a second Ctrl-C,
// whichever comes first.
type resultWriter struct {
	mu sync.Mutex
	// path is the result file; with stdout, a checkpoint file in the
	// temporary directory, removed when the result is printed.
	path   string
	stdout bool
	runID  string
	done   bool
}

// newResultWriter checks that the result can be written where out (a
// path, "-" for stdout, "" for the default) says, before anything runs.
func newResultWriter(out, runID string) (*resultWriter, error) {
	w := &resultWriter{path: out, runID: runID}
	switch out {
	case "-":
		// The result goes to stdout as one JSON line; a checkpoint file
		// in the temporary directory keeps a crash's partial result.
		w.stdout = true
		w.path = filepath.Join(os.TempDir(), "storefit-"+runID+".json")
	case "":
		w.path = filepath.Join("results", time.Now().Format("2006-01-02T15-04-05.000")+"-"+runID+".json")
	}
	if err := checkWritable(w.path); err != nil {
		return nil, err
	}
	return w, nil
}

// checkWritable fails unless a result file can be written at path: not a
// directory, in a directory that exists (or can be made) and is writable.
func checkWritable(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("--out %s is a directory; give a file name, e.g. %s", path, filepath.Join(path, "result.json"))
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: cannot create its directory: %v", path, errors.Unwrap(err))
	}
	probe, err := os.CreateTemp(dir, ".storefit-probe-*")
	if err != nil {
		return fmt.Errorf("--out %s: cannot write in %s (%v); choose a writable place", path, dir, errors.Unwrap(err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// checkpoint writes the result so far, unless the final one was written.
func (w *resultWriter) checkpoint(r *results.Result) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return nil
	}
	return results.WriteFile(w.path, r)
}

// final writes the result, once, and returns where it went ("" for
// stdout). If the result file cannot be written, it writes the result to
// the temporary directory instead and returns that path with the error.
func (w *resultWriter) final(r *results.Result) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return "", nil
	}
	w.done = true
	if w.stdout {
		os.Remove(w.path)
		if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
			return "", fmt.Errorf("write the result to stdout: %w", err)
		}
		return "", nil
	}
	err := results.WriteFile(w.path, r)
	if err == nil {
		return w.path, nil
	}
	spare := filepath.Join(os.TempDir(), "storefit-"+w.runID+".json")
	if err2 := results.WriteFile(spare, r); err2 != nil {
		return "", fmt.Errorf("%w; writing a copy to %s failed too (%v): the result is lost", err, spare, err2)
	}
	return spare, fmt.Errorf("%w; the result was written to %s instead", err, spare)
}

// parseShard parses "i/n" with 0 <= i < n.
func parseShard(s string) (results.Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return results.Shard{}, fmt.Errorf("--shard %q: use i/n with 0 <= i < n, e.g. 0/4", s)
	}
	return results.Shard{Index: i, Count: n}, nil
}

// buildPlan turns flags (and a suite) into a checked plan.
func buildPlan(cmd *cobra.Command, f *runFlags) (runner.Plan, error) {
	changed := cmd.Flags().Changed
	var o runner.Overrides
	if changed("seed") {
		o.Seed = &f.seed
	}
	o.Scale = f.scale
	for _, s := range f.stores {
		ref, err := runner.ParseStoreRef(s)
		if err != nil {
			return runner.Plan{}, err
		}
		o.Stores = append(o.Stores, ref)
	}
	set := &o.Settings
	if changed("workers") {
		w, err := runner.ParseWorkers(f.workers)
		if err != nil {
			return runner.Plan{}, fmt.Errorf("--%w", err)
		}
		set.Workers = &w
	}
	if changed("workers-max") {
		set.WorkersMax = &f.workMax
	}
	if changed("warmup-max") {
		d := runner.Duration(f.warmMax)
		set.WarmupMax = &d
	}
	if changed("loaders") {
		set.Loaders = &f.loaders
	}
	if changed("rate") {
		set.Rate = &f.rate
	}
	if changed("duration") {
		d := runner.Duration(f.duration)
		set.Duration = &d
	}
	if changed("ops") {
		set.Ops = &f.ops
	}
	if changed("warmup") {
		w, err := runner.ParseWarmup(f.warmup)
		if err != nil {
			return runner.Plan{}, fmt.Errorf("--%w", err)
		}
		set.Warmup = &w
	}
	if changed("timeout") {
		d := runner.Duration(f.timeout)
		set.Timeout = &d
	}
	if changed("max-load") {
		d := runner.Duration(f.maxLoad)
		set.MaxLoad = &d
	}
	if changed("max-step") {
		d := runner.Duration(f.maxStep)
		set.MaxStep = &d
	}
	if changed("fault") {
		set.Faults = []runner.Fault{}
		for _, spec := range f.faults {
			ft, err := runner.ParseFault(spec)
			if err != nil {
				return runner.Plan{}, fmt.Errorf("--fault: %w", err)
			}
			set.Faults = append(set.Faults, ft)
		}
	}
	o.Options = map[string]any{}
	if changed("records") {
		o.Options["records"] = f.records
	}
	for _, kv := range f.sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return runner.Plan{}, fmt.Errorf("--set %q: use NAME=VALUE", kv)
		}
		o.Options[k] = v
	}

	var suite *runner.Suite
	switch {
	case len(f.ycsbFiles) > 0 || len(f.ycsbProps) > 0:
		if f.suite != "" || len(f.workloads) > 0 {
			return runner.Plan{}, errors.New("-P/-p describe the workload: give no --workload or --suite with them")
		}
		s, err := ycsbSuite(cmd.ErrOrStderr(), f.ycsbFiles, f.ycsbProps)
		if err != nil {
			return runner.Plan{}, err
		}
		suite = s
	case f.suite != "" && len(f.workloads) > 0:
		return runner.Plan{}, errors.New("give either --suite or --workload, not both")
	case f.suite != "":
		s, err := runner.LoadSuite(f.suite)
		if err != nil {
			return runner.Plan{}, err
		}
		suite = s
	case len(f.workloads) > 0:
		suite = &runner.Suite{}
		for _, w := range f.workloads {
			suite.Workloads = append(suite.Workloads, runner.SuiteWorkload{Workload: w})
		}
	default:
		return runner.Plan{}, errors.New("nothing to run: give --workload NAME or --suite FILE (see 'storefit list')")
	}
	if err := criteriaFlags(f, changed, &o); err != nil {
		return runner.Plan{}, err
	}
	plan, err := suite.Plan(o)
	if err != nil {
		return runner.Plan{}, err
	}
	if f.repeat < 1 {
		return runner.Plan{}, fmt.Errorf("--repeat must be at least 1, not %d", f.repeat)
	}
	plan.Repeat = f.repeat
	if f.shard != "" {
		sh, err := parseShard(f.shard)
		if err != nil {
			return runner.Plan{}, err
		}
		plan.Shard = sh
	}
	plan.Phase = f.phase
	plan.SkipValidation = !f.validate
	if f.startAt != "" {
		t, err := time.Parse(time.RFC3339Nano, f.startAt)
		if err != nil {
			return runner.Plan{}, fmt.Errorf("--start-at %q: give an RFC3339 time such as 2026-11-25T20:00:00Z", f.startAt)
		}
		if late := time.Since(t); late > runner.StartTolerance {
			return runner.Plan{}, fmt.Errorf("--start-at %s is %s in the past: give a later instant (clocks of the shards must agree, e.g. by NTP)", f.startAt, late.Round(time.Second))
		}
		plan.StartAt = t
	}
	plan.StartEvery = f.every
	pids, err := serverPIDs(f.serverPID)
	if err != nil {
		return runner.Plan{}, err
	}
	for i := range plan.Cells {
		c := &plan.Cells[i]
		if _, ok := drivers.Lookup(c.Store); !ok {
			return runner.Plan{}, fmt.Errorf("unknown store %q (known: %s)", c.Store, strings.Join(drivers.Names(), ", "))
		}
		if c.DSN == "" {
			if base, label, ok := strings.Cut(c.Store, ":"); ok && base == "placement" {
				// --store placement:local opens suites/placements/local.yaml.
				c.DSN = filepath.Join("suites", "placements", label+".yaml")
			} else {
				c.DSN = os.Getenv("STOREFIT_" + strings.ToUpper(c.Store) + "_DSN")
			}
		}
		if c.ServerPID, err = pids.pid(c.Store); err != nil {
			return runner.Plan{}, err
		}
	}
	for _, c := range plan.Cells {
		if err := drivers.ParseDSN(c.Store, c.DSN); err != nil {
			return runner.Plan{}, fmt.Errorf("store %s: %s", c.Store, strings.Join(strings.Fields(err.Error()), " "))
		}
	}
	if err := plan.Check(); err != nil {
		return runner.Plan{}, err
	}
	if err := plan.CheckShardedStores(); err != nil {
		return runner.Plan{}, err
	}
	return plan, nil
}

// serverPIDs parses the --server-pid flags.
func serverPIDs(flags []string) (serverPIDMap, error) {
	m := serverPIDMap{}
	for _, f := range flags {
		store, v, ok := strings.Cut(f, "=")
		pid, err := strconv.Atoi(v)
		if !ok || store == "" || err != nil || pid <= 0 {
			return nil, fmt.Errorf("--server-pid %q: give STORE=PID, e.g. postgres=$(compose/native/postgres.sh pid)", f)
		}
		m[store] = pid
	}
	return m, nil
}

// serverPIDMap holds the --server-pid flags by store.
type serverPIDMap map[string]int

// pid returns the server process of store: its --server-pid, else
// $STOREFIT_<STORE>_PID, else 0.
func (m serverPIDMap) pid(store string) (int, error) {
	if p, ok := m[store]; ok {
		return p, nil
	}
	env := envName(store, "PID")
	v := os.Getenv(env)
	if v == "" {
		return 0, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p <= 0 {
		return 0, fmt.Errorf("$%s=%q is not a process id", env, v)
	}
	return p, nil
}

// criteriaFlags adds the flags that judge a run — thresholds, and the SLO
// of a find-max search — to the overrides.
func criteriaFlags(f *runFlags, changed func(string) bool, o *runner.Overrides) error {
	for _, x := range f.thresh {
		t, err := results.ParseThreshold(x)
		if err != nil {
			return fmt.Errorf("--threshold: %w", err)
		}
		o.Thresholds = append(o.Thresholds, t)
	}
	if f.findMax && changed("rate") {
		return errors.New("--find-max chooses the open-loop rates itself: drop --rate")
	}
	if f.findMax {
		// Without --slo: the suite's (a workload's find_max, else its slo:
		// objectives per kind), else p99=10ms.
		var slo results.SLO
		if f.slo != "" {
			s, err := results.ParseSLO(f.slo)
			if err != nil {
				return fmt.Errorf("--slo: %w", err)
			}
			if s.IsZero() {
				return errors.New("--find-max needs an SLO (e.g. --slo p99=10ms)")
			}
			slo = s
		}
		o.FindMax = &slo
	} else if f.slo != "" {
		return errors.New("--slo is the objective of --find-max; give --find-max too (storefit pick and report take their own --slo)")
	}
	return nil
}

// printEstimates prints what each cell of plan is expected to cost and the
// total (run --dry-run).
func printEstimates(w io.Writer, plan runner.Plan, hist *runner.History) error {
	es, err := runner.EstimatePlan(plan, hist)
	if err != nil {
		return usageError{err}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scale\tworkload\tstore\trecords\tload\tdisk\tmeasured\tbasis")
	var load, measure float64
	unknown := 0
	for _, e := range es {
		lt, disk, basis := "?", "?", "no load of this workload on this store in --history"
		if e.Load.Seconds > 0 {
			lt, basis = runner.FormatSeconds(e.Load.Seconds), e.Load.Basis
			load += e.Load.Seconds
		} else {
			unknown++
		}
		if e.Load.DiskBytes > 0 {
			disk = results.FormatBytes(int64(e.Load.DiskBytes))
		}
		if e.OverBudget {
			lt += " (over max_load: skipped)"
			load -= e.Load.Seconds
		}
		measure += e.Measure.Seconds()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%v\t%s\n", e.Cell.Params.Scale, e.Cell.Workload, e.Cell.Store, results.FormatSize(float64(e.Load.Records)), lt, disk, e.Measure, basis)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d cells: loads ≈ %s, warm-up and measured phases %s", len(es), runner.FormatSeconds(load), runner.FormatSeconds(measure))
	if unknown > 0 {
		fmt.Fprintf(w, ", plus %d loads without an estimate", unknown)
	}
	fmt.Fprintln(w, " (setup, validation and find-max searches come on top).")
	return nil
}
