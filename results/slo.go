package results

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SLO is a latency objective: every bound must hold. The zero SLO has no
// bounds and is met by everything.
type SLO struct {
	Bounds []Bound
}

// Bound is one latency bound: the Percentile-th percentile (0 < p < 100)
// must not exceed Limit. Kind, when set, names the operation kind whose
// own latency the bound holds (a find-max objective per operation, e.g.
// "timeline:p99=20ms"); otherwise the bound holds the latency of every
// operation together.
type Bound struct {
	Kind       string
	Percentile float64
	Limit      time.Duration
}

// ParseSLO parses an objective: a comma-separated list of
// [KIND:]pXX=DURATION ("p99=10ms", "p50=1ms,p99.9=50ms",
// "timeline:p99=20ms,search:p99=100ms"), or a bare duration, which bounds
// p99 ("10ms"). A bound without a kind holds every operation together; a
// bound with one holds that operation kind on its own (find-max checks
// each). "", "0" and "none" give the zero SLO (no objective).
func ParseSLO(s string) (SLO, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" || s == "none" {
		return SLO{}, nil
	}
	var slo SLO
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		var kind string
		if k, rest, ok := strings.Cut(part, ":"); ok {
			kind, part = strings.TrimSpace(k), strings.TrimSpace(rest)
			if !scopeName(kind) {
				return SLO{}, fmt.Errorf("SLO %q: %q is not an operation kind (use e.g. timeline:p99=20ms)", s, kind)
			}
		}
		name, lim, ok := strings.Cut(part, "=")
		if !ok {
			name, lim = "p99", part
		}
		name = strings.TrimSpace(strings.ToLower(name))
		if !strings.HasPrefix(name, "p") {
			return SLO{}, fmt.Errorf("SLO %q: %q is not a percentile (use e.g. p99=10ms)", s, name)
		}
		p, err := strconv.ParseFloat(name[1:], 64)
		if err != nil || p <= 0 || p >= 100 {
			return SLO{}, fmt.Errorf("SLO %q: %q is not a percentile between p0 and p100 (use e.g. p99=10ms)", s, name)
		}
		d, err := time.ParseDuration(strings.TrimSpace(lim))
		if err != nil || d <= 0 {
			return SLO{}, fmt.Errorf("SLO %q: %q is not a positive duration (use e.g. 10ms)", s, lim)
		}
		slo.Bounds = append(slo.Bounds, Bound{Kind: kind, Percentile: p, Limit: d})
	}
	return slo, nil
}

// Kinds returns the operation kinds the SLO bounds on their own, in the
// order given.
func (s SLO) Kinds() []string {
	var out []string
	for _, b := range s.Bounds {
		if b.Kind != "" && !slices.Contains(out, b.Kind) {
			out = append(out, b.Kind)
		}
	}
	return out
}

// Overall returns the SLO's bounds on every operation together (those
// without a kind).
func (s SLO) Overall() SLO {
	var out SLO
	for _, b := range s.Bounds {
		if b.Kind == "" {
			out.Bounds = append(out.Bounds, b)
		}
	}
	return out
}

// String formats the bound as ParseSLO reads it: "p99=10ms",
// "timeline:p99=20ms".
func (b Bound) String() string {
	out := fmt.Sprintf("%s=%s", percentileName(b.Percentile), b.Limit)
	if b.Kind != "" {
		out = b.Kind + ":" + out
	}
	return out
}

// IsZero reports whether the SLO has no bounds.
func (s SLO) IsZero() bool { return len(s.Bounds) == 0 }

// String formats the SLO as ParseSLO reads it: "p99=10ms".
func (s SLO) String() string {
	parts := make([]string, len(s.Bounds))
	for i, b := range s.Bounds {
		parts[i] = b.String()
	}
	return strings.Join(parts, ",")
}

// percentileName formats a percentile as "p99", "p99.9".
func percentileName(p float64) string { return "p" + strconv.FormatFloat(p, 'f', -1, 64) }

// Check tells whether the latency percentiles given by at (percentile →
// microseconds) meet every bound on all operations together (bounds of
// one kind are find-max's, checked per kind there); when not, reason
// names the first bound missed.
func (s SLO) Check(at func(percentile float64) float64) (ok bool, reason string) {
	for _, b := range s.Overall().Bounds {
		got := at(b.Percentile)
		limit := float64(b.Limit) / 1e3
		if got > limit {
			return false, fmt.Sprintf("%s %s µs > %s", percentileName(b.Percentile), FormatMicros(got), b.Limit)
		}
	}
	return true, ""
}

