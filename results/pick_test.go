package results_test

import (
	"slices"
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

// contender finds a store's standing on a pattern.
func contender(t *testing.T, rec *results.Recommendation, pattern, store string) results.Contender {
	t.Helper()
	for _, pr := range rec.Patterns {
		if pr.Pattern != pattern {
			continue
		}
		for _, c := range append(pr.Ranked, pr.Excluded...) {
			if c.Store == store {
				return c
			}
		}
	}
	t.Fatalf("%s on %s not found", store, pattern)
	return results.Contender{}
}

// twoStores is sqlite, the faster, against postgres on point/c.
func twoStores() *results.Result {
	return resultstest.Result([]resultstest.Spec{
		{Workload: "point/c", Store: "sqlite", Kinds: []string{"read"}, OpsPerSec: 90000, P50Us: 20, Embedded: true},
		{Workload: "point/c", Store: "postgres", Kinds: []string{"read"}, OpsPerSec: 30000, P50Us: 120},
	}, 1)
}

// Issue 16: "pick ranks cells whose validation was skipped (every --shard
// run and every --phase run without --validate): half the rows of a sqlite
// table corrupted, --phase run, and sqlite came out #1". A cell is ranked
// only when its validation passed with at least one check.
func TestPickRanksOnlyValidatedCells(t *testing.T) {
	for name, v := range map[string]*results.Validation{
		"skipped in a run phase": {Status: results.ValidationSkipped, Reason: "unvalidated — not ranked: --validate=false skipped the check"},
		"skipped in a shard":     {Status: results.ValidationSkipped, Reason: "shard 0/2 loaded only its share of the data"},
		"no check":               {Status: results.ValidationPassed, Checks: 0},
		"none at all":            nil,
	} {
		t.Run(name, func(t *testing.T) {
			r := twoStores()
			r.Cells[0].Validation = v
			rec := results.Pick([]*results.Result{r}, results.PickOptions{})
			if w := rec.Patterns[0].Winner(); w != "postgres" {
				t.Errorf("winner %q, want postgres: the unvalidated sqlite must not rank", w)
			}
			c := contender(t, rec, "point", "sqlite")
			if c.Why != results.WhyUnvalidated || !strings.Contains(c.Reason, "unvalidated — not ranked") {
				t.Errorf("sqlite: why %q, reason %q", c.Why, c.Reason)
			}
		})
	}
}

// Issue 16: "A store with 45% failed operations is ranked #1: latency
// histograms hold successful operations only, a cell counts as failed only
// above 50% errors, and pick never looks at the error rate."
func TestPickRefusesErrorsBeyondTheBudget(t *testing.T) {
	r := twoStores()
	run := r.Cells[0].Run
	run.Errors = run.Ops * 45 / 55 // 45% of the started operations
	run.Kinds[0].Errors = map[string]int64{"error": run.Errors}
	rec := results.Pick([]*results.Result{r}, results.PickOptions{})
	if w := rec.Patterns[0].Winner(); w != "postgres" {
		t.Errorf("winner %q, want postgres", w)
	}
	if c := contender(t, rec, "point", "sqlite"); c.Why != results.WhyErrors || !strings.Contains(c.Reason, "45% of operations failed") {
		t.Errorf("sqlite: %q", c.Reason)
	}
	// Within the budget a store ranks; --max-error-rate 50% lets it.
	rec = results.Pick([]*results.Result{r}, results.PickOptions{MaxErrorRate: 0.5})
	if w := rec.Patterns[0].Winner(); w != "sqlite" {
		t.Errorf("with a 50%% budget: winner %q, want sqlite", w)
	}
	// A negative budget allows no failure at all.
	run.Errors, run.Kinds[0].Errors = 1, map[string]int64{"timeout": 1}
	rec = results.Pick([]*results.Result{r}, results.PickOptions{MaxErrorRate: -1})
	if c := contender(t, rec, "point", "sqlite"); c.Why != results.WhyErrors {
		t.Errorf("one failure with no budget: %q", c.Reason)
	}
}

// Issue 16: "Under open loop, operations that were scheduled but never
// started (70 221 of 100 000 in one run) are in no histogram, so the
// 'corrected' p99 describes the 30% that ran." Such a run is not ranked,
// and its inclusive latency counts the drops.
func TestPickRefusesDroppedOperations(t *testing.T) {
	r := twoStores()
	run := r.Cells[0].Run
	run.Mode, run.IntendedOps, run.DroppedOps = results.OpenLoop, 100000, 70221
	rec := results.Pick([]*results.Result{r}, results.PickOptions{})
	c := contender(t, rec, "point", "sqlite")
	if c.Why != results.WhyDropped || !strings.Contains(c.Reason, "70,221 of 100,000") {
		t.Errorf("sqlite: why %q: %q", c.Why, c.Reason)
	}
}

// The objective is checked per operation kind on the inclusive latency:
// a store whose successful operations are fast but whose failures took
// the timeout misses it, and the reason names the kind.
func TestPickChecksInclusiveLatencyPerKind(t *testing.T) {
	r := resultstest.Result([]resultstest.Spec{
		{Workload: "graph/mix", Store: "sqlite", Kinds: []string{"neighbours", "fof"}, OpsPerSec: 5000, P50Us: 100, Embedded: true},
		{Workload: "graph/mix", Store: "postgres", Kinds: []string{"neighbours", "fof"}, OpsPerSec: 1000, P50Us: 500},
	}, 1)
	// 0.09% of sqlite's neighbours calls — within the 0.1% error budget —
	// time out after 10 s.
	k := &r.Cells[0].Run.Kinds[0]
	failures := results.NewHistogram()
	n := k.Count * 9 / 10000
	_ = failures.RecordValues(int64(10e9), n)
	k.FailureHistogram, _ = results.EncodeHistogram(failures)
	k.Errors = map[string]int64{"timeout": n}
	r.Cells[0].Run.Errors = n
	in := results.Summarize(k.InclusiveHistogram())
	k.Inclusive = &in
	rec := results.Pick([]*results.Result{r}, results.PickOptions{Objectives: []results.Objective{mustObjective(t, "graph.neighbours:p99.95=10ms")}})
	c := contender(t, rec, "graph", "sqlite")
	if c.Why != results.WhySLO || !strings.Contains(c.Reason, "p99.95 of neighbours 10.0 s > 10ms") {
		t.Errorf("sqlite: why %q: %q", c.Why, c.Reason)
	}
	if k.Latency.P99 > 10000 {
		t.Errorf("the successful operations alone are fast: p99 %.0f µs", k.Latency.P99)
	}
}

func mustObjective(t *testing.T, s string) results.Objective {
	t.Helper()
	o, err := results.ParseObjective(s)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// quickSuite models the default suite (suites/quick.yaml) on the embedded
// stores with per-kind p99s as measured on a busy 2-core machine: agg and
// search queries take tens to hundreds of milliseconds.
func quickSuite() *results.Result {
	return resultstest.Result([]resultstest.Spec{
		{Workload: "point/a", Store: "pebble", Kinds: []string{"read", "update"}, OpsPerSec: 44000, P50Us: 8, Spread: 1.4, Embedded: true},
		{Workload: "point/a", Store: "sqlite", Kinds: []string{"read", "update"}, OpsPerSec: 16800, P50Us: 25, Spread: 1.5, Embedded: true},
		{Workload: "crud/mix", Store: "sqlite", Kinds: []string{"read_tweet", "timeline", "like"}, OpsPerSec: 23000, P50Us: 22, Spread: 1.5, Embedded: true},
		{Workload: "agg/mix", Store: "duckdb", Kinds: []string{"q1_avg_price_by_region", "q2_revenue_by_category_month"}, OpsPerSec: 94, P50Us: 14000, Spread: 0.8, Embedded: true},
		{Workload: "agg/mix", Store: "sqlite", Kinds: []string{"q1_avg_price_by_region", "q2_revenue_by_category_month"}, OpsPerSec: 13, P50Us: 138000, Spread: 0.5, Embedded: true},
		{Workload: "graph/mix", Store: "sqlite", Kinds: []string{"neighbours", "fof"}, OpsPerSec: 6100, P50Us: 25, Spread: 1.6, Embedded: true},
		{Workload: "search/mix", Store: "bleve", Kinds: []string{"term-common-top10", "or-top10"}, OpsPerSec: 886, P50Us: 200, Spread: 1.6, Embedded: true},
		{Workload: "search/mix", Store: "sqlite", Kinds: []string{"term-common-top10", "or-top10"}, OpsPerSec: 619, P50Us: 170, Spread: 1.7, Embedded: true},
		{Workload: "series/mix", Store: "duckdb", Kinds: []string{"double-groupby-1", "lastpoint"}, OpsPerSec: 193, P50Us: 5500, Spread: 1.1, Embedded: true},
		{Workload: "wide/mix", Store: "pebble", Kinds: []string{"read_row", "set_columns"}, OpsPerSec: 14700, P50Us: 7, Spread: 1.6, Embedded: true},
	}, 1)
}

// Issue 16: "With the default single SLO (p99 ≤ 10 ms for every
// pattern), pick on the default suite recommends nothing for agg and
// search; with --slo none the headline flips to another store." The
// default objectives, per pattern, name a store for every pattern, and
// the text says why each was chosen.
func TestDefaultObjectivesAnswerEveryPattern(t *testing.T) {
	r := quickSuite()
	old := results.Pick([]*results.Result{r}, results.PickOptions{Objectives: []results.Objective{mustObjective(t, "p99=10ms")}})
	var none []string
	for _, pr := range old.Patterns {
		if pr.Winner() == "" {
			none = append(none, pr.Pattern)
		}
	}
	if !slices.Contains(none, "agg") || !slices.Contains(none, "search") {
		t.Fatalf("the model does not reproduce the issue: p99 ≤ 10ms left %v without a store", none)
	}
	rec := results.Pick([]*results.Result{r}, results.PickOptions{})
	var b strings.Builder
	if err := results.WritePickText(&b, rec); err != nil {
		t.Fatal(err)
	}
	for _, pr := range rec.Patterns {
		if pr.Winner() == "" {
			t.Errorf("%s: no store under the default objectives (%s): %s", pr.Pattern, pr.Objective, pr.Explain())
		}
		if !strings.Contains(b.String(), pr.Explain()) {
			t.Errorf("%s: the text lacks its explanation", pr.Pattern)
		}
	}
	if len(rec.Verdict.Unranked) != 0 {
		t.Errorf("unranked patterns %v", rec.Verdict.Unranked)
	}
	// The headline no longer flips with --slo none: both rules cover every
	// pattern and name the same best single store.
	noSLO := results.Pick([]*results.Result{r}, results.PickOptions{Score: true})
	if slo, none := rec.Verdict.Best[0].Stores, noSLO.Verdict.Best[0].Stores; !slices.Equal(slo, none) || len(noSLO.Verdict.Unranked) != 0 {
		t.Errorf("headline store %v under the default objectives, %v with --slo none", slo, none)
	}
	t.Logf("\n%s", b.String())
}

// When no store meets the objective, pick says which came closest and by
// how much.
func TestPickSaysWhichCameClosest(t *testing.T) {
	r := quickSuite()
	rec := results.Pick([]*results.Result{r}, results.PickOptions{Objectives: []results.Objective{mustObjective(t, "agg:p99=10ms")}})
	for _, pr := range rec.Patterns {
		if pr.Pattern != "agg" {
			continue
		}
		if pr.Winner() != "" || pr.Closest == nil || pr.Closest.Store != "duckdb" || pr.Closest.Miss <= 1 {
			t.Fatalf("agg: winner %q, closest %+v", pr.Winner(), pr.Closest)
		}
		if e := pr.Explain(); !strings.Contains(e, "duckdb came closest") || !strings.Contains(e, "× over") {
			t.Errorf("explanation %q", e)
		}
	}
}

// Issue 16: the "one DB to rule them all?" verdict said "sqlite alone
// covers all 4 patterns measured" when 7 were measured, and wrote rows in
// two formats. It counts every measured pattern and writes every row as
// "pattern: store".
func TestVerdictCountsEveryPattern(t *testing.T) {
	r := quickSuite()
	rec := results.Pick([]*results.Result{r}, results.PickOptions{Objectives: []results.Objective{mustObjective(t, "p99=10ms")}})
	v := rec.Verdict
	if len(v.Patterns) != 7 || len(v.Unranked) == 0 {
		t.Fatalf("patterns %v, unranked %v", v.Patterns, v.Unranked)
	}
	text := strings.Join(v.Sentences, " ")
	if strings.Contains(text, "4 patterns measured") || !strings.Contains(text, "of the 7 patterns measured") {
		t.Errorf("sentences miscount: %s", text)
	}
	for _, c := range v.Best {
		if c.Covered > 7-len(v.Unranked) || len(c.Serves) != 7 {
			t.Errorf("combination %v covers %d of %d serves", c.Stores, c.Covered, len(c.Serves))
		}
	}
	var b strings.Builder
	if err := results.WritePickText(&b, rec); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "1 ") && (!strings.Contains(line, "point: ") || !strings.Contains(line, "agg: none")) {
			t.Errorf("single-store row not in the 'pattern: store' format: %q", line)
		}
	}
}

