package results_test

import (
	"strings"
	"testing"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/results/resultstest"
)

func TestPickWinners(t *testing.T) {
	rec := results.Pick(resultstest.Sample(), results.PickOptions{})
	want := map[string]string{"point": "redis", "agg": "duckdb", "graph": "postgres", "search": "postgres"}
	for _, pr := range rec.Patterns {
		if w := pr.Winner(); w != want[pr.Pattern] {
			t.Errorf("%s: winner %q, want %q", pr.Pattern, w, want[pr.Pattern])
		}
		for _, c := range pr.Ranked {
			if c.Store == "noop" {
				t.Errorf("%s: the noop store was ranked", pr.Pattern)
			}
		}
		if pr.Pattern == "search" {
			var reason string
			for _, c := range pr.Excluded {
				if c.Store == "duckdb" {
					reason = c.Reason
				}
			}
			if !strings.Contains(reason, "validation failed") {
				t.Errorf("duckdb on search: reason %q, want failed validation", reason)
			}
		}
	}
	// postgres alone covers all four patterns; three stores reach the best.
	v := rec.Verdict
	if len(v.Singles) != 1 || v.Singles[0].Stores[0] != "postgres" || len(v.Best) != 3 || v.Best[2].GeoMean > 1.0001 || v.Best[2].Covered != 4 {
		t.Errorf("verdict: singles %v, best %+v", v.Singles, v.Best)
	}
}

// A store run with several settings is one store in the verdict.
func TestVerdictCountsAStoreOnce(t *testing.T) {
	r := resultstest.Result([]resultstest.Spec{
		{Workload: "point/c", Store: "memory", OpsPerSec: 100000, P50Us: 5},
		{Workload: "point/c", Store: "memory", OpsPerSec: 5000, P50Us: 5, Rate: 5000},
		{Workload: "wide/mix", Store: "memory", OpsPerSec: 90000, P50Us: 5},
	}, 1)
	rec := results.Pick([]*results.Result{r}, results.PickOptions{})
	if n := len(rec.Patterns[0].Ranked); n != 2 {
		t.Fatalf("%d contenders on point, want memory and memory at 5,000 ops/s", n)
	}
	v := rec.Verdict
	if len(v.Best) != 1 || len(v.Singles) != 1 || v.Singles[0].GeoMean != 1 {
		t.Errorf("verdict %+v: want memory alone", v)
	}
	if !strings.Contains(strings.Join(v.Sentences, " "), "Only one store was ranked") {
		t.Errorf("sentences %q", v.Sentences)
	}
}

// The reference oracle is measured but not ranked unless asked: it keeps
// nothing durable, so a recommendation for it answers no one's question.
func TestOracleNotRankedByDefault(t *testing.T) {
	r := resultstest.Result([]resultstest.Spec{
		{Workload: "point/c", Store: "memory", Kinds: []string{"read"}, OpsPerSec: 500000, P50Us: 1},
		{Workload: "point/c", Store: "sqlite", Kinds: []string{"read"}, OpsPerSec: 50000, P50Us: 20},
	}, 1)
	for i := range r.Cells {
		r.Cells[i].Oracle = r.Cells[i].Store == "memory"
	}
	rec := results.Pick([]*results.Result{r}, results.PickOptions{})
	if w := rec.Patterns[0].Winner(); w != "sqlite" {
		t.Errorf("winner %q, want sqlite with the oracle left out", w)
	}
	if len(rec.Patterns[0].Excluded) != 1 || !strings.Contains(rec.Patterns[0].Excluded[0].Reason, "oracle") {
		t.Errorf("excluded %+v", rec.Patterns[0].Excluded)
	}
	rec = results.Pick([]*results.Result{r}, results.PickOptions{IncludeOracle: true})
	if w := rec.Patterns[0].Winner(); w != "memory" {
		t.Errorf("winner %q with --include-oracle, want memory", w)
	}
}
