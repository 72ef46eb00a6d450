package runner

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/storefit/storefit/results"
)

// Find-max search parameters.
var (
	// coarseSteps are the first rates tried, as fractions of the measured
	// closed-loop capacity, until one misses the SLO.
	coarseSteps = []float64{0.125, 0.25, 0.5, 1, 2}
	// maxBisections bounds the bisection between the last rate that met the
	// SLO and the first that did not.
	maxBisections = 5
	// bisectPrecision stops the bisection when the bracket is this narrow,
	// relative to its upper end.
	bisectPrecision = 0.05
	// maxErrorShare is the share of failed operations — and of scheduled
	// operations dropped — a step may have and still meet the SLO: the
	// share above which ranking refuses a cell.
	maxErrorShare = results.DefaultMaxErrorRate
	// minAchieved is the share of the target rate a step must achieve.
	minAchieved = 0.95
)

// findMax searches for the highest open-loop rate that meets the SLO. It
// first measures the closed-loop capacity C with the configured workers,
// then tries open-loop rates C/8, C/4, C/2, C, 2C until one misses the SLO,
// then bisects between the last rate that met it and the first that did not
// until the bracket is within 5% (at most 5 bisections). Every step is a
// full measured phase of the configured duration; the warm-up runs once,
// before the capacity probe. A step meets the SLO when it completed enough
// operations for the SLO's highest percentile to mean something
// (results.MinOpsFor: 1,000 for p99), its latency percentiles — corrected
// for coordinated omission, failed operations at their time to failure
// and dropped ones from their intended start included — are within the
// bounds, at most 0.1% of its operations failed or were dropped, and it
// achieved at least 95% of the target rate. Each step records whether
// other processes starved storefit of CPU meanwhile.
//
// The returned run is the one at the highest rate that met the SLO (or,
// when none did, the lowest rate tried, with an error saying so: the cell
// then fails), so the cell's figures describe the store at its maximum
// rate.
func (m *measurer) findMax(ctx context.Context) (*results.Run, *results.MaxRate, error) {
	slo := m.cfg.SLO
	mr := &results.MaxRate{SLO: slo.String()}
	probe, err := m.measure(ctx, 0)
	if err != nil {
		return probe, mr, err
	}
	mr.Capacity = probe.OpsPerSec
	mr.Steps = append(mr.Steps, stepOf(probe, 0, true, ""))
	minOps := results.MinOpsFor(slo.MaxPercentile())
	if probe.Ops == 0 {
		return probe, mr, errors.New("find-max: the capacity probe completed no operation")
	}
	var best, lowest *results.Run
	try := func(rate float64) (bool, error) {
		run, err := m.measure(ctx, rate)
		if err != nil {
			return false, err
		}
		ok, reason := meets(run, rate, slo, minOps)
		mr.Steps = append(mr.Steps, stepOf(run, rate, ok, reason))
		mark := "meets"
		if !ok {
			mark = "misses (" + reason + ")"
		}
		m.disp.Logf("find-max %s: %s ops/s %s %s", m.live.name(), results.FormatRate(rate), mark, slo)
		if ok {
			best = run
		}
		if lowest == nil || rate < lowest.IntendedRate {
			lowest = run
		}
		return ok, nil
	}
	lo, hi := 0.0, 0.0
	for _, f := range coarseSteps {
		r := roundRate(mr.Capacity * f)
		ok, err := try(r)
		if err != nil {
			return pick(best, lowest, probe), mr, err
		}
		if !ok {
			hi = r
			break
		}
		lo = r
	}
	if hi > 0 {
		mr.Bounded = true
		for i := 0; i < maxBisections && hi-lo > bisectPrecision*hi; i++ {
			mid := roundRate((lo + hi) / 2)
			if mid <= lo || mid >= hi {
				break
			}
			ok, err := try(mid)
			if err != nil {
				return pick(best, lowest, probe), mr, err
			}
			if ok {
				lo = mid
			} else {
				hi = mid
			}
		}
	}
	mr.Rate = lo
	kept := pick(best, lowest, probe)
	if lo == 0 {
		var why string
		for _, st := range mr.Steps[1:] {
			if st.Rate == kept.IntendedRate && !st.OK {
				why = ": " + st.Reason
			}
		}
		return kept, mr, fmt.Errorf("find-max: no rate tried met %s; the lowest, %s ops/s, missed it%s", slo, results.FormatRate(kept.IntendedRate), why)
	}
	m.disp.Logf("find-max: kept the open-loop run at %s ops/s, the highest rate that met %s", results.FormatRate(lo), slo)
	return kept, mr, nil
}

func pick(runs ...*results.Run) *results.Run {
	for _, r := range runs {
		if r != nil {
			return r
		}
	}
	return nil
}

// meets tells whether an open-loop run at rate met the SLO, judged on at
// least minOps operations.
func meets(run *results.Run, rate float64, slo results.SLO, minOps int64) (bool, string) {
	started := run.Ops + run.Errors
	if started < minOps {
		return false, fmt.Sprintf("%s operations, fewer than the %s a %s needs: lengthen --duration",
			results.FormatCount(started), results.FormatCount(minOps), percentileText(slo.MaxPercentile()))
	}
	if float64(run.Errors) > maxErrorShare*float64(started) {
		return false, fmt.Sprintf("%d of %d operations failed", run.Errors, started)
	}
	if run.IntendedOps > 0 && float64(run.DroppedOps) > maxErrorShare*float64(run.IntendedOps) {
		return false, fmt.Sprintf("%d of %d scheduled operations never started", run.DroppedOps, run.IntendedOps)
	}
	if run.OpsPerSec < minAchieved*rate {
		return false, fmt.Sprintf("achieved %s of %s ops/s", results.FormatRate(run.OpsPerSec), results.FormatRate(rate))
	}
	h := run.InclusiveHistogram()
	return slo.Check(func(p float64) float64 { return results.Quantile(h, p) })
}

// percentileText names a percentile: "p99".
func percentileText(p float64) string {
	return "p" + strconv.FormatFloat(p, 'f', -1, 64)
}

// stepOf records a step: its latency over every scheduled operation (what
// the SLO is checked on), the uncorrected service time, and whether the
// machine starved storefit meanwhile.
func stepOf(run *results.Run, rate float64, ok bool, reason string) results.RateStep {
	st := results.RateStep{Rate: rate, OpsPerSec: run.OpsPerSec, Errors: run.Errors, OK: ok, Reason: reason,
		Ops: run.Ops + run.Errors, Starved: run.Starved()}
	h := run.InclusiveHistogram()
	st.P50Us, st.P99Us = results.Quantile(h, 50), results.Quantile(h, 99)
	if uh := run.OverallHistogram(true); uh != nil {
		st.UncorrectedP50Us, st.UncorrectedP99Us = results.Quantile(uh, 50), results.Quantile(uh, 99)
	}
	return st
}

// roundRate rounds a rate to 3 significant digits (at least 1 op/s), so
// the rates tried read well.
func roundRate(r float64) float64 {
	if r < 1 {
		return 1
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(r, 'g', 3, 64), 64)
	return v
}
