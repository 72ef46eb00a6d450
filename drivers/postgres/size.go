package postgres

import (
	"context"

	"github.com/storefit/storefit/drivers"
)

var (
	_ drivers.StorageSizer = (*pointStore)(nil)
	_ drivers.StorageSizer = (*crudStore)(nil)
	_ drivers.StorageSizer = (*aggStore)(nil)
	_ drivers.StorageSizer = (*graphStore)(nil)
	_ drivers.StorageSizer = (*searchStore)(nil)
	_ drivers.StorageSizer = (*seriesStore)(nil)
	_ drivers.StorageSizer = (*wideStore)(nil)
)

// relationBytes returns the size on disk of the tables (quoted names) with
// their indexes and TOAST data (pg_total_relation_size); a table that does
// not exist counts 0.
func (c *Conn) relationBytes(ctx context.Context, tables ...string) (int64, error) {
	var n int64
	err := c.pool.QueryRow(ctx, "SELECT coalesce(sum(pg_total_relation_size(to_regclass(t))), 0)::bigint FROM unnest($1::text[]) AS t", tables).Scan(&n)
	return n, c.wrap(err, "size of %v", tables)
}

// StorageBytes returns the table's size with its primary key.
func (p *pointStore) StorageBytes(ctx context.Context) (int64, error) {
	return p.c.relationBytes(ctx, p.table)
}

// StorageBytes returns the size of the users, tweets and likes tables with
// their indexes.
func (s *crudStore) StorageBytes(ctx context.Context) (int64, error) {
	return s.c.relationBytes(ctx, s.qUsers, s.qTweets, s.qLik)
}

// StorageBytes returns the sales table's size with its indexes.
func (a *aggStore) StorageBytes(ctx context.Context) (int64, error) {
	return a.c.relationBytes(ctx, a.table)
}

// StorageBytes returns the edge table's size with both indexes.
func (g *graphStore) StorageBytes(ctx context.Context) (int64, error) {
	return g.c.relationBytes(ctx, g.table)
}

// StorageBytes returns the size of the documents (with the GIN index), the
// corpus statistics and the document frequencies.
func (s *searchStore) StorageBytes(ctx context.Context) (int64, error) {
	return s.c.relationBytes(ctx, s.table, s.statsTable, s.dfTable)
}

// StorageBytes returns the size of the readings and the tags; on
// TimescaleDB the readings are a hypertable, whose chunks (compressed or
// not) hypertable_size adds up.
func (s *seriesStore) StorageBytes(ctx context.Context) (int64, error) {
	tags, err := s.c.relationBytes(ctx, s.tagsTbl)
	if err != nil || !s.timescale {
		readings, err2 := s.c.relationBytes(ctx, s.table)
		if err == nil {
			err = err2
		}
		return tags + readings, err
	}
	var readings int64
	err = s.c.pool.QueryRow(ctx, "SELECT coalesce(hypertable_size(to_regclass($1)), 0)::bigint", s.table).Scan(&readings)
	return tags + readings, s.c.wrap(err, "size of hypertable %s", s.name)
}

// StorageBytes returns the table's size with its indexes.
func (w *wideStore) StorageBytes(ctx context.Context) (int64, error) {
	return w.c.relationBytes(ctx, w.table)
}
