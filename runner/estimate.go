package runner

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
)

// History keeps the load figures of cells already measured — in this run
// (a sweep's smaller scales) or in earlier result files — so the runner can
// say what a load will cost before it starts it. It is safe for concurrent
// use.
type History struct {
	mu     sync.Mutex
	points map[string][]loadPoint // by workload and store
}

// loadPoint is one measured load.
type loadPoint struct {
	scale          string
	records        int64
	rowsPerSec     float64
	bytesPerRecord float64
	complete       bool // the load finished (a load stopped by its budget did not)
}

// NewHistory returns a history seeded with the cells of earlier results.
func NewHistory(rs []*results.Result) *History {
	h := &History{points: map[string][]loadPoint{}}
	for _, r := range rs {
		for i := range r.Cells {
			h.Add(&r.Cells[i])
		}
	}
	return h
}

// Add records the load of a cell, if it loaded.
func (h *History) Add(c *results.Cell) {
	if h == nil || c.Load == nil || c.Load.RowsPerSec <= 0 || c.Load.Rows <= 0 {
		return
	}
	p := loadPoint{scale: c.Scale, records: c.DataRecords(), rowsPerSec: c.Load.RowsPerSec, complete: c.Load.Rows >= c.DataRecords()}
	if c.StorageBytes > 0 && c.Records > 0 {
		p.bytesPerRecord = float64(c.StorageBytes) / float64(c.Records)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	key := c.Workload + "\x00" + c.Store
	h.points[key] = append(h.points[key], p)
}

// Estimate is what a load is expected to cost.
type Estimate struct {
	// Records is the size of the data to load.
	Records int64
	// Seconds is the expected duration of the load, 0 when no load rate
	// of the workload on the store was measured yet.
	Seconds float64
	// DiskBytes is the expected size on disk, 0 when the store never
	// reported its size.
	DiskBytes float64
	// Basis says which measurement the estimate rests on.
	Basis string
}

// Estimate returns the expected cost of loading records records of
// workload into store: at the load rate and bytes per record measured on
// the largest load of the same workload and store so far (rates usually
// fall as data grows, so a larger load is likely slower than this).
func (h *History) Estimate(workload, store string, records int64) Estimate {
	e := Estimate{Records: records}
	if h == nil {
		return e
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var best *loadPoint
	for i, p := range h.points[workload+"\x00"+store] {
		if best == nil || p.records > best.records {
			best = &h.points[workload+"\x00"+store][i]
		}
	}
	if best == nil {
		return e
	}
	e.Seconds = float64(records) / best.rowsPerSec
	e.DiskBytes = best.bytesPerRecord * float64(records)
	how := "measured"
	if !best.complete {
		how = "measured before the budget stopped it"
	}
	e.Basis = fmt.Sprintf("%s rows/s %s at %s records (scale %s)", results.FormatRate(best.rowsPerSec), how, results.FormatSize(float64(best.records)), best.scale)
	if best.bytesPerRecord > 0 {
		e.Basis = fmt.Sprintf("%s rows/s and %.0f bytes per record %s at %s records (scale %s)", results.FormatRate(best.rowsPerSec), best.bytesPerRecord, how,
			results.FormatSize(float64(best.records)), best.scale)
	}
	return e
}

// String says what the load will cost: "20 M records: ≈ 3 min 12 s and
// ≈ 2.3 GiB on disk, at 104,000 rows/s … measured at 2 M records (scale
// 10)".
func (e Estimate) String() string {
	s := results.FormatSize(float64(e.Records)) + " records"
	if e.Seconds <= 0 {
		return s + " (no load of this workload on this store measured yet: no estimate)"
	}
	parts := []string{"≈ " + FormatSeconds(e.Seconds)}
	if e.DiskBytes > 0 {
		parts = append(parts, "≈ "+results.FormatBytes(int64(e.DiskBytes))+" on disk")
	}
	return s + ": " + strings.Join(parts, " and ") + ", at the " + e.Basis
}

// FormatSeconds formats a duration in seconds compactly: 45 s, 3 min 12 s,
// 2 h 5 min.
func FormatSeconds(s float64) string {
	d := time.Duration(math.Round(s)) * time.Second
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.0f s", s)
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// ErrOverBudget marks a cell that was not loaded, or whose load was
// stopped, because it would take longer than its load budget (MaxLoad).
var ErrOverBudget = errors.New("over the load budget")

// CellEstimate is what one cell of a plan is expected to cost.
type CellEstimate struct {
	Cell Cell
	Load Estimate
	// Measure is the warm-up and measured phase (0 for a find-max search
	// or an operation count, whose length is not known ahead).
	Measure time.Duration
	// OverBudget is true when the load's estimate exceeds the cell's
	// MaxLoad: the run will not load it.
	OverBudget bool
}

// EstimatePlan says what every cell of plan is expected to cost, from the
// load rates and sizes in hist (see History.Estimate); a cell of a sweep
// without a measurement of its own workload and store is estimated from
// nothing, and says so.
func EstimatePlan(plan Plan, hist *History) ([]CellEstimate, error) {
	var out []CellEstimate
	for _, c := range plan.Cells {
		wl, err := workloads.New(c.Workload, c.Params)
		if err != nil {
			return nil, err
		}
		e := CellEstimate{Cell: c, Load: hist.Estimate(c.Workload, c.Store, wl.Records())}
		if !c.Config.FindMax && c.Config.Duration > 0 {
			e.Measure = c.Config.Warmup + c.Config.Duration
		}
		e.OverBudget = c.Config.MaxLoad > 0 && e.Load.Seconds > c.Config.MaxLoad.Seconds()
		out = append(out, e)
	}
	return out, nil
}
