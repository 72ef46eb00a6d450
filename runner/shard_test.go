package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/results"
)

// Shards of a plan together issue exactly the operations of one run with
// all their workers: merging them gives the same count per kind.
func TestShardsMergeToTheUnshardedCounts(t *testing.T) {
	const n, w, ops = 3, 2, 6007
	for _, store := range []string{"noop", "memory"} {
		t.Run(store, func(t *testing.T) {
			cell := func(workers int) Cell {
				return pointCell(store, "a", Config{Workers: workers, Ops: ops, Loaders: 2, Timeout: time.Second}, nil)
			}
			single, err := Run(context.Background(), Plan{Cells: []Cell{cell(n * w)}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var shards []*results.Result
			for i := range n {
				r, err := Run(context.Background(), Plan{Cells: []Cell{cell(w)}, Shard: results.Shard{Index: i, Count: n}}, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if r.Shard == nil || r.Shard.Index != i || r.PlanID == "" {
					t.Fatalf("shard %d: shard %+v, plan %q", i, r.Shard, r.PlanID)
				}
				// A shard checks its own share of the data (point
				// can); the noop store keeps none to check.
				v := r.Cells[0].Validation
				if want := map[string]string{"noop": results.ValidationSkipped, "memory": results.ValidationPassed}[store]; v.Status != want || (want == results.ValidationPassed && v.Checks == 0) {
					t.Errorf("shard %d validation %s (%d checks, %s), want %s", i, v.Status, v.Checks, v.Reason, want)
				}
				shards = append(shards, r)
			}
			// Given in any order.
			shards[0], shards[2] = shards[2], shards[0]
			m, err := results.Merge(shards)
			if err != nil {
				t.Fatal(err)
			}
			got, want := m.Cells[0], single.Cells[0]
			if got.Load.Rows != want.Load.Rows {
				t.Errorf("merged load %d rows, single run %d", got.Load.Rows, want.Load.Rows)
			}
			if got.Params.Workers != n*w {
				t.Errorf("merged workers %d", got.Params.Workers)
			}
			if len(got.Run.Kinds) != len(want.Run.Kinds) {
				t.Fatalf("kinds %d vs %d", len(got.Run.Kinds), len(want.Run.Kinds))
			}
			for i, k := range got.Run.Kinds {
				wk := want.Run.Kinds[i]
				h, err := results.DecodeHistogram(k.Histogram)
				if err != nil {
					t.Fatal(err)
				}
				// On the noop store every operation succeeds, so the
				// histograms must hold exactly the single run's counts.
				// Each memory shard holds only its share of the records
				// (the shards do not share a server here), so some of its
				// reads fail; successes and failures still add up.
				same := k.Count == wk.Count && h.TotalCount() == wk.Count && k.ErrorCount() == wk.ErrorCount()
				if store == "memory" {
					same = h.TotalCount() == k.Count && k.Count+k.ErrorCount() == wk.Count+wk.ErrorCount()
				}
				if k.Kind != wk.Kind || !same {
					t.Errorf("%s: merged count %d (histogram %d) errors %d; single run %s count %d errors %d",
						k.Kind, k.Count, h.TotalCount(), k.ErrorCount(), wk.Kind, wk.Count, wk.ErrorCount())
				}
			}
			if got.Run.Ops+got.Run.Errors != ops {
				t.Errorf("merged %d ops + %d errors, want %d", got.Run.Ops, got.Run.Errors, ops)
			}
			var ivOps int64
			for _, iv := range got.Run.Intervals {
				ivOps += iv.Ops
			}
			if ivOps != got.Run.Ops {
				t.Errorf("merged intervals hold %d ops of %d", ivOps, got.Run.Ops)
			}
		})
	}
}

func TestMergeRefusesDifferentPlans(t *testing.T) {
	run := func(seed uint64, shard results.Shard) *results.Result {
		c := pointCell("noop", "c", Config{Ops: 100}, nil)
		c.Params.Seed = seed
		r, err := Run(context.Background(), Plan{Cells: []Cell{c}, Shard: shard}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a := run(1, results.Shard{Index: 0, Count: 2})
	b := run(2, results.Shard{Index: 1, Count: 2})
	if _, err := results.Merge([]*results.Result{a, b}); err == nil || !strings.Contains(err.Error(), "different plans") {
		t.Errorf("merge of different plans: %v", err)
	}
	b = run(1, results.Shard{Index: 1, Count: 2})
	if a.PlanID != b.PlanID {
		t.Fatalf("shards of one plan have plan ids %s and %s", a.PlanID, b.PlanID)
	}
	if _, err := results.Merge([]*results.Result{a}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("merge with a missing shard: %v", err)
	}
	if _, err := results.Merge([]*results.Result{a, a}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("merge with a duplicate shard: %v", err)
	}
	if _, err := results.Merge([]*results.Result{a, b}); err != nil {
		t.Errorf("merge of one plan's shards: %v", err)
	}
}

func TestRepeatInterleavesRepetitions(t *testing.T) {
	plan := Plan{Repeat: 3, Cells: []Cell{
		pointCell("noop", "c", Config{Ops: 100}, nil),
		pointCell("memory", "c", Config{Ops: 100}, nil),
	}}
	res, err := Run(context.Background(), plan, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Cells) != 6 || res.Repeat != 3 {
		t.Fatalf("%d cells, repeat %d", len(res.Cells), res.Repeat)
	}
	for i, c := range res.Cells {
		wantStore := []string{"noop", "memory"}[i%2]
		if c.Repetition != i/2+1 || c.Store != wantStore || c.Run == nil || c.Run.Ops != 100 {
			t.Errorf("cell %d: %s repetition %d", i, c.Store, c.Repetition)
		}
	}
}

func TestPlanCheck(t *testing.T) {
	tests := []struct {
		plan Plan
		ok   bool
	}{
		{Plan{}, true},
		{Plan{Shard: results.Shard{Index: 1, Count: 2}}, true},
		{Plan{Shard: results.Shard{Index: 2, Count: 2}}, false},
		{Plan{Shard: results.Shard{Index: -1, Count: 2}}, false},
		{Plan{Repeat: -1}, false},
		{Plan{Shard: results.Shard{Index: 0, Count: 2}, Cells: []Cell{{Config: Config{FindMax: true}}}}, false},
	}
	for _, tt := range tests {
		if err := tt.plan.Check(); (err == nil) != tt.ok {
			t.Errorf("%+v: %v", tt.plan, err)
		}
	}
}

// Issue 17: a sharded run on an embedded store gave 50% not-found errors
// (each shard's process loaded its share into a store of its own). The
// CLI refuses it before anything runs (CheckShardedStores), except for the
// run phase of data loaded whole before. (Run itself allows it: tests
// simulate shards in one process.)
func TestShardedEmbeddedStoreRefused(t *testing.T) {
	sh := results.Shard{Index: 0, Count: 2}
	embedded := register(t, &faults{embedded: true})
	for _, store := range []string{"memory", embedded} {
		for _, phase := range []string{PhaseAll, PhaseLoad} {
			p := Plan{Cells: []Cell{pointCell(store, "c", Config{Ops: 10}, nil)}, Shard: sh, Phase: phase}
			if err := p.CheckShardedStores(); err == nil || !strings.Contains(err.Error(), "embedded store") {
				t.Errorf("%s, phase %s: %v, want a refusal", store, phase, err)
			}
		}
	}
	ok := Plan{Cells: []Cell{pointCell(embedded, "c", Config{Ops: 10}, nil)}, Shard: sh, Phase: PhaseRun}
	ok.Cells[0].DSN = "/data/x.db"
	if err := ok.CheckShardedStores(); err != nil {
		t.Errorf("run phase of an embedded store with a path: %v", err)
	}
	for _, p := range []Plan{
		{Cells: []Cell{pointCell("noop", "c", Config{Ops: 10}, nil)}, Shard: sh},
		{Cells: []Cell{pointCell("memory", "c", Config{Ops: 10}, nil)}},
	} {
		if err := p.CheckShardedStores(); err != nil {
			t.Errorf("%s, shard %v: %v", p.Cells[0].Store, p.Shard, err)
		}
	}
}
