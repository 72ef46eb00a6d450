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
	// Objectives are latency objectives given by the user (pick --slo).
	// They take precedence over the objectives recorded in the results
	// (a suite's), and those over DefaultObjectives: for each operation
	// kind, the first of these layers with an objective covering it
	// decides (see Objectives).
	Objectives []Objective
	// Score ranks by the relative score instead of by objectives (pick
	// --slo none).
	Score bool
	// Floor is the constant of the relative score, (Floor + t) / (Floor +
	// t_best); default 10 ms, as ClickBench does.
	Floor time.Duration
	// MaxErrorRate is the share of a contender's started operations that
	// may fail — and, under open loop, of its scheduled operations that
	// may be dropped — for it to be ranked: 0 means DefaultMaxErrorRate, a
	// negative value allows none.
	MaxErrorRate float64
	// Exclude names stores (or contender labels) left out of the ranking.
	Exclude []string
	// IncludeOracle ranks the reference oracle (memory) like any store;
	// by default it is shown as the reference, not ranked.
	IncludeOracle bool
	// Within is the slowdown the verdict counts as close to the best store
	// (default 1.5).
	Within float64
	// Scale ranks the cells of one scale of a sweep, and Size (records)
	// those of the scale nearest at or above it, per pattern; by default a
	// sweep is ranked at its largest scale (see SelectScale).
	Scale string
	Size  int64
	// By is the figure the objectives rule ranks by: ByThroughput (also
	// "") or ByOpsPerCore.
	By string
}

// The figures the objectives rule can rank by (PickOptions.By).
const (
	// ByThroughput ranks by operations per second.
	ByThroughput = "throughput"
	// ByOpsPerCore ranks by operations per second per core the server
	// kept busy (Server.OpsPerCore): the store that does most with a core,
	// for teams whose cost is cores. Stores whose server was not measured
	// are not ranked.
	ByOpsPerCore = "ops-per-core"
)

// DefaultMaxErrorRate is the share of failed (or dropped) operations above
// which a contender is not ranked: 0.1%, one operation in a thousand. A
// store that fails more often answers a different question than the one
// measured, and its latency figures describe the operations it chose to
// finish.
const DefaultMaxErrorRate = 0.001

// Unvalidated is how results and rankings mark a cell whose answers were
// not checked.
const Unvalidated = "unvalidated — not ranked"

// Reasons a contender is not ranked (Contender.Why).
const (
	WhyNA          = "n/a"         // the store does not support the pattern
	WhyExcluded    = "excluded"    // left out by the user
	WhySink        = "sink"        // keeps no data
	WhyOracle      = "reference"   // the reference oracle
	WhyFailed      = "failed"      // the cell (or a repetition) failed
	WhyInvalid     = "invalid"     // validation failed: wrong answers
	WhyUnvalidated = "unvalidated" // validation skipped or made no check
	WhyErrors      = "errors"      // too many operations failed
	WhyDropped     = "dropped"     // too many scheduled operations never started
	WhySLO         = "slo"         // missed a latency objective
	WhyNothing     = "nothing"     // no successful operation
	WhyNoServer    = "no-server"   // ranking by ops per core, the server was not measured
)

// Recommendation is the answer to "which store for which pattern?" and "is
// one store enough?", derived from result files by Pick.
type Recommendation struct {
	// Rule states how stores were ranked.
	Rule string
	// Patterns holds one ranking per access pattern measured.
	Patterns []PatternRanking
	// Verdict answers "one DB to rule them all?".
	Verdict Verdict
	// ScaleNotes say which data sizes were ranked, when the results hold
	// several (a sweep).
	ScaleNotes []string
	// MaxRates are the find-max outcomes of the results' cells: the
	// highest rate meeting each cell's SLO and what bound it.
	MaxRates []MaxRateLine
}

// MaxRateLine is one cell's find-max outcome, as pick shows it.
type MaxRateLine struct {
	Workload, Store string
	*MaxRate
}

