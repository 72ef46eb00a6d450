package results

import (
	"fmt"
	"time"
)

// SchemaVersion is the version of the result document this package writes.
// It changes when a field changes meaning or is removed; added fields do not
// change it.
const SchemaVersion = 1

// Result is the document one `storefit run` writes.
type Result struct {
	SchemaVersion int       `json:"schema_version"`
	Tool          Tool      `json:"storefit"`
	StartedAt     time.Time `json:"started_at"`
	FinishedAt    time.Time `json:"finished_at"`
	// Complete is false when the run was interrupted (Ctrl-C, SIGTERM, a
	// fatal error) — the cells then hold what was measured up to that
	// point — or when a store stalled so that a measured phase could not
	// end on time (its cell says so in Run.Stalled).
	Complete bool `json:"complete"`
	// Interrupted says why the run is incomplete: the signal that stopped
	// it, or the stall.
	Interrupted string `json:"interrupted,omitempty"`
	// RunID identifies this run: a short random hex string, also in the
	// default result file name, so runs started in the same instant never
	// share a file.
	RunID       string      `json:"run_id,omitempty"`
	Environment Environment `json:"environment"`
	// Suite names the suite file the run came from, if any.
	Suite string `json:"suite,omitempty"`
	// PlanID identifies the plan the run executed: a hash of its workloads
	// (with their effective settings), stores (names, not DSNs), runner
	// settings, seed, scale and repeat count. Shards of one plan share it,
	// so merge can refuse results of different plans.
	PlanID string `json:"plan_id,omitempty"`
	// Repeat is the number of repetitions of every cell (1 when unset).
	Repeat int `json:"repeat,omitempty"`
	// Shard is set when the run was one shard of a plan; a merged result
	// lists the shards it was made of in Merged.
	Shard *Shard `json:"shard,omitempty"`
	// Merged lists the shard results a merged result was made of.
	Merged []Shard `json:"merged,omitempty"`
	// Phase is "load" for a load-only run (setup and load, no measured
	// phase) and "run" for a run that measured data an earlier load-only
	// run left in the store; empty when the run did every phase.
	Phase string `json:"phase,omitempty"`
	// StartAt is the coordinated start of the first cell's measured phase
	// (run --start-at), and StartEverySeconds the time between the
	// coordinated starts of consecutive cells.
	StartAt           time.Time `json:"start_at,omitzero"`
	StartEverySeconds float64   `json:"start_every_s,omitempty"`
	// Objectives are the latency objectives the suite set for ranking
	// (pick and the reports use them before their defaults).
	Objectives []Objective `json:"objectives,omitempty"`
	Cells      []Cell      `json:"cells"`
	// Label, when set, shows the result as a series of its own beside
	// other results (storefit report a.json b.json): its cells are
	// contenders apart from the same cells of other results, labelled
	// "store · label". It is not written to the file.
	Label string `json:"-"`
}

// Shard says which share of a plan a run executed: shard Index of Count
// (0 <= Index < Count). Shard i loads parts [i·L, (i+1)·L) of Count·L (L
// loaders) and runs the workers with global ids i·W+w of Count·W (W
// workers), so the shards together load the same data and issue the same
// operation streams as one run with Count·W workers.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
	// Host names the machine the shard ran on, if known.
	Host string `json:"host,omitempty"`
}

// String formats the shard as "i/n".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Tool identifies the storefit build that produced a result.
type Tool struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
}

// Environment describes the machine the load generator ran on.
type Environment struct {
	OS          string `json:"os"`
	Arch        string `json:"arch"`
	Kernel      string `json:"kernel,omitempty"`
	CPUModel    string `json:"cpu_model"`
	Cores       int    `json:"cores"`
	GOMAXPROCS  int    `json:"gomaxprocs"`
	MemoryBytes uint64 `json:"memory_bytes"`
	GoVersion   string `json:"go_version"`
}

// Cell status values.
const (
	StatusOK          = "ok"          // measured (validation may still have failed)
	StatusNA          = "n/a"         // the store does not support the workload
	StatusFailed      = "failed"      // an error stopped the cell
	StatusInterrupted = "interrupted" // the run was stopped during the cell
)

