package results

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Merge combines the results of the shards of one plan (`storefit run
// --shard i/n`) into one result, as if one run had used all the shards'
// workers. It refuses results of different plans (their PlanID differs),
// results that are not shards, and incomplete or duplicated shard sets.
//
// Histograms are added exactly (bucket by bucket), so every percentile of
// the merged result is the percentile of all the shards' operations
// together. Counts add up; rates add up (the shards ran side by side, so
// their throughputs add), while durations take the longest shard's. The
// merged run records the common measured window (OverlapSeconds: the time
// every shard was measuring), the rate of all shards together within it
// (OverlapOpsPerSec, from the whole seconds of the aligned intervals it
// holds) and the spread of the shards' actual starts (StartSkewUs), which
// say how far "side by side" held.
//
// Intervals are aligned by wall-clock second: the merged run starts at the
// earliest shard's MeasuredStart, and a shard's interval T lands in merged
// interval T + round(offset), offset being its MeasuredStart's distance
// from the earliest in seconds. Shards started with a common --start-at
// share their MeasuredStart exactly (offset 0); results without a
// MeasuredStart are aligned by T alone.
func Merge(shards []*Result) (*Result, error) {
	if len(shards) == 0 {
		return nil, errors.New("merge: no result given")
	}
	first := shards[0]
	count := 0
	seen := map[int]bool{}
	for i, r := range shards {
		if r.Shard == nil {
			return nil, fmt.Errorf("merge: result %d is not a shard (run it with --shard i/n)", i+1)
		}
		if r.PlanID == "" || r.PlanID != first.PlanID {
			return nil, fmt.Errorf("merge: results of different plans cannot be merged: result 1 is of plan %q, result %d of plan %q (shards must run the same workloads, stores, settings, seed and scale)", first.PlanID, i+1, r.PlanID)
		}
		if count == 0 {
			count = r.Shard.Count
		}
		if r.Shard.Count != count {
			return nil, fmt.Errorf("merge: result 1 is a shard of %d, result %d a shard of %d", count, i+1, r.Shard.Count)
		}
		if seen[r.Shard.Index] {
			return nil, fmt.Errorf("merge: shard %s is given twice", r.Shard)
		}
		seen[r.Shard.Index] = true
		if r.Phase != first.Phase {
			return nil, fmt.Errorf("merge: result 1 is of phase %q, result %d of phase %q (merge the shards of one phase)", cmp.Or(first.Phase, "all"), i+1, cmp.Or(r.Phase, "all"))
		}
		if len(r.Cells) != len(first.Cells) {
			return nil, fmt.Errorf("merge: shard %s has %d cells, shard %s has %d (was one of them interrupted?)", r.Shard, len(r.Cells), first.Shard, len(first.Cells))
		}
	}
	var missing []string
	for i := range count {
		if !seen[i] {
			missing = append(missing, fmt.Sprintf("%d/%d", i, count))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("merge: shards %s are missing", strings.Join(missing, ", "))
	}
	shards = slices.Clone(shards)
	slices.SortFunc(shards, func(a, b *Result) int { return cmp.Compare(a.Shard.Index, b.Shard.Index) })

	out := &Result{
		SchemaVersion: SchemaVersion,
		Tool:          first.Tool,
		StartedAt:     first.StartedAt,
		FinishedAt:    first.FinishedAt,
		Complete:      true,
		Environment:   shards[0].Environment,
		Suite:         first.Suite,
		PlanID:        first.PlanID,
		Repeat:        first.Repeat,
		Phase:         first.Phase,
		StartAt:       first.StartAt,

		StartEverySeconds: first.StartEverySeconds,
	}
	var interrupted []string
	for _, r := range shards {
		if r.StartedAt.Before(out.StartedAt) {
			out.StartedAt = r.StartedAt
		}
		if r.FinishedAt.After(out.FinishedAt) {
			out.FinishedAt = r.FinishedAt
		}
		if !r.Complete {
			out.Complete = false
			interrupted = append(interrupted, fmt.Sprintf("shard %s: %s", r.Shard, cmp.Or(r.Interrupted, "incomplete")))
		}
		out.Merged = append(out.Merged, *r.Shard)
	}
	out.Interrupted = strings.Join(interrupted, "; ")
	for ci := range first.Cells {
		cells := make([]*Cell, len(shards))
		for si, r := range shards {
			c := &r.Cells[ci]
			if c.Workload != first.Cells[ci].Workload || c.Store != first.Cells[ci].Store || c.Repetition != first.Cells[ci].Repetition {
				return nil, fmt.Errorf("merge: cell %d is %s on %s in shard %s but %s on %s in shard %s", ci+1,
					shards[0].Cells[ci].Workload, shards[0].Cells[ci].Store, shards[0].Shard, c.Workload, c.Store, r.Shard)
			}
			cells[si] = c
		}
		mc, err := mergeCells(cells, shards)
		if err != nil {
			return nil, fmt.Errorf("merge: %s on %s: %w", first.Cells[ci].Workload, first.Cells[ci].Store, err)
		}
		out.Cells = append(out.Cells, mc)
	}
	return out, nil
}

// statusRank orders cell statuses from the best to the worst: the merged
// cell takes the worst.
var statusRank = map[string]int{StatusOK: 0, StatusNA: 1, StatusFailed: 2, StatusInterrupted: 3}

func mergeCells(cells []*Cell, shards []*Result) (Cell, error) {
	out := *cells[0]
	out.Load, out.Validation, out.Run, out.MaxRate = nil, nil, nil, nil
	var errs []string
	out.Params.Workers, out.Params.Loaders = 0, 0
	for i, c := range cells {
		if statusRank[c.Status] > statusRank[out.Status] {
			out.Status = c.Status
		}
		if c.Error != "" {
			errs = append(errs, fmt.Sprintf("shard %s: %s", shards[i].Shard, c.Error))
		}
		if out.StoreVersion == "" || out.StoreVersion == "unknown" {
			out.StoreVersion = c.StoreVersion
		}
		out.Params.Workers += c.Params.Workers
		out.Params.Loaders += c.Params.Loaders
	}
	out.Error = strings.Join(errs, "; ")
	out.Load = mergeLoads(cells)
	out.Validation = mergeValidations(cells)
	var runs []*Run
	for _, c := range cells {
		if c.Run != nil {
			runs = append(runs, c.Run)
		}
	}
	if len(runs) > 0 {
		if len(runs) < len(cells) && out.Status == StatusOK {
			out.Status = StatusFailed
		}
		run, err := mergeRuns(runs)
		if err != nil {
			return Cell{}, err
		}
		out.Run = run
	}
	return out, nil
}

func mergeLoads(cells []*Cell) *Load {
	var out *Load
	var values float64
	for _, c := range cells {
		l := c.Load
		if l == nil {
			continue
		}
		if out == nil {
			out = &Load{}
		}
		out.Rows += l.Rows
		out.Seconds = max(out.Seconds, l.Seconds)
		out.Loaders += l.Loaders
		out.SetupSeconds = max(out.SetupSeconds, l.SetupSeconds)
		values += l.ValuesPerSec * l.Seconds
	}
	if out != nil && out.Seconds > 0 {
		out.RowsPerSec = float64(out.Rows) / out.Seconds
		out.ValuesPerSec = values / out.Seconds
	}
	return out
}

// mergeValidations adds the shards' validations: the merged one takes the
// worst status — failed, then skipped (a shard that did not check its
// share leaves the merged answers unchecked), then passed.
func mergeValidations(cells []*Cell) *Validation {
	rank := map[string]int{ValidationPassed: 0, ValidationSkipped: 1, ValidationFailed: 2}
	var out *Validation
	for _, c := range cells {
		v := c.Validation
		if v == nil {
			continue
		}
		if out == nil {
			out = &Validation{Status: v.Status, Reason: v.Reason}
		}
		if rank[v.Status] > rank[out.Status] {
			out.Status, out.Reason = v.Status, v.Reason
		}
		out.Checks += v.Checks
		out.Failed += v.Failed
		out.Seconds = max(out.Seconds, v.Seconds)
		for _, f := range v.Failures {
			if len(out.Failures) < 10 {
				out.Failures = append(out.Failures, f)
			}
		}
	}
	if out != nil && out.Status == ValidationSkipped && strings.HasPrefix(out.Reason, "shard ") {
		out.Reason = fmt.Sprintf("merged from %d shards, each of which loaded only its share of the data", len(cells))
	}
	if out != nil {
		out.Verify = mergeVerifies(cells)
	}
	return out
}

// mergeVerifies adds up the shards' verify steps: each read back its own
// share, so their counts add; one failed shard fails the merge.
func mergeVerifies(cells []*Cell) *Verify {
	var out *Verify
	for _, c := range cells {
		if c.Validation == nil || c.Validation.Verify == nil {
			continue
		}
		v := c.Validation.Verify
		if out == nil {
			out = &Verify{Status: v.Status, Reason: v.Reason, Skipped: v.Skipped}
		}
		switch {
		case v.Status == ValidationFailed && out.Status != ValidationFailed:
			out.Status, out.Reason = ValidationFailed, v.Reason
		case v.Status == ValidationPassed && out.Status == ValidationSkipped:
			out.Status, out.Reason = ValidationPassed, ""
		}
		out.Checks += v.Checks
		out.Failed += v.Failed
		out.Writes += v.Writes
		out.Unknown += v.Unknown
		out.Keys += v.Keys
		out.Seconds = max(out.Seconds, v.Seconds)
	}
	return out
}

func mergeRuns(runs []*Run) (*Run, error) {
	out := &Run{Mode: runs[0].Mode, MeasuredStart: runs[0].MeasuredStart, StartAt: runs[0].StartAt}
	var harness []*Harness
	var server *Server
	// The actual measured window of every shard, for the skew and the
	// common window.
	var firstStart, lastStart, firstEnd time.Time
	for _, r := range runs {
		if !r.MeasuredStart.IsZero() {
			s := r.MeasuredStart.Add(time.Duration(r.StartLagUs * 1e3))
			e := r.MeasuredStart.Add(time.Duration(r.Seconds * 1e9))
			if firstStart.IsZero() || s.Before(firstStart) {
				firstStart = s
			}
			if lastStart.IsZero() || s.After(lastStart) {
				lastStart = s
			}
			if firstEnd.IsZero() || e.Before(firstEnd) {
				firstEnd = e
			}
		}
		out.StartLagUs = max(out.StartLagUs, r.StartLagUs)
		out.Seconds = max(out.Seconds, r.Seconds)
		out.Ops += r.Ops
		out.Errors += r.Errors
		out.OpsPerSec += r.OpsPerSec
		out.IntendedRate += r.IntendedRate
		out.LateOps += r.LateOps
		out.MaxLagUs = max(out.MaxLagUs, r.MaxLagUs)
		out.IntendedOps += r.IntendedOps
		out.DroppedOps += r.DroppedOps
		if !r.MeasuredStart.IsZero() && (out.MeasuredStart.IsZero() || r.MeasuredStart.Before(out.MeasuredStart)) {
			out.MeasuredStart = r.MeasuredStart
		}
		if r.Harness != nil {
			harness = append(harness, r.Harness)
		}
		// Shards that measured the server watched the same processes
		// over about the same window: the busiest reading stands for it.
		if r.Server != nil && (server == nil || r.Server.CPUSeconds > server.CPUSeconds) {
			sv := *r.Server
			server = &sv
		}
	}
	if !firstStart.IsZero() {
		out.StartSkewUs = float64(lastStart.Sub(firstStart)) / 1e3
		out.OverlapSeconds = max(0, firstEnd.Sub(lastStart).Seconds())
	}
	if len(harness) > 0 {
		h := &Harness{}
		for _, x := range harness {
			h.UserSeconds += x.UserSeconds
			h.SystemSeconds += x.SystemSeconds
			h.Cores += x.Cores
			h.GOMAXPROCS += x.GOMAXPROCS
			// The busiest shard decides whether a load generator was
			// the limit.
			h.Utilization = max(h.Utilization, x.Utilization)
		}
		if started := out.Ops + out.Errors; started > 0 {
			h.CPUMicrosPerOp = (h.UserSeconds + h.SystemSeconds) * 1e6 / float64(started)
		}
		out.Harness = h
	}
	if server != nil {
		server.OpsPerCore, server.CPUMicrosPerOp = 0, 0
		server.PerOp(out.Ops)
		out.Server = server
	}

	// Kinds, in the order of the first run, then any others.
	var names []string
	byName := map[string][]*OpStats{}
	for _, r := range runs {
		for i := range r.Kinds {
			k := &r.Kinds[i]
			if _, ok := byName[k.Kind]; !ok {
				names = append(names, k.Kind)
			}
			byName[k.Kind] = append(byName[k.Kind], k)
		}
	}
	for _, name := range names {
		k, err := mergeKinds(name, byName[name])
		if err != nil {
			return nil, err
		}
		out.Kinds = append(out.Kinds, k)
	}

	// Intervals by wall-clock second from the earliest measured start.
	type agg struct {
		iv   Interval
		hist *hdr.Histogram
	}
	ivs := map[int]*agg{}
	last := -1
	for _, r := range runs {
		shift := 0
		if !r.MeasuredStart.IsZero() && !out.MeasuredStart.IsZero() {
			shift = int(math.Round(r.MeasuredStart.Sub(out.MeasuredStart).Seconds()))
		}
		for _, iv := range r.Intervals {
			t := iv.T + shift
			a := ivs[t]
			if a == nil {
				a = &agg{iv: Interval{T: t}, hist: NewIntervalHistogram()}
				ivs[t] = a
			}
			a.iv.Ops += iv.Ops
			a.iv.Errors += iv.Errors
			a.iv.OpsPerSec += iv.OpsPerSec
			a.iv.MaxUs = max(a.iv.MaxUs, iv.MaxUs)
			if iv.Histogram != "" {
				h, err := DecodeHistogram(iv.Histogram)
				if err != nil {
					return nil, fmt.Errorf("interval %d: %w", iv.T, err)
				}
				a.hist.Merge(h)
			}
			last = max(last, t)
		}
	}
	for t := 0; t <= last; t++ {
		a := ivs[t]
		if a == nil {
			out.Intervals = append(out.Intervals, Interval{T: t})
			continue
		}
		if a.hist.TotalCount() > 0 {
			a.iv.P50Us = Quantile(a.hist, 50)
			a.iv.P99Us = Quantile(a.hist, 99)
			a.iv.MaxUs = float64(a.hist.Max()) / 1e3
			enc, err := EncodeHistogram(a.hist)
			if err != nil {
				return nil, err
			}
			a.iv.Histogram = enc
		}
		out.Intervals = append(out.Intervals, a.iv)
	}
	// The rate in the common window: the merged seconds in which every
	// shard was measuring, to within overlapSlack (a shard that began a
	// few µs after its --start-at still covers the first second).
	if !firstStart.IsZero() && out.OverlapSeconds >= 1-2*overlapSlack {
		from := int(math.Ceil(lastStart.Sub(out.MeasuredStart).Seconds() - overlapSlack))
		to := int(math.Floor(firstEnd.Sub(out.MeasuredStart).Seconds() + overlapSlack)) // exclusive
		var ops int64
		n := 0
		for t := max(from, 0); t < to && t < len(out.Intervals); t++ {
			ops += out.Intervals[t].Ops
			n++
		}
		if n > 0 {
			out.OverlapOpsPerSec = float64(ops) / float64(n)
		}
	}
	return out, nil
}

// overlapSlack is how much of a second, in seconds, may lie outside the
// common window for the second to count as inside it.
const overlapSlack = 0.01

func mergeKinds(name string, ks []*OpStats) (OpStats, error) {
	out := OpStats{Kind: name}
	h, uh := NewHistogram(), NewHistogram()
	hasU := false
	for _, k := range ks {
		out.OpsPerSec += k.OpsPerSec
		for class, n := range k.Errors {
			if out.Errors == nil {
				out.Errors = map[string]int64{}
			}
			out.Errors[class] += n
		}
		for _, s := range k.ErrorSamples {
			if len(out.ErrorSamples) < 3 && !slices.Contains(out.ErrorSamples, s) {
				out.ErrorSamples = append(out.ErrorSamples, s)
			}
		}
		kh, err := DecodeHistogram(k.Histogram)
		if err != nil {
			return OpStats{}, fmt.Errorf("%s: %w", name, err)
		}
		h.Merge(kh)
		if k.UncorrectedHistogram != "" {
			ukh, err := DecodeHistogram(k.UncorrectedHistogram)
			if err != nil {
				return OpStats{}, fmt.Errorf("%s (uncorrected): %w", name, err)
			}
			uh.Merge(ukh)
			hasU = true
		}
	}
	out.Count = h.TotalCount()
	out.Latency = Summarize(h)
	var err error
	if out.Histogram, err = EncodeHistogram(h); err != nil {
		return OpStats{}, err
	}
	if hasU {
		u := Summarize(uh)
		out.Uncorrected = &u
		if out.UncorrectedHistogram, err = EncodeHistogram(uh); err != nil {
			return OpStats{}, err
		}
	}
	if err := mergeFailures(&out, ks); err != nil {
		return OpStats{}, err
	}
	return out, nil
}

// mergeFailures adds the shards' failed and dropped operations of a kind:
// their histograms, and the latency over every scheduled operation.
func mergeFailures(out *OpStats, ks []*OpStats) error {
	var failed, dropped *hdr.Histogram
	add := func(dst **hdr.Histogram, enc string) error {
		if enc == "" {
			return nil
		}
		h, err := DecodeHistogram(enc)
		if err != nil {
			return fmt.Errorf("%s: %w", out.Kind, err)
		}
		if *dst == nil {
			*dst = NewHistogram()
		}
		(*dst).Merge(h)
		return nil
	}
	for _, k := range ks {
		out.Dropped += k.Dropped
		if err := add(&failed, k.FailureHistogram); err != nil {
			return err
		}
		if err := add(&dropped, k.DroppedHistogram); err != nil {
			return err
		}
	}
	var err error
	if failed != nil {
		if out.FailureHistogram, err = EncodeHistogram(failed); err != nil {
			return err
		}
	}
	if dropped != nil {
		if out.DroppedHistogram, err = EncodeHistogram(dropped); err != nil {
			return err
		}
	}
	if failed != nil || dropped != nil {
		in := Summarize(out.InclusiveHistogram())
		out.Inclusive = &in
	}
	return nil
}
