package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// SyncSource returns a copy of the pool configuration, so the sync workload
// (workloads/sync, syncwl.Provider) can open its own pool and logical
// replication connections to the same database: PostgreSQL is its source
// of truth.
func (c *Conn) SyncSource() *pgxpool.Config { return c.cfg.Pool.Copy() }