// Cell is one (workload, store, parameters) combination of a run.
type Cell struct {
	Workload string `json:"workload"`
	Pattern  string `json:"pattern"`
	Store    string `json:"store"`
	// Embedded is true when the store runs inside storefit's process, so
	// storefit's own CPU figures include the store's work.
	Embedded bool `json:"embedded,omitempty"`
	// Sink is true when the store keeps nothing it is given (the noop
	// store): it measures the harness, and is never ranked.
	Sink bool `json:"sink,omitempty"`
	// Oracle is true for the reference store answers are checked against
	// (memory): recommendations leave it out unless asked.
	Oracle bool `json:"oracle,omitempty"`
	// Repetition numbers the repetitions of one cell from 1 under
	// `run --repeat N`; 0 in results of runs without repeats.
	Repetition int `json:"repetition,omitempty"`
	// DSN is the connection string with any password redacted.
	DSN          string `json:"dsn,omitempty"`
	StoreVersion string `json:"store_version,omitempty"`
	// Connection says how the client reached the store: connections
	// shared or one per worker, pipelining, prepared statements, network
	// I/O. Nil when the driver does not say.
	Connection *Connection `json:"connection,omitempty"`
	Status     string      `json:"status"`
	Error      string      `json:"error,omitempty"`
	Seed       uint64      `json:"seed"`
	Scale      string      `json:"scale"`
	// Records is the size of the cell's data set in records (rows, edges,
	// documents, readings: see RecordUnit), whatever the phases run.
	Records int64 `json:"records,omitempty"`
	// StorageBytes is the bytes the store's data take after the load
	// (drivers.Sizer: files of an embedded store, relation or index sizes
	// a server reports, or Redis' memory; Load.Size says which), from
	// stores that report it; 0 when unknown. The cost-growth figures
	// divide it by Records; Load.StoreBytes is the load's share of it.
	StorageBytes int64 `json:"storage_bytes,omitempty"`
	// MemoryBound describes the memory bound the store ran under (a
	// cgroup limit, cache settings), when it was started with one.
	MemoryBound string `json:"memory_bound,omitempty"`
	// Settings are the workload's effective settings.
	Settings   map[string]any `json:"settings,omitempty"`
	Params     RunParams      `json:"params"`
	Load       *Load          `json:"load,omitempty"`
	Validation *Validation    `json:"validation,omitempty"`
	Run        *Run           `json:"run,omitempty"`
	// MaxRate is the outcome of `run --find-max`: the open-loop rates tried
	// and the highest that met the SLO. Run is then the run at that rate.
	MaxRate *MaxRate `json:"max_rate,omitempty"`
	// Warmup is what the warm-up before the measured phase did: how long
	// it ran and, under --warmup auto, whether the workload reached a
	// steady state before the cap.
	Warmup *Warmup `json:"warmup,omitempty"`
	// Ramp is the outcome of --workers auto: the worker counts tried and
	// the one the measured phase ran with (Params.Workers).
	Ramp *WorkerRamp `json:"workers_ramp,omitempty"`
	// StoreSettings are the store-side settings the driver used that
	// change what is measured (caches on or off, blind or checked writes,
	// transaction style), by name (drivers.Settings).
	StoreSettings map[string]string `json:"store_settings,omitempty"`
	// Sync is the outcome of a sync workload: freshness lag and divergence
	// of each derived view under one sync strategy.
	Sync *Sync `json:"sync,omitempty"`
	// Thresholds are the outcomes of the run's thresholds on this cell.
	Thresholds []ThresholdCheck `json:"thresholds,omitempty"`
}

// Connection says how a cell's client reached its store, so a result states
// which system was measured (drivers.Connection).
type Connection struct {
	// Client names the client library and how it was used.
	Client string `json:"client,omitempty"`
	// Conns is "shared" (the workers share the client's connections: a
	// pool, or connections it pipelines or multiplexes on), "worker" (a
	// connection per worker, held for the phase) or "in-process" (an
	// embedded store).
	Conns string `json:"conns"`
	// PoolSize is the most connections shared workers use (0: unbounded or
	// the client's choice).
	PoolSize int `json:"pool_size,omitempty"`
	// Pipelining is "off" (one request at a time per connection), "auto"
	// (concurrent requests written together on a shared connection) or
	// "multiplexed" (concurrent requests on a connection, answered in any
	// order).
	Pipelining string `json:"pipelining,omitempty"`
	// Prepared says how statements were sent, where the store has
	// prepared statements.
	Prepared string `json:"prepared,omitempty"`
	// IO is "netpoll" (Go's network poller) or "blocking" (blocking system
	// calls on the worker's thread).
	IO string `json:"io,omitempty"`
	// YCSB is true for YCSB's semantics: one connection per worker, one
	// request in flight on it.
	YCSB bool `json:"ycsb_semantics,omitempty"`
}

