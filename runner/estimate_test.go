package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
)

func loadedCell(scale string, records int64, rate float64, bytes int64) results.Cell {
	return results.Cell{Workload: "point/a", Store: "sqlite", Scale: scale, Records: records, StorageBytes: bytes,
		Load: &results.Load{Rows: records, Seconds: float64(records) / rate, RowsPerSec: rate}}
}

func TestHistoryEstimate(t *testing.T) {
	h := NewHistory([]*results.Result{{Cells: []results.Cell{
		loadedCell("quick", 100_000, 200_000, 10_000_000),
		loadedCell("10", 1_000_000, 100_000, 100_000_000), // the largest: its figures count
	}}})
	e := h.Estimate("point/a", "sqlite", 10_000_000)
	if e.Seconds != 100 || e.DiskBytes != 1e9 {
		t.Errorf("estimate %+v, want 100 s and 1e9 bytes", e)
	}
	if got := e.String(); got != "10 M records: ≈ 1 min 40 s and ≈ 953.7 MiB on disk, at the 100,000 rows/s and 100 bytes per record measured at 1 M records (scale 10)" {
		t.Errorf("String = %q", got)
	}
	if e := h.Estimate("point/a", "duckdb", 10); e.Seconds != 0 || !strings.Contains(e.String(), "no estimate") {
		t.Errorf("no history: %+v %q", e, e.String())
	}
	var nilH *History
	if e := nilH.Estimate("point/a", "sqlite", 10); e.Seconds != 0 {
		t.Errorf("nil history estimated %+v", e)
	}
}

func TestMaxLoadStopsALoad(t *testing.T) {
	f := &faults{loadDelay: 30 * time.Millisecond}
	store := register(t, f)
	cfg := Config{Ops: 10, Loaders: 1, MaxLoad: 200 * time.Millisecond}
	res, err := runOne(t, context.Background(), pointCell(store, "c", cfg, map[string]any{"records": 20_000, "loadbatch": 500}))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	if c.Status != results.StatusFailed || !strings.Contains(c.Error, "over the load budget: the load was stopped at max_load 200ms") {
		t.Fatalf("status %s, error %q; want failed over the budget", c.Status, c.Error)
	}
	if c.Load == nil || c.Load.Rows <= 0 || c.Load.Rows >= 20_000 || c.Run != nil {
		t.Errorf("load %+v, run %v: want a partial load and no run", c.Load, c.Run)
	}
}

func TestMaxLoadRefusesWhatWouldNotFit(t *testing.T) {
	f := &faults{loadDelay: 5 * time.Millisecond} // 500 records / 5 ms: ≤ 100 k rows/s
	store := register(t, f)
	cfg := Config{Ops: 10, Loaders: 1, MaxLoad: 10 * time.Second}
	small := pointCell(store, "c", cfg, map[string]any{"records": 2000, "loadbatch": 500})
	big := pointCell(store, "c", cfg, map[string]any{"records": 100_000_000, "loadbatch": 500})
	res, err := Run(context.Background(), Plan{Cells: []Cell{small, big}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cells[0].Status != results.StatusOK {
		t.Fatalf("small cell: %s %s", res.Cells[0].Status, res.Cells[0].Error)
	}
	c := res.Cells[1]
	if c.Status != results.StatusFailed || !strings.Contains(c.Error, "not loaded, the load of 100 M records is estimated at") || c.Load != nil {
		t.Errorf("big cell: status %s, error %q, load %+v; want refused before loading", c.Status, c.Error, c.Load)
	}
}

func TestEstimatePlan(t *testing.T) {
	h := NewHistory([]*results.Result{{Cells: []results.Cell{loadedCell("quick", 100_000, 50_000, 0)}}})
	cfg := Config{Duration: 5 * time.Second, Warmup: time.Second, MaxLoad: time.Minute}
	plan := Plan{Cells: []Cell{
		{Workload: "point/a", Store: "sqlite", Params: workloads.Params{Seed: 1, Scale: "10"}, Config: cfg},
		{Workload: "point/a", Store: "sqlite", Params: workloads.Params{Seed: 1, Scale: "100"}, Config: cfg},
		{Workload: "point/a", Store: "duckdb", Params: workloads.Params{Seed: 1, Scale: "10"}, Config: cfg},
	}}
	es, err := EstimatePlan(plan, h)
	if err != nil {
		t.Fatal(err)
	}
	if es[0].Load.Seconds != 20 || es[0].OverBudget || es[0].Measure != 6*time.Second {
		t.Errorf("scale 10: %+v", es[0])
	}
	if es[1].Load.Seconds != 200 || !es[1].OverBudget {
		t.Errorf("scale 100: %+v, want 200 s, over the budget", es[1])
	}
	if es[2].Load.Seconds != 0 || es[2].OverBudget {
		t.Errorf("duckdb without history: %+v", es[2])
	}
}
