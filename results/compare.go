package results

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

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
}

// Comparison is a benchstat-style comparison of two sets of results.
type Comparison struct {
	OldName, NewName string
	Alpha            float64
	Threshold        float64
	Metrics          []MetricComparison
}

// MetricComparison compares one metric of every contender.
type MetricComparison struct {
	// Metric names the figure: "ops/s", "p50 µs", "p99 µs".
	Metric string
	// HigherIsBetter is true for throughput.
	HigherIsBetter bool
	Rows           []CompareRow
}

// CompareRow compares one metric of one contender (workload and store).
type CompareRow struct {
	Workload, Store string
	// Samples says what the samples are: "repetitions" when both sides
	// have two or more, else "1-s intervals".
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

// Compare compares the contenders of old and new on throughput, p50 and p99
// (all operation kinds together), as benchstat compares benchmarks: the
// median of the samples with its confidence interval, and the Mann-Whitney
// U-test (golang.org/x/perf/benchmath, "assume nothing") for whether they
// differ. The samples are the repetitions (`run --repeat N`) when both
// sides have at least two; otherwise the one-second intervals of the
// measured phase (a short last interval left out), which are
// autocorrelated, so their p-values are optimistic — repeat runs for
// decisions.
func Compare(oldName string, old []*Result, newName string, new []*Result, o CompareOptions) *Comparison {
	if o.Alpha <= 0 {
		o.Alpha = 0.05
	}
	if o.Confidence <= 0 {
		o.Confidence = 0.95
	}
	c := &Comparison{OldName: oldName, NewName: newName, Alpha: o.Alpha, Threshold: o.Threshold}
	og, ng := Groups(old), Groups(new)
	key := func(g *Group) string { return g.Workload + "\x00" + g.Label }
	oldBy := map[string]*Group{}
	for _, g := range og {
		oldBy[key(g)] = g
	}
	newBy := map[string]*Group{}
	for _, g := range ng {
		newBy[key(g)] = g
	}
	var keys []string
	var all []*Group
	for _, g := range append(slices.Clone(og), ng...) {
		if !slices.Contains(keys, key(g)) {
			keys = append(keys, key(g))
			all = append(all, g)
		}
	}
	slices.SortStableFunc(all, func(a, b *Group) int {
		return cmp.Or(ComparePatterns(a.Pattern, b.Pattern), strings.Compare(a.Workload, b.Workload), strings.Compare(a.Label, b.Label))
	})
	metrics := []struct {
		name   string
		higher bool
		rep    func(*Cell) float64
		iv     func(Interval) float64
	}{
		{"ops/s", true, func(c *Cell) float64 { return c.Run.OpsPerSec }, func(iv Interval) float64 { return iv.OpsPerSec }},
		{"p50 µs", false, func(c *Cell) float64 { return c.Run.Percentile(50) }, func(iv Interval) float64 { return iv.P50Us }},
		{"p99 µs", false, func(c *Cell) float64 { return c.Run.Percentile(99) }, func(iv Interval) float64 { return iv.P99Us }},
	}
	thr := &benchmath.Thresholds{CompareAlpha: o.Alpha}
	for _, m := range metrics {
		mc := MetricComparison{Metric: m.name, HigherIsBetter: m.higher}
		for _, g := range all {
			k := key(g)
			row := CompareRow{Workload: g.Workload, Store: g.Label}
			a, b := oldBy[k], newBy[k]
			useReps := a != nil && b != nil && len(a.Measured()) >= 2 && len(b.Measured()) >= 2
			samples := func(g *Group) []float64 {
				if g == nil {
					return nil
				}
				var xs []float64
				for _, c := range g.Measured() {
					if useReps {
						xs = append(xs, m.rep(c))
						continue
					}
					for _, iv := range c.Run.SteadyIntervals() {
						if iv.Ops > 0 || m.higher {
							xs = append(xs, m.iv(iv))
						}
					}
				}
				return xs
			}
			row.Samples = "1-s intervals"
			if useReps {
				row.Samples = "repetitions"
			}
			xa, xb := samples(a), samples(b)
			row.OldN, row.NewN = len(xa), len(xb)
			switch {
			case len(xa) == 0 && len(xb) == 0:
				continue
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
			mc.Rows = append(mc.Rows, row)
		}
		c.Metrics = append(c.Metrics, mc)
	}
	return c
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

// WriteText writes the comparison as benchstat does: per metric a table of
// old and new medians with their confidence intervals and the change with
// its p-value, "~" and "no significant change" where the test finds none,
// and footnotes for the test's warnings.
func (c *Comparison) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	var notes []string
	note := func(ws []string) string {
		var refs []string
		for _, w := range ws {
			i := slices.Index(notes, w)
			if i < 0 {
				notes = append(notes, w)
				i = len(notes) - 1
			}
			refs = append(refs, superscript(i+1))
		}
		if len(refs) == 0 {
			return ""
		}
		return " " + strings.Join(refs, " ")
	}
	for i, m := range c.Metrics {
		if i > 0 {
			ew.printf("\n")
		}
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "%s\t%s\t\t%s\t\t\n", m.Metric, c.OldName, c.NewName)
		fmt.Fprintf(tw, "\tmedian\t± CI\tmedian\t± CI\tvs old\n")
		format := FormatMicros
		if m.HigherIsBetter {
			format = FormatRate
		}
		for _, r := range m.Rows {
			name := r.Workload + " " + r.Store
			old, oldCI, new, newCI := "-", "", "-", ""
			if r.OnlyIn != "new" {
				old, oldCI = format(r.Old.Center), "± "+r.Old.PctRangeString()
			}
			if r.OnlyIn != "old" {
				new, newCI = format(r.New.Center), "± "+r.New.PctRangeString()
			}
			var delta string
			switch {
			case r.OnlyIn != "":
				delta = "only in " + r.OnlyIn
			case !r.Significant:
				delta = fmt.Sprintf("~ no significant change (p=%.3f n=%s)", r.P, sizes(r))
			default:
				delta = fmt.Sprintf("%+.2f%% (p=%.3f n=%s)", 100*r.Delta, r.P, sizes(r))
				if r.Regression {
					delta += " REGRESSION"
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s%s\n", name, old, oldCI, new, newCI, delta, note(r.Warnings))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	ew.printf("\n")
	samples := map[string]bool{}
	for _, m := range c.Metrics {
		for _, r := range m.Rows {
			samples[r.Samples] = true
		}
	}
	if samples["1-s intervals"] {
		ew.printf("Samples are the 1-second intervals where a side has fewer than 2 repetitions; intervals are autocorrelated, so those p-values are optimistic (use run --repeat).\n")
	}
	ew.printf("Medians with %s confidence intervals; p-values from the Mann-Whitney U-test, significant below α=%g.\n", "95%", c.Alpha)
	for i, n := range notes {
		ew.printf("%s %s\n", superscript(i+1), n)
	}
	regs := c.Regressions()
	switch {
	case len(regs) > 0:
		ew.printf("\n%d significant regression(s) beyond %.0f%%:\n", len(regs), 100*c.Threshold)
		for _, m := range c.Metrics {
			for _, r := range m.Rows {
				if r.Regression {
					ew.printf("  %s on %s: %s %+.1f%%\n", r.Workload, r.Store, m.Metric, 100*r.Delta)
				}
			}
		}
	case !c.Significant():
		ew.printf("\nno significant change\n")
	default:
		ew.printf("\nno significant regression beyond %.0f%%\n", 100*c.Threshold)
	}
	return ew.err
}

func sizes(r CompareRow) string {
	if r.OldN == r.NewN {
		return fmt.Sprint(r.OldN)
	}
	return fmt.Sprintf("%d+%d", r.OldN, r.NewN)
}

func superscript(n int) string {
	digits := []string{"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"}
	var b strings.Builder
	for _, ch := range fmt.Sprint(n) {
		b.WriteString(digits[ch-'0'])
	}
	return b.String()
}
