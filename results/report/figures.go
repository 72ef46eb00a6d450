package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/storefit/storefit/results"
)

// model is what the figures and the HTML report are drawn from.
type model struct {
	// all are the results as given; rs those of the data size the report
	// ranks (a sweep's largest scale, or as Pick's Scale or Size choose),
	// which every section but the cost growth is drawn from.
	all    []*results.Result
	rs     []*results.Result
	groups []*results.Group
	rec    *results.Recommendation
	opts   Options
	// labels are all contender labels, sorted; colors gives each one
	// colour.
	labels   []string
	colors   colorMap
	patterns []string
	// workloads lists each pattern's workloads, sorted.
	workloads map[string][]string
	// byKey finds a group by workload and label.
	byKey map[string]*results.Group
}

func newModel(rs []*results.Result, o Options) *model {
	sel, notes := results.SelectScale(rs, o.Pick.Scale, o.Pick.Size)
	m := &model{all: rs, rs: sel, opts: o, groups: results.Groups(sel), workloads: map[string][]string{}, byKey: map[string]*results.Group{}}
	m.rec = results.Pick(sel, o.Pick)
	m.rec.ScaleNotes = notes
	for _, g := range results.Groups(rs) {
		if !slices.Contains(m.labels, g.Label) {
			m.labels = append(m.labels, g.Label)
		}
	}
	for _, g := range m.groups {
		if !slices.Contains(m.labels, g.Label) {
			m.labels = append(m.labels, g.Label)
		}
		if !slices.Contains(m.patterns, g.Pattern) {
			m.patterns = append(m.patterns, g.Pattern)
		}
		if !slices.Contains(m.workloads[g.Pattern], g.Workload) {
			m.workloads[g.Pattern] = append(m.workloads[g.Pattern], g.Workload)
		}
		m.byKey[g.Workload+"\x00"+g.Label] = g
	}
	slices.Sort(m.labels)
	slices.SortFunc(m.patterns, results.ComparePatterns)
	m.colors = newColorMap(m.labels)
	return m
}

func (m *model) group(workload, label string) *results.Group {
	return m.byKey[workload+"\x00"+label]
}

