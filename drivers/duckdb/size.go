package duckdb

import (
	"context"
	"fmt"
	"strings"

	"github.com/storefit/storefit/drivers"
)

var (
	_ drivers.Sizer = (*pointTable)(nil)
	_ drivers.Sizer = (*crudDB)(nil)
	_ drivers.Sizer = (*aggTable)(nil)
	_ drivers.Sizer = (*graphTable)(nil)
	_ drivers.Sizer = (*seriesTable)(nil)
	_ drivers.Sizer = (*wideTable)(nil)
)

// diskBytes returns the size of the database file and its write-ahead log,
// after a checkpoint so the file holds what the loaders wrote: the size
// of every table of the database (with the default DSN, a fresh file per
// run, that is the cell's data). An in-memory database has none.
func (c *Conn) diskBytes(ctx context.Context) (int64, string, error) {
	if c.path == "" || strings.HasPrefix(c.path, ":memory:") {
		return 0, "", fmt.Errorf("duckdb: in-memory database: %w", drivers.ErrUnsupported)
	}
	if _, err := c.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return 0, "", fmt.Errorf("duckdb: checkpoint: %w", err)
	}
	n, err := drivers.FilesBytes(c.path, c.path+".wal")
	if err != nil {
		return 0, "", fmt.Errorf("duckdb: %w", err)
	}
	return n, "disk: database file and WAL (after a checkpoint)", nil
}

// Size returns the database's size on disk (see Conn.diskBytes).
func (t *pointTable) Size(ctx context.Context) (int64, string, error) {
	if err := t.bulk.sync(ctx); err != nil {
		return 0, "", err
	}
	return t.c.diskBytes(ctx)
}

// Size returns the database's size on disk (see Conn.diskBytes).
func (s *crudDB) Size(ctx context.Context) (int64, string, error) { return s.c.diskBytes(ctx) }

// Size returns the database's size on disk (see Conn.diskBytes).
func (t *aggTable) Size(ctx context.Context) (int64, string, error) {
	if err := t.bulk.sync(ctx); err != nil {
		return 0, "", err
	}
	return t.c.diskBytes(ctx)
}

// Size returns the database's size on disk (see Conn.diskBytes).
func (g *graphTable) Size(ctx context.Context) (int64, string, error) {
	if err := g.bulk.sync(ctx); err != nil {
		return 0, "", err
	}
	return g.c.diskBytes(ctx)
}

// Size returns the database's size on disk (see Conn.diskBytes).
func (t *seriesTable) Size(ctx context.Context) (int64, string, error) {
	if err := t.bulk.sync(ctx); err != nil {
		return 0, "", err
	}
	return t.c.diskBytes(ctx)
}

// Size returns the database's size on disk (see Conn.diskBytes).
func (t *wideTable) Size(ctx context.Context) (int64, string, error) {
	if err := t.bulk.sync(ctx); err != nil {
		return 0, "", err
	}
	return t.c.diskBytes(ctx)
}
