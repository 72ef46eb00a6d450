package runner

import (
	"context"
	"testing"
	"time"

	"github.com/storefit/storefit/results"
)

// A store that takes 2 ms per read, with one worker, serves about 500
// reads/s: the search must find a rate below twice that, and end with an
// open-loop run at the rate found. The SLO is loose (p50 100 ms), so a busy
// test machine does not miss it below the capacity, while above it the
// schedule's backlog grows to hundreds of milliseconds within the step. (A
// p50 needs 20 operations per step, which even the first step, at an
// eighth of the capacity, holds; a p99 would need 1,000.)
func TestFindMaxBracketsTheCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a dozen short measured phases")
	}
	f := &faults{readDelay: 2 * time.Millisecond}
	store := register(t, f)
	slo, err := results.ParseSLO("p50=100ms")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Workers: 1, Duration: time.Second, FindMax: true, SLO: slo}
	res, err := runOne(t, context.Background(), pointCell(store, "c", cfg, map[string]any{"records": 50}))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	mr := c.MaxRate
	if c.Status != results.StatusOK || mr == nil {
		t.Fatalf("status %s (%s), max rate %+v", c.Status, c.Error, mr)
	}
	if len(mr.Steps) < 4 || mr.Steps[0].Rate != 0 || mr.Capacity < 100 {
		t.Fatalf("steps %+v, capacity %.0f", mr.Steps, mr.Capacity)
	}
	for _, st := range mr.Steps {
		t.Logf("%+v", st)
	}
	if !mr.Bounded || mr.Rate <= 0 || mr.Rate >= 2*mr.Capacity {
		t.Errorf("max rate %.0f (bounded %v) for a capacity of %.0f ops/s", mr.Rate, mr.Bounded, mr.Capacity)
	}
	var failed bool
	for _, st := range mr.Steps[1:] {
		if st.OK && st.Rate > mr.Rate {
			t.Errorf("step at %.0f ops/s met the SLO above the maximum %.0f", st.Rate, mr.Rate)
		}
		if !st.OK {
			failed = true
			if st.Reason == "" {
				t.Errorf("step at %.0f ops/s missed the SLO without a reason", st.Rate)
			}
		}
	}
	if !failed {
		t.Error("no step missed the SLO")
	}
	if c.Run == nil || c.Run.Mode != results.OpenLoop || c.Run.IntendedRate != mr.Rate {
		t.Errorf("cell run is not the run at the maximum rate: %+v", c.Run)
	}
}
