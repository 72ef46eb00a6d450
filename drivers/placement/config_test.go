package placement

import (
	"strings"
	"testing"
)

const minimal = `
stores:
  a: {driver: memory}
route: {source: a, search: a, follows: a, dashboard: a}
`

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, doc, err string
	}{
		{"minimal", minimal, ""},
		{"relay", minimal + "sync: {strategy: relay, interval: 10ms, batch: 5}\n", ""},
		{"no stores", "route: {source: a}\n", "no stores"},
		{"unknown key", minimal + "colour: red\n", "unknown field colour"},
		{"unknown role", strings.Replace(minimal, "source: a", "source: a, feed: a", 1), `unknown role "feed"`},
		{"unlisted store", strings.Replace(minimal, "search: a", "search: b", 1), `names store "b"`},
		{"missing role", strings.Replace(minimal, "dashboard: a", "", 1), "no store for role dashboard"},
		{"no driver", strings.Replace(minimal, "{driver: memory}", "{dsn: x}", 1), "has no driver"},
		{"nested", strings.Replace(minimal, "memory", "placement", 1), "cannot hold a placement"},
		{"bad strategy", minimal + "sync: {strategy: cdc}\n", `unknown strategy "cdc"`},
		{"bad interval", minimal + "sync: {strategy: relay, interval: soon}\n", "not a positive duration"},
		{"bad batch", minimal + "sync: {batch: -1}\n", "batch must be at least 1"},
		{"outbox", minimal + "sync: {strategy: outbox, interval: 20ms}\n", ""},
		{"cdc-logical", minimal + "sync: {strategy: cdc-logical}\n", ""},
		{"cdc-debezium", minimal + "sync: {strategy: cdc-debezium, kafka: \"${STOREFIT_KAFKA_DSN}\"}\n", ""},
		{"event sourcing", minimal + "sync: {strategy: event-sourcing, kafka: kafka://h:9092}\n", ""},
		{"invalidation without a cache", minimal + "sync: {invalidation: sync}\n", "needs a cache role"},
		{"bad invalidation", minimal + "sync: {invalidation: never}\n", `invalidation "never"`},
		{"server of another driver", strings.Replace(minimal, "{driver: memory}", "{driver: memory, server: redis-server}", 1), "redis store only"},
		{"server and dsn", strings.Replace(minimal, "{driver: memory}", "{driver: redis, dsn: x, server: redis-server}", 1), "not both"},
		{"materialized view", minimal + "sync: {strategy: materialized-view, refresh: 2s}\n", ""},
		{"bad refresh", minimal + "sync: {strategy: materialized-view, refresh: -1s}\n", "refresh \"-1s\" is not a positive duration"},
		{"refresh without a view", minimal + "sync: {strategy: outbox, refresh: 1s}\n", "refresh applies to the materialized-view strategy only"},
		{"home read", minimal + "home: {strategy: read}\n", ""},
		{"home hybrid", strings.Replace(minimal, "dashboard: a", "dashboard: a, inbox: a", 1) + "home: {strategy: hybrid, threshold: 50, inbox: 100}\n", ""},
		{"home write without an inbox", minimal + "home: {strategy: write}\n", "needs an inbox role"},
		{"inbox without push", strings.Replace(minimal, "dashboard: a", "dashboard: a, inbox: a", 1), "route.inbox is used by the write and hybrid strategies only"},
		{"bad home strategy", minimal + "home: {strategy: pull}\n", `unknown strategy "pull"`},
		{"bad threshold", strings.Replace(minimal, "dashboard: a", "dashboard: a, inbox: a", 1) + "home: {strategy: hybrid, threshold: -5}\n", "threshold must be at least 1"},
		{"bad inbox", strings.Replace(minimal, "dashboard: a", "dashboard: a, inbox: a", 1) + "home: {strategy: write, inbox: -1}\n", "inbox must be at least 1"},
		{"rollups", minimal + "postgres: {dashboard: rollup, search: tweets, rank: ts_rank}\n", ""},
		{"bad dashboard", minimal + "postgres: {dashboard: cube}\n", `dashboard "cube"`},
		{"bad search", minimal + "postgres: {search: elastic}\n", `search "elastic"`},
		{"rank without tweets", minimal + "postgres: {rank: ts_rank}\n", "rank applies to search tweets only"},
		{"bad rank", minimal + "postgres: {search: tweets, rank: bm25}\n", `rank "bm25"`},
		{"rollups and a view", minimal + "postgres: {dashboard: rollup}\nsync: {strategy: materialized-view}\n", "two dashboards"},
		{"rollups elsewhere", strings.Replace(minimal, "a: {driver: memory}", "a: {driver: memory}\n  b: {driver: memory}", 1) + "postgres: {dashboard: rollup}\n",
			""},
		{"rollups off the source", strings.Replace(strings.Replace(minimal, "a: {driver: memory}", "a: {driver: memory}\n  b: {driver: memory}", 1), "dashboard: a", "dashboard: b", 1) +
			"postgres: {dashboard: rollup}\n", "needs route.dashboard to name the source's store"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.doc))
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.Sync.Strategy == "" || c.Sync.Batch < 1 || c.Sync.interval <= 0 {
					t.Errorf("defaults not filled: %+v", c.Sync)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}

