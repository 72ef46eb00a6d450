package syncwl_test

import (
	"context"
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	_ "github.com/storefit/storefit/drivers/all"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/runner"
	"github.com/storefit/storefit/workloads"
	syncwl "github.com/storefit/storefit/workloads/sync"
)

var (
	_ runner.RunFinisher = (*syncwl.Workload)(nil)
	_ workloads.Observer = (*syncwl.Workload)(nil)
)

// runCell runs one sync cell on the placement at path and returns it.
func runCell(t *testing.T, strategy, path string, workers int, opts map[string]any) *results.Cell {
	t.Helper()
	o := map[string]any{"users": 200, "tweets": 2000, "followsperuser": 5, "prefix": "synctest_", "draintimeout": "20s"}
	for k, v := range opts {
		o[k] = v
	}
	plan := runner.Plan{Cells: []runner.Cell{{
		Workload: "sync/" + strategy, Store: "placement:sync", DSN: path,
		Params: workloads.Params{Seed: 1, Scale: workloads.Quick, Options: o},
		Config: runner.Config{Workers: workers, Rate: 150, Duration: 5 * time.Second, Loaders: 2},
	}}}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := runner.Run(ctx, plan, runner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := &res.Cells[0]
	if c.Status != results.StatusOK || c.Sync == nil {
		t.Fatalf("cell %s: %s %s", c.Workload, c.Status, c.Error)
	}
	if c.Validation == nil || c.Validation.Status != results.ValidationPassed {
		t.Errorf("validation after load: %+v", c.Validation)
	}
	t.Logf("%s", c.Sync.Verdict)
	for _, v := range c.Sync.Views {
		t.Logf("%-13s %-8s changes %d lag p50 %.1f p99 %.1f max %.1f ms, pending at end %d, failed %d (injected %d), replays %d, divergence %d (missing %d extra %d different %d) of %d rows %v",
			v.Name, v.Store, v.Changes, v.LagP50Ms, v.LagP99Ms, v.LagMaxMs, v.PendingAtEnd, v.FailedApplies, v.Injected, v.Replays,
			v.Divergence, v.Missing, v.Extra, v.Different, v.Rows, v.Samples)
	}
	if r := c.Sync.Rebuild; r != nil {
		t.Logf("%s", r.Text())
	}
	return c
}

// TestDualOnMemory: dual writes through the runner on a placement without
// servers. With view writes failing and writers crashing between their
// writes, the views drift by exactly the rows the writers know they lost
// (one worker, so no two writes of a row race to a view); a retry policy
// that outlasts the failures loses nothing.
func TestDualOnMemory(t *testing.T) {
	c := runCell(t, "dual", "testdata/memory.yaml", 1, map[string]any{"failp": 0.05, "crashp": 0.01})
	total := int64(0)
	for _, v := range c.Sync.Views {
		if v.ExpectedDivergence == nil {
			t.Fatalf("view %s: dual writes did not count their expected divergence", v.Name)
		}
		if v.Divergence != *v.ExpectedDivergence {
			t.Errorf("view %s: reconciliation found %d divergent rows, the writers know of %d", v.Name, v.Divergence, *v.ExpectedDivergence)
		}
		if v.Changes == 0 || v.PendingAtEnd == 0 {
			t.Errorf("view %s: %d changes measured, %d pending at the end (the lost ones)", v.Name, v.Changes, v.PendingAtEnd)
		}
		total += v.Divergence
	}
	if total == 0 {
		t.Error("dual writes with 5% injected failures left no divergence")
	}
	if c.Sync.WriterCrashes == 0 {
		t.Error("no writer crashed")
	}
	kinds := faultKinds(c)
	if !kinds["write-failures"] || !kinds["writer-crashes"] {
		t.Errorf("faults %+v", c.Sync.Faults)
	}

	c = runCell(t, "dual", "testdata/memory.yaml", 2, map[string]any{"failp": 0.05, "retries": 5, "retrybackoff": "1ms"})
	for _, v := range c.Sync.Views {
		if v.Divergence != 0 || v.Retries == 0 {
			t.Errorf("view %s with retries: divergence %d, retries %d", v.Name, v.Divergence, v.Retries)
		}
	}
}

func faultKinds(c *results.Cell) map[string]bool {
	kinds := map[string]bool{}
	for _, f := range c.Sync.Faults {
		kinds[f.Kind] = true
	}
	return kinds
}

// servers skips a live test without the servers the sync placement needs
// (failing under STOREFIT_REQUIRE_SERVERS=1, as CI sets).
func servers(t *testing.T, kafka bool) {
	t.Helper()
	need := []string{"STOREFIT_POSTGRES_DSN"}
	if kafka {
		need = append(need, "STOREFIT_KAFKA_DSN", "STOREFIT_DEBEZIUM_DSN")
	}
	for _, e := range need {
		if os.Getenv(e) == "" {
			if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
				t.Fatalf("%s must be set", e)
			}
			t.Skipf("set %s to run the sync workload against live servers", e)
		}
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
			t.Fatal("redis-server must be on PATH (the placement runs its own)")
		}
		t.Skip("no redis-server on PATH")
	}
}

