package runner

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/storefit/storefit/results"
)

// Display shows the progress of a run. Its methods are called from one
// goroutine at a time.
type Display interface {
	// StartPhase begins a phase whose progress counts up to total in unit
	// ("rows", "ms", "ops").
	StartPhase(label string, total int64, unit string)
	// Update reports progress in the current phase, with its figures.
	Update(current int64, s Status)
	// EndPhase ends the current phase with a summary.
	EndPhase(summary string)
	// Logf prints a line between phases.
	Logf(format string, args ...any)
}

// Status holds the figures of a progress update.
type Status struct {
	// Stats are the phase's figures, in display order.
	Stats []Stat
	// Kinds are the measured phase's figures per operation kind (empty in
	// other phases).
	Kinds []KindStatus
}

// Stat is one figure of a progress line, e.g. "12,345 ops/s avg". A
// terminal line too narrow for all of them drops the stats with the highest
// Drop first; a Drop of 0 is never dropped.
type Stat struct {
	Text string
	Drop int
}

// KindStatus is one operation kind's figures in a measured phase.
type KindStatus struct {
	Kind string
	// Ops and Errors count the phase's operations so far.
	Ops, Errors int64
	// OpsPerSec and the latencies are those of the last complete second.
	OpsPerSec           float64
	P50Us, P99Us, MaxUs float64
}

type nopDisplay struct{}

func (nopDisplay) StartPhase(string, int64, string) {}
func (nopDisplay) Update(int64, Status)             {}
func (nopDisplay) EndPhase(string)                  {}
func (nopDisplay) Logf(string, ...any)              {}

// NewBarDisplay returns a Display for a terminal: one live progress line
// per phase, redrawn in place. width reports the terminal's width in
// columns (0 when unknown: 80 is assumed); the line is fitted to it on
// every redraw, so it never wraps (see FitLine).
func NewBarDisplay(w io.Writer, width func() int) Display {
	return &barDisplay{w: w, width: width}
}

type barDisplay struct {
	mu      sync.Mutex
	w       io.Writer
	width   func() int
	label   string
	unit    string
	total   int64
	start   time.Time
	current int64
	status  Status
	drawn   bool // a progress line is on screen
}

func (d *barDisplay) StartPhase(label string, total int64, unit string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.label, d.total, d.unit = label, total, unit
	d.start, d.current, d.status = time.Now(), 0, Status{}
	d.draw()
}

func (d *barDisplay) Update(current int64, s Status) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.current, d.status = current, s
	d.draw()
}

func (d *barDisplay) EndPhase(summary string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.clear()
	fmt.Fprintf(d.w, "  %s: %s\n", d.label, summary)
	d.label = ""
}

func (d *barDisplay) Logf(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.clear()
	fmt.Fprintf(d.w, format+"\n", args...)
	if d.label != "" {
		d.draw()
	}
}

// clear erases the progress line.
func (d *barDisplay) clear() {
	if d.drawn {
		fmt.Fprint(d.w, "\r\x1b[K")
		d.drawn = false
	}
}

func (d *barDisplay) draw() {
	width := 0
	if d.width != nil {
		width = d.width()
	}
	if width <= 0 {
		width = 80
	}
	frac := -1.0
	if d.total > 0 {
		frac = min(float64(d.current)/float64(d.total), 1)
	}
	line := FitLine(width-1, d.label, frac, progressCount(d.current, d.total, d.unit, time.Since(d.start)), d.status.Stats)
	fmt.Fprint(d.w, "\r"+line+"\x1b[K")
	d.drawn = true
}

// progressCount says how far a phase is: "4.5/10 s", "12,000/100,000 rows"
// or, without a total, the count so far or the elapsed time.
func progressCount(current, total int64, unit string, elapsed time.Duration) string {
	switch {
	case unit == "ms" && total > 0:
		return fmt.Sprintf("%.1f/%.0f s", float64(current)/1e3, float64(total)/1e3)
	case unit == "ms":
		return fmt.Sprintf("%.1f s", float64(current)/1e3)
	case total > 0:
		return fmt.Sprintf("%s/%s %s", results.FormatCount(current), results.FormatCount(total), unit)
	}
	return fmt.Sprintf("%s %s, %.0f s", results.FormatCount(current), unit, elapsed.Seconds())
}

// Widths of a progress line's bar graphic.
const (
	minBar = 10
	maxBar = 30
)