// MaxRate is the outcome of a maximum-rate search.
type MaxRate struct {
	// SLO is the latency objective every step was checked against, e.g.
	// "p99<=10ms".
	SLO string `json:"slo"`
	// Rate is the highest target rate (ops/s) that met the SLO; 0 when no
	// rate tried met it.
	Rate float64 `json:"rate"`
	// Bounded is false when every rate tried met the SLO, so Rate is a
	// lower bound rather than the maximum.
	Bounded bool `json:"bounded"`
	// Capacity is the closed-loop throughput the search started from.
	Capacity float64 `json:"capacity_ops_per_s"`
	// Steps are the runs of the search in the order they ran.
	Steps []RateStep `json:"steps"`
	// BoundBy names what stopped the search: the bound ("timeline:p99=20ms",
	// "p99=10ms" for all operations together, or "errors", "dropped",
	// "rate") the lowest missed rate above Rate missed first; "" when
	// unbounded.
	BoundBy string `json:"bound_by,omitempty"`
	// AtMax are the SLO's bounds checked at Rate (the kept step): each
	// kind's percentile with its confidence interval.
	AtMax []BoundCheck `json:"at_max,omitempty"`
}

// BoundCheck is one bound of an SLO checked on one find-max step.
type BoundCheck struct {
	// Bound is the bound as the SLO gives it: "timeline:p99=20ms", or
	// "p99=10ms" for every operation together.
	Bound string `json:"bound"`
	// Kind is the operation kind held ("" for every operation together).
	Kind       string  `json:"kind,omitempty"`
	Percentile float64 `json:"percentile"`
	LimitUs    float64 `json:"limit_us"`
	// Ops is the number of operations the percentile was judged on (every
	// scheduled one of the kind: completed, failed and dropped).
	Ops int64 `json:"ops"`
	// Us is the percentile; LowUs and HighUs bound it with 95% confidence
	// whatever the distribution (results.QuantileInterval: the exact
	// binomial order-statistic interval); Open says the interval has no
	// upper bound (too few operations).
	Us     float64 `json:"us"`
	LowUs  float64 `json:"low_us"`
	HighUs float64 `json:"high_us"`
	Open   bool    `json:"open,omitempty"`
	// OK says the percentile met the bound.
	OK bool `json:"ok"`
}

// RateStep is one open-loop run of a maximum-rate search.
type RateStep struct {
	// Rate is the target rate; 0 marks the closed-loop capacity probe.
	Rate      float64 `json:"rate"`
	OpsPerSec float64 `json:"ops_per_s"`
	Errors    int64   `json:"errors"`
	// P50Us and P99Us are the latencies the SLO is checked on: corrected,
	// failed operations at their time to failure and dropped ones from
	// their intended start included.
	P50Us float64 `json:"p50_us"`
	P99Us float64 `json:"p99_us"`
	// Uncorrected latencies (service time) beside the corrected ones.
	UncorrectedP50Us float64 `json:"uncorrected_p50_us,omitempty"`
	UncorrectedP99Us float64 `json:"uncorrected_p99_us,omitempty"`
	// OK says whether the step met the SLO; Reason says why not.
	OK     bool   `json:"ok"`
	Reason string `json:"reason,omitempty"`
	// Refused is true when the rate was not judged: a bound's kind could
	// not gather enough operations for its percentile (results.MinOpsFor)
	// within the longest step allowed. Not OK, but not a miss either.
	Refused bool `json:"refused,omitempty"`
	// Seconds is the step's measured length when find-max extended it
	// beyond the configured duration so every bound's kind gathers enough
	// operations.
	Seconds float64 `json:"seconds,omitempty"`
	// Checks are the SLO's bounds checked on the step.
	Checks []BoundCheck `json:"checks,omitempty"`
	// Ops counts the step's completed operations (successful and failed).
	Ops int64 `json:"ops,omitempty"`
	// Starved is true when other processes kept storefit from the CPU
	// during the step (Run.Starved): its latency says more about the
	// machine than about the store.
	Starved bool `json:"starved,omitempty"`
}

