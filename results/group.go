package results

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// PatternOrder is the order reports list the access patterns in: the
// catalogue's order. Patterns not in it follow, sorted by name.
var PatternOrder = []string{"point", "crud", "agg", "graph", "search", "series", "wide"}

// ComparePatterns orders pattern names by PatternOrder.
func ComparePatterns(a, b string) int {
	ia, ib := slices.Index(PatternOrder, a), slices.Index(PatternOrder, b)
	if ia < 0 {
		ia = len(PatternOrder)
	}
	if ib < 0 {
		ib = len(PatternOrder)
	}
	return cmp.Or(cmp.Compare(ia, ib), strings.Compare(a, b))
}

// Group is one contender on one workload: the cells of one (workload,
// store, runner settings) combination, from one or several result files —
// its repetitions.
type Group struct {
	Workload string
	Pattern  string
	Store    string
	// Scale is the data scale of the group's cells: cells of one contender
	// at different scales are different groups (points of a sweep).
	Scale string
	// Label names the contender: the store, followed by its runner
	// settings when the results hold the store with several settings, and
	// by its series when results are shown side by side ("memory · a").
	Label string
	// Contender is Label without the series.
	Contender string
	// Series is the label of the result the cells come from, when results
	// are shown side by side (Result.Label), else "".
	Series string
	// Cells are the repetitions, in the order they were found.
	Cells []*Cell
	key   string
}

// Groups collects the cells of results into groups, ordered by pattern,
// workload and label. Cells of one workload and store with the same runner
// settings are repetitions of one group (from `run --repeat`, or from
// several result files); with different settings (workers, rate) they are
// different contenders, labelled "store (4 workers)". Results with a Label
// are series side by side: their cells are never repetitions of another
// series' cells.
func Groups(rs []*Result) []*Group {
	var out []*Group
	byKey := map[string]*Group{}
	for _, r := range rs {
		for i := range r.Cells {
			c := &r.Cells[i]
			key := c.Workload + "\x00" + c.Store + "\x00" + settingsKey(c) + "\x00" + r.Label + "\x00" + c.scaleOf()
			g := byKey[key]
			if g == nil {
				pattern := c.Pattern
				if pattern == "" {
					pattern, _, _ = strings.Cut(c.Workload, "/")
				}
				g = &Group{Workload: c.Workload, Pattern: pattern, Store: c.Store, Label: c.Store, Series: r.Label, Scale: c.scaleOf(), key: settingsKey(c)}
				byKey[key] = g
				out = append(out, g)
			}
			g.Cells = append(g.Cells, c)
		}
	}
	labelGroups(out)
	series := map[string]int{} // series label → position of its first result
	for i, r := range rs {
		if _, ok := series[r.Label]; !ok {
			series[r.Label] = i
		}
	}
	slices.SortStableFunc(out, func(a, b *Group) int {
		return cmp.Or(ComparePatterns(a.Pattern, b.Pattern), strings.Compare(a.Workload, b.Workload),
			strings.Compare(a.Contender, b.Contender), cmp.Compare(series[a.Series], series[b.Series]), CompareScales(a.Scale, b.Scale))
	})
	return out
}

// settingsKey identifies the runner settings that make two cells of one
// workload and store different contenders: workers (a count, or the rule
// that chose it: the counts the capacity ramp finds differ per workload
// and still make one contender), and the loop (closed, a target rate, or
// a find-max search).
func settingsKey(c *Cell) string {
	p := c.Params
	workers := fmt.Sprintf("%d workers", p.Workers)
	switch p.WorkersRule {
	case WorkersAuto:
		workers = "workers auto"
	case WorkersLow:
		workers = "latency at low load"
	}
	mode := "closed loop"
	if c.MaxRate != nil {
		mode = "find-max " + c.MaxRate.SLO
	} else if p.Rate > 0 {
		mode = FormatRate(p.Rate) + " ops/s"
	}
	return workers + "\x00" + mode
}

// labelGroups gives groups of a store that appears with several settings
// labels that tell them apart: the store's most common settings keep the
// bare store name, the others get the settings that differ from them in
// parentheses, "redis (10,000 ops/s)". A store's label is the same on every
// workload, so a contender is one line across the whole report.
func labelGroups(gs []*Group) {
	counts := map[string]map[string]int{}
	var order []string
	for _, g := range gs {
		if counts[g.Store] == nil {
			counts[g.Store] = map[string]int{}
		}
		if counts[g.Store][g.key] == 0 {
			order = append(order, g.Store+"\x01"+g.key)
		}
		counts[g.Store][g.key]++
	}
	main := map[string]string{}
	for _, sk := range order {
		store, key, _ := strings.Cut(sk, "\x01")
		if m, ok := main[store]; !ok || counts[store][key] > counts[store][m] {
			main[store] = key
		}
	}
	for _, g := range gs {
		g.Contender = g.Store
		if m := main[g.Store]; g.key != m {
			workers, mode, _ := strings.Cut(g.key, "\x00")
			mWorkers, mMode, _ := strings.Cut(m, "\x00")
			var diff []string
			if workers != mWorkers {
				diff = append(diff, workers)
			}
			if mode != mMode {
				diff = append(diff, mode)
			}
			g.Contender = g.Store + " (" + strings.Join(diff, ", ") + ")"
		}
		g.Label = g.Contender
		if g.Series != "" {
			g.Label += " · " + g.Series
		}
	}
}