// Text states the outcome: "twitter/mix on placement:local: 304 ops/s
// under timeline:p99=20ms,…, bound by dashboard:p99=500ms".
func (l MaxRateLine) Text() string {
	rate := FormatRate(l.Rate) + " ops/s"
	switch {
	case l.Rate == 0:
		rate = "no rate met"
	case !l.Bounded:
		rate = "at least " + rate
	}
	out := fmt.Sprintf("%s on %s: %s under %s", l.Workload, l.Store, rate, l.SLO)
	if t := l.BoundByText(); t != "" {
		out += ", " + t
	}
	return out
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
	// Objective describes the latency objectives the pattern's operation
	// kinds were held to ("" under the relative score).
	Objective string
	// Closest, when no contender was ranked but some missed only the
	// objective, is the one that came closest to it.
	Closest *Contender
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
	// ErrorRate is the share of the contender's started operations that
	// failed, over its workloads and repetitions.
	ErrorRate float64
	// Why classifies why the contender was not ranked ("" when ranked):
	// one of the Why constants. Reason says it in words.
	Why    string
	Reason string
	// Miss, for a contender that missed its objective (Why == WhySLO), is
	// how far: the largest ratio of a latency percentile to its bound.
	Miss float64
	// Thin names an operation kind the contender ran too few times for
	// the percentile its objective bounds to be more than a guess (see
	// MinOpsFor), with the count and the count needed: "" when none.
	Thin string
	// Starved is true when other processes starved storefit of CPU
	// during one of the contender's runs (Run.Starved): its latencies are
	// inflated by the machine.
	Starved bool
	// Unsteady is true when the throughput of one of the contender's
	// measured runs still trended (Run.Trending): its figure depends on
	// when it was taken.
	Unsteady bool
	// Concurrency says what load its figures were measured under, over
	// the pattern's workloads: "16 workers (auto)", "4–16 workers (auto)".
	Concurrency string
}

