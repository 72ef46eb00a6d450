// Package resultstest builds synthetic, deterministic result documents for
// the tests of reports, recommendations, comparisons and exports: the same
// figures on every machine, so golden files stay stable.
package resultstest

import (
	"math"
	"math/rand/v2"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/storefit/storefit/results"
)

// Start is when the sample runs started.
var Start = time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)

// Env is the sample machine.
var Env = results.Environment{OS: "linux", Arch: "amd64", Kernel: "6.1.0", CPUModel: "Sample CPU @ 3.00GHz",
	Cores: 8, GOMAXPROCS: 8, MemoryBytes: 32 << 30, GoVersion: "go1.26.0"}

// Spec describes one synthetic cell.
type Spec struct {
	Workload string
	Store    string
	// Status defaults to ok.
	Status string
	Error  string
	// Kinds are the operation kinds with their share of the operations.
	Kinds []string
	// OpsPerSec is the throughput; P50Us the median latency (µs); the
	// latencies are log-normal with Spread as the sigma of the log.
	OpsPerSec float64
	P50Us     float64
	Spread    float64
	// ValidationFailed marks failed answers; Sink a store that keeps no
	// data; Embedded a store in storefit's process.
	ValidationFailed bool
	Sink, Embedded   bool
	// Rate > 0 makes an open-loop run; Behind makes its schedule fall
	// behind with the load generator saturated.
	Rate   float64
	Behind bool
	// LoadRows is the load rate (rows/s).
	LoadRows float64
	// Seconds is the measured duration (default 5).
	Seconds int
	// Stall makes interval 2 a stall (a tenth of the throughput, ten
	// times the latency).
	Stall bool
}

// Cell builds the cell of a spec, repetition rep (0 without repeats);
// jitter scales its throughput.
func Cell(s Spec, rep int, jitter float64) results.Cell {
	pattern := s.Workload
	for i := range pattern {
		if pattern[i] == '/' {
			pattern = pattern[:i]
			break
		}
	}
	c := results.Cell{
		Workload: s.Workload, Pattern: pattern, Store: s.Store, Status: s.Status, Error: s.Error,
		Embedded: s.Embedded, Sink: s.Sink, Repetition: rep, StoreVersion: s.Store + " 1.0",
		Seed: 1, Scale: "quick", Settings: map[string]any{"records": 1000},
		Params: results.RunParams{Workers: 2, Rate: s.Rate, DurationSeconds: 5, WarmupSeconds: 1, TimeoutSeconds: 10, Loaders: 2},
	}
	if c.Status == "" {
		c.Status = results.StatusOK
	}
	if c.Status == results.StatusNA {
		return c
	}
	if !s.Embedded {
		c.DSN = s.Store + "://bench:xxxxx@localhost/bench"
	}
	rows := int64(1000)
	if s.LoadRows > 0 {
		c.Load = &results.Load{Rows: rows, Seconds: float64(rows) / s.LoadRows, RowsPerSec: s.LoadRows, Loaders: 2, SetupSeconds: 0.01}
	}
	if c.Status != results.StatusOK {
		return c
	}
	v := &results.Validation{Status: results.ValidationPassed, Checks: 20, Seconds: 0.05}
	switch {
	case s.Sink:
		v = &results.Validation{Status: results.ValidationSkipped, Reason: "store keeps no data"}
	case s.ValidationFailed:
		v.Status, v.Failed = results.ValidationFailed, 2
		v.Failures = []string{"query 3: 10 hits, want 12", "query 7: order differs at 2"}
	}
	c.Validation = v
	c.Run = run(s, rep, jitter)
	return c
}

