package results

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sample returns a result with fixed figures and real histograms.
func sample(t *testing.T) *Result {
	t.Helper()
	h := NewHistogram()
	for i := int64(1); i <= 1000; i++ {
		h.RecordValue(i * 1000) // 1 µs … 1 ms
	}
	enc, err := EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	u := NewHistogram()
	for i := int64(1); i <= 1000; i++ {
		u.RecordValue(i * 100)
	}
	uenc, _ := EncodeHistogram(u)
	ul := Summarize(u)
	at := time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC)
	return &Result{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Version: "v0.1.0", Commit: "abc123"},
		StartedAt:     at, FinishedAt: at.Add(time.Minute), Complete: true,
		Environment: Environment{OS: "linux", Arch: "amd64", CPUModel: "Test CPU", Cores: 2, GOMAXPROCS: 2, MemoryBytes: 24 << 30, GoVersion: "go1.26.8"},
		Cells: []Cell{
			{
				Workload: "point/a", Pattern: "point", Store: "memory", StoreVersion: "storefit memory", Status: StatusOK,
				Seed: 1, Scale: "quick", Settings: map[string]any{"records": 1000, "fieldcount": 10},
				Params:     RunParams{Workers: 2, DurationSeconds: 10, WarmupSeconds: 2, TimeoutSeconds: 10, Loaders: 2},
				Load:       &Load{Rows: 1000, Seconds: 0.5, RowsPerSec: 2000, Loaders: 2},
				Validation: &Validation{Status: ValidationPassed, Checks: 250},
				Run: &Run{Mode: ClosedLoop, Seconds: 10, Ops: 1000, Errors: 3, OpsPerSec: 100,
					Kinds: []OpStats{
						{Kind: "read", Count: 1000, OpsPerSec: 100, Latency: Summarize(h), Histogram: enc,
							Errors: map[string]int64{"timeout": 3}, ErrorSamples: []string{"operation timed out"}},
					},
					Intervals: []Interval{{T: 0, Ops: 500, OpsPerSec: 500, P50Us: 500, P99Us: 990}},
				},
			},
			{
				Workload: "point/c", Pattern: "point", Store: "noop", Status: StatusOK, Seed: 1, Scale: "quick",
				Params:     RunParams{Workers: 1, Rate: 1000, DurationSeconds: 1, Loaders: 1},
				Validation: &Validation{Status: ValidationSkipped, Reason: "store keeps no data"},
				Run: &Run{Mode: OpenLoop, Seconds: 1, Ops: 1000, OpsPerSec: 1000, IntendedRate: 1000, LateOps: 2, MaxLagUs: 1500,
					Kinds: []OpStats{{Kind: "read", Count: 1000, OpsPerSec: 1000, Latency: Summarize(h), Histogram: enc,
						Uncorrected: &ul, UncorrectedHistogram: uenc}}},
			},
			{Workload: "point/e", Pattern: "point", Store: "kv", Status: StatusNA, Error: "point scans (unordered keys): not supported by this store"},
			{Workload: "point/a", Pattern: "point", Store: "broken", Status: StatusFailed, Error: "load: disk full",
				Validation: &Validation{Status: ValidationFailed, Checks: 10, Failed: 2, Failures: []string{"read user1: not found", "read user2: not found"}}},
		},
	}
}

func TestTextGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteText(&buf, sample(t)); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "report.txt")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("text report differs from %s (-want +got; go test -update to accept):\n%s", golden, diff)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "r.json")
	r := sample(t)
	if err := WriteFile(path, r); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got, cmp.Comparer(func(a, b map[string]any) bool { return len(a) == len(b) })); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	h, err := DecodeHistogram(got.Cells[0].Run.Kinds[0].Histogram)
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
		_, err := Parse([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%s): err = %v, want %q", tt.doc, err, tt.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	h := NewHistogram()
	if l := Summarize(h); l != (Latency{}) {
		t.Errorf("empty histogram: %+v", l)
	}
	for i := int64(1); i <= 100; i++ {
		h.RecordValue(i * 1000)
	}
	l := Summarize(h)
	near := func(got, want float64) bool { return got >= want*0.999 && got <= want*1.001 }
	if !near(l.P50, 50) || !near(l.P99, 99) || !near(l.Max, 100) || !near(l.Min, 1) || !near(l.Mean, 50.5) {
		t.Errorf("summary %+v", l)
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{FormatCount(1234567), "1,234,567"}, {FormatCount(12), "12"}, {FormatRate(12.34), "12.3"},
		{FormatRate(1234.5), "1,235"}, {FormatMicros(0.5), "0.50"}, {FormatMicros(123.45), "123.5"}, {FormatMicros(12345.6), "12,346"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