// Verdict answers the seed's question: can one store serve every pattern,
// and how much do one, two or three stores give up against the best store
// per pattern?
type Verdict struct {
	// Patterns are the patterns measured, in the ranking's order.
	Patterns []string
	// Unranked are the patterns measured on which no store was ranked:
	// no combination covers them.
	Unranked []string
	// Singles are the stores ranked on every pattern that has a ranked
	// store, best first.
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
	// Covered counts the patterns the combination covers, out of all
	// of Verdict.Patterns.
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
// The rule: a contender is ranked on a pattern only if, on every workload
// of the pattern it ran, every repetition completed; its validation
// passed with at least one check (a failed validation never ranks, nor an
// unvalidated run); at most MaxErrorRate of its started operations failed
// and, under open loop, at most that share of its scheduled operations
// were dropped; and it is neither a store that keeps no data nor the
// reference oracle. Under objectives (the default) each operation kind
// must also meet its objective (the median over the repetitions of the
// kind's latency percentiles, failed operations at their time to failure
// and dropped ones from their intended start included); contenders are
// then ranked by throughput relative to the best on each workload,
// combined over the pattern's workloads by geometric mean. With Score, they
// are ranked by the ClickBench-style relative score: for each operation
// kind of each workload, (floor + t) / (floor + t_best) with t the median
// of the kind's mean latency (failed and dropped operations included),
// combined by geometric mean. Workloads a contender was not run on, or
// does not support, are left out of its mean.
func Pick(rs []*Result, o PickOptions) *Recommendation {
	if o.Floor <= 0 {
		o.Floor = 10 * time.Millisecond
	}
	if o.Within <= 1 {
		o.Within = 1.5
	}
	switch {
	case o.MaxErrorRate == 0:
		o.MaxErrorRate = DefaultMaxErrorRate
	case o.MaxErrorRate < 0:
		o.MaxErrorRate = 0
	}
	pk := picker{o: o}
	if !o.Score {
		var recorded []Objective
		for _, r := range rs {
			recorded = append(recorded, r.Objectives...)
		}
		pk.obj = NewObjectives(o.Objectives, recorded, DefaultObjectives())
	}
	rec := &Recommendation{Rule: pk.rule()}
	rs, rec.ScaleNotes = SelectScale(rs, o.Scale, o.Size)
	byPattern := map[string][]*Group{}
	var patterns []string
	for _, g := range Groups(rs) {
		if _, ok := byPattern[g.Pattern]; !ok {
			patterns = append(patterns, g.Pattern)
		}
		byPattern[g.Pattern] = append(byPattern[g.Pattern], g)
	}
	for _, p := range patterns {
		rec.Patterns = append(rec.Patterns, pk.rankPattern(p, byPattern[p]))
	}
	rec.Verdict = verdict(rec.Patterns, o.Within)
	for _, r := range rs {
		for i := range r.Cells {
			if c := &r.Cells[i]; c.MaxRate != nil {
				rec.MaxRates = append(rec.MaxRates, MaxRateLine{Workload: c.Workload, Store: c.Store, MaxRate: c.MaxRate})
			}
		}
	}
	return rec
}

// picker applies the ranking rule of PickOptions.
type picker struct {
	o   PickOptions
	obj Objectives // zero under the relative score
}

func (pk picker) rule() string {
	common := fmt.Sprintf("only validated answers are ranked (validation passed with at least one check), with at most %s of operations failed or dropped; latencies count failed operations at their time to failure and dropped ones from their intended start", FormatShare(pk.o.MaxErrorRate))
	if pk.o.Score {
		return fmt.Sprintf("relative score (%s + t) / (%s + t_best), t the mean latency of each operation, combined by geometric mean over the pattern's operations (1.00 is the best); %s", pk.o.Floor, pk.o.Floor, common)
	}
	if pk.o.By == ByOpsPerCore {
		return "highest operations per second per server core (the server's CPU time measured during the run) among the stores whose every operation kind meets the pattern's latency objective on every workload of the pattern (geometric mean over the workloads of ops per core relative to the best); " + common
	}
	return "highest throughput among the stores whose every operation kind meets the pattern's latency objective on every workload of the pattern (geometric mean over the workloads of throughput relative to the best); " + common
}

// verdictOf is why a group cannot be ranked: why is "" when it can.
type verdictOf struct {
	why, reason string
	miss        float64
}

// eligibility tells why a group cannot be ranked, by step: who it is, how
// the cell ended, its answers, its errors and drops, its latency.
func (pk picker) eligibility(g *Group) verdictOf {
	if slices.Contains(pk.o.Exclude, g.Store) || slices.Contains(pk.o.Exclude, g.Label) {
		return verdictOf{why: WhyExcluded, reason: "excluded"}
	}
	if g.Status() == StatusNA {
		return verdictOf{why: WhyNA, reason: StatusNA}
	}
	for _, c := range g.Cells {
		if c.Sink {
			return verdictOf{why: WhySink, reason: "keeps no data: it measures the harness"}
		}
	}
	if v := statusVerdict(g); v.why != "" {
		return v
	}
	if v := validationVerdict(g); v.why != "" {
		return v
	}
	// The oracle shows as the reference once its answers passed.
	for _, c := range g.Cells {
		if c.Oracle && !pk.o.IncludeOracle {
			return verdictOf{why: WhyOracle, reason: "the reference oracle (in-process, nothing durable): --include-oracle ranks it"}
		}
	}
	if v := pk.errorVerdict(g); v.why != "" {
		return v
	}
	if pk.o.By == ByOpsPerCore {
		for _, c := range g.Measured() {
			if c.Run.Server == nil || c.Run.Server.OpsPerCore <= 0 {
				return verdictOf{why: WhyNoServer, reason: "server CPU not measured on " + g.Workload + " (run --server-pid, or start it with storefit up): cannot rank by ops per core"}
			}
		}
	}
	if !pk.obj.IsZero() {
		return pk.objectiveVerdict(g)
	}
	return verdictOf{}
}

// figure returns the group's figure the objectives rule ranks by: the
// median over its measured repetitions of its throughput, or of its
// operations per server core.
func (pk picker) figure(g *Group) float64 {
	if pk.o.By != ByOpsPerCore {
		return Median(g.Throughputs())
	}
	var per []float64
	for _, c := range g.Measured() {
		if c.Run.Server != nil {
			per = append(per, c.Run.Server.OpsPerCore)
		}
	}
	return Median(per)
}

// statusVerdict refuses a group with a repetition that did not complete.
func statusVerdict(g *Group) verdictOf {
	if g.Status() != StatusOK {
		reason := g.Cells[0].Status
		if e := g.Cells[0].Error; e != "" {
			reason += ": " + firstLine(e)
		}
		return verdictOf{why: WhyFailed, reason: reason}
	}
	for _, c := range g.Cells {
		if c.Status != StatusOK && c.Status != StatusNA {
			return verdictOf{why: WhyFailed, reason: fmt.Sprintf("repetition %s", c.Status)}
		}
	}
	return verdictOf{}
}

// validationVerdict refuses a group any of whose measured repetitions did
// not pass validation with at least one check.
func validationVerdict(g *Group) verdictOf {
	for _, c := range g.Measured() {
		v := c.Validation
		switch {
		case v == nil:
			return verdictOf{why: WhyUnvalidated, reason: Unvalidated + ": no validation on " + g.Workload}
		case v.Status == ValidationFailed:
			reason := "validation failed on " + g.Workload
			switch {
			case len(v.Failures) > 0:
				reason += ": " + firstLine(v.Failures[0])
			case v.Reason != "":
				reason += ": " + firstLine(v.Reason)
			}
			return verdictOf{why: WhyInvalid, reason: reason}
		case v.Status != ValidationPassed:
			reason := Unvalidated
			switch {
			case strings.HasPrefix(v.Reason, Unvalidated):
				reason = firstLine(v.Reason)
			case v.Reason != "":
				reason += " (" + firstLine(v.Reason) + ")"
			}
			return verdictOf{why: WhyUnvalidated, reason: reason + " on " + g.Workload}
		case v.Checks == 0:
			return verdictOf{why: WhyUnvalidated, reason: Unvalidated + ": validation made no check on " + g.Workload}
		}
	}
	return verdictOf{}
}

// errorVerdict refuses a group whose failed or dropped operations exceed
// the allowed share.
func (pk picker) errorVerdict(g *Group) verdictOf {
	var ops, errs, intended, dropped int64
	for _, c := range g.Measured() {
		ops += c.Run.Ops
		errs += c.Run.Errors
		intended += c.Run.IntendedOps
		dropped += c.Run.DroppedOps
	}
	allowed := FormatShare(pk.o.MaxErrorRate)
	if er := share(errs, ops+errs); er > pk.o.MaxErrorRate {
		return verdictOf{why: WhyErrors, reason: fmt.Sprintf("%s of operations failed on %s (%s of %s), above the %s allowed",
			FormatShare(er), g.Workload, FormatCount(errs), FormatCount(ops+errs), allowed)}
	}
	if dr := share(dropped, intended); dr > pk.o.MaxErrorRate {
		return verdictOf{why: WhyDropped, reason: fmt.Sprintf("%s of the scheduled operations were never started on %s (%s of %s), above the %s allowed",
			FormatShare(dr), g.Workload, FormatCount(dropped), FormatCount(intended), allowed)}
	}
	return verdictOf{}
}

// objectiveVerdict checks every operation kind of a group against its
// objective: the median over the repetitions of the kind's inclusive
// percentiles. It reports the kind that misses by the largest factor.
func (pk picker) objectiveVerdict(g *Group) verdictOf {
	worst := verdictOf{}
	for _, kind := range g.kindNames() {
		obj, ok := pk.obj.For(g.Workload, kind)
		if !ok {
			continue
		}
		at := func(p float64) float64 {
			var xs []float64
			for _, c := range g.Measured() {
				for _, k := range c.Run.Kinds {
					if k.Kind == kind && k.Count+k.ErrorCount()+k.Dropped > 0 {
						xs = append(xs, k.InclusivePercentile(p))
					}
				}
			}
			return Median(xs)
		}
		ratio, b, got := obj.SLO.Miss(at)
		if ratio > 1 && ratio > worst.miss {
			worst = verdictOf{why: WhySLO, miss: ratio, reason: fmt.Sprintf("%s of %s %s > %s on %s (%s over)",
				percentileName(b.Percentile), kind, FormatDuration(got), b.Limit, g.Workload, FormatSlowdown(ratio))}
		}
	}
	return worst
}

// kindNames returns the operation kinds of the group's measured
// repetitions, in their order.
func (g *Group) kindNames() []string {
	var out []string
	for _, c := range g.Measured() {
		for _, k := range c.Run.Kinds {
			if !slices.Contains(out, k.Kind) {
				out = append(out, k.Kind)
			}
		}
	}
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// severity orders the reasons a contender is not ranked, so a contender
// measured on several workloads shows its gravest: a wrong answer before
// a missed objective.
func severity(why string) int {
	switch why {
	case "":
		return 0
	case WhyNA:
		return 1
	case WhySLO:
		return 2
	}
	return 3
}

// rankEntry is a contender on a pattern while it is being ranked.
type rankEntry struct {
	c      Contender
	groups []*Group
	na     int
}

func (pk picker) rankPattern(pattern string, groups []*Group) PatternRanking {
	pr := PatternRanking{Pattern: pattern}
	var labels []string
	entries := map[string]*rankEntry{}
	kinds := map[string][]string{}
	for _, g := range groups {
		if !slices.Contains(pr.Workloads, g.Workload) {
			pr.Workloads = append(pr.Workloads, g.Workload)
		}
		for _, k := range g.kindNames() {
			if !slices.Contains(kinds[g.Workload], k) {
				kinds[g.Workload] = append(kinds[g.Workload], k)
			}
		}
		e := entries[g.Label]
		if e == nil {
			e = &rankEntry{c: Contender{Store: g.Label, Base: g.Store}}
			entries[g.Label] = e
			labels = append(labels, g.Label)
		}
		v := pk.eligibility(g)
		switch {
		case v.why == WhyNA:
			e.na++
		case v.why == "":
			e.groups = append(e.groups, g)
		case severity(v.why) > severity(e.c.Why):
			e.c.Why, e.c.Reason, e.c.Miss = v.why, v.reason, v.miss
		case v.why == WhySLO && e.c.Why == WhySLO && v.miss > e.c.Miss:
			e.c.Reason, e.c.Miss = v.reason, v.miss
		}
	}
	if !pk.obj.IsZero() {
		pr.Objective = pk.obj.Describe(pattern, kinds)
	}
	slices.Sort(labels)
	for _, l := range labels {
		e := entries[l]
		if e.c.Why == "" && len(e.groups) == 0 && e.na > 0 {
			e.c.Why, e.c.Reason = WhyNA, StatusNA
		}
		e.c.ErrorRate = errorRateOf(groups, l)
		e.c.Thin, e.c.Starved, e.c.Unsteady = pk.evidence(groups, l)
		e.c.Concurrency = concurrencyOf(groups, l)
	}
	ranked := pk.score(labels, entries, &pr)
	better := func(a, b *rankEntry) int {
		if pk.o.Score {
			return cmp.Or(cmp.Compare(a.c.Score, b.c.Score), strings.Compare(a.c.Store, b.c.Store))
		}
		return cmp.Or(cmp.Compare(b.c.Score, a.c.Score), strings.Compare(a.c.Store, b.c.Store))
	}
	slices.SortFunc(ranked, better)
	for i, e := range ranked {
		e.c.Rank = i + 1
		best := ranked[0].c.Score
		if pk.o.Score {
			e.c.Slowdown = e.c.Score / best
		} else {
			e.c.Slowdown = best / e.c.Score
		}
		pr.Ranked = append(pr.Ranked, e.c)
	}
	if len(pr.Ranked) == 0 {
		for i, c := range pr.Excluded {
			if c.Why == WhySLO && (pr.Closest == nil || c.Miss < pr.Closest.Miss) {
				pr.Closest = &pr.Excluded[i]
			}
		}
	}
	return pr
}

// evidence tells how far a contender's figures on the groups can be
// trusted: the operation kind with the fewest operations against those its
// objective's highest percentile needs (p99 under the relative score),
// whether the machine starved storefit during a run, and whether a run's
// throughput still trended.
func (pk picker) evidence(groups []*Group, label string) (thin string, starved, unsteady bool) {
	worst := 1.0
	for _, g := range groups {
		if g.Label != label {
			continue
		}
		ops := map[string]int64{}
		for _, c := range g.Measured() {
			starved = starved || c.Run.Starved()
			unsteady = unsteady || c.Run.Trending()
			for _, k := range c.Run.Kinds {
				ops[k.Kind] += k.Count + k.ErrorCount()
			}
		}
		for _, kind := range g.kindNames() {
			p := 99.0
			if obj, ok := pk.obj.For(g.Workload, kind); ok {
				p = obj.SLO.MaxPercentile()
			}
			need := MinOpsFor(p)
			if r := float64(ops[kind]) / float64(need); r < worst {
				worst = r
				thin = fmt.Sprintf("%s ran %s times on %s, fewer than the %s a %s needs", kind, FormatCount(ops[kind]), g.Workload, FormatCount(need), percentileName(p))
			}
		}
	}
	return thin, starved, unsteady
}

// concurrencyOf describes the worker counts (and rates) a contender's
// measured runs on the groups had: one text when they agree, the range of
// counts when they differ.
func concurrencyOf(groups []*Group, label string) string {
	var texts []string
	lo, hi, rule := 0, 0, ""
	for _, g := range groups {
		if g.Label != label {
			continue
		}
		for _, c := range g.Measured() {
			if t := c.ConcurrencyText(); t != "" && !slices.Contains(texts, t) {
				texts = append(texts, t)
			}
			n := c.Params.Workers
			if lo == 0 || n < lo {
				lo = n
			}
			hi = max(hi, n)
			rule = c.Params.WorkersRule
		}
	}
	switch {
	case len(texts) <= 1:
		return strings.Join(texts, "")
	case rule == WorkersAuto:
		return fmt.Sprintf("%d–%d workers (auto)", lo, hi)
	}
	return fmt.Sprintf("%d–%d workers", lo, hi)
}

// errorRateOf returns the share of failed operations of a contender's
// measured repetitions on the groups.
func errorRateOf(groups []*Group, label string) float64 {
	var ops, errs int64
	for _, g := range groups {
		if g.Label != label {
			continue
		}
		for _, c := range g.Measured() {
			ops += c.Run.Ops
			errs += c.Run.Errors
		}
	}
	return share(errs, ops+errs)
}

// score computes the rule's figure of every eligible contender; the others
// go to pr.Excluded. It returns the contenders to rank.
func (pk picker) score(labels []string, entries map[string]*rankEntry, pr *PatternRanking) []*rankEntry {
	// Best figure per workload (objectives) or per operation (score rule)
	// among the eligible contenders.
	bestThr := map[string]float64{}
	bestLat := map[string]float64{}
	for _, l := range labels {
		e := entries[l]
		if e.c.Why != "" {
			continue
		}
		for _, g := range e.groups {
			bestThr[g.Workload] = max(bestThr[g.Workload], pk.figure(g))
			for kind, t := range kindLatencies(g) {
				k := g.Workload + "\x00" + kind
				if b, ok := bestLat[k]; !ok || t < b {
					bestLat[k] = t
				}
			}
		}
	}
	floor := float64(pk.o.Floor) / 1e3 // µs
	var ranked []*rankEntry
	for _, l := range labels {
		e := entries[l]
		if e.c.Why != "" {
			pr.Excluded = append(pr.Excluded, e.c)
			continue
		}
		var rel, thr []float64
		for _, g := range e.groups {
			thr = append(thr, Median(g.Throughputs()))
			if f := pk.figure(g); bestThr[g.Workload] > 0 {
				rel = append(rel, f/bestThr[g.Workload])
			}
			e.c.P99 = max(e.c.P99, Median(g.InclusivePercentiles(99)))
		}
		e.c.Workloads = len(e.groups)
		e.c.Throughput = GeoMean(thr)
		if pk.o.Score {
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
			e.c.Why, e.c.Reason = WhyNothing, "no successful operation"
			pr.Excluded = append(pr.Excluded, e.c)
			continue
		}
		ranked = append(ranked, e)
	}
	return ranked
}

// kindLatencies returns the median over a group's repetitions of each
// operation kind's mean latency (µs) over every scheduled operation, for
// kinds that completed operations.
func kindLatencies(g *Group) map[string]float64 {
	per := map[string][]float64{}
	for _, c := range g.Measured() {
		for _, k := range c.Run.Kinds {
			if k.Count > 0 {
				per[k.Kind] = append(per[k.Kind], k.InclusiveLatency().Mean)
			}
		}
	}
	out := map[string]float64{}
	for k, v := range per {
		out[k] = Median(v)
	}
	return out
}

// verdict answers "one DB to rule them all?" from the rankings. It counts
// every pattern measured; patterns without a ranked store are named and
// covered by no combination.
func verdict(prs []PatternRanking, within float64) Verdict {
	v := Verdict{Within: within}
	slow := map[string]map[string]float64{} // pattern → store → slowdown
	best := map[string]string{}
	var stores []string
	for _, pr := range prs {
		v.Patterns = append(v.Patterns, pr.Pattern)
		if len(pr.Ranked) == 0 {
			v.Unranked = append(v.Unranked, pr.Pattern)
			continue
		}
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
	n := len(v.Patterns) - len(v.Unranked)
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
	v.Sentences = sentences(v, best)
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

func sentences(v Verdict, best map[string]string) []string {
	var out []string
	N := len(v.Patterns)
	n := N - len(v.Unranked)
	patternsWord := func(k int) string {
		if k == 1 {
			return "1 pattern"
		}
		return fmt.Sprintf("%d patterns", k)
	}
	// all names the patterns the verdict can cover.
	all := "all " + patternsWord(N) + " measured"
	if n < N {
		have := "have"
		if n == 1 {
			have = "has"
		}
		out = append(out, fmt.Sprintf("No store was ranked on %s (the ranking says why), so %d of the %s measured %s a store to recommend; no combination covers the others.",
			strings.Join(v.Unranked, ", "), n, patternsWord(N), have))
		all = fmt.Sprintf("all %d of those", n)
		if n == 1 {
			all = "that one"
		}
	}
	one := v.Best[0]
	if one.Covered == n {
		var bestOn, close int
		worst := Serve{Slowdown: 0}
		for _, s := range one.Serves {
			if s.Store == "" {
				continue
			}
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
		s := fmt.Sprintf("%s alone covers %s at a geometric-mean slowdown of %s against the best store per pattern: it is the best on %d of %d and within %s on %d of %d",
			one.Stores[0], all, FormatSlowdown(one.GeoMean), bestOn, n, FormatSlowdown(v.Within), close, n)
		if worst.Slowdown > 1+1e-9 {
			s += fmt.Sprintf("; its worst is %s, %s behind %s", worst.Pattern, FormatSlowdown(worst.Slowdown), best[worst.Pattern])
		}
		out = append(out, s+".")
	} else {
		var missing []string
		for _, s := range one.Serves {
			if s.Store == "" && !slices.Contains(v.Unranked, s.Pattern) {
				missing = append(missing, s.Pattern)
			}
		}
		out = append(out, fmt.Sprintf("No single store is ranked on %s; %s covers the most: %d of %d (all but %s).",
			all, one.Stores[0], one.Covered, n, strings.Join(missing, ", ")))
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

// Explain says in a sentence why the pattern's winner was chosen, or why
// no store was: what the winner met and measured, how far the runner-up
// is, which stores were not ranked and why, and, when none was ranked,
// which contender came closest to the objective and by how much.
func (p PatternRanking) Explain() string {
	if len(p.Ranked) == 0 {
		if p.Closest != nil {
			return fmt.Sprintf("No store met the objective (%s) with validated answers; %s came closest: %s%s%s.", p.Objective, p.Closest.Store, p.Closest.Reason, p.caveats(), p.notRanked(p.Closest.Store))
		}
		var measured int
		for _, c := range p.Excluded {
			if c.Why != WhyNA && c.Why != WhyExcluded {
				measured++
			}
		}
		if measured == 0 {
			return "No store that was run supports the pattern."
		}
		return "No store could be ranked: each one's reason is listed."
	}
	w := p.Ranked[0]
	n := len(p.Ranked)
	var s string
	switch {
	case n == 1:
		s = w.Store + " is the only store ranked"
	case p.Objective == "":
		s = fmt.Sprintf("%s has the best relative score of the %d stores ranked", w.Store, n)
	default:
		s = fmt.Sprintf("%s has the highest throughput of the %d stores ranked", w.Store, n)
	}
	failed := "no operation failed"
	if w.ErrorRate > 0 {
		failed = FormatShare(w.ErrorRate) + " of operations failed"
	}
	s += fmt.Sprintf(" (%s ops/s, p99 %s): answers validated, %s", FormatRate(w.Throughput), FormatDuration(w.P99), failed)
	if p.Objective != "" {
		s += ", every operation kind within its objective (" + p.Objective + ")"
	}
	for i, c := range p.Ranked[1:] {
		if i == 0 {
			s += fmt.Sprintf("; %s follows at %s", c.Store, FormatSlowdown(c.Slowdown))
		} else {
			s += fmt.Sprintf(", %s at %s", c.Store, FormatSlowdown(c.Slowdown))
		}
	}
	return s + p.caveats() + p.notRanked("") + "."
}

// notRanked lists the measured contenders other than skip that were not
// ranked, with their reasons ("; not ranked: …"), or returns "".
func (p PatternRanking) notRanked(skip string) string {
	var missed []string
	for _, c := range p.Excluded {
		switch c.Why {
		case WhySLO, WhyErrors, WhyDropped, WhyInvalid, WhyUnvalidated, WhyFailed, WhyNoServer:
			if c.Store != skip {
				missed = append(missed, c.Store+" — "+c.Reason)
			}
		}
	}
	if len(missed) == 0 {
		return ""
	}
	return "; not ranked: " + strings.Join(missed, "; ")
}

// caveats warns when the figures the pattern's verdict rests on are thin:
// the winner (or the closest contender) ran a kind too few times for its
// percentile, or the machine starved storefit during the pattern's runs.
func (p PatternRanking) caveats() string {
	var out string
	lead := p.Closest
	if len(p.Ranked) > 0 {
		lead = &p.Ranked[0]
	}
	if lead != nil && lead.Thin != "" {
		out += fmt.Sprintf("; caution: %s's %s (lengthen --duration)", lead.Store, lead.Thin)
	}
	var starved int
	for _, c := range append(slices.Clone(p.Ranked), p.Excluded...) {
		if c.Starved {
			starved++
		}
	}
	if starved > 0 {
		out += fmt.Sprintf("; caution: other processes starved storefit of CPU during the runs of %d of these stores, which inflates latency (rerun on a quiet machine)", starved)
	}
	var unsteady []string
	for _, c := range append(slices.Clone(p.Ranked), p.Excluded...) {
		if c.Unsteady {
			unsteady = append(unsteady, c.Store)
		}
	}
	switch {
	case len(unsteady) == 1:
		out += fmt.Sprintf("; caution: %s's throughput still rose or fell while it was measured (not in a steady state: lengthen the warm-up)", unsteady[0])
	case len(unsteady) > 1:
		out += fmt.Sprintf("; caution: the throughput of %d of these stores still rose or fell while they were measured (not in a steady state: lengthen the warm-up)", len(unsteady))
	}
	return out
}