// Miss returns how far the percentiles given by at miss the SLO: the
// largest ratio of a percentile to its bound (at most 1 when every bound
// holds), with that bound and the percentile found.
func (s SLO) Miss(at func(percentile float64) float64) (ratio float64, worst Bound, got float64) {
	for _, b := range s.Overall().Bounds {
		v := at(b.Percentile)
		if r := v / (float64(b.Limit) / 1e3); r > ratio || worst.Limit == 0 {
			ratio, worst, got = r, b, v
		}
	}
	return ratio, worst, got
}

// MaxPercentile returns the highest percentile the SLO bounds (0 for the
// zero SLO).
func (s SLO) MaxPercentile() float64 {
	var p float64
	for _, b := range s.Bounds {
		p = max(p, b.Percentile)
	}
	return p
}

// MinOpsFor is the number of operations a latency percentile p needs to
// be measured at all rather than guessed: 10 operations at or beyond it,
// so 1,000 for p99 and 10,000 for p99.9. With fewer, the percentile is one
// of the last handful of samples — for p99 of 100 operations, the maximum —
// and it jumps from run to run: for n operations the p-th percentile's 95%
// confidence interval spans the order statistics n·q ± 1.96·√(n·q·(1−q)),
// q = p/100, which for n = 1,000 and p99 is the 984th to the 996th of
// 1,000 (p98.4 to p99.6), and for n = 100 reaches the maximum.
func MinOpsFor(p float64) int64 {
	if p <= 0 || p >= 100 {
		return 0
	}
	return int64(10/(1-p/100) + 0.5)
}

// Objective is a latency objective for the operation kinds of a scope:
// each kind the scope covers must meet the SLO on its own.
type Objective struct {
	Scope Scope
	SLO   SLO
}

// ParseObjective parses "[SCOPE:]SLO": "p99=10ms" (every kind),
// "agg:p99=1s", "graph.neighbours:p50=1ms,p99=10ms". See ParseScope and
// ParseSLO.
func ParseObjective(s string) (Objective, error) {
	sc, rest, err := splitScoped(s)
	if err != nil {
		return Objective{}, err
	}
	slo, err := ParseSLO(rest)
	if err != nil {
		return Objective{}, err
	}
	if slo.IsZero() {
		return Objective{}, fmt.Errorf("objective %q: give a bound such as p99=10ms", s)
	}
	if k := slo.Kinds(); len(k) > 0 {
		return Objective{}, fmt.Errorf("objective %q: name the kind in the scope (e.g. crud.like:p99=20ms), not before the bound", s)
	}
	return Objective{Scope: sc, SLO: slo}, nil
}

// String formats the objective as ParseObjective reads it.
func (o Objective) String() string {
	if o.Scope.IsAll() {
		return o.SLO.String()
	}
	return o.Scope.String() + ":" + o.SLO.String()
}

// MarshalText writes the objective as String does.
func (o Objective) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (o *Objective) UnmarshalText(b []byte) error {
	v, err := ParseObjective(string(b))
	if err != nil {
		return err
	}
	*o = v
	return nil
}

// DefaultObjectives returns the latency objectives `storefit pick` and the
// reports rank by unless told otherwise: per pattern, with a bound for
// the operation kinds of a pattern whose cost differs from the rest by an
// order of magnitude. docs/verdicts.md gives the reason for each value.
func DefaultObjectives() []Objective {
	p99 := func(scope string, d time.Duration) Objective {
		sc, err := ParseScope(scope)
		if err != nil {
			panic(err) // a programming error in the table below
		}
		return Objective{Scope: sc, SLO: SLO{Bounds: []Bound{{Percentile: 99, Limit: d}}}}
	}
	ms := time.Millisecond
	return []Objective{
		p99("*", 10*ms),
		// Reads and writes of one record of an interactive application.
		p99("point", 10*ms),
		p99("crud", 10*ms),
		p99("crud.like", 20*ms),
		p99("crud.create_tweet", 20*ms),
		p99("crud.update_tweet", 20*ms),
		p99("crud.delete_tweet", 20*ms),
		p99("wide", 10*ms),
		p99("wide.count", 100*ms),
		// Traversals and relevance-ranked searches behind a page.
		p99("graph", 50*ms),
		p99("graph.neighbours", 10*ms),
		// A 3-hop neighbourhood's size: an audience or influence figure.
		p99("graph.reach", time.Second),
		p99("search", 100*ms),
		// Dashboard and report queries over many rows.
		p99("series", time.Second),
		p99("series.single-groupby-1-1-1", 100*ms),
		p99("series.high-cpu-1", 100*ms),
		p99("agg", time.Second),
		p99("agg.q5_category_week_quantity", 100*ms),
	}
}