// Worker rules (RunParams.WorkersRule).
const (
	// WorkersAuto: the worker count was found by the capacity ramp
	// (--workers auto; Cell.Ramp says how).
	WorkersAuto = "auto"
	// WorkersLow: two workers, named "latency at low load": the store
	// nearly idle, each operation's own latency.
	WorkersLow = "low"
)

// LowLoadWorkers is the worker count of --workers low.
const LowLoadWorkers = 2

// Warm-up modes (RunParams.WarmupMode).
const (
	// WarmupAuto runs the warm-up until the workload is steady (see
	// Warmup), at most RunParams.WarmupMaxSeconds.
	WarmupAuto = "auto"
	// WarmupFixed runs the warm-up for RunParams.WarmupSeconds.
	WarmupFixed = "fixed"
)

// RunParams are the runner settings of a cell.
type RunParams struct {
	// Workers is the number of workers of the measured phase; under
	// WorkersRule auto the count the ramp chose.
	Workers int `json:"workers"`
	// WorkersRule says how Workers was set: "auto" (the capacity ramp),
	// "low" (latency at low load) or "" (given).
	WorkersRule string `json:"workers_rule,omitempty"`
	// Rate is the target total rate in ops/s; 0 means closed loop.
	Rate            float64 `json:"rate,omitempty"`
	DurationSeconds float64 `json:"duration_s,omitempty"`
	Ops             int64   `json:"ops,omitempty"`
	WarmupSeconds   float64 `json:"warmup_s"`
	// WarmupMode is "auto" (until steady, at most WarmupMaxSeconds) or
	// "fixed" (WarmupSeconds); empty in results of older builds (fixed).
	WarmupMode       string  `json:"warmup_mode,omitempty"`
	WarmupMaxSeconds float64 `json:"warmup_max_s,omitempty"`
	TimeoutSeconds   float64 `json:"timeout_s,omitempty"`
	Loaders          int     `json:"loaders"`
}

// Load is the outcome of the load phase.
type Load struct {
	Rows       int64   `json:"rows"`
	Seconds    float64 `json:"seconds"`
	RowsPerSec float64 `json:"rows_per_s"`
	// ValuesPerSec is set for workloads whose rows carry several values.
	ValuesPerSec float64 `json:"values_per_s,omitempty"`
	Loaders      int     `json:"loaders"`
	// SetupSeconds is the time schema creation took.
	SetupSeconds float64 `json:"setup_s"`
	// StoreBytes is how much the load made the store's data grow, from
	// after setup to after the load (drivers.Sizer), where the driver can
	// tell; Size says what was counted ("disk: pg_database_size",
	// "memory: used_memory", …), and BytesPerRow is StoreBytes / Rows.
	StoreBytes  int64   `json:"store_bytes,omitempty"`
	BytesPerRow float64 `json:"bytes_per_row,omitempty"`
	Size        string  `json:"size,omitempty"`
}

// Validation outcomes.
const (
	ValidationPassed  = "passed"
	ValidationFailed  = "failed"
	ValidationSkipped = "skipped"
)

// Validation is the outcome of the validate phase and of the verify step
// after the measured phase: Checks, Failed and Failures count both, and a
// failed verify makes Status failed.
type Validation struct {
	Status   string             `json:"status"`
	Reason   string             `json:"reason,omitempty"`
	Checks   int                `json:"checks"`
	Failed   int                `json:"failed"`
	Failures []string           `json:"failures,omitempty"`
	Figures  map[string]float64 `json:"figures,omitempty"`
	Seconds  float64            `json:"seconds"`
	// Verify is the verify step's part, nil when none ran (the workload's
	// run does not write, or the store keeps nothing).
	Verify *Verify `json:"verify,omitempty"`
}

// VerifyFailurePrefix starts the Failures of a Validation that the verify
// step found.
const VerifyFailurePrefix = "after the run: "

