package runner

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
)

// The estimate from a sample agrees with the memory the whole data takes.
func TestEstimateMemoryAgreesWithTheLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 150 000 records")
	}
	if raceEnabled {
		// The estimate extrapolates a small sample's heap; the race
		// detector's per-allocation overhead weighs differently on the
		// sample and on the whole load. The test runs without -race.
		t.Skip("heap sizes differ under the race detector")
	}
	ctx := context.Background()
	cell := pointCell("memory", "a", Config{}, map[string]any{"records": 150_000})
	need, ok, err := EstimateMemory(ctx, cell, results.Shard{Count: 1})
	if err != nil || !ok {
		t.Fatalf("EstimateMemory: %v, %v", ok, err)
	}
	// Load everything and measure the live heap it holds.
	wl, err := workloads.New(cell.Workload, cell.Params)
	if err != nil {
		t.Fatal(err)
	}
	h0, _ := liveMemory()
	conn, err := drivers.Open(ctx, "memory", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := wl.Setup(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if err := wl.Load(ctx, conn, 0, 1, &progress{}); err != nil {
		t.Fatal(err)
	}
	h1, _ := liveMemory()
	runtime.KeepAlive(conn)
	conn.Close()
	live := float64(h1-h0) / 150_000
	if need.Records != 150_000 || need.PerRecord < 0.6*live || need.PerRecord > 1.6*live {
		t.Errorf("estimate %.0f B per record, the whole load holds %.0f", need.PerRecord, live)
	}
	if need.Bytes < uint64(2*0.6*live*150_000) {
		t.Errorf("estimate %d bytes lacks the collector's headroom (live %.0f)", need.Bytes, live*150_000)
	}
	// Stores that keep their data elsewhere are not estimated.
	if _, ok, _ := EstimateMemory(ctx, pointCell("noop", "a", Config{}, nil), results.Shard{Count: 1}); ok {
		t.Error("noop estimated")
	}
}

// Issue 17: records=50000000 on the memory store grew towards 75 GB on a
// 24 GiB machine without a word. It is refused before loading, saying how
// much it needs.
func TestCheckMemoryRefusesWhatWillNotFit(t *testing.T) {
	avail, ok := availableMemory()
	if !ok {
		t.Skip("the available memory cannot be read here")
	}
	plan := Plan{Cells: []Cell{pointCell("memory", "a", Config{}, map[string]any{"records": 50_000_000})}}
	err := plan.CheckMemory(context.Background())
	var me *MemoryError
	if avail > 200<<30 {
		t.Skipf("%d bytes available: 50 M records fit", avail)
	}
	if !errors.As(err, &me) {
		t.Fatalf("err = %v, want a MemoryError", err)
	}
	if me.Need.Bytes < 40<<30 || me.Need.Records != 50_000_000 {
		t.Errorf("need %+v", me.Need)
	}
	for _, want := range []string{"point/a on memory needs about", "GiB of memory", "50,000,000 records", "are available", "--force"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	small := Plan{Cells: []Cell{pointCell("memory", "a", Config{}, nil), pointCell("noop", "c", Config{}, nil)}}
	if err := small.CheckMemory(context.Background()); err != nil {
		t.Errorf("a small plan: %v", err)
	}
}

func TestMemoryBudget(t *testing.T) {
	t.Setenv(MemoryEnv, "64MiB")
	plan := Plan{Cells: []Cell{pointCell("memory", "a", Config{}, map[string]any{"records": 200_000})}}
	var me *MemoryError
	if err := plan.CheckMemory(context.Background()); !errors.As(err, &me) || me.Available != 64<<20 || !strings.Contains(err.Error(), "64.0 MiB are available") {
		t.Errorf("with a 64 MiB budget: %v", err)
	}
	t.Setenv(MemoryEnv, "lots")
	if err := plan.CheckMemory(context.Background()); err == nil || !strings.Contains(err.Error(), MemoryEnv) {
		t.Errorf("bad budget: %v", err)
	}
	for in, want := range map[string]uint64{"1024": 1024, "1.5KiB": 1536, "8GiB": 8 << 30, "2 G": 2 << 30, "3MB": 3 << 20} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v", in, got, err)
		}
	}
}

// The verify step's ledgers are part of the estimate, on every store (a
// server's data is elsewhere, the ledgers are in storefit's process): their
// size is fixed when the workers are made, so it is known before the run.
func TestCheckMemoryCountsLedgers(t *testing.T) {
	t.Setenv(MemoryEnv, "8MiB")
	cell := pointCell("noop", "a", Config{Workers: 4}, map[string]any{"records": 100_000})
	_, planned := workloads.LedgerPlan(100_000, 10, 4)
	var me *MemoryError
	err := Plan{Cells: []Cell{cell}}.CheckMemory(context.Background())
	if !errors.As(err, &me) || me.Need.Ledgers != uint64(planned) || me.Need.Workers != 4 || me.Need.Bytes != workloads.LedgerHeadroom*uint64(planned) {
		t.Fatalf("err = %v (%+v), want the ledgers' %d bytes of 4 workers (times their headroom)", err, me, planned)
	}
	if !strings.Contains(err.Error(), "for the verify step's ledgers of 4 workers") || strings.Contains(err.Error(), "records at about") {
		t.Errorf("%q does not say the ledgers need it", err)
	}
	// A sharded run's process keeps its share of the workers' ledgers.
	if b, w, err := ledgerNeed(cell, results.Shard{Index: 0, Count: 2}); err != nil || w != 2 || b != uint64(planned/2) {
		t.Errorf("shard 0 of 2: %d bytes of %d workers (%v), want %d of 2", b, w, err, planned/2)
	}
	// A mix that writes no loaded record (point/c only reads) needs
	// none; the ramp counts its largest step.
	if b, _, err := ledgerNeed(pointCell("noop", "c", Config{Workers: 4}, nil), results.Shard{}); err != nil || b != 0 {
		t.Errorf("point/c: %d bytes (%v), want 0", b, err)
	}
	if n := maxWorkers(Config{WorkersRule: results.WorkersAuto}); n != DefaultWorkersMax {
		t.Errorf("workers auto: %d, want %d", n, DefaultWorkersMax)
	}
	t.Setenv(MemoryEnv, "1GiB")
	if err := (Plan{Cells: []Cell{cell}}).CheckMemory(context.Background()); err != nil {
		t.Errorf("1 GiB: %v", err)
	}
}
