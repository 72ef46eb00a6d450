package placement

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/agg"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
	"github.com/storefit/storefit/workloads/search"
	"github.com/storefit/storefit/workloads/twitter"
	"github.com/storefit/storefit/workloads/wide"
)

func init() { drivers.Register("placement", Driver{}) }

// Driver opens placements.
type Driver struct{}

// Describe describes the placement driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Summary:    "a placement over several stores (a file: which store holds each role, and the sync strategy) for the twitter application and the sync workloads",
		Conn:       (*Conn)(nil),
		Composite:  true,
		DSNExample: "suites/placements/local.yaml (as --store placement:local=suites/placements/local.yaml)",
	}
}

// Conn is an open placement: every store it names, and the application
// routed over them. It is safe for concurrent use.
type Conn struct {
	cfg     *Config
	dir     string // the placement's temporary directory ({dir}), removed at Close
	names   []string
	conns   map[string]drivers.Conn
	dsns    map[string]string         // expanded
	servers map[string]*serverProcess // stores whose server the placement runs
	probes  *probes

	twOnce sync.Once // the twitter application, built on first use
	app    *twitter.App
	twErr  error
	mview  mview // the dashboard of the materialized-view strategy

	mu      sync.Mutex // guards engines and closers
	engines []*syncer.Engine
	closers []func() // the pools of the SQL views (home, rollups, tweet search)

	closeOnce sync.Once
	closeErr  error
}

var (
	_ drivers.Conn      = (*Conn)(nil)
	_ drivers.Versioner = (*Conn)(nil)
	_ twitter.Provider  = (*Conn)(nil)
	_ twitter.Reporter  = (*Conn)(nil)
	_ syncer.Provider   = (*Conn)(nil)
)

// mview is the materialized view of the materialized-view strategy.
type mview interface {
	drop(ctx context.Context) error
	close()
}

// NestedDSNs returns the DSNs of the placement's stores and sync services,
// expanded from the environment (drivers.NestedDSNs), so that their
// passwords are redacted from storefit's output.
func (Driver) NestedDSNs(dsn string) []string {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range cfg.Stores {
		out = append(out, ExpandDSN(s.DSN))
	}
	return append(out, ExpandDSN(cfg.Sync.Kafka), ExpandDSN(cfg.Sync.Connect))
}

// ParseDSN checks dsn as Open would, without connecting
// (drivers.DSNParser).
func (Driver) ParseDSN(dsn string) error {
	_, err := ParseConfig(dsn)
	return err
}

