package results

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes a Markdown report of one or more results: the runs,
// the recommendation and verdict, a summary table (medians over
// repetitions), the harness self-check, maximum-rate searches and a latency
// table per operation kind. It holds no plots; the HTML report does.
func WriteMarkdown(w io.Writer, rs []*Result, o PickOptions) error {
	ew := &errWriter{w: w}
	ew.printf("# storefit report\n\n")
	writeRunsMarkdown(ew, rs)
	writeScenarioMarkdown(ew, rs)
	if sb := CompareSideBySide(rs); sb != nil {
		writeSideBySideMarkdown(ew, sb)
	}
	rec := Pick(rs, o)
	writePickMarkdown(ew, rec)
	groups := Groups(rs)
	writeSummaryMarkdown(ew, groups)
	writeCostMarkdown(ew, rs)
	writeHarnessMarkdown(ew, groups)
	writeResourcesMarkdown(ew, groups)
	writeMaxRateMarkdown(ew, groups)
	writeSyncMarkdown(ew, rs)
	writeRunNotesMarkdown(ew, rs)
	writeKindsMarkdown(ew, groups)
	return ew.err
}

// mdCell escapes generated text for a Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// mdEscaper backslash-escapes the characters Markdown (CommonMark and
// GitHub's tables) would read as markup, and HTML's angle brackets.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;",
	"#", `\#`, "|", `\|`, "~", `\~`, "!", `\!`, "\r\n", " ", "\n", " ", "\r", " ",
)

// mdText escapes text that comes from users or servers — a suite's name,
// an error, a reason — for a Markdown table cell, so it is shown as it is
// and never read as markup (a link, an image, HTML).
func mdText(s string) string { return mdEscaper.Replace(s) }

func writeRunsMarkdown(ew *errWriter, rs []*Result) {
	ew.printf("| result | storefit | started | suite | cells | state | machine |\n|---|---|---|---|--:|---|---|\n")
	for i, r := range rs {
		state := "complete"
		if !r.Complete {
			state = "**incomplete**"
			if r.Interrupted != "" {
				state += " (" + mdText(r.Interrupted) + ")"
			}
		}
		if r.Repeat > 1 {
			state += ", " + Plural(r.Repeat, "repetition")
		}
		if r.Shard != nil {
			state += ", shard " + r.Shard.String()
		}
		if len(r.Merged) > 0 {
			state += ", merged from " + Plural(len(r.Merged), "shard")
		}
		env := r.Environment
		n := fmt.Sprint(i + 1)
		if r.Label != "" {
			n += " " + mdText(r.Label)
		}
		ew.printf("| %s | %s | %s | %s | %d | %s | %s, %d cores, %.1f GiB, %s/%s, %s |\n", n, mdText(r.Tool.Version),
			r.StartedAt.Format("2006-01-02 15:04 MST"), mdText(r.Suite), len(r.Cells), state,
			mdText(env.CPUModel), env.Cores, float64(env.MemoryBytes)/(1<<30), env.OS, env.Arch, env.GoVersion)
	}
	ew.printf("\n")
}

// WritePickMarkdown writes a recommendation as Markdown: the rule, the
// ranking per pattern and the verdict.
func WritePickMarkdown(w io.Writer, rec *Recommendation) error {
	ew := &errWriter{w: w}
	writePickMarkdown(ew, rec)
	return ew.err
}

func writePickMarkdown(ew *errWriter, rec *Recommendation) {
	ew.printf("## Recommendation\n\nRule: %s.\n\n", rec.Rule)
	for _, n := range rec.ScaleNotes {
		ew.printf("Data size: %s\n\n", n)
	}
	ew.printf("| pattern | winner | ranking (slowdown against the best) | not ranked |\n|---|---|---|---|\n")
	for _, pr := range rec.Patterns {
		winner := "—"
		if w := pr.Winner(); w != "" {
			winner = "**" + mdCell(w) + "**"
		}
		var ranked, excluded []string
		for _, c := range pr.Ranked {
			r := fmt.Sprintf("%d. %s %s", c.Rank, mdCell(c.Store), FormatSlowdown(c.Slowdown))
			if c.Concurrency != "" {
				r += " (" + mdCell(c.Concurrency) + ")"
			}
			ranked = append(ranked, r)
		}
		for _, c := range pr.Excluded {
			reason := c.Reason
			if c.Why == WhyOracle {
				reason = "reference: " + reason
			}
			excluded = append(excluded, fmt.Sprintf("%s (%s)", mdCell(c.Store), mdCell(reason)))
		}
		ew.printf("| %s | %s | %s | %s |\n", pr.Pattern, winner, strings.Join(ranked, ", "), strings.Join(excluded, "; "))
	}
	ew.printf("\n")
	for _, pr := range rec.Patterns {
		ew.printf("- **%s**: %s\n", pr.Pattern, mdCell(pr.Explain()))
	}
	ew.printf("\n### One DB to rule them all?\n\n")
	for _, s := range rec.Verdict.Sentences {
		ew.printf("%s\n\n", s)
	}
	if len(rec.Verdict.Best) > 0 {
		ew.printf("| stores | best combination | geo-mean slowdown | patterns covered | served by |\n|--:|---|--:|--:|---|\n")
		for i, c := range rec.Verdict.Best {
			ew.printf("| %d | %s | %s | %d/%d | %s |\n", i+1, mdCell(strings.Join(c.Stores, " + ")), FormatSlowdown(c.GeoMean), c.Covered, len(rec.Verdict.Patterns), mdCell(c.ServesText()))
		}
		ew.printf("\n")
	}
}

