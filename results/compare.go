package results

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/perf/benchmath"
)

// CompareOptions configure Compare.
type CompareOptions struct {
	// Alpha is the significance level (default 0.05): a difference counts
	// when the test's p-value is below it.
	Alpha float64
	// Confidence is the level of the intervals shown around the medians
	// (default 0.95).
	Confidence float64
	// Threshold is the relative change a significant regression must
	// exceed to count as a regression (0.05 for 5%); 0 counts every
	// significant regression.
	Threshold float64
	// Metrics names the figures compared, in order: "ops/s" and latency
	// "p50", "p90", "p95", "p99", "p99.9", "max" (default ops/s, p50,
	// p99). See CompareMetrics.
	Metrics []string
	// Kinds adds, under each contender, a row per operation kind.
	Kinds bool
	// MaxErrorRate is the share of failed (or dropped) operations above
	// which a contender of the new side is lost (see Lost): 0 means
	// DefaultMaxErrorRate, a negative value allows none.
	MaxErrorRate float64
}

// CompareMetrics are the metrics Compare knows, in their usual order.
var CompareMetrics = []string{"ops/s", "p50", "p90", "p95", "p99", "p99.9", "max"}

// ErrNothingInCommon is returned by Compare when the two sides share no
// workload measured on the same store: there is nothing to compare.
var ErrNothingInCommon = errors.New("no workload and store in common")

// Comparison is a benchstat-style comparison of two sets of results.
type Comparison struct {
	OldName, NewName string
	Alpha            float64
	// Confidence is the level of the confidence intervals shown.
	Confidence float64
	Threshold  float64
	// Differences say where the two sides did not run the same plan
	// (workload settings, runner settings, seed and scale, store version,
	// machine), one line each: their figures may differ for that reason.
	Differences []string
	// Lost are the contenders the old side measured that the new side did
	// not measure acceptably: regressions, whatever the figures say.
	Lost    []Lost
	Metrics []MetricComparison
}

// Lost is a contender measured on the old side that the new side lost:
// missing, n/a, failed, with failed or unchecked answers, or with too many
// failed or dropped operations.
type Lost struct {
	Workload, Store string
	// Why says what the new side did.
	Why string
}

// MetricComparison compares one metric of every contender.
type MetricComparison struct {
	// Metric names the figure: "ops/s", "p50 µs", "p99 µs".
	Metric string
	// HigherIsBetter is true for throughput.
	HigherIsBetter bool
	Rows           []CompareRow
	// Geomean compares the geometric means of the medians of the
	// contenders (all kinds together) measured on both sides, as
	// benchstat's geomean row does: no test, nil when none is.
	Geomean *CompareRow
}

// CompareRow compares one metric of one contender (workload and store), or
// of one operation kind of it.
type CompareRow struct {
	Workload, Store string
	// Kind is the operation kind, "" for all kinds together.
	Kind string
	// Samples says what the samples are: "repetitions" when both sides
	// have two or more, else "1-s intervals" (all kinds together) or "runs"
	// (per kind, which has no intervals).
	Samples  string
	Old, New benchmath.Summary
	OldN     int
	NewN     int
	// OnlyIn is "old" or "new" for a contender measured on one side only.
	OnlyIn string
	// P is the p-value of the Mann-Whitney U-test that both samples come
	// from the same distribution.
	P float64
	// Significant is P < Alpha.
	Significant bool
	// Delta is new/old − 1 of the medians.
	Delta float64
	// Regression is a significant change for the worse beyond the
	// threshold.
	Regression bool
	Warnings   []string
}

// pair is one contender on both sides (either may be nil).
type pair struct {
	workload, label string
	pattern         string
	old, new        *Group
}

