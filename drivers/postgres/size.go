package postgres

import (
	"context"

	"github.com/storefit/storefit/drivers"
)

var (
	_ drivers.Sizer = (*pointStore)(nil)
	_ drivers.Sizer = (*crudStore)(nil)
	_ drivers.Sizer = (*aggStore)(nil)
	_ drivers.Sizer = (*graphStore)(nil)
	_ drivers.Sizer = (*searchStore)(nil)
	_ drivers.Sizer = (*seriesStore)(nil)
	_ drivers.Sizer = (*wideStore)(nil)
)

// relationSize says what relationBytes counts.
const relationSize = "disk: pg_total_relation_size (tables, indexes, TOAST; no WAL)"

// relationBytes returns the size on disk of the tables (quoted names) with
// their indexes and TOAST data (pg_total_relation_size); a table that does
// not exist counts 0.
func (c *Conn) relationBytes(ctx context.Context, tables ...string) (int64, string, error) {
	var n int64
	err := c.pool.QueryRow(ctx, "SELECT coalesce(sum(pg_total_relation_size(to_regclass(t))), 0)::bigint FROM unnest($1::text[]) AS t", tables).Scan(&n)
	return n, relationSize, c.wrap(err, "size of %v", tables)
}

// Size returns the table's size with its primary key.
func (p *pointStore) Size(ctx context.Context) (int64, string, error) {
	return p.c.relationBytes(ctx, p.table)
}

// Size returns the size of the users, tweets and likes tables with
// their indexes.
func (s *crudStore) Size(ctx context.Context) (int64, string, error) {
	return s.c.relationBytes(ctx, s.qUsers, s.qTweets, s.qLik)
}

// Size returns the sales table's size with its indexes.
func (a *aggStore) Size(ctx context.Context) (int64, string, error) {
	return a.c.relationBytes(ctx, a.table)
}

// Size returns the edge table's size with both indexes.
func (g *graphStore) Size(ctx context.Context) (int64, string, error) {
	return g.c.relationBytes(ctx, g.table)
}

// Size returns the size of the documents (with the GIN index), the
// corpus statistics and the document frequencies.
func (s *searchStore) Size(ctx context.Context) (int64, string, error) {
	return s.c.relationBytes(ctx, s.table, s.statsTable, s.dfTable)
}

// Size returns the size of the readings and the tags; on
// TimescaleDB the readings are a hypertable, whose chunks (compressed or
// not) hypertable_size adds up.
func (s *seriesStore) Size(ctx context.Context) (int64, string, error) {
	if !s.timescale {
		return s.c.relationBytes(ctx, s.tagsTbl, s.table)
	}
	tags, _, err := s.c.relationBytes(ctx, s.tagsTbl)
	if err != nil {
		return 0, "", err
	}
	var readings int64
	err = s.c.pool.QueryRow(ctx, "SELECT coalesce(hypertable_size(to_regclass($1)), 0)::bigint", s.table).Scan(&readings)
	return tags + readings, "disk: hypertable_size (chunks, compressed or not) and pg_total_relation_size of the tags", s.c.wrap(err, "size of hypertable %s", s.name)
}

// Size returns the table's size with its indexes.
func (w *wideStore) Size(ctx context.Context) (int64, string, error) {
	return w.c.relationBytes(ctx, w.table)
}
