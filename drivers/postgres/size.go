package postgres

import (
	"context"

	"github.com/storefit/storefit/drivers"
)

var _ drivers.Sizer = (*Conn)(nil)

// Size returns the size of the database's files: tables, indexes, TOAST
// and free space maps, without the write-ahead log (drivers.Sizer).
func (c *Conn) Size(ctx context.Context) (int64, string, error) {
	var n int64
	if err := c.pool.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&n); err != nil {
		return 0, "", c.wrap(err, "database size")
	}
	return n, "disk: pg_database_size (tables, indexes, TOAST; no WAL)", nil
}