// FitLine composes a progress line of at most width columns:
//
//	label  45% [█████████·········] 4.5/10 s | stat | stat …
//
// What does not fit is dropped in a fixed order: first the bar graphic,
// then the stats by Drop (highest first), then the count; the label is
// shortened last. frac < 0 means the phase has no known end (no percentage
// and no bar).
func FitLine(width int, label string, frac float64, count string, stats []Stat) string {
	kept := slices.Clone(stats)
	showCount := true
	for {
		line := composeLine(label, frac, count, showCount, kept, 0)
		free := width - runes(line)
		if free >= 0 {
			if frac >= 0 && free >= minBar+3 && len(kept) == len(stats) {
				return composeLine(label, frac, count, showCount, kept, min(free-3, maxBar))
			}
			return line
		}
		if i := dropIndex(kept); i >= 0 {
			kept = slices.Delete(kept, i, i+1)
			continue
		}
		if showCount {
			showCount = false
			continue
		}
		return truncate(line, width)
	}
}

// dropIndex returns the index of the stat to drop next, or -1.
func dropIndex(stats []Stat) int {
	i, best := -1, 0
	for j, s := range stats {
		if s.Drop > best {
			i, best = j, s.Drop
		}
	}
	return i
}

func composeLine(label string, frac float64, count string, showCount bool, stats []Stat, bar int) string {
	var b strings.Builder
	b.WriteString(label)
	if frac >= 0 {
		fmt.Fprintf(&b, " %3.0f%%", 100*frac)
	}
	if bar > 0 {
		n := int(frac * float64(bar))
		b.WriteString(" [" + strings.Repeat("█", n) + strings.Repeat("·", bar-n) + "]")
	}
	if showCount && count != "" {
		b.WriteString(" " + count)
	}
	for _, s := range stats {
		b.WriteString(" | " + s.Text)
	}
	return b.String()
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// truncate shortens s to width columns, ending in "…".
func truncate(s string, width int) string {
	if runes(s) <= width {
		return s
	}
	if width < 1 {
		return ""
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}

// NewLineDisplay returns a Display for logs and pipes: a plain line per
// phase start and end, and a status line every interval which, in a
// measured phase, gives each operation kind's figures as YCSB's status
// lines do.
func NewLineDisplay(w io.Writer, every time.Duration) Display {
	return &lineDisplay{w: w, every: every}
}

type lineDisplay struct {
	mu    sync.Mutex
	w     io.Writer
	every time.Duration
	label string
	unit  string
	total int64
	start time.Time
	last  time.Time
}

func (d *lineDisplay) StartPhase(label string, total int64, unit string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.label, d.total, d.unit = label, total, unit
	d.start, d.last = time.Now(), time.Now()
	fmt.Fprintf(d.w, "%s %s: started\n", stamp(), label)
}

func (d *lineDisplay) Update(current int64, s Status) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if time.Since(d.last) < d.every {
		return
	}
	d.last = time.Now()
	fmt.Fprintf(d.w, "%s %s\n", stamp(), StatusLine(d.label, current, d.total, d.unit, time.Since(d.start), s))
}

// StatusLine is a line display's status line: the phase's progress and
// figures, then each operation kind's, as YCSB prints them:
//
//	run point/a on memory: 45%, 4.5/10 s | 12,345 ops/s avg [READ: ops=55,123 errors=0; last s: 6,012 ops/s p50=12.1 p99=130 max=1,200 µs] [UPDATE: …]
func StatusLine(label string, current, total int64, unit string, elapsed time.Duration, s Status) string {
	var b strings.Builder
	b.WriteString(label + ":")
	if total > 0 {
		fmt.Fprintf(&b, " %.0f%%,", 100*min(float64(current)/float64(total), 1))
	}
	b.WriteString(" " + progressCount(current, total, unit, elapsed))
	for _, st := range s.Stats {
		b.WriteString(" | " + st.Text)
	}
	for _, k := range s.Kinds {
		fmt.Fprintf(&b, " [%s: ops=%s errors=%s; last s: %s ops/s p50=%s p99=%s max=%s µs]",
			strings.ToUpper(k.Kind), results.FormatCount(k.Ops), results.FormatCount(k.Errors),
			results.FormatRate(k.OpsPerSec), results.FormatMicros(k.P50Us), results.FormatMicros(k.P99Us), results.FormatMicros(k.MaxUs))
	}
	return b.String()
}

func (d *lineDisplay) EndPhase(summary string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(d.w, "%s %s: %s\n", stamp(), d.label, summary)
}

func (d *lineDisplay) Logf(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(d.w, "%s "+format+"\n", append([]any{stamp()}, args...)...)
}

func stamp() string { return time.Now().Format("15:04:05") }
