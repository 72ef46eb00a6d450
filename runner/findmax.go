package runner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

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
// until the bracket is within 5% (at most 5 bisections). The warm-up runs
// once, before the capacity probe.
//
// The SLO bounds every operation together ("p99=10ms"), operation kinds on
// their own ("timeline:p99=20ms,dashboard:p99=500ms"), or both; a step
// meets it only when every bound holds. A percentile is judged only on
// enough operations of its kind to mean something (results.MinOpsFor:
// 1,000 for p99): each step lasts the configured duration, or longer when
// a bounded kind's share of the probe's operations says it would not
// gather them at that rate, up to MaxStep (default 10 × the duration). A
// rate that would need a longer step — or a step that still fell short —
// is refused: recorded, never judged, neither met nor missed. Each bound's
// percentile is reported with its 95% distribution-free confidence
// interval (results.QuantileInterval). Latencies are corrected for
// coordinated omission, failed operations count at their time to failure
// and dropped ones from their intended start. A step also needs at most
// 0.1% of its operations failed or dropped and at least 95% of the target
// rate achieved. Each step records whether other processes starved
// storefit of CPU meanwhile.
//
// The returned run is the one at the highest rate that met the SLO (or,
// when none did, the lowest rate measured, with an error saying so: the
// cell then fails), so the cell's figures describe the store at its
// maximum rate; the MaxRate records the bounds checked there and which
// bound stopped the search.
func (m *measurer) findMax(ctx context.Context) (*results.Run, *results.MaxRate, error) {
	slo := m.cfg.SLO
	mr := &results.MaxRate{SLO: slo.String()}
	probe, err := m.measure(ctx, 0)
	if err != nil {
		return probe, mr, err
	}
	mr.Capacity = probe.OpsPerSec
	mr.Steps = append(mr.Steps, stepOf(probe, 0, verdict{ok: true}))
	if probe.Ops == 0 {
		return probe, mr, errors.New("find-max: the capacity probe completed no operation")
	}
	shares := kindShares(probe)
	var best, lowest *results.Run
	boundBy := map[float64]string{}
	try := func(rate float64) (outcome, error) {
		d, why := m.stepLength(rate, shares)
		var v verdict
		var run *results.Run
		if why != "" {
			v = verdict{refused: true, reason: why}
		} else {
			run, err = m.measureFor(ctx, rate, d)
			if err != nil {
				return refused, err
			}
			v = judge(run, rate, slo)
		}
		st := stepOf(run, rate, v)
		if d > m.cfg.Duration && run != nil {
			st.Seconds = run.Seconds
		}
		mr.Steps = append(mr.Steps, st)
		mark := "meets"
		switch {
		case v.refused:
			mark = "refused (" + v.reason + ")"
		case !v.ok:
			mark = "misses (" + v.reason + ")"
			boundBy[rate] = v.bound
		}
		m.disp.Logf("find-max %s: %s ops/s %s %s", m.live.name(), results.FormatRate(rate), mark, slo)
		if run == nil {
			return refused, nil
		}
		if lowest == nil || rate < lowest.IntendedRate {
			lowest = run
		}
		switch {
		case v.ok:
			best = run
			return met, nil
		case v.refused:
			return refused, nil
		}
		return missed, nil
	}
	lo, hi := 0.0, 0.0
	for _, f := range coarseSteps {
		r := roundRate(mr.Capacity * f)
		o, err := try(r)
		if err != nil {
			return pick(best, lowest, probe), mr, err
		}
		if o == missed {
			hi = r
			break
		}
		if o == met {
			lo = r
		}
	}
	if hi > 0 {
		mr.Bounded = true
		for i := 0; i < maxBisections && hi-lo > bisectPrecision*hi; i++ {
			mid := roundRate((lo + hi) / 2)
			if mid <= lo || mid >= hi {
				break
			}
			o, err := try(mid)
			if err != nil {
				return pick(best, lowest, probe), mr, err
			}
			if o == refused {
				break
			}
			if o == met {
				lo = mid
			} else {
				hi = mid
			}
		}
		mr.BoundBy = boundBy[hi]
	}
	mr.Rate = lo
	kept := pick(best, lowest, probe)
	if lo == 0 {
		low := lowestStep(mr)
		verb := "missed it"
		if low.Refused {
			verb = "was refused"
		}
		return kept, mr, fmt.Errorf("find-max: no rate tried met %s; the lowest, %s ops/s, %s: %s", slo, results.FormatRate(low.Rate), verb, low.Reason)
	}
	for _, st := range mr.Steps[1:] {
		if st.Rate == lo && st.OK {
			mr.AtMax = st.Checks
		}
	}
	m.disp.Logf("find-max: kept the open-loop run at %s ops/s, the highest rate that met %s", results.FormatRate(lo), slo)
	return kept, mr, nil
}