func writeSummaryMarkdown(ew *errWriter, groups []*Group) {
	ew.printf("## Results\n\nMedians over the repetitions; ± is the farthest repetition from the median. Latencies in µs, all operation kinds together, corrected for coordinated omission under open loop.\n\n")
	ew.printf("| workload | store | status | ops/s | ± | p50 | p99 | errors | load rows/s | validation | runs | workers | steady state |\n|---|---|---|--:|--:|--:|--:|--:|--:|---|--:|---|---|\n")
	scales := map[string]bool{}
	for _, g := range groups {
		scales[g.Scale] = true
	}
	for _, g := range groups {
		g := *g
		if len(scales) > 1 {
			g.Workload += " @" + g.Scale // a sweep: one row per scale
		}
		f := g.Figures()
		status := g.Status()
		if status != StatusOK {
			if e := g.Cells[0].Error; e != "" && status != StatusNA {
				status += ": " + firstLine(e)
			}
			ew.printf("| %s | %s | %s | | | | | | %s | %s | | | |\n", g.Workload, mdCell(g.Label), mdCell(status), loadText(f), validationText(g.Validation()))
			continue
		}
		ew.printf("| %s | %s | ok | %s | %s | %s | %s | %s | %s | %s | %d | %s | %s |\n", g.Workload, mdCell(g.Label), FormatRate(f.OpsPerSec), f.Spread(),
			FormatMicros(f.P50), FormatMicros(f.P99), FormatCount(f.Errors), loadText(f), validationText(g.Validation()), f.Runs, mdCell(g.Concurrency()), mdCell(g.SteadyText()))
	}
	ew.printf("\n")
}

// writeCostMarkdown writes the cost-growth table of a sweep — each
// contender's figures at each data size — and its summary (CostSummary).
func writeCostMarkdown(ew *errWriter, rs []*Result) {
	scales := Scales(rs)
	if len(scales) < 2 {
		return
	}
	ew.printf("## Cost growth with data size\n\nScales %s. Throughput and p99 (µs, all kinds, failed and dropped operations included) at each size; a point whose answers were wrong or unchecked is marked and left out of the comparisons.\n\n", strings.Join(scales, ", "))
	ew.printf("| workload | store | scale | records | ops/s | p99 | load rows/s | load s | bytes/record | answers |\n|---|---|---|--:|--:|--:|--:|--:|--:|---|\n")
	for _, c := range CostCurves(rs) {
		if len(c.Sizes()) < 2 {
			continue
		}
		for _, p := range c.Points {
			ops, p99, bpr, answers := "", "", "", "checked"
			if p.OpsPerSec > 0 {
				ops, p99 = FormatRate(p.OpsPerSec), FormatMicros(p.P99Us)
			}
			if p.BytesPerRecord > 0 {
				bpr = fmt.Sprintf("%.0f", p.BytesPerRecord)
			}
			if !p.Usable {
				answers = "**" + mdCell(p.Why) + "**"
			}
			load, secs := "", ""
			if p.LoadRowsPerSec > 0 {
				load, secs = FormatRate(p.LoadRowsPerSec), fmt.Sprintf("%.1f", p.LoadSeconds)
			}
			ew.printf("| %s | %s | %s | %s %s | %s | %s | %s | %s | %s | %s |\n", c.Workload, mdCell(c.Label), p.Scale, FormatSize(float64(p.Records)),
				RecordUnit(c.Pattern), ops, p99, load, secs, bpr, answers)
		}
	}
	ew.printf("\n")
	for _, s := range CostSummary(CostCurves(rs)) {
		ew.printf("- %s\n", mdCell(s))
	}
	ew.printf("\n")
}

func loadText(f Figures) string {
	if f.LoadRowsPerSec == 0 {
		return ""
	}
	return FormatRate(f.LoadRowsPerSec)
}

func validationText(v string) string {
	switch v {
	case ValidationPassed:
		return "passed"
	case ValidationFailed:
		return "**FAILED**"
	case "":
		return ""
	}
	return v
}

// harnessLines returns the harness notes of the groups' cells, one line
// each, naming the cell.
func harnessLines(groups []*Group) (lines []string, limited bool) {
	for _, g := range groups {
		for _, c := range g.Cells {
			for _, n := range c.HarnessNotes() {
				name := g.Workload + " on " + g.Label
				if c.Repetition > 0 {
					name += fmt.Sprintf(" (repetition %d)", c.Repetition)
				}
				mark := "note"
				if n.GeneratorLimited {
					mark, limited = "WARNING", true
				}
				lines = append(lines, fmt.Sprintf("%s — %s: %s", mark, name, n.Text))
			}
		}
	}
	return lines, limited
}

