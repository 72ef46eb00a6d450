package runner

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func runStats() []Stat {
	e := &engine{kinds: []string{"read", "update"}, ivs: newIntervals(1, 2)}
	e.ivs.last.Ops, e.ivs.last.OpsPerSec, e.ivs.last.P50Us, e.ivs.last.P99Us, e.ivs.last.Errors = 123456, 123456, 12.3, 456, 2
	return e.status(1_234_567, 10*time.Second).Stats
}

// The progress line never exceeds the width, and drops its parts in a
// fixed order: the bar, then p50, the average, p99, the last second's rate,
// errors, then the count; the label is cut last.
func TestFitLine(t *testing.T) {
	label := "run point/a on postgres"
	stats := runStats()
	order := []string{"[", "p50", "avg", "p99", "123,456 ops/s", "errors", "/10 s"}
	prev := len(order)
	for width := 200; width >= 8; width-- {
		line := FitLine(width, label, 0.45, "4.5/10 s", stats)
		if n := utf8.RuneCountInString(line); n > width {
			t.Fatalf("width %d: line of %d columns: %q", width, n, line)
		}
		// What is shown is a prefix-closed set of the drop order: once a
		// part is gone, every part dropped before it is gone too.
		shown := 0
		for shown < len(order) && !strings.Contains(line, order[shown]) {
			shown++
		}
		for _, p := range order[shown:] {
			if !strings.Contains(line, p) {
				t.Fatalf("width %d: %q dropped before %q: %q", width, p, order[shown], line)
			}
		}
		if shown < len(order)-prev {
			t.Fatalf("width %d: a part came back: %q", width, line)
		}
		prev = len(order) - shown
		if !strings.HasPrefix(line, label[:min(len(label), width-1)]) {
			t.Fatalf("width %d: label lost: %q", width, line)
		}
	}
	if got := FitLine(200, label, 0.45, "4.5/10 s", stats); !strings.Contains(got, "[█████████") {
		t.Errorf("wide line without a bar: %q", got)
	}
	if got := FitLine(79, label, 0.45, "4.5/10 s", stats); !strings.Contains(got, "p99") || strings.Contains(got, "p50") {
		t.Errorf("at 80 columns p50 goes first and p99 stays: %q", got)
	}
}

// The bar display redraws one line in place: no newline until the phase
// ends, every redraw fitted to the terminal.
func TestBarDisplayNeverWraps(t *testing.T) {
	var b bytes.Buffer
	width := 80
	d := NewBarDisplay(&b, func() int { return width })
	d.StartPhase("run point/a on postgres", 10000, "ms")
	for i := range 40 {
		if i == 20 {
			width = 50 // the window shrinks
		}
		d.Update(int64(i*250), Status{Stats: runStats()})
	}
	out := b.String()
	if strings.Contains(out, "\n") {
		t.Fatalf("newline during the phase: %q", out)
	}
	for _, frame := range strings.Split(out, "\r")[1:] {
		frame = strings.TrimSuffix(frame, "\x1b[K")
		if n := utf8.RuneCountInString(frame); n >= 80 {
			t.Fatalf("frame of %d columns: %q", n, frame)
		}
	}
	d.EndPhase("done")
	if !strings.HasSuffix(b.String(), "\r\x1b[K  run point/a on postgres: done\n") {
		t.Errorf("end: %q", b.String()[len(out):])
	}
}

// Without a terminal, status lines give each operation kind's figures, as
// YCSB's status lines do.
func TestStatusLinePerKind(t *testing.T) {
	line := StatusLine("run point/a on memory", 4500, 10000, "ms", 4500*time.Millisecond, Status{
		Stats: []Stat{{Text: "12,345 ops/s avg"}},
		Kinds: []KindStatus{
			{Kind: "read", Ops: 55123, OpsPerSec: 6012, P50Us: 12.1, P99Us: 130, MaxUs: 1200},
			{Kind: "update", Ops: 55000, Errors: 3, OpsPerSec: 6000, P50Us: 20, P99Us: 200, MaxUs: 2000},
		},
	})
	for _, want := range []string{"run point/a on memory: 45%, 4.5/10 s | 12,345 ops/s avg",
		"[READ: ops=55,123 errors=0; last s: 6,012 ops/s p50=12.1 p99=130.0 max=1,200 µs]",
		"[UPDATE: ops=55,000 errors=3;"} {
		if !strings.Contains(line, want) {
			t.Errorf("status line lacks %q:\n%s", want, line)
		}
	}
}

// Every log line of a cell names its store.
func TestLogLinesNameTheStore(t *testing.T) {
	var b bytes.Buffer
	plan := Plan{Cells: []Cell{pointCell("memory", "c", Config{Workers: 1, Duration: 1500 * time.Millisecond, Warmup: 100 * time.Millisecond}, nil)}}
	if _, err := Run(t.Context(), plan, Options{Display: NewLineDisplay(&b, 0)}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"load point/c on memory: started", "validate point/c on memory: passed", "warm-up point/c on memory (1 worker): started", "run point/c on memory: started", "[READ: ops="} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, b.String())
		}
	}
}
