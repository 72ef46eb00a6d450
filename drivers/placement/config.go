package placement

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/twitter"
	"go.yaml.in/yaml/v3"
)

// Config is a parsed, validated placement file.
type Config struct {
	// Path is the file it was read from.
	Path string `yaml:"-"`
	// Name names the placement ("polyglot", "postgres-only", "local").
	Name string `yaml:"name"`
	// Description is a line on what the placement is.
	Description string `yaml:"description"`
	// Stores are the stores the placement opens, by a name of the
	// placement's choosing.
	Stores map[string]StoreConfig `yaml:"stores"`
	// Route names the store of each role: source, cache (optional),
	// search, follows, who_to_follow (optional: follows answers it),
	// dashboard.
	Route map[string]string `yaml:"route"`
	// Home is how home timelines are served.
	Home HomeConfig `yaml:"home"`
	// Postgres chooses how a PostgreSQL source serves the dashboard and
	// search roles routed to it.
	Postgres PostgresConfig `yaml:"postgres"`
	// Sync is how writes reach the derived stores.
	Sync SyncConfig `yaml:"sync"`
	// Cache is how the timeline cache is filled and checked.
	Cache CacheConfig `yaml:"cache"`
}

// HomeConfig is a placement's home-timeline strategy (package
// workloads/twitter, HomeRead).
type HomeConfig struct {
	// Strategy is "read" (fan-out on read, the default: a join over the
	// follows and tweets of the source), "write" (fan-out on write: every
	// post pushed by the sync strategy into a capped inbox per follower,
	// held by the store route.inbox names) or "hybrid" (fan-out on write
	// except for users with more than Threshold followers, whose tweets
	// are read on demand and merged).
	Strategy string `yaml:"strategy"`
	// Threshold is the hybrid's follower count above which a user is a
	// celebrity; 1000 by default.
	Threshold int64 `yaml:"threshold"`
	// Inbox is the most posts an inbox keeps; 200 by default.
	Inbox int `yaml:"inbox"`
}

// PostgresConfig chooses how a PostgreSQL source serves the dashboard and
// search roles when they are routed to the source's store (docs/twitter.md
// justifies the choices).
type PostgresConfig struct {
	// Dashboard is "table" (the agg pattern's activity table, fed by
	// sync; the default) or "rollup" (daily rollup tables maintained by
	// triggers in each write's own transaction). The materialized view is
	// the materialized-view sync strategy.
	Dashboard string `yaml:"dashboard"`
	// Search is "table" (the search pattern's tsvector table, fed by sync;
	// the default) or "tweets" (a generated tsvector column on the
	// source's tweets table with a GIN index: indexed in the tweet's own
	// transaction, nothing to sync).
	Search string `yaml:"search"`
	// Rank is the ranking of search "tweets": "ts_rank_cd" (the default)
	// or "ts_rank".
	Rank string `yaml:"rank"`
}

// StoreConfig is one store of a placement.
type StoreConfig struct {
	// Driver is the registered driver name (postgres, redis, bleve, …).
	Driver string `yaml:"driver"`
	// DSN is the driver's DSN; ${VAR} and $VAR are expanded from the
	// environment, and an empty result selects the driver's default.
	DSN string `yaml:"dsn"`
	// Server is a server binary the placement runs itself for this
	// store, on a free port with its data in a temporary directory, and
	// stops at Close (redis: redis-server); the DSN is then the server's.
	// A fault can stop such a server for real and start it again (the
	// sync workload's viewdown).
	Server string `yaml:"server"`
}

