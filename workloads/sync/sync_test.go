package syncwl_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	_ "github.com/storefit/storefit/drivers/postgres"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/runner"
	"github.com/storefit/storefit/workloads"
	syncwl "github.com/storefit/storefit/workloads/sync"
)

var _ runner.RunFinisher = (*syncwl.Workload)(nil)

// servers returns the DSNs the live tests need, skipping without them
// (failing under STOREFIT_REQUIRE_SERVERS=1, as CI sets).
func servers(t *testing.T) (pg, redis string) {
	t.Helper()
	pg, redis = os.Getenv("STOREFIT_POSTGRES_DSN"), os.Getenv("STOREFIT_REDIS_DSN")
	if pg == "" || redis == "" {
		if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
			t.Fatal("STOREFIT_POSTGRES_DSN (wal_level=logical, a role with REPLICATION) and STOREFIT_REDIS_DSN must be set")
		}
		t.Skip("set STOREFIT_POSTGRES_DSN and STOREFIT_REDIS_DSN to run the sync workload against live servers")
	}
	return pg, redis
}

// runSync runs one sync cell and returns it.
func runSync(t *testing.T, strategy string, opts map[string]any) *results.Cell {
	t.Helper()
	pg, redis := servers(t)
	o := map[string]any{"users": 200, "tweets": 2000, "followsperuser": 5, "redis": redis, "prefix": "synctest_",
		"draintimeout": "10s"}
	for k, v := range opts {
		o[k] = v
	}
	plan := runner.Plan{Cells: []runner.Cell{{
		Workload: "sync/" + strategy, Store: "postgres", DSN: pg,
		Params: workloads.Params{Seed: 1, Scale: workloads.Quick, Options: o},
		Config: runner.Config{Workers: 1, Rate: 150, Duration: 5 * time.Second, Loaders: 2},
	}}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
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
		t.Logf("%-9s lag p50 %.1f p99 %.1f max %.1f ms, markers %d, failed applies %d (injected %d), divergence %d (missing %d extra %d different %d) of %d rows %v",
			v.Name, v.LagP50Ms, v.LagP99Ms, v.LagMaxMs, v.Markers, v.FailedApplies, v.Injected, v.Divergence, v.Missing, v.Extra, v.Different, v.Rows, v.Samples)
	}
	return c
}

// TestDualDrifts: dual writes with injected view write failures leave the
// views different from the source, by exactly the rows whose last write
// failed (one writer, so no reordering adds to it).
func TestDualDrifts(t *testing.T) {
	c := runSync(t, "dual", map[string]any{"failp": 0.05})
	total := int64(0)
	for _, v := range c.Sync.Views {
		if v.ExpectedDivergence == nil {
			t.Fatalf("view %s: dual writes did not count their expected divergence", v.Name)
		}
		if v.Divergence != *v.ExpectedDivergence {
			t.Errorf("view %s: reconciliation found %d divergent rows, the injected failures explain %d", v.Name, v.Divergence, *v.ExpectedDivergence)
		}
		if v.Injected == 0 {
			t.Errorf("view %s: no failure injected", v.Name)
		}
		total += v.Divergence
	}
	if total == 0 {
		t.Error("dual writes with 5% injected failures left no divergence")
	}
}

// recovers checks that a strategy drained to zero divergence after faults.
// With realStop the timeline view runs on the test's own redis-server,
// which the view-down fault stops and starts again.
func recovers(t *testing.T, strategy string, realStop bool) {
	opts := map[string]any{"failp": 0.05, "viewdown": "timeline", "viewdownat": "1s", "viewdownfor": "2s", "restartat": "3s"}
	if realStop {
		bin, err := exec.LookPath("redis-server")
		if err != nil {
			t.Skip("no redis-server on PATH for the real server stop")
		}
		opts["redisserver"] = bin
	}
	c := runSync(t, strategy, opts)
	if !c.Sync.Drained {
		t.Error("the views did not catch up")
	}
	for _, v := range c.Sync.Views {
		if v.Divergence != 0 {
			t.Errorf("view %s: %d divergent rows after draining %v", v.Name, v.Divergence, v.Samples)
		}
		if v.Rows == 0 || v.Markers == 0 {
			t.Errorf("view %s: %d rows, %d markers measured", v.Name, v.Rows, v.Markers)
		}
	}
	if c.Sync.Restarts != 1 {
		t.Errorf("%d restarts, want 1", c.Sync.Restarts)
	}
	kinds := map[string]bool{}
	for _, f := range c.Sync.Faults {
		kinds[f.Kind] = true
	}
	for _, k := range []string{"write-failures", "view-down", "consumer-restart"} {
		if !kinds[k] {
			t.Errorf("fault %s not listed: %+v", k, c.Sync.Faults)
		}
	}
}

// TestLogicalRecovers: CDC by logical decoding recovers from a view outage,
// a killed consumer and failing view writes with zero divergence.
func TestLogicalRecovers(t *testing.T) { recovers(t, "cdc-logical", false) }

// TestOutboxRecovers: the outbox relay does too, the timeline's Redis
// server really stopped and restarted.
func TestOutboxRecovers(t *testing.T) { recovers(t, "outbox", true) }

// TestDualLosesToServerStop: dual writes lose what they wrote while the
// timeline's server was really down, exactly as they counted.
func TestDualLosesToServerStop(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("no redis-server on PATH")
	}
	c := runSync(t, "dual", map[string]any{"viewdown": "timeline", "viewdownat": "1s", "viewdownfor": "2s", "redisserver": bin})
	for _, v := range c.Sync.Views {
		if v.ExpectedDivergence == nil || v.Divergence != *v.ExpectedDivergence {
			t.Errorf("view %s: divergence %d, expected %v", v.Name, v.Divergence, v.ExpectedDivergence)
		}
		if v.Name == "timeline" && v.Divergence == 0 {
			t.Error("a 2 s timeline outage cost dual writes nothing")
		}
		if v.Name != "timeline" && v.Divergence != 0 {
			t.Errorf("view %s diverged without faults", v.Name)
		}
	}
	if n := c.Sync.Faults[0].Note; !strings.Contains(n, "SHUTDOWN SAVE") {
		t.Errorf("fault note %q", n)
	}
}

// TestDebeziumRecovers: CDC through Debezium and Kafka does too. It needs
// STOREFIT_KAFKA_DSN and STOREFIT_DEBEZIUM_DSN besides.
func TestDebeziumRecovers(t *testing.T) {
	servers(t)
	if os.Getenv("STOREFIT_KAFKA_DSN") == "" || os.Getenv("STOREFIT_DEBEZIUM_DSN") == "" {
		if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
			t.Fatal("STOREFIT_KAFKA_DSN and STOREFIT_DEBEZIUM_DSN must be set")
		}
		t.Skip("set STOREFIT_KAFKA_DSN and STOREFIT_DEBEZIUM_DSN to run the cdc-debezium strategy")
	}
	recovers(t, "cdc-debezium", false)
}
