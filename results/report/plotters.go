package report

import (
	"fmt"
	"image/color"
	"math"

	"github.com/storefit/storefit/results"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// barSeries is one contender's bars in a grouped bar chart: one value per
// category.
type barSeries struct {
	Label string
	Color color.Color
	// Values are the bar heights; NaN draws no bar.
	Values []float64
	// Lo and Hi bound the error bar of each bar (the repetitions' range);
	// NaN draws none.
	Lo, Hi []float64
	// Notes are drawn where a bar has no value ("n/a", "failed").
	Notes []string
	// Invalid marks bars of failed validation: red outline and a red
	// "invalid" mark.
	Invalid []bool
}

// groupedBars draws categories on the X axis (at 0, 1, …) with one bar per
// series in each, on a linear or log Y axis. gonum's BarChart draws from
// zero, which a log axis cannot show; these bars start at the axis minimum.
type groupedBars struct {
	Series []*barSeries
	NCats  int
	Log    bool
}

var _ plot.Plotter = (*groupedBars)(nil)
var _ plot.DataRanger = (*groupedBars)(nil)

func (b *groupedBars) width() float64 { return 0.8 / float64(max(len(b.Series), 1)) }

func (b *groupedBars) center(cat, series int) float64 {
	w := b.width()
	return float64(cat) - 0.4 + (float64(series)+0.5)*w
}

// DataRange implements plot.DataRanger.
func (b *groupedBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	var vals []float64
	for _, s := range b.Series {
		for i, v := range s.Values {
			vals = append(vals, v)
			if i < len(s.Hi) {
				vals = append(vals, s.Hi[i])
			}
			if i < len(s.Lo) {
				vals = append(vals, s.Lo[i])
			}
		}
	}
	xmin, xmax = -0.5, float64(b.NCats)-0.5
	if b.Log {
		ymin, ymax, _ = logRange(vals)
		return
	}
	ymax = 0
	for _, v := range vals {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			ymax = math.Max(ymax, v)
		}
	}
	if ymax == 0 {
		ymax = 1
	}
	return xmin, xmax, 0, ymax * 1.12
}

// Plot implements plot.Plotter.
func (b *groupedBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	base := 0.0
	if b.Log {
		base = p.Y.Min
	}
	w := b.width()
	half := (trX(w) - trX(0)) / 2
	noteStyle := textStyle(8, colorMuted, draw.XLeft, draw.YCenter)
	noteStyle.Rotation = math.Pi / 2
	failStyle := boldStyle(8, colorFail, draw.XLeft, draw.YCenter)
	failStyle.Rotation = math.Pi / 2
	clip := func(v float64) float64 { return math.Max(p.Y.Min, math.Min(p.Y.Max, v)) }
	for si, s := range b.Series {
		for ci := 0; ci < b.NCats && ci < len(s.Values); ci++ {
			x := trX(b.center(ci, si))
			v := s.Values[ci]
			if math.IsNaN(v) || (b.Log && v <= 0) {
				if ci < len(s.Notes) && s.Notes[ci] != "" {
					c.FillText(noteStyle, vg.Point{X: x, Y: trY(base) + 3}, s.Notes[ci])
				}
				continue
			}
			y0, y1 := trY(base), trY(clip(v))
			rect := []vg.Point{{X: x - half, Y: y0}, {X: x - half, Y: y1}, {X: x + half, Y: y1}, {X: x + half, Y: y0}}
			c.FillPolygon(s.Color, rect)
			top := y1
			if ci < len(s.Lo) && !math.IsNaN(s.Lo[ci]) && !math.IsNaN(s.Hi[ci]) && s.Hi[ci] > s.Lo[ci] {
				ls := draw.LineStyle{Color: color.Black, Width: vg.Points(0.9)}
				lo, hi := trY(clip(s.Lo[ci])), trY(clip(s.Hi[ci]))
				cap := half * 0.5
				c.StrokeLine2(ls, x, lo, x, hi)
				c.StrokeLine2(ls, x-cap, lo, x+cap, lo)
				c.StrokeLine2(ls, x-cap, hi, x+cap, hi)
				top = max(top, hi)
			}
			if ci < len(s.Invalid) && s.Invalid[ci] {
				ls := draw.LineStyle{Color: colorFail, Width: vg.Points(1.6)}
				c.StrokeLines(ls, append(rect, rect[0]))
				c.FillText(failStyle, vg.Point{X: x, Y: top + 3}, "invalid")
			}
		}
	}
}