func run(s Spec, rep int, jitter float64) *results.Run {
	secs := s.Seconds
	if secs == 0 {
		secs = 5
	}
	seed := uint64(len(s.Workload))*7919 + uint64(len(s.Store))*104729 + uint64(rep)
	for _, b := range []byte(s.Workload + s.Store) {
		seed = seed*31 + uint64(b)
	}
	rng := rand.New(rand.NewPCG(seed, 42))
	thr := s.OpsPerSec * jitter
	total := int64(thr * float64(secs))
	spread := s.Spread
	if spread == 0 {
		spread = 0.5
	}
	r := &results.Run{Mode: results.ClosedLoop, Seconds: float64(secs), MeasuredStart: Start.Add(time.Duration(rep) * time.Minute)}
	if s.Rate > 0 {
		r.Mode = results.OpenLoop
		r.IntendedRate = s.Rate
		r.IntendedOps = int64(s.Rate) * int64(secs)
	}
	// Samples: the histograms hold at most 20,000 values per kind so the
	// tests stay fast; counts are scaled up with RecordValues.
	const maxSamples = 20000
	kinds := s.Kinds
	if len(kinds) == 0 {
		kinds = []string{"read"}
	}
	perKind := total / int64(len(kinds))
	ivHists := make([]*hdr.Histogram, secs)
	ivOps := make([]int64, secs)
	for i := range ivHists {
		ivHists[i] = results.NewIntervalHistogram()
	}
	for ki, kind := range kinds {
		h, uh := results.NewHistogram(), results.NewHistogram()
		n := min(perKind, maxSamples)
		// Sample i stands for weight(i) operations; the weights add up to
		// exactly perKind.
		weight := func(i int64) int64 { return perKind*(i+1)/n - perKind*i/n }
		median := s.P50Us * (1 + 0.3*float64(ki))
		for i := int64(0); i < n; i++ {
			sec := int(i * int64(secs) / max(n, 1))
			lat := median * math.Exp(spread*rng.NormFloat64())
			if s.Stall && sec == 2 {
				lat *= 10
				if i%10 != 0 {
					continue
				}
			}
			ns := int64(lat * 1e3)
			service := ns
			if s.Behind {
				// The schedule fell behind: waiting adds to the corrected
				// latency, more the later in the run.
				ns += int64(float64(i) / float64(n) * 50e6)
			}
			w := weight(i)
			_ = h.RecordValues(max(ns, 1), w)
			_ = ivHists[sec].RecordValues(max(ns, 1), w)
			ivOps[sec] += w
			if s.Rate > 0 {
				_ = uh.RecordValues(max(service, 1), w)
			}
		}
		st := results.OpStats{Kind: kind, Count: h.TotalCount(), OpsPerSec: float64(h.TotalCount()) / float64(secs), Latency: results.Summarize(h)}
		st.Histogram, _ = results.EncodeHistogram(h)
		if s.Rate > 0 {
			u := results.Summarize(uh)
			st.Uncorrected = &u
			st.UncorrectedHistogram, _ = results.EncodeHistogram(uh)
		}
		if ki == 0 && s.Store == "postgres" && perKind >= 10000 {
			// Two timeouts in tens of thousands: within the 0.1% of
			// failed operations ranking allows.
			st.Errors = map[string]int64{"timeout": 2}
			st.ErrorSamples = []string{"context deadline exceeded"}
		}
		r.Ops += st.Count
		r.Errors += st.ErrorCount()
		r.Kinds = append(r.Kinds, st)
	}
	r.OpsPerSec = float64(r.Ops) / float64(secs)
	for i, h := range ivHists {
		iv := results.Interval{T: i, Ops: ivOps[i], OpsPerSec: float64(ivOps[i])}
		if h.TotalCount() > 0 {
			iv.P50Us = results.Quantile(h, 50)
			iv.P99Us = results.Quantile(h, 99)
			iv.MaxUs = float64(h.Max()) / 1e3
			iv.Histogram, _ = results.EncodeHistogram(h)
		}
		r.Intervals = append(r.Intervals, iv)
	}
	util := 0.35
	if s.Behind {
		util = 0.97
		r.LateOps = r.Ops / 3
		r.MaxLagUs = 50000
		r.DroppedOps = r.IntendedOps - r.Ops - r.Errors
		if r.DroppedOps < 0 {
			r.DroppedOps = 0
		}
	}
	r.Harness = &results.Harness{UserSeconds: util * 8 * float64(secs) * 0.8, SystemSeconds: util * 8 * float64(secs) * 0.2,
		Cores: util * 8, Utilization: util, GOMAXPROCS: 8}
	return r
}

// Result builds a result of the specs, each repeated repeat times
// (interleaved, numbered from 1 when repeat > 1) with a throughput jitter of
// a few percent per repetition.
func Result(specs []Spec, repeat int) *results.Result {
	r := &results.Result{
		SchemaVersion: results.SchemaVersion, Tool: results.Tool{Version: "v0.1.0", Commit: "abc1234"},
		StartedAt: Start, FinishedAt: Start.Add(10 * time.Minute), Complete: true,
		Environment: Env, Suite: "sample", PlanID: "0123456789abcdef",
	}
	if repeat > 1 {
		r.Repeat = repeat
	}
	jitters := []float64{1, 0.98, 1.015, 0.99, 1.02, 1.005, 0.985, 1.01}
	for rep := 1; rep <= max(repeat, 1); rep++ {
		for _, s := range specs {
			n := rep
			if repeat <= 1 {
				n = 0
			}
			r.Cells = append(r.Cells, Cell(s, n, jitters[(rep-1)%len(jitters)]))
		}
	}
	return r
}

