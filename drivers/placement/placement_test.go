package placement_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers"
	_ "github.com/storefit/storefit/drivers/bleve"
	_ "github.com/storefit/storefit/drivers/duckdb"
	_ "github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/drivers/placement"
	_ "github.com/storefit/storefit/drivers/sqlite"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/gen"
	"github.com/storefit/storefit/workloads/graph"
	"github.com/storefit/storefit/workloads/search"
	"github.com/storefit/storefit/workloads/twitter"
)

// tiny is the scale of the placement tests: seconds on embedded stores.
var tiny = map[string]any{"users": 300, "tweets": 3000, "likespertweet": 2, "meandegree": 5, "dashboardhours": 1, "loadbatch": 500}

type count struct{ n int64 }

func (c *count) Add(n int64) { c.n += n }

func newWorkload(t *testing.T) *twitter.Workload {
	t.Helper()
	w, err := twitter.New(workloads.Params{Seed: 1, Scale: workloads.Quick, Options: tiny})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func open(t *testing.T, path string) *placement.Conn {
	t.Helper()
	c, err := drivers.Open(context.Background(), "placement:test", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c.(*placement.Conn)
}

// load sets up and loads w into c in two parts, as the runner does.
func load(t *testing.T, w *twitter.Workload, c drivers.Conn) {
	t.Helper()
	ctx := context.Background()
	if err := w.Setup(ctx, c); err != nil {
		t.Fatal(err)
	}
	var p count
	for part := range 2 {
		if err := w.Load(ctx, c, part, 2, &p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.FinishLoad(ctx, c); err != nil {
		t.Fatal(err)
	}
	if p.n != w.Records() {
		t.Errorf("loaded %d rows, Records says %d", p.n, w.Records())
	}
}

// runPlacement loads w into the placement at path, validates it, and runs
// ops operations of each of two workers on it and on the memory oracle,
// interleaved in one goroutine so both see the same writes in the same
// order; then it drains sync and checks the views converged to the
// oracle's answers. It returns the placement's figures.
func runPlacement(t *testing.T, path string, ops int) (*placement.Conn, map[string]float64) {
	t.Helper()
	ctx := context.Background()
	w := newWorkload(t)
	c := open(t, path)
	load(t, w, c)
	v, err := w.Validate(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() || v.Checks < 50 {
		t.Fatalf("validation: %d checks, %d failed: %v", v.Checks, v.Failed, v.Failures)
	}
	if a := v.Figures["search_top10_agreement"]; a < 0.5 {
		t.Errorf("search top-10 agreement %.2f, want ≥ 0.5", a)
	}

	oracle, closeOracle, err := w.Oracle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer closeOracle()
	oc := oracleConn{oracle}
	w.BeginMeasure(ctx, c)
	const n = 2
	var ws, os []workloads.Worker
	for id := range n {
		a, err := w.Worker(c, id, n)
		if err != nil {
			t.Fatal(err)
		}
		b, err := w.Worker(oc, id, n)
		if err != nil {
			t.Fatal(err)
		}
		ws, os = append(ws, a), append(os, b)
	}
	for i := range ops * n {
		// Kill the sync applier (relay, consumer, refresher) three
		// times mid-run: the next one resumes from the durable position.
		if i > 0 && i%(ops*n/4) == 0 {
			if err := c.RestartSync(ctx); err != nil {
				t.Fatal(err)
			}
			// And let the next one die between applying a batch and
			// recording it: the batch is applied again, once per view.
			placement.CrashAfterNextApply(c)
		}
		op, ref := ws[i%n].Next(), os[i%n].Next()
		if op.Kind() != ref.Kind() {
			t.Fatalf("op %d: kind %d on the placement, %d on the oracle", i, op.Kind(), ref.Kind())
		}
		if err := op.Do(ctx); err != nil {
			t.Fatalf("op %d (%s): %v", i, w.OpKinds()[op.Kind()], err)
		}
		if err := ref.Do(ctx); err != nil {
			t.Fatalf("oracle op %d (%s): %v", i, w.OpKinds()[op.Kind()], err)
		}
	}
	figs := c.Figures(ctx)
	if err := c.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	converged(t, w, c.App(), oracle)
	return c, figs
}

// oracleConn offers the oracle application as a connection.
type oracleConn struct{ s twitter.Store }

func (o oracleConn) Close() error                         { return nil }
func (o oracleConn) TwitterStore() (twitter.Store, error) { return o.s, nil }

// converged checks that the placement's answers equal the oracle's after
// the run's writes were applied: dashboards of every window up to the run's
// simulated times, search counts of the posted tweets' words, timelines of
// the most prolific authors, who-to-follow of the follow ops' users.
func converged(t *testing.T, w *twitter.Workload, got, want twitter.Store) {
	t.Helper()
	ctx := context.Background()
	cfg := w.Config()
	for i := range int64(24 * 3) { // 3 days of hourly windows
		from, to := w.Window(i)
		a, err := got.Dashboard(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		b, err := want.Dashboard(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Equal(b) {
			t.Errorf("after sync, dashboard %s: got %+v, want %+v", from, a, b)
		}
	}
	var toks []string
	for id := cfg.Tweets + 1; id <= cfg.Tweets+20; id++ {
		tw, err := want.TweetByID(ctx, crud.TweetID(id))
		if err != nil {
			continue // not posted
		}
		toks = search.AppendTokens(toks[:0], []byte(tw.Body))
		q := search.Query{Kind: search.Term, Terms: []string{toks[len(toks)-1]}}
		a, err := got.CountTweets(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := want.CountTweets(ctx, q)
		if a != b {
			t.Errorf("after sync, search count %s: got %d, want %d", q, a, b)
		}
		ga, err := got.Timeline(ctx, tw.UserID, cfg.TimelineLimit, nil)
		if err != nil {
			t.Fatal(err)
		}
		gb, _ := want.Timeline(ctx, tw.UserID, cfg.TimelineLimit, nil)
		if !slices.Equal(ga, gb) {
			t.Errorf("after a post, timeline of %d: got %v, want %v", tw.UserID, ga, gb)
		}
	}
	// Whole UTC days: the rollups' own path (the hourly windows above take
	// the base tables').
	for d := range int64(3) {
		from := time.Unix(gen.TwitterStart, 0).UTC().AddDate(0, 0, int(d))
		a, err := got.Dashboard(ctx, from, from.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := want.Dashboard(ctx, from, from.AddDate(0, 0, 1))
		if !a.Equal(b) {
			t.Errorf("after sync, dashboard of day %s: got %+v, want %+v", from.Format(time.DateOnly), a, b)
		}
	}
	// Every user's home page: fan-out on write and the hybrid must give
	// what fan-out on read gives once synced.
	var ha, hb []crud.TweetID
	differ := 0
	for u := crud.UserID(1); u <= crud.UserID(cfg.Users); u++ {
		var err error
		if ha, err = got.Home(ctx, u, cfg.TimelineLimit, ha); err != nil {
			t.Fatal(err)
		}
		hb, _ = want.Home(ctx, u, cfg.TimelineLimit, hb)
		if !slices.Equal(ha, hb) {
			if differ++; differ <= 3 {
				t.Errorf("after sync, home of %d: got %v, want %v", u, ha, hb)
			}
		}
	}
	if differ > 0 {
		t.Errorf("after sync, %d of %d home pages differ from the oracle's", differ, cfg.Users)
	}
	for u := graph.UserID(1); u <= 40; u++ {
		a, err := got.WhoToFollow(ctx, u, 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := want.WhoToFollow(ctx, u, 10, nil)
		if !slices.Equal(a, b) {
			t.Errorf("after sync, who to follow %d: got %v, want %v", u, a, b)
		}
	}
}

// TestLocal runs the embedded placement at a tiny scale: validation, then
// the mix, with assertions that each operation reached the store the
// placement names, that reads of views behind the source were counted, and
// that the views converged once sync drained.
func TestLocal(t *testing.T) {
	c, figs := runPlacement(t, "../../suites/placements/local.yaml", 400)
	want := map[string][]string{
		"timeline":      {"cache", "sqlite"},
		"read_tweet":    {"sqlite"},
		"post_tweet":    {"sqlite", "cache"},
		"like":          {"sqlite"},
		"follow":        {"sqlite"},
		"search":        {"bleve"},
		"who_to_follow": {"graph"},
		"dashboard":     {"duckdb"},
		"home":          {"sqlite"},
	}
	for op, stores := range want {
		for _, s := range stores {
			if figs["route."+op+"."+s] <= 0 {
				t.Errorf("%s never reached %s: figures %v", op, s, routes(figs))
			}
		}
	}
	for k, v := range figs {
		if strings.HasPrefix(k, "route.") {
			op, store, _ := strings.Cut(strings.TrimPrefix(k, "route."), ".")
			if v > 0 && !slices.Contains(want[op], store) {
				t.Errorf("%s reached %s, which the placement does not name for it", op, store)
			}
		}
	}
	if figs["stores"] != 5 {
		t.Errorf("stores to run = %v, want 5", figs["stores"])
	}
	if figs["cache.hits"] == 0 || figs["cache.misses"] == 0 {
		t.Errorf("cache hits %v, misses %v: want both", figs["cache.hits"], figs["cache.misses"])
	}
	for _, v := range []string{"search", "dashboard", "who_to_follow"} {
		if figs["view."+v+".reads"] == 0 {
			t.Errorf("view %s: no reads counted", v)
		}
		if c.App().Stats().Views[v].Applied == 0 {
			t.Errorf("view %s: no change applied by the outbox relay", v)
		}
	}
	if figs["resource.sqlite.disk_bytes"] <= 0 || figs["resource.duckdb.disk_bytes"] <= 0 || figs["resource.bleve.disk_bytes"] <= 0 {
		t.Errorf("embedded stores' bytes on disk not measured: %v", figs)
	}
	if figs["sync.restarts"] != 3 {
		t.Errorf("sync.restarts = %v, want 3", figs["sync.restarts"])
	}
	if r := c.App().Stats().Replays; r == 0 {
		t.Error("no change applied again after the relay crashed between applying and deleting")
	}
	after := c.Figures(context.Background())
	if after["sync.backlog"] != 0 {
		t.Errorf("after drain, the outbox holds %v rows", after["sync.backlog"])
	}
	if s := c.App().Stats(); s.Views["search"].Pending != 0 || s.Views["dashboard"].Pending != 0 || s.Views["who_to_follow"].Pending != 0 {
		t.Errorf("after drain, changes pending: %+v", s.Views)
	}
}

// TestCacheInvalidationBySync: with invalidation: sync the timeline cache
// is one more view of the sync strategy (the outbox relay here; CDC in
// polyglot): posts invalidate their author's page when the relay applies
// them, the cache view's changes and reads are counted, and after the
// drain every cached timeline equals the oracle's (converged checks).
func TestCacheInvalidationBySync(t *testing.T) {
	c, figs := runPlacement(t, "testdata/local-invalidate.yaml", 300)
	st := c.App().Stats()
	if v, ok := st.Views["cache"]; !ok || v.Applied == 0 || v.Reads == 0 {
		t.Errorf("cache view: %+v (want changes applied and hits counted)", st.Views["cache"])
	}
	if figs["route.post_tweet.cache"] == 0 {
		t.Errorf("no post invalidated the cache: %v", routes(figs))
	}
}

func routes(figs map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range figs {
		if strings.HasPrefix(k, "route.") {
			out[k] = v
		}
	}
	return out
}

// TestServers runs the postgres-only and polyglot placements when their
// servers' DSNs are set (STOREFIT_POSTGRES_DSN, and for polyglot
// STOREFIT_REDIS_DSN, STOREFIT_OPENSEARCH_DSN, STOREFIT_NEO4J_DSN,
// STOREFIT_CLICKHOUSE_DSN); under STOREFIT_REQUIRE_SERVERS=1 a missing one
// fails.
func TestServers(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		envs       []string
	}{
		{"postgres-only", "", []string{"STOREFIT_POSTGRES_DSN"}},
		{"postgres-only-mview", "", []string{"STOREFIT_POSTGRES_DSN"}},
		// Fan-out on write and the hybrid into Redis inboxes.
		{"postgres-redis", "", []string{"STOREFIT_POSTGRES_DSN", "STOREFIT_REDIS_DSN"}},
		{"pg-redis-write", "testdata/pg-redis-write.yaml", []string{"STOREFIT_POSTGRES_DSN", "STOREFIT_REDIS_DSN"}},
		{"pg-redis-hybrid", "testdata/pg-redis-hybrid.yaml", []string{"STOREFIT_POSTGRES_DSN", "STOREFIT_REDIS_DSN"}},
		// cdc-logical and the outbox on a PostgreSQL source, with embedded
		// views: polyglot's strategy without its other servers.
		{"pg-cdc", "testdata/pg-cdc.yaml", []string{"STOREFIT_POSTGRES_DSN"}},
		{"pg-outbox", "testdata/pg-outbox.yaml", []string{"STOREFIT_POSTGRES_DSN"}},
		{"pg-debezium", "testdata/pg-debezium.yaml", []string{"STOREFIT_POSTGRES_DSN", "STOREFIT_KAFKA_DSN", "STOREFIT_DEBEZIUM_DSN"}},
		{"polyglot", "", []string{"STOREFIT_POSTGRES_DSN", "STOREFIT_REDIS_DSN", "STOREFIT_OPENSEARCH_DSN", "STOREFIT_NEO4J_DSN", "STOREFIT_CLICKHOUSE_DSN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, e := range tc.envs {
				if os.Getenv(e) == "" {
					if os.Getenv("STOREFIT_REQUIRE_SERVERS") == "1" {
						t.Fatalf("%s is not set", e)
					}
					t.Skipf("%s is not set", e)
				}
			}
			path := tc.path
			if path == "" {
				path = "../../suites/placements/" + tc.name + ".yaml"
			}
			c, figs := runPlacement(t, path, 150)
			cfg := c.Config()
			search := "bleve"
			switch cfg.Route["search"] {
			case "pg", "opensearch":
				search = cfg.Route["search"]
			}
			if figs["route.search."+search] == 0 {
				t.Errorf("search did not reach its store: %v", routes(figs))
			}
			// Strategies with an applier: it was killed three times and
			// crashed after applying (postgres-only has nothing to apply).
			async := cfg.Sync.Strategy != placement.StrategyDual && cfg.Sync.Strategy != placement.StrategyMView
			if figs["sync.restarts"] != 3 && async {
				t.Errorf("sync.restarts = %v, want 3", figs["sync.restarts"])
			}
			if async && c.App().Stats().Replays == 0 {
				t.Error("no change applied again after the applier crashed between applying and recording")
			}
			st := c.App().Stats()
			for _, v := range []string{"search", "dashboard", "who_to_follow"} {
				if vs, ok := st.Views[v]; ok && vs.Pending != 0 {
					t.Errorf("after drain, view %s has %d changes pending", v, vs.Pending)
				}
				if vs, ok := st.Views[v]; ok && vs.Applied == 0 && async {
					t.Errorf("view %s: no change applied by sync", v)
				}
			}
			// polyglot invalidates its Redis cache by CDC (invalidation:
			// sync): the cache is a view of the slot, posts delete pages.
			if v, ok := st.Views["cache"]; tc.name == "polyglot" && (!ok || v.Applied == 0 || figs["route.post_tweet.redis"] == 0) {
				t.Errorf("polyglot's cache is not invalidated by CDC: view %+v, routes %v", v, routes(figs))
			}
			if after := c.Figures(context.Background()); tc.name == "postgres-only-mview" && (after["sync.refreshes"] == 0 || st.Views["dashboard"].Applied == 0) {
				t.Errorf("materialized view: %v refreshes, %d changes applied", after["sync.refreshes"], st.Views["dashboard"].Applied)
			}
			checkHome(t, cfg, figs, st)
			// By the book, the dashboard and search are maintained in the
			// source's own transactions: no view to sync, never stale.
			if cfg.Postgres.Dashboard == placement.PGRollup || cfg.Postgres.Search == placement.PGTweets {
				if _, ok := st.Views["dashboard"]; ok {
					t.Errorf("rollup dashboard fed by sync: %+v", st.Views["dashboard"])
				}
				if _, ok := st.Views["search"]; ok {
					t.Errorf("generated tsvector search fed by sync: %+v", st.Views["search"])
				}
				if figs["route.dashboard.pg"] == 0 {
					t.Errorf("dashboard did not reach pg: %v", routes(figs))
				}
			}
		})
	}
}

// checkHome checks the figures of the home timeline's strategy: fan-out on
// read reaches the source only; on write the inbox only, with pushes
// applied by sync; the hybrid both (celebrities read on demand).
func checkHome(t *testing.T, cfg *placement.Config, figs map[string]float64, st twitter.Stats) {
	t.Helper()
	src, inbox := cfg.Route["source"], cfg.Route["inbox"]
	switch cfg.Home.Strategy {
	case twitter.HomeRead:
		if figs["route.home."+src] == 0 {
			t.Errorf("home (fan-out on read) did not reach %s: %v", src, routes(figs))
		}
	default:
		if figs["route.home."+inbox] == 0 || st.Views["home"].Applied == 0 || st.Views["home"].Pending != 0 {
			t.Errorf("home (%s): routes %v, view %+v", cfg.Home.Strategy, routes(figs), st.Views["home"])
		}
		read := figs["route.home."+src] > 0 && inbox != src
		if read != (cfg.Home.Strategy == twitter.HomeHybrid && cfg.Home.Threshold < 100) {
			t.Errorf("home (%s, threshold %d): read the source %v times", cfg.Home.Strategy, cfg.Home.Threshold, figs["route.home."+src])
		}
	}
}

// TestHomeHybridLocal runs the hybrid home on the embedded stores: inboxes
// in memory pushed by the outbox relay, celebrities read from SQLite; the
// validation and the convergence checks compare every home page with the
// oracle's fan-out on read.
func TestHomeHybridLocal(t *testing.T) {
	c, figs := runPlacement(t, "testdata/local-home.yaml", 300)
	checkHome(t, c.Config(), figs, c.App().Stats())
}
