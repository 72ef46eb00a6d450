package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/results"
)

func TestPlanCheckPhases(t *testing.T) {
	soon := time.Now().Add(time.Hour)
	one := []Cell{pointCell("noop", "c", Config{Ops: 10}, nil)}
	two := append(one, pointCell("noop", "a", Config{Ops: 10}, nil))
	tests := []struct {
		name string
		plan Plan
		want string // "" for a valid plan
	}{
		{"all", Plan{Cells: one}, ""},
		{"load", Plan{Cells: one, Phase: PhaseLoad}, ""},
		{"run on a sink", Plan{Cells: one, Phase: PhaseRun}, ""},
		{"bad phase", Plan{Cells: one, Phase: "measure"}, `phase "measure"`},
		{"run on memory", Plan{Cells: []Cell{pointCell("memory", "c", Config{Ops: 10}, nil)}, Phase: PhaseRun}, "keeps its data only inside one process"},
		{"start-at", Plan{Cells: one, StartAt: soon}, ""},
		{"start-at on load", Plan{Cells: one, StartAt: soon, Phase: PhaseLoad}, "load-only"},
		{"start-at, two cells", Plan{Cells: two, StartAt: soon}, "give start-every"},
		{"start-at, two cells, spaced", Plan{Cells: two, StartAt: soon, StartEvery: time.Minute}, ""},
		{"start-every alone", Plan{Cells: one, StartEvery: time.Minute}, "give start-at"},
		{"start-at, find-max", Plan{Cells: []Cell{pointCell("noop", "c", Config{Duration: time.Second, FindMax: true, SLO: results.SLO{Bounds: []results.Bound{{Percentile: 99, Limit: 10 * time.Millisecond}}}}, nil)}, StartAt: soon}, "find-max"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.plan.Check()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// The measured phase starts at the coordinated instant, after a warm-up
// that ends there, and the result records it.
func TestStartAt(t *testing.T) {
	start := time.Now().Add(700 * time.Millisecond)
	cell := pointCell("noop", "c", Config{Workers: 2, Rate: 2000, Duration: 500 * time.Millisecond, Warmup: 300 * time.Millisecond}, nil)
	res, err := Run(context.Background(), Plan{Cells: []Cell{cell}, StartAt: start}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	run := res.Cells[0].Run
	if !run.MeasuredStart.Equal(start.UTC()) || !run.StartAt.Equal(start.UTC()) || !res.StartAt.Equal(start.UTC()) {
		t.Fatalf("measured start %s, start at %s / %s, want %s", run.MeasuredStart, run.StartAt, res.StartAt, start.UTC())
	}
	// Loose: this machine is shared; the point is that the lag is
	// recorded and small next to a second.
	if run.StartLagUs <= 0 || run.StartLagUs > 50e3 {
		t.Errorf("start lag %.0f µs", run.StartLagUs)
	}
	if run.IntendedOps != 1000 {
		t.Errorf("intended %d ops, want 1000", run.IntendedOps)
	}

	// A start that has passed by more than the tolerance fails the cell.
	res, _ = Run(context.Background(), Plan{Cells: []Cell{cell}, StartAt: time.Now().Add(-2 * StartTolerance)}, Options{})
	if c := res.Cells[0]; c.Status != results.StatusFailed || !strings.Contains(c.Error, "later --start-at") {
		t.Errorf("late start: %s: %s", c.Status, c.Error)
	}
}

func TestLoadAndRunPhases(t *testing.T) {
	cell := pointCell("noop", "c", Config{Ops: 100}, nil)
	res, err := Run(context.Background(), Plan{Cells: []Cell{cell}, Phase: PhaseLoad}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Cells[0]; res.Phase != PhaseLoad || c.Run != nil || c.Load == nil || c.Load.Rows != 2000 || c.Status != results.StatusOK {
		t.Fatalf("load phase: phase %q, status %s, run %v, load %+v", res.Phase, c.Status, c.Run, c.Load)
	}
	res, err = Run(context.Background(), Plan{Cells: []Cell{cell}, Phase: PhaseRun}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Cells[0]; res.Phase != PhaseRun || c.Load != nil || c.Run == nil || c.Run.Ops != 100 {
		t.Fatalf("run phase: phase %q, load %+v, run %+v", res.Phase, c.Load, c.Run)
	}
}
