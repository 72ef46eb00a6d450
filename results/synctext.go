package results

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
)

// SyncRow is one strategy × view row of the sync table.
type SyncRow struct {
	Workload, Strategy, Store, View, ViewStore string
	// Rate is the target write rate (0: closed loop).
	Rate                                               float64
	WriteP50Us, WriteP99Us                             float64
	WriteServiceP50Us, WriteServiceP99Us, AchievedRate float64
	LagP50Ms, LagP99Ms, LagMaxMs                       float64
	Changes, PendingAtEnd                              int64
	Divergence, Rows                                   int64
	ExpectedDivergence                                 *int64
	Injected                                           int64
	Faults                                             string
	LagGrowing, Drained                                bool
	Missing, Extra, Different, Writes                  int64
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
					Rate: c.Params.Rate, WriteP50Us: s.WriteP50Us, WriteP99Us: s.WriteP99Us,
					WriteServiceP50Us: s.WriteServiceP50Us, WriteServiceP99Us: s.WriteServiceP99Us, AchievedRate: s.AchievedRate, LagP50Ms: v.LagP50Ms, LagP99Ms: v.LagP99Ms,
					LagMaxMs: v.LagMaxMs, Changes: v.Changes, PendingAtEnd: v.PendingAtEnd, Divergence: v.Divergence, Rows: v.Rows, ExpectedDivergence: v.ExpectedDivergence,
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
		case "consumer-crash":
			parts = append(parts, fmt.Sprintf("crash between apply and commit at %.0f s", f.AtSeconds))
		case "writer-crashes":
			parts = append(parts, fmt.Sprintf("%g%% writer crashes", 100*f.Probability))
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

// writeText formats a write latency with its service time beside it.
func (r SyncRow) writeText(corrected, service float64) string {
	if service <= 0 {
		return FormatMicros(corrected)
	}
	return FormatMicros(corrected) + " (" + FormatMicros(service) + ")"
}

// WriteText formats the write p50 and p99: "900 / 4,000", with the service
// times in parentheses when they differ.
func (r SyncRow) WriteText() (p50, p99 string) {
	return r.writeText(r.WriteP50Us, r.WriteServiceP50Us), r.writeText(r.WriteP99Us, r.WriteServiceP99Us)
}

// lagText formats a lag in milliseconds, marking a lag that kept growing.
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
	ew.printf("   sync (%s): %s writes (%s/s), write p50 %s p99 %s µs", s.Strategy, FormatCount(s.Writes), FormatRate(s.AchievedRate),
		FormatMicros(s.WriteP50Us), FormatMicros(s.WriteP99Us))
	if s.WriteServiceP50Us > 0 {
		ew.printf(" (service time p50 %s p99 %s µs)", FormatMicros(s.WriteServiceP50Us), FormatMicros(s.WriteServiceP99Us))
	}
	ew.printf("; faults: %s; drained %v in %.1f s\n", SyncFaultsText(s.Faults), s.Drained, s.DrainSeconds)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "   view\tstore\tchanges\tlag p50 ms\tp99\tmax\tpending at end\tinjected\tfailed\treplays\trows\tmissing\textra\tdifferent\tdivergence\t\n")
	for _, v := range s.Views {
		div := FormatCount(v.Divergence)
		if v.ExpectedDivergence != nil {
			div += fmt.Sprintf(" (expected %d)", *v.ExpectedDivergence)
		}
		grow := ""
		if v.LagGrowing {
			grow = " growing"
		}
		fmt.Fprintf(tw, "   %s\t%s\t%d\t%s\t%s\t%s%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", v.Name, v.Store, v.Changes, lagText(v.LagP50Ms), lagText(v.LagP99Ms),
			lagText(v.LagMaxMs), grow, v.PendingAtEnd, v.Injected, v.FailedApplies, v.Replays, v.Rows, v.Missing, v.Extra, v.Different, div)
	}
	tw.Flush()
	if r := s.Rebuild; r != nil {
		ew.printf("   %s\n", r.Text())
	}
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
	ew.printf("Lag is commit-to-visible for every data change committed in the measured phase (a change still pending at its end counts with its age then); divergence is what a reconciliation scan of full rows found after the run drained (missing + extra + different rows).\n\n")
	ew.printf("Write latency is open-loop corrected (from the intended start); the service time (from the actual start) is in parentheses.\n\n")
	ew.printf("| strategy | view | rate (achieved) | write p50 µs | write p99 µs | lag p50 ms | lag p99 ms | lag max ms | divergence | faults |\n|---|---|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, r := range rows {
		rate := "closed"
		if r.Rate > 0 {
			rate = FormatRate(r.Rate)
			if r.AchievedRate > 0 && r.AchievedRate < 0.95*r.Rate {
				rate += " (" + FormatRate(r.AchievedRate) + ")"
			}
		}
		max := lagText(r.LagMaxMs)
		if r.LagGrowing {
			max += " (growing)"
		}
		if !r.Drained {
			max += " (not drained)"
		}
		if r.PendingAtEnd > 0 {
			max += fmt.Sprintf(" (%s pending at end)", FormatCount(r.PendingAtEnd))
		}
		ew.printf("| %s | %s (%s) | %s | %s | %s | %s | %s | %s | %s | %s |\n", mdCell(r.Strategy), mdCell(r.View), mdCell(r.ViewStore), rate,
			r.writeText(r.WriteP50Us, r.WriteServiceP50Us), r.writeText(r.WriteP99Us, r.WriteServiceP99Us), lagText(r.LagP50Ms), lagText(r.LagP99Ms), max, r.DivergenceText(), mdCell(r.Faults))
	}
	ew.printf("\n")
	for _, r := range rs {
		for _, c := range r.Cells {
			if c.Sync != nil && c.Sync.Verdict != "" {
				ew.printf("- %s\n", mdCell(c.Sync.Verdict))
			}
			if c.Sync != nil && c.Sync.Rebuild != nil {
				ew.printf("- %s\n", mdCell(c.Sync.Rebuild.Text()))
			}
		}
	}
	for _, s := range SyncSustained(rs) {
		ew.printf("- Sustained write rate: %s\n", mdCell(s))
	}
	ew.printf("\n")
}

