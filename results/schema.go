package results

import (
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
	// Complete is false when the run was interrupted (Ctrl-C, a fatal
	// error): the cells then hold what was measured up to that point.
	Complete bool `json:"complete"`
	// Interrupted says why an incomplete run stopped.
	Interrupted string      `json:"interrupted,omitempty"`
	Environment Environment `json:"environment"`
	// Suite names the suite file the run came from, if any.
	Suite string `json:"suite,omitempty"`
	Cells []Cell `json:"cells"`
}

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
	// DSN is the connection string with any password redacted.
	DSN          string `json:"dsn,omitempty"`
	StoreVersion string `json:"store_version,omitempty"`
	Status       string `json:"status"`
	Error        string `json:"error,omitempty"`
	Seed         uint64 `json:"seed"`
	Scale        string `json:"scale"`
	// Settings are the workload's effective settings.
	Settings   map[string]any `json:"settings,omitempty"`
	Params     RunParams      `json:"params"`
	Load       *Load          `json:"load,omitempty"`
	Validation *Validation    `json:"validation,omitempty"`
	Run        *Run           `json:"run,omitempty"`
}

// RunParams are the runner settings of a cell.
type RunParams struct {
	Workers int `json:"workers"`
	// Rate is the target total rate in ops/s; 0 means closed loop.
	Rate            float64 `json:"rate,omitempty"`
	DurationSeconds float64 `json:"duration_s,omitempty"`
	Ops             int64   `json:"ops,omitempty"`
	WarmupSeconds   float64 `json:"warmup_s"`
	TimeoutSeconds  float64 `json:"timeout_s,omitempty"`
	Loaders         int     `json:"loaders"`
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
}

// Validation outcomes.
const (
	ValidationPassed  = "passed"
	ValidationFailed  = "failed"
	ValidationSkipped = "skipped"
)

// Validation is the outcome of the validate phase.
type Validation struct {
	Status   string             `json:"status"`
	Reason   string             `json:"reason,omitempty"`
	Checks   int                `json:"checks"`
	Failed   int                `json:"failed"`
	Failures []string           `json:"failures,omitempty"`
	Figures  map[string]float64 `json:"figures,omitempty"`
	Seconds  float64            `json:"seconds"`
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
	// Kinds holds one entry per operation kind of the mix.
	Kinds     []OpStats  `json:"kinds"`
	Intervals []Interval `json:"intervals"`
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
	Latency Latency `json:"latency_us"`
	// Uncorrected is the latency from the actual start under open loop
	// (service time), kept beside the corrected figure.
	Uncorrected *Latency `json:"uncorrected_latency_us,omitempty"`
	// Histogram is the HdrHistogram of Latency in nanoseconds (V2
	// compressed encoding, base64).
	Histogram            string `json:"histogram"`
	UncorrectedHistogram string `json:"uncorrected_histogram,omitempty"`
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
	Histogram string `json:"histogram,omitempty"`
}
