package results

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// PickOptions configure Pick.
type PickOptions struct {
	// SLO, when set, ranks the stores that meet it on every workload of a
	// pattern by throughput. The zero SLO ranks by the relative score.
	SLO SLO
	// Floor is the constant of the relative score, (Floor + t) / (Floor +
	// t_best); default 10 ms, as ClickBench does.
	Floor time.Duration
	// Exclude names stores (or contender labels) left out of the ranking.
	Exclude []string
	// IncludeOracle ranks the reference oracle (memory) like any store;
	// by default it is left out.
	IncludeOracle bool
	// Within is the slowdown the verdict counts as close to the best store
	// (default 1.5).
	Within float64
}

// DefaultSLO is the objective `storefit pick` and the report rank by
// unless told otherwise: p99 at most 10 ms.
var DefaultSLO = SLO{Bounds: []Bound{{Percentile: 99, Limit: 10 * time.Millisecond}}}

// Recommendation is the answer to "which store for which pattern?" and "is
// one store enough?", derived from result files by Pick.
type Recommendation struct {
	// Rule states how stores were ranked.
	Rule string
	// Patterns holds one ranking per access pattern measured.
	Patterns []PatternRanking
	// Verdict answers "one DB to rule them all?".
	Verdict Verdict
}

// PatternRanking ranks the contenders on one access pattern.
type PatternRanking struct {
	Pattern string
	// Workloads are the pattern's workloads found in the results.
	Workloads []string
	// Ranked lists the ranked contenders, best first.
	Ranked []Contender
	// Excluded lists the contenders that were not ranked, with the reason.
	Excluded []Contender
}

// Winner returns the best contender's label, or "" when none was ranked.
func (p PatternRanking) Winner() string {
	if len(p.Ranked) == 0 {
		return ""
	}
	return p.Ranked[0].Store
}

// Contender is one store's standing on one pattern.
type Contender struct {
	// Store is the contender's label (the store name, with its settings
	// when the results hold it with several).
	Store string
	// Base is the store itself, without settings: the verdict combines
	// stores, taking the best of a store's settings per pattern.
	Base string
	// Rank is 1 for the best; 0 for a contender that was not ranked.
	Rank int
	// Slowdown is how far behind the pattern's best contender this one is
	// under the rule: 1 for the best, 2 for half as good.
	Slowdown float64
	// Score is the rule's figure: under an SLO the geometric mean over the
	// pattern's workloads of throughput relative to the best (≤ 1, higher
	// is better); without one the geometric mean over the pattern's
	// operations of (floor + t) / (floor + t_best) (≥ 1, lower is better).
	Score float64
	// Throughput is the geometric mean over the workloads of the median
	// ops/s; P99 the highest median p99 (µs) over them.
	Throughput float64
	P99        float64
	// Workloads counts the pattern's workloads the contender was measured
	// on.
	Workloads int
	// Reason says why the contender was not ranked.
	Reason string
}

// Verdict answers the seed's question: can one store serve every pattern,
// and how much do one, two or three stores give up against the best store
// per pattern?
type Verdict struct {
	// Patterns are the patterns with at least one ranked store.
	Patterns []string
	// Singles are the stores ranked on every pattern, best first.
	Singles []Combo
	// Best holds the best combination of 1, 2 and 3 stores (as many as
	// there are ranked stores).
	Best []Combo
	// Within is the slowdown counted as close to the best.
	Within float64
	// Sentences state the verdict in plain words.
	Sentences []string
}

// Combo is a set of stores serving every pattern with the best of them.
type Combo struct {
	Stores []string
	// GeoMean is the geometric mean over the covered patterns of the
	// slowdown of the best store of the combination against the best
	// store overall.
	GeoMean float64
	// Serves says which store of the combination serves each pattern, in
	// Verdict.Patterns order (Store "" for a pattern it does not cover).
	Serves []Serve
	// Covered counts the patterns the combination covers.
	Covered int
}

