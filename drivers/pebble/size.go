package pebble

import (
	"context"

	"github.com/storefit/storefit/drivers"
)

var (
	_ drivers.StorageSizer = (*pointStore)(nil)
	_ drivers.StorageSizer = (*wideStore)(nil)
	_ drivers.StorageSizer = (*seriesStore)(nil)
)

// diskBytes returns the size of the database directory — tables, the
// write-ahead log and the manifest — after a flush of the memtable, so the
// loaded data is in tables: every key space of the database (with the
// default DSN, a fresh directory per run, that is the cell's data).
func (c *Conn) diskBytes() (int64, error) {
	if err := c.db.Flush(); err != nil {
		return 0, err
	}
	return drivers.DirBytes(c.dir)
}

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (s *pointStore) StorageBytes(context.Context) (int64, error) { return s.c.diskBytes() }

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (s *wideStore) StorageBytes(context.Context) (int64, error) { return s.c.diskBytes() }

// StorageBytes returns the database's size on disk (see Conn.diskBytes).
func (s *seriesStore) StorageBytes(context.Context) (int64, error) { return s.c.diskBytes() }