// Compare compares the contenders of old and new, metric by metric, as
// benchstat compares benchmarks: the median of the samples with its
// confidence interval, and the Mann-Whitney U-test
// (golang.org/x/perf/benchmath, "assume nothing") for whether they differ.
// The samples are the repetitions (`run --repeat N`) when both sides have
// at least two; otherwise the one-second intervals of the measured phase
// (a short last interval left out), which are autocorrelated, so their
// p-values are optimistic — repeat runs for decisions. Latencies are the
// successful operations'; failed and dropped operations are judged apart,
// as lost contenders.
//
// Before the figures it checks that both sides ran the same plan, and
// lists the differences, and which contenders the new side lost. It fails
// with ErrNothingInCommon (wrapped) when the sides share no contender, and
// with an error for an unknown metric.
func Compare(oldName string, old []*Result, newName string, new []*Result, o CompareOptions) (*Comparison, error) {
	if o.Alpha <= 0 {
		o.Alpha = 0.05
	}
	if o.Confidence <= 0 {
		o.Confidence = 0.95
	}
	switch {
	case o.MaxErrorRate == 0:
		o.MaxErrorRate = DefaultMaxErrorRate
	case o.MaxErrorRate < 0:
		o.MaxErrorRate = 0
	}
	if len(o.Metrics) == 0 {
		o.Metrics = []string{"ops/s", "p50", "p99"}
	}
	specs, err := compareSpecs(o.Metrics)
	if err != nil {
		return nil, err
	}
	c := &Comparison{OldName: oldName, NewName: newName, Alpha: o.Alpha, Confidence: o.Confidence, Threshold: o.Threshold}
	pairs := pairGroups(Groups(old), Groups(new))
	common := 0
	for _, p := range pairs {
		if p.old != nil && p.new != nil {
			common++
		}
	}
	if common == 0 {
		return nil, fmt.Errorf("%s and %s: %w", oldName, newName, ErrNothingInCommon)
	}
	c.Differences = append(machineDifferences(old, new), planDifferences(pairs)...)
	c.Lost = lostContenders(pairs, o.MaxErrorRate)
	thr := &benchmath.Thresholds{CompareAlpha: o.Alpha}
	for _, m := range specs {
		mc := MetricComparison{Metric: m.title, HigherIsBetter: m.higher}
		for _, p := range pairs {
			if row, ok := compareRow(p, "", m, thr, o); ok {
				mc.Rows = append(mc.Rows, row)
			}
			if o.Kinds {
				for _, kind := range pairKinds(p) {
					if row, ok := compareRow(p, kind, m, thr, o); ok {
						mc.Rows = append(mc.Rows, row)
					}
				}
			}
		}
		mc.Geomean = geomeanRow(mc.Rows)
		c.Metrics = append(c.Metrics, mc)
	}
	return c, nil
}

// pairGroups matches the groups of the two sides by workload and label,
// ordered by pattern, workload and label.
func pairGroups(og, ng []*Group) []pair {
	var out []pair
	idx := map[string]int{}
	add := func(g *Group, isNew bool) {
		key := g.Workload + "\x00" + g.Label
		i, ok := idx[key]
		if !ok {
			i = len(out)
			idx[key] = i
			out = append(out, pair{workload: g.Workload, label: g.Label, pattern: g.Pattern})
		}
		if isNew {
			out[i].new = g
		} else {
			out[i].old = g
		}
	}
	for _, g := range og {
		add(g, false)
	}
	for _, g := range ng {
		add(g, true)
	}
	slices.SortStableFunc(out, func(a, b pair) int {
		return cmp.Or(ComparePatterns(a.pattern, b.pattern), strings.Compare(a.workload, b.workload), strings.Compare(a.label, b.label))
	})
	return out
}

