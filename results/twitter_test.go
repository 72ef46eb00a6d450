package results

import (
	"bytes"
	"strings"
	"testing"
)

func scenarioCell(store string, ops float64, figs map[string]float64, mr *MaxRate) Cell {
	return Cell{Workload: "twitter/mix", Store: store, Status: StatusOK, MaxRate: mr,
		Run: &Run{OpsPerSec: ops, Figures: figs, Kinds: []OpStats{{Kind: "timeline", OpsPerSec: ops, Latency: Latency{P99: 900}}}}}
}

func TestScenarioVerdict(t *testing.T) {
	r := &Result{Complete: true, Cells: []Cell{
		scenarioCell("placement:postgres-only", 100, map[string]float64{"stores": 1, "sync.relay": 1, "sync.strategy.materialized-view": 1, "view.search.reads": 50, "view.search.stale_reads": 0,
			"route.timeline.pg": 10, "resource.pg.cpu_s": 2.5}, nil),
		scenarioCell("placement:polyglot", 210, map[string]float64{"stores": 5, "sync.relay": 1, "view.search.reads": 1000,
			"view.search.behind_reads": 40, "view.search.stale_reads": 3, "view.search.lag_max_ms": 80, "route.timeline.redis": 10}, nil),
		{Workload: "crud/mix", Store: "sqlite", Run: &Run{OpsPerSec: 5}},
	}}
	ps := ScenarioPlacements([]*Result{r})
	if len(ps) != 2 {
		t.Fatalf("%d placements, want 2", len(ps))
	}
	v := ScenarioVerdict(ps)
	for _, want := range []string{
		"placement:polyglot: 2.10× throughput closed loop", "5 stores to run, 0.3% stale reads",
		"placement:postgres-only: 1.00×", "1 store to run, 0% stale reads (baseline)",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("verdict %q lacks %q", v, want)
		}
	}
	if strings.Index(v, "polyglot") > strings.Index(v, "postgres-only") {
		t.Errorf("verdict not ordered by throughput: %s", v)
	}
	// Under find-max the rate at the SLO is the throughput.
	r.Cells[0].MaxRate = &MaxRate{SLO: "p99<=20ms", Rate: 50, Bounded: true}
	r.Cells[1].MaxRate = &MaxRate{SLO: "p99<=20ms", Rate: 150, Bounded: true}
	if v := ScenarioVerdict(ScenarioPlacements([]*Result{r})); !strings.Contains(v, "placement:polyglot: 3.00× throughput at p99<=20ms (150 ops/s)") {
		t.Errorf("find-max verdict: %s", v)
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, []*Result{r}, PickOptions{}); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{"## Twitter scenario", "| placement:polyglot | 5 | relay (async) |", "| placement:postgres-only | 1 | materialized-view (async) |", "timeline: redis 10", "pg: CPU 2.5 s, RSS n/a, disk n/a"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}
