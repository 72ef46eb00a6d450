package results

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// Warmup is what a cell's warm-up did before its measured phase.
type Warmup struct {
	// Mode is WarmupAuto or WarmupFixed.
	Mode string `json:"mode"`
	// Workers is the number of workers that warmed up.
	Workers int `json:"workers"`
	// Seconds is how long the warm-up ran.
	Seconds float64 `json:"seconds"`
	// Steady, under auto, says whether the workload reached a steady
	// state before MaxSeconds; Reason says what was found at the end.
	Steady     bool    `json:"steady"`
	MaxSeconds float64 `json:"max_s,omitempty"`
	Reason     string  `json:"reason,omitempty"`
	// Intervals are the warm-up's one-second samples (auto only, without
	// histograms): how throughput and latency settled.
	Intervals []Interval `json:"intervals,omitempty"`
	// Settle, when the capacity ramp ran after the warm-up, is the
	// second warm-up at the worker count the ramp chose (under auto,
	// again until steady).
	Settle *Warmup `json:"settle,omitempty"`
}

// Text says in a few words what the warm-up did: "auto: steady after 23 s
// (8 workers)", "fixed 2 s".
func (w *Warmup) Text() string {
	if w == nil {
		return ""
	}
	s := w.text()
	if w.Settle != nil {
		s += "; then " + w.Settle.text() + " at the ramp's count"
	}
	return s
}

func (w *Warmup) text() string {
	switch {
	case w.Mode != WarmupAuto:
		return fmt.Sprintf("fixed %s", briefSeconds(w.Seconds))
	case w.Steady:
		return fmt.Sprintf("auto: steady after %s", briefSeconds(w.Seconds))
	}
	return fmt.Sprintf("auto: NOT steady at its %s cap", briefSeconds(w.MaxSeconds))
}

// WorkerRamp is the outcome of the capacity ramp (--workers auto): closed
// -loop steps doubling the workers from 1 until throughput stops rising by
// at least Gain, or a step misses the pattern's latency objective, or
// Max is reached.
type WorkerRamp struct {
	// Workers is the count chosen: the last step that met the objective
	// and whose throughput was at least 1+Gain times the step before.
	Workers int `json:"workers"`
	// Max is the highest count the ramp may try; Gain the least relative
	// throughput gain that makes doubling worth it (0.1: 10%).
	Max  int     `json:"max"`
	Gain float64 `json:"gain"`
	// Reason says why the ramp stopped where it did.
	Reason string `json:"reason"`
	// FromRepetition is set on the later repetitions of a cell, which run
	// with the count the first repetition's ramp chose (so every
	// repetition measures the same thing); Steps are then empty.
	FromRepetition int        `json:"from_repetition,omitempty"`
	Steps          []RampStep `json:"steps,omitempty"`
}

// RampStep is one closed-loop step of the capacity ramp.
type RampStep struct {
	Workers   int     `json:"workers"`
	Seconds   float64 `json:"seconds"`
	Ops       int64   `json:"ops"`
	OpsPerSec float64 `json:"ops_per_s"`
	// P99Us is the p99 over every operation of the step (failures
	// included); Miss names the operation kind that missed its objective,
	// if one did.
	P99Us float64 `json:"p99_us"`
	Miss  string  `json:"miss,omitempty"`
}

// Trend is a Mann-Kendall test for a monotonic trend in a per-second
// series of the measured phase, with Sen's slope for its size.
//
// Mann-Kendall counts, over every pair of seconds i < j, whether the
// later one is higher (+1) or lower (−1): S = Σ sign(x_j − x_i). With no
// trend S is near 0, with variance n(n−1)(2n+5)/18 less a correction for
// ties; Z = (S ∓ 1)/√Var(S) is about standard normal, which gives the
// two-sided p-value. It assumes nothing of the distribution and is not
// moved by a few outlying seconds (a garbage-collection pause), unlike a
// least-squares slope. Sen's slope — the median of the pairwise slopes
// (x_j − x_i)/(j − i) — estimates the trend's size just as robustly.
// Per-second samples are positively autocorrelated, which makes the test
// report trends a little too readily; a trend therefore counts only when
// it is also material (TrendChange).
type Trend struct {
	// Metric is what was tested: "ops/s".
	Metric string `json:"metric"`
	// Intervals is the number of one-second samples tested.
	Intervals int `json:"intervals"`
	// Tested is false when the phase was too short to test
	// (MinTrendIntervals).
	Tested bool `json:"tested"`
	// Slope is Sen's slope in Metric per second; Change the change it
	// predicts over the phase relative to the series' median (+0.12: rose
	// by 12%).
	Slope  float64 `json:"slope_per_s"`
	Change float64 `json:"change"`
	// P is the Mann-Kendall test's two-sided p-value.
	P float64 `json:"p"`
	// Trending is true when the trend is significant (P < TrendAlpha)
	// and material (|Change| ≥ TrendChange).
	Trending bool `json:"trending"`
}

// Trend test parameters.
const (
	// MinTrendIntervals is the shortest series tested: with fewer than 8
	// seconds the normal approximation of Mann-Kendall's S is poor and no
	// trend of a few percent can be told from noise.
	MinTrendIntervals = 8
	// TrendAlpha is the significance level of the test.
	TrendAlpha = 0.05
	// TrendChange is the least change over the phase, relative to its
	// median, that counts as a trend: 5%, well under the differences the
	// ranking turns on and above the drift of a steady store.
	TrendChange = 0.05
)

