package results

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTextReport writes the plain-text report of one or more results: each
// result as WriteText does, then the recommendation (WritePickText) over
// all of them together.
func WriteTextReport(w io.Writer, rs []*Result, o PickOptions) error {
	for i, r := range rs {
		if i > 0 {
			if _, err := fmt.Fprintln(w); err != nil {
				return err
			}
		}
		if err := WriteText(w, r); err != nil {
			return err
		}
	}
	if len(rs) > 1 {
		ew := &errWriter{w: w}
		writeCostText(ew, rs)
		if ew.err != nil {
			return ew.err
		}
	}
	if _, err := fmt.Fprintln(w); err != nil {
		return err
	}
	if sb := CompareSideBySide(rs); sb != nil {
		if err := writeSideBySide(&errWriter{w: w}, sb); err != nil {
			return err
		}
	}
	return WritePickText(w, Pick(rs, o))
}

// WritePickText writes a recommendation as plain text: the rule, a ranking
// table per pattern, why each pattern's store was chosen, and the verdict.
func WritePickText(w io.Writer, rec *Recommendation) error {
	ew := &errWriter{w: w}
	ew.printf("Recommendation per pattern\n")
	ew.printf("rule: %s\n", rec.Rule)
	for _, n := range rec.ScaleNotes {
		ew.printf("data size: %s\n", n)
	}
	ew.printf("\n")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "pattern\trank\tstore\tslowdown\tops/s\tp99 µs\tworkers\tworkloads\n")
	for _, pr := range rec.Patterns {
		name := pr.Pattern
		for _, c := range pr.Ranked {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%d/%d\n", name, c.Rank, c.Store, FormatSlowdown(c.Slowdown), FormatRate(c.Throughput), FormatMicros(c.P99), dashIfEmpty(c.Concurrency), c.Workloads, len(pr.Workloads))
			name = ""
		}
		for _, c := range pr.Excluded {
			// The reason goes last, so it does not widen the columns.
			fmt.Fprintf(tw, "%s\t-\t%s\t-\t\t\t\t\t%s\n", name, c.Store, notRankedText(c))
			name = ""
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	ew.printf("\nWhy\n")
	for _, pr := range rec.Patterns {
		ew.printf("  %s: %s\n", pr.Pattern, pr.Explain())
	}
	ew.printf("\nOne DB to rule them all?\n")
	for _, s := range rec.Verdict.Sentences {
		ew.printf("  %s\n", s)
	}
	if len(rec.Verdict.Best) > 0 {
		ew.printf("\n")
		tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "stores\tcombination\tgeo-mean slowdown\tpatterns covered\tserved by\n")
		for i, c := range rec.Verdict.Best {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d/%d\t%s\n", i+1, strings.Join(c.Stores, " + "), FormatSlowdown(c.GeoMean), c.Covered, len(rec.Verdict.Patterns), c.ServesText())
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(rec.MaxRates) > 0 {
		ew.printf("\nMaximum rate under each cell's find-max SLO (per bound at that rate: percentile [95%% confidence interval])\n")
		for _, l := range rec.MaxRates {
			ew.printf("  %s\n", l.Text())
			for _, c := range l.AtMax {
				ew.printf("    %s\n", c.Text())
			}
		}
	}
	return ew.err
}

// notRankedText says why a contender is not ranked; the reference oracle
// is shown as such.
func notRankedText(c Contender) string {
	if c.Why == WhyOracle {
		return "reference (not ranked): " + c.Reason
	}
	return "not ranked: " + c.Reason
}

// ServesText lists which store serves each pattern, "pattern: store", with
// its slowdown where it is not the best, and "none" where no store of the
// combination is ranked: one format for every combination.
func (c Combo) ServesText() string {
	var parts []string
	for _, s := range c.Serves {
		if s.Store == "" {
			parts = append(parts, s.Pattern+": none")
			continue
		}
		p := s.Pattern + ": " + s.Store
		if s.Slowdown > 1+1e-9 {
			p += " " + FormatSlowdown(s.Slowdown)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

// dashIfEmpty returns s, or "-" for an empty s.
func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
