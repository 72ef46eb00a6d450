package postgres

import "github.com/jackc/pgx/v5/pgxpool"

// Pool exposes the Conn's pool to the tests, which look at the schema a
// store made (hypertables, compressed chunks) with their own queries.
func (c *Conn) Pool() *pgxpool.Pool { return c.shared }
