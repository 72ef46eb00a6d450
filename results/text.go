package results

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes a plain-text report of r: a summary line per cell, then
// per cell the load, validation, and a latency table per operation kind.
func WriteText(w io.Writer, r *Result) error {
	ew := &errWriter{w: w}
	state := "complete"
	if !r.Complete {
		state = "INCOMPLETE"
		if r.Interrupted != "" {
			state += " (" + r.Interrupted + ")"
		}
	}
	if r.Label != "" {
		ew.printf("[%s] ", r.Label)
	}
	ew.printf("storefit %s — %s, %s, %s\n", r.Tool.Version, r.StartedAt.Format("2006-01-02 15:04:05 MST"), Plural(len(r.Cells), "cell"), state)
	env := r.Environment
	ew.printf("machine: %s, %s, %.1f GiB, %s/%s, %s\n", env.CPUModel, Plural(env.Cores, "core"), float64(env.MemoryBytes)/(1<<30), env.OS, env.Arch, env.GoVersion)
	var dist []string
	switch {
	case r.Shard != nil:
		dist = append(dist, "shard "+r.Shard.String())
	case len(r.Merged) > 0:
		dist = append(dist, "merged from "+Plural(len(r.Merged), "shard"))
	}
	switch r.Phase {
	case "load":
		dist = append(dist, "load phase only (no measured phase)")
	case "run":
		dist = append(dist, "run phase (data loaded earlier)")
	}
	if !r.StartAt.IsZero() {
		dist = append(dist, "measured from "+r.StartAt.Format(time.RFC3339Nano))
	}
	if len(dist) > 0 {
		ew.printf("run: %s\n", strings.Join(dist, ", "))
	}
	ew.printf("\n")

	ew.printf("Summary (latency in µs, all operation kinds together)\n")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	sweep := len(Scales([]*Result{r})) > 1
	if sweep {
		fmt.Fprintf(tw, "scale\trecords\t")
	}
	fmt.Fprintf(tw, "workload\tstore\tstatus\tops/s\tp50\tp99\terrors\tload rows/s\tvalidated\tworkers\t\n")
	for _, c := range r.Cells {
		if sweep {
			fmt.Fprintf(tw, "%s\t%s\t", c.scaleOf(), FormatSize(float64(c.DataRecords())))
		}
		opsps, p50, p99, errs := "-", "-", "-", "-"
		if c.Run != nil {
			all := c.Run.Overall()
			opsps = FormatRate(c.Run.OpsPerSec)
			p50, p99 = FormatMicros(all.P50), FormatMicros(all.P99)
			errs = fmt.Sprint(c.Run.Errors)
		}
		load := "-"
		if c.Load != nil {
			load = FormatRate(c.Load.RowsPerSec)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", c.workloadLabel(), c.Store, c.Status, opsps, p50, p99, errs, load, validationMark(c.Validation), dashIfEmpty(c.ConcurrencyText()))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range r.Cells {
		writeCellText(ew, &c)
	}
	writeScenarioText(ew, []*Result{r})
	writeCostText(ew, []*Result{r})
	return ew.err
}

// writeCostText writes the cost-growth summary of a sweep: who leads at
// the smallest and largest size, how each store's costs grow, and where
// the curves cross (see CostSummary). Nothing for a single scale.
func writeCostText(ew *errWriter, rs []*Result) {
	if len(Scales(rs)) < 2 {
		return
	}
	lines := CostSummary(CostCurves(rs))
	if len(lines) == 0 {
		return
	}
	ew.printf("\nCost growth with data size (scales %s)\n", strings.Join(Scales(rs), ", "))
	for _, l := range lines {
		ew.printf("  %s\n", l)
	}
}

func validationMark(v *Validation) string {
	if v == nil {
		return "-"
	}
	switch v.Status {
	case ValidationPassed:
		return "✓"
	case ValidationFailed:
		return "✗"
	}
	return v.Status
}

// workloadLabel is the workload's name, with the repetition number under
// repeats: "point/a #2".
func (c *Cell) workloadLabel() string {
	if c.Repetition > 0 {
		return fmt.Sprintf("%s #%d", c.Workload, c.Repetition)
	}
	return c.Workload
}

func writeCellText(ew *errWriter, c *Cell) {
	ew.printf("\n== %s on %s", c.workloadLabel(), c.Store)
	if c.StoreVersion != "" {
		ew.printf(" (%s)", c.StoreVersion)
	}
	ew.printf(": %s\n", c.Status)
	if c.Error != "" {
		ew.printf("   error: %s\n", c.Error)
	}
	p := c.Params
	mode := c.modeText()
	if p.Workers > 0 { // zero: the cell failed before it was configured
		workers := "workers"
		if p.Workers == 1 {
			workers = "worker"
		}
		ew.printf("   seed %d, scale %s, %d %s, %s", c.Seed, c.Scale, p.Workers, workers, mode)
		switch p.WorkersRule {
		case WorkersAuto:
			ew.printf(" (workers auto)")
		case WorkersLow:
			ew.printf(" (latency at low load)")
		}
		if len(c.Settings) > 0 {
			keys := make([]string, 0, len(c.Settings))
			for k := range c.Settings {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var kv []string
			for _, k := range keys {
				kv = append(kv, fmt.Sprintf("%s=%v", k, c.Settings[k]))
			}
			ew.printf("\n   settings: %s", strings.Join(kv, " "))
		}
		ew.printf("\n")
	}
	if t := c.Connection.Text(); t != "" {
		ew.printf("   connection: %s\n", t)
	}
	if l := c.Load; l != nil {
		ew.printf("   load: %s in %.2f s (%s rows/s, %s)", Plural(l.Rows, "row"), l.Seconds, FormatRate(l.RowsPerSec), Plural(l.Loaders, "loader"))
		if c.StorageBytes > 0 && c.Records > 0 {
			where := "on disk"
			if kind, _, _ := strings.Cut(l.Size, ":"); kind == "memory" {
				where = "in memory"
			}
			ew.printf("; %s %s, %.0f bytes per record", FormatBytes(c.StorageBytes), where, float64(c.StorageBytes)/float64(c.Records))
		}
		ew.printf("\n")
	}
	if c.MemoryBound != "" {
		ew.printf("   memory bound: %s\n", c.MemoryBound)
	}
	if v := c.Validation; v != nil {
		ew.printf("   validation: %s", v.Status)
		if v.Status != ValidationSkipped {
			ew.printf(" (%s, %d failed)", Plural(v.Checks, "check"), v.Failed)
		}
		if v.Reason != "" {
			ew.printf(" — %s", v.Reason)
		}
		ew.printf("\n")
		if len(v.Figures) > 0 {
			names := make([]string, 0, len(v.Figures))
			for k := range v.Figures {
				names = append(names, k)
			}
			sort.Strings(names)
			var kv []string
			for _, k := range names {
				kv = append(kv, fmt.Sprintf("%s=%.4g", k, v.Figures[k]))
			}
			ew.printf("   figures: %s\n", strings.Join(kv, " "))
		}
		if vr := v.Verify; vr != nil {
			ew.printf("   verified after the run: %s — %s writes", vr.Status, FormatCount(vr.Writes))
			if vr.Unknown > 0 {
				ew.printf(" (%s of unknown outcome)", FormatCount(vr.Unknown))
			}
			ew.printf(" read back as %s checks on %s keys in %.2f s", FormatCount(int64(vr.Checks)), FormatCount(vr.Keys), vr.Seconds)
			if vr.Failed > 0 {
				ew.printf(", %d failed", vr.Failed)
			}
			if vr.Reason != "" {
				ew.printf(" — %s", vr.Reason)
			}
			if vr.Skipped != "" {
				ew.printf("; not covered: %s", vr.Skipped)
			}
			ew.printf("\n")
		}
		for _, f := range v.Failures {
			ew.printf("     ✗ %s\n", f)
		}
	}
	run := c.Run
	if run == nil {
		return
	}
	writeSteadyText(ew, c)
	if mr := c.MaxRate; mr != nil {
		writeMaxRateText(ew, mr)
	}
	ew.printf("   run: %s in %.2f s = %s ops/s, %s", Plural(run.Ops, "op"), run.Seconds, FormatRate(run.OpsPerSec), Plural(run.Errors, "error"))
	if run.Mode == OpenLoop {
		ew.printf("; target %s ops/s, %s late ops, max lag %s µs", FormatRate(run.IntendedRate), FormatCount(run.LateOps), FormatMicros(run.MaxLagUs))
		if run.IntendedOps > 0 {
			ew.printf(", %s of %s scheduled ops dropped", FormatCount(run.DroppedOps), FormatCount(run.IntendedOps))
		}
	}
	ew.printf("\n")
	if h := run.Harness; h != nil {
		ew.printf("   harness: storefit used %.2f cores (%.0f%% of %d; %.2f s user, %.2f s system)", h.Cores, 100*h.Utilization, h.GOMAXPROCS, h.UserSeconds, h.SystemSeconds)
		if c.Embedded {
			ew.printf(", the embedded store included")
		}
		if h.RunDelaySeconds > 0 {
			ew.printf("; waited %.2f s for a CPU", h.RunDelaySeconds)
		}
		ew.printf("\n")
	}
	if t := c.Resources().Text(); t != "" {
		ew.printf("   resources: %s\n", t)
	}
	for _, line := range runNotes(run) {
		ew.printf("   %s\n", line)
	}
	for _, n := range c.HarnessNotes() {
		mark := "note"
		if n.GeneratorLimited {
			mark = "WARNING"
		}
		ew.printf("   %s: %s\n", mark, n.Text)
	}
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "   kind\tcount\terrors\tops/s\tmean\tp50\tp90\tp95\tp99\tp99.9\tmax\t\n")
	row := func(name string, count, errs int64, opsps float64, l Latency) {
		fmt.Fprintf(tw, "   %s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, FormatCount(count), errs, FormatRate(opsps),
			FormatMicros(l.Mean), FormatMicros(l.P50), FormatMicros(l.P90), FormatMicros(l.P95), FormatMicros(l.P99), FormatMicros(l.P999), FormatMicros(l.Max))
	}
	for _, k := range run.Kinds {
		row(k.Kind, k.Count, k.ErrorCount(), k.OpsPerSec, k.Latency)
		if k.Uncorrected != nil {
			row(k.Kind+" (uncorrected)", k.Count, k.ErrorCount(), k.OpsPerSec, *k.Uncorrected)
		}
		if k.Inclusive != nil {
			row(k.Kind+" (all scheduled)", k.Count+k.ErrorCount()+k.Dropped, k.ErrorCount(), k.OpsPerSec, *k.Inclusive)
		}
	}
	tw.Flush()
	for _, k := range run.Kinds {
		classes := make([]string, 0, len(k.Errors))
		for class := range k.Errors {
			classes = append(classes, class)
		}
		sort.Strings(classes)
		for _, class := range classes {
			ew.printf("   %s errors: %d %s\n", k.Kind, k.Errors[class], class)
		}
		for _, s := range k.ErrorSamples {
			ew.printf("     e.g. %s\n", s)
		}
	}
	writeSyncText(ew, c)
}

// writeSteadyText writes what the cell did to reach a steady state and
// the load it was measured under: the store's settings, the warm-up, the
// capacity ramp, and the trend test of the measured phase.
func writeSteadyText(ew *errWriter, c *Cell) {
	if len(c.StoreSettings) > 0 {
		keys := make([]string, 0, len(c.StoreSettings))
		for k := range c.StoreSettings {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var kv []string
		for _, k := range keys {
			kv = append(kv, k+"="+c.StoreSettings[k])
		}
		ew.printf("   store settings: %s\n", strings.Join(kv, ", "))
	}
	for i, w := 0, c.Warmup; w != nil; i, w = i+1, w.Settle {
		label := "warm-up"
		if i > 0 {
			label = "warm-up at the ramp's count"
		}
		ew.printf("   %s: %s with %d workers", label, w.text(), w.Workers)
		if w.Reason != "" {
			ew.printf(" — %s", w.Reason)
		}
		ew.printf("\n")
	}
	if r := c.Ramp; r != nil {
		ew.printf("   workers auto: %d — %s\n", r.Workers, r.Reason)
		if len(r.Steps) > 0 {
			var steps []string
			for _, st := range r.Steps {
				x := fmt.Sprintf("%d: %s ops/s p99 %s µs", st.Workers, FormatRate(st.OpsPerSec), FormatMicros(st.P99Us))
				if st.Miss != "" {
					x += " (missed: " + st.Miss + ")"
				}
				steps = append(steps, x)
			}
			ew.printf("     steps %s\n", strings.Join(steps, "; "))
		}
	}
	if t := c.Run.Trend; t != nil {
		ew.printf("   trend: %s\n", t.Text())
	}
}

// modeText says how the cell's load was generated: "closed loop", "open
// loop at 5,000 ops/s", or for a find-max search which run it kept.
func (c *Cell) modeText() string {
	p := c.Params
	switch {
	case c.MaxRate != nil && c.Run != nil && c.Run.Mode == OpenLoop:
		return fmt.Sprintf("find-max under %s, kept the open-loop run at %s ops/s", c.MaxRate.SLO, FormatRate(c.Run.IntendedRate))
	case c.MaxRate != nil && c.Run != nil:
		return fmt.Sprintf("find-max under %s, kept the closed-loop capacity probe", c.MaxRate.SLO)
	case c.MaxRate != nil:
		return "find-max under " + c.MaxRate.SLO
	case p.Rate > 0:
		return fmt.Sprintf("open loop at %s ops/s", FormatRate(p.Rate))
	}
	return "closed loop"
}

func writeMaxRateText(ew *errWriter, mr *MaxRate) {
	by := ""
	if t := mr.BoundByText(); t != "" {
		by = ", " + t
	}
	switch {
	case mr.Rate == 0:
		ew.printf("   find-max: no rate tried met %s (closed-loop capacity %s ops/s)\n", mr.SLO, FormatRate(mr.Capacity))
	case !mr.Bounded:
		ew.printf("   find-max: every rate tried met %s; the maximum is at least %s ops/s (closed-loop capacity %s ops/s)\n", mr.SLO, FormatRate(mr.Rate), FormatRate(mr.Capacity))
	default:
		ew.printf("   find-max: highest rate meeting %s: %s ops/s%s (closed-loop capacity %s ops/s)\n", mr.SLO, FormatRate(mr.Rate), by, FormatRate(mr.Capacity))
	}
	for _, c := range mr.AtMax {
		ew.printf("     at %s ops/s: %s\n", FormatRate(mr.Rate), c.Text())
	}
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "     target ops/s\tachieved\tops\tseconds\tp50\tp99\tp99 uncorr.\tSLO\tmachine\t\n")
	starved := false
	for _, st := range mr.Steps {
		target, ok := "closed loop", "-"
		if st.Rate > 0 {
			target, ok = FormatRate(st.Rate), st.StepOutcome()
		}
		machine := "ok"
		if st.Starved {
			machine, starved = "STARVED", true
		}
		secs := "-"
		if st.Seconds > 0 {
			secs = fmt.Sprintf("%.0f", st.Seconds)
		}
		if st.Refused && st.Ops == 0 { // refused before it ran
			fmt.Fprintf(tw, "     %s\t-\t-\t-\t-\t-\t-\t%s\t-\t\n", target, ok)
			continue
		}
		fmt.Fprintf(tw, "     %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", target, FormatRate(st.OpsPerSec), FormatCount(st.Ops), secs, FormatMicros(st.P50Us), FormatMicros(st.P99Us), FormatMicros(st.UncorrectedP99Us), ok, machine)
	}
	tw.Flush()
	if len(mr.AtMax) > 0 {
		ew.printf("     (per bound: percentile [95%% distribution-free confidence interval from the step's operation count, exact binomial order statistics]; seconds: steps extended so each bounded kind has enough operations)\n")
	}
	if starved {
		ew.printf("     WARNING: other processes starved storefit of CPU during a step marked STARVED: its latency is the machine's, so the rate found may be too low — rerun on a quiet machine\n")
	}
}

// ErrorCount returns the number of failed operations of the kind.
func (k OpStats) ErrorCount() int64 {
	var n int64
	for _, v := range k.Errors {
		n += v
	}
	return n
}

// OverallUncorrected is Overall of the uncorrected latencies (service
// time) of an open-loop run; ok is false when the run kept none.
func (r *Run) OverallUncorrected() (l Latency, ok bool) {
	h := NewHistogram()
	for _, k := range r.Kinds {
		if k.UncorrectedHistogram == "" {
			return Latency{}, false
		}
		kh, err := DecodeHistogram(k.UncorrectedHistogram)
		if err != nil {
			return Latency{}, false
		}
		h.Merge(kh)
	}
	return Summarize(h), len(r.Kinds) > 0
}

// Overall returns the latency summary of all kinds of a run together,
// computed from their merged histograms.
func (r *Run) Overall() Latency {
	if len(r.Kinds) == 1 {
		return r.Kinds[0].Latency
	}
	h := NewHistogram()
	for _, k := range r.Kinds {
		kh, err := DecodeHistogram(k.Histogram)
		if err != nil {
			continue
		}
		h.Merge(kh)
	}
	return Summarize(h)
}

// FormatMicros formats a latency in microseconds with 3 significant digits
// or more.
func FormatMicros(us float64) string {
	switch {
	case us == 0:
		return "0"
	case us < 10:
		return fmt.Sprintf("%.2f", us)
	case us < 1000:
		return fmt.Sprintf("%.1f", us)
	}
	return FormatCount(int64(us + 0.5))
}

// FormatRate formats a rate (per second).
func FormatRate(r float64) string {
	if r < 100 {
		return fmt.Sprintf("%.1f", r)
	}
	return FormatCount(int64(r + 0.5))
}

// Plural formats a count and its noun in the right number: "1 cell",
// "2 cells", "1,000 queries".
func Plural[N int | int64](n N, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	switch {
	case strings.HasSuffix(noun, "y") && len(noun) > 1 && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])):
		noun = noun[:len(noun)-1] + "ies"
	case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"), strings.HasSuffix(noun, "sh"), strings.HasSuffix(noun, "ch"):
		noun += "es"
	default:
		noun += "s"
	}
	return FormatCount(int64(n)) + " " + noun
}

