package results

import (
	"strings"
	"testing"
)

func ivs(rates ...float64) []Interval {
	out := make([]Interval, len(rates))
	for i, r := range rates {
		out[i] = Interval{T: i, Ops: int64(r), OpsPerSec: r}
	}
	return out
}

func TestFaultRecovery(t *testing.T) {
	tests := []struct {
		name       string
		rates      []float64
		start, end float64
		pre        float64
		recAt      float64 // -1: not recovered
	}{
		// 1000 ops/s before; paused 3.2–5.1; back at 95% in second 7.
		{"recovered", []float64{1000, 1000, 1000, 400, 0, 100, 850, 950, 1000}, 3.2, 5.1, 1000, 7},
		// The first whole second after the window counts, even at once.
		{"at once", []float64{500, 500, 0, 480, 500}, 2.0, 3.0, 500, 3},
		// Never back to 90%: not recovered.
		{"not recovered", []float64{1000, 1000, 0, 500, 600}, 2.0, 2.5, 1000, -1},
		// The server never came back.
		{"no end", []float64{1000, 1000, 0, 0}, 2.0, 0, 1000, -1},
		// No second before the fault to compare with.
		{"at the start", []float64{0, 1000}, 0.1, 0.5, 0, -1},
	}
	for _, tt := range tests {
		f := Fault{Kind: "pause", Server: "pg", StartSeconds: tt.start, EndSeconds: tt.end}
		f.SetRecovery(ivs(tt.rates...))
		if f.PreFaultOpsPerSec != tt.pre {
			t.Errorf("%s: pre-fault %.0f, want %.0f", tt.name, f.PreFaultOpsPerSec, tt.pre)
		}
		switch {
		case tt.recAt < 0 && f.RecoveredAtSeconds != nil:
			t.Errorf("%s: recovered at %v", tt.name, *f.RecoveredAtSeconds)
		case tt.recAt >= 0 && (f.RecoveredAtSeconds == nil || *f.RecoveredAtSeconds != tt.recAt || *f.RecoverySeconds != tt.recAt-tt.end):
			t.Errorf("%s: recovered at %v in %v, want %v", tt.name, f.RecoveredAtSeconds, f.RecoverySeconds, tt.recAt)
		}
	}
	f := Fault{Kind: "kill", Server: "redis", StartSeconds: 10, EndSeconds: 12.5}
	f.SetRecovery(ivs(9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 0, 0, 0, 9))
	if l := f.Label(); !strings.Contains(l, "kill redis 10.0–12.5 s, recovered in 0.5 s") {
		t.Errorf("label %q", l)
	}
}

// Result.Redact reaches every string — nested in pointers, slices, maps
// of any — but leaves encoded histograms alone.
func TestRedactReachesEveryString(t *testing.T) {
	r := &Result{Suite: "s PW", Interrupted: "PW", Cells: []Cell{{
		Error: "auth PW", DSN: "x", Settings: map[string]any{"redis": "redis://:PW@h", "n": 3, "nested": map[string]any{"a": "PW"}, "list": []any{"PW"}},
		Validation: &Validation{Failures: []string{"got PW"}},
		Run: &Run{Kinds: []OpStats{{Kind: "read", ErrorSamples: []string{"PW!"}, Histogram: "HISTPW"}},
			Intervals: []Interval{{Histogram: "PWPW"}}, Faults: []Fault{{Error: "PW"}}, Figures: map[string]float64{"PW": 1}},
	}}}
	r.Redact(func(s string) string { return strings.ReplaceAll(s, "PW", "xxxxx") })
	c := r.Cells[0]
	if r.Suite != "s xxxxx" || r.Interrupted != "xxxxx" || c.Error != "auth xxxxx" || c.Settings["redis"] != "redis://:xxxxx@h" ||
		c.Settings["n"] != 3 || c.Settings["nested"].(map[string]any)["a"] != "xxxxx" || c.Settings["list"].([]any)[0] != "xxxxx" ||
		c.Validation.Failures[0] != "got xxxxx" || c.Run.Kinds[0].ErrorSamples[0] != "xxxxx!" || c.Run.Faults[0].Error != "xxxxx" {
		t.Errorf("not redacted: %+v / %+v", r, c)
	}
	if c.Run.Kinds[0].Histogram != "HISTPW" || c.Run.Intervals[0].Histogram != "PWPW" {
		t.Error("a histogram was changed")
	}
}

func TestMemoryTrend(t *testing.T) {
	var flat, leak []ProcessSample
	for i := range 19 {
		ts := float64(i * 10)
		wobble := uint64((i % 3) * 100_000)
		flat = append(flat, ProcessSample{T: ts, RSSBytes: 50_000_000 + wobble})
		leak = append(leak, ProcessSample{T: ts, RSSBytes: 50_000_000 + uint64(i)*1_000_000}) // +1 MB per 10 s
	}
	if slope, mean, peak, ok := MemoryTrend(flat, 0); !ok || slope > 2e6 || slope < -2e6 || mean < 50e6 || peak != 50_200_000 {
		t.Errorf("flat: %.0f B/h, mean %.0f, peak %d, %v", slope, mean, peak, ok)
	}
	if slope, _, _, ok := MemoryTrend(leak, 0); !ok || slope < 359e6 || slope > 361e6 {
		t.Errorf("leak: %.0f B/h, want 360 MB/h", slope)
	}
	if _, _, _, ok := MemoryTrend(flat[:5], 30); ok {
		t.Error("a trend from two samples")
	}
	// The heap's trend reads HeapBytes, not the RSS.
	heap := make([]ProcessSample, len(leak))
	for i, p := range leak {
		heap[i] = ProcessSample{T: p.T, RSSBytes: flat[i].RSSBytes, HeapBytes: p.RSSBytes}
	}
	if slope, _, peak, ok := HeapTrend(heap, 0); !ok || slope < 359e6 || slope > 361e6 || peak != 68_000_000 {
		t.Errorf("heap: %.0f B/h, peak %d, want 360 MB/h, 68 MB", slope, peak)
	}
}