// labelsOf returns the contender labels that ran any of the workloads.
func (m *model) labelsOf(workloads []string) []string {
	var out []string
	for _, l := range m.labels {
		for _, w := range workloads {
			if m.group(w, l) != nil {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

// sloP99 returns the p99 bound in µs of the objective that covers the
// pattern as a whole (its kinds may have their own), or 0.
func (m *model) sloP99(pattern string) float64 {
	if m.opts.Pick.Score {
		return 0
	}
	var recorded []results.Objective
	for _, r := range m.rs {
		recorded = append(recorded, r.Objectives...)
	}
	obj, ok := results.NewObjectives(m.opts.Pick.Objectives, recorded, results.DefaultObjectives()).ForPattern(pattern)
	if !ok {
		return 0
	}
	for _, b := range obj.SLO.Bounds {
		if b.Percentile == 99 {
			return float64(b.Limit) / 1e3
		}
	}
	return 0
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, s)
}

// --- store × pattern matrix ---

func (m *model) matrixFigure() *Figure {
	var rows []string
	for _, l := range m.labels {
		for _, pr := range m.rec.Patterns {
			if slices.ContainsFunc(pr.Ranked, func(c results.Contender) bool { return c.Store == l }) ||
				slices.ContainsFunc(pr.Excluded, func(c results.Contender) bool { return c.Store == l }) {
				rows = append(rows, l)
				break
			}
		}
	}
	cols := m.rec.Patterns
	mx := &matrix{Rows: len(rows), Cols: len(cols)}
	for _, l := range rows {
		var line []matrixCell
		for _, pr := range cols {
			cell := matrixCell{Text: "not run"}
			for _, c := range pr.Ranked {
				if c.Store == l {
					cell = matrixCell{Kind: "ranked", Score: 1 / c.Slowdown, Text: results.FormatSlowdown(c.Slowdown), Best: c.Rank == 1}
				}
			}
			for _, c := range pr.Excluded {
				if c.Store == l {
					cell = excludedCell(c)
				}
			}
			line = append(line, cell)
		}
		mx.Cells = append(mx.Cells, line)
	}
	p := newPlot("", "")
	p.Add(mx)
	var xt, yt []plot.Tick
	for i, pr := range cols {
		xt = append(xt, plot.Tick{Value: float64(i), Label: pr.Pattern})
	}
	for i, l := range rows {
		yt = append(yt, plot.Tick{Value: float64(len(rows) - 1 - i), Label: l})
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	p.X.Tick.Label.Font.Size = 12
	p.Y.Tick.Label.Font.Size = 11
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.LineStyle.Width = 0
		a.Tick.LineStyle.Width = 0
		a.Padding = 0
	}
	w := vg.Points(math.Max(560, 200+120*float64(len(cols))))
	h := vg.Points(40 + 34*float64(max(len(rows), 1)))
	return &Figure{
		Name:  "matrix",
		Title: "Store × pattern",
		Caption: "Each cell: the store's slowdown against the best store on the pattern under the ranking rule (1.00× is the best; the star marks the winner; " +
			"darker is better). Red: failed validation, never ranked. Grey: n/a (the store lacks the pattern). Blue: the reference oracle, whose answers passed validation and which is not ranked (it keeps nothing durable). Beige: measured but not ranked (see the ranking table for why).",
		Width: w, Height: h, draw: layout("", nil, p),
	}
}

// excludedCell turns a contender that was not ranked into a matrix cell,
// by the class of its reason.
func excludedCell(c results.Contender) matrixCell {
	switch c.Why {
	case results.WhyNA:
		return matrixCell{Kind: "na", Text: "n/a"}
	case results.WhyInvalid:
		return matrixCell{Kind: "invalid", Text: "failed validation"}
	case results.WhyOracle:
		return matrixCell{Kind: "reference", Text: "reference"}
	case results.WhySink:
		return matrixCell{Kind: "excluded", Text: "keeps no data"}
	case results.WhySLO:
		return matrixCell{Kind: "excluded", Text: "misses SLO"}
	case results.WhyExcluded:
		return matrixCell{Kind: "excluded", Text: "excluded"}
	case results.WhyUnvalidated:
		return matrixCell{Kind: "excluded", Text: "unvalidated"}
	case results.WhyErrors:
		return matrixCell{Kind: "excluded", Text: "errors"}
	case results.WhyDropped:
		return matrixCell{Kind: "excluded", Text: "dropped ops"}
	case results.WhyNoServer:
		return matrixCell{Kind: "excluded", Text: "server not measured"}
	}
	return matrixCell{Kind: "excluded", Text: "failed"}
}

// --- bars per pattern ---

// barsFigure draws one figure of grouped bars: the pattern's workloads on X,
// one bar per contender, with the figure of each group (median over the
// repetitions, error bars from the lowest to the highest).
func (m *model) barsFigure(name, title, ylabel string, workloads []string, value func(*results.Group) []float64, label func(float64) string, sloLine float64) *Figure {
	labels := m.labelsOf(workloads)
	bars := &groupedBars{NCats: len(workloads)}
	var all []float64
	for _, l := range labels {
		s := &barSeries{Label: l, Color: m.colors.of(l)}
		for _, w := range workloads {
			v, lo, hi, note, invalid := math.NaN(), math.NaN(), math.NaN(), "", false
			if g := m.group(w, l); g != nil {
				xs := value(g)
				switch {
				case len(xs) > 0:
					v = results.Median(xs)
					if len(xs) > 1 {
						lo, hi = slices.Min(xs), slices.Max(xs)
					}
					invalid = g.Validation() == results.ValidationFailed
				case g.Status() == results.StatusNA:
					note = "n/a"
				default:
					note = g.Status()
				}
			}
			s.Values = append(s.Values, v)
			s.Lo = append(s.Lo, lo)
			s.Hi = append(s.Hi, hi)
			s.Notes = append(s.Notes, note)
			s.Invalid = append(s.Invalid, invalid)
			all = append(all, v, lo, hi)
		}
		bars.Series = append(bars.Series, s)
	}
	if sloLine > 0 {
		all = append(all, sloLine)
	}
	bars.Log = spansDecades(all)
	leg := &legend{}
	p := newPlot("", ylabel)
	grid(p)
	p.Add(bars)
	if bars.Log {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicker(label)
	} else {
		p.Y.Tick.Marker = linearTicks(label)
	}
	for _, s := range bars.Series {
		leg.Add(s.Label, swatch{s.Color})
	}
	if sloLine > 0 {
		ls := draw.LineStyle{Color: colorFail, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
		l, _ := plotter.NewLine(plotter.XYs{{X: -0.5, Y: sloLine}, {X: float64(len(workloads)) - 0.5, Y: sloLine}})
		l.LineStyle = ls
		p.Add(l)
		leg.Add("SLO", lineThumb{ls})
	}
	var xt []plot.Tick
	for i, w := range workloads {
		xt = append(xt, plot.Tick{Value: float64(i), Label: w})
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.X.Tick.LineStyle.Width = 0
	width := vg.Points(math.Max(440, 100+float64(len(workloads)*max(len(labels), 2))*26))
	return &Figure{Name: name, Title: title, Width: width, Height: vg.Points(310), draw: layout(title, leg, p)}
}

func (m *model) throughputFigure(pattern string) *Figure {
	f := m.barsFigure("throughput-"+safeName(pattern), pattern+": throughput by store", "ops/s", m.workloads[pattern],
		(*results.Group).Throughputs, rateLabel, 0)
	f.Caption = "Successful operations per second, median over the repetitions; error bars span the lowest to the highest repetition. Red outline: failed validation."
	return f
}

func (m *model) p99Figure(pattern string) *Figure {
	f := m.barsFigure("p99-"+safeName(pattern), pattern+": p99 latency by store", "p99 latency", m.workloads[pattern],
		func(g *results.Group) []float64 { return g.InclusivePercentiles(99) }, latencyLabel, m.sloP99(pattern))
	f.Caption = "99th percentile latency of all operation kinds together (corrected for coordinated omission under open loop; failed operations at their time to failure and dropped ones included), median over the repetitions."
	if m.sloP99(pattern) > 0 {
		f.Caption += " Dashed red: the pattern's p99 objective (kinds with their own objective are listed in the ranking)."
	}
	return f
}

// loadFigure draws the load rate per pattern (categories) and store.
func (m *model) loadFigure() *Figure {
	// Each pattern's load rate: the median over all its workloads' loads.
	byPattern := map[string]map[string][]float64{}
	for _, g := range m.groups {
		if byPattern[g.Pattern] == nil {
			byPattern[g.Pattern] = map[string][]float64{}
		}
		byPattern[g.Pattern][g.Label] = append(byPattern[g.Pattern][g.Label], g.LoadRates()...)
	}
	bars := &groupedBars{NCats: len(m.patterns)}
	var all []float64
	var used []string
	for _, l := range m.labels {
		s := &barSeries{Label: l, Color: m.colors.of(l)}
		any := false
		for _, pat := range m.patterns {
			xs := byPattern[pat][l]
			v, lo, hi, note := math.NaN(), math.NaN(), math.NaN(), ""
			if len(xs) > 0 {
				v = results.Median(xs)
				any = true
				if len(xs) > 1 {
					lo, hi = slices.Min(xs), slices.Max(xs)
				}
			} else if slices.ContainsFunc(m.groups, func(g *results.Group) bool { return g.Pattern == pat && g.Label == l }) {
				note = "n/a"
			}
			s.Values, s.Lo, s.Hi, s.Notes = append(s.Values, v), append(s.Lo, lo), append(s.Hi, hi), append(s.Notes, note)
			all = append(all, v, lo, hi)
		}
		if any {
			bars.Series = append(bars.Series, s)
			used = append(used, l)
		}
	}
	bars.Log = spansDecades(all)
	leg := &legend{}
	p := newPlot("", "rows/s")
	grid(p)
	p.Add(bars)
	if bars.Log {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicker(rateLabel)
	} else {
		p.Y.Tick.Marker = linearTicks(rateLabel)
	}
	var xt []plot.Tick
	for i, pat := range m.patterns {
		xt = append(xt, plot.Tick{Value: float64(i), Label: pat})
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.X.Tick.LineStyle.Width = 0
	for _, s := range bars.Series {
		leg.Add(s.Label, swatch{s.Color})
	}
	width := vg.Points(math.Max(560, 100+float64(len(m.patterns)*max(len(used), 2))*22))
	return &Figure{Name: "load-rate", Title: "Load rate", Width: width, Height: vg.Points(310), draw: layout("Load rate by pattern and store", leg, p),
		Caption: "Rows written per second in the load phase (all loaders together), median over the pattern's workloads and repetitions."}
}

// --- latency spectrum ---

// spectrumPoints returns the latency percentile spectrum of h: x is
// 1/(1-p) (1 at p=0, 10 at 90%, 100 at 99%, …), y the latency in µs, up
// to the percentile the count resolves, and the maximum at x = count.
func spectrumPoints(h interface {
	TotalCount() int64
	ValueAtQuantile(float64) int64
	Max() int64
}) plotter.XYs {
	n := h.TotalCount()
	if n == 0 {
		return nil
	}
	// Beyond 99.9999% only the maximum is left to show.
	last := math.Min(float64(n), spectrumMaxX)
	var pts plotter.XYs
	for k := 0; ; k++ {
		x := math.Pow(10, float64(k)/20)
		if x >= last {
			break
		}
		q := 100 * (1 - 1/x)
		pts = append(pts, plotter.XY{X: x, Y: math.Max(float64(h.ValueAtQuantile(q))/1e3, 1e-3)})
	}
	pts = append(pts, plotter.XY{X: math.Max(last, 1.01), Y: math.Max(float64(h.Max())/1e3, 1e-3)})
	return pts
}

// spectrumMaxX is the right end of the spectrum's axis: 99.9999%.
const spectrumMaxX = 1e6

var percentileTicks = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
	labels := []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%", "99.99999%"}
	var ts []plot.Tick
	for d, l := range labels {
		v := math.Pow(10, float64(d))
		if v > hi*1.001 {
			break
		}
		ts = append(ts, plot.Tick{Value: v, Label: l})
		for mm := 2; mm <= 9; mm++ {
			if mv := v * float64(mm); mv <= hi {
				ts = append(ts, plot.Tick{Value: mv})
			}
		}
	}
	return ts
})

// kindsOf returns the operation kinds measured on workload, in the order
// they first appear.
func (m *model) kindsOf(workload string) []string {
	var kinds []string
	for _, g := range m.groups {
		if g.Workload != workload {
			continue
		}
		for _, c := range g.Measured() {
			for _, k := range c.Run.Kinds {
				if !slices.Contains(kinds, k.Kind) {
					kinds = append(kinds, k.Kind)
				}
			}
		}
	}
	return kinds
}

// spectrumFigures draws the latency spectrum of workload per operation kind
// (a read and a scan do not share a percentile curve, as YCSB and
// HdrHistogram's plotter keep them apart): one figure per kind, or one for
// a workload of a single kind.
func (m *model) spectrumFigures(workload string) []*Figure {
	kinds := m.kindsOf(workload)
	if len(kinds) <= 1 {
		return []*Figure{m.spectrumFigure(workload, "")}
	}
	var figs []*Figure
	for _, k := range kinds {
		figs = append(figs, m.spectrumFigure(workload, k))
	}
	return figs
}

// spectrumFigure draws the latency spectrum of one operation kind of
// workload, or of all its kinds together when kind is "".
func (m *model) spectrumFigure(workload, kind string) *Figure {
	hist := func(g *results.Group, uncorrected bool) *hdr.Histogram {
		if kind == "" {
			return g.Histogram(uncorrected)
		}
		return g.KindHistogram(kind, uncorrected)
	}
	labels := m.labelsOf([]string{workload})
	leg := &legend{}
	p := newPlot("percentile", "latency")
	grid(p)
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = percentileTicks
	p.X.Tick.Label.Font.Size = 9
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicker(latencyLabel)
	var ys []float64
	anyUncorrected := false
	for _, l := range labels {
		g := m.group(workload, l)
		if g == nil || len(g.Measured()) == 0 {
			continue
		}
		col := m.colors.of(l)
		if h := hist(g, false); h != nil && h.TotalCount() > 0 {
			pts := spectrumPoints(h)
			line, _ := plotter.NewLine(pts)
			line.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(1.8)}
			p.Add(line)
			leg.Add(l, line)
			for _, pt := range pts {
				ys = append(ys, pt.Y)
			}
		}
		if uh := hist(g, true); uh != nil && uh.TotalCount() > 0 {
			pts := spectrumPoints(uh)
			line, _ := plotter.NewLine(pts)
			line.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(4), vg.Points(2.5)}}
			p.Add(line)
			anyUncorrected = true
			for _, pt := range pts {
				ys = append(ys, pt.Y)
			}
		}
	}
	// A log axis needs a positive range even without data.
	p.Y.Min, p.Y.Max, _ = logRange(ys)
	if p.X.Max < 10 {
		p.X.Max = 10
	}
	p.X.Min = 1
	name, title, what := "spectrum-"+safeName(workload), workload, "all repetitions together"
	if kind != "" {
		name, title, what = name+"-"+safeName(kind), workload+" "+kind, kind+" operations only, all repetitions together"
	}
	caption := "Latency at each percentile, " + what + ", on the 1/(1−p) axis HdrHistogram plots use: the tail is spread out to the right; the last point of a line is the maximum."
	if anyUncorrected {
		leg.Add("uncorrected (dashed)", lineThumb{draw.LineStyle{Color: colorMuted, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(4), vg.Points(2.5)}}})
		caption += " Under open loop the solid line is corrected for coordinated omission (measured from the intended start); the dashed line is the uncorrected service time."
	}
	return &Figure{Name: name, Title: title + ": latency spectrum", Caption: caption, spectrumOf: workload,
		Width: vg.Points(440), Height: vg.Points(330), draw: layout(title+": latency by percentile", leg, p)}
}