// Open reads the placement file dsn names and opens its stores.
func (Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig opens the stores of a parsed placement. A DSN's "{dir}" is
// replaced by a temporary directory the placement owns and removes at
// Close, so embedded stores' bytes on disk can be measured.
func OpenConfig(ctx context.Context, cfg *Config) (_ *Conn, err error) {
	c := &Conn{cfg: cfg, conns: map[string]drivers.Conn{}, dsns: map[string]string{}, servers: map[string]*serverProcess{}}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	for name := range cfg.Stores {
		c.names = append(c.names, name)
	}
	slices.Sort(c.names)
	for _, name := range c.names {
		sc := cfg.Stores[name]
		dsn := ExpandDSN(sc.DSN)
		if strings.Contains(dsn, "{dir}") {
			if c.dir == "" {
				if c.dir, err = os.MkdirTemp("", "storefit-placement-"); err != nil {
					return nil, fmt.Errorf("placement %s: %w", cfg.Name, err)
				}
			}
			dsn = strings.ReplaceAll(dsn, "{dir}", c.dir)
		}
		if sc.Server != "" {
			p, err := startServer(ctx, sc.Driver, sc.Server)
			if err != nil {
				return nil, fmt.Errorf("placement %s, store %s: %w", cfg.Name, name, err)
			}
			c.servers[name] = p
			dsn = p.dsn()
		}
		c.dsns[name] = dsn
		conn, err := drivers.Open(ctx, sc.Driver, dsn)
		if err != nil {
			return nil, fmt.Errorf("placement %s, store %s: %w", cfg.Name, name, err)
		}
		c.conns[name] = conn
	}
	c.probes = newProbes(c)
	return c, nil
}

// backends asks each role's store for its pattern store.
func (c *Conn) backends() (twitter.Backends, error) {
	cs, ws, ss, gs, vs, as := twitter.Schemas()
	var b twitter.Backends
	need := func(role string) (drivers.Conn, string, bool) {
		name, ok := c.cfg.Route[role]
		if !ok {
			return nil, "", false
		}
		return c.conns[name], c.cfg.Stores[name].Driver, true
	}
	lacks := func(role, driver, pattern string) error {
		return fmt.Errorf("role %s: store %s does not implement the %s pattern: %w", role, driver, pattern, drivers.ErrUnsupported)
	}
	var err error
	if conn, d, _ := need("source"); conn != nil {
		p, ok := conn.(crud.Provider)
		if !ok {
			return b, lacks("source", d, "crud")
		}
		if b.Source, err = p.CrudStore(cs); err != nil {
			return b, fmt.Errorf("source: %w", err)
		}
	}
	if conn, d, ok := need("cache"); ok {
		p, ok := conn.(wide.Provider)
		if !ok {
			return b, lacks("cache", d, "wide")
		}
		if b.Cache, err = p.WideStore(ws); err != nil {
			return b, fmt.Errorf("cache: %w", err)
		}
		if b.Pages, err = c.pageCache(conn, d, ws.Table); err != nil {
			return b, err
		}
	}
	if c.cfg.Postgres.Search == PGTweets {
		if b.Search, err = c.pgSearch(cs.Tweets()); err != nil {
			return b, fmt.Errorf("search: %w", err)
		}
	} else if conn, d, _ := need("search"); conn != nil {
		p, ok := conn.(search.Provider)
		if !ok {
			return b, lacks("search", d, "search")
		}
		if b.Search, err = p.SearchStore(ss); err != nil {
			return b, fmt.Errorf("search: %w", err)
		}
	}
	if conn, d, _ := need("follows"); conn != nil {
		p, ok := conn.(graph.Provider)
		if !ok {
			return b, lacks("follows", d, "graph")
		}
		if b.Follows, err = p.GraphStore(gs); err != nil {
			return b, fmt.Errorf("follows: %w", err)
		}
	}
	if err := c.homeBackends(&b, cs.Tweets(), gs.Name); err != nil {
		return b, err
	}
	if conn, d, ok := need("who_to_follow"); ok && c.cfg.Route["who_to_follow"] != c.cfg.Route["follows"] {
		p, ok := conn.(graph.Provider)
		if !ok {
			return b, lacks("who_to_follow", d, "graph")
		}
		if b.WhoToFollow, err = p.GraphStore(vs); err != nil {
			return b, fmt.Errorf("who_to_follow: %w", err)
		}
	}
	if c.cfg.Sync.Strategy == StrategyMView {
		if c.cfg.Route["dashboard"] != c.cfg.Route["source"] {
			return b, fmt.Errorf("sync %s: route the dashboard to the source store", StrategyMView)
		}
		if b.Dashboard, err = c.mviewDashboard(cs.Tweets(), cs.Likes()); err != nil {
			return b, fmt.Errorf("sync %s: %w", StrategyMView, err)
		}
	} else if c.cfg.Postgres.Dashboard == PGRollup {
		if b.Dashboard, err = c.pgDashboard(cs.Tweets(), cs.Likes()); err != nil {
			return b, fmt.Errorf("dashboard: %w", err)
		}
	} else if conn, d, _ := need("dashboard"); conn != nil {
		p, ok := conn.(agg.Provider)
		if !ok {
			return b, lacks("dashboard", d, "agg")
		}
		if b.Dashboard, err = p.AggStore(as); err != nil {
			return b, fmt.Errorf("dashboard: %w", err)
		}
	}
	return b, nil
}

// Config returns the placement's configuration.
func (c *Conn) Config() *Config { return c.cfg }

// Version lists the stores' versions: "postgres 15.4, redis 7.0.15, …".
func (c *Conn) Version(ctx context.Context) (string, error) {
	var parts []string
	for _, name := range c.names {
		parts = append(parts, fmt.Sprintf("%s=%s %s", name, c.cfg.Stores[name].Driver, drivers.Version(ctx, c.conns[name])))
	}
	return c.cfg.Name + " (" + strings.Join(parts, ", ") + ")", nil
}

// Close closes the sync engines it made that are still open (their
// strategies remove what they created: triggers, slots, publications,
// connectors, topics, groups; materialized-view its view), closes every
// store, stops the servers it runs and removes the placement's temporary
// directory.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		var errs []error
		c.mu.Lock()
		engines := c.engines
		c.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		for _, e := range engines {
			if err := e.Close(ctx); err != nil {
				errs = append(errs, fmt.Errorf("sync %s: %w", e.Strategy(), err))
			}
		}
		c.mu.Lock()
		closers := c.closers
		c.mu.Unlock()
		for _, f := range closers {
			f()
		}
		if c.mview != nil {
			// The view depends on the source's tables: dropped, the next
			// placement can drop them.
			if err := c.mview.drop(ctx); err != nil {
				errs = append(errs, err)
			}
			c.mview.close()
		}
		for i := len(c.names) - 1; i >= 0; i-- {
			name := c.names[i]
			if conn := c.conns[name]; conn != nil {
				if err := conn.Close(); err != nil {
					errs = append(errs, fmt.Errorf("close %s (%s): %w", name, redacted(c.dsns[name]), err))
				}
			}
		}
		for name, p := range c.servers {
			if err := p.close(); err != nil {
				errs = append(errs, fmt.Errorf("stop the server of %s: %w", name, err))
			}
		}
		if c.dir != "" {
			if err := os.RemoveAll(c.dir); err != nil {
				errs = append(errs, err)
			}
		}
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}