// Specs is a small suite over five patterns and four stores with every
// situation a report must show: a winner per pattern, an n/a cell, a failed
// cell, a failed validation, a store over the default SLO, a sink, and a
// stall.
func Specs() []Spec {
	read := []string{"read"}
	rw := []string{"read", "update"}
	return []Spec{
		{Workload: "point/a", Store: "postgres", Kinds: rw, OpsPerSec: 21000, P50Us: 180, LoadRows: 90000},
		{Workload: "point/a", Store: "redis", Kinds: rw, OpsPerSec: 64000, P50Us: 60, LoadRows: 400000},
		{Workload: "point/a", Store: "duckdb", Kinds: rw, OpsPerSec: 3100, P50Us: 1200, LoadRows: 600000, Embedded: true, Stall: true},
		{Workload: "point/a", Store: "noop", Kinds: rw, OpsPerSec: 900000, P50Us: 1.5, Sink: true, Embedded: true, LoadRows: 5e6},
		{Workload: "point/c", Store: "postgres", Kinds: read, OpsPerSec: 30000, P50Us: 120, LoadRows: 90000},
		{Workload: "point/c", Store: "redis", Kinds: read, OpsPerSec: 81000, P50Us: 45, LoadRows: 400000},
		{Workload: "point/c", Store: "duckdb", Kinds: read, OpsPerSec: 5200, P50Us: 700, LoadRows: 600000, Embedded: true},
		{Workload: "point/c", Store: "noop", Kinds: read, OpsPerSec: 1.2e6, P50Us: 1.2, Sink: true, Embedded: true, LoadRows: 5e6},
		{Workload: "agg/mix", Store: "postgres", Kinds: []string{"q1", "q2", "q3"}, OpsPerSec: 45, P50Us: 30000, Spread: 0.3, LoadRows: 120000},
		{Workload: "agg/mix", Store: "redis", Status: results.StatusNA, Error: "redis does not support the agg pattern: not supported by this store"},
		{Workload: "agg/mix", Store: "duckdb", Kinds: []string{"q1", "q2", "q3"}, OpsPerSec: 420, P50Us: 3000, Spread: 0.3, LoadRows: 900000, Embedded: true},
		{Workload: "search/mix", Store: "postgres", Kinds: []string{"term", "phrase"}, OpsPerSec: 800, P50Us: 1800, Spread: 0.4, LoadRows: 30000},
		{Workload: "search/mix", Store: "redis", Status: results.StatusNA, Error: "redis does not support the search pattern: not supported by this store"},
		{Workload: "search/mix", Store: "duckdb", Kinds: []string{"term", "phrase"}, OpsPerSec: 1000, P50Us: 1500, Spread: 0.4, LoadRows: 50000, Embedded: true, ValidationFailed: true},
		{Workload: "graph/fof", Store: "postgres", Kinds: []string{"fof"}, OpsPerSec: 310, P50Us: 5000, Spread: 0.2, LoadRows: 150000},
		{Workload: "graph/fof", Store: "redis", Status: results.StatusFailed, Error: "open redis redis://localhost:6379: connection refused"},
		{Workload: "graph/fof", Store: "duckdb", Kinds: []string{"fof"}, OpsPerSec: 150, P50Us: 9000, Spread: 0.1, LoadRows: 700000, Embedded: true},
	}
}

