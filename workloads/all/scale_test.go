package all_test

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/storefit/storefit/workloads"
	_ "github.com/storefit/storefit/workloads/all"
)

var update = flag.Bool("update", false, "rewrite testdata/presets.json")

// presetWorkloads are the workloads whose effective settings at the presets
// are pinned: one per pattern, plus the twitter scenario.
var presetWorkloads = []string{"point/a", "crud/mix", "agg/mix", "graph/mix", "search/mix", "series/mix", "wide/mix", "twitter/mix"}

// TestPresetsUnchanged pins every pattern's settings at quick and full (the
// data is a pure function of the seed and the settings): numeric scales
// must leave both presets byte for byte as they were.
func TestPresetsUnchanged(t *testing.T) {
	if testing.Short() {
		t.Skip("counts full-scale likes and edges")
	}
	got := map[string]map[string]any{}
	for _, sc := range []workloads.Scale{workloads.Quick, workloads.Full} {
		for _, name := range presetWorkloads {
			w, err := workloads.New(name, workloads.Params{Seed: 1, Scale: sc})
			if err != nil {
				t.Fatal(err)
			}
			s := w.Settings()
			s["records"] = w.Records()
			got[name+"@"+string(sc)] = s
		}
	}
	path := filepath.Join("testdata", "presets.json")
	raw, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &b); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(b, a); d != "" {
		t.Errorf("preset settings changed (-want +got):\n%s", d)
	}
}

// TestFullOnTheCurve checks that each pattern's full preset is the factor
// the documentation names: a sweep's factors and full lie on one curve.
func TestFullOnTheCurve(t *testing.T) {
	if testing.Short() {
		t.Skip("counts full-scale likes and edges")
	}
	for name, factor := range map[string]string{
		"point/a": "100", "crud/mix": "100", "agg/mix": "100", "graph/mix": "100",
		"search/mix": "100", "series/mix": "960", "wide/mix": "1000",
	} {
		t.Run(name, func(t *testing.T) {
			sc, err := workloads.ParseScale(factor)
			if err != nil {
				t.Fatal(err)
			}
			full, err := workloads.New(name, workloads.Params{Seed: 1, Scale: workloads.Full})
			if err != nil {
				t.Fatal(err)
			}
			at, err := workloads.New(name, workloads.Params{Seed: 1, Scale: sc})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(full.Settings(), at.Settings()); d != "" {
				t.Errorf("%s at factor %s differs from full (-full +factor):\n%s", name, factor, d)
			}
		})
	}
}

// TestFactorSizes checks that data grows as the factor: records at factor
// f are within rounding of f times quick's, for every pattern.
func TestFactorSizes(t *testing.T) {
	for _, name := range []string{"point/a", "agg/mix", "search/mix", "series/mix", "wide/mix", "graph/mix"} {
		quick, err := workloads.New(name, workloads.Params{Seed: 1, Scale: workloads.Quick})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"0.1", "0.5", "3"} {
			sc, _ := workloads.ParseScale(f)
			w, err := workloads.New(name, workloads.Params{Seed: 1, Scale: sc})
			if err != nil {
				t.Fatalf("%s at %s: %v", name, f, err)
			}
			ratio := float64(w.Records()) / float64(quick.Records()) / sc.Factor()
			lo, hi := 0.97, 1.03
			if name == "graph/mix" {
				// Edges grow as users^1.15: f^0.15 more per user.
				d := graph15(sc.Factor())
				lo, hi = 0.95*d, 1.05*d
			}
			if ratio < lo || ratio > hi {
				t.Errorf("%s at %s: %d records, quick %d: ratio/f = %.3f, want in [%.3f, %.3f]", name, f, w.Records(), quick.Records(), ratio, lo, hi)
			}
		}
	}
}

func graph15(f float64) float64 { return math.Pow(f, math.Log(2)/math.Log(100)) }
