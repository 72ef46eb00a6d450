package placement

import (
	"context"
	"fmt"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/twitter"
)

// twitterApp builds, on first use, the twitter application over the
// placement's stores and its sync engine of the placement's strategy.
func (c *Conn) twitterApp() (*twitter.App, error) {
	c.twOnce.Do(func() {
		c.app, c.twErr = c.newTwitterApp()
		if c.twErr != nil {
			c.twErr = fmt.Errorf("placement %s: %w", c.cfg.Name, c.twErr)
		}
	})
	return c.app, c.twErr
}

func (c *Conn) newTwitterApp() (*twitter.App, error) {
	if c.cfg.Sync.Strategy == StrategyEvents {
		return nil, fmt.Errorf("sync %s: the twitter application writes its source through its stores, not to a log (event sourcing is the sync workload's: sync/event-sourcing): %w",
			StrategyEvents, drivers.ErrUnsupported)
	}
	b, err := c.backends()
	if err != nil {
		return nil, err
	}
	app, err := twitter.NewApp(b, twitter.Options{CacheBySync: c.cfg.Sync.Invalidation == InvalidateBySync,
		Home: c.cfg.Home.Strategy, HomeThreshold: c.cfg.Home.Threshold, InboxCapacity: c.cfg.Home.Inbox,
		Cache: c.cfg.Cache.options()})
	if err != nil {
		return nil, err
	}
	capture, err := c.twitterCapture()
	if err != nil {
		return nil, fmt.Errorf("sync %s: %w", c.cfg.Sync.Strategy, err)
	}
	e, err := syncer.New(syncer.Config{Strategy: c.cfg.Sync.Strategy, Source: app, Sinks: app.Sinks(), Capture: capture,
		Options: c.options(syncer.Options{InsertsOnly: true, Name: "tw_"})})
	if err != nil {
		return nil, fmt.Errorf("sync %s: %w", c.cfg.Sync.Strategy, err)
	}
	c.mu.Lock()
	c.engines = append(c.engines, e)
	c.mu.Unlock()
	app.SetEngine(e)
	return app, nil
}

// options fills the placement's sync settings into o.
func (c *Conn) options(o syncer.Options) syncer.Options {
	s := c.cfg.Sync
	o.Batch, o.Poll, o.Refresh = s.Batch, s.interval, s.refresh
	o.Kafka, o.Connect = ExpandDSN(s.Kafka), ExpandDSN(s.Connect)
	return o
}

// twitterCapture describes the twitter source's database to the capture
// strategies: its crud tables (and follows, when a view is fed from them).
func (c *Conn) twitterCapture() (*syncer.Capture, error) {
	src := c.cfg.Route["source"]
	cs, _, _, gs, _, _ := twitter.Schemas()
	tables := syncer.Tables{Tweets: cs.Tweets(), Likes: cs.Likes()}
	w, ok := c.cfg.Route["who_to_follow"]
	if (ok && w != c.cfg.Route["follows"]) || c.cfg.Home.Strategy != twitter.HomeRead {
		if c.cfg.Sync.Strategy != StrategyDual && c.cfg.Sync.Strategy != StrategyRelay && c.cfg.Route["follows"] != src {
			return nil, fmt.Errorf("route follows to the source store (%s) so its changes are captured with the source's", src)
		}
		tables.Follows = gs.Name
	}
	db, err := c.captureDB(src, c.conns[src])
	if err != nil || db == nil {
		return nil, err
	}
	return &syncer.Capture{Tables: tables, DB: db}, nil
}

// TwitterStore returns the application, with the sync engine's hooks
// around Setup and FinishLoad.
func (c *Conn) TwitterStore() (twitter.Store, error) {
	app, err := c.twitterApp()
	if err != nil {
		return nil, err
	}
	return appStore{app, c}, nil
}

// App returns the application (for tests and figures).
func (c *Conn) App() *twitter.App {
	app, _ := c.twitterApp()
	return app
}

// appStore is the application with the sync engine's hooks around Setup
// and FinishLoad: capture starts after the bulk load, which builds every
// view from the same rows (capturing the load would replay it into views
// that hold it already, and double the load's writes).
type appStore struct {
	*twitter.App
	c *Conn
}

func (a appStore) Setup(ctx context.Context) error {
	if a.c.mview != nil {
		// The view depends on the source's tables, which Setup drops.
		if err := a.c.mview.drop(ctx); err != nil {
			return err
		}
	}
	if err := a.App.Setup(ctx); err != nil {
		return err
	}
	return a.Engine().Setup(ctx)
}

func (a appStore) FinishLoad(ctx context.Context) error {
	if err := a.App.FinishLoad(ctx); err != nil {
		return err
	}
	if err := a.Engine().Start(ctx); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}

// Drain waits until every change committed so far is applied (nothing
// with dual writes), so the derived views have caught up with the source.
func (c *Conn) Drain(ctx context.Context) error {
	app, err := c.twitterApp()
	if err != nil {
		return err
	}
	return app.Engine().Drain(ctx)
}

// RestartSync kills the sync strategy's appliers (the relays, the CDC
// consumers, the refresher), mid-batch if they are in one; new ones resume
// from the durable positions: the outbox table, the slot, the groups'
// offsets.
func (c *Conn) RestartSync(ctx context.Context) error {
	app, err := c.twitterApp()
	if err != nil {
		return err
	}
	app.Engine().Restart()
	return nil
}

// homeBackends fills the home timeline's backends: fan-out on read in SQL
// when the source and the follows graph are one PostgreSQL database (else
// the application composes the stores' calls), and the inboxes of the
// store route.inbox names.
func (c *Conn) homeBackends(b *twitter.Backends, tweets, follows string) error {
	var err error
	if b.Home, err = c.pgHomeSource(tweets, follows); err != nil {
		return fmt.Errorf("home: %w", err)
	}
	name, ok := c.cfg.Route["inbox"]
	if !ok {
		return nil
	}
	p, ok := c.conns[name].(twitter.InboxProvider)
	if !ok {
		return fmt.Errorf("role inbox: store %s (%s) cannot hold inboxes (use redis or memory): %w", name, c.cfg.Stores[name].Driver, drivers.ErrUnsupported)
	}
	if b.Inbox, err = p.Inboxes("tw_home", c.cfg.Home.Inbox); err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	return nil
}

// addCloser registers f to run at Close.
func (c *Conn) addCloser(f func()) {
	c.mu.Lock()
	c.closers = append(c.closers, f)
	c.mu.Unlock()
}
