package results

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteText writes the comparison as benchstat does: what differs between
// the plans, then per metric a table of old and new medians with their
// confidence intervals and the change with its p-value, "~" and "no
// significant change" where the test finds none, a geomean row, and
// footnotes for the test's warnings; then the lost contenders and the
// regressions.
func (c *Comparison) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	if len(c.Differences) > 0 {
		ew.printf("WARNING: the two sides did not run the same plan, so figures may differ for that reason:\n")
		for _, d := range c.Differences {
			ew.printf("  %s\n", d)
		}
		ew.printf("\n")
	}
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
		if err := c.writeMetric(ew, m, note); err != nil {
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
	if samples["runs"] {
		ew.printf("Per-kind rows without repetitions compare single runs: use run --repeat for a test.\n")
	}
	ew.printf("Medians with %s confidence intervals; p-values from the Mann-Whitney U-test, significant below α=%g.\n", percentText(c.Confidence), c.Alpha)
	for i, n := range notes {
		ew.printf("%s %s\n", superscript(i+1), n)
	}
	if len(c.Lost) > 0 {
		ew.printf("\n%d contender(s) measured on the old side lost on the new side (regressions whatever the figures):\n", len(c.Lost))
		for _, l := range c.Lost {
			ew.printf("  %s on %s: %s\n", l.Workload, l.Store, l.Why)
		}
	}
	regs := c.Regressions()
	switch {
	case len(regs) > 0:
		ew.printf("\n%d significant regression(s) beyond %s:\n", len(regs), percentText(c.Threshold))
		for _, m := range c.Metrics {
			for _, r := range m.Rows {
				if r.Regression {
					ew.printf("  %s on %s: %s %+.1f%%\n", r.Workload, rowStore(r), m.Metric, 100*r.Delta)
				}
			}
		}
	case !c.Significant():
		ew.printf("\nno significant change\n")
	default:
		ew.printf("\nno significant regression beyond %s\n", percentText(c.Threshold))
	}
	return ew.err
}

// percentText formats a fraction as a percentage with up to 4
// significant digits: "95%", "99.9%", "5%".
func percentText(x float64) string { return strconv.FormatFloat(100*x, 'g', 4, 64) + "%" }

func rowStore(r CompareRow) string {
	if r.Kind != "" {
		return r.Store + " (" + r.Kind + ")"
	}
	return r.Store
}

// writeMetric writes one metric's table.
func (c *Comparison) writeMetric(ew *errWriter, m MetricComparison, note func([]string) string) error {
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\t%s\t\t%s\t\t\n", m.Metric, c.OldName, c.NewName)
	fmt.Fprintf(tw, "\tmedian\t± CI\tmedian\t± CI\tvs old\n")
	format := FormatMicros
	if m.HigherIsBetter {
		format = FormatRate
	}
	for _, r := range m.Rows {
		name := r.Workload + " " + r.Store
		if r.Kind != "" {
			name = "  " + r.Kind
		}
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
	if g := m.Geomean; g != nil {
		fmt.Fprintf(tw, "geomean\t%s\t\t%s\t\t%+.2f%%\n", format(g.Old.Center), format(g.New.Center), 100*g.Delta)
	}
	return tw.Flush()
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
