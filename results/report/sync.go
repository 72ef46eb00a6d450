package report

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/storefit/storefit/results"
)

// syncFigures returns one lag-over-time figure per cell with a sync
// section.
func (m *model) syncFigures() []*Figure {
	var figs []*Figure
	n := 0
	for _, r := range m.rs {
		for i := range r.Cells {
			c := &r.Cells[i]
			if c.Sync == nil || len(c.Sync.Views) == 0 {
				continue
			}
			n++
			figs = append(figs, syncLagFigure(c, n))
		}
	}
	return figs
}

// syncLagFigure plots each view's staleness per second with the faults
// marked: a shaded band for a view outage, a dashed line for a
// consumer/relay restart.
func syncLagFigure(c *results.Cell, n int) *Figure {
	s := c.Sync
	title := fmt.Sprintf("%s on %s: freshness lag over time", c.Workload, c.Store)
	leg := &legend{}
	p := newPlot("seconds into the measured phase", "staleness (ms)")
	grid(p)
	ymax, tmax := 1.0, 1.0
	for _, v := range s.Views {
		for _, pt := range v.LagSeries {
			ymax = math.Max(ymax, pt.MaxMs)
			tmax = math.Max(tmax, float64(pt.T+1))
		}
	}
	ymax *= 1.08
	for _, f := range s.Faults {
		if f.Kind == "write-failures" || f.AtSeconds < 0 || f.Kind == "consumer-restart" && s.Strategy == "dual" {
			continue // dual writes have no consumer to restart
		}
		col := color.RGBA{0xC0, 0x39, 0x2B, 0xFF}
		if f.Kind == "view-down" {
			band, err := plotter.NewPolygon(plotter.XYs{{X: f.AtSeconds, Y: 0}, {X: f.AtSeconds, Y: ymax},
				{X: f.AtSeconds + f.DurationSeconds, Y: ymax}, {X: f.AtSeconds + f.DurationSeconds, Y: 0}})
			if err == nil {
				band.Color = color.RGBA{0xF5, 0xD0, 0xCC, 0xFF}
				band.LineStyle.Width = 0
				p.Add(band)
				leg.Add(fmt.Sprintf("%s down", f.Target), band)
			}
			continue
		}
		line, err := plotter.NewLine(plotter.XYs{{X: f.AtSeconds, Y: 0}, {X: f.AtSeconds, Y: ymax}})
		if err == nil {
			line.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
			p.Add(line)
			leg.Add(f.Kind, line)
		}
	}
	for i, v := range s.Views {
		col := palette[i%len(palette)]
		var xy plotter.XYs
		for _, pt := range v.LagSeries {
			xy = append(xy, plotter.XY{X: float64(pt.T) + 0.5, Y: pt.MaxMs})
		}
		if len(xy) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(xy)
		if err != nil {
			continue
		}
		line.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(1.5)}
		points.Shape = draw.CircleGlyph{}
		points.Color = col
		points.Radius = vg.Points(1.6)
		p.Add(line, points)
		leg.Add(fmt.Sprintf("%s (%s)", v.Name, v.Store), line)
	}
	p.X.Min, p.X.Max = 0, tmax
	p.X.Tick.Marker = secondTicks(true)
	p.Y.Min, p.Y.Max = 0, ymax
	p.Y.Tick.Marker = linearTicks(func(v float64) string { return fmt.Sprintf("%.0f", v) })
	return &Figure{Name: fmt.Sprintf("synclag-%d-%s", n, safeName(c.Workload)), Title: title,
		Caption: "Per second, the largest staleness of each view: the age of the oldest change committed at the source that the view did not show yet (0 when up to date). Shaded: a view outage; dashed: a consumer/relay restart. " + s.Verdict,
		Width:   vg.Points(440), Height: vg.Points(300), draw: layout(title, leg, p)}
}
