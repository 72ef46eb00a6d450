//go:build !storefit_embedded

package placement

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/agg"
)

// The strategies on a PostgreSQL source (outbox_pg.go, logical.go,
// mview.go) bring the PostgreSQL clients, which embedded-only builds (tag
// storefit_embedded) leave out; embedded.go says so instead.

// pgSource is a PostgreSQL connection that shares its pool configuration
// (drivers/postgres).
type pgSource interface {
	SyncSource() *pgxpool.Config
}

// pgConfig returns the pool configuration of the placement's source.
func (c *Conn) pgConfig() (*pgxpool.Config, error) {
	src := c.cfg.Route["source"]
	p, ok := c.conns[src].(pgSource)
	if !ok {
		return nil, fmt.Errorf("needs a postgres source, not %s: %w", c.cfg.Stores[src].Driver, drivers.ErrUnsupported)
	}
	return p.SyncSource(), nil
}

// pgSyncer builds the outbox, cdc-logical or materialized-view strategy on
// a PostgreSQL source.
func (c *Conn) pgSyncer(tabs captured) (syncer, error) {
	pc, err := c.pgConfig()
	if err != nil {
		return nil, err
	}
	switch c.cfg.Sync.Strategy {
	case StrategyOutbox:
		db, err := newPGOutbox(context.Background(), pc, tabs)
		if err != nil {
			return nil, err
		}
		return newOutbox(c.app, db, c.cfg.Sync.interval, c.cfg.Sync.Batch), nil
	case StrategyLogical:
		return newLogical(c.app, pc, tabs, c.cfg.Sync.Batch)
	case StrategyDebezium:
		return newDebezium(c.app, pc, tabs, c.cfg.Sync.Kafka, c.cfg.Sync.Connect)
	case StrategyMView:
		if c.mview == nil {
			return nil, fmt.Errorf("needs the dashboard on the postgres source")
		}
		return newRefresher(c.app, c.mview.(*mviewStore), c.cfg.Sync.refresh), nil
	}
	return nil, fmt.Errorf("no postgres strategy %s", c.cfg.Sync.Strategy)
}

// mviewDashboard returns the dashboard of the materialized-view strategy: a
// materialized view over the source's tweets and likes.
func (c *Conn) mviewDashboard(tweets, likes string) (agg.Store, error) {
	pc, err := c.pgConfig()
	if err != nil {
		return nil, err
	}
	m, err := newMViewStore(context.Background(), pc, tweets, likes)
	if err != nil {
		return nil, err
	}
	c.mview = m
	return m, nil
}
