package results

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// ScenarioPlacement is one placement's figures from a twitter scenario cell
// (workload twitter/…): what the side-by-side comparison shows.
type ScenarioPlacement struct {
	// Store is the cell's store label ("placement:polyglot").
	Store string
	// Stores is the number of stores the placement runs; Relay is true
	// when derived stores are fed asynchronously; Sync names the sync
	// strategy (from the figure "sync.strategy.<name>"; "" in results
	// written before strategies were named).
	Stores int
	Relay  bool
	Sync   string
	// OpsPerSec and P99Us are the measured run's (closed loop, or the run
	// at the highest rate meeting the SLO under find-max).
	OpsPerSec float64
	P99Us     float64
	// MaxRate is the highest rate meeting SLO under find-max (0: not
	// searched, or none met it); Bounded as in MaxRate.
	MaxRate float64
	SLO     string
	Bounded bool
	// BoundBy is the bound that stopped the search (MaxRate.BoundBy);
	// AtMax each bound's percentile at MaxRate.
	BoundBy string
	AtMax   []BoundCheck
	// Reads, Behind and Stale sum the derived views' reads, reads while
	// behind, and stale reads; LagMaxMs is the largest lag of any view.
	Reads, Behind, Stale int64
	LagMaxMs             float64
	// Validated is the validation mark.
	Validated string
	// Cell is the cell itself.
	Cell *Cell
}

// Throughput returns the placement's application throughput: the highest
// rate meeting the SLO under find-max, the closed-loop rate otherwise.
func (p ScenarioPlacement) Throughput() float64 {
	if p.MaxRate > 0 {
		return p.MaxRate
	}
	return p.OpsPerSec
}

// StaleFraction returns stale reads over reads of derived views.
func (p ScenarioPlacement) StaleFraction() float64 {
	if p.Reads == 0 {
		return 0
	}
	return float64(p.Stale) / float64(p.Reads)
}

// SyncLabel names the placement's sync strategy for reports: "dual
// writes", "outbox (async)", "cdc-logical (async)", "materialized-view
// (async)", "relay (async)".
func (p ScenarioPlacement) SyncLabel() string {
	switch {
	case p.Sync == "dual" || p.Sync == "" && !p.Relay:
		return "dual writes"
	case p.Sync == "":
		return "relay (async)"
	}
	return p.Sync + " (async)"
}

// ScenarioPlacements collects the twitter scenario cells of rs that ran.
func ScenarioPlacements(rs []*Result) []ScenarioPlacement {
	var out []ScenarioPlacement
	for _, r := range rs {
		for i := range r.Cells {
			c := &r.Cells[i]
			if !strings.HasPrefix(c.Workload, "twitter/") || c.Run == nil {
				continue
			}
			f := c.Run.Figures
			p := ScenarioPlacement{Store: c.Store, Stores: int(f["stores"]), Relay: f["sync.relay"] == 1,
				OpsPerSec: c.Run.OpsPerSec, P99Us: c.Run.Overall().P99, Validated: validationMark(c.Validation), Cell: c}
			if mr := c.MaxRate; mr != nil {
				p.MaxRate, p.SLO, p.Bounded, p.BoundBy, p.AtMax = mr.Rate, mr.SLO, mr.Bounded, mr.BoundBy, mr.AtMax
			}
			for k, v := range f {
				switch {
				case strings.HasSuffix(k, ".behind_reads"):
					p.Behind += int64(v)
				case strings.HasSuffix(k, ".stale_reads"):
					p.Stale += int64(v)
				case strings.HasPrefix(k, "view.") && strings.HasSuffix(k, ".reads"):
					p.Reads += int64(v)
				case strings.HasSuffix(k, ".lag_max_ms"):
					p.LagMaxMs = max(p.LagMaxMs, v)
				case strings.HasPrefix(k, "sync.strategy.") && v == 1:
					p.Sync = strings.TrimPrefix(k, "sync.strategy.")
				}
			}
			out = append(out, p)
		}
	}
	return out
}