// --- over time ---

func (m *model) timelineFigure(workload string) *Figure {
	labels := m.labelsOf([]string{workload})
	leg := &legend{}
	top := newPlot("", "ops/s")
	bottom := newPlot("seconds into the measured phase", "p99")
	grid(top)
	grid(bottom)
	bottom.Y.Scale = plot.LogScale{}
	bottom.Y.Tick.Marker = logTicker(latencyLabel)
	var p99s, thrs []float64
	var tmax float64
	var faults []string // descriptions of the injected faults
	for _, l := range labels {
		g := m.group(workload, l)
		if g == nil {
			continue
		}
		col := m.colors.of(l)
		for i, c := range g.Measured() {
			var thr, lat plotter.XYs
			for j, iv := range c.Run.SteadyIntervals() {
				length := c.Run.IntervalSeconds(j)
				x := float64(iv.T) + length/2
				tmax = math.Max(tmax, float64(iv.T)+length)
				thr = append(thr, plotter.XY{X: x, Y: iv.OpsPerSec})
				thrs = append(thrs, iv.OpsPerSec)
				if iv.P99Us > 0 {
					lat = append(lat, plotter.XY{X: x, Y: iv.P99Us})
					p99s = append(p99s, iv.P99Us)
				}
			}
			sty := draw.LineStyle{Color: col, Width: vg.Points(1.5)}
			if i > 0 {
				sty.Width = vg.Points(0.9)
			}
			if len(thr) > 0 {
				line, points, _ := plotter.NewLinePoints(thr)
				line.LineStyle = sty
				points.Shape = draw.CircleGlyph{}
				points.Color = col
				points.Radius = vg.Points(1.6)
				top.Add(line, points)
				if i == 0 {
					leg.Add(l, line)
				}
			}
			if len(lat) > 0 {
				line, points, _ := plotter.NewLinePoints(lat)
				line.LineStyle = sty
				points.Shape = draw.CircleGlyph{}
				points.Color = col
				points.Radius = vg.Points(1.6)
				bottom.Add(line, points)
			}
			if len(c.Run.Faults) > 0 {
				top.Add(&faultMarks{Faults: c.Run.Faults, Color: col, Labels: true})
				bottom.Add(&faultMarks{Faults: c.Run.Faults, Color: col})
				for _, f := range c.Run.Faults {
					faults = append(faults, l+": "+f.Label())
				}
			}
		}
	}
	// Throughput on a log axis when the contenders differ by more than two
	// decades, so the slow one (and its stalls) is not a line along zero.
	if lo, hi, ok := logRange(thrs); ok && spansDecades(thrs) && slices.Min(thrs) > 0 {
		top.Y.Scale = plot.LogScale{}
		top.Y.Tick.Marker = logTicker(rateLabel)
		top.Y.Min, top.Y.Max = lo, hi
	} else {
		top.Y.Tick.Marker = linearTicks(rateLabel)
		top.Y.Min = 0
	}
	for _, pl := range []*plot.Plot{top, bottom} {
		pl.X.Min, pl.X.Max = 0, math.Max(tmax, 1)
		pl.X.Tick.Marker = secondTicks(pl == bottom)
	}
	bottom.Y.Min, bottom.Y.Max, _ = logRange(p99s)
	w, h := vg.Points(440), vg.Points(380)
	drawFn := layout(workload+": throughput and p99 per second", leg, top, bottom)
	caption := "One point per second of the measured phase (each repetition its own line; a last interval shorter than half a second is left out): dips in throughput or jumps in p99 show stalls, a rising start shows warm-up not yet done."
	if len(faults) > 0 {
		caption += fmt.Sprintf(" Shaded: the window of each injected fault (until the server was back); dashed: the first second back at %.0f%% of the throughput before the fault. Faults: %s.", 100*results.RecoveryShare, strings.Join(faults, "; "))
	}
	return &Figure{Name: "timeline-" + safeName(workload), Title: workload + ": throughput and p99 over time",
		Caption: caption, Width: w, Height: h, draw: drawFn}
}