const placement = "../../suites/placements/sync.yaml"

// faults are the live tests' faults: failing view writes, the cache's
// Redis really stopped for 2 s, every consumer killed, then one crashing
// between applying a batch and recording its position.
var faults = map[string]any{"failp": 0.05, "viewdown": "cache", "viewdownat": "1s", "viewdownfor": "2s", "restartat": "3s", "crashat": "3500ms"}

// recovers checks that a strategy drained to zero divergence after the
// faults, replayed what a crashed consumer had not recorded, and did not
// hold the other views back during the cache's outage.
func recovers(t *testing.T, strategy string) *results.Cell {
	c := runCell(t, strategy, placement, 2, faults)
	if !c.Sync.Drained {
		t.Error("the views did not catch up")
	}
	for _, v := range c.Sync.Views {
		if v.Divergence != 0 {
			t.Errorf("view %s: %d divergent rows after draining %v", v.Name, v.Divergence, v.Samples)
		}
		if v.Rows == 0 || v.Changes == 0 {
			t.Errorf("view %s: %d rows, %d changes measured", v.Name, v.Rows, v.Changes)
		}
	}
	if c.Sync.Restarts != 1 || c.Sync.Crashes != 1 {
		t.Errorf("%d restarts, %d crashes; want 1 and 1", c.Sync.Restarts, c.Sync.Crashes)
	}
	var replays int64
	for _, v := range c.Sync.Views {
		replays += v.Replays
	}
	if replays == 0 {
		t.Error("no change delivered again after a consumer crashed between apply and commit")
	}
	kinds := faultKinds(c)
	for _, k := range []string{"write-failures", "view-down", "consumer-restart", "consumer-crash"} {
		if !kinds[k] {
			t.Errorf("fault %s not listed: %+v", k, c.Sync.Faults)
		}
	}
	isolated(t, c)
	return c
}