// Objectives resolves which objective applies to an operation kind, from
// layers of objectives: the first layer with an objective whose scope
// covers the kind decides, and within it the most specific scope (a
// workload's kind, a pattern's kind, a workload, a pattern, everything;
// among equals the last given).
type Objectives struct {
	layers [][]Objective
}

// NewObjectives returns the resolver of the layers, the first taking
// precedence.
func NewObjectives(layers ...[]Objective) Objectives {
	var o Objectives
	for _, l := range layers {
		if len(l) > 0 {
			o.layers = append(o.layers, l)
		}
	}
	return o
}

// IsZero reports whether no objective was given.
func (o Objectives) IsZero() bool { return len(o.layers) == 0 }

// For returns the objective of an operation kind of a workload.
func (o Objectives) For(workload, kind string) (Objective, bool) {
	for _, layer := range o.layers {
		best, found := Objective{}, false
		for _, obj := range layer {
			if obj.Scope.Matches(workload, kind) && (!found || obj.Scope.specificity() >= best.Scope.specificity()) {
				best, found = obj, true
			}
		}
		if found {
			return best, true
		}
	}
	return Objective{}, false
}

// ForPattern returns the objective that covers a pattern as a whole (not
// one of its kinds or workloads).
func (o Objectives) ForPattern(pattern string) (Objective, bool) {
	return o.For(pattern+"/", "")
}

// Describe states the objectives that apply to the given kinds of a
// pattern's workloads (workload → kinds), e.g. "p99 ≤ 50ms; neighbours:
// p99 ≤ 10ms": the objective of the pattern as a whole (or, without one,
// the most common), then the kinds held to another.
func (o Objectives) Describe(pattern string, kinds map[string][]string) string {
	main := ""
	if obj, ok := o.ForPattern(pattern); ok {
		main = obj.SLO.readable()
	}
	count := map[string]int{}
	byObj := map[string][]string{}
	var order []string
	for _, w := range sortedKeys(kinds) {
		for _, k := range kinds[w] {
			text := "none"
			if obj, ok := o.For(w, k); ok {
				text = obj.SLO.readable()
			}
			if count[text] == 0 {
				order = append(order, text)
			}
			count[text]++
			if !slices.Contains(byObj[text], k) {
				byObj[text] = append(byObj[text], k)
			}
		}
	}
	if main == "" || count[main] == 0 {
		if len(order) == 0 {
			return main
		}
		slices.SortStableFunc(order, func(a, b string) int { return count[b] - count[a] })
		main = order[0]
	}
	parts := []string{main}
	for _, t := range order {
		if t != main {
			parts = append(parts, strings.Join(byObj[t], ", ")+": "+t)
		}
	}
	return strings.Join(parts, "; ")
}

// readable formats the SLO for sentences: "p99 ≤ 10ms".
func (s SLO) readable() string {
	parts := make([]string, len(s.Bounds))
	for i, b := range s.Bounds {
		parts[i] = fmt.Sprintf("%s ≤ %s", percentileName(b.Percentile), b.Limit)
		if b.Kind != "" {
			parts[i] = b.Kind + " " + parts[i]
		}
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Percentile returns latency percentile p (0 < p < 100) of a summary in
// microseconds: the summary's own figure for p50, p90, p95, p99 and p99.9,
// otherwise ok is false.
func (l Latency) Percentile(p float64) (us float64, ok bool) {
	switch p {
	case 50:
		return l.P50, true
	case 90:
		return l.P90, true
	case 95:
		return l.P95, true
	case 99:
		return l.P99, true
	case 99.9:
		return l.P999, true
	}
	return 0, false
}
