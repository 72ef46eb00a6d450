//go:build soak

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/results"
)

// Targets of the soak: storefit's resident memory stays under maxSoakRSS,
// and grows by at most maxSoakGrowth over the run (from the trend after the
// first minute) — flat, within the noise of a garbage-collected heap.
const (
	maxSoakRSS    = 200e6
	maxSoakGrowth = 10e6
)

// TestSoak is make soak (build tag soak; not part of make test): point/a
// against Redis for $STOREFIT_SOAK_DURATION (default 30m), storefit's RSS,
// heap and goroutines sampled every 10 s into the result (kept in
// results/soak-<time>.json), then checked: RSS under 200 MB, no growth
// trend, goroutines steady. (The run keeps one encoded histogram per second
// for the result, about 1–2 KB each: a few MB over 30 minutes, within the
// 10 MB allowed.) Redis is $STOREFIT_REDIS_DSN, else one started
// with compose/native/redis.sh for the soak. Run it on a quiet machine:
// its figures go into docs/benchmarks.md.
func TestSoak(t *testing.T) {
	d := 30 * time.Minute
	if v := os.Getenv("STOREFIT_SOAK_DURATION"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil || d < time.Minute {
			t.Fatalf("STOREFIT_SOAK_DURATION=%q: give a duration of at least 1m", v)
		}
	}
	dsn := os.Getenv("STOREFIT_REDIS_DSN")
	if dsn == "" {
		dsn, _ = startNative(t, "redis", "redis-server")
	}
	dir, _ := filepath.Abs("../../results")
	out := filepath.Join(dir, "soak-"+time.Now().UTC().Format("2006-01-02T15-04-05")+".json")
	t.Logf("soak: point/a on redis for %s, result in %s", d, out)
	_, stderr, code := storefit(t, ".", "run", "-q", "--workload", "point/a", "--store", "redis="+dsn, "--workers", "4",
		"--duration", d.String(), "--warmup", "10s", "--timeout", "10s", "--out", out)
	r, err := results.ReadFile(out)
	if err != nil {
		t.Fatalf("exit %d, no result: %v\n%s", code, err, stderr)
	}
	c := r.Cells[0]
	if c.Run == nil || !r.Complete {
		t.Fatalf("exit %d, cell %s: %s\n%s", code, c.Status, c.Error, stderr)
	}
	run := c.Run
	ps := run.Process
	slope, mean, peak, ok := results.MemoryTrend(ps, 60)
	if !ok {
		t.Fatalf("%d process samples: too few for a trend", len(ps))
	}
	growth := slope * d.Hours()
	// Goroutines in the steady part: after the first minute, before the
	// deadline (the samples taken then see the workers stop).
	minG, maxG := 1<<30, 0
	for _, p := range ps {
		if p.T >= 60 && p.T < d.Seconds()-1 {
			minG, maxG = min(minG, p.Goroutines), max(maxG, p.Goroutines)
		}
	}
	all := run.Overall()
	summary := []string{
		fmt.Sprintf("duration %s, %s ops/s, p50 %s µs, p99 %s µs, %d errors", d, results.FormatRate(run.OpsPerSec), results.FormatMicros(all.P50), results.FormatMicros(all.P99), run.Errors),
		fmt.Sprintf("RSS: %.1f MB at the start, %.1f MB at the end, mean %.1f MB, max %.1f MB (after the first minute)", float64(ps[0].RSSBytes)/1e6, float64(ps[len(ps)-1].RSSBytes)/1e6, mean/1e6, float64(peak)/1e6),
		fmt.Sprintf("RSS trend after the first minute: %+.2f MB/h, %+.2f MB over the soak", slope/1e6, growth/1e6),
		fmt.Sprintf("goroutines after the first minute: %d to %d; %d samples every 10 s", minG, maxG, len(ps)),
	}
	if hSlope, hMean, hPeak, ok := results.HeapTrend(ps, 60); ok {
		summary = append(summary, fmt.Sprintf("Go heap: %.1f MB at the start, %.1f MB at the end, mean %.1f MB, max %.1f MB, trend %+.2f MB/h (after the first minute)",
			float64(ps[0].HeapBytes)/1e6, float64(ps[len(ps)-1].HeapBytes)/1e6, hMean/1e6, float64(hPeak)/1e6, hSlope/1e6))
	}
	if h := run.Harness; h != nil {
		summary = append(summary, fmt.Sprintf("storefit used %.2f cores; other processes %s; load average %.1f", h.Cores, otherCoresText(h), h.LoadAverage))
	}
	for _, s := range summary {
		t.Log(s)
		fmt.Println("soak:", s)
	}
	if float64(peak) > maxSoakRSS {
		t.Errorf("RSS reached %.1f MB, over the %.0f MB target", float64(peak)/1e6, maxSoakRSS/1e6)
	}
	if growth > maxSoakGrowth {
		t.Errorf("RSS grew by %.1f MB over the soak (trend %+.2f MB/h): more than %.0f MB, a leak", growth/1e6, slope/1e6, maxSoakGrowth/1e6)
	}
	if maxG-minG > 4 {
		t.Errorf("goroutines from %d to %d: a leak", minG, maxG)
	}
	if !strings.HasPrefix(c.Status, "ok") {
		t.Errorf("cell %s: %s", c.Status, c.Error)
	}
}

func otherCoresText(h *results.Harness) string {
	if h.OtherCores == nil {
		return "unknown"
	}
	return fmt.Sprintf("kept %.2f cores busy", *h.OtherCores)
}