// Measured returns the repetitions that completed a measured run.
func (g *Group) Measured() []*Cell {
	var out []*Cell
	for _, c := range g.Cells {
		if c.Status == StatusOK && c.Run != nil {
			out = append(out, c)
		}
	}
	return out
}

// Status is the group's status: ok when a repetition was measured,
// otherwise the status of the first repetition (n/a, failed, …).
func (g *Group) Status() string {
	if len(g.Measured()) > 0 {
		return StatusOK
	}
	return g.Cells[0].Status
}

// Validation summarizes the repetitions' validation: failed if any failed,
// passed if any passed and none failed, else skipped (or "" when no
// repetition validated).
func (g *Group) Validation() string {
	out := ""
	for _, c := range g.Cells {
		if c.Validation == nil {
			continue
		}
		switch c.Validation.Status {
		case ValidationFailed:
			return ValidationFailed
		case ValidationPassed:
			out = ValidationPassed
		case ValidationSkipped:
			if out == "" {
				out = ValidationSkipped
			}
		}
	}
	return out
}

// Throughputs returns the successful operations per second of each measured
// repetition.
func (g *Group) Throughputs() []float64 {
	var out []float64
	for _, c := range g.Measured() {
		out = append(out, c.Run.OpsPerSec)
	}
	return out
}

// LatencyPercentiles returns percentile p (µs, all kinds together,
// corrected) of each measured repetition.
func (g *Group) LatencyPercentiles(p float64) []float64 {
	var out []float64
	for _, c := range g.Measured() {
		out = append(out, c.Run.Percentile(p))
	}
	return out
}

// InclusivePercentiles returns percentile p (µs, all kinds together) of
// each measured repetition over every scheduled operation: failed
// operations at their time to failure and dropped ones included.
func (g *Group) InclusivePercentiles(p float64) []float64 {
	var out []float64
	for _, c := range g.Measured() {
		out = append(out, c.Run.InclusivePercentile(p))
	}
	return out
}

// LoadRates returns the load phase's rows per second of each repetition
// that loaded.
func (g *Group) LoadRates() []float64 {
	var out []float64
	for _, c := range g.Cells {
		if c.Load != nil && c.Load.RowsPerSec > 0 && c.Status != StatusNA {
			out = append(out, c.Load.RowsPerSec)
		}
	}
	return out
}

// Histogram returns the latency histogram of all measured repetitions and
// kinds together (corrected, or uncorrected: nil when there is none).
func (g *Group) Histogram(uncorrected bool) *hdr.Histogram {
	var h *hdr.Histogram
	for _, c := range g.Measured() {
		ch := c.Run.OverallHistogram(uncorrected)
		if ch == nil {
			continue
		}
		if h == nil {
			h = ch
		} else {
			h.Merge(ch)
		}
	}
	return h
}

// KindHistogram returns the latency histogram of operation kind over all
// measured repetitions (corrected, or uncorrected), nil when no repetition
// recorded one.
func (g *Group) KindHistogram(kind string, uncorrected bool) *hdr.Histogram {
	var h *hdr.Histogram
	for _, c := range g.Measured() {
		for _, k := range c.Run.Kinds {
			enc := k.Histogram
			if uncorrected {
				enc = k.UncorrectedHistogram
			}
			if k.Kind != kind || enc == "" {
				continue
			}
			kh, err := DecodeHistogram(enc)
			if err != nil {
				continue
			}
			if h == nil {
				h = kh
			} else {
				h.Merge(kh)
			}
		}
	}
	return h
}

// Percentile returns latency percentile p (µs) of all kinds of the run
// together, corrected for coordinated omission under open loop.
func (r *Run) Percentile(p float64) float64 {
	if len(r.Kinds) == 1 {
		if v, ok := r.Kinds[0].Latency.Percentile(p); ok {
			return v
		}
	}
	return Quantile(r.OverallHistogram(false), p)
}

// Median returns the median of xs (0 for none).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// GeoMean returns the geometric mean of positive xs: +Inf if one is +Inf, 0
// if one is 0 or none is given.
func GeoMean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var sum float64
	for _, x := range xs {
		if x <= 0 {
			return 0
		}
		if math.IsInf(x, 1) {
			return math.Inf(1)
		}
		sum += math.Log(x)
	}
	return math.Exp(sum / float64(len(xs)))
}

