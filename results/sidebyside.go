package results

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// SideBySide is the comparison of results shown as labelled series
// (Result.Label): for every workload and contender, each series' headline
// figures and their ratio to the first series, the baseline.
type SideBySide struct {
	// Series are the labels in the order of the results; Series[0] is the
	// baseline.
	Series []string
	Rows   []SideRow
}

// SideRow is one workload and contender across the series.
type SideRow struct {
	Workload, Contender string
	// Cells holds one entry per series, in the order of Series.
	Cells []SideCell
}

// SideCell is one series' figures of a row.
type SideCell struct {
	// Present is false when the series has no such cell.
	Present bool
	// Status is the group's status (ok, n/a, failed, …) and Validation
	// its validation outcome.
	Status, Validation string
	// Figures are the medians over the series' repetitions.
	Figures Figures
	// Workers is the load a worker rule chose (workers auto or low: "16
	// workers (auto)"), shown beside the throughput; "" for a count given.
	Workers string
	// OpsRatio and P99Ratio are this series' throughput and p99 over the
	// baseline's; 0 when either side was not measured.
	OpsRatio, P99Ratio float64
}

// SeriesLabels returns the labels of rs in order, each once; none when the
// results are not labelled (merged as repetitions).
func SeriesLabels(rs []*Result) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range rs {
		if r.Label != "" && !seen[r.Label] {
			seen[r.Label] = true
			out = append(out, r.Label)
		}
	}
	return out
}

// CompareSideBySide builds the side-by-side comparison of labelled results;
// it returns nil for fewer than two series.
func CompareSideBySide(rs []*Result) *SideBySide {
	series := SeriesLabels(rs)
	if len(series) < 2 {
		return nil
	}
	pos := map[string]int{}
	for i, s := range series {
		pos[s] = i
	}
	sb := &SideBySide{Series: series}
	rowOf := map[string]int{}
	for _, g := range Groups(rs) {
		key := g.Workload + "\x00" + g.Contender
		i, ok := rowOf[key]
		if !ok {
			i = len(sb.Rows)
			rowOf[key] = i
			sb.Rows = append(sb.Rows, SideRow{Workload: g.Workload, Contender: g.Contender, Cells: make([]SideCell, len(series))})
		}
		sc := SideCell{Present: true, Status: g.Status(), Validation: g.Validation(), Figures: g.Figures()}
		if ms := g.Measured(); len(ms) > 0 && ms[0].Params.WorkersRule != "" {
			sc.Workers = g.Concurrency()
		}
		sb.Rows[i].Cells[pos[g.Series]] = sc
	}
	for _, row := range sb.Rows {
		base := row.Cells[0]
		for i := range row.Cells {
			c := &row.Cells[i]
			if measured(base) && measured(*c) {
				c.OpsRatio = c.Figures.OpsPerSec / base.Figures.OpsPerSec
				if base.Figures.P99 > 0 {
					c.P99Ratio = c.Figures.P99 / base.Figures.P99
				}
			}
		}
	}
	return sb
}

func measured(c SideCell) bool { return c.Present && c.Status == StatusOK && c.Figures.OpsPerSec > 0 }

// Value formats a cell's figure (throughput or p99) for a comparison table:
// the figure, or why there is none ("—" for no cell, the status otherwise).
func (c SideCell) Value(p99 bool) string {
	switch {
	case !c.Present:
		return "—"
	case c.Status != StatusOK:
		return c.Status
	case p99:
		return FormatMicros(c.Figures.P99)
	case c.Workers != "":
		return FormatRate(c.Figures.OpsPerSec) + " · " + c.Workers
	}
	return FormatRate(c.Figures.OpsPerSec)
}

// Ratio formats a ratio to the baseline as "×1.23", or "" when there is
// none.
func Ratio(r float64) string {
	if r <= 0 {
		return ""
	}
	return fmt.Sprintf("×%.2f", r)
}

// Header returns the comparison table's column names: per series its ops/s
// and p99, and from the second series on their ratios to the first.
func (sb *SideBySide) Header() []string {
	h := []string{"workload", "store"}
	for i, s := range sb.Series {
		h = append(h, "ops/s "+s)
		if i > 0 {
			h = append(h, "÷ "+sb.Series[0])
		}
	}
	for i, s := range sb.Series {
		h = append(h, "p99 µs "+s)
		if i > 0 {
			h = append(h, "÷ "+sb.Series[0])
		}
	}
	return h
}

// Columns returns the row's values in the order of the header.
func (row SideRow) Columns() []string {
	cols := []string{row.Workload, row.Contender}
	for _, p99 := range []bool{false, true} {
		for i, c := range row.Cells {
			v := c.Value(p99)
			if c.Present && c.Validation == ValidationFailed {
				v += " ✗"
			}
			cols = append(cols, v)
			if i > 0 {
				r := c.OpsRatio
				if p99 {
					r = c.P99Ratio
				}
				cols = append(cols, Ratio(r))
			}
		}
	}
	return cols
}

// WriteSideBySideText writes the comparison as a plain-text table.
func WriteSideBySideText(w *tabwriter.Writer, sb *SideBySide) {
	fmt.Fprintln(w, strings.Join(sb.Header(), "\t")+"\t")
	for _, row := range sb.Rows {
		fmt.Fprintln(w, strings.Join(row.Columns(), "\t")+"\t")
	}
}

// writeSideBySide writes the text report's comparison section.
func writeSideBySide(ew *errWriter, sb *SideBySide) error {
	ew.printf("Side by side: %s (medians over repetitions; ÷ is the ratio to %s; ✗ validation failed)\n",
		strings.Join(sb.Series, " vs "), sb.Series[0])
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	WriteSideBySideText(tw, sb)
	if err := tw.Flush(); err != nil {
		return err
	}
	ew.printf("\n")
	return ew.err
}

// writeSideBySideMarkdown writes the Markdown report's comparison section.
func writeSideBySideMarkdown(ew *errWriter, sb *SideBySide) {
	ew.printf("## Side by side\n\n%s, medians over repetitions; ÷ is the ratio to %s; ✗ marks a failed validation.\n\n",
		strings.Join(sb.Series, " vs "), mdCell(sb.Series[0]))
	h := sb.Header()
	ew.printf("| %s |\n|---|---|%s\n", strings.Join(mdCells(h), " | "), strings.Repeat("--:|", len(h)-2))
	for _, row := range sb.Rows {
		ew.printf("| %s |\n", strings.Join(mdCells(row.Columns()), " | "))
	}
	ew.printf("\n")
}

func mdCells(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = mdCell(x)
	}
	return out
}