// TrendOf tests the series xs (one value per second) for a monotonic
// trend.
func TrendOf(metric string, xs []float64) *Trend {
	t := &Trend{Metric: metric, Intervals: len(xs)}
	n := len(xs)
	if n < MinTrendIntervals {
		return t
	}
	t.Tested = true
	var s float64
	slopes := make([]float64, 0, n*(n-1)/2)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			d := xs[j] - xs[i]
			switch {
			case d > 0:
				s++
			case d < 0:
				s--
			}
			slopes = append(slopes, d/float64(j-i))
		}
	}
	// Variance of S, corrected for groups of tied values.
	nf := float64(n)
	v := nf * (nf - 1) * (2*nf + 5)
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	for i := 0; i < n; {
		j := i
		for j < n && sorted[j] == sorted[i] {
			j++
		}
		if k := float64(j - i); k > 1 {
			v -= k * (k - 1) * (2*k + 5)
		}
		i = j
	}
	v /= 18
	var z float64
	switch {
	case v <= 0:
		z = 0
	case s > 0:
		z = (s - 1) / math.Sqrt(v)
	case s < 0:
		z = (s + 1) / math.Sqrt(v)
	}
	t.P = 2 * (1 - distuv.UnitNormal.CDF(math.Abs(z)))
	t.Slope = Median(slopes)
	if m := Median(xs); m > 0 {
		t.Change = t.Slope * (nf - 1) / m
	}
	t.Trending = t.P < TrendAlpha && math.Abs(t.Change) >= TrendChange
	return t
}

// Text says what the test found: "ops/s rose 12% over 15 s (Mann-Kendall
// p = 0.002)", "no trend (+1% over 15 s, Mann-Kendall p = 0.41)".
func (t *Trend) Text() string {
	switch {
	case t == nil:
		return ""
	case !t.Tested:
		return fmt.Sprintf("not tested (%d s measured; %d s needed)", t.Intervals, MinTrendIntervals)
	case t.Trending && t.Change > 0:
		return fmt.Sprintf("%s rose %.0f%% over %d s (Mann-Kendall p = %.2g)", t.Metric, 100*t.Change, t.Intervals, t.P)
	case t.Trending:
		return fmt.Sprintf("%s fell %.0f%% over %d s (Mann-Kendall p = %.2g)", t.Metric, -100*t.Change, t.Intervals, t.P)
	}
	return fmt.Sprintf("no trend (%+.0f%% over %d s, Mann-Kendall p = %.2g)", 100*t.Change, t.Intervals, t.P)
}

// SteadinessTrend tests the run for a trend, leaving out a short last
// interval: its per-second throughput under a closed loop, its per-second
// p99 under an open loop (whose throughput the schedule sets: a store
// still warming up shows there as falling latency).
func (r *Run) SteadinessTrend() *Trend {
	ivs := r.SteadyIntervals()
	xs := make([]float64, 0, len(ivs))
	metric := "ops/s"
	if r.Mode == OpenLoop {
		metric = "p99"
	}
	for _, iv := range ivs {
		switch {
		case r.Mode != OpenLoop:
			xs = append(xs, iv.OpsPerSec)
		case iv.Ops > 0:
			xs = append(xs, iv.P99Us)
		}
	}
	return TrendOf(metric, xs)
}

// Trending reports whether the run's throughput still trended while it
// was measured.
func (r *Run) Trending() bool { return r.Trend != nil && r.Trend.Trending }

// ConcurrencyText says how much load a cell's figures were measured
// under: "16 workers (auto)", "2 workers (latency at low load)", "4
// workers", "open loop 5,000 ops/s (8 workers)".
func (c *Cell) ConcurrencyText() string {
	p := c.Params
	if p.Workers == 0 {
		return ""
	}
	w := fmt.Sprintf("%d workers", p.Workers)
	if p.Workers == 1 {
		w = "1 worker"
	}
	switch p.WorkersRule {
	case WorkersAuto:
		w += " (auto)"
	case WorkersLow:
		w += " (latency at low load)"
	}
	switch {
	case c.MaxRate != nil && c.Run != nil && c.Run.Mode == OpenLoop:
		return fmt.Sprintf("max rate %s ops/s (%s)", FormatRate(c.Run.IntendedRate), w)
	case p.Rate > 0:
		return fmt.Sprintf("open loop %s ops/s (%s)", FormatRate(p.Rate), w)
	}
	return w
}

// briefSeconds formats seconds for tables: "23 s", "2.5 s".
func briefSeconds(s float64) string {
	if s >= 10 || s == math.Trunc(s) {
		return fmt.Sprintf("%.0f s", s)
	}
	return fmt.Sprintf("%.1f s", s)
}

// Concurrency says what load the group's measured repetitions ran under
// (Cell.ConcurrencyText; the repetitions' texts joined when they differ).
func (g *Group) Concurrency() string {
	var out []string
	for _, c := range g.Measured() {
		if t := c.ConcurrencyText(); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return strings.Join(out, "; ")
}

// SteadyText sums up the steady-state checks of the group's measured
// repetitions: the warm-up (the longest) and the trend test ("warm-up
// auto: steady after 23 s; trend: steady"), and what did not hold.
func (g *Group) SteadyText() string {
	var parts []string
	var longest *Warmup
	trending, tested := 0, 0
	for _, c := range g.Measured() {
		if w := c.Warmup; w != nil && (longest == nil || w.Seconds > longest.Seconds || !w.Steady) {
			longest = w
		}
		if t := c.Run.Trend; t != nil && t.Tested {
			tested++
			if t.Trending {
				trending++
			}
		}
	}
	if longest != nil {
		parts = append(parts, "warm-up "+longest.Text())
	}
	switch {
	case trending > 0:
		parts = append(parts, fmt.Sprintf("STILL TRENDING in %d of %d runs", trending, tested))
	case tested > 0:
		parts = append(parts, "no trend")
	}
	return strings.Join(parts, "; ")
}
