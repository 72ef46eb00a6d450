package results

import (
	"testing"
	"time"
)

// shardRun returns a one-cell shard result whose run began at start (plus
// lag µs) and has one interval per entry of ops.
func shardRun(t *testing.T, idx int, start time.Time, lagUs float64, ops ...int64) *Result {
	t.Helper()
	run := &Run{Mode: ClosedLoop, Seconds: float64(len(ops)), MeasuredStart: start, StartLagUs: lagUs}
	h := NewHistogram()
	for i, n := range ops {
		ih := NewIntervalHistogram()
		for range n {
			_ = ih.RecordValue(int64(1000 * (i + 1)))
			_ = h.RecordValue(int64(1000 * (i + 1)))
		}
		enc, err := EncodeHistogram(ih)
		if err != nil {
			t.Fatal(err)
		}
		run.Intervals = append(run.Intervals, Interval{T: i, Ops: n, OpsPerSec: float64(n), Histogram: enc})
		run.Ops += n
	}
	enc, err := EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	run.Kinds = []OpStats{{Kind: "read", Count: run.Ops, Histogram: enc}}
	run.OpsPerSec = float64(run.Ops) / run.Seconds
	return &Result{PlanID: "p", Complete: true, Shard: &Shard{Index: idx, Count: 2},
		Cells: []Cell{{Workload: "point/c", Store: "noop", Status: StatusOK, Run: run}}}
}

func TestMergeAlignsIntervalsByWallClockSecond(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		offset    time.Duration // shard 1's measured start after shard 0's
		lagUs     float64       // shard 1's start lag
		want      []int64       // merged interval ops
		skewUs    float64
		overlapS  float64
		mergedOps int64
		commonOps float64 // per second, over the common window's whole seconds
	}{
		{"common start", 0, 0, []int64{11, 22, 33}, 0, 3, 66, 22},
		// Common window [0.0003, 3): second 0 is in it but for 300 µs.
		{"common start, one shard late by 300 µs", 0, 300, []int64{11, 22, 33}, 300, 3 - 300e-6, 66, 22},
		{"common start, one shard late by 20 ms", 0, 20e3, []int64{11, 22, 33}, 20e3, 3 - 20e-3, 66, 27.5},
		{"one second apart", time.Second, 0, []int64{1, 12, 23, 30}, 1e6, 2, 66, 17.5},
		// Common window [1.4, 3): merged second 2 only, which holds shard
		// 1's second 1 (shifted by the rounded offset, 1).
		{"1.4 s apart rounds to 1", 1400 * time.Millisecond, 0, []int64{1, 12, 23, 30}, 1.4e6, 1.6, 66, 23},
		{"1.6 s apart rounds to 2", 1600 * time.Millisecond, 0, []int64{1, 2, 13, 20, 30}, 1.6e6, 1.4, 66, 13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := shardRun(t, 0, t0, 0, 1, 2, 3)
			b := shardRun(t, 1, t0.Add(tt.offset), tt.lagUs, 10, 20, 30)
			m, err := Merge([]*Result{b, a})
			if err != nil {
				t.Fatal(err)
			}
			run := m.Cells[0].Run
			var got []int64
			for _, iv := range run.Intervals {
				got = append(got, iv.Ops)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("intervals %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] || run.Intervals[i].T != i {
					t.Fatalf("intervals %v, want %v", got, tt.want)
				}
			}
			if run.Ops != tt.mergedOps || run.Kinds[0].Count != tt.mergedOps {
				t.Errorf("ops %d (kind %d), want %d", run.Ops, run.Kinds[0].Count, tt.mergedOps)
			}
			if d := run.StartSkewUs - tt.skewUs; d > 1 || d < -1 {
				t.Errorf("skew %.1f µs, want %.1f", run.StartSkewUs, tt.skewUs)
			}
			if d := run.OverlapSeconds - tt.overlapS; d > 1e-6 || d < -1e-6 {
				t.Errorf("overlap %.6f s, want %.6f", run.OverlapSeconds, tt.overlapS)
			}
			if run.OverlapOpsPerSec != tt.commonOps {
				t.Errorf("common-window rate %.2f ops/s, want %.2f", run.OverlapOpsPerSec, tt.commonOps)
			}
			if !run.MeasuredStart.Equal(t0) {
				t.Errorf("measured start %s, want the earliest %s", run.MeasuredStart, t0)
			}
		})
	}
}

func TestMergeRefusesMixedPhases(t *testing.T) {
	t0 := time.Now()
	a, b := shardRun(t, 0, t0, 0, 1), shardRun(t, 1, t0, 0, 1)
	b.Phase = "run"
	if _, err := Merge([]*Result{a, b}); err == nil {
		t.Fatal("merged a full run with a run phase")
	}
}

// Merged shards keep storefit's CPU per operation over all their
// operations, and the server figures of the shard that saw it busiest,
// per operation of the whole run.
func TestMergeResources(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	a, b := shardRun(t, 0, t0, 0, 100, 100), shardRun(t, 1, t0, 0, 100, 100)
	a.Cells[0].Run.Harness = &Harness{UserSeconds: 0.002, SystemSeconds: 0.002}
	b.Cells[0].Run.Harness = &Harness{UserSeconds: 0.001, SystemSeconds: 0.001}
	a.Cells[0].Run.Server = &Server{PID: 9, CPUSeconds: 0.2, PeakMemoryBytes: 5 << 20, Memory: "pss"}
	b.Cells[0].Run.Server = &Server{PID: 9, CPUSeconds: 0.1, PeakMemoryBytes: 4 << 20, Memory: "pss"}
	m, err := Merge([]*Result{a, b})
	if err != nil {
		t.Fatal(err)
	}
	run := m.Cells[0].Run
	if got := run.Harness.CPUMicrosPerOp; got < 14.99 || got > 15.01 {
		t.Errorf("storefit CPU per op %.2f µs, want 15 (6 ms over 400 ops)", got)
	}
	if s := run.Server; s == nil || s.CPUSeconds != 0.2 || s.OpsPerCore != 2000 {
		t.Errorf("server %+v, want shard 0's 0.2 s and 2000 ops per core", s)
	}
}