// Verify is the outcome of the verify step: after the measured phase, what
// the run's acknowledged writes should have left is read back and compared
// (docs/architecture.md, "Verify step").
type Verify struct {
	// Status is passed, failed, or skipped when there was nothing to read
	// back (Reason says why).
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Checks and Failed count the read-backs compared and those that
	// differed; they are included in the Validation's.
	Checks int `json:"checks"`
	Failed int `json:"failed"`
	// Writes is the number of acknowledged writes the checks covered
	// (series: loaded readings read back); Unknown the writes of unknown
	// outcome (timed out, cancelled), accepted applied or not; Keys the
	// keys (records, rows, tweets, readings) read back.
	Writes  int64 `json:"writes"`
	Unknown int64 `json:"unknown,omitempty"`
	Keys    int64 `json:"keys"`
	// Skipped says which writes were not covered and why (keys that other
	// shards' workers also write).
	Skipped string  `json:"skipped,omitempty"`
	Seconds float64 `json:"seconds"`
}

// Loop modes.
const (
	ClosedLoop = "closed"
	OpenLoop   = "open"
)

// Run is the outcome of the measured phase.
type Run struct {
	Mode    string  `json:"mode"`
	Seconds float64 `json:"seconds"`
	Ops     int64   `json:"ops"`
	Errors  int64   `json:"errors"`
	// OpsPerSec counts successful operations.
	OpsPerSec float64 `json:"ops_per_s"`
	// Open loop: the target rate, and how far the schedule fell behind.
	IntendedRate float64 `json:"intended_rate,omitempty"`
	// LateOps counts operations started 1 ms or more after their intended
	// time (the store or the load generator could not keep up).
	LateOps  int64   `json:"late_ops,omitempty"`
	MaxLagUs float64 `json:"max_lag_us,omitempty"`
	// IntendedOps is the number of operations the open-loop schedule
	// planned before the measured phase's deadline; DroppedOps those of
	// them never started because the workers fell behind.
	IntendedOps int64 `json:"intended_ops,omitempty"`
	DroppedOps  int64 `json:"dropped_ops,omitempty"`
	// MeasuredStart is when the measured phase began (wall clock, UTC):
	// interval T counts seconds from it, so intervals of shards align.
	MeasuredStart time.Time `json:"measured_start,omitzero"`
	// StartAt is the coordinated start the measured phase waited for
	// (run --start-at; MeasuredStart is then the same instant), and
	// StartLagUs how much later than it the workers actually began.
	StartAt    time.Time `json:"start_at,omitzero"`
	StartLagUs float64   `json:"start_lag_us,omitempty"`
	// StartSkewUs, in a merged result, is the spread of the shards'
	// actual measured starts (MeasuredStart + StartLagUs): latest minus
	// earliest. OverlapSeconds is the common measured window: the time
	// every shard was measuring.
	StartSkewUs    float64 `json:"start_skew_us,omitempty"`
	OverlapSeconds float64 `json:"overlap_s,omitempty"`
	// OverlapOpsPerSec, in a merged result, is the successful operations
	// per second of all shards together over the seconds of the common
	// window (from the aligned intervals; a second counts when at most
	// 10 ms of it lies outside): what the store served while every shard
	// was running. 0 when the window holds no such second.
	OverlapOpsPerSec float64 `json:"overlap_ops_per_s,omitempty"`
	// Harness is storefit's own resource use during the measured phase.
	Harness *Harness `json:"harness,omitempty"`
	// Server is the store's server processes' resource use during the
	// measured phase, when their process is known (run --server-pid,
	// $STOREFIT_<STORE>_PID as storefit up exports it).
	Server *Server `json:"server,omitempty"`
	// Figures are measured figures of the phase beyond latency, by name,
	// from workloads that observe them (workloads.Observer): the twitter
	// scenario's routing counts, stale reads, lag and resource use.
	Figures map[string]float64 `json:"figures,omitempty"`
	// Trend is the trend test of the phase's per-second throughput: a
	// cell whose throughput still rose or fell while it was measured was
	// not in a steady state (nil in results of older builds).
	Trend *Trend `json:"trend,omitempty"`
	// Stalled is set when the phase could not end on time: operations
	// were still in flight after their grace period (past the deadline, or
	// after an interruption) and were abandoned. Such a run is not a
	// complete measurement.
	Stalled *Stall `json:"stalled,omitempty"`
	// Partial is set on the run of a cell in progress when storefit was
	// made to quit at once (a second Ctrl-C): only the seconds finished by
	// then are in Intervals, and Kinds is empty.
	Partial bool `json:"partial,omitempty"`
	// Faults are the faults injected into the store's server during the
	// phase (run --fault, a suite's faults), with their windows and the
	// time the store took to recover from each.
	Faults []Fault `json:"faults,omitempty"`
	// Process samples storefit's own memory and goroutines during the
	// phase, every 10 s and at its start and end: a load generator that
	// leaks shows a trend here (make soak).
	Process []ProcessSample `json:"process,omitempty"`
	// Kinds holds one entry per operation kind of the mix.
	Kinds     []OpStats  `json:"kinds"`
	Intervals []Interval `json:"intervals"`
}

