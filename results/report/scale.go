package report

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/storefit/storefit/results"
)

// costPanel is one panel of a cost-growth figure: a metric of the points
// against their data size.
type costPanel struct {
	ylabel string
	value  func(results.CostPoint) float64
	label  func(float64) string
	// any reports whether the panel is drawn for points that are not
	// usable (load rate and size on disk are measured before the answers
	// are checked).
	any bool
}

var costPanels = []costPanel{
	{"ops/s", func(p results.CostPoint) float64 { return p.OpsPerSec }, rateLabel, false},
	{"p99", func(p results.CostPoint) float64 { return p.P99Us }, latencyLabel, false},
	{"load rows/s", func(p results.CostPoint) float64 { return p.LoadRowsPerSec }, rateLabel, true},
	{"bytes/record", func(p results.CostPoint) float64 { return p.BytesPerRecord }, rateLabel, true},
}

// costWorkloads returns the curves of each workload measured at two sizes
// or more, in curve order.
func costWorkloads(curves []results.CostCurve) ([]string, map[string][]results.CostCurve) {
	var order []string
	by := map[string][]results.CostCurve{}
	for _, c := range curves {
		if len(c.Sizes()) < 2 {
			continue
		}
		if _, ok := by[c.Workload]; !ok {
			order = append(order, c.Workload)
		}
		by[c.Workload] = append(by[c.Workload], c)
	}
	return order, by
}

// costFigures returns a cost-growth figure per workload of a sweep.
func (m *model) costFigures() []*Figure {
	order, by := costWorkloads(results.CostCurves(m.all))
	var figs []*Figure
	for _, w := range order {
		figs = append(figs, m.costFigure(w, by[w]))
	}
	return figs
}

// costFigure draws a workload's cost growth: throughput, p99, load rate and
// bytes per record on disk against the data size, all on log-log axes, one
// line per contender through its usable points; a point whose answers were
// wrong or unchecked is a red cross off the line.
func (m *model) costFigure(workload string, curves []results.CostCurve) *Figure {
	unit := results.RecordUnit(curves[0].Pattern)
	leg := &legend{}
	var plots []*plot.Plot
	var xs []float64
	for _, c := range curves {
		for _, p := range c.Points {
			xs = append(xs, float64(p.Records))
		}
	}
	xlo, xhi, _ := logRange(xs)
	for i, panel := range costPanels {
		xlabel := ""
		if i == len(costPanels)-1 {
			xlabel = "data size (" + unit + ")"
		}
		p := newPlot(xlabel, panel.ylabel)
		grid(p)
		var ys []float64
		for _, c := range curves {
			col := m.colors.of(c.Label)
			var line, bad plotter.XYs
			for _, pt := range c.Points {
				v := panel.value(pt)
				if v <= 0 || pt.Records <= 0 {
					continue
				}
				xy := plotter.XY{X: float64(pt.Records), Y: v}
				if pt.Usable || panel.any {
					line = append(line, xy)
				} else {
					bad = append(bad, xy)
				}
				ys = append(ys, v)
			}
			if len(line) > 0 {
				l, pts, err := plotter.NewLinePoints(line)
				if err == nil {
					l.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(1.5)}
					pts.Shape, pts.Color, pts.Radius = draw.CircleGlyph{}, col, vg.Points(2.4)
					p.Add(l, pts)
					if i == 0 {
						leg.Add(c.Label, l, pts)
					}
				}
			}
			if len(bad) > 0 {
				if s, err := plotter.NewScatter(bad); err == nil {
					s.Shape, s.Color, s.Radius = draw.CrossGlyph{}, colorFail, vg.Points(4)
					p.Add(s)
				}
			}
		}
		p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
		p.X.Min, p.X.Max = xlo, xhi
		p.X.Tick.Marker = logTicker(func(v float64) string { return results.FormatSize(v) })
		if lo, hi, ok := logRange(ys); ok {
			p.Y.Min, p.Y.Max = lo, hi
		}
		p.Y.Tick.Marker = logTicker(panel.label)
		plots = append(plots, p)
	}
	leg.Add("wrong or unchecked answers (left out)", crossThumb{})
	return &Figure{
		Name:  "cost-" + safeName(workload),
		Title: workload + ": cost against data size",
		Caption: fmt.Sprintf("Each line is a store across the sweep's data sizes (%s, log scale): from the top, throughput, p99 (all kinds together, failed and dropped operations included), "+
			"load rate, and bytes on disk per record (for stores that report their size). Only points whose answers passed validation are joined and compared; "+
			"the slopes are how the cost grows with the data (a slope of −1 on throughput: ten times the data, a tenth of the throughput).", unit),
		Width: vg.Points(460), Height: vg.Points(math.Max(620, 150*float64(len(plots))+80)),
		draw: layout(workload+": cost against data size", leg, plots...),
	}
}

// crossThumb is the legend thumbnail of a left-out point: a red cross.
type crossThumb struct{}

func (crossThumb) Thumbnail(c *draw.Canvas) {
	sty := draw.GlyphStyle{Color: colorFail, Radius: vg.Points(4), Shape: draw.CrossGlyph{}}
	c.DrawGlyph(sty, c.Center())
}

// costSection is the report's cost-growth section of a sweep.
type costSection struct {
	Scales  string
	Figures []*figureView
	Lines   []string
	Rows    []costRow
}

type costRow struct {
	Workload, Store, Scale, Records, Ops, P99, Load, LoadSeconds, Bytes, Answers string
	Bad                                                                          bool
}

// costSection builds the section from the results of every scale.
func (m *model) costSection(view func(string) *figureView) *costSection {
	scales := results.Scales(m.all)
	if len(scales) < 2 {
		return nil
	}
	curves := results.CostCurves(m.all)
	order, by := costWorkloads(curves)
	if len(order) == 0 {
		return nil
	}
	s := &costSection{Scales: fmt.Sprint(scales), Lines: results.CostSummary(curves)}
	for _, w := range order {
		if v := view("cost-" + safeName(w)); v != nil {
			s.Figures = append(s.Figures, v)
		}
		for _, c := range by[w] {
			for _, p := range c.Points {
				row := costRow{Workload: w, Store: c.Label, Scale: p.Scale, Records: results.FormatSize(float64(p.Records)) + " " + results.RecordUnit(c.Pattern), Answers: "checked"}
				if p.OpsPerSec > 0 {
					row.Ops, row.P99 = results.FormatRate(p.OpsPerSec), results.FormatMicros(p.P99Us)
				}
				if p.LoadRowsPerSec > 0 {
					row.Load, row.LoadSeconds = results.FormatRate(p.LoadRowsPerSec), fmt.Sprintf("%.1f", p.LoadSeconds)
				}
				if p.BytesPerRecord > 0 {
					row.Bytes = fmt.Sprintf("%.0f", p.BytesPerRecord)
				}
				if !p.Usable {
					row.Answers, row.Bad = p.Why, true
				}
				s.Rows = append(s.Rows, row)
			}
		}
	}
	return s
}
