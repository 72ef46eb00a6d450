//go:build !storefit_embedded

package placement

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/storefit/storefit/drivers"
	_ "github.com/storefit/storefit/syncer/kafkasync" // cdc-debezium, event-sourcing
	_ "github.com/storefit/storefit/syncer/pgsync"    // cdc-logical, the outbox's PostgreSQL dialect
	"github.com/storefit/storefit/workloads/agg"
)

// The strategies on a PostgreSQL source bring the PostgreSQL and Kafka
// clients, which embedded-only builds (tag storefit_embedded) leave out;
// embedded.go says so instead.

// pgSource is a PostgreSQL connection or sync source that shares its pool
// configuration (drivers/postgres).
type pgSource interface {
	PoolConfig() *pgxpool.Config
}

// postgresCapture returns the capture DB of a PostgreSQL source (its pool
// configuration), or nil when x is not one.
func postgresCapture(x any) any {
	if p, ok := x.(pgSource); ok {
		return p.PoolConfig()
	}
	return nil
}

// mviewDashboard returns the dashboard of the materialized-view strategy: a
// materialized view over the source's tweets and likes.
func (c *Conn) mviewDashboard(tweets, likes string) (agg.Store, error) {
	src := c.cfg.Route["source"]
	p, ok := c.conns[src].(pgSource)
	if !ok {
		return nil, fmt.Errorf("needs a postgres source, not %s: %w", c.cfg.Stores[src].Driver, drivers.ErrUnsupported)
	}
	m, err := newMViewStore(context.Background(), p.PoolConfig(), tweets, likes)
	if err != nil {
		return nil, err
	}
	c.mview = m
	return m, nil
}