// outcome is what a find-max step says about its rate.
type outcome int

const (
	met outcome = iota
	missed
	// refused: too few operations of a bounded kind to judge the rate.
	refused
)

// lowestStep returns the step at the lowest open-loop rate the search
// tried.
func lowestStep(mr *results.MaxRate) results.RateStep {
	var lo results.RateStep
	for _, st := range mr.Steps {
		if st.Rate > 0 && (lo.Rate == 0 || st.Rate < lo.Rate) {
			lo = st
		}
	}
	return lo
}

func pick(runs ...*results.Run) *results.Run {
	for _, r := range runs {
		if r != nil {
			return r
		}
	}
	return nil
}

// kindShares returns each kind's share of the operations a run started
// (all kinds: "").
func kindShares(run *results.Run) map[string]float64 {
	shares := map[string]float64{"": 1}
	total := run.Ops + run.Errors
	for _, k := range run.Kinds {
		if total > 0 {
			shares[k.Kind] = float64(k.Count+k.ErrorCount()) / float64(total)
		}
	}
	return shares
}

// stepMargin lengthens an extended step beyond the probe's estimate, so a
// kind whose share varies a little from step to step still gathers its
// operations.
const stepMargin = 1.25

// maxStep is the longest a step may run.
func (m *measurer) maxStep() time.Duration {
	if m.cfg.MaxStep > 0 {
		return max(m.cfg.MaxStep, m.cfg.Duration)
	}
	return 10 * m.cfg.Duration
}

// stepLength returns how long a step at rate must run so every bound of
// the SLO is judged on enough operations of its kind (results.MinOpsFor),
// estimated from the kinds' shares in the capacity probe: the configured
// duration, or longer, in whole seconds. When even the longest step
// allowed would be too short, why says so and the rate is refused.
func (m *measurer) stepLength(rate float64, shares map[string]float64) (d time.Duration, why string) {
	d = m.cfg.Duration
	for _, b := range m.cfg.SLO.Bounds {
		share, ok := shares[b.Kind]
		if !ok || share == 0 {
			continue // the probe saw none: judged on what the step gathers
		}
		need := results.MinOpsFor(b.Percentile)
		secs := stepMargin * float64(need) / (share * rate)
		want := time.Duration(math.Ceil(secs)) * time.Second
		if want <= d {
			continue
		}
		if want > m.maxStep() {
			return 0, fmt.Sprintf("%s needs %s operations of %s; at %.1f%% of %s ops/s that is a %s step, longer than the longest allowed (%s): raise --max-step",
				percentileText(b.Percentile), results.FormatCount(need), kindText(b.Kind), 100*share, results.FormatRate(rate), want, m.maxStep())
		}
		d = want
	}
	return d, ""
}

// kindText names a bound's kind for messages.
func kindText(kind string) string {
	if kind == "" {
		return "all kinds"
	}
	return kind
}

