package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
)

// MemoryNeed is the memory a cell will take in storefit's process: its
// store's once the data is loaded, and the verify step's ledgers.
type MemoryNeed struct {
	// Bytes is the estimated peak: the footprint of the data — measured on
	// a sample loaded into a fresh store and extrapolated — and the
	// ledgers, with the headroom the Go garbage collector takes over data
	// on the Go heap (the heap grows to about twice its live size before a
	// collection).
	Bytes uint64
	// Records is the number of records the cell loads into a store in
	// this process (0 for a store that keeps its data elsewhere), and
	// PerRecord the measured footprint of one (without the headroom).
	Records   int64
	PerRecord float64
	// Ledgers is the memory of the workers' ledgers for the verify step
	// (workloads.LedgerSizer: fixed when the workers are made), without
	// the headroom; Workers the workers counted.
	Ledgers uint64
	Workers int
}

// Sampling of EstimateMemory: it loads about sampleRecords records, more
// (up to maxSampleRecords) until they take at least sampleBytes, so that
// the process's noise does not dominate the extrapolation.
const (
	sampleRecords    = 20_000
	maxSampleRecords = 640_000
	sampleBytes      = 32 << 20
)

// EstimateMemory estimates the memory cell's store will take in this
// process. ok is false when the store keeps its data elsewhere (on disk, in
// a server: drivers.MemoryResident) or the workload loads nothing. The
// estimate loads a sample of the cell's data (part 0 of the load, sized as
// above) into a fresh store, measures how much the Go heap and the
// process's resident memory grew, and scales that to every record.
func EstimateMemory(ctx context.Context, cell Cell, shard results.Shard) (need MemoryNeed, ok bool, err error) {
	return estimateMemory(ctx, cell, shard, 0)
}

// estimateMemory is EstimateMemory, sampling only as much as it takes to
// tell whether the data fits in avail (0: sample for precision).
func estimateMemory(ctx context.Context, cell Cell, shard results.Shard, avail uint64) (need MemoryNeed, ok bool, err error) {
	if !drivers.IsMemoryResident(cell.Store, cell.DSN) {
		return MemoryNeed{}, false, nil
	}
	wl, err := workloads.New(cell.Workload, cell.Params)
	if err != nil {
		return MemoryNeed{}, false, err
	}
	total := wl.Records() / int64(max(shard.Count, 1))
	if total <= 0 {
		return MemoryNeed{}, false, nil
	}
	want := int64(sampleRecords)
	for {
		parts := max(1, int((total+want-1)/want))
		heap, other, rows, err := measureSample(ctx, cell, wl, parts)
		if err != nil {
			return MemoryNeed{}, false, err
		}
		if rows == 0 {
			return MemoryNeed{}, false, nil
		}
		grown := heap + other
		scale := float64(total) / float64(rows)
		need = MemoryNeed{
			Records:   total,
			PerRecord: float64(grown) / float64(rows),
			Bytes:     uint64(float64(2*heap+other) * scale),
		}
		// A small sample is noisy: take a larger one, unless the answer
		// is clear anyway (far below what is available).
		if parts > 1 && grown < sampleBytes && want < maxSampleRecords && (avail == 0 || need.Bytes > avail/4) {
			want *= 4
			continue
		}
		return need, true, nil
	}
}

// measureSample loads part 0 of parts of wl into a fresh store of cell's
// and returns how much the live Go heap grew and how much the rest of the
// process's resident memory grew (memory outside the Go heap: a C
// library's), and the rows loaded.
func measureSample(ctx context.Context, cell Cell, wl workloads.Workload, parts int) (heap, other uint64, rows int64, err error) {
	h0, r0 := liveMemory()
	conn, err := drivers.Open(ctx, cell.Store, cell.DSN)
	if err != nil {
		return 0, 0, 0, err
	}
	defer func() {
		conn.Close()
		runtime.GC()
	}()
	if err := wl.Setup(ctx, conn); err != nil {
		return 0, 0, 0, fmt.Errorf("estimate memory: setup: %w", err)
	}
	var p progress
	if err := wl.Load(ctx, conn, 0, parts, &p); err != nil {
		return 0, 0, 0, fmt.Errorf("estimate memory: load a sample: %w", err)
	}
	if f, ok := wl.(workloads.Finisher); ok {
		if err := f.FinishLoad(ctx, conn); err != nil {
			return 0, 0, 0, fmt.Errorf("estimate memory: finish the load: %w", err)
		}
	}
	h1, r1 := liveMemory()
	runtime.KeepAlive(conn)
	if h1 > h0 {
		heap = h1 - h0
	}
	if r1 > r0 && r1-r0 > heap {
		other = r1 - r0 - heap
	}
	return heap, other, p.n.Load(), nil
}

// liveMemory returns the live Go heap after a collection and the resident
// set size of the process (0 where unknown).
func liveMemory() (heap, rss uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	rss, _ = residentBytes()
	return m.HeapAlloc, rss
}

// MemoryError reports a cell whose store will not fit in the memory
// available.
type MemoryError struct {
	Cell      Cell
	Need      MemoryNeed
	Available uint64
}

