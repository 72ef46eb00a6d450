package results_test

import (
	"strings"
	"testing"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/results/resultstest"
)

func twoSeries() []*results.Result {
	specs := []resultstest.Spec{
		{Workload: "point/a", Store: "postgres", Kinds: []string{"read", "update"}, OpsPerSec: 20000, P50Us: 200},
		{Workload: "point/a", Store: "redis", Kinds: []string{"read", "update"}, OpsPerSec: 60000, P50Us: 60},
	}
	a := resultstest.Result(specs, 1)
	specs[0].OpsPerSec, specs[0].P50Us = 30000, 100
	b := resultstest.Result(specs[:1], 2)
	a.Label, b.Label = "pg15", "pg17"
	return []*results.Result{a, b}
}

// Labelled results are series side by side: the same cell of two files is
// two contenders, labelled "store · label", in the files' order; without
// labels the files' cells are repetitions of one contender.
func TestGroupsSideBySide(t *testing.T) {
	rs := twoSeries()
	var labels []string
	for _, g := range results.Groups(rs) {
		labels = append(labels, g.Label)
		if g.Label == "postgres · pg17" && len(g.Cells) != 2 {
			t.Errorf("pg17's two repetitions not grouped: %d cells", len(g.Cells))
		}
	}
	if want := []string{"postgres · pg15", "postgres · pg17", "redis · pg15"}; strings.Join(labels, ",") != strings.Join(want, ",") {
		t.Errorf("groups %v, want %v", labels, want)
	}
	rs[0].Label, rs[1].Label = "", ""
	gs := results.Groups(rs)
	if len(gs) != 2 || len(gs[0].Cells) != 3 || gs[0].Label != "postgres" {
		t.Errorf("merged: %d groups, first %q with %d cells; want postgres with 3 repetitions", len(gs), gs[0].Label, len(gs[0].Cells))
	}
}

// The comparison table gives each series' figures and the ratio to the
// first; a contender missing from a series shows a dash.
func TestCompareSideBySide(t *testing.T) {
	rs := twoSeries()
	sb := results.CompareSideBySide(rs)
	if sb == nil || strings.Join(sb.Series, ",") != "pg15,pg17" || len(sb.Rows) != 2 {
		t.Fatalf("comparison %+v", sb)
	}
	pg := sb.Rows[0]
	if pg.Contender != "postgres" || !pg.Cells[1].Present {
		t.Fatalf("first row %+v", pg)
	}
	if r := pg.Cells[1].OpsRatio; r < 1.4 || r > 1.6 {
		t.Errorf("throughput ratio %.2f, want ≈ 1.5 (30,000 against 20,000)", r)
	}
	if r := pg.Cells[1].P99Ratio; r < 0.4 || r > 0.6 {
		t.Errorf("p99 ratio %.2f, want ≈ 0.5", r)
	}
	cols := sb.Rows[1].Columns()
	if cols[1] != "redis" || cols[3] != "—" || cols[4] != "" {
		t.Errorf("redis row without pg17 %q", cols)
	}
	if got, want := len(cols), len(sb.Header()); got != want {
		t.Errorf("%d columns, header has %d", got, want)
	}
	if results.CompareSideBySide(rs[:1]) != nil {
		t.Error("a comparison of one series")
	}
	var b strings.Builder
	if err := results.WriteTextReport(&b, rs, results.PickOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[pg15] storefit", "Side by side: pg15 vs pg17", "÷ pg15"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text report lacks %q", want)
		}
	}
	b.Reset()
	if err := results.WriteMarkdown(&b, rs, results.PickOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Side by side", "| point/a | postgres |", "| point/a | postgres · pg17 | ok |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown report lacks %q", want)
		}
	}
}

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{{1, "cell", "1 cell"}, {0, "cell", "0 cells"}, {2, "query", "2 queries"}, {3, "day", "3 days"},
		{1500, "row", "1,500 rows"}, {2, "match", "2 matches"}, {1, "repetition", "1 repetition"}} {
		if got := results.Plural(tc.n, tc.noun); got != tc.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
}