// Stall describes the operations a measured phase abandoned because they
// did not return in time: the store stalled (or a driver ignored the
// cancellation of an interrupted run).
type Stall struct {
	// Ops is the number of operations abandoned.
	Ops int `json:"ops"`
	// OldestSeconds is how long the oldest of them had been running.
	OldestSeconds float64 `json:"oldest_s"`
	// AfterSeconds is how long after the phase had to end (its deadline,
	// or the interruption) it ended: the grace given to the operations.
	AfterSeconds float64 `json:"after_s"`
}

// ProcessSample is one sample of storefit's own resource use.
type ProcessSample struct {
	// T is the time since the start of the measured phase, in seconds.
	T float64 `json:"t_s"`
	// RSSBytes is the resident set size of the process (Linux; 0 where
	// unknown), HeapBytes the Go heap in use, Goroutines their number.
	RSSBytes   uint64 `json:"rss_bytes,omitempty"`
	HeapBytes  uint64 `json:"heap_bytes"`
	Goroutines int    `json:"goroutines"`
}

// Harness is the load generator's self-check: how much CPU storefit itself
// used while measuring. When the store is embedded the figures include the
// store's own work, which runs in the same process.
type Harness struct {
	// UserSeconds and SystemSeconds are the process's CPU time during the
	// measured phase.
	UserSeconds   float64 `json:"cpu_user_s"`
	SystemSeconds float64 `json:"cpu_system_s"`
	// Cores is the CPU time divided by the wall time: the average number
	// of cores busy.
	Cores float64 `json:"cpu_cores"`
	// Utilization is Cores divided by the cores storefit could use
	// (GOMAXPROCS): near 1 the load generator was saturated.
	Utilization float64 `json:"cpu_utilization"`
	// GOMAXPROCS is the number of cores storefit could use.
	GOMAXPROCS int `json:"gomaxprocs"`
	// CPUMicrosPerOp is storefit's CPU time (user and system) per started
	// operation, in µs: what the client costs the machine per operation,
	// taken from the cores the server could have had when both share a
	// machine. For an embedded store it includes the store's own work.
	CPUMicrosPerOp float64 `json:"cpu_us_per_op,omitempty"`
	// RunDelaySeconds is the time storefit's threads were ready to run
	// but waited for a CPU, summed over threads (Linux schedstat): other
	// processes competing for the machine's cores.
	RunDelaySeconds float64 `json:"run_delay_s,omitempty"`
	// LoadAverage is the machine's 1-minute load average at the end of the
	// measured phase, and CPUs its number of CPUs.
	LoadAverage float64 `json:"load_average,omitempty"`
	CPUs        int     `json:"cpus,omitempty"`
	// OtherCores is the average number of cores other processes kept busy
	// during the measured phase (the machine's CPU time, from /proc/stat,
	// minus storefit's); nil where it could not be measured.
	OtherCores *float64 `json:"other_cores,omitempty"`
}

