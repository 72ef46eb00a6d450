package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure is one plot of the report, drawable as SVG (inline in the HTML
// report, or a file) and PNG.
type Figure struct {
	// Name is the figure's file name without extension, unique in a
	// report: "throughput-point", "spectrum-point-a".
	Name string
	// Title is shown above the figure in the HTML report.
	Title string
	// Caption explains how to read the figure.
	Caption       string
	Width, Height vg.Length
	draw          func(dc draw.Canvas)
	// spectrumOf names the workload of a latency spectrum.
	spectrumOf string
}

// render draws the figure on c, turning a panic of the plotting library
// (which panics on, e.g., a non-positive value on a log axis) into an error.
func (f *Figure) render(c vg.CanvasSizer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("figure %s: %v", f.Name, r)
		}
	}()
	f.draw(draw.New(c))
	return nil
}

// SVG renders the figure as a standalone SVG document.
func (f *Figure) SVG() ([]byte, error) {
	c := vgsvg.New(f.Width, f.Height)
	if err := f.render(c); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("figure %s: %w", f.Name, err)
	}
	return b.Bytes(), nil
}

// PNG renders the figure as a PNG image at dpi dots per inch.
func (f *Figure) PNG(dpi int) ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	if err := f.render(c); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return nil, fmt.Errorf("figure %s: %w", f.Name, err)
	}
	return b.Bytes(), nil
}

// Colors: the Okabe–Ito palette (distinguishable with the common colour
// vision deficiencies), then darker variants. Red is kept for failures.
var palette = []color.Color{
	rgb(0x00, 0x72, 0xB2), rgb(0xE6, 0x9F, 0x00), rgb(0x00, 0x9E, 0x73), rgb(0xCC, 0x79, 0xA7),
	rgb(0x56, 0xB4, 0xE9), rgb(0x8C, 0x6D, 0x00), rgb(0x55, 0x55, 0x55), rgb(0x00, 0x4C, 0x77),
	rgb(0x9A, 0x6A, 0x00), rgb(0x00, 0x69, 0x4D), rgb(0x88, 0x51, 0x6F), rgb(0x3A, 0x78, 0x9C),
}

var (
	colorFail    = rgb(0xC6, 0x28, 0x28)
	colorFailBg  = rgb(0xFB, 0xDA, 0xDA)
	colorNA      = rgb(0xEE, 0xEE, 0xEE)
	colorRef     = rgb(0x1E, 0x4E, 0x8C)
	colorRefBg   = rgb(0xE1, 0xEC, 0xF8)
	colorMuted   = rgb(0x77, 0x77, 0x77)
	colorGrid    = rgb(0xE4, 0xE4, 0xE4)
	colorExclBg  = rgb(0xF6, 0xF1, 0xE4)
	colorBestLow = rgb(0xE8, 0xF3, 0xF0)
	colorBestTop = rgb(0x0B, 0x6E, 0x5A)
)

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{r, g, b, 0xFF} }

// mix blends a and b: t=0 gives a, t=1 gives b.
func mix(a, b color.RGBA, t float64) color.RGBA {
	t = math.Max(0, math.Min(1, t))
	f := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + t*(float64(y)-float64(x)))) }
	return color.RGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), 0xFF}
}

// colorMap assigns each contender label one colour for the whole report.
type colorMap map[string]color.Color

func newColorMap(labels []string) colorMap {
	m := colorMap{}
	for i, l := range labels {
		m[l] = palette[i%len(palette)]
	}
	return m
}

func (m colorMap) of(label string) color.Color {
	if c, ok := m[label]; ok {
		return c
	}
	return colorMuted
}

// sans is the report's typeface: Liberation Sans (metric-compatible with
// Arial and Helvetica, which a browser falls back to), bundled with gonum
// for the PNGs. gonum's default is the serif variant.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// newPlot returns a plot with the report's look: sans-serif text, muted
// axes. Titles and legends are drawn by layout.
func newPlot(xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 11)
		a.Tick.Label.Font = font.From(sans, 10)
		a.LineStyle.Color = colorMuted
		a.Tick.LineStyle.Color = colorMuted
	}
	return p
}

