package results

import (
	"bytes"
	"strings"
	"testing"
)

// syncSample returns a result with one sync cell per strategy, for
// rendering tests.
func syncSample() *Result {
	exp := int64(3)
	cell := func(strategy string, div int64, expected *int64) Cell {
		return Cell{Workload: "sync/" + strategy, Pattern: "sync", Store: "postgres", Status: StatusOK,
			Params: RunParams{Workers: 1, Rate: 200},
			Run:    &Run{Mode: OpenLoop, Seconds: 3, Ops: 600},
			Sync: &Sync{Strategy: strategy, Writes: 600, WriteP50Us: 900, WriteP99Us: 4000, Drained: true,
				Faults: []SyncFault{{AtSeconds: 0, Kind: "write-failures", Probability: 0.01}, {AtSeconds: 1, Kind: "view-down", Target: "timeline", DurationSeconds: 1}},
				Views: []SyncView{{Name: "search", Store: "bleve", LagP50Ms: 12, LagP99Ms: 180, LagMaxMs: 950, Rows: 2000, Divergence: div, Different: div,
					ExpectedDivergence: expected, LagSeries: []SyncLagPoint{{T: 0, MaxMs: 10}, {T: 1, MaxMs: 900}, {T: 2, MaxMs: 20}}}},
				Verdict: strategy + " verdict."}}
	}
	return &Result{SchemaVersion: SchemaVersion, Complete: true, Cells: []Cell{cell("dual", 3, &exp), cell("cdc-logical", 0, nil)}}
}

func TestSyncRendering(t *testing.T) {
	r := syncSample()
	rows := SyncRows([]*Result{r})
	if len(rows) != 2 || rows[0].DivergenceText() != "3 (expected 3)" || rows[1].DivergenceText() != "0" {
		t.Fatalf("rows: %+v", rows)
	}
	if got := SyncFaultsText(r.Cells[0].Sync.Faults); got != "1% write failures; timeline down 1 s at 1 s" {
		t.Errorf("faults text %q", got)
	}
	var txt, md bytes.Buffer
	if err := WriteText(&txt, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, []*Result{r}, PickOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sync (dual)", "3 (expected 3)", "verdict: dual verdict."} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, txt.String())
		}
	}
	for _, want := range []string{"## Keeping stores in sync", "| dual | search (bleve) | 200 |", "- cdc-logical verdict."} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown report lacks %q:\n%s", want, md.String())
		}
	}
}

func TestSyncSustained(t *testing.T) {
	cell := func(strategy string, rate float64, growing, starved bool) Cell {
		run := &Run{Seconds: 10}
		if starved {
			run.Harness = &Harness{RunDelaySeconds: 5}
		}
		return Cell{Params: RunParams{Rate: rate}, Run: run,
			Sync: &Sync{Strategy: strategy, Drained: true, AchievedRate: min(rate, 1000), Views: []SyncView{{Name: "search", LagGrowing: growing}}}}
	}
	for _, tc := range []struct {
		name  string
		cells []Cell
		want  string
	}{
		{"bracket", []Cell{cell("outbox", 800, true, false), cell("outbox", 200, false, false), cell("outbox", 400, false, false), cell("outbox", 1600, true, false)},
			"outbox: the views kept up at 400 writes/s, not at 800 writes/s; the source itself fell behind its schedule (1,000 of 1,600 writes/s achieved), so there the limit was the source's write path, not the sync."},
		{"all kept, the source behind", []Cell{cell("outbox", 800, false, false), cell("outbox", 1600, false, false)},
			"outbox: the views kept up at every rate tried, up to 1,000 writes/s (of 1,600 targeted); the source itself fell behind its schedule (1,000 of 1,600 writes/s achieved), so there the limit was the source's write path, not the sync."},
		{"none kept", []Cell{cell("dual", 800, true, false), cell("dual", 400, true, false)},
			"dual: the views fell behind at every rate tried (from 400 writes/s)."},
		{"disagreeing and starved", []Cell{cell("outbox", 200, false, false), cell("outbox", 400, true, true), cell("outbox", 800, false, false)},
			"outbox: provisional, 1 of 3 runs starved of CPU by other processes (rerun on a quiet machine): the views kept up at 200 writes/s, not at 400 writes/s, yet kept up again at 800 writes/s: the runs disagree (noise), so the bracket is uncertain."},
		{"one rate only", []Cell{cell("outbox", 200, false, false)}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(SyncSustained([]*Result{{Cells: tc.cells}}), "|")
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