// verdict is the judgement of one step.
type verdict struct {
	ok, refused bool
	reason      string
	// bound is what the step missed first: a bound of the SLO, or
	// "errors", "dropped", "rate".
	bound  string
	checks []results.BoundCheck
}

// judge tells whether an open-loop run at rate met the SLO: every bound
// holds, each judged on at least results.MinOpsFor operations of its
// kind (else the step is refused), few enough failed or dropped
// operations, and the target rate achieved.
func judge(run *results.Run, rate float64, slo results.SLO) verdict {
	v := verdict{checks: checkBounds(run, slo)}
	started := run.Ops + run.Errors
	switch {
	case float64(run.Errors) > maxErrorShare*float64(started):
		v.reason, v.bound = fmt.Sprintf("%d of %d operations failed", run.Errors, started), "errors"
		return v
	case run.IntendedOps > 0 && float64(run.DroppedOps) > maxErrorShare*float64(run.IntendedOps):
		v.reason, v.bound = fmt.Sprintf("%d of %d scheduled operations never started", run.DroppedOps, run.IntendedOps), "dropped"
		return v
	case run.OpsPerSec < minAchieved*rate:
		v.reason, v.bound = fmt.Sprintf("achieved %s of %s ops/s", results.FormatRate(run.OpsPerSec), results.FormatRate(rate)), "rate"
		return v
	}
	for _, c := range v.checks {
		if need := results.MinOpsFor(c.Percentile); c.Ops < need {
			v.refused = true
			v.reason = fmt.Sprintf("%s: %s operations, fewer than the %s a %s needs: lengthen --duration or raise --max-step",
				kindText(c.Kind), results.FormatCount(c.Ops), results.FormatCount(need), percentileText(c.Percentile))
			return v
		}
	}
	for _, c := range v.checks {
		if !c.OK {
			v.reason, v.bound = fmt.Sprintf("%s %s µs > %s", c.Bound, results.FormatMicros(c.Us), time.Duration(c.LimitUs*1e3)), c.Bound
			return v
		}
	}
	v.ok = true
	return v
}

// checkBounds checks each bound of the SLO on the run: the percentile of
// its kind's operations (every operation's, for a bound without a kind)
// with its confidence interval.
func checkBounds(run *results.Run, slo results.SLO) []results.BoundCheck {
	var all *hdr.Histogram
	var out []results.BoundCheck
	for _, b := range slo.Bounds {
		c := results.BoundCheck{Bound: b.String(), Kind: b.Kind, Percentile: b.Percentile, LimitUs: float64(b.Limit) / 1e3}
		var h *hdr.Histogram
		if b.Kind == "" {
			if all == nil {
				all = run.InclusiveHistogram()
			}
			h, c.Ops = all, run.Ops+run.Errors
		} else {
			h = results.NewHistogram()
			for _, k := range run.Kinds {
				if k.Kind == b.Kind {
					h, c.Ops = k.InclusiveHistogram(), k.Count+k.ErrorCount()
				}
			}
		}
		c.Us, c.LowUs, c.HighUs, _, c.Open = results.QuantileInterval(h, b.Percentile)
		c.OK = c.Us <= c.LimitUs
		out = append(out, c)
	}
	return out
}

// percentileText names a percentile: "p99".
func percentileText(p float64) string {
	return "p" + strconv.FormatFloat(p, 'f', -1, 64)
}

// stepOf records a step: its latency over every scheduled operation (what
// the SLO is checked on), the uncorrected service time, and whether the
// machine starved storefit meanwhile.
func stepOf(run *results.Run, rate float64, v verdict) results.RateStep {
	st := results.RateStep{Rate: rate, OK: v.ok, Reason: v.reason, Refused: v.refused, Checks: v.checks}
	if run == nil {
		return st
	}
	st.OpsPerSec, st.Errors, st.Ops, st.Starved = run.OpsPerSec, run.Errors, run.Ops+run.Errors, run.Starved()
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
