package results

import "fmt"

// Harness self-check thresholds.
const (
	// SaturatedUtilization is the share of its cores storefit must use
	// for the load generator to count as saturated.
	SaturatedUtilization = 0.9
	// BehindShare is the share of an open-loop schedule's operations that
	// may be dropped or late, and the share of the target rate that may be
	// missed, before the schedule counts as fallen behind.
	BehindShare = 0.05
	// StarvedShare is the time storefit's threads may wait for a CPU, per
	// second of the run, before the load generator counts as starved by
	// other processes.
	StarvedShare = 0.1
	// OtherCoresShare is the share of the machine's cores other processes
	// must keep busy for a wait to be blamed on them: an embedded store's
	// threads and storefit's workers also wait for each other.
	OtherCoresShare = 0.1
)

// Starved reports whether other processes kept storefit's threads from
// running: they waited for a CPU, in total, StarvedShare or more of the
// measured phase's wall time, while other processes kept OtherCoresShare or
// more of the machine's cores busy (when that was measured: results of
// older builds have no figure for it).
func (r *Run) Starved() bool {
	h := r.Harness
	if h == nil || r.Seconds <= 0 || h.RunDelaySeconds/r.Seconds < StarvedShare {
		return false
	}
	if h.OtherCores != nil && h.CPUs > 0 && *h.OtherCores < OtherCoresShare*float64(h.CPUs) {
		return false // storefit's own threads (and its embedded store) waited for each other
	}
	return true
}

// starvedText describes how long storefit waited for a CPU.
func (r *Run) starvedText() string {
	h := r.Harness
	s := fmt.Sprintf("storefit's threads waited %.2f s for a CPU during the %.1f s run", h.RunDelaySeconds, r.Seconds)
	if h.LoadAverage > 0 && h.CPUs > 0 {
		s += fmt.Sprintf(" (load average %.1f on %d CPUs", h.LoadAverage, h.CPUs)
		if h.OtherCores != nil {
			s += fmt.Sprintf("; other processes used %.1f cores", *h.OtherCores)
		}
		s += ")"
	}
	return s
}

// HarnessNote is one finding of the harness self-check of a cell.
type HarnessNote struct {
	// GeneratorLimited is true when the load generator, not the store, was
	// (or may have been) what limited the figures.
	GeneratorLimited bool
	// Unsteady is true for a finding of the steady-state checks: the
	// measured phase's throughput still trended, or the automatic warm-up
	// reached its cap before the workload settled.
	Unsteady bool
	Text     string
}

// HarnessNotes checks a cell's run for signs that the measurement, rather
// than the store, set the figures: an open-loop schedule that fell behind
// (achieved rate, dropped and late operations, as k6 reports dropped
// iterations), storefit's own CPU use, and the time its threads waited for a
// CPU that other processes held. A starved or saturated load generator
// (with a server store) means the load generator was the limit; with an
// embedded store, which runs in storefit's process, saturation cannot be
// told apart from the store's own work and the note says so.
func (c *Cell) HarnessNotes() []HarnessNote {
	if c.Run == nil {
		return nil
	}
	return append(c.loadNotes(), c.SteadyNotes()...)
}

// SteadyNotes are the findings of the steady-state checks of a cell: a
// measured phase whose throughput still trended (Run.Trend), an automatic
// warm-up that reached its cap before the workload settled.
func (c *Cell) SteadyNotes() []HarnessNote {
	var notes []HarnessNote
	if c.Run != nil && c.Run.Trending() {
		notes = append(notes, HarnessNote{Unsteady: true, Text: "not in a steady state: " + c.Run.Trend.Text() +
			"; the figure depends on when it was taken — lengthen the warm-up (--warmup auto, --warmup-max) or the measured phase"})
	}
	for w := c.Warmup; w != nil; w = w.Settle {
		if w.Mode == WarmupAuto && !w.Steady {
			notes = append(notes, HarnessNote{Unsteady: true, Text: fmt.Sprintf("the automatic warm-up reached its %s cap before throughput and p99 settled (%s)", briefSeconds(w.MaxSeconds), w.Reason)})
		}
	}
	return notes
}

// loadNotes are the harness findings about the load generator.
func (c *Cell) loadNotes() []HarnessNote {
	r := c.Run
	var notes []HarnessNote
	h := r.Harness
	saturated := h != nil && h.Utilization >= SaturatedUtilization
	cpu := ""
	if h != nil {
		cpu = fmt.Sprintf("%.0f%% of its %d cores", 100*h.Utilization, h.GOMAXPROCS)
	}
	if r.Mode == OpenLoop && r.IntendedRate > 0 {
		started := float64(r.Ops + r.Errors)
		achieved := 0.0
		if r.Seconds > 0 {
			achieved = started / r.Seconds
		}
		late := r.Ops > 0 && float64(r.LateOps) > BehindShare*float64(r.Ops)
		dropped := r.IntendedOps > 0 && float64(r.DroppedOps) > BehindShare*float64(r.IntendedOps)
		if achieved < (1-BehindShare)*r.IntendedRate || late || dropped {
			text := fmt.Sprintf("the open-loop schedule fell behind: %s of %s ops/s achieved, %s of %s operations dropped, %s started 1 ms or more late (max lag %s µs)",
				FormatRate(achieved), FormatRate(r.IntendedRate), FormatCount(r.DroppedOps), FormatCount(r.IntendedOps), FormatCount(r.LateOps), FormatMicros(r.MaxLagUs))
			switch {
			case r.Starved():
				notes = append(notes, HarnessNote{GeneratorLimited: true, Text: text + "; " + r.starvedText() + ": other processes starved the load generator, so the store was not the limit — rerun on a quiet machine"})
			case saturated && !c.Embedded:
				notes = append(notes, HarnessNote{GeneratorLimited: true, Text: text + "; storefit used " + cpu + ", so the load generator, not the store, was the limit — add cores or load generators (--shard)"})
			case saturated:
				notes = append(notes, HarnessNote{GeneratorLimited: true, Text: text + "; storefit, with the embedded store inside it, used " + cpu + ": store and load generator share the CPU, so the limit cannot be told apart"})
			case h != nil:
				notes = append(notes, HarnessNote{GeneratorLimited: false, Text: text + "; storefit used only " + cpu + ", so the store could not keep up with the target rate"})
			default:
				notes = append(notes, HarnessNote{GeneratorLimited: false, Text: text})
			}
		}
		return notes
	}
	switch {
	case r.Starved():
		notes = append(notes, HarnessNote{GeneratorLimited: true, Text: r.starvedText() + ": other processes competed for the cores, so the throughput is a lower bound and the latency tail is inflated"})
	case saturated && !c.Embedded:
		notes = append(notes, HarnessNote{GeneratorLimited: true, Text: "storefit used " + cpu + " during the closed-loop run: the load generator may have been the limit, so the throughput is a lower bound"})
	}
	return notes
}
