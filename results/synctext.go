package results

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// SyncRow is one strategy × view row of the sync table.
type SyncRow struct {
	Workload, Strategy, Store, View, ViewStore string
	// Rate is the target write rate (0: closed loop).
	Rate                              float64
	WriteP50Us, WriteP99Us            float64
	LagP50Ms, LagP99Ms, LagMaxMs      float64
	Divergence, Rows                  int64
	ExpectedDivergence                *int64
	Injected                          int64
	Faults                            string
	LagGrowing, Drained               bool
	Missing, Extra, Different, Writes int64
}

// SyncRows returns the sync table of rs: one row per view of every cell
// with a sync section, in the order of the cells.
func SyncRows(rs []*Result) []SyncRow {
	var out []SyncRow
	for _, r := range rs {
		for i := range r.Cells {
			c := &r.Cells[i]
			s := c.Sync
			if s == nil {
				continue
			}
			for _, v := range s.Views {
				out = append(out, SyncRow{Workload: c.workloadLabel(), Strategy: s.Strategy, Store: c.Store, View: v.Name, ViewStore: v.Store,
					Rate: c.Params.Rate, WriteP50Us: s.WriteP50Us, WriteP99Us: s.WriteP99Us, LagP50Ms: v.LagP50Ms, LagP99Ms: v.LagP99Ms,
					LagMaxMs: v.LagMaxMs, Divergence: v.Divergence, Rows: v.Rows, ExpectedDivergence: v.ExpectedDivergence,
					Injected: v.Injected, Faults: SyncFaultsText(s.Faults), LagGrowing: v.LagGrowing, Drained: s.Drained,
					Missing: v.Missing, Extra: v.Extra, Different: v.Different, Writes: s.Writes})
			}
		}
	}
	return out
}

// SyncFaultsText lists faults in a few words: "5% write failures;
// timeline down 10 s at 5 s; restart at 12 s".
func SyncFaultsText(fs []SyncFault) string {
	var parts []string
	for _, f := range fs {
		switch f.Kind {
		case "write-failures":
			parts = append(parts, fmt.Sprintf("%g%% write failures", 100*f.Probability))
		case "view-down":
			parts = append(parts, fmt.Sprintf("%s down %g s at %.0f s", f.Target, f.DurationSeconds, f.AtSeconds))
		case "consumer-restart":
			parts = append(parts, fmt.Sprintf("restart at %.0f s", f.AtSeconds))
		default:
			parts = append(parts, f.Kind)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// DivergenceText formats a row's divergence: "0", or "37 (expected 37)"
// for dual writes, "?" when the scan failed.
func (r SyncRow) DivergenceText() string {
	s := FormatCount(r.Divergence)
	if r.ExpectedDivergence != nil {
		s += fmt.Sprintf(" (expected %s)", FormatCount(*r.ExpectedDivergence))
	}
	return s
}

// LagText formats a lag in milliseconds, marking a lag that kept growing.
func lagText(ms float64) string {
	switch {
	case ms == 0:
		return "-"
	case ms < 10:
		return fmt.Sprintf("%.1f", ms)
	}
	return fmt.Sprintf("%.0f", ms)
}

// writeSyncText writes a cell's sync section.
func writeSyncText(ew *errWriter, c *Cell) {
	s := c.Sync
	if s == nil {
		return
	}
	ew.printf("   sync (%s): %s writes, write p50 %s p99 %s µs; faults: %s; drained %v in %.1f s\n", s.Strategy, FormatCount(s.Writes),
		FormatMicros(s.WriteP50Us), FormatMicros(s.WriteP99Us), SyncFaultsText(s.Faults), s.Drained, s.DrainSeconds)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "   view\tstore\tlag p50 ms\tp99\tmax\tinjected\tfailed\trows\tmissing\textra\tdifferent\tdivergence\t\n")
	for _, v := range s.Views {
		div := FormatCount(v.Divergence)
		if v.ExpectedDivergence != nil {
			div += fmt.Sprintf(" (expected %d)", *v.ExpectedDivergence)
		}
		grow := ""
		if v.LagGrowing {
			grow = " growing"
		}
		fmt.Fprintf(tw, "   %s\t%s\t%s\t%s\t%s%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", v.Name, v.Store, lagText(v.LagP50Ms), lagText(v.LagP99Ms),
			lagText(v.LagMaxMs), grow, v.Injected, v.FailedApplies, v.Rows, v.Missing, v.Extra, v.Different, div)
	}
	tw.Flush()
	ew.printf("   verdict: %s\n", s.Verdict)
}

// writeSyncMarkdown writes the strategy × view table and the verdicts of
// every sync cell.
func writeSyncMarkdown(ew *errWriter, rs []*Result) {
	rows := SyncRows(rs)
	if len(rows) == 0 {
		return
	}
	ew.printf("## Keeping stores in sync\n\n")
	ew.printf("Freshness lag is the time from a marker's commit at the source to its first sighting in the view; divergence is what a reconciliation scan found after the run drained (missing + extra + different rows).\n\n")
	ew.printf("| strategy | view | rate | write p50 µs | write p99 µs | lag p50 ms | lag p99 ms | lag max ms | divergence | faults |\n|---|---|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, r := range rows {
		rate := "closed"
		if r.Rate > 0 {
			rate = FormatRate(r.Rate)
		}
		max := lagText(r.LagMaxMs)
		if r.LagGrowing {
			max += " (growing)"
		}
		if !r.Drained {
			max += " (not drained)"
		}
		ew.printf("| %s | %s (%s) | %s | %s | %s | %s | %s | %s | %s | %s |\n", mdCell(r.Strategy), mdCell(r.View), mdCell(r.ViewStore), rate,
			FormatMicros(r.WriteP50Us), FormatMicros(r.WriteP99Us), lagText(r.LagP50Ms), lagText(r.LagP99Ms), max, r.DivergenceText(), mdCell(r.Faults))
	}
	ew.printf("\n")
	for _, r := range rs {
		for _, c := range r.Cells {
			if c.Sync != nil && c.Sync.Verdict != "" {
				ew.printf("- %s\n", mdCell(c.Sync.Verdict))
			}
		}
	}
	ew.printf("\n")
}