// Figures are a group's headline figures over its repetitions.
type Figures struct {
	// Runs counts the measured repetitions.
	Runs int
	// OpsPerSec is the median throughput; OpsLo and OpsHi the lowest and
	// highest of the repetitions.
	OpsPerSec, OpsLo, OpsHi float64
	// P50 and P99 are the medians of the repetitions' percentiles (µs).
	P50, P99 float64
	// Errors sums the failed operations of all repetitions.
	Errors int64
	// LoadRowsPerSec is the median load rate.
	LoadRowsPerSec float64
}

// Figures computes the group's headline figures.
func (g *Group) Figures() Figures {
	thr := g.Throughputs()
	f := Figures{Runs: len(thr), OpsPerSec: Median(thr), P50: Median(g.LatencyPercentiles(50)),
		P99: Median(g.LatencyPercentiles(99)), LoadRowsPerSec: Median(g.LoadRates())}
	if len(thr) > 0 {
		f.OpsLo, f.OpsHi = slices.Min(thr), slices.Max(thr)
	}
	for _, c := range g.Measured() {
		f.Errors += c.Run.Errors
	}
	return f
}

// Spread formats the spread of the repetitions' throughput around the
// median as "±3%" (the larger distance to the lowest or highest), or "" for
// a single repetition.
func (f Figures) Spread() string {
	if f.Runs < 2 || f.OpsPerSec <= 0 {
		return ""
	}
	d := max(f.OpsHi-f.OpsPerSec, f.OpsPerSec-f.OpsLo) / f.OpsPerSec
	return fmt.Sprintf("±%.0f%%", 100*d)
}

// KindFigures summarizes one operation kind over all measured repetitions
// of a group: histograms merged, counts and errors added.
type KindFigures struct {
	Kind    string
	Count   int64
	Errors  int64
	Dropped int64
	// Latency holds the successful operations; Inclusive, when some
	// failed or were dropped, every scheduled one (OpStats.Inclusive).
	Latency     Latency
	Inclusive   *Latency
	Uncorrected *Latency
}

// Kinds returns the group's operation kinds over all its repetitions.
func (g *Group) Kinds() []KindFigures {
	var out []KindFigures
	idx := map[string]int{}
	// Per kind: successful, all scheduled (when any failed or dropped),
	// uncorrected.
	hs := map[string]*[3]*hdr.Histogram{}
	merge := func(dst **hdr.Histogram, h *hdr.Histogram) {
		if *dst == nil {
			*dst = NewHistogram()
		}
		(*dst).Merge(h)
	}
	for _, c := range g.Measured() {
		for _, k := range c.Run.Kinds {
			i, ok := idx[k.Kind]
			if !ok {
				i = len(out)
				idx[k.Kind] = i
				out = append(out, KindFigures{Kind: k.Kind})
				hs[k.Kind] = &[3]*hdr.Histogram{NewHistogram(), nil, nil}
			}
			out[i].Count += k.Count
			out[i].Errors += k.ErrorCount()
			out[i].Dropped += k.Dropped
			set := hs[k.Kind]
			if h, err := DecodeHistogram(k.Histogram); err == nil {
				set[0].Merge(h)
			}
			if k.Inclusive != nil {
				merge(&set[1], k.InclusiveHistogram())
			}
			if k.UncorrectedHistogram != "" {
				if h, err := DecodeHistogram(k.UncorrectedHistogram); err == nil {
					merge(&set[2], h)
				}
			}
		}
	}
	for i := range out {
		set := hs[out[i].Kind]
		out[i].Latency = Summarize(set[0])
		if set[1] != nil {
			// Repetitions without failures hold every operation in the
			// successful histogram.
			for _, c := range g.Measured() {
				for _, k := range c.Run.Kinds {
					if k.Kind == out[i].Kind && k.Inclusive == nil {
						if h, err := DecodeHistogram(k.Histogram); err == nil {
							set[1].Merge(h)
						}
					}
				}
			}
			in := Summarize(set[1])
			out[i].Inclusive = &in
		}
		if set[2] != nil {
			u := Summarize(set[2])
			out[i].Uncorrected = &u
		}
	}
	return out
}

// IntervalSeconds returns the length of interval i of the run: one second,
// except the last, which ends with the measured phase and may be short.
func (r *Run) IntervalSeconds(i int) float64 {
	if i < 0 || i >= len(r.Intervals) {
		return 0
	}
	if i < len(r.Intervals)-1 {
		return 1
	}
	rest := r.Seconds - float64(r.Intervals[i].T)
	if rest <= 0 || rest > 1 {
		return 1
	}
	return rest
}

// MinIntervalSeconds is the shortest interval plots and comparisons use: a
// shorter last interval (the sliver after the measured phase's last whole
// second) holds too few operations to say anything.
const MinIntervalSeconds = 0.5

// SteadyIntervals returns the run's intervals without a last interval
// shorter than MinIntervalSeconds.
func (r *Run) SteadyIntervals() []Interval {
	ivs := r.Intervals
	if n := len(ivs); n > 0 && r.IntervalSeconds(n-1) < MinIntervalSeconds {
		ivs = ivs[:n-1]
	}
	return ivs
}