// Server is the resource use of a store's server during the measured
// phase: the process given (run --server-pid) and all its descendants, read
// from /proc (Linux).
type Server struct {
	// PID is the server's main process.
	PID int `json:"pid"`
	// Processes is the most processes its tree held at a sample.
	Processes int `json:"processes"`
	// CPUSeconds is the CPU time (user and system) the tree used, with
	// that of its children that exited and were waited for.
	CPUSeconds float64 `json:"cpu_s"`
	// Cores is CPUSeconds divided by the phase's wall time: the average
	// number of cores the server kept busy.
	Cores float64 `json:"cpu_cores"`
	// OpsPerCore is the successful operations per second per core the
	// server kept busy (operations per CPU-second of the server): the
	// throughput a core of this server delivers on this workload.
	OpsPerCore float64 `json:"ops_per_core,omitempty"`
	// CPUMicrosPerOp is the server's CPU time per successful operation,
	// in µs.
	CPUMicrosPerOp float64 `json:"cpu_us_per_op,omitempty"`
	// PeakMemoryBytes is the highest memory of the tree at a sample (every
	// 250 ms and at the phase's end), summed over its processes, and
	// Memory says how it is counted: "pss" (proportional set size: shared
	// pages, such as PostgreSQL's shared buffers, divided among the
	// processes that map them) or "rss" (resident set, where the PSS
	// cannot be read).
	PeakMemoryBytes int64  `json:"peak_memory_bytes"`
	Memory          string `json:"memory"`
}

// PerOp sets the figures per operation of the server, for ops successful
// operations in the phase.
func (s *Server) PerOp(ops int64) {
	if s.CPUSeconds > 0 && ops > 0 {
		s.OpsPerCore = float64(ops) / s.CPUSeconds
		s.CPUMicrosPerOp = s.CPUSeconds * 1e6 / float64(ops)
	}
}

// OpStats are the figures of one operation kind.
type OpStats struct {
	Kind  string `json:"kind"`
	Count int64  `json:"count"`
	// Errors counts failed operations by class (timeout, not_found, …).
	Errors map[string]int64 `json:"errors,omitempty"`
	// ErrorSamples holds the first distinct error messages.
	ErrorSamples []string `json:"error_samples,omitempty"`
	OpsPerSec    float64  `json:"ops_per_s"`
	// Latency is measured from the intended start under open loop
	// (coordinated omission corrected), from the actual start otherwise.
	// It holds the successful operations only.
	Latency Latency `json:"latency_us"`
	// Dropped is this kind's share of the open-loop operations that were
	// scheduled but never started (Run.DroppedOps, apportioned to the
	// kinds by their share of the started operations: a dropped
	// operation was never chosen, so its own kind is unknown).
	Dropped int64 `json:"dropped,omitempty"`
	// Inclusive is the latency of every scheduled operation of the kind,
	// as wrk2 counts it: successful ones as in Latency, failed and
	// timed-out ones at their time to failure, dropped ones from their
	// intended start to the end of the measured phase. Ranking, SLOs and
	// thresholds use it. Nil when no operation failed or was dropped (it
	// is then Latency).
	Inclusive *Latency `json:"inclusive_latency_us,omitempty"`
	// Uncorrected is the latency from the actual start under open loop
	// (service time), kept beside the corrected figure.
	Uncorrected *Latency `json:"uncorrected_latency_us,omitempty"`
	// Histogram is the HdrHistogram of Latency in nanoseconds (V2
	// compressed encoding, base64).
	Histogram            string `json:"histogram" redact:"-"`
	UncorrectedHistogram string `json:"uncorrected_histogram,omitempty" redact:"-"`
	// FailureHistogram holds the failed operations' times to failure and
	// DroppedHistogram the dropped operations' times from their intended
	// start to the end of the phase (ns, encoded as Histogram).
	FailureHistogram string `json:"failure_histogram,omitempty" redact:"-"`
	DroppedHistogram string `json:"dropped_histogram,omitempty" redact:"-"`
}

// Latency is a latency summary in microseconds.
type Latency struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
}

// Interval is one second of the measured phase, all kinds together.
type Interval struct {
	// T is the second since the start of the measured phase.
	T         int     `json:"t"`
	Ops       int64   `json:"ops"`
	Errors    int64   `json:"errors"`
	OpsPerSec float64 `json:"ops_per_s"`
	P50Us     float64 `json:"p50_us"`
	P99Us     float64 `json:"p99_us"`
	MaxUs     float64 `json:"max_us"`
	// Histogram is the interval's latency histogram (all kinds, 2
	// significant digits), encoded as OpStats.Histogram.
	Histogram string `json:"histogram,omitempty" redact:"-"`
}
