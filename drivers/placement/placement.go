package placement

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/storefit/storefit/drivers"
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
		Summary:    "a placement of the twitter application over several stores (a file: which store serves which operation family, and the sync strategy)",
		Conn:       (*Conn)(nil),
		Composite:  true,
		DSNExample: "suites/placements/local.yaml (as --store placement:local=suites/placements/local.yaml)",
	}
}

// Conn is an open placement: every store it names, and the application
// routed over them. It is safe for concurrent use.
type Conn struct {
	cfg    *Config
	dir    string // the placement's temporary directory ({dir}), removed at Close
	names  []string
	conns  map[string]drivers.Conn
	dsns   map[string]string // expanded
	app    *twitter.App
	sync   syncer
	mview  interface{ close() } // the dashboard of the materialized-view strategy
	probes *probes

	closeOnce sync.Once
	closeErr  error
}

var (
	_ drivers.Conn      = (*Conn)(nil)
	_ drivers.Versioner = (*Conn)(nil)
	_ twitter.Provider  = (*Conn)(nil)
	_ twitter.Reporter  = (*Conn)(nil)
)

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
	c := &Conn{cfg: cfg, conns: map[string]drivers.Conn{}, dsns: map[string]string{}}
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
		c.dsns[name] = dsn
		conn, err := drivers.Open(ctx, sc.Driver, dsn)
		if err != nil {
			return nil, fmt.Errorf("placement %s, store %s: %w", cfg.Name, name, err)
		}
		c.conns[name] = conn
	}
	b, err := c.backends()
	if err != nil {
		return nil, fmt.Errorf("placement %s: %w", cfg.Name, err)
	}
	if c.app, err = twitter.NewApp(b, nil); err != nil {
		return nil, fmt.Errorf("placement %s: %w", cfg.Name, err)
	}
	if c.sync, err = c.newSyncer(); err != nil {
		return nil, fmt.Errorf("placement %s: sync %s: %w", cfg.Name, cfg.Sync.Strategy, err)
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
	}
	if conn, d, _ := need("search"); conn != nil {
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

// App returns the application (for tests and figures).
func (c *Conn) App() *twitter.App { return c.app }

// TwitterStore returns the application, with the sync strategy's hooks
// around Setup and FinishLoad.
func (c *Conn) TwitterStore() (twitter.Store, error) { return appStore{c.app, c.sync}, nil }

// Drain applies every change committed so far (nothing with dual writes),
// so the derived views have caught up with the source.
func (c *Conn) Drain(ctx context.Context) error { return c.sync.drain(ctx) }

// RestartSync kills the sync strategy's applier (the relay, the CDC
// consumer, the refresher), mid-batch if it is in one, and starts another
// that resumes from the durable position: the outbox table, the slot.
func (c *Conn) RestartSync(ctx context.Context) error { return c.sync.restart(ctx) }

// Version lists the stores' versions: "postgres 15.4, redis 7.0.15, …".
func (c *Conn) Version(ctx context.Context) (string, error) {
	var parts []string
	for _, name := range c.names {
		parts = append(parts, fmt.Sprintf("%s=%s %s", name, c.cfg.Stores[name].Driver, drivers.Version(ctx, c.conns[name])))
	}
	return c.cfg.Name + " (" + strings.Join(parts, ", ") + ")", nil
}

// Close stops the sync strategy (the outbox relay and the in-process relay
// apply what they hold first; cdc-logical drops its slot and publication,
// materialized-view its view), closes every store and removes the
// placement's temporary directory.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		var errs []error
		if c.sync != nil {
			if err := c.sync.close(); err != nil {
				errs = append(errs, fmt.Errorf("sync %s: %w", c.cfg.Sync.Strategy, err))
			}
		}
		if c.mview != nil {
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
		if c.dir != "" {
			if err := os.RemoveAll(c.dir); err != nil {
				errs = append(errs, err)
			}
		}
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}

// BeginMeasure resets the application's counts and samples the servers'
// CPU time.
func (c *Conn) BeginMeasure(ctx context.Context) {
	c.app.ResetStats()
	c.sync.resetFigures()
	c.probes.begin()
}

// Figures returns the application's counts with each role named by its
// store ("route.timeline.redis"), "stores" (the number of stores the
// placement runs), "sync.relay" (1 for an asynchronous strategy, 0 for dual
// writes), "sync.strategy.<name>" (1), the strategy's own figures
// ("sync.restarts", "sync.backlog", "sync.refreshes", …) and the stores' resource use ("resource.<store>.cpu_s",
// ".rss_bytes", ".disk_bytes") where measurable.
func (c *Conn) Figures(ctx context.Context) map[string]float64 {
	out := c.app.Stats().Figures(func(role string) string {
		if role == "who_to_follow" && c.app != nil {
			if _, ok := c.cfg.Route[role]; !ok {
				role = "follows"
			}
		}
		return c.cfg.Route[role]
	})
	out["stores"] = float64(c.cfg.StoresToRun())
	if _, ok := c.sync.(dualSync); ok {
		out["sync.relay"] = 0
	} else {
		out["sync.relay"] = 1
	}
	out["sync.strategy."+c.cfg.Sync.Strategy] = 1
	c.sync.figures(out)
	c.probes.figures(out)
	return out
}