// FormatCount formats n with thousands separators: 1,234,567.
func FormatCount(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

// runNotes describes what happened to a measured phase beyond its figures:
// a stall, a partial record, injected faults, storefit's own memory.
func runNotes(run *Run) []string {
	var out []string
	if st := run.Stalled; st != nil {
		out = append(out, fmt.Sprintf("STALLED: %d operations still in flight %.1f s after the phase had to end (the oldest for %.1f s) were abandoned; the figures are not a complete measurement", st.Ops, st.AfterSeconds, st.OldestSeconds))
	}
	if run.Partial {
		out = append(out, "PARTIAL: storefit quit during this phase; only its finished seconds were kept")
	}
	for i := range run.Faults {
		f := &run.Faults[i]
		line := "fault: " + f.Label()
		if f.PreFaultOpsPerSec > 0 {
			line += fmt.Sprintf(" (%s ops/s before it)", FormatRate(f.PreFaultOpsPerSec))
		}
		out = append(out, line)
	}
	if ps := run.Process; len(ps) >= 2 && ps[0].RSSBytes > 0 {
		first, last := ps[0], ps[len(ps)-1]
		var peak uint64
		maxG := 0
		for _, p := range ps {
			peak = max(peak, p.RSSBytes)
			maxG = max(maxG, p.Goroutines)
		}
		line := fmt.Sprintf("storefit's memory: RSS %s at the start, %s at the end, %s at most; up to %d goroutines (%d samples)",
			formatMB(first.RSSBytes), formatMB(last.RSSBytes), formatMB(peak), maxG, len(ps))
		if slope, _, _, ok := MemoryTrend(ps, 60); ok && len(ps) >= 10 {
			line += fmt.Sprintf("; trend after the first minute %+.1f MB/h", slope/1e6)
		}
		out = append(out, line)
	}
	return out
}

// formatMB formats bytes in MB.
func formatMB(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }
