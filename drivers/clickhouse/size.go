package clickhouse

import (
	"context"

	"github.com/storefit/storefit/drivers"
)

var (
	_ drivers.StorageSizer = (*aggTable)(nil)
	_ drivers.StorageSizer = (*seriesStore)(nil)
)

// tableBytes returns the size on disk of the active parts of the tables
// (unquoted names) of the connection's database.
func (c *Conn) tableBytes(ctx context.Context, tables ...string) (int64, error) {
	var n uint64
	err := c.db.QueryRow(ctx, "SELECT toUInt64(sum(bytes_on_disk)) FROM system.parts WHERE active AND database = currentDatabase() AND has(?, table)", tables).Scan(&n)
	return int64(n), c.wrap(err, "size of %v", tables)
}

// StorageBytes returns the size of the sales table's active parts.
func (t *aggTable) StorageBytes(ctx context.Context) (int64, error) {
	return t.c.tableBytes(ctx, t.name)
}

// StorageBytes returns the size of the readings' and tags' active parts.
func (s *seriesStore) StorageBytes(ctx context.Context) (int64, error) {
	return s.c.tableBytes(ctx, s.name, s.name+"_tags")
}