// matrixCell is one cell of the store × pattern matrix.
type matrixCell struct {
	// Score in (0, 1] colours a ranked cell (1 = the best); 0 means not
	// ranked.
	Score float64
	Text  string
	Best  bool
	// Kind is "ranked", "invalid", "na", "reference" (the oracle),
	// "excluded" or "" (not run).
	Kind string
}

// matrix draws a heatmap of rows (stores, top to bottom) × columns
// (patterns), in data coordinates [-0.5, cols-0.5] × [-0.5, rows-0.5].
type matrix struct {
	Rows, Cols int
	Cells      [][]matrixCell // [row][col]
}

var _ plot.Plotter = (*matrix)(nil)
var _ plot.DataRanger = (*matrix)(nil)

func (m *matrix) DataRange() (xmin, xmax, ymin, ymax float64) {
	return -0.5, float64(m.Cols) - 0.5, -0.5, float64(m.Rows) - 0.5
}

func (m *matrix) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	gap := vg.Points(1.5)
	for r := range m.Rows {
		for col := range m.Cols {
			cell := m.Cells[r][col]
			y := float64(m.Rows - 1 - r)
			x0, x1 := trX(float64(col)-0.5)+gap, trX(float64(col)+0.5)-gap
			y0, y1 := trY(y-0.5)+gap, trY(y+0.5)-gap
			rect := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
			center := vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}
			textColor := color.Color(color.Black)
			bold := false
			switch cell.Kind {
			case "ranked":
				fill := mix(colorBestLow, colorBestTop, cell.Score)
				c.FillPolygon(fill, rect)
				if cell.Score > 0.55 {
					textColor = color.White
				}
				bold = cell.Best
			case "invalid":
				c.FillPolygon(colorFailBg, rect)
				c.StrokeLines(draw.LineStyle{Color: colorFail, Width: vg.Points(1.5)}, append(rect, rect[0]))
				textColor, bold = colorFail, true
			case "na":
				c.FillPolygon(colorNA, rect)
				textColor = colorMuted
			case "reference":
				c.FillPolygon(colorRefBg, rect)
				textColor = colorRef
			case "excluded":
				c.FillPolygon(colorExclBg, rect)
				textColor = rgb(0x6B, 0x55, 0x1E)
			default:
				c.StrokeLines(draw.LineStyle{Color: colorGrid, Width: vg.Points(0.8)}, append(rect, rect[0]))
				textColor = colorMuted
			}
			sty := textStyle(10, textColor, draw.XCenter, draw.YCenter)
			if bold {
				sty = boldStyle(11, textColor, draw.XCenter, draw.YCenter)
			}
			if cell.Best {
				// A star left of the text marks the winner.
				w := sty.Width(cell.Text)
				sc := vg.Point{X: center.X - w/2 - vg.Points(8), Y: center.Y}
				c.FillPolygon(textColor, star(sc, vg.Points(5.5)))
				center.X += vg.Points(5)
			}
			c.FillText(sty, center, cell.Text)
		}
	}
}

// faultMarks shades the windows of injected faults on a per-second plot and
// draws a dashed line where the store recovered, labelled with the time it
// took (on the plot that has labels).
type faultMarks struct {
	Faults []results.Fault
	Color  color.Color
	// Labels writes the recovery times.
	Labels bool
}

var _ plot.Plotter = (*faultMarks)(nil)

// Plot implements plot.Plotter.
func (f *faultMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	band := color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0x24}
	for _, ft := range f.Faults {
		end := ft.EndSeconds
		if end <= ft.StartSeconds {
			end = p.X.Max // the server never came back in the phase
		}
		x0, x1 := trX(math.Max(ft.StartSeconds, p.X.Min)), trX(math.Min(end, p.X.Max))
		if x1 > x0 {
			c.FillPolygon(band, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
		}
		if ft.RecoveredAtSeconds == nil || *ft.RecoveredAtSeconds > p.X.Max {
			continue
		}
		x := trX(*ft.RecoveredAtSeconds)
		c.StrokeLine2(draw.LineStyle{Color: f.Color, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}, x, c.Min.Y, x, c.Max.Y)
		if f.Labels {
			sty := draw.TextStyle{Color: f.Color, Font: p.X.Tick.Label.Font, Handler: p.X.Tick.Label.Handler, XAlign: draw.XLeft, YAlign: draw.YTop}
			sty.Font.Size = vg.Points(7)
			c.FillText(sty, vg.Point{X: x + vg.Points(2), Y: c.Max.Y - vg.Points(2)}, fmt.Sprintf("%s: back in %.1f s", ft.Kind, *ft.RecoverySeconds))
		}
	}
}