// BeginMeasure resets the application's counts (opening its sync
// engine's measuring window) and samples the servers' CPU time.
func (c *Conn) BeginMeasure(ctx context.Context) {
	if app, err := c.twitterApp(); err == nil {
		app.ResetStats()
	}
	c.probes.begin()
}

// Figures returns the application's counts with each role named by its
// store ("route.timeline.redis"), "stores" (the number of stores the
// placement runs), "sync.relay" (1 for an asynchronous strategy, 0 for dual
// writes), "sync.strategy.<name>" (1), the engine's figures
// ("sync.restarts", and the strategy's: "sync.backlog", "sync.refreshes",
// …) and the stores' resource use ("resource.<store>.cpu_s",
// ".rss_bytes", ".disk_bytes") where measurable. It closes the sync
// engine's measuring window: changes still pending count in the lag with
// their age.
func (c *Conn) Figures(ctx context.Context) map[string]float64 {
	app, err := c.twitterApp()
	if err != nil {
		return nil
	}
	app.EndMeasure()
	out := app.Stats().Figures(func(role string) string {
		if role == "who_to_follow" {
			if _, ok := c.cfg.Route[role]; !ok {
				role = "follows"
			}
		}
		return c.cfg.Route[role]
	})
	out["stores"] = float64(c.cfg.StoresToRun())
	out["sync.relay"] = 1
	if c.cfg.Sync.Strategy == StrategyDual {
		out["sync.relay"] = 0
	}
	out["sync.strategy."+c.cfg.Sync.Strategy] = 1
	st := app.Engine().Stats()
	out["sync.restarts"] = float64(st.Restarts)
	for k, v := range st.Figures {
		out[k] = v
	}
	c.probes.figures(out)
	return out
}