// secondTicks marks whole seconds (every 1, 2, 5, 10… so that about ten
// are labelled); labels only when labelled is set.
func secondTicks(labelled bool) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		step := 1.0
		for _, s := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600} {
			step = s
			if (hi-lo)/s <= 10 {
				break
			}
		}
		var ts []plot.Tick
		for v := math.Ceil(lo/step) * step; v <= hi+1e-9; v += step {
			t := plot.Tick{Value: v}
			if labelled {
				t.Label = fmt.Sprintf("%.0f", v)
			}
			ts = append(ts, t)
		}
		return ts
	})
}

// --- max rate ---

func (m *model) maxRateFigure(c *results.Cell, label string) *Figure {
	mr := c.MaxRate
	leg := &legend{}
	p := newPlot("target rate (ops/s)", "latency")
	grid(p)
	p.X.Tick.Marker = linearTicks(rateLabel)
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = logTicker(latencyLabel)
	steps := slices.Clone(mr.Steps)
	steps = slices.DeleteFunc(steps, func(s results.RateStep) bool { return s.Rate <= 0 || s.Refused && s.Ops == 0 })
	slices.SortFunc(steps, func(a, b results.RateStep) int { return cmpFloat(a.Rate, b.Rate) })
	var p50, p99, up99 plotter.XYs
	var ys []float64
	for _, s := range steps {
		p50 = append(p50, plotter.XY{X: s.Rate, Y: math.Max(s.P50Us, 1e-3)})
		p99 = append(p99, plotter.XY{X: s.Rate, Y: math.Max(s.P99Us, 1e-3)})
		ys = append(ys, s.P50Us, s.P99Us)
		if s.UncorrectedP99Us > 0 {
			up99 = append(up99, plotter.XY{X: s.Rate, Y: s.UncorrectedP99Us})
			ys = append(ys, s.UncorrectedP99Us)
		}
	}
	col := m.colors.of(label)
	add := func(name string, pts plotter.XYs, sty draw.LineStyle, glyph draw.GlyphDrawer) {
		if len(pts) == 0 {
			return
		}
		line, points, _ := plotter.NewLinePoints(pts)
		line.LineStyle = sty
		points.Shape = glyph
		points.Color = sty.Color
		points.Radius = vg.Points(2.5)
		p.Add(line, points)
		leg.Add(name, line, points)
	}
	add("p99", p99, draw.LineStyle{Color: col, Width: vg.Points(1.8)}, draw.CircleGlyph{})
	add("p50", p50, draw.LineStyle{Color: col, Width: vg.Points(1.2)}, draw.SquareGlyph{})
	add("p99 uncorrected", up99, draw.LineStyle{Color: colorMuted, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(2.5)}}, draw.TriangleGlyph{})
	// Missed steps in red rings.
	var missed plotter.XYs
	for _, s := range steps {
		if !s.OK {
			missed = append(missed, plotter.XY{X: s.Rate, Y: math.Max(s.P99Us, 1e-3)})
		}
	}
	if len(missed) > 0 {
		sc, _ := plotter.NewScatter(missed)
		sc.GlyphStyle = draw.GlyphStyle{Color: colorFail, Radius: vg.Points(5), Shape: draw.RingGlyph{}}
		p.Add(sc)
		leg.Add("missed the SLO", sc)
	}
	lo, hi, _ := logRange(ys)
	slo, err := results.ParseSLO(mr.SLO)
	if err == nil {
		// The lines bound all operations together; a kind's own bounds are
		// in the table beside the figure.
		for _, b := range slo.Overall().Bounds {
			v := float64(b.Limit) / 1e3
			lo, hi = math.Min(lo, v/2), math.Max(hi, v*1.5)
			if len(steps) > 0 {
				ls := draw.LineStyle{Color: colorFail, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
				l, _ := plotter.NewLine(plotter.XYs{{X: steps[0].Rate, Y: v}, {X: steps[len(steps)-1].Rate, Y: v}})
				l.LineStyle = ls
				p.Add(l)
				leg.Add(fmt.Sprintf("SLO p%g", b.Percentile), l)
			}
		}
	}
	p.Y.Min, p.Y.Max = lo, hi
	if mr.Rate > 0 {
		ls := draw.LineStyle{Color: colorBestTop, Width: vg.Points(1.2)}
		l, _ := plotter.NewLine(plotter.XYs{{X: mr.Rate, Y: lo}, {X: mr.Rate, Y: hi}})
		l.LineStyle = ls
		p.Add(l)
		leg.Add("max rate "+rateLabel(mr.Rate)+" ops/s", l)
	}
	p.X.Min = 0
	name := "maxrate-" + safeName(c.Workload) + "-" + safeName(label)
	if c.Repetition > 0 {
		name += fmt.Sprintf("-r%d", c.Repetition)
	}
	return &Figure{Name: name, Title: fmt.Sprintf("%s on %s: maximum rate under %s", c.Workload, label, mr.SLO),
		Caption: fmt.Sprintf("The open-loop rates the search tried (closed-loop capacity %s ops/s) and the latency at each; red rings missed the SLO. Corrected latency is measured from each operation's intended start, so it explodes once the rate passes what the store sustains.", results.FormatRate(mr.Capacity)),
		Width:   vg.Points(440), Height: vg.Points(330), draw: layout(fmt.Sprintf("%s on %s: latency vs. target rate", c.Workload, label), leg, p)}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Figures returns every figure of the report of rs, in the report's order:
// the store × pattern matrix; per pattern throughput and p99; the load rate;
// per workload the latency spectrum and the figures over time; and a
// latency-vs-rate curve per find-max search; a lag-over-time figure per
// sync cell.
func Figures(rs []*results.Result, o Options) []*Figure {
	return newModel(rs, o.withDefaults()).figures()
}

func (m *model) figures() []*Figure {
	var figs []*Figure
	if len(m.rec.Patterns) > 0 {
		figs = append(figs, m.matrixFigure())
	}
	for _, pat := range m.patterns {
		figs = append(figs, m.throughputFigure(pat), m.p99Figure(pat))
	}
	figs = append(figs, m.loadFigure())
	for _, pat := range m.patterns {
		for _, w := range m.workloads[pat] {
			if !m.measured(w) {
				continue
			}
			figs = append(figs, m.spectrumFigures(w)...)
			figs = append(figs, m.timelineFigure(w))
		}
	}
	for _, g := range m.groups {
		for _, c := range g.Cells {
			if c.MaxRate != nil && len(c.MaxRate.Steps) > 1 {
				figs = append(figs, m.maxRateFigure(c, g.Label))
			}
		}
	}
	figs = append(figs, m.syncFigures()...)
	figs = append(figs, m.costFigures()...)
	return figs
}

// measured reports whether any contender measured workload w.
func (m *model) measured(w string) bool {
	for _, g := range m.groups {
		if g.Workload == w && len(g.Measured()) > 0 {
			return true
		}
	}
	return false
}