// machineDifferences compares the machines the two sides ran on: CPU,
// cores, memory, OS. (storefit's and Go's versions may differ: comparing
// builds is what compare is for.)
func machineDifferences(old, new []*Result) []string {
	if len(old) == 0 || len(new) == 0 {
		return nil
	}
	a, b := old[0].Environment, new[0].Environment
	var out []string
	diff := func(what string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			out = append(out, fmt.Sprintf("machine: %s %v → %v", what, x, y))
		}
	}
	diff("CPU", a.CPUModel, b.CPUModel)
	diff("cores", a.Cores, b.Cores)
	diff("GOMAXPROCS", a.GOMAXPROCS, b.GOMAXPROCS)
	diff("memory", fmt.Sprintf("%.1f GiB", float64(a.MemoryBytes)/(1<<30)), fmt.Sprintf("%.1f GiB", float64(b.MemoryBytes)/(1<<30)))
	diff("OS", a.OS+"/"+a.Arch, b.OS+"/"+b.Arch)
	return out
}

// planDifferences compares, for every contender measured on both sides,
// what determines its figures besides the code: the workload's settings,
// seed and scale, the runner settings, the store's version.
func planDifferences(pairs []pair) []string {
	var out []string
	for _, p := range pairs {
		if p.old == nil || p.new == nil {
			continue
		}
		a, b := p.old.Cells[0], p.new.Cells[0]
		var d []string
		diff := func(what string, x, y any) {
			if fmt.Sprint(x) != fmt.Sprint(y) {
				d = append(d, fmt.Sprintf("%s %v → %v", what, x, y))
			}
		}
		for _, k := range unionKeys(a.Settings, b.Settings) {
			diff(k, orDash(a.Settings[k]), orDash(b.Settings[k]))
		}
		diff("seed", a.Seed, b.Seed)
		diff("scale", a.Scale, b.Scale)
		diff("workers", workersPlan(a), workersPlan(b))
		diff("rate", rateText(a), rateText(b))
		diff("duration", secondsText(a.Params.DurationSeconds), secondsText(b.Params.DurationSeconds))
		diff("ops", a.Params.Ops, b.Params.Ops)
		diff("warm-up", warmupPlan(a), warmupPlan(b))
		for _, k := range unionKeys(anyMap(a.StoreSettings), anyMap(b.StoreSettings)) {
			diff("store "+k, orDash(anyMap(a.StoreSettings)[k]), orDash(anyMap(b.StoreSettings)[k]))
		}
		diff("timeout", secondsText(a.Params.TimeoutSeconds), secondsText(b.Params.TimeoutSeconds))
		diff("loaders", a.Params.Loaders, b.Params.Loaders)
		if a.StoreVersion != "" && b.StoreVersion != "" {
			diff("store version", a.StoreVersion, b.StoreVersion)
		}
		if len(d) > 0 {
			out = append(out, fmt.Sprintf("%s on %s: %s", p.workload, p.label, strings.Join(d, ", ")))
		}
	}
	return out
}

// workersPlan is the worker setting a cell was planned with: a count, or
// the rule (the count the capacity ramp chose is an outcome, not a plan).
func workersPlan(c *Cell) string {
	switch c.Params.WorkersRule {
	case WorkersAuto:
		return "auto"
	case WorkersLow:
		return "low"
	}
	return fmt.Sprint(c.Params.Workers)
}

// warmupPlan is the warm-up a cell was planned with: "auto (at most 2m0s)"
// or its length.
func warmupPlan(c *Cell) string {
	if c.Params.WarmupMode == WarmupAuto {
		return "auto (at most " + secondsText(c.Params.WarmupMaxSeconds) + ")"
	}
	return secondsText(c.Params.WarmupSeconds)
}

func anyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func unionKeys(a, b map[string]any) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func orDash(v any) any {
	if v == nil {
		return "-"
	}
	return v
}

func rateText(c *Cell) string {
	switch {
	case c.MaxRate != nil:
		return "find-max " + c.MaxRate.SLO
	case c.Params.Rate > 0:
		return FormatRate(c.Params.Rate) + " ops/s"
	}
	return "closed loop"
}

func secondsText(s float64) string { return strconv.FormatFloat(s, 'g', -1, 64) + "s" }