// Sample returns the sample suite run with 3 repetitions, and an open-loop
// run whose load generator fell behind with a find-max search beside it.
func Sample() []*results.Result {
	a := Result(Specs(), 3)
	b := Result([]Spec{
		{Workload: "point/c", Store: "redis", Kinds: []string{"read"}, OpsPerSec: 38000, P50Us: 70, Rate: 50000, Behind: true, LoadRows: 400000},
	}, 1)
	b.StartedAt = Start.Add(time.Hour)
	b.FinishedAt = b.StartedAt.Add(time.Minute)
	b.PlanID = "fedcba9876543210"
	fm := Cell(Spec{Workload: "point/c", Store: "postgres", Kinds: []string{"read"}, OpsPerSec: 24000, P50Us: 150, Rate: 24000, LoadRows: 90000}, 0, 1)
	atMax := []results.BoundCheck{{Bound: "p99=10ms", Percentile: 99, LimitUs: 10000, Ops: 240000, Us: 4000, LowUs: 3900, HighUs: 4150, OK: true},
		{Bound: "read:p99.9=20ms", Kind: "read", Percentile: 99.9, LimitUs: 20000, Ops: 240000, Us: 9100, LowUs: 8700, HighUs: 9800, OK: true}}
	fm.MaxRate = &results.MaxRate{SLO: "p99=10ms,read:p99.9=20ms", Rate: 24000, Bounded: true, Capacity: 30500, BoundBy: "p99=10ms", AtMax: atMax, Steps: []results.RateStep{
		{Rate: 0, OpsPerSec: 30500, P50Us: 130, P99Us: 900, OK: true},
		{Rate: 3810, OpsPerSec: 3810, P50Us: 110, P99Us: 400, UncorrectedP50Us: 110, UncorrectedP99Us: 390, OK: true},
		{Rate: 7620, OpsPerSec: 7620, P50Us: 115, P99Us: 450, UncorrectedP50Us: 114, UncorrectedP99Us: 440, OK: true},
		{Rate: 15200, OpsPerSec: 15200, P50Us: 125, P99Us: 700, UncorrectedP50Us: 124, UncorrectedP99Us: 650, OK: true},
		{Rate: 30500, OpsPerSec: 27100, P50Us: 9000, P99Us: 61000, UncorrectedP50Us: 140, UncorrectedP99Us: 1100, Reason: "achieved 27,100 of 30,500 ops/s"},
		{Rate: 22900, OpsPerSec: 22900, P50Us: 140, P99Us: 2100, UncorrectedP50Us: 138, UncorrectedP99Us: 1500, OK: true},
		{Rate: 26700, OpsPerSec: 26600, P50Us: 600, P99Us: 14000, UncorrectedP50Us: 142, UncorrectedP99Us: 1200, Reason: "p99 14,000 µs > 10ms"},
		{Rate: 24800, OpsPerSec: 24800, P50Us: 300, P99Us: 11000, UncorrectedP50Us: 140, UncorrectedP99Us: 1150, Reason: "p99 11,000 µs > 10ms"},
		{Rate: 24000, OpsPerSec: 24000, P50Us: 160, P99Us: 4000, UncorrectedP50Us: 139, UncorrectedP99Us: 1100, OK: true, Checks: atMax},
	}}
	b.Cells = append(b.Cells, fm)
	return []*results.Result{a, b}
}

// SweepSpec is one contender's cell at one scale of a sweep.
type SweepSpec struct {
	Spec
	Scale        string
	Records      int64
	StorageBytes int64
}

// Sweep builds a result of cells at several scales, each with its data
// size and size on disk.
func Sweep(specs []SweepSpec) *results.Result {
	r := Result(nil, 1)
	r.Suite = "sweep"
	for _, s := range specs {
		c := Cell(s.Spec, 0, 1)
		c.Scale, c.Records, c.StorageBytes = s.Scale, s.Records, s.StorageBytes
		c.Settings = map[string]any{"records": s.Records}
		if c.Load != nil {
			c.Load.Rows = s.Records
			c.Load.Seconds = float64(s.Records) / c.Load.RowsPerSec
		}
		r.Cells = append(r.Cells, c)
	}
	return r
}

// GraphSweep is a sweep of graph/deep on two stores over three sizes
// (100 k, 1 M, 10 M edges) whose curves cross at 2 M edges: sqlite's
// throughput falls tenfold per decade (10 000, 1 000, 100 ops/s) and its
// median latency grows tenfold (100 µs, 1 ms, 10 ms), while neo4j holds
// 500 ops/s and 2 ms; a third store fails validation at 10 M.
func GraphSweep() *results.Result {
	kinds := []string{"path", "reach"}
	var specs []SweepSpec
	for i, sc := range []string{"quick", "10", "100"} {
		n := int64(100_000) * int64(math.Pow(10, float64(i)))
		f := math.Pow(10, float64(i))
		specs = append(specs,
			SweepSpec{Spec{Workload: "graph/deep", Store: "sqlite", Kinds: kinds, OpsPerSec: 10000 / f, P50Us: 100 * f, Spread: 0.2, LoadRows: 1e6, Embedded: true}, sc, n, n * 20},
			SweepSpec{Spec{Workload: "graph/deep", Store: "neo4j", Kinds: kinds, OpsPerSec: 500, P50Us: 2000, Spread: 0.2, LoadRows: 5e4}, sc, n, n * 60},
			SweepSpec{Spec{Workload: "graph/deep", Store: "duckdb", Kinds: kinds, OpsPerSec: 800, P50Us: 1200, Spread: 0.2, LoadRows: 2e6, Embedded: true,
				ValidationFailed: sc == "100"}, sc, n, n * 12},
		)
	}
	return Sweep(specs)
}