// ScenarioVerdict is the side-by-side sentence: each placement's throughput
// relative to the baseline (postgres-only when present, else the slowest),
// stores to run and stale reads, e.g. "placement:polyglot: 2.1× throughput
// at p99<=20ms, 5 stores to run, 0.3% stale reads; placement:postgres-only:
// 1.0× (baseline), 1 store, 0% stale reads".
func ScenarioVerdict(ps []ScenarioPlacement) string {
	if len(ps) == 0 {
		return ""
	}
	base := -1
	for i, p := range ps {
		if base < 0 && strings.Contains(p.Store, "postgres-only") {
			base = i // the first: postgres-only before its alternatives
		}
	}
	if base < 0 {
		base = 0
		for i, p := range ps {
			if p.Throughput() < ps[base].Throughput() {
				base = i
			}
		}
	}
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return ps[order[a]].Throughput() > ps[order[b]].Throughput() })
	var parts []string
	for _, i := range order {
		p := ps[i]
		rel := "n/a"
		if b := ps[base].Throughput(); b > 0 {
			rel = fmt.Sprintf("%.2f×", p.Throughput()/b)
		}
		at := fmt.Sprintf("closed loop (%s ops/s, p99 %s µs)", FormatRate(p.OpsPerSec), FormatMicros(p.P99Us))
		if p.MaxRate > 0 {
			at = fmt.Sprintf("at %s (%s ops/s", p.SLO, FormatRate(p.MaxRate))
			if !p.Bounded {
				at += ", a lower bound"
			}
			if p.BoundBy != "" {
				at += ", bound by " + p.BoundBy
			}
			at += ")"
		}
		stores := fmt.Sprintf("%d stores to run", p.Stores)
		if p.Stores == 1 {
			stores = "1 store to run"
		}
		s := fmt.Sprintf("%s: %s throughput %s, %s, %s stale reads", p.Store, rel, at, stores, formatPercent(p.StaleFraction()))
		if i == base {
			s += " (baseline)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

func formatPercent(f float64) string {
	switch {
	case f == 0:
		return "0%"
	case f < 0.001:
		return "<0.1%"
	}
	return fmt.Sprintf("%.1f%%", 100*f)
}

// writeScenarioMarkdown writes the twitter scenario section: placements
// side by side, per-operation figures, stale reads and lag per view,
// routing and resource use, then the verdict.
func writeScenarioMarkdown(ew *errWriter, rs []*Result) {
	ps := ScenarioPlacements(rs)
	if len(ps) == 0 {
		return
	}
	ew.printf("## Twitter scenario: placements side by side\n\n")
	ew.printf("**Verdict:** %s.\n\n", mdCell(ScenarioVerdict(ps)))
	ew.printf("| placement | stores | sync | ops/s | p99 µs | max rate at SLO | derived reads | behind | stale | max lag ms | validated |\n|---|--:|---|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, p := range ps {
		sync := "dual writes"
		if p.Relay {
			sync = "relay (async)"
		}
		if p.Sync != "" {
			sync = p.SyncLabel()
		}
		mr := "-"
		if p.MaxRate > 0 {
			mr = FormatRate(p.MaxRate) + " (" + p.SLO + ")"
			if p.BoundBy != "" {
				mr += ", bound by " + p.BoundBy
			}
		}
		ew.printf("| %s | %d | %s | %s | %s | %s | %d | %d | %d (%s) | %.1f | %s |\n", mdCell(p.Store), p.Stores, sync,
			FormatRate(p.OpsPerSec), FormatMicros(p.P99Us), mr, p.Reads, p.Behind, p.Stale, formatPercent(p.StaleFraction()), p.LagMaxMs, p.Validated)
	}
	ew.printf("\n")

	for i, p := range ps {
		if len(p.AtMax) == 0 {
			continue
		}
		if i == 0 || !slices.ContainsFunc(ps[:i], func(q ScenarioPlacement) bool { return len(q.AtMax) > 0 }) {
			ew.printf("Each bound of the SLO at the placement's max rate (percentile [95%% distribution-free confidence interval], operations judged):\n\n")
		}
		ew.printf("- %s: %s\n", mdCell(p.Store), mdCell(ChecksText(p.AtMax)))
	}
	if slices.ContainsFunc(ps, func(q ScenarioPlacement) bool { return len(q.AtMax) > 0 }) {
		ew.printf("\n")
	}

	var kinds []string
	for _, p := range ps {
		for _, k := range p.Cell.Run.Kinds {
			if !slices.Contains(kinds, k.Kind) {
				kinds = append(kinds, k.Kind)
			}
		}
	}
	ew.printf("Per operation (ops/s, p99 µs):\n\n| operation |")
	for _, p := range ps {
		ew.printf(" %s |", mdCell(p.Store))
	}
	ew.printf("\n|---|%s\n", strings.Repeat("--:|", len(ps)))
	for _, k := range kinds {
		ew.printf("| %s |", k)
		for _, p := range ps {
			i := slices.IndexFunc(p.Cell.Run.Kinds, func(o OpStats) bool { return o.Kind == k })
			if i < 0 {
				ew.printf(" - |")
				continue
			}
			o := p.Cell.Run.Kinds[i]
			ew.printf(" %s / %s |", FormatRate(o.OpsPerSec), FormatMicros(o.Latency.P99))
		}
		ew.printf("\n")
	}
	ew.printf("\n")

	ew.printf("Derived views (reads while behind the source, stale reads, lag from source write to view; the cache's reads are its hits, and its stale reads, when checked, the hits times the stale share of the sampled checks against the source):\n\n| placement | view | reads | behind | stale | lag mean ms | lag max ms |\n|---|---|--:|--:|--:|--:|--:|\n")
	for _, p := range ps {
		f := p.Cell.Run.Figures
		for _, v := range []string{"search", "dashboard", "who_to_follow", "cache"} {
			k := "view." + v + "."
			if _, ok := f[k+"reads"]; !ok {
				continue
			}
			stale := fmt.Sprintf("%.0f", f[k+"stale_reads"])
			if n := f[k+"checked"]; n > 0 {
				stale += fmt.Sprintf(" (%.0f of %.0f checks stale)", f[k+"checked_stale"], n)
			}
			ew.printf("| %s | %s | %.0f | %.0f | %s | %.1f | %.1f |\n", mdCell(p.Store), v, f[k+"reads"], f[k+"behind_reads"], stale, f[k+"lag_mean_ms"], f[k+"lag_max_ms"])
		}
	}
	ew.printf("\n")

	ew.printf("Routing (backend calls per operation and store) and resource use (servers: CPU seconds during the run and RSS of the local process tree; bytes on disk; n/a where not measurable):\n\n")
	for _, p := range ps {
		f := p.Cell.Run.Figures
		routes := map[string][]string{}
		var ops []string
		stores := map[string]bool{}
		for k, v := range f {
			if rest, ok := strings.CutPrefix(k, "route."); ok {
				op, store, _ := strings.Cut(rest, ".")
				if !slices.Contains(ops, op) {
					ops = append(ops, op)
				}
				routes[op] = append(routes[op], fmt.Sprintf("%s %.0f", store, v))
			}
			if rest, ok := strings.CutPrefix(k, "resource."); ok {
				store, _, _ := strings.Cut(rest, ".")
				stores[store] = true
			}
		}
		sort.Strings(ops)
		var rl []string
		for _, op := range ops {
			sort.Strings(routes[op])
			rl = append(rl, op+": "+strings.Join(routes[op], ", "))
		}
		ew.printf("- **%s** — %s\n", mdCell(p.Store), mdCell(strings.Join(rl, "; ")))
		var names []string
		for s := range stores {
			names = append(names, s)
		}
		sort.Strings(names)
		for _, s := range names {
			k := "resource." + s + "."
			val := func(name string, scale float64, unit string) string {
				v, ok := f[k+name]
				if !ok {
					return "n/a"
				}
				return fmt.Sprintf("%.1f %s", v/scale, unit)
			}
			ew.printf("  - %s: CPU %s, RSS %s, disk %s\n", s, val("cpu_s", 1, "s"), val("rss_bytes", 1<<20, "MiB"), val("disk_bytes", 1<<20, "MiB"))
		}
	}
	ew.printf("\nStale reads are reads of a derived view that began while a change that alters their answer was committed at the source but not yet applied (exact for search counts and dashboards, a lower bound for who-to-follow); \"behind\" counts every read while the view had any change pending. Server CPU and disk cover the whole local server (other databases and clients on it included). See docs/twitter.md.\n\n")
}

// writeScenarioText writes the verdict line and stale reads per placement
// for the run's summary.
func writeScenarioText(ew *errWriter, rs []*Result) {
	ps := ScenarioPlacements(rs)
	if len(ps) == 0 {
		return
	}
	ew.printf("\nTwitter scenario: %s\n", ScenarioVerdict(ps))
	for _, p := range ps {
		ew.printf("   %s: %d derived-view reads, %d while behind, %d stale (%s), max lag %.1f ms\n", p.Store, p.Reads, p.Behind, p.Stale, formatPercent(p.StaleFraction()), p.LagMaxMs)
		for _, c := range p.AtMax {
			ew.printf("     at %s ops/s: %s\n", FormatRate(p.MaxRate), c.Text())
		}
	}
}