// SyncConfig is a placement's sync strategy.
type SyncConfig struct {
	// Strategy is one of:
	//   - "dual": the writer applies each change to the derived stores
	//     before returning;
	//   - "outbox": triggers on the source's tables write an outbox row in
	//     the source write's own transaction; a relay applies the oldest
	//     rows every Interval, in batches, then deletes them (sqlite or
	//     postgres source);
	//   - "cdc-logical": a publication and a logical replication slot on
	//     the source (postgres), decoded from pgoutput and applied in
	//     batches of committed transactions;
	//   - "cdc-debezium": Debezium's PostgreSQL connector on Kafka Connect
	//     writes the changes to Kafka topics named per run; a consumer
	//     group applies them and commits offsets after (cdc/debezium);
	//   - "materialized-view": the dashboard is a materialized view over
	//     the source's tables (postgres), refreshed concurrently every
	//     Refresh; the other views are written by dual writes;
	//   - "relay": an in-process, non-durable queue the writer fills after
	//     the source write, applied every Interval (kept for comparison);
	//   - "event-sourcing": the application appends to a Kafka log, every
	//     store a projection (the sync workload's; not the twitter
	//     application's).
	//
	// Package syncer documents each (guarantees, failure modes, lag). The
	// sync workload names its strategy itself (sync/<strategy>) and uses
	// only this section's settings.
	Strategy string `yaml:"strategy"`
	// Invalidation is how the timeline cache is invalidated after a post:
	// "write" (default: the writer deletes the author's page right after
	// the source write, cache-aside) or "sync" (the sync strategy does, as
	// it feeds the other views: under CDC, when the post is read from the
	// log).
	Invalidation string `yaml:"invalidation"`
	// Interval is the outbox relay's or relay's polling period; 50ms by
	// default.
	Interval string `yaml:"interval"`
	// Batch is the most changes applied at once; 500 by default.
	Batch int `yaml:"batch"`
	// Refresh is the materialized view's refresh period
	// ("materialized-view" only); 1s by default.
	Refresh string `yaml:"refresh"`
	// Kafka and Connect are the Kafka broker (kafka://HOST:PORT) and the
	// Kafka Connect worker running Debezium (http://HOST:PORT) of
	// "cdc-debezium" and "event-sourcing"; ${VAR} is expanded; empty:
	// $STOREFIT_KAFKA_DSN and $STOREFIT_DEBEZIUM_DSN, else the local
	// defaults.
	Kafka   string `yaml:"kafka"`
	Connect string `yaml:"connect"`

	interval, refresh time.Duration
}

// The sync strategies.
const (
	StrategyDual     = "dual"
	StrategyRelay    = "relay"
	StrategyOutbox   = "outbox"
	StrategyLogical  = "cdc-logical"
	StrategyMView    = "materialized-view"
	StrategyDebezium = "cdc-debezium"
	StrategyEvents   = "event-sourcing"
)

// strategies are the known strategies, in the order messages list them.
var strategies = []string{StrategyDual, StrategyOutbox, StrategyLogical, StrategyDebezium, StrategyEvents, StrategyMView, StrategyRelay}

// The cache invalidations.
const (
	InvalidateInWriter = "write"
	InvalidateBySync   = "sync"
)

var roles = twitter.RoleNames()

// optionalRoles may be left out of a route.
var optionalRoles = []string{"cache", "who_to_follow", "inbox"}

var envRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)

// ParseConfig reads the placement file dsn names. An empty dsn is an
// error: a placement is always a file (suites/placements/*.yaml).
func ParseConfig(dsn string) (*Config, error) {
	path := strings.TrimPrefix(dsn, "file:")
	if path == "" {
		return nil, errors.New("placement: the DSN is the placement file (e.g. suites/placements/local.yaml)")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("placement: %w", err)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("placement %s: %w", path, err)
	}
	c.Path = path
	if c.Name == "" {
		c.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return c, nil
}

// Parse parses and validates a placement document.
func Parse(data []byte) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, workloads.YAMLError(err)
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Config) validate() error {
	if len(c.Stores) == 0 {
		return errors.New("no stores")
	}
	for name, s := range c.Stores {
		if s.Driver == "" {
			return fmt.Errorf("store %q has no driver", name)
		}
		if s.Driver == "placement" {
			return fmt.Errorf("store %q: a placement cannot hold a placement", name)
		}
		if s.Server != "" && s.Driver != "redis" {
			return fmt.Errorf("store %q: server runs redis-server for a redis store only (driver %s)", name, s.Driver)
		}
		if s.Server != "" && s.DSN != "" {
			return fmt.Errorf("store %q: give a dsn or a server, not both", name)
		}
	}
	for role, store := range c.Route {
		if !slices.Contains(roles, role) {
			return fmt.Errorf("route: unknown role %q (roles: %s)", role, strings.Join(roles, ", "))
		}
		if _, ok := c.Stores[store]; !ok {
			return fmt.Errorf("route: role %s names store %q, which stores does not list", role, store)
		}
	}
	for _, role := range roles {
		if _, ok := c.Route[role]; !ok && !slices.Contains(optionalRoles, role) {
			return fmt.Errorf("route: no store for role %s", role)
		}
	}
	if c.Sync.Strategy == "" {
		c.Sync.Strategy = StrategyDual
	}
	if !slices.Contains(strategies, c.Sync.Strategy) {
		return fmt.Errorf("sync: unknown strategy %q (use %s)", c.Sync.Strategy, strings.Join(strategies, ", "))
	}
	var err error
	if c.Sync.interval, err = duration("interval", c.Sync.Interval, 50*time.Millisecond); err != nil {
		return err
	}
	if c.Sync.refresh, err = duration("refresh", c.Sync.Refresh, time.Second); err != nil {
		return err
	}
	switch c.Sync.Invalidation {
	case "":
		c.Sync.Invalidation = InvalidateInWriter
	case InvalidateInWriter, InvalidateBySync:
	default:
		return fmt.Errorf("sync: invalidation %q: use %s or %s", c.Sync.Invalidation, InvalidateInWriter, InvalidateBySync)
	}
	if c.Sync.Invalidation == InvalidateBySync && c.Route["cache"] == "" {
		return fmt.Errorf("sync: invalidation %s needs a cache role", InvalidateBySync)
	}
	if c.Sync.Refresh != "" && c.Sync.Strategy != StrategyMView {
		return fmt.Errorf("sync: refresh applies to the %s strategy only", StrategyMView)
	}
	if err := c.validateHome(); err != nil {
		return err
	}
	if err := c.validatePostgres(); err != nil {
		return err
	}
	if c.Sync.Batch == 0 {
		c.Sync.Batch = 500
	}
	if c.Sync.Batch < 1 {
		return fmt.Errorf("sync: batch must be at least 1, not %d", c.Sync.Batch)
	}
	return c.Cache.validate(c.Route["cache"] != "")
}