// legend is a figure's legend, drawn by layout in rows under the title,
// outside the data area, so it never hides data.
type legend struct {
	items []legendItem
}

type legendItem struct {
	label  string
	thumbs []plot.Thumbnailer
}

// Add adds an entry drawn with the thumbnails, one over the other.
func (l *legend) Add(label string, thumbs ...plot.Thumbnailer) {
	l.items = append(l.items, legendItem{label, thumbs})
}

// layout returns a figure's draw function: the title, the legend in rows
// below it, then the plots stacked vertically with their axes aligned. The
// plots' own titles and legends are not used.
func layout(title string, leg *legend, plots ...*plot.Plot) func(draw.Canvas) {
	return func(dc draw.Canvas) {
		white := []vg.Point{dc.Min, {X: dc.Min.X, Y: dc.Max.Y}, dc.Max, {X: dc.Max.X, Y: dc.Min.Y}}
		dc.FillPolygon(color.White, white)
		y := dc.Max.Y - vg.Points(6)
		if title != "" {
			ts := boldStyle(13, color.Black, draw.XCenter, draw.YTop)
			dc.FillText(ts, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: y}, title)
			y -= ts.FontExtents().Height + vg.Points(6)
		}
		if leg != nil && len(leg.items) > 0 {
			ls := textStyle(10, color.Black, draw.XLeft, draw.YCenter)
			rowH := vg.Points(15)
			thumbW := vg.Points(16)
			left := dc.Min.X + vg.Points(44)
			x := left
			y -= rowH / 2
			for _, it := range leg.items {
				w := thumbW + vg.Points(4) + ls.Width(it.label) + vg.Points(14)
				if x > left && x+w > dc.Max.X-vg.Points(4) {
					x = left
					y -= rowH
				}
				box := &draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
					Min: vg.Point{X: x, Y: y - rowH/2 + vg.Points(3)},
					Max: vg.Point{X: x + thumbW, Y: y + rowH/2 - vg.Points(3)},
				}}
				for _, t := range it.thumbs {
					t.Thumbnail(box)
				}
				dc.FillText(ls, vg.Point{X: x + thumbW + vg.Points(4), Y: y}, it.label)
				x += w
			}
			y -= rowH/2 + vg.Points(4)
		}
		plotC := draw.Crop(dc, vg.Points(2), -vg.Points(8), vg.Points(2), y-dc.Max.Y)
		if len(plots) == 1 {
			plots[0].Draw(plotC)
			return
		}
		rows := make([][]*plot.Plot, len(plots))
		for i, p := range plots {
			rows[i] = []*plot.Plot{p}
		}
		cs := plot.Align(rows, draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Points(6)}, plotC)
		for i, p := range plots {
			p.Draw(cs[i][0])
		}
	}
}

// --- ticks ---

// decadeTicks returns ticks for a log axis: labelled decades (and 2 and 5
// times them when the range spans few decades), unlabelled minor ticks.
func decadeTicks(lo, hi float64, label func(float64) string) []plot.Tick {
	if lo <= 0 {
		lo = hi / 1e3
	}
	var ticks []plot.Tick
	d0, d1 := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	few := d1-d0 <= 2
	for d := d0; d <= d1; d++ {
		base := math.Pow(10, d)
		for m := 1; m <= 9; m++ {
			v := base * float64(m)
			if v < lo*0.999 || v > hi*1.001 {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || (few && (m == 2 || m == 5)) {
				t.Label = label(v)
			}
			ticks = append(ticks, t)
		}
	}
	if countLabels(ticks) < 2 {
		// Less than a decade: label the ends too.
		ticks = append(ticks, plot.Tick{Value: lo, Label: label(lo)}, plot.Tick{Value: hi, Label: label(hi)})
	}
	return ticks
}

func countLabels(ts []plot.Tick) int {
	n := 0
	for _, t := range ts {
		if t.Label != "" {
			n++
		}
	}
	return n
}

// linearTicks relabels gonum's default ticks.
func linearTicks(label func(float64) string) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		ts := plot.DefaultTicks{}.Ticks(lo, hi)
		for i := range ts {
			if ts[i].Label != "" {
				ts[i].Label = label(ts[i].Value)
			}
		}
		return ts
	})
}

