package runner

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Display shows the progress of a run. Its methods are called from one
// goroutine at a time.
type Display interface {
	// StartPhase begins a phase whose progress counts up to total in unit
	// ("rows", "ms", "ops").
	StartPhase(label string, total int64, unit string)
	// Update reports progress in the current phase, with a detail line.
	Update(current int64, detail string)
	// EndPhase ends the current phase with a summary.
	EndPhase(summary string)
	// Logf prints a line between phases.
	Logf(format string, args ...any)
}

type nopDisplay struct{}

func (nopDisplay) StartPhase(string, int64, string) {}
func (nopDisplay) Update(int64, string)             {}
func (nopDisplay) EndPhase(string)                  {}
func (nopDisplay) Logf(string, ...any)              {}

// NewBarDisplay returns a Display for a terminal: a live progress bar per
// phase (github.com/schollz/progressbar).
func NewBarDisplay(w io.Writer) Display { return &barDisplay{w: w} }

type barDisplay struct {
	mu    sync.Mutex
	w     io.Writer
	bar   *progressbar.ProgressBar
	label string
	unit  string
}

func (d *barDisplay) StartPhase(label string, total int64, unit string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.label, d.unit = label, unit
	max := total
	if max <= 0 {
		max = -1 // spinner
	}
	d.bar = progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(d.w),
		progressbar.OptionSetDescription(label),
		progressbar.OptionSetWidth(24),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionSetPredictTime(unit != "ms"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionFullWidth(),
	)
}

func (d *barDisplay) Update(current int64, detail string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.bar == nil {
		return
	}
	if detail != "" {
		d.bar.Describe(d.label + " " + detail)
	}
	_ = d.bar.Set64(current)
}

func (d *barDisplay) EndPhase(summary string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.bar != nil {
		_ = d.bar.Finish()
		_ = d.bar.Clear()
		d.bar = nil
	}
	fmt.Fprintf(d.w, "  %s: %s\n", d.label, summary)
}

func (d *barDisplay) Logf(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(d.w, format+"\n", args...)
}

// NewLineDisplay returns a Display for logs and pipes: a plain line per
// phase start and end, and a progress line every interval.
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

func (d *lineDisplay) Update(current int64, detail string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if time.Since(d.last) < d.every {
		return
	}
	d.last = time.Now()
	pct := ""
	if d.total > 0 {
		pct = fmt.Sprintf(" %3.0f%%", 100*float64(current)/float64(d.total))
	}
	fmt.Fprintf(d.w, "%s %s:%s %s\n", stamp(), d.label, pct, detail)
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