func TestParseConfigNamesFile(t *testing.T) {
	if _, err := ParseConfig(""); err == nil || !strings.Contains(err.Error(), "placement file") {
		t.Errorf("empty DSN: %v", err)
	}
	if _, err := ParseConfig("/nonexistent/p.yaml"); err == nil || !strings.Contains(err.Error(), "/nonexistent/p.yaml") {
		t.Errorf("missing file: %v", err)
	}
	c, err := ParseConfig("../../suites/placements/polyglot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "polyglot" || c.StoresToRun() != 5 || c.Sync.Strategy != StrategyLogical {
		t.Errorf("polyglot: name %q, %d stores, %s", c.Name, c.StoresToRun(), c.Sync.Strategy)
	}
	for f, strategy := range map[string]string{"local": StrategyOutbox, "postgres-only": StrategyDual, "postgres-only-mview": StrategyMView, "postgres-redis": StrategyLogical} {
		c, err := ParseConfig("../../suites/placements/" + f + ".yaml")
		if err != nil {
			t.Error(err)
		} else if c.Sync.Strategy != strategy {
			t.Errorf("%s: sync %s, want %s", f, c.Sync.Strategy, strategy)
		}
	}
}

func TestExpandDSN(t *testing.T) {
	t.Setenv("PLACEMENT_TEST_DSN", "postgres://u:secret@h/db")
	for in, want := range map[string]string{
		"${PLACEMENT_TEST_DSN}":       "postgres://u:secret@h/db",
		"$PLACEMENT_TEST_DSN":         "postgres://u:secret@h/db",
		"${PLACEMENT_TEST_UNSET_DSN}": "",
		"{dir}/a.db":                  "{dir}/a.db",
	} {
		if got := ExpandDSN(in); got != want {
			t.Errorf("ExpandDSN(%q) = %q, want %q", in, got, want)
		}
	}
	if r := redacted(ExpandDSN("${PLACEMENT_TEST_DSN}")); strings.Contains(r, "secret") {
		t.Errorf("redacted DSN shows the password: %s", r)
	}
}

func TestServerPort(t *testing.T) {
	for _, tc := range []struct {
		driver, dsn string
		want        int
	}{
		{"postgres", "postgres://u:p@127.0.0.1:5433/db", 5433},
		{"postgres", "", 5432},
		{"redis", "redis://localhost/4", 6379},
		{"postgres", "postgres://u:p@db.example.org:5432/db", 0},
		{"memory", "", 0},
	} {
		if got := serverPort(tc.driver, tc.dsn); got != tc.want {
			t.Errorf("serverPort(%s, %s) = %d, want %d", tc.driver, tc.dsn, got, tc.want)
		}
	}
}
