package results_test

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/results/resultstest"
)

func TestScalesOrder(t *testing.T) {
	r := resultstest.GraphSweep()
	if got := results.Scales([]*results.Result{r}); !slices.Equal(got, []string{"quick", "10", "100"}) {
		t.Errorf("Scales = %v", got)
	}
	for _, tc := range []struct {
		a, b string
		want int
	}{{"quick", "10", -1}, {"0.1", "quick", -1}, {"100", "full", -1}, {"10", "10", 0}, {"2", "10", -1}} {
		if got := results.CompareScales(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareScales(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestGroupsKeepScalesApart(t *testing.T) {
	gs := results.Groups([]*results.Result{resultstest.GraphSweep()})
	if len(gs) != 9 {
		t.Fatalf("%d groups, want 9 (3 stores × 3 scales)", len(gs))
	}
	for _, g := range gs {
		if len(g.Cells) != 1 || g.Label != g.Store {
			t.Errorf("group %s %s @%s: %d cells, label %q", g.Workload, g.Store, g.Scale, len(g.Cells), g.Label)
		}
	}
}

func TestCostCurves(t *testing.T) {
	curves := results.CostCurves([]*results.Result{resultstest.GraphSweep()})
	if len(curves) != 3 {
		t.Fatalf("%d curves, want 3", len(curves))
	}
	byLabel := map[string]results.CostCurve{}
	for _, c := range curves {
		byLabel[c.Label] = c
	}
	sq := byLabel["sqlite"]
	if len(sq.Points) != 3 || sq.Points[0].Records != 100_000 || sq.Points[2].Records != 10_000_000 {
		t.Fatalf("sqlite points %+v", sq.Points)
	}
	for _, p := range sq.Points {
		if !p.Usable || p.BytesPerRecord != 20 || p.LoadRowsPerSec != 1e6 {
			t.Errorf("sqlite at %d: usable %v, %v bytes/record, load %v", p.Records, p.Usable, p.BytesPerRecord, p.LoadRowsPerSec)
		}
	}
	if s, ok := sq.Slope(results.MetricThroughput); !ok || math.Abs(s+1) > 1e-9 {
		t.Errorf("sqlite throughput slope %v, %v; want -1", s, ok)
	}
	if s, ok := sq.Slope(results.MetricP99); !ok || math.Abs(s-1) > 0.05 {
		t.Errorf("sqlite p99 slope %v, %v; want ≈ 1", s, ok)
	}
	dk := byLabel["duckdb"]
	if last := dk.Points[2]; last.Usable || !strings.Contains(last.Why, "wrong answers") {
		t.Errorf("duckdb at 10 M: usable %v, why %q; want left out for wrong answers", last.Usable, last.Why)
	}
	if len(dk.Usable()) != 2 {
		t.Errorf("duckdb: %d usable points, want 2", len(dk.Usable()))
	}
}

func TestCrossovers(t *testing.T) {
	xs := results.Crossovers(results.CostCurves([]*results.Result{resultstest.GraphSweep()}))
	find := func(metric, before, after string) *results.Crossover {
		for i := range xs {
			if xs[i].Metric == metric && xs[i].Before == before && xs[i].After == after {
				return &xs[i]
			}
		}
		return nil
	}
	// sqlite 10 000 → 1 000 → 100 ops/s against neo4j's 500: equal at 2 M
	// on the log-log line through 1 M and 10 M.
	x := find(results.MetricThroughput, "sqlite", "neo4j")
	if x == nil {
		t.Fatalf("no throughput crossover sqlite → neo4j in %+v", xs)
	}
	if math.Abs(x.At-2e6)/2e6 > 1e-9 || x.Lo != 1_000_000 || x.Hi != 10_000_000 || x.Close {
		t.Errorf("throughput crossover %+v, want at 2 M between 1 M and 10 M", *x)
	}
	if s := x.Sentence(); s != "neo4j's graph/deep throughput overtakes sqlite's at ~2 M edges (between 1 M and 10 M measured)" {
		t.Errorf("sentence %q", s)
	}
	p := find(results.MetricP99, "sqlite", "neo4j")
	if p == nil {
		t.Fatalf("no p99 crossover in %+v", xs)
	}
	if math.Abs(math.Log(p.At/2e6)) > math.Log(1.15) {
		t.Errorf("p99 crossover at %v, want ≈ 2 M", p.At)
	}
	if !strings.HasPrefix(p.Sentence(), "sqlite's graph/deep p99 passes neo4j's at ~") {
		t.Errorf("sentence %q", p.Sentence())
	}
	// Per kind as well: the mix has two.
	if find(results.MetricP99+":reach", "sqlite", "neo4j") == nil {
		t.Error("no crossover of the reach kind's p99")
	}
	// duckdb's point at 10 M is wrong: its curve against sqlite's has only
	// 100 k and 1 M, where it trails then leads: a crossover there, none
	// beyond.
	for _, x := range xs {
		if (x.Before == "duckdb" || x.After == "duckdb") && x.Hi > 1_000_000 {
			t.Errorf("crossover %+v uses duckdb's wrong answers at 10 M", x)
		}
	}
}

func TestCrossoverAtMeasuredTie(t *testing.T) {
	var specs []resultstest.SweepSpec
	for i, sc := range []string{"quick", "10", "100"} {
		n := int64(1000) * int64(math.Pow(10, float64(i)))
		specs = append(specs,
			resultstest.SweepSpec{Spec: resultstest.Spec{Workload: "point/c", Store: "a", OpsPerSec: []float64{400, 200, 100}[i], P50Us: 100, LoadRows: 1e5}, Scale: sc, Records: n},
			resultstest.SweepSpec{Spec: resultstest.Spec{Workload: "point/c", Store: "b", OpsPerSec: 200, P50Us: 100, LoadRows: 1e5}, Scale: sc, Records: n})
	}
	xs := results.Crossovers(results.CostCurves([]*results.Result{resultstest.Sweep(specs)}))
	var thr []results.Crossover
	for _, x := range xs {
		if x.Metric == results.MetricThroughput {
			thr = append(thr, x)
		}
	}
	if len(thr) != 1 || thr[0].At != 10_000 || thr[0].Before != "a" || thr[0].After != "b" {
		t.Errorf("throughput crossovers %+v, want one at the tie, 10 k records, a then b", thr)
	}
}

func TestCostSummary(t *testing.T) {
	lines := results.CostSummary(results.CostCurves([]*results.Result{resultstest.GraphSweep()}))
	text := strings.Join(lines, "\n")
	for _, want := range []string{
		"graph/deep throughput: at 100 k edges sqlite leads (10,000 ops/s); at 10 M edges neo4j leads (500 ops/s).",
		"sqlite on graph/deep: throughput ∝ size^-1.00",
		"neo4j's graph/deep throughput overtakes sqlite's at ~2 M edges",
		"graph/deep on duckdb at 10 M edges (scale 100) is left out: wrong answers (validation failed).",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
}

// TestCostSummaryMemoryBound: a curve measured on a server under a memory
// bound says so, others do not.
func TestCostSummaryMemoryBound(t *testing.T) {
	r := resultstest.GraphSweep()
	for i := range r.Cells {
		if r.Cells[i].Store == "neo4j" {
			r.Cells[i].MemoryBound = "heap 1 GiB"
		}
	}
	text := strings.Join(results.CostSummary(results.CostCurves([]*results.Result{r})), "\n")
	if !regexp.MustCompile(`neo4j on graph/deep: throughput ∝ size\^\S+, p99 ∝ size\^\S+ over \S+ \S+–\S+ \S+ edges, under the memory bound heap 1 GiB\.`).MatchString(text) {
		t.Errorf("summary does not say neo4j ran under its bound:\n%s", text)
	}
	if strings.Contains(text, "sqlite on graph/deep: throughput") && regexp.MustCompile(`sqlite on graph/deep:[^\n]*memory bound`).MatchString(text) {
		t.Errorf("sqlite's curve claims a bound:\n%s", text)
	}
}

func TestSelectScale(t *testing.T) {
	rs := []*results.Result{resultstest.GraphSweep()}
	kept, notes := results.SelectScale(rs, "", 0)
	if got := results.Scales(kept); !slices.Equal(got, []string{"100"}) || len(notes) != 1 || !strings.Contains(notes[0], "largest, 100") {
		t.Errorf("default: scales %v, notes %v", got, notes)
	}
	kept, _ = results.SelectScale(rs, "10", 0)
	if got := results.Scales(kept); !slices.Equal(got, []string{"10"}) {
		t.Errorf("--scale 10: scales %v", got)
	}
	kept, notes = results.SelectScale(rs, "", 500_000)
	if got := results.Scales(kept); !slices.Equal(got, []string{"10"}) || !strings.Contains(notes[0], "1 M edges (scale 10), the smallest size measured at or above 500 k") {
		t.Errorf("--size 500k: scales %v, notes %v", got, notes)
	}
	kept, notes = results.SelectScale(rs, "", 50_000_000)
	if got := results.Scales(kept); !slices.Equal(got, []string{"100"}) || !strings.Contains(notes[0], "is below 50 M") {
		t.Errorf("--size 50M: scales %v, notes %v", got, notes)
	}
	if err := results.CheckScale(rs, "1000"); err == nil || !strings.Contains(err.Error(), "quick, 10, 100") {
		t.Errorf("CheckScale(1000) = %v", err)
	}
	one := []*results.Result{resultstest.Result(resultstest.Specs(), 1)}
	if kept, notes := results.SelectScale(one, "", 0); len(kept) != 1 || notes != nil {
		t.Errorf("a single scale: %d results, notes %v", len(kept), notes)
	}
}

func TestPickRanksOneSize(t *testing.T) {
	rs := []*results.Result{resultstest.GraphSweep()}
	// Graph objectives: 50 ms p99 overall, 1 s for reach: every point
	// meets them, so throughput decides.
	big := results.Pick(rs, results.PickOptions{})
	if w := big.Patterns[0].Winner(); w != "neo4j" {
		t.Errorf("at the largest size the winner is %q, want neo4j", w)
	}
	small := results.Pick(rs, results.PickOptions{Scale: "quick"})
	if w := small.Patterns[0].Winner(); w != "sqlite" {
		t.Errorf("at quick the winner is %q, want sqlite", w)
	}
	if len(big.ScaleNotes) == 0 || len(small.ScaleNotes) == 0 {
		t.Error("no note says which size was ranked")
	}
}

func TestSweepText(t *testing.T) {
	var b strings.Builder
	if err := results.WriteText(&b, resultstest.GraphSweep()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"scale  records", "Cost growth with data size (scales quick, 10, 100)", "overtakes sqlite's at ~2 M edges", "190.7 MiB on disk, 20 bytes per record"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q", want)
		}
	}
	b.Reset()
	if err := results.WriteMarkdown(&b, []*results.Result{resultstest.GraphSweep()}, results.PickOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Cost growth with data size", "| graph/deep | sqlite | 100 | 10 M edges |", "graph/deep @10"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}
