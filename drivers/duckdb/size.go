package duckdb

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/storefit/storefit/drivers"
)

var (
	_ drivers.StorageSizer = (*pointTable)(nil)
	_ drivers.StorageSizer = (*crudDB)(nil)
	_ drivers.StorageSizer = (*aggTable)(nil)
	_ drivers.StorageSizer = (*graphTable)(nil)
	_ drivers.StorageSizer = (*seriesTable)(nil)
	_ drivers.StorageSizer = (*wideTable)(nil)
)

// diskBytes returns the size of the database file and its write-ahead log,
// after a checkpoint so the file holds what the loaders wrote: the size
// of every table of the database (with the default DSN, a fresh file per
// run, that is the cell's data). An in-memory database has none.
func (c *Conn) diskBytes(ctx context.Context) (int64, error) {
	if c.path == "" || strings.HasPrefix(c.path, ":memory:") {
		return 0, fmt.Errorf("duckdb: in-memory database: %w", drivers.ErrUnsupported)
	}
	if _, err := c.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return 0, fmt.Errorf("duckdb: checkpoint: %w", err)
	}
	var n int64
	for _, p := range []string{c.path, c.path + ".wal"} {
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("duckdb: %w", err)
		}
		n += info.Size()
	}
	return n, nil
}

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (t *pointTable) StorageBytes(ctx context.Context) (int64, error) {
	if err := t.bulk.sync(ctx); err != nil {
		return 0, err
	}
	return t.c.diskBytes(ctx)
}

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (s *crudDB) StorageBytes(ctx context.Context) (int64, error) { return s.c.diskBytes(ctx) }

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (t *aggTable) StorageBytes(ctx context.Context) (int64, error) {
	if err := t.bulk.sync(ctx); err != nil {
		return 0, err
	}
	return t.c.diskBytes(ctx)
}

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (g *graphTable) StorageBytes(ctx context.Context) (int64, error) {
	if err := g.bulk.sync(ctx); err != nil {
		return 0, err
	}
	return g.c.diskBytes(ctx)
}

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (t *seriesTable) StorageBytes(ctx context.Context) (int64, error) {
	if err := t.bulk.sync(ctx); err != nil {
		return 0, err
	}
	return t.c.diskBytes(ctx)
}

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (t *wideTable) StorageBytes(ctx context.Context) (int64, error) {
	if err := t.bulk.sync(ctx); err != nil {
		return 0, err
	}
	return t.c.diskBytes(ctx)
}