func duration(key, v string, def time.Duration) (time.Duration, error) {
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("sync: %s %q is not a positive duration (e.g. 50ms)", key, v)
	}
	return d, nil
}

// ExpandDSN expands environment references in a store's DSN.
func ExpandDSN(dsn string) string {
	return envRef.ReplaceAllStringFunc(dsn, func(m string) string {
		return os.Getenv(envRef.FindStringSubmatch(m)[1])
	})
}

// StoresToRun returns the number of distinct stores the placement runs.
func (c *Config) StoresToRun() int {
	used := map[string]bool{}
	for _, s := range c.Route {
		used[s] = true
	}
	return len(used)
}

// redacted returns a store's expanded DSN with its password hidden.
func redacted(dsn string) string { return drivers.RedactDSN(dsn) }

func (c *Config) validateHome() error {
	h := &c.Home
	if h.Strategy == "" {
		h.Strategy = twitter.HomeRead
	}
	if !slices.Contains(twitter.HomeStrategies(), h.Strategy) {
		return fmt.Errorf("home: unknown strategy %q (use %s)", h.Strategy, strings.Join(twitter.HomeStrategies(), ", "))
	}
	if h.Threshold == 0 {
		h.Threshold = twitter.DefaultHomeThreshold
	}
	if h.Inbox == 0 {
		h.Inbox = twitter.DefaultInboxCapacity
	}
	switch {
	case h.Threshold < 1:
		return fmt.Errorf("home: threshold must be at least 1, not %d", h.Threshold)
	case h.Inbox < 1:
		return fmt.Errorf("home: inbox must be at least 1, not %d", h.Inbox)
	case h.Strategy != twitter.HomeRead && c.Route["inbox"] == "":
		return fmt.Errorf("home: strategy %s needs an inbox role (route: {inbox: redis})", h.Strategy)
	case h.Strategy == twitter.HomeRead && c.Route["inbox"] != "":
		return fmt.Errorf("home: route.inbox is used by the write and hybrid strategies only, not %s", h.Strategy)
	}
	return nil
}

// The PostgreSQL choices.
const (
	PGTable  = "table"
	PGRollup = "rollup"
	PGTweets = "tweets"
)

func (c *Config) validatePostgres() error {
	p := &c.Postgres
	if p.Dashboard == "" {
		p.Dashboard = PGTable
	}
	if p.Search == "" {
		p.Search = PGTable
	}
	switch {
	case p.Dashboard != PGTable && p.Dashboard != PGRollup:
		return fmt.Errorf("postgres: dashboard %q: use %s or %s", p.Dashboard, PGTable, PGRollup)
	case p.Search != PGTable && p.Search != PGTweets:
		return fmt.Errorf("postgres: search %q: use %s or %s", p.Search, PGTable, PGTweets)
	case p.Rank != "" && p.Search != PGTweets:
		return fmt.Errorf("postgres: rank applies to search %s only (the search table ranks by its driver's search_rank)", PGTweets)
	case p.Rank != "" && p.Rank != "ts_rank_cd" && p.Rank != "ts_rank":
		return fmt.Errorf("postgres: rank %q: use ts_rank_cd or ts_rank", p.Rank)
	case p.Dashboard == PGRollup && c.Sync.Strategy == StrategyMView:
		return fmt.Errorf("postgres: dashboard %s and sync %s are two dashboards: choose one", PGRollup, StrategyMView)
	}
	if p.Rank == "" {
		p.Rank = "ts_rank_cd"
	}
	for role, choice := range map[string]string{"dashboard": p.Dashboard, "search": p.Search} {
		if choice != PGTable && c.Route[role] != c.Route["source"] {
			return fmt.Errorf("postgres: %s %s needs route.%s to name the source's store (%s)", role, choice, role, c.Route["source"])
		}
	}
	return nil
}
