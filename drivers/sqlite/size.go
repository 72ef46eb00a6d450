package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/storefit/storefit/drivers"
)

var (
	_ drivers.StorageSizer = (*pointTable)(nil)
	_ drivers.StorageSizer = (*crudDB)(nil)
	_ drivers.StorageSizer = (*aggTable)(nil)
	_ drivers.StorageSizer = (*graphTable)(nil)
	_ drivers.StorageSizer = (*searchIndex)(nil)
	_ drivers.StorageSizer = (*seriesTable)(nil)
	_ drivers.StorageSizer = (*wideTable)(nil)
)

// diskBytes returns the size of the database file and its write-ahead log:
// every table of the database (with the default DSN, a fresh file per run,
// that is the cell's data). The WAL counts because committed pages live
// there until a checkpoint copies them into the file.
func (c *Conn) diskBytes() (int64, error) {
	var n int64
	for _, p := range []string{c.path, c.path + "-wal"} {
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("sqlite: %w", err)
		}
		n += info.Size()
	}
	return n, nil
}

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (t *pointTable) StorageBytes(context.Context) (int64, error) { return t.c.diskBytes() }

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (s *crudDB) StorageBytes(context.Context) (int64, error) { return s.c.diskBytes() }

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (t *aggTable) StorageBytes(context.Context) (int64, error) { return t.c.diskBytes() }

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (g *graphTable) StorageBytes(context.Context) (int64, error) { return g.c.diskBytes() }

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (s *searchIndex) StorageBytes(context.Context) (int64, error) { return s.c.diskBytes() }

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (t *seriesTable) StorageBytes(context.Context) (int64, error) { return t.c.diskBytes() }

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (t *wideTable) StorageBytes(context.Context) (int64, error) { return t.c.diskBytes() }