// lostContenders lists the contenders the old side measured that the new
// side is missing, could not run, failed, answered wrongly, did not check,
// or ran with more than maxErr of its operations failed or dropped.
func lostContenders(pairs []pair, maxErr float64) []Lost {
	var out []Lost
	for _, p := range pairs {
		if p.old == nil || len(p.old.Measured()) == 0 {
			continue
		}
		lost := func(why string) { out = append(out, Lost{Workload: p.workload, Store: p.label, Why: why}) }
		g := p.new
		switch {
		case g == nil:
			lost("missing on the new side")
			continue
		case g.Status() != StatusOK:
			why := g.Status()
			if e := g.Cells[0].Error; e != "" {
				why += ": " + firstLine(e)
			}
			lost(why)
			continue
		}
		if v := validationVerdict(g); v.why != "" && validationVerdict(p.old).why == "" {
			lost(v.reason)
			continue
		}
		if v := (picker{o: PickOptions{MaxErrorRate: maxErr}}).errorVerdict(g); v.why != "" {
			lost(v.reason)
		}
	}
	return out
}

// pairKinds returns the operation kinds of a contender on either side.
func pairKinds(p pair) []string {
	var out []string
	for _, g := range []*Group{p.old, p.new} {
		if g == nil {
			continue
		}
		for _, k := range g.kindNames() {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out
}

// compareSpec is how one metric is read from runs, kinds and intervals.
type compareSpec struct {
	title  string
	higher bool
	run    func(*Run) float64
	kind   func(OpStats) float64
	// iv reads the metric of a one-second interval; ok is false when the
	// interval has nothing to say (a latency of an empty second).
	iv func(Interval) (float64, bool)
}

// compareSpecs returns the specs of the named metrics.
func compareSpecs(names []string) ([]compareSpec, error) {
	var out []compareSpec
	for _, n := range names {
		switch n {
		case "ops/s":
			out = append(out, compareSpec{title: "ops/s", higher: true,
				run:  func(r *Run) float64 { return r.OpsPerSec },
				kind: func(k OpStats) float64 { return k.OpsPerSec },
				iv:   func(iv Interval) (float64, bool) { return iv.OpsPerSec, true }})
		case "max":
			out = append(out, compareSpec{title: "max µs",
				run:  func(r *Run) float64 { return r.Overall().Max },
				kind: func(k OpStats) float64 { return k.Latency.Max },
				iv:   func(iv Interval) (float64, bool) { return iv.MaxUs, iv.Ops > 0 }})
		default:
			p, err := strconv.ParseFloat(strings.TrimPrefix(n, "p"), 64)
			if !strings.HasPrefix(n, "p") || err != nil || p <= 0 || p >= 100 {
				return nil, fmt.Errorf("unknown metric %q (use %s)", n, strings.Join(CompareMetrics, ", "))
			}
			out = append(out, percentileSpec(p))
		}
	}
	return out, nil
}

// percentileSpec reads latency percentile p: the summaries' own figures
// where they hold it, else from the histograms.
func percentileSpec(p float64) compareSpec {
	return compareSpec{title: percentileName(p) + " µs",
		run: func(r *Run) float64 { return r.Percentile(p) },
		kind: func(k OpStats) float64 {
			if v, ok := k.Latency.Percentile(p); ok {
				return v
			}
			h, err := DecodeHistogram(k.Histogram)
			if err != nil {
				return 0
			}
			return Quantile(h, p)
		},
		iv: func(iv Interval) (float64, bool) {
			switch {
			case iv.Ops == 0:
				return 0, false
			case p == 50:
				return iv.P50Us, true
			case p == 99:
				return iv.P99Us, true
			}
			h, err := DecodeHistogram(iv.Histogram)
			if err != nil {
				return 0, false
			}
			return Quantile(h, p), true
		}}
}

// compareRow compares one metric of a contender (kind "": all kinds
// together); ok is false when neither side has a sample.
func compareRow(p pair, kind string, m compareSpec, thr *benchmath.Thresholds, o CompareOptions) (CompareRow, bool) {
	row := CompareRow{Workload: p.workload, Store: p.label, Kind: kind}
	a, b := p.old, p.new
	useReps := a != nil && b != nil && len(a.Measured()) >= 2 && len(b.Measured()) >= 2
	row.Samples = "1-s intervals"
	switch {
	case useReps:
		row.Samples = "repetitions"
	case kind != "":
		row.Samples = "runs"
	}
	samples := func(g *Group) []float64 {
		if g == nil {
			return nil
		}
		var xs []float64
		for _, c := range g.Measured() {
			switch {
			case kind != "":
				for _, k := range c.Run.Kinds {
					if k.Kind == kind && k.Count > 0 {
						xs = append(xs, m.kind(k))
					}
				}
			case useReps:
				xs = append(xs, m.run(c.Run))
			default:
				for _, iv := range c.Run.SteadyIntervals() {
					if v, ok := m.iv(iv); ok {
						xs = append(xs, v)
					}
				}
			}
		}
		return xs
	}
	xa, xb := samples(a), samples(b)
	row.OldN, row.NewN = len(xa), len(xb)
	switch {
	case len(xa) == 0 && len(xb) == 0:
		return row, false
	case len(xa) == 0:
		row.OnlyIn = "new"
	case len(xb) == 0:
		row.OnlyIn = "old"
	}
	var sa, sb *benchmath.Sample
	if len(xa) > 0 {
		sa = benchmath.NewSample(xa, thr)
		row.Old = benchmath.AssumeNothing.Summary(sa, o.Confidence)
	}
	if len(xb) > 0 {
		sb = benchmath.NewSample(xb, thr)
		row.New = benchmath.AssumeNothing.Summary(sb, o.Confidence)
	}
	if row.OnlyIn == "" {
		cmpr := benchmath.AssumeNothing.Compare(sa, sb)
		row.P = cmpr.P
		row.Significant = cmpr.P < o.Alpha
		for _, w := range cmpr.Warnings {
			row.Warnings = append(row.Warnings, w.Error())
		}
		if row.Old.Center != 0 {
			row.Delta = row.New.Center/row.Old.Center - 1
		}
		worse := row.Delta < 0
		if !m.higher {
			worse = row.Delta > 0
		}
		row.Regression = row.Significant && worse && math.Abs(row.Delta) > o.Threshold
	}
	for _, w := range append(row.Old.Warnings, row.New.Warnings...) {
		if !slices.Contains(row.Warnings, w.Error()) {
			row.Warnings = append(row.Warnings, w.Error())
		}
	}
	return row, true
}

// geomeanRow compares the geometric means of the medians of the rows (all
// kinds together) measured on both sides.
func geomeanRow(rows []CompareRow) *CompareRow {
	var a, b []float64
	for _, r := range rows {
		if r.Kind == "" && r.OnlyIn == "" && r.Old.Center > 0 && r.New.Center > 0 {
			a = append(a, r.Old.Center)
			b = append(b, r.New.Center)
		}
	}
	if len(a) == 0 {
		return nil
	}
	g := &CompareRow{Workload: "geomean", OldN: len(a), NewN: len(b)}
	g.Old.Center, g.New.Center = GeoMean(a), GeoMean(b)
	g.Delta = g.New.Center/g.Old.Center - 1
	return g
}

// Regressions returns the rows that regressed significantly beyond the
// threshold.
func (c *Comparison) Regressions() []CompareRow {
	var out []CompareRow
	for _, m := range c.Metrics {
		for _, r := range m.Rows {
			if r.Regression {
				out = append(out, r)
			}
		}
	}
	return out
}

// Failed reports whether the comparison found a regression: a significant
// one beyond the threshold, or a contender the new side lost.
func (c *Comparison) Failed() bool { return len(c.Regressions()) > 0 || len(c.Lost) > 0 }

// Significant reports whether any metric changed significantly.
func (c *Comparison) Significant() bool {
	for _, m := range c.Metrics {
		for _, r := range m.Rows {
			if r.Significant {
				return true
			}
		}
	}
	return false
}