// SyncSustained sums up, per strategy measured at several rates without
// faults (a --rate sweep), the sustained write rate: the highest target
// rate below the lowest at which a view fell behind (its staleness grew or
// the run did not drain), that lowest rate, and the rates at which the
// source itself fell behind its schedule (under 95% of the target
// achieved), where the figure measures the source rather than the sync —
// there the rate the views kept up with is the achieved one, and it is
// named. A sweep that kept up again above a rate where it fell behind
// disagrees with itself and says so, and one with runs starved of CPU by
// other processes is marked provisional.
func SyncSustained(rs []*Result) []string {
	type step struct {
		rate, achieved float64
		kept, starved  bool
	}
	by := map[string][]step{}
	var order []string
	for _, r := range rs {
		for _, c := range r.Cells {
			s := c.Sync
			if s == nil || c.Params.Rate <= 0 || len(s.Faults) > 0 {
				continue
			}
			if _, ok := by[s.Strategy]; !ok {
				order = append(order, s.Strategy)
			}
			kept := s.Drained
			for _, v := range s.Views {
				kept = kept && !v.LagGrowing
			}
			by[s.Strategy] = append(by[s.Strategy], step{rate: c.Params.Rate, achieved: s.AchievedRate, kept: kept,
				starved: c.Run != nil && c.Run.Starved()})
		}
	}
	behindOf := func(x step) bool { return x.achieved > 0 && x.achieved < (1-BehindShare)*x.rate }
	rateText := func(x step) string {
		if behindOf(x) {
			return fmt.Sprintf("%s writes/s (of %s targeted)", FormatRate(x.achieved), FormatRate(x.rate))
		}
		return FormatRate(x.rate) + " writes/s"
	}
	var out []string
	for _, st := range order {
		steps := by[st]
		if len(steps) < 2 {
			continue
		}
		slices.SortStableFunc(steps, func(a, b step) int { return cmp.Compare(a.rate, b.rate) })
		lo := 0.0 // the lowest target rate at which a view fell behind
		for _, x := range steps {
			if !x.kept {
				lo = x.rate
				break
			}
		}
		var hi *step // the highest rate kept up with, below lo
		var again, behind []string
		starved := 0
		for i, x := range steps {
			switch {
			case x.kept && (lo == 0 || x.rate < lo):
				hi = &steps[i]
			case x.kept:
				again = append(again, FormatRate(x.rate))
			}
			if behindOf(x) {
				behind = append(behind, fmt.Sprintf("%s of %s", FormatRate(x.achieved), FormatRate(x.rate)))
			}
			if x.starved {
				starved++
			}
		}
		msg := st + ": "
		if starved > 0 {
			msg += fmt.Sprintf("provisional, %d of %d runs starved of CPU by other processes (rerun on a quiet machine): ", starved, len(steps))
		}
		switch {
		case lo == 0:
			msg += "the views kept up at every rate tried, up to " + rateText(*hi)
		case hi == nil:
			msg += fmt.Sprintf("the views fell behind at every rate tried (from %s writes/s)", FormatRate(lo))
		default:
			msg += fmt.Sprintf("the views kept up at %s, not at %s writes/s", rateText(*hi), FormatRate(lo))
		}
		if len(again) > 0 {
			msg += fmt.Sprintf(", yet kept up again at %s writes/s: the runs disagree (noise), so the bracket is uncertain", strings.Join(again, ", "))
		}
		if len(behind) > 0 {
			msg += "; the source itself fell behind its schedule (" + strings.Join(behind, ", ") + " writes/s achieved), so there the limit was the source's write path, not the sync"
		}
		out = append(out, msg+".")
	}
	return out
}

// Text describes a rebuild in a sentence: "rebuilt the source view
// (postgres) from offset 0: 61,234 events in 3.2 s (19,136 events/s); 0 of
// 12,000 rows different from the log".
func (r *SyncRebuild) Text() string {
	store := ""
	if r.Store != "" {
		store = " (" + r.Store + ")"
	}
	if r.Error != "" {
		return fmt.Sprintf("rebuilding the %s view%s from offset 0 failed: %s", r.View, store, r.Error)
	}
	return fmt.Sprintf("rebuilt the %s view%s from offset 0 of the log: %s events in %.1f s (%s events/s); %s of %s rows different from the log folded from its start",
		r.View, store, FormatCount(r.Events), r.Seconds, FormatRate(r.EventsPerSecond), FormatCount(r.Divergence), FormatCount(r.Rows))
}
