package results

import (
	"strings"
	"testing"
)

func TestHarnessNotes(t *testing.T) {
	open := func(achieved float64, h Harness) *Run {
		return &Run{Mode: OpenLoop, Seconds: 10, IntendedRate: 1000, IntendedOps: 10000,
			Ops: int64(achieved * 10), DroppedOps: 10000 - int64(achieved*10), Harness: &h}
	}
	closed := func(h Harness) *Run { return &Run{Mode: ClosedLoop, Seconds: 10, Ops: 1000, Harness: &h} }
	busy := Harness{Utilization: 0.97, GOMAXPROCS: 8}
	idle := Harness{Utilization: 0.2, GOMAXPROCS: 8}
	others, none := 1.5, 0.0
	starved := Harness{Utilization: 0.2, GOMAXPROCS: 8, RunDelaySeconds: 3, LoadAverage: 9.5, CPUs: 2, OtherCores: &others}
	// Waits without other processes: storefit's workers and its embedded
	// store's threads waiting for each other, not starvation.
	selfWait := Harness{Utilization: 0.9, GOMAXPROCS: 2, RunDelaySeconds: 3, LoadAverage: 2, CPUs: 2, OtherCores: &none}
	tests := []struct {
		name     string
		run      *Run
		embedded bool
		limited  bool
		want     string // in the note; "" for no note
	}{
		{"open loop kept up", open(1000, idle), false, false, ""},
		{"behind, generator saturated", open(700, busy), false, true, "the load generator, not the store, was the limit"},
		{"behind, embedded store saturated", open(700, busy), true, true, "cannot be told apart"},
		{"behind, generator idle", open(700, idle), false, false, "the store could not keep up"},
		{"behind, generator starved", open(700, starved), true, true, "other processes starved the load generator"},
		{"closed, generator saturated", closed(busy), false, true, "throughput is a lower bound"},
		{"closed, embedded saturated", closed(busy), true, false, ""},
		{"closed, starved", closed(starved), true, true, "other processes used 1.5 cores"},
		{"closed, idle", closed(idle), false, false, ""},
		{"closed, embedded store's own threads waited", closed(selfWait), true, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Cell{Run: tt.run, Embedded: tt.embedded}
			notes := c.HarnessNotes()
			if tt.want == "" {
				if len(notes) != 0 {
					t.Errorf("notes %+v, want none", notes)
				}
				return
			}
			if len(notes) != 1 || notes[0].GeneratorLimited != tt.limited || !strings.Contains(notes[0].Text, tt.want) {
				t.Errorf("notes %+v, want one (generator limited %v) saying %q", notes, tt.limited, tt.want)
			}
		})
	}
}
