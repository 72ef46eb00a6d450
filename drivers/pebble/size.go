package pebble

import (
	"context"

	"github.com/storefit/storefit/drivers"
)

var (
	_ drivers.Sizer = (*pointStore)(nil)
	_ drivers.Sizer = (*wideStore)(nil)
	_ drivers.Sizer = (*seriesStore)(nil)
)

// diskBytes returns the size of the database directory — tables, the
// write-ahead log and the manifest — after a flush of the memtable, so the
// loaded data is in tables: every key space of the database (with the
// default DSN, a fresh directory per run, that is the cell's data).
func (c *Conn) diskBytes() (int64, string, error) {
	if err := c.db.Flush(); err != nil {
		return 0, "", err
	}
	n, err := drivers.DirBytes(c.dir)
	return n, "disk: database directory (tables, WAL, manifest)", err
}

// Size returns the database's size on disk (see Conn.diskBytes).
func (s *pointStore) Size(context.Context) (int64, string, error) { return s.c.diskBytes() }

// Size returns the database's size on disk (see Conn.diskBytes).
func (s *wideStore) Size(context.Context) (int64, string, error) { return s.c.diskBytes() }

// Size returns the database's size on disk (see Conn.diskBytes).
func (s *seriesStore) Size(context.Context) (int64, string, error) { return s.c.diskBytes() }