// isolated checks that the cache's outage held back only the cache: over
// the seconds wholly inside the outage (before the restart), the cache's
// staleness grew past three quarters of the outage, and every other view
// stayed at least half the outage fresher than the cache — a view the
// outage held back would be as stale as the cache. (No absolute bound: on
// a busy machine a view's staleness without any fault can be a second; on
// a starved one the comparison is not made at all.)
func isolated(t *testing.T, c *results.Cell) {
	t.Helper()
	var down *results.SyncFault
	for i, f := range c.Sync.Faults {
		if f.Kind == "view-down" {
			down = &c.Sync.Faults[i]
		}
	}
	if down == nil || down.Target != "cache" || !strings.Contains(down.Note, "stopped") {
		t.Fatalf("no real outage of the cache listed: %+v", c.Sync.Faults)
	}
	from, to := int(math.Ceil(down.AtSeconds)), int(math.Floor(down.AtSeconds+down.DurationSeconds))
	if to <= from {
		t.Fatalf("outage %+v covers no whole second", down)
	}
	if c.Run != nil && c.Run.Starved() {
		// Staleness is time: on a machine whose other processes starved
		// this one (and the servers' JVMs) of CPU, every view lags by
		// seconds without any fault and the comparison says nothing. The
		// engine's isolation is checked without timing in package syncer.
		t.Logf("isolation not judged: the run was starved of CPU (%.1f s waited in %.1f s)", c.Run.Harness.RunDelaySeconds, c.Run.Seconds)
		return
	}
	worst := map[string]float64{}
	for _, v := range c.Sync.Views {
		for _, p := range v.LagSeries {
			if p.T >= from && p.T < to {
				worst[v.Name] = max(worst[v.Name], p.MaxMs)
			}
		}
	}
	outage := 1000 * down.DurationSeconds
	if worst["cache"] < 0.75*outage {
		t.Errorf("cache: staleness %.0f ms at most during its %.0f s outage: was it down?", worst["cache"], down.DurationSeconds)
	}
	for _, v := range c.Sync.Views {
		if v.Name != "cache" && worst[v.Name] > worst["cache"]-outage/2 {
			t.Errorf("view %s: staleness %.0f ms during the cache's outage (seconds %d–%d), the cache's %.0f ms: the outage held it back %+v",
				v.Name, worst[v.Name], from, to, worst["cache"], v.LagSeries)
		}
	}
}

// TestOutboxRecovers, TestLogicalRecovers, TestDebeziumRecovers,
// TestEventSourcingRecovers: every asynchronous strategy ends with zero
// divergence after failing view writes, a real outage of one view's
// server, killed consumers and a crash between apply and commit.
func TestOutboxRecovers(t *testing.T) {
	servers(t, false)
	recovers(t, "outbox")
}

func TestLogicalRecovers(t *testing.T) {
	servers(t, false)
	recovers(t, "cdc-logical")
}

func TestDebeziumRecovers(t *testing.T) {
	servers(t, true)
	recovers(t, "cdc-debezium")
}

// The event log is the source of truth: PostgreSQL is a projection (its
// view), and the rebuild of it from offset 0 ends equal to the log.
func TestEventSourcingRecovers(t *testing.T) {
	servers(t, true)
	c := recovers(t, "event-sourcing")
	names := []string{}
	for _, v := range c.Sync.Views {
		names = append(names, v.Name)
	}
	if !slices.Contains(names, "source") {
		t.Errorf("views %v: the source store is no projection", names)
	}
	r := c.Sync.Rebuild
	if r == nil || r.Error != "" || r.View != "source" || r.Events == 0 || r.EventsPerSecond <= 0 || r.Rows == 0 || r.Divergence != 0 {
		t.Errorf("rebuild %+v", r)
	}
}

