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
//
// With counts kept in a table (WideCountTable), <table>_bycol holds one
// row (col, id) per set cell, one partition per column, written in the
// same batch as the cell.
type wideTable struct {
	reads
	c      *Conn
	schema wide.Schema
	mode   string // Config.WideCount

	readRow, readCols, set, del, count string
	setByCol, delByCol                 string
}

// wideCountTable is a wideTable that answers counts.
type wideCountTable struct{ *wideTable }

// WideStore returns a handle on the table s describes: with wide.Counter
// unless the DSN says widecount=none or the workload counts nothing
// (s.Uncounted).
func (c *Conn) WideStore(s wide.Schema) (wide.Store, error) {
	if err := checkName("wide table", s.Table, false); err != nil {
		return nil, err
	}
	if s.Columns < 1 {
		return nil, fmt.Errorf("cassandra: table %s needs at least one column", s.Table)
	}
	name, bycol := c.table(s.Table), c.table(s.Table+"_bycol")
	t := &wideTable{
		reads:    reads{session: c.session},
		c:        c,
		schema:   s,
		mode:     c.cfg.WideCount,
		readRow:  fmt.Sprintf("SELECT col, value FROM %s WHERE id = ?", name),
		readCols: fmt.Sprintf("SELECT col, value FROM %s WHERE id = ? AND col IN ?", name),
		set:      fmt.Sprintf("INSERT INTO %s (id, col, value) VALUES (?, ?, ?)", name),
		del:      fmt.Sprintf("DELETE FROM %s WHERE id = ? AND col = ?", name),
		setByCol: fmt.Sprintf("INSERT INTO %s (col, id) VALUES (?, ?)", bycol),
		delByCol: fmt.Sprintf("DELETE FROM %s WHERE col = ? AND id = ?", bycol),
	}
	if s.Uncounted {
		// A mix without counts (wide/rows) keeps no count structure: its
		// writes are plain, not logged batches with a second table.
		t.mode = WideCountNone
	}
	switch t.mode {
	case WideCountTable:
		t.count = fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE col = ?", bycol)
	case WideCountSAI:
		t.count = fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE col = ?", name)
	default:
		return t, nil
	}
	return wideCountTable{t}, nil
}

func (t *wideTable) Setup(ctx context.Context) error {
	d := tableDef{
		name:   t.schema.Table,
		create: "CREATE TABLE %s (id bigint, col int, value blob, PRIMARY KEY (id, col))",
	}
	switch t.mode {
	case WideCountSAI:
		d.indexes = []string{"CREATE INDEX ON %s (col) USING 'sai'"}
	case WideCountTable:
		return t.c.resetTables(ctx, d, tableDef{
			name:   t.schema.Table + "_bycol",
			create: "CREATE TABLE %s (col int, id bigint, PRIMARY KEY (col, id))",
		})
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
// isolation (a batch of one partition is not split). With counts in a
// table, the batch also writes the cells' (col, id) rows: other
// partitions, so it is a logged batch (the batch log makes it all or
// nothing), and one timestamp for all its writes keeps the two tables in
// agreement whichever of two racing writes of a cell wins.
func (t *wideTable) writeRow(ctx context.Context, id int64, cols []int, values [][]byte) error {
	if t.mode == WideCountTable {
		b := t.c.session.Batch(gocql.LoggedBatch)
		for i, c := range cols {
			b.Query(t.set, id, c, values[i])
			b.Query(t.setByCol, c, id)
		}
		return b.ExecContext(ctx)
	}
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
// LoadConcurrency rows in flight; with counts in a table, then the (col,
// id) rows as one unlogged batch per column partition (a load is not read
// until it is done, so it needs no batch log).
func (t *wideTable) LoadRows(ctx context.Context, rows []wide.Row) error {
	for _, r := range rows {
		if len(r.Cols) == 0 {
			return fmt.Errorf("cassandra: row %d sets no column", r.ID)
		}
		if err := t.checkCols(r.Cols, r.Values); err != nil {
			return err
		}
	}
	err := parallel(len(rows), t.c.cfg.LoadConcurrency, func(i int) error {
		r := rows[i]
		b := t.c.session.Batch(gocql.UnloggedBatch)
		for j, c := range r.Cols {
			b.Query(t.set, r.ID, c, r.Values[j])
		}
		if err := b.ExecContext(ctx); err != nil {
			return t.c.wrap("load "+t.schema.Table, err)
		}
		return nil
	})
	if err != nil || t.mode != WideCountTable {
		return err
	}
	byCol := map[int][]int64{}
	var cols []int
	for _, r := range rows {
		for _, c := range r.Cols {
			if _, ok := byCol[c]; !ok {
				cols = append(cols, c)
			}
			byCol[c] = append(byCol[c], r.ID)
		}
	}
	return parallel(len(cols), t.c.cfg.LoadConcurrency, func(i int) error {
		c := cols[i]
		b := t.c.session.Batch(gocql.UnloggedBatch)
		for _, id := range byCol[c] {
			b.Query(t.setByCol, c, id)
		}
		if err := b.ExecContext(ctx); err != nil {
			return t.c.wrap("load "+t.schema.Table+"_bycol", err)
		}
		return nil
	})
}

func (t *wideTable) ReadRow(ctx context.Context, id int64, dst wide.Row) (wide.Row, error) {
	dst.ID = id
	dst.Cols, dst.Values = dst.Cols[:0], dst.Values[:0]
	iter := t.query(t.readRow, id).IterContext(ctx)
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
	iter := t.query(t.readCols, id, cols).IterContext(ctx)
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

// DeleteColumn deletes the cell: a tombstone, whether or not it was set;
// with counts in a table, in one logged batch with its (col, id) row.
func (t *wideTable) DeleteColumn(ctx context.Context, id int64, col int) error {
	if err := t.checkCol(col); err != nil {
		return err
	}
	var err error
	if t.mode == WideCountTable {
		b := t.c.session.Batch(gocql.LoggedBatch)
		b.Query(t.del, id, col)
		b.Query(t.delByCol, col, id)
		err = b.ExecContext(ctx)
	} else {
		err = t.c.session.Query(t.del, id, col).ExecContext(ctx)
	}
	if err != nil {
		return t.c.wrap("delete column", err)
	}
	return nil
}

// CountRowsWith counts the rows setting col: the rows of col's partition
// of <table>_bycol, or, with WideCountSAI, the (id, col) rows the
// storage-attached index on col finds (reading the index, then each of
// those rows, not the table).
func (t wideCountTable) CountRowsWith(ctx context.Context, col int) (int64, error) {
	if err := t.checkCol(col); err != nil {
		return 0, err
	}
	var n int64
	if err := t.query(t.count, col).ScanContext(ctx, &n); err != nil {
		return 0, t.c.wrap("count rows", err)
	}
	return n, nil
}
