package clickhouse

import (
	"context"

	"github.com/storefit/storefit/drivers"
)

var (
	_ drivers.Sizer = (*aggTable)(nil)
	_ drivers.Sizer = (*seriesStore)(nil)
)

// tableBytes returns the size on disk of the active parts of the tables
// (unquoted names) of the connection's database.
func (c *Conn) tableBytes(ctx context.Context, tables ...string) (int64, string, error) {
	var n uint64
	err := c.db.QueryRow(ctx, "SELECT toUInt64(sum(bytes_on_disk)) FROM system.parts WHERE active AND database = currentDatabase() AND has(?, table)", tables).Scan(&n)
	return int64(n), "disk: active parts (system.parts bytes_on_disk)", c.wrap(err, "size of %v", tables)
}

// Size returns the size of the sales table's active parts.
func (t *aggTable) Size(ctx context.Context) (int64, string, error) {
	return t.c.tableBytes(ctx, t.name)
}

// Size returns the size of the readings' and tags' active parts.
func (s *seriesStore) Size(ctx context.Context) (int64, string, error) {
	return s.c.tableBytes(ctx, s.name, s.name+"_tags")
}