// TestDualLosesToServerStop: dual writes lose what they wrote while the
// cache's server was really down, and what writers crashing between their
// writes did not reach, exactly as their writers counted.
func TestDualLosesToServerStop(t *testing.T) {
	servers(t, false)
	c := runCell(t, "dual", placement, 1, map[string]any{"viewdown": "cache", "viewdownat": "1s", "viewdownfor": "2s", "crashp": 0.1})
	if c.Sync.WriterCrashes == 0 {
		t.Error("no writer crashed between its writes")
	}
	crashed := false
	for _, v := range c.Sync.Views {
		if v.ExpectedDivergence == nil || v.Divergence != *v.ExpectedDivergence {
			t.Errorf("view %s: divergence %d, expected %v", v.Name, v.Divergence, v.ExpectedDivergence)
		}
		if v.Name == "cache" && v.Divergence == 0 {
			t.Error("a 2 s cache outage cost dual writes nothing")
		}
		if v.Name != "cache" && v.Divergence != 0 {
			crashed = true
		}
	}
	if !crashed {
		t.Error("writers crashed between their writes, yet no view but the cache diverged")
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		opts map[string]any
		err  string
	}{
		{nil, ""},
		{map[string]any{"views": "search,cache", "viewdown": "cache", "viewdownat": "5s"}, ""},
		{map[string]any{"viewdown": "source"}, ""},
		{map[string]any{"views": "search,timeline"}, `unknown view "timeline"`},
		{map[string]any{"views": "search", "viewdown": "cache"}, "viewdown"},
		{map[string]any{"failp": "1.5"}, "failp"},
		{map[string]any{"colour": "red"}, "unknown field colour"},
		{map[string]any{"redisserver": "redis-server"}, "unknown field redisserver"},
		{map[string]any{"createtweetproportion": 0}, "deletetweetproportion"},
		{map[string]any{"prefix": "Bad-Prefix"}, "prefix"},
		{map[string]any{"crashp": 0.1}, "dual writes"},
	} {
		_, err := syncwl.New("outbox", workloads.Params{Seed: 1, Options: tc.opts})
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%v: error %v, want %q", tc.opts, err, tc.err)
		}
	}
	if _, err := syncwl.New("carrier-pigeon", workloads.Params{Seed: 1}); err == nil {
		t.Error("unknown strategy accepted")
	}
	var names []string
	for _, e := range workloads.Entries() {
		if strings.HasPrefix(e.Name, "sync/") {
			names = append(names, e.Name)
		}
	}
	slices.Sort(names)
	if want := []string{"sync/cdc-debezium", "sync/cdc-logical", "sync/dual", "sync/event-sourcing", "sync/outbox"}; !cmp.Equal(names, want) {
		t.Errorf("registered %v", names)
	}
}

func TestVerdict(t *testing.T) {
	s := &results.Sync{Strategy: "dual", Writes: 10000, Drained: true,
		Faults: []results.SyncFault{{Kind: "write-failures", Probability: 0.01}},
		Views:  []results.SyncView{{Name: "search", Store: "bleve", Rows: 10000, Divergence: 37, LagP99Ms: 3}, {Name: "who_to_follow", Store: "memory", LagP99Ms: 2}}}
	want := "dual writes under 1% view write failures, 10000 writes: lost or left different 37 of 10000 rows in the search view (bleve) after draining (none in who_to_follow); worst commit-to-visible lag p99 3 ms."
	if got := syncwl.Verdict(s); got != want {
		t.Errorf("verdict\n got %s\nwant %s", got, want)
	}
	s = &results.Sync{Strategy: "event-sourcing", Writes: 5, Drained: true, Views: []results.SyncView{{Name: "search", LagP99Ms: 180, PendingAtEnd: 2}}}
	want = "event sourcing without faults, 5 writes: 0 rows lost or different in any view after draining; worst commit-to-visible lag p99 180 ms (2 changes still pending as the phase ended counted at their age)."
	if got := syncwl.Verdict(s); got != want {
		t.Errorf("verdict\n got %s\nwant %s", got, want)
	}
}

// TestSuite: suites/sync.yaml compares the five strategies on the sync
// placement, then sweeps rates; every cell's options are valid.
func TestSuite(t *testing.T) {
	s, err := runner.LoadSuite("../../suites/sync.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := s.Plan(runner.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	var first []string
	for i, c := range plan.Cells {
		if c.Store != "placement:sync" || c.DSN != "suites/placements/sync.yaml" {
			t.Errorf("cell %d: store %s=%s", i, c.Store, c.DSN)
		}
		if _, err := workloads.New(c.Workload, c.Params); err != nil {
			t.Errorf("cell %d (%s): %v", i, c.Workload, err)
		}
		if i < 5 {
			first = append(first, c.Workload)
		}
	}
	if want := []string{"sync/dual", "sync/outbox", "sync/cdc-logical", "sync/cdc-debezium", "sync/event-sourcing"}; !cmp.Equal(first, want) {
		t.Errorf("first cells %v, want %v", first, want)
	}
}
