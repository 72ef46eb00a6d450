package sqlite

import (
	"context"
	"fmt"

	"github.com/storefit/storefit/drivers"
)

var (
	_ drivers.Sizer = (*pointTable)(nil)
	_ drivers.Sizer = (*crudDB)(nil)
	_ drivers.Sizer = (*aggTable)(nil)
	_ drivers.Sizer = (*graphTable)(nil)
	_ drivers.Sizer = (*searchIndex)(nil)
	_ drivers.Sizer = (*seriesTable)(nil)
	_ drivers.Sizer = (*wideTable)(nil)
)

// diskBytes returns the size of the database file and its write-ahead log:
// every table of the database (with the default DSN, a fresh file per run,
// that is the cell's data). The WAL counts because committed pages live
// there until a checkpoint copies them into the file.
func (c *Conn) diskBytes() (int64, string, error) {
	n, err := drivers.FilesBytes(c.path, c.path+"-wal")
	if err != nil {
		return 0, "", fmt.Errorf("sqlite: %w", err)
	}
	return n, "disk: database file and WAL", nil
}

// Size returns the database's size on disk (see Conn.diskBytes).
func (t *pointTable) Size(context.Context) (int64, string, error) { return t.c.diskBytes() }

// Size returns the database's size on disk (see Conn.diskBytes).
func (s *crudDB) Size(context.Context) (int64, string, error) { return s.c.diskBytes() }

// Size returns the database's size on disk (see Conn.diskBytes).
func (t *aggTable) Size(context.Context) (int64, string, error) { return t.c.diskBytes() }

// Size returns the database's size on disk (see Conn.diskBytes).
func (g *graphTable) Size(context.Context) (int64, string, error) { return g.c.diskBytes() }

// Size returns the database's size on disk (see Conn.diskBytes).
func (s *searchIndex) Size(context.Context) (int64, string, error) { return s.c.diskBytes() }

// Size returns the database's size on disk (see Conn.diskBytes).
func (t *seriesTable) Size(context.Context) (int64, string, error) { return t.c.diskBytes() }

// Size returns the database's size on disk (see Conn.diskBytes).
func (t *wideTable) Size(context.Context) (int64, string, error) { return t.c.diskBytes() }