func (e *MemoryError) Error() string {
	var parts []string
	if e.Need.Records > 0 {
		parts = append(parts, fmt.Sprintf("%s records at about %s each", results.FormatCount(e.Need.Records), formatBytes(e.Need.PerRecord)))
	}
	if e.Need.Ledgers > 0 {
		parts = append(parts, fmt.Sprintf("%s for the verify step's ledgers of %d workers", formatBytes(float64(e.Need.Ledgers)), e.Need.Workers))
	}
	return fmt.Sprintf("%s on %s needs about %s of memory (%s, with the garbage collector's headroom), and %s are available: lower the records or the workers, use a store that keeps its data on disk or in a server, or give --force to run anyway",
		e.Cell.Workload, e.Cell.Store, formatBytes(float64(e.Need.Bytes)), strings.Join(parts, " and "), formatBytes(float64(e.Available)))
}

// ledgerNeed returns the memory of the ledgers the workers of cell keep in
// this process (the workers of its share in a sharded run) and the number
// of those workers; 0 when the workload keeps no ledgers.
func ledgerNeed(cell Cell, shard results.Shard) (bytes uint64, workers int, err error) {
	wl, err := workloads.New(cell.Workload, cell.Params)
	if err != nil {
		return 0, 0, err
	}
	ls, ok := wl.(workloads.LedgerSizer)
	if !ok {
		return 0, 0, nil
	}
	n := maxWorkers(cell.Config)
	total := ls.LedgerBytes(n)
	local := (n + max(shard.Count, 1) - 1) / max(shard.Count, 1) // the largest share
	return uint64(total / int64(n) * int64(local)), local, nil
}

// maxWorkers returns the most workers cfg may run at once: the capacity
// ramp's largest step under workers auto.
func maxWorkers(cfg Config) int {
	switch cfg.WorkersRule {
	case results.WorkersAuto:
		if cfg.WorkersMax > 0 {
			return max(cfg.WorkersMax, rampWarmupWorkers)
		}
		return max(DefaultWorkersMax, rampWarmupWorkers)
	case results.WorkersLow:
		return 2
	}
	return max(cfg.Workers, 1)
}

// CheckMemory estimates the memory of every cell — its store's where the
// store keeps its data in this process (EstimateMemory), and its workers'
// ledgers for the verify step — and returns a *MemoryError for the first
// that needs more than is available (the machine's available memory, or a
// container's limit). It checks nothing where the available memory cannot
// be read.
func (p Plan) CheckMemory(ctx context.Context) error {
	avail, ok, err := memoryBudget()
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	shard := p.Shard
	if shard.Count < 1 {
		shard = results.Shard{Count: 1}
	}
	for _, c := range p.Cells {
		need, ok, err := estimateMemory(ctx, c, shard, avail)
		if err != nil {
			return fmt.Errorf("%s on %s: %w", c.Workload, c.Store, err)
		}
		ledgers, workers, err := ledgerNeed(c, shard)
		if err != nil {
			return fmt.Errorf("%s on %s: %w", c.Workload, c.Store, err)
		}
		if ledgers > 0 {
			need.Ledgers, need.Workers = ledgers, workers
			need.Bytes += workloads.LedgerHeadroom * ledgers
			ok = true
		}
		if ok && need.Bytes > avail {
			// (avail is the budget: the machine's available memory or
			// $STOREFIT_MEMORY_AVAILABLE.)
			return &MemoryError{Cell: c, Need: need, Available: avail}
		}
	}
	return nil
}

// MemoryEnv, when set, is the memory a run may take (e.g. 8GiB) instead
// of what the machine (or container) has available: to leave room for a
// server on the same machine, or to test the check.
const MemoryEnv = "STOREFIT_MEMORY_AVAILABLE"

// memoryBudget returns the memory a run may take: $STOREFIT_MEMORY_AVAILABLE,
// else the available memory.
func memoryBudget() (uint64, bool, error) {
	v := strings.TrimSpace(os.Getenv(MemoryEnv))
	if v == "" {
		avail, ok := availableMemory()
		return avail, ok, nil
	}
	n, err := parseBytes(v)
	if err != nil {
		return 0, false, fmt.Errorf("$%s=%q: %w", MemoryEnv, v, err)
	}
	return n, true, nil
}

// parseBytes parses a size: a number with an optional unit B, KiB, MiB,
// GiB, TiB (KB, MB, GB, TB and K, M, G, T count in 1024s too).
func parseBytes(s string) (uint64, error) {
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.ToUpper(strings.TrimSpace(s[i:]))
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, errors.New("not a size (e.g. 8GiB, 512MiB)")
	}
	shift := map[string]uint{"": 0, "B": 0, "K": 10, "KB": 10, "KIB": 10, "M": 20, "MB": 20, "MIB": 20, "G": 30, "GB": 30, "GIB": 30, "T": 40, "TB": 40, "TIB": 40}
	sh, ok := shift[unit]
	if !ok {
		return 0, fmt.Errorf("unknown unit %q (use B, KiB, MiB, GiB or TiB)", unit)
	}
	return uint64(f * float64(uint64(1)<<sh)), nil
}

// formatBytes formats a size in bytes with a binary unit.
func formatBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	return fmt.Sprintf("%.1f %s", b, units[i])
}