// Serve is the store of a combination that serves a pattern.
type Serve struct {
	Pattern  string
	Store    string
	Slowdown float64
}

// Pick ranks the stores of the results per access pattern and works out
// the verdict.
//
// The rule: a contender is ranked on a pattern only if every repetition
// of every workload of the pattern it ran completed and passed validation
// (a failed validation never ranks), and it is not a store that keeps no
// data. Under an SLO it must also meet the SLO on every workload (median
// over repetitions of the corrected latency percentile, all operation
// kinds together); contenders are then ranked by throughput relative to
// the best on each workload, combined over the pattern's workloads by
// geometric mean. Without an SLO they are ranked by the ClickBench-style
// relative score: for each operation kind of each workload, (floor + t) /
// (floor + t_best) with t the median of the kind's mean latency, combined
// by geometric mean. Workloads a contender was not run on, or does not
// support, are left out of its mean.
func Pick(rs []*Result, o PickOptions) *Recommendation {
	if o.Floor <= 0 {
		o.Floor = 10 * time.Millisecond
	}
	if o.Within <= 1 {
		o.Within = 1.5
	}
	rec := &Recommendation{Rule: o.rule()}
	byPattern := map[string][]*Group{}
	var patterns []string
	for _, g := range Groups(rs) {
		if _, ok := byPattern[g.Pattern]; !ok {
			patterns = append(patterns, g.Pattern)
		}
		byPattern[g.Pattern] = append(byPattern[g.Pattern], g)
	}
	for _, p := range patterns {
		rec.Patterns = append(rec.Patterns, rankPattern(p, byPattern[p], o))
	}
	rec.Verdict = verdict(rec.Patterns, o.Within)
	return rec
}

func (o PickOptions) rule() string {
	if !o.SLO.IsZero() {
		return fmt.Sprintf("highest throughput among the stores whose latency meets %s on every workload of the pattern (geometric mean over the workloads of throughput relative to the best); failed validation excludes a store", o.SLO)
	}
	return fmt.Sprintf("relative score (%s + t) / (%s + t_best), t the mean latency of each operation, combined by geometric mean over the pattern's operations (1.00 is the best); failed validation excludes a store", o.Floor, o.Floor)
}