// Issue 16: "--find-max keeps an open-loop run but prints 'closed loop'".
// The cell's text names the mode of the run it kept.
func TestFindMaxTextNamesTheModeKept(t *testing.T) {
	rs := resultstest.Sample()
	var b strings.Builder
	if err := results.WriteText(&b, rs[1]); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	i := strings.Index(text, "== point/c on postgres")
	if i < 0 {
		t.Fatalf("no find-max cell:\n%s", text)
	}
	cell := text[i:]
	settings, _, _ := strings.Cut(cell[strings.Index(cell, "seed "):], "\n")
	if !strings.Contains(settings, "kept the open-loop run at 24,000 ops/s") || strings.Contains(settings, "closed loop") {
		t.Errorf("find-max cell settings line: %q", settings)
	}
}

// --by ops-per-core ranks by throughput per server core: a store that is
// faster only because its server burns more cores loses, and a store
// whose server was not measured is not ranked.
func TestPickByOpsPerCore(t *testing.T) {
	r := resultstest.Result([]resultstest.Spec{
		{Workload: "point/c", Store: "redis", Kinds: []string{"read"}, OpsPerSec: 90000, P50Us: 80},
		{Workload: "point/c", Store: "postgres", Kinds: []string{"read"}, OpsPerSec: 40000, P50Us: 150},
		{Workload: "point/c", Store: "sqlite", Kinds: []string{"read"}, OpsPerSec: 50000, P50Us: 100},
	}, 1)
	cores := map[string]float64{"redis": 1.5, "postgres": 0.5} // sqlite: not measured
	for i := range r.Cells {
		c := &r.Cells[i]
		if n, ok := cores[c.Store]; ok {
			c.Run.Server = &results.Server{PID: 1, CPUSeconds: n * c.Run.Seconds, Cores: n}
			c.Run.Server.PerOp(c.Run.Ops)
		}
	}
	rs := []*results.Result{r}
	if w := results.Pick(rs, results.PickOptions{}).Patterns[0].Winner(); w != "redis" {
		t.Fatalf("by throughput: winner %q, want redis", w)
	}
	rec := results.Pick(rs, results.PickOptions{By: results.ByOpsPerCore})
	pr := rec.Patterns[0]
	if w := pr.Winner(); w != "postgres" {
		t.Errorf("by ops per core: winner %q, want postgres (80,000 ops/s per core against redis' 60,000)", w)
	}
	if len(pr.Ranked) != 2 || pr.Ranked[1].Store != "redis" || pr.Ranked[1].Slowdown < 1.32 || pr.Ranked[1].Slowdown > 1.34 {
		t.Errorf("ranked %+v, want redis second at 1.33×", pr.Ranked)
	}
	var why string
	for _, c := range pr.Excluded {
		if c.Store == "sqlite" {
			why = c.Why
		}
	}
	if why != results.WhyNoServer {
		t.Errorf("sqlite without server figures: why %q, want %q", why, results.WhyNoServer)
	}
	if !strings.Contains(rec.Rule, "per server core") {
		t.Errorf("rule %q does not say it ranks by ops per core", rec.Rule)
	}
}