func writeHarnessMarkdown(ew *errWriter, groups []*Group) {
	ew.printf("## Harness self-check\n\n")
	lines, _ := harnessLines(groups)
	if len(lines) == 0 {
		ew.printf("No cell shows the load generator as the limit: open-loop schedules kept up, and storefit stayed below %.0f%% of its cores.\n\n", 100*SaturatedUtilization)
		return
	}
	for _, l := range lines {
		ew.printf("- %s\n", mdCell(l))
	}
	ew.printf("\n")
}

// writeResourcesMarkdown writes how each cell's client reached its store
// and the resource-normalized figures, when any cell has them.
func writeResourcesMarkdown(ew *errWriter, groups []*Group) {
	var rows []string
	for _, g := range groups {
		for _, c := range g.Cells {
			r := c.Resources()
			conn := c.Connection.Text()
			if conn == "" && r == (Resources{}) {
				continue
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |", c.workloadLabel(), mdCell(g.Label), mdCell(conn),
				r.ClientCPU, r.ServerCores, r.ServerCPU, r.OpsPerCore, r.PeakMemory, r.BytesPerRow))
		}
	}
	if len(rows) == 0 {
		return
	}
	ew.printf("## Connections and resources\n\nHow the client reached each store, and the figures per operation: storefit's CPU time, the server's (its process and children, when run knew its pid), operations per second per server core, the server's peak memory and what a loaded row added to the store.\n\n")
	ew.printf("| workload | store | connection | storefit CPU/op | server cores | server CPU/op | ops/s per server core | server peak memory | bytes per row |\n|---|---|---|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rows {
		ew.printf("%s\n", r)
	}
	ew.printf("\n")
}

func writeMaxRateMarkdown(ew *errWriter, groups []*Group) {
	var rows []string
	for _, g := range groups {
		for _, c := range g.Cells {
			mr := c.MaxRate
			if mr == nil {
				continue
			}
			rate := FormatRate(mr.Rate)
			switch {
			case mr.Rate == 0:
				rate = "none met"
			case !mr.Bounded:
				rate = "≥ " + rate
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s | %d |", c.workloadLabel(), mdCell(g.Label), mr.SLO, rate,
				dashIfEmpty(mr.BoundBy), dashIfEmpty(mdCell(ChecksText(mr.AtMax))), FormatRate(mr.Capacity), len(mr.Steps)-1))
		}
	}
	if len(rows) == 0 {
		return
	}
	ew.printf("## Maximum rate under the SLO\n\nEach bound at the maximum rate: its percentile, [the 95%% distribution-free confidence interval from the step's operation count], and the operations it was judged on. \"Bound by\": the bound the next rate up missed.\n\n| workload | store | SLO | max rate (ops/s) | bound by | bounds at the max rate | closed-loop capacity | rates tried |\n|---|---|---|--:|---|---|--:|--:|\n")
	for _, r := range rows {
		ew.printf("%s\n", r)
	}
	ew.printf("\n")
}

func writeKindsMarkdown(ew *errWriter, groups []*Group) {
	ew.printf("## Operation kinds\n\nAll repetitions together (histograms merged). Latencies in µs. Rows marked \"all scheduled\" count every scheduled operation: failed ones at their time to failure, dropped open-loop ones from their intended start to the end of the phase (ranking uses these).\n\n")
	ew.printf("| workload | store | kind | count | errors | mean | p50 | p90 | p99 | p99.9 | max |\n|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, g := range groups {
		for _, k := range g.Kinds() {
			row := func(kind string, l Latency) {
				ew.printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", g.Workload, mdCell(g.Label), kind, FormatCount(k.Count), FormatCount(k.Errors),
					FormatMicros(l.Mean), FormatMicros(l.P50), FormatMicros(l.P90), FormatMicros(l.P99), FormatMicros(l.P999), FormatMicros(l.Max))
			}
			row(k.Kind, k.Latency)
			if k.Uncorrected != nil {
				row(k.Kind+" (uncorrected)", *k.Uncorrected)
			}
			if k.Inclusive != nil {
				row(k.Kind+" (all scheduled)", *k.Inclusive)
			}
		}
	}
	ew.printf("\n")
}

// writeRunNotesMarkdown lists what happened to measured phases beyond
// their figures: stalls, partial records, injected faults.
func writeRunNotesMarkdown(ew *errWriter, rs []*Result) {
	header := false
	for _, r := range rs {
		for _, c := range r.Cells {
			if c.Run == nil {
				continue
			}
			for _, n := range runNotes(c.Run) {
				if strings.HasPrefix(n, "storefit's memory") {
					continue
				}
				if !header {
					ew.printf("## Faults and stalls\n\n| workload | store | what happened |\n|---|---|---|\n")
					header = true
				}
				ew.printf("| %s | %s | %s |\n", mdCell(c.workloadLabel()), mdText(c.Store), mdText(n))
			}
		}
	}
	if header {
		ew.printf("\n")
	}
}