// eligibility tells why a group cannot be ranked, or "".
func eligibility(g *Group, o PickOptions) string {
	if slices.Contains(o.Exclude, g.Store) || slices.Contains(o.Exclude, g.Label) {
		return "excluded"
	}
	if g.Status() == StatusNA {
		return StatusNA
	}
	for _, c := range g.Cells {
		if c.Sink {
			return "keeps no data: it measures the harness"
		}
		if c.Oracle && !o.IncludeOracle {
			return "the reference oracle (in-process, nothing durable): --include-oracle ranks it"
		}
	}
	switch g.Status() {
	case StatusOK:
	default:
		reason := g.Cells[0].Status
		if e := g.Cells[0].Error; e != "" {
			reason += ": " + firstLine(e)
		}
		return reason
	}
	for _, c := range g.Cells {
		if c.Status != StatusOK && c.Status != StatusNA {
			return fmt.Sprintf("repetition %s", c.Status)
		}
	}
	if g.Validation() == ValidationFailed {
		return "validation failed on " + g.Workload
	}
	if !o.SLO.IsZero() {
		h := func(p float64) float64 { return Median(g.LatencyPercentiles(p)) }
		if ok, why := o.SLO.Check(h); !ok {
			return why + " on " + g.Workload
		}
	}
	return ""
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func rankPattern(pattern string, groups []*Group, o PickOptions) PatternRanking {
	pr := PatternRanking{Pattern: pattern}
	type entry struct {
		c      Contender
		groups []*Group
		na     int
	}
	var labels []string
	entries := map[string]*entry{}
	for _, g := range groups {
		if !slices.Contains(pr.Workloads, g.Workload) {
			pr.Workloads = append(pr.Workloads, g.Workload)
		}
		e := entries[g.Label]
		if e == nil {
			e = &entry{c: Contender{Store: g.Label, Base: g.Store}}
			entries[g.Label] = e
			labels = append(labels, g.Label)
		}
		why := eligibility(g, o)
		switch {
		case why == StatusNA:
			e.na++
		case why != "" && e.c.Reason == "":
			e.c.Reason = why
		case why == "":
			e.groups = append(e.groups, g)
		}
	}
	slices.Sort(labels)
	for _, l := range labels {
		e := entries[l]
		if e.c.Reason == "" && len(e.groups) == 0 && e.na > 0 {
			e.c.Reason = StatusNA
		}
	}

	// Best figure per workload (SLO rule) or per operation (score rule)
	// among the eligible contenders.
	bestThr := map[string]float64{}
	bestLat := map[string]float64{}
	for _, l := range labels {
		e := entries[l]
		if e.c.Reason != "" {
			continue
		}
		for _, g := range e.groups {
			bestThr[g.Workload] = max(bestThr[g.Workload], Median(g.Throughputs()))
			for kind, t := range kindLatencies(g) {
				k := g.Workload + "\x00" + kind
				if b, ok := bestLat[k]; !ok || t < b {
					bestLat[k] = t
				}
			}
		}
	}
	floor := float64(o.Floor) / 1e3 // µs
	var ranked []*entry
	for _, l := range labels {
		e := entries[l]
		if e.c.Reason != "" {
			pr.Excluded = append(pr.Excluded, e.c)
			continue
		}
		var rel, thr []float64
		for _, g := range e.groups {
			t := Median(g.Throughputs())
			thr = append(thr, t)
			if bestThr[g.Workload] > 0 {
				rel = append(rel, t/bestThr[g.Workload])
			}
			e.c.P99 = max(e.c.P99, Median(g.LatencyPercentiles(99)))
		}
		e.c.Workloads = len(e.groups)
		e.c.Throughput = GeoMean(thr)
		if o.SLO.IsZero() {
			var ratios []float64
			for _, g := range e.groups {
				for kind, t := range kindLatencies(g) {
					ratios = append(ratios, (floor+t)/(floor+bestLat[g.Workload+"\x00"+kind]))
				}
			}
			e.c.Score = GeoMean(ratios)
		} else {
			e.c.Score = GeoMean(rel)
		}
		if e.c.Score <= 0 || math.IsNaN(e.c.Score) {
			e.c.Reason = "no successful operation"
			pr.Excluded = append(pr.Excluded, e.c)
			continue
		}
		ranked = append(ranked, e)
	}
	better := func(a, b *entry) int {
		if o.SLO.IsZero() {
			return cmp.Or(cmp.Compare(a.c.Score, b.c.Score), strings.Compare(a.c.Store, b.c.Store))
		}
		return cmp.Or(cmp.Compare(b.c.Score, a.c.Score), strings.Compare(a.c.Store, b.c.Store))
	}
	slices.SortFunc(ranked, better)
	for i, e := range ranked {
		e.c.Rank = i + 1
		best := ranked[0].c.Score
		if o.SLO.IsZero() {
			e.c.Slowdown = e.c.Score / best
		} else {
			e.c.Slowdown = best / e.c.Score
		}
		pr.Ranked = append(pr.Ranked, e.c)
	}
	return pr
}

// kindLatencies returns the median over a group's repetitions of each
// operation kind's mean latency (µs), for kinds that completed operations.
func kindLatencies(g *Group) map[string]float64 {
	per := map[string][]float64{}
	for _, c := range g.Measured() {
		for _, k := range c.Run.Kinds {
			if k.Count > 0 {
				per[k.Kind] = append(per[k.Kind], k.Latency.Mean)
			}
		}
	}
	out := map[string]float64{}
	for k, v := range per {
		out[k] = Median(v)
	}
	return out
}

// verdict answers "one DB to rule them all?" from the rankings.
func verdict(prs []PatternRanking, within float64) Verdict {
	v := Verdict{Within: within}
	slow := map[string]map[string]float64{} // pattern → store → slowdown
	best := map[string]string{}
	var stores []string
	for _, pr := range prs {
		if len(pr.Ranked) == 0 {
			continue
		}
		v.Patterns = append(v.Patterns, pr.Pattern)
		slow[pr.Pattern] = map[string]float64{}
		best[pr.Pattern] = pr.Ranked[0].Base
		for _, c := range pr.Ranked {
			// A store run with several settings counts once, with its
			// best.
			if x, ok := slow[pr.Pattern][c.Base]; !ok || c.Slowdown < x {
				slow[pr.Pattern][c.Base] = c.Slowdown
			}
			if !slices.Contains(stores, c.Base) {
				stores = append(stores, c.Base)
			}
		}
	}
	slices.Sort(stores)
	n := len(v.Patterns)
	if n == 0 {
		v.Sentences = []string{"No store was ranked on any pattern, so there is nothing to recommend (the ranking says why)."}
		return v
	}
	combo := func(set []string) Combo {
		c := Combo{Stores: set}
		var ss []float64
		for _, p := range v.Patterns {
			sv := Serve{Pattern: p, Slowdown: math.Inf(1)}
			for _, s := range set {
				if x, ok := slow[p][s]; ok && x < sv.Slowdown {
					sv.Store, sv.Slowdown = s, x
				}
			}
			if sv.Store != "" {
				c.Covered++
				ss = append(ss, sv.Slowdown)
			}
			c.Serves = append(c.Serves, sv)
		}
		c.GeoMean = GeoMean(ss)
		return c
	}
	// better: more patterns covered, then the lower geometric mean, then
	// fewer stores, then by name.
	better := func(a, b Combo) int {
		return cmp.Or(cmp.Compare(b.Covered, a.Covered), cmp.Compare(a.GeoMean, b.GeoMean),
			cmp.Compare(len(a.Stores), len(b.Stores)), strings.Compare(strings.Join(a.Stores, ","), strings.Join(b.Stores, ",")))
	}
	var singles []Combo
	for _, s := range stores {
		singles = append(singles, combo([]string{s}))
	}
	slices.SortFunc(singles, better)
	for _, c := range singles {
		if c.Covered == n {
			v.Singles = append(v.Singles, c)
		}
	}
	for k := 1; k <= 3 && k <= len(stores); k++ {
		var bestC *Combo
		eachSubset(stores, k, func(set []string) {
			c := combo(slices.Clone(set))
			if bestC == nil || better(c, *bestC) < 0 {
				bestC = &c
			}
		})
		v.Best = append(v.Best, *bestC)
	}
	v.Sentences = sentences(v, best, n)
	var unranked []string
	for _, pr := range prs {
		if len(pr.Ranked) == 0 {
			unranked = append(unranked, pr.Pattern)
		}
	}
	if len(unranked) > 0 {
		v.Sentences = append(v.Sentences, fmt.Sprintf("No store was ranked on %s, which the verdict leaves out (the ranking says why).", strings.Join(unranked, ", ")))
	}
	return v
}

// eachSubset calls f with every k-element subset of xs, in lexical order.
func eachSubset(xs []string, k int, f func([]string)) {
	set := make([]string, 0, k)
	var rec func(start int)
	rec = func(start int) {
		if len(set) == k {
			f(set)
			return
		}
		for i := start; i <= len(xs)-(k-len(set)); i++ {
			set = append(set, xs[i])
			rec(i + 1)
			set = set[:len(set)-1]
		}
	}
	rec(0)
}

// FormatSlowdown formats a slowdown factor: "1.00×", "2.4×", "31×".
func FormatSlowdown(x float64) string {
	switch {
	case math.IsInf(x, 1):
		return "∞"
	case x < 2:
		return fmt.Sprintf("%.2f×", x)
	case x < 10:
		return fmt.Sprintf("%.1f×", x)
	}
	return fmt.Sprintf("%.0f×", x)
}

func sentences(v Verdict, best map[string]string, n int) []string {
	var out []string
	patternsWord := func(k int) string {
		if k == 1 {
			return "1 pattern"
		}
		return fmt.Sprintf("%d patterns", k)
	}
	one := v.Best[0]
	if one.Covered == n {
		var bestOn, close int
		worst := Serve{Slowdown: 0}
		for _, s := range one.Serves {
			if s.Slowdown <= 1+1e-9 {
				bestOn++
			}
			if s.Slowdown <= v.Within {
				close++
			}
			if s.Slowdown > worst.Slowdown {
				worst = s
			}
		}
		s := fmt.Sprintf("%s alone covers all %s measured at a geometric-mean slowdown of %s against the best store per pattern: it is the best on %d of %d and within %s on %d of %d",
			one.Stores[0], patternsWord(n), FormatSlowdown(one.GeoMean), bestOn, n, FormatSlowdown(v.Within), close, n)
		if worst.Slowdown > 1+1e-9 {
			s += fmt.Sprintf("; its worst is %s, %s behind %s", worst.Pattern, FormatSlowdown(worst.Slowdown), best[worst.Pattern])
		}
		out = append(out, s+".")
	} else {
		var missing []string
		for _, s := range one.Serves {
			if s.Store == "" {
				missing = append(missing, s.Pattern)
			}
		}
		out = append(out, fmt.Sprintf("No single store is ranked on all %s measured; %s covers the most: %d of %d (all but %s).",
			patternsWord(n), one.Stores[0], one.Covered, n, strings.Join(missing, ", ")))
	}
	prev := one
	for k := 2; k <= len(v.Best); k++ {
		c := v.Best[k-1]
		if c.Covered == prev.Covered && c.GeoMean >= prev.GeoMean-1e-9 {
			out = append(out, fmt.Sprintf("A %s store gains nothing over %s.", ordinal(k), strings.Join(prev.Stores, " + ")))
			break
		}
		var added []string
		for _, s := range c.Stores {
			if !slices.Contains(prev.Stores, s) {
				added = append(added, s)
			}
		}
		served := func(store string) []string {
			var ps []string
			for _, s := range c.Serves {
				if s.Store == store {
					ps = append(ps, s.Pattern)
				}
			}
			return ps
		}
		cover := ""
		if c.Covered < n {
			cover = fmt.Sprintf(" on the %d of %d patterns they cover", c.Covered, n)
		}
		if len(added) == 1 && len(c.Stores) == len(prev.Stores)+1 {
			out = append(out, fmt.Sprintf("Adding %s (for %s) brings the best %d-store combination, %s, to %s%s.",
				added[0], strings.Join(served(added[0]), ", "), k, strings.Join(c.Stores, " + "), FormatSlowdown(c.GeoMean), cover))
		} else {
			var parts []string
			for _, s := range c.Stores {
				parts = append(parts, fmt.Sprintf("%s for %s", s, strings.Join(served(s), ", ")))
			}
			out = append(out, fmt.Sprintf("The best %d-store combination is %s, at %s%s: %s.",
				k, strings.Join(c.Stores, " + "), FormatSlowdown(c.GeoMean), cover, strings.Join(parts, "; ")))
		}
		prev = c
	}
	if len(v.Best) == 1 {
		out = append(out, "Only one store was ranked, so there is no combination to compare.")
	}
	return out
}

func ordinal(k int) string {
	switch k {
	case 2:
		return "second"
	case 3:
		return "third"
	}
	return fmt.Sprintf("%dth", k)
}
