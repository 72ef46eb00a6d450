package cassandra

import (
	"context"
	"fmt"
	"slices"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/wide"
)

var (
	_ wide.Provider = (*Conn)(nil)
	_ wide.Store    = (*wideTable)(nil)
	_ wide.Counter  = (*wideCountTable)(nil)
)

// wideTable is a wide table: one partition per row id, one clustering row
// per set column (PRIMARY KEY (id, col)), so a row's columns are stored
// and read in column order, and a row whose last column is deleted has no
// rows left: it no longer exists, as the pattern wants.
type wideTable struct {
	c      *Conn
	schema wide.Schema

	readRow, readCols, set, del, count string
}

// wideCountTable is a wideTable with the index on col that answers counts.
type wideCountTable struct{ *wideTable }

// WideStore returns a handle on the table s describes: with wide.Counter
// unless the DSN says widecount=false.
func (c *Conn) WideStore(s wide.Schema) (wide.Store, error) {
	if err := checkName("wide table", s.Table, false); err != nil {
		return nil, err
	}
	if s.Columns < 1 {
		return nil, fmt.Errorf("cassandra: table %s needs at least one column", s.Table)
	}
	name := c.table(s.Table)
	t := &wideTable{
		c:        c,
		schema:   s,
		readRow:  fmt.Sprintf("SELECT col, value FROM %s WHERE id = ?", name),
		readCols: fmt.Sprintf("SELECT col, value FROM %s WHERE id = ? AND col IN ?", name),
		set:      fmt.Sprintf("INSERT INTO %s (id, col, value) VALUES (?, ?, ?)", name),
		del:      fmt.Sprintf("DELETE FROM %s WHERE id = ? AND col = ?", name),
		count:    fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE col = ?", name),
	}
	if c.cfg.WideCount {
		return wideCountTable{t}, nil
	}
	return t, nil
}

func (t *wideTable) Setup(ctx context.Context) error {
	d := tableDef{
		name:   t.schema.Table,
		create: "CREATE TABLE %s (id bigint, col int, value blob, PRIMARY KEY (id, col))",
	}
	if t.c.cfg.WideCount {
		d.indexes = []string{"CREATE INDEX ON %s (col) USING 'sai'"}
	}
	return t.c.resetTables(ctx, d)
}

func (t *wideTable) checkCol(c int) error {
	if c < 0 || c >= t.schema.Columns {
		return fmt.Errorf("cassandra: no column %d in table %s (%d columns)", c, t.schema.Table, t.schema.Columns)
	}
	return nil
}

func (t *wideTable) checkCols(cols []int, values [][]byte) error {
	if len(cols) != len(values) {
		return fmt.Errorf("cassandra: %d columns, %d values", len(cols), len(values))
	}
	for i, c := range cols {
		if err := t.checkCol(c); err != nil {
			return err
		}
		if slices.Contains(cols[:i], c) {
			return fmt.Errorf("cassandra: column %d set twice", c)
		}
	}
	return nil
}

// writeRow writes cells of one row: one INSERT, or an unlogged batch of
// them, which Cassandra applies to the partition atomically and in
// isolation (a batch of one partition is not split).
func (t *wideTable) writeRow(ctx context.Context, id int64, cols []int, values [][]byte) error {
	if len(cols) == 1 {
		return t.c.session.Query(t.set, id, cols[0], values[0]).ExecContext(ctx)
	}
	b := t.c.session.Batch(gocql.UnloggedBatch)
	for i, c := range cols {
		b.Query(t.set, id, c, values[i])
	}
	return b.ExecContext(ctx)
}

// LoadRows writes each row as one unlogged batch (one partition),
// LoadConcurrency rows in flight.
func (t *wideTable) LoadRows(ctx context.Context, rows []wide.Row) error {
	for _, r := range rows {
		if len(r.Cols) == 0 {
			return fmt.Errorf("cassandra: row %d sets no column", r.ID)
		}
		if err := t.checkCols(r.Cols, r.Values); err != nil {
			return err
		}
	}
	return parallel(len(rows), t.c.cfg.LoadConcurrency, func(i int) error {
		r := rows[i]
		if err := t.writeRow(ctx, r.ID, r.Cols, r.Values); err != nil {
			return t.c.wrap("load "+t.schema.Table, err)
		}
		return nil
	})
}

func (t *wideTable) ReadRow(ctx context.Context, id int64, dst wide.Row) (wide.Row, error) {
	dst.ID = id
	dst.Cols, dst.Values = dst.Cols[:0], dst.Values[:0]
	iter := t.c.session.Query(t.readRow, id).IterContext(ctx)
	var col int
	for {
		dst.Values = wide.Grow(dst.Values, len(dst.Values)+1)
		v := &dst.Values[len(dst.Values)-1]
		if !iter.Scan(&col, v) {
			dst.Values = dst.Values[:len(dst.Values)-1]
			break
		}
		dst.Cols = append(dst.Cols, col)
	}
	if err := iter.Close(); err != nil {
		return dst, t.c.wrap("read row", err)
	}
	if len(dst.Cols) == 0 {
		return dst, drivers.ErrNotFound
	}
	return dst, nil
}

func (t *wideTable) ReadColumns(ctx context.Context, id int64, cols []int, dst []wide.Value) ([]wide.Value, error) {
	for _, c := range cols {
		if err := t.checkCol(c); err != nil {
			return dst[:0], err
		}
	}
	dst = wide.Grow(dst, len(cols))
	for i := range dst {
		dst[i] = wide.Value{Bytes: dst[i].Bytes[:0]}
	}
	if len(cols) == 0 {
		return dst, nil
	}
	iter := t.c.session.Query(t.readCols, id, cols).IterContext(ctx)
	var (
		col int
		val []byte
	)
	for iter.Scan(&col, &val) {
		for i, c := range cols {
			if c == col {
				dst[i] = wide.Value{Bytes: append(dst[i].Bytes, val...), Valid: true}
			}
		}
	}
	if err := iter.Close(); err != nil {
		return dst, t.c.wrap("read columns", err)
	}
	return dst, nil
}

func (t *wideTable) SetColumns(ctx context.Context, id int64, cols []int, values [][]byte) error {
	if err := t.checkCols(cols, values); err != nil {
		return err
	}
	if len(cols) == 0 {
		return nil
	}
	if err := t.writeRow(ctx, id, cols, values); err != nil {
		return t.c.wrap("set columns", err)
	}
	return nil
}

// DeleteColumn deletes the cell: a tombstone, whether or not it was set.
func (t *wideTable) DeleteColumn(ctx context.Context, id int64, col int) error {
	if err := t.checkCol(col); err != nil {
		return err
	}
	if err := t.c.session.Query(t.del, id, col).ExecContext(ctx); err != nil {
		return t.c.wrap("delete column", err)
	}
	return nil
}

// CountRowsWith counts the rows setting col through the storage-attached
// index on col: the index lists the (id, col) rows, one per row id, so
// the count reads the index and those rows, not the table.
func (t wideCountTable) CountRowsWith(ctx context.Context, col int) (int64, error) {
	if err := t.checkCol(col); err != nil {
		return 0, err
	}
	var n int64
	if err := t.c.session.Query(t.count, col).ScanContext(ctx, &n); err != nil {
		return 0, t.c.wrap("count rows", err)
	}
	return n, nil
}
