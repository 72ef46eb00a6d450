package placement_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/runner"
	"github.com/storefit/storefit/workloads"
	_ "github.com/storefit/storefit/workloads/twitter"
)

// TestSuiteThroughRunner runs the embedded placement through the runner, as
// `storefit run --suite suites/twitter.yaml` does, twice under two labels:
// the result names each placement by its label, holds the observed figures,
// and the report compares them side by side.
func TestSuiteThroughRunner(t *testing.T) {
	p := workloads.Params{Seed: 1, Scale: workloads.Quick, Options: tiny}
	cfg := runner.Config{Workers: 2, Ops: 300}
	plan := runner.Plan{Suite: "twitter-test", Cells: []runner.Cell{
		{Workload: "twitter/mix", Params: p, Store: "placement:local", DSN: "../../suites/placements/local.yaml", Config: cfg},
		{Workload: "twitter/mix", Params: p, Store: "placement:again", DSN: "../../suites/placements/local.yaml", Config: cfg},
	}}
	res, err := runner.Run(context.Background(), plan, runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cells {
		if c.Status != results.StatusOK || c.Validation == nil || c.Validation.Status != results.ValidationPassed {
			t.Fatalf("%s: status %s, error %q, validation %+v", c.Store, c.Status, c.Error, c.Validation)
		}
		if c.Run.Figures["route.search.bleve"] == 0 || c.Run.Figures["stores"] != 5 {
			t.Errorf("%s: figures %v", c.Store, c.Run.Figures)
		}
	}
	if res.Cells[0].Store != "placement:local" || res.Cells[1].Store != "placement:again" {
		t.Errorf("store labels %q, %q", res.Cells[0].Store, res.Cells[1].Store)
	}
	v := results.ScenarioVerdict(results.ScenarioPlacements([]*results.Result{res}))
	if !strings.Contains(v, "placement:local: ") || !strings.Contains(v, "placement:again: ") {
		t.Errorf("verdict %q does not compare both", v)
	}
}

// TestTwitterSuite: suites/twitter.yaml plans the mix on the three placements.
func TestTwitterSuite(t *testing.T) {
	s, err := runner.LoadSuite("../../suites/twitter.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := s.Plan(runner.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	var stores []string
	for _, c := range plan.Cells {
		stores = append(stores, c.Store+"="+c.DSN)
	}
	want := "placement:local=suites/placements/local.yaml placement:postgres-only=suites/placements/postgres-only.yaml " +
		"placement:postgres-only-mview=suites/placements/postgres-only-mview.yaml placement:postgres-redis=suites/placements/postgres-redis.yaml " +
		"placement:polyglot=suites/placements/polyglot.yaml"
	if got := strings.Join(stores, " "); got != want {
		t.Errorf("cells %s, want %s", got, want)
	}
	// --find-max alone holds each operation to the suite's objective.
	plan, err = s.Plan(runner.Overrides{FindMax: &results.SLO{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range plan.Cells {
		slo := c.Config.SLO.String()
		for _, b := range []string{"timeline:p99=20ms", "post_tweet:p99=50ms", "search:p99=100ms", "dashboard:p99=500ms"} {
			if !strings.Contains(slo, b) {
				t.Errorf("%s: find-max SLO %s, want %s in it", c.Store, slo, b)
			}
		}
		if c.Config.MaxStep != 5*time.Minute {
			t.Errorf("%s: max step %v, want the suite's 5m", c.Store, c.Config.MaxStep)
		}
	}
}
