package results_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/storefit/storefit/results"
)

// sample returns a result with fixed figures and real histograms.
func sample(t *testing.T) *results.Result {
	t.Helper()
	h := results.NewHistogram()
	for i := int64(1); i <= 1000; i++ {
		h.RecordValue(i * 1000) // 1 µs … 1 ms
	}
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	u := results.NewHistogram()
	for i := int64(1); i <= 1000; i++ {
		u.RecordValue(i * 100)
	}
	uenc, _ := results.EncodeHistogram(u)
	ul := results.Summarize(u)
	at := time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC)
	return &results.Result{
		SchemaVersion: results.SchemaVersion,
		Tool:          results.Tool{Version: "v0.1.0", Commit: "abc123"},
		StartedAt:     at, FinishedAt: at.Add(time.Minute), Complete: true,
		Environment: results.Environment{OS: "linux", Arch: "amd64", CPUModel: "Test CPU", Cores: 2, GOMAXPROCS: 2, MemoryBytes: 24 << 30, GoVersion: "go1.26.8"},
		Cells: []results.Cell{
			{
				Workload: "point/a", Pattern: "point", Store: "memory", StoreVersion: "storefit memory", Status: results.StatusOK,
				Seed: 1, Scale: "quick", Settings: map[string]any{"records": 1000, "fieldcount": 10},
				Params:     results.RunParams{Workers: 2, DurationSeconds: 10, WarmupSeconds: 2, TimeoutSeconds: 10, Loaders: 2},
				Load:       &results.Load{Rows: 1000, Seconds: 0.5, RowsPerSec: 2000, Loaders: 2},
				Validation: &results.Validation{Status: results.ValidationPassed, Checks: 250},
				Run: &results.Run{Mode: results.ClosedLoop, Seconds: 10, Ops: 1000, Errors: 3, OpsPerSec: 100,
					Kinds: []results.OpStats{
						{Kind: "read", Count: 1000, OpsPerSec: 100, Latency: results.Summarize(h), Histogram: enc,
							Errors: map[string]int64{"timeout": 3}, ErrorSamples: []string{"operation timed out"}},
					},
					Intervals: []results.Interval{{T: 0, Ops: 500, OpsPerSec: 500, P50Us: 500, P99Us: 990}},
				},
			},
			{
				Workload: "point/c", Pattern: "point", Store: "noop", Status: results.StatusOK, Seed: 1, Scale: "quick",
				Params:     results.RunParams{Workers: 1, Rate: 1000, DurationSeconds: 1, Loaders: 1},
				Validation: &results.Validation{Status: results.ValidationSkipped, Reason: "store keeps no data"},
				Run: &results.Run{Mode: results.OpenLoop, Seconds: 1, Ops: 1000, OpsPerSec: 1000, IntendedRate: 1000, LateOps: 2, MaxLagUs: 1500,
					Kinds: []results.OpStats{{Kind: "read", Count: 1000, OpsPerSec: 1000, Latency: results.Summarize(h), Histogram: enc,
						Uncorrected: &ul, UncorrectedHistogram: uenc}}},
			},
			{Workload: "point/e", Pattern: "point", Store: "kv", Status: results.StatusNA, Error: "point scans (unordered keys): not supported by this store"},
			{Workload: "point/a", Pattern: "point", Store: "broken", Status: results.StatusFailed, Error: "load: disk full",
				Validation: &results.Validation{Status: results.ValidationFailed, Checks: 10, Failed: 2, Failures: []string{"read user1: not found", "read user2: not found"}}},
		},
	}
}

func TestTextGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := results.WriteText(&buf, sample(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.txt", buf.Bytes())
}

func TestWriteReadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "r.json")
	r := sample(t)
	if err := results.WriteFile(path, r); err != nil {
		t.Fatal(err)
	}
	got, err := results.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got, cmp.Comparer(func(a, b map[string]any) bool { return len(a) == len(b) })); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	h, err := results.DecodeHistogram(got.Cells[0].Run.Kinds[0].Histogram)
	if err != nil || h.TotalCount() != 1000 || h.Max() < 999_000 {
		t.Errorf("histogram after round trip: %v, count %d", err, h.TotalCount())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left beside the result: %v", entries)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ doc, want string }{
		{"{", "invalid JSON"},
		{`{"cells": []}`, "no schema_version"},
		{`{"schema_version": 99}`, "schema version 99"},
		{`{"schema_version": 1, "cells": 3}`, "invalid result"},
	}
	for _, tt := range tests {
		_, err := results.Parse([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("results.Parse(%s): err = %v, want %q", tt.doc, err, tt.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	h := results.NewHistogram()
	if l := results.Summarize(h); l != (results.Latency{}) {
		t.Errorf("empty histogram: %+v", l)
	}
	for i := int64(1); i <= 100; i++ {
		h.RecordValue(i * 1000)
	}
	l := results.Summarize(h)
	near := func(got, want float64) bool { return got >= want*0.999 && got <= want*1.001 }
	if !near(l.P50, 50) || !near(l.P99, 99) || !near(l.Max, 100) || !near(l.Min, 1) || !near(l.Mean, 50.5) {
		t.Errorf("summary %+v", l)
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{results.FormatCount(1234567), "1,234,567"}, {results.FormatCount(12), "12"}, {results.FormatRate(12.34), "12.3"},
		{results.FormatRate(1234.5), "1,235"}, {results.FormatMicros(0.5), "0.50"}, {results.FormatMicros(123.45), "123.5"}, {results.FormatMicros(12345.6), "12,346"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
