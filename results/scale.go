package results

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// This file turns a sweep — cells of the same workloads and stores at
// several scales — into cost-growth curves (throughput, p99, load rate and
// bytes per record against data size) and the points where two stores'
// curves cross.

// scaleKey orders scales: quick is factor 1, full comes after every factor
// (each pattern's full size is at least 100 times its quick one), other
// scales by their factor.
func scaleKey(s string) float64 {
	switch s {
	case "", "quick":
		return 1
	case "full":
		return math.Inf(1)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.Inf(1)
	}
	return f
}

// CompareScales orders scale names by size.
func CompareScales(a, b string) int {
	return cmp.Or(cmp.Compare(scaleKey(a), scaleKey(b)), strings.Compare(a, b))
}

// scaleOf returns a cell's scale, "quick" for results that left it empty.
func (c *Cell) scaleOf() string {
	if c.Scale == "" {
		return "quick"
	}
	return c.Scale
}

// Scales returns the distinct scales of the cells of rs, smallest first.
func Scales(rs []*Result) []string {
	var out []string
	for _, r := range rs {
		for i := range r.Cells {
			if s := r.Cells[i].scaleOf(); !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	slices.SortFunc(out, CompareScales)
	return out
}

// AtScale returns shallow copies of rs holding only the cells of scale;
// results with none are left out.
func AtScale(rs []*Result, scale string) []*Result {
	var out []*Result
	for _, r := range rs {
		cp := *r
		cp.Cells = nil
		for _, c := range r.Cells {
			if c.scaleOf() == scale {
				cp.Cells = append(cp.Cells, c)
			}
		}
		if len(cp.Cells) > 0 {
			out = append(out, &cp)
		}
	}
	return out
}

// recordUnits names what each pattern's records are.
var recordUnits = map[string]string{
	"point": "records", "crud": "rows", "agg": "rows", "graph": "edges",
	"search": "documents", "series": "readings", "wide": "rows",
}

// RecordUnit names what a pattern's records are: "edges" for graph,
// "documents" for search, "readings" for series, "rows" or "records"
// otherwise.
func RecordUnit(pattern string) string {
	if u, ok := recordUnits[pattern]; ok {
		return u
	}
	return "rows"
}

// DataRecords returns the number of records of the cell's data set (rows,
// edges, documents, readings): Records, or for results without it the rows
// its load phase wrote.
func (c *Cell) DataRecords() int64 {
	if c.Records > 0 {
		return c.Records
	}
	if c.Load != nil {
		return c.Load.Rows
	}
	return 0
}

// FormatSize formats a count compactly: 950, 12 k, 1.5 M, 2 G.
func FormatSize(x float64) string {
	switch {
	case x >= 1e9:
		return trimZeros(fmt.Sprintf("%.1f", x/1e9)) + " G"
	case x >= 1e6:
		return trimZeros(fmt.Sprintf("%.1f", x/1e6)) + " M"
	case x >= 1e3:
		return trimZeros(fmt.Sprintf("%.1f", x/1e3)) + " k"
	}
	return fmt.Sprintf("%.0f", x)
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// CostPoint is one contender's figures on one workload at one data size,
// over its repetitions (medians).
type CostPoint struct {
	Scale string
	// Records is the data set's size in records (RecordUnit).
	Records int64
	// OpsPerSec and P99Us are the measured throughput and p99 (all kinds
	// together, failed and dropped operations included); KindP99 the p99
	// of each operation kind.
	OpsPerSec, P99Us float64
	KindP99          map[string]float64
	// LoadRowsPerSec is the load rate; LoadSeconds the load's duration.
	LoadRowsPerSec, LoadSeconds float64
	// StorageBytes is the store's size on disk after the load (0: not
	// reported), BytesPerRecord the same per record.
	StorageBytes   int64
	BytesPerRecord float64
	// MemoryBound is the memory bound the store ran under, if any.
	MemoryBound string
	// Usable is true when the point was measured and its answers were
	// checked and right: only usable points enter curves' comparisons.
	// Why says why a point is not usable.
	Usable bool
	Why    string
}

// CostCurve is one contender's points on one workload, smallest data
// first.
type CostCurve struct {
	Workload, Pattern string
	// Label names the contender (as Groups labels it); Store is the store.
	Label, Store string
	Points       []CostPoint
}

// Usable returns the curve's usable points.
func (c *CostCurve) Usable() []CostPoint {
	var out []CostPoint
	for _, p := range c.Points {
		if p.Usable {
			out = append(out, p)
		}
	}
	return out
}

// Sizes returns the distinct data sizes of the curve's points.
func (c *CostCurve) Sizes() []int64 {
	var out []int64
	for _, p := range c.Points {
		if !slices.Contains(out, p.Records) {
			out = append(out, p.Records)
		}
	}
	return out
}

// CostCurves collects the groups of rs into one curve per (workload,
// contender), with a point per scale, ordered by pattern, workload and
// label. Every curve is returned, also those with a single point.
func CostCurves(rs []*Result) []CostCurve {
	var out []CostCurve
	idx := map[string]int{}
	for _, g := range Groups(rs) {
		key := g.Workload + "\x00" + g.Label
		i, ok := idx[key]
		if !ok {
			i = len(out)
			idx[key] = i
			out = append(out, CostCurve{Workload: g.Workload, Pattern: g.Pattern, Label: g.Label, Store: g.Store})
		}
		out[i].Points = append(out[i].Points, costPoint(g))
	}
	for i := range out {
		slices.SortStableFunc(out[i].Points, func(a, b CostPoint) int {
			return cmp.Or(cmp.Compare(a.Records, b.Records), CompareScales(a.Scale, b.Scale))
		})
	}
	return out
}

// costPoint summarizes a group (one contender at one scale).
func costPoint(g *Group) CostPoint {
	c0 := g.Cells[0]
	p := CostPoint{Scale: g.Scale, Records: c0.DataRecords(), MemoryBound: c0.MemoryBound, KindP99: map[string]float64{}}
	var loads, secs, sizes []float64
	for _, c := range g.Cells {
		if c.Load != nil && c.Load.RowsPerSec > 0 && c.Status != StatusNA {
			loads = append(loads, c.Load.RowsPerSec)
			secs = append(secs, c.Load.Seconds)
		}
		if c.StorageBytes > 0 {
			sizes = append(sizes, float64(c.StorageBytes))
		}
	}
	p.LoadRowsPerSec, p.LoadSeconds = Median(loads), Median(secs)
	if len(sizes) > 0 {
		p.StorageBytes = int64(Median(sizes))
		if p.Records > 0 {
			p.BytesPerRecord = float64(p.StorageBytes) / float64(p.Records)
		}
	}
	switch {
	case g.Status() != StatusOK:
		p.Why = g.Status()
		if e := c0.Error; e != "" && p.Why != StatusNA {
			p.Why += ": " + firstLine(e)
		}
		return p
	case g.Validation() == ValidationFailed:
		p.Why = "wrong answers (validation failed)"
	case g.Validation() != ValidationPassed:
		p.Why = "answers not checked"
	}
	p.OpsPerSec = Median(g.Throughputs())
	p.P99Us = Median(g.InclusivePercentiles(99))
	for _, k := range g.Kinds() {
		l := k.Latency
		if k.Inclusive != nil {
			l = *k.Inclusive
		}
		p.KindP99[k.Kind] = l.P99
	}
	p.Usable = p.Why == "" && p.OpsPerSec > 0
	return p
}

// Slope returns the exponent b of the power law y ∝ records^b fitted by
// least squares to the usable points' log-log values of metric (see
// metricOf), and whether there were two sizes to fit.
func (c *CostCurve) Slope(metric string) (float64, bool) {
	var xs, ys []float64
	for _, p := range c.Usable() {
		if y := metricOf(p, metric); y > 0 && p.Records > 0 {
			xs, ys = append(xs, math.Log(float64(p.Records))), append(ys, math.Log(y))
		}
	}
	if len(xs) < 2 {
		return 0, false
	}
	var mx, my float64
	for i := range xs {
		mx, my = mx+xs[i], my+ys[i]
	}
	mx, my = mx/float64(len(xs)), my/float64(len(xs))
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return 0, false
	}
	return sxy / sxx, true
}

// Metrics of a cost point that curves compare.
const (
	MetricThroughput = "throughput"
	MetricP99        = "p99"
	MetricLoad       = "load"
	MetricBytes      = "bytes"
)

// metricOf returns a point's value of metric: "throughput", "p99",
// "load", "bytes", or "p99:KIND" for one operation kind.
func metricOf(p CostPoint, metric string) float64 {
	switch metric {
	case MetricThroughput:
		return p.OpsPerSec
	case MetricP99:
		return p.P99Us
	case MetricLoad:
		return p.LoadRowsPerSec
	case MetricBytes:
		return p.BytesPerRecord
	}
	if k, ok := strings.CutPrefix(metric, MetricP99+":"); ok {
		return p.KindP99[k]
	}
	return 0
}

// higherIsBetter says which way a metric improves.
func higherIsBetter(metric string) bool { return metric == MetricThroughput || metric == MetricLoad }

// Crossover is a data size at which one contender's curve crosses
// another's: Before is ahead at the smaller sizes, After at the larger.
type Crossover struct {
	Workload, Pattern string
	// Metric is "throughput", "p99", or "p99:KIND" for one operation kind.
	Metric        string
	Before, After string
	// At is where the curves cross, in records, interpolated linearly on
	// the log-log curves between the measured sizes Lo and Hi.
	At     float64
	Lo, Hi int64
	// Close is true when the two curves are within 10 % of each other at
	// both measured sizes: the crossing is within the noise of one run.
	Close bool
}

// closeRatio is the ratio within which two measurements are too close to
// call a crossing between them.
const closeRatio = 1.1

// Sentence states the crossover in words: "postgres's graph/path p99
// passes neo4j's at ~2.3 M edges (between 1 M and 10 M measured)".
func (x Crossover) Sentence() string {
	unit := RecordUnit(x.Pattern)
	what, kind := x.Metric, ""
	if k, ok := strings.CutPrefix(x.Metric, MetricP99+":"); ok {
		what, kind = MetricP99, " "+k
	}
	var s string
	if higherIsBetter(what) {
		s = fmt.Sprintf("%s's %s%s throughput overtakes %s's at ~%s %s", x.After, x.Workload, kind, x.Before, FormatSize(x.At), unit)
	} else {
		s = fmt.Sprintf("%s's %s%s p99 passes %s's at ~%s %s", x.Before, x.Workload, kind, x.After, FormatSize(x.At), unit)
	}
	s += fmt.Sprintf(" (between %s and %s measured)", FormatSize(float64(x.Lo)), FormatSize(float64(x.Hi)))
	if x.Close {
		s += ", but the two are within 10% of each other on both sides: within the noise of one run"
	}
	return s
}

// Crossovers finds, for every workload and every pair of contenders, the
// sizes at which their throughput, p99 or a kind's p99 curves cross:
// between two consecutive sizes both measured with checked answers, where
// the one ahead changes. Ordered by workload, metric, then size.
func Crossovers(curves []CostCurve) []Crossover {
	var out []Crossover
	byWorkload := map[string][]*CostCurve{}
	var order []string
	for i := range curves {
		c := &curves[i]
		if _, ok := byWorkload[c.Workload]; !ok {
			order = append(order, c.Workload)
		}
		byWorkload[c.Workload] = append(byWorkload[c.Workload], c)
	}
	for _, w := range order {
		cs := byWorkload[w]
		for _, metric := range curveMetrics(cs) {
			for i := range cs {
				for j := i + 1; j < len(cs); j++ {
					out = append(out, crossings(cs[i], cs[j], metric)...)
				}
			}
		}
	}
	return out
}

// curveMetrics returns the metrics crossovers are looked for on: throughput
// and p99, and each kind's p99 when the workload has several kinds.
func curveMetrics(cs []*CostCurve) []string {
	ms := []string{MetricThroughput, MetricP99}
	var kinds []string
	for _, c := range cs {
		for _, p := range c.Points {
			for k := range p.KindP99 {
				if !slices.Contains(kinds, k) {
					kinds = append(kinds, k)
				}
			}
		}
	}
	if len(kinds) > 1 {
		slices.Sort(kinds)
		for _, k := range kinds {
			ms = append(ms, MetricP99+":"+k)
		}
	}
	return ms
}

// crossings returns where the curves of a and b cross on metric.
func crossings(a, b *CostCurve, metric string) []Crossover {
	type pt struct {
		x      float64
		ya, yb float64
	}
	var pts []pt
	for _, pa := range a.Usable() {
		for _, pb := range b.Usable() {
			ya, yb := metricOf(pa, metric), metricOf(pb, metric)
			if pa.Records == pb.Records && pa.Records > 0 && ya > 0 && yb > 0 {
				pts = append(pts, pt{float64(pa.Records), ya, yb})
			}
		}
	}
	better := func(p pt) float64 { // > 0: a is ahead
		d := math.Log(p.ya / p.yb)
		if !higherIsBetter(metric) {
			d = -d
		}
		return d
	}
	var out []Crossover
	last := -1 // the last point where one of the two was ahead
	for i := range pts {
		di := better(pts[i])
		if di == 0 {
			continue
		}
		if last >= 0 && (better(pts[last]) > 0) != (di > 0) {
			p, q := pts[last], pts[i]
			dp, dq := better(p), di
			at := math.Exp(math.Log(p.x) + (math.Log(q.x)-math.Log(p.x))*dp/(dp-dq))
			if i > last+1 {
				at = pts[last+1].x // equal at a measured size between
			}
			x := Crossover{Workload: a.Workload, Pattern: a.Pattern, Metric: metric, At: at, Lo: int64(p.x), Hi: int64(q.x),
				Close: math.Abs(dp) < math.Log(closeRatio) && math.Abs(dq) < math.Log(closeRatio)}
			x.Before, x.After = a.Label, b.Label
			if dp < 0 {
				x.Before, x.After = b.Label, a.Label
			}
			out = append(out, x)
		}
		last = i
	}
	return out
}

// CostSummary states, per workload measured at several sizes, who leads on
// throughput and p99 at the smallest and the largest size, how each
// contender's throughput and p99 grow with the data (the exponent of a
// power law fitted to its usable points), the crossovers, and the points
// that could not be used and why.
func CostSummary(curves []CostCurve) []string {
	var out []string
	byWorkload := map[string][]*CostCurve{}
	var order []string
	for i := range curves {
		c := &curves[i]
		if len(c.Sizes()) < 2 {
			continue
		}
		if _, ok := byWorkload[c.Workload]; !ok {
			order = append(order, c.Workload)
		}
		byWorkload[c.Workload] = append(byWorkload[c.Workload], c)
	}
	xs := Crossovers(curves)
	for _, w := range order {
		cs := byWorkload[w]
		out = append(out, leaderSentences(w, cs)...)
		for _, c := range cs {
			if s := growthSentence(c); s != "" {
				out = append(out, s)
			}
		}
		for _, x := range xs {
			if x.Workload == w {
				out = append(out, x.Sentence()+".")
			}
		}
		for _, c := range cs {
			for _, p := range c.Points {
				if !p.Usable && p.Why != StatusNA {
					out = append(out, fmt.Sprintf("%s on %s at %s %s (scale %s) is left out: %s.", w, c.Label, FormatSize(float64(p.Records)), RecordUnit(c.Pattern), p.Scale, p.Why))
				}
			}
		}
	}
	return out
}

// leaderSentences says who leads a workload on throughput and p99 at its
// smallest and largest usable sizes.
func leaderSentences(w string, cs []*CostCurve) []string {
	var sizes []int64
	for _, c := range cs {
		for _, p := range c.Usable() {
			if !slices.Contains(sizes, p.Records) {
				sizes = append(sizes, p.Records)
			}
		}
	}
	if len(sizes) == 0 {
		return nil
	}
	slices.Sort(sizes)
	unit := RecordUnit(cs[0].Pattern)
	var out []string
	for _, metric := range []string{MetricThroughput, MetricP99} {
		var parts []string
		for _, size := range []int64{sizes[0], sizes[len(sizes)-1]} {
			best, bv := "", 0.0
			for _, c := range cs {
				for _, p := range c.Usable() {
					v := metricOf(p, metric)
					if p.Records != size || v <= 0 {
						continue
					}
					if best == "" || (higherIsBetter(metric) && v > bv) || (!higherIsBetter(metric) && v < bv) {
						best, bv = c.Label, v
					}
				}
			}
			if best == "" {
				continue
			}
			val := FormatRate(bv) + " ops/s"
			if metric == MetricP99 {
				val = FormatMicros(bv) + " µs"
			}
			parts = append(parts, fmt.Sprintf("at %s %s %s leads (%s)", FormatSize(float64(size)), unit, best, val))
			if len(sizes) == 1 {
				break
			}
		}
		if len(parts) > 0 {
			out = append(out, fmt.Sprintf("%s %s: %s.", w, metric, strings.Join(parts, "; ")))
		}
	}
	return out
}

// growthSentence states how a contender's throughput and p99 grow with the
// data: "sqlite on graph/deep: throughput ∝ size^-0.62, p99 ∝ size^0.71
// over 100 k–14 M edges", and the memory bound the server ran under, if
// any.
func growthSentence(c *CostCurve) string {
	us := c.Usable()
	if len(us) < 2 {
		return ""
	}
	t, ok1 := c.Slope(MetricThroughput)
	p, ok2 := c.Slope(MetricP99)
	if !ok1 || !ok2 {
		return ""
	}
	var bounds []string
	for _, u := range us {
		if u.MemoryBound != "" && !slices.Contains(bounds, u.MemoryBound) {
			bounds = append(bounds, u.MemoryBound)
		}
	}
	under := ""
	if len(bounds) > 0 {
		under = ", under the memory bound " + strings.Join(bounds, " / ")
	}
	return fmt.Sprintf("%s on %s: throughput ∝ size^%+.2f, p99 ∝ size^%+.2f over %s–%s %s%s.", c.Label, c.Workload, t, p,
		FormatSize(float64(us[0].Records)), FormatSize(float64(us[len(us)-1].Records)), RecordUnit(c.Pattern), under)
}

// CheckScale reports a scale or size that rs cannot answer for: a scale
// none of their cells ran at. (Any size can be answered: the nearest
// measured one is used and the notes say so.)
func CheckScale(rs []*Result, scale string) error {
	if scale == "" {
		return nil
	}
	all := Scales(rs)
	if !slices.Contains(all, scale) {
		return fmt.Errorf("the results hold no cell at scale %s (scales measured: %s)", scale, strings.Join(all, ", "))
	}
	return nil
}

// SelectScale keeps, of results holding a sweep, the cells a ranking is
// for, and says which in notes: with scale, the cells of that scale; with
// size (records), for each pattern the cells of the smallest scale whose
// data holds at least size records (the largest measured when none does,
// with a caution: costs grow with the data); otherwise the largest scale.
// Results of a single scale are returned as they are.
func SelectScale(rs []*Result, scale string, size int64) ([]*Result, []string) {
	scales := Scales(rs)
	switch {
	case scale != "":
		return AtScale(rs, scale), []string{fmt.Sprintf("Ranked at scale %s.", scale)}
	case size > 0:
		return atSize(rs, size)
	case len(scales) > 1:
		top := scales[len(scales)-1]
		return AtScale(rs, top), []string{fmt.Sprintf("The results hold a sweep over scales %s; ranked at the largest, %s (pick --scale or --size for another).", strings.Join(scales, ", "), top)}
	}
	return rs, nil
}

// atSize keeps, per pattern, the cells of the scale nearest at or above
// size records.
func atSize(rs []*Result, size int64) ([]*Result, []string) {
	// Per pattern, the records of each scale measured.
	sizes := map[string]map[string]int64{}
	var patterns []string
	for _, r := range rs {
		for i := range r.Cells {
			c := &r.Cells[i]
			p := c.patternOf()
			if sizes[p] == nil {
				sizes[p] = map[string]int64{}
				patterns = append(patterns, p)
			}
			if n := c.DataRecords(); n > sizes[p][c.scaleOf()] {
				sizes[p][c.scaleOf()] = n
			}
		}
	}
	slices.SortFunc(patterns, ComparePatterns)
	chosen := map[string]string{}
	var notes []string
	for _, p := range patterns {
		var best, largest string
		for sc, n := range sizes[p] {
			if n >= size && (best == "" || n < sizes[p][best]) {
				best = sc
			}
			if largest == "" || n > sizes[p][largest] {
				largest = sc
			}
		}
		unit := RecordUnit(p)
		if best != "" {
			chosen[p] = best
			notes = append(notes, fmt.Sprintf("%s: ranked at %s %s (scale %s), the smallest size measured at or above %s.", p, FormatSize(float64(sizes[p][best])), unit, best, FormatSize(float64(size))))
			continue
		}
		chosen[p] = largest
		notes = append(notes, fmt.Sprintf("%s: the largest size measured, %s %s (scale %s), is below %s: ranked there, and costs at %s are likely higher (see the cost-growth curves).",
			p, FormatSize(float64(sizes[p][largest])), unit, largest, FormatSize(float64(size)), FormatSize(float64(size))))
	}
	var out []*Result
	for _, r := range rs {
		cp := *r
		cp.Cells = nil
		for _, c := range r.Cells {
			if chosen[c.patternOf()] == c.scaleOf() {
				cp.Cells = append(cp.Cells, c)
			}
		}
		if len(cp.Cells) > 0 {
			out = append(out, &cp)
		}
	}
	return out, notes
}

// patternOf returns the cell's pattern, from its workload's name for
// results that left it empty.
func (c *Cell) patternOf() string {
	if c.Pattern != "" {
		return c.Pattern
	}
	p, _, _ := strings.Cut(c.Workload, "/")
	return p
}