// logTicker is a Ticker for a log axis with the given labels.
func logTicker(label func(float64) string) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick { return decadeTicks(lo, hi, label) })
}

// rateLabel formats a rate compactly: 950, 12k, 1.5M.
func rateLabel(v float64) string {
	switch {
	case v >= 1e6:
		return trimZero(fmt.Sprintf("%.1f", v/1e6)) + "M"
	case v >= 1e3:
		return trimZero(fmt.Sprintf("%.1f", v/1e3)) + "k"
	case v >= 1:
		return trimZero(fmt.Sprintf("%.1f", v))
	}
	return trimZero(fmt.Sprintf("%.2g", v))
}

// latencyLabel formats a latency given in microseconds: 500 µs, 2 ms, 1.5 s.
func latencyLabel(us float64) string {
	switch {
	case us >= 1e6:
		return trimZero(fmt.Sprintf("%.1f", us/1e6)) + " s"
	case us >= 1e3:
		return trimZero(fmt.Sprintf("%.1f", us/1e3)) + " ms"
	case us >= 1:
		return trimZero(fmt.Sprintf("%.1f", us)) + " µs"
	}
	return trimZero(fmt.Sprintf("%.0f", us*1e3)) + " ns"
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// logRange returns a log axis range around positive values: from the
// decade (or half decade) below the smallest to a little above the largest.
// spansDecades reports whether the positive values span more than two
// decades (largest over smallest > 100): on a linear axis the small ones
// would be slivers, so such an axis is logarithmic.
func spansDecades(vals []float64) bool {
	lo, hi := math.Inf(1), 0.0
	for _, v := range vals {
		if v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	return hi > 0 && hi/lo > 100
}

func logRange(vals []float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), 0
	for _, v := range vals {
		if v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if hi == 0 {
		return 1, 10, false
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi *= 1.6
	if hi/lo < 10 {
		hi = lo * 10
	}
	return lo, hi, true
}

// star returns the points of a five-pointed star centred at c.
func star(c vg.Point, r vg.Length) []vg.Point {
	var pts []vg.Point
	for i := range 10 {
		rr := r
		if i%2 == 1 {
			rr = r * 0.45
		}
		a := math.Pi/2 + float64(i)*math.Pi/5
		pts = append(pts, vg.Point{X: c.X + vg.Length(math.Cos(a))*rr, Y: c.Y + vg.Length(math.Sin(a))*rr})
	}
	return pts
}

// textStyle returns a text style in the plot's font.
func textStyle(size vg.Length, c color.Color, xa draw.XAlignment, ya draw.YAlignment) draw.TextStyle {
	return draw.TextStyle{
		Color:   c,
		Font:    font.From(sans, size),
		XAlign:  xa,
		YAlign:  ya,
		Handler: plot.DefaultTextHandler,
	}
}

// boldStyle is textStyle in the bold face.
func boldStyle(size vg.Length, c color.Color, xa draw.XAlignment, ya draw.YAlignment) draw.TextStyle {
	s := textStyle(size, c, xa, ya)
	s.Font.Weight = xfont.WeightBold
	return s
}

// grid adds horizontal grid lines.
func grid(p *plot.Plot) {
	g := plotter.NewGrid()
	g.Vertical.Width = 0
	g.Horizontal.Color = colorGrid
	g.Horizontal.Width = vg.Points(0.6)
	p.Add(g)
}

// swatch is a legend thumbnail: a filled box.
type swatch struct{ c color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y}}
	c.FillPolygon(s.c, pts)
}

// lineThumb is a legend thumbnail: a line in a style.
type lineThumb struct{ sty draw.LineStyle }

func (l lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(l.sty, c.Min.X, y, c.Max.X, y)
}
