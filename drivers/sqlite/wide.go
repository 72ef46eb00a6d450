package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/wide"
)

var (
	_ wide.Provider = (*Conn)(nil)
	_ wide.Store    = (*wideTable)(nil)
	_ wide.Counter  = (*wideTable)(nil)
)

// wideTable is a sparse table stored as one row per set cell, and the
// number of rows setting each column:
//
//	prefs(id INTEGER, col INTEGER, value BLOB, PRIMARY KEY (id, col)) WITHOUT ROWID
//	prefs_counts(col INTEGER PRIMARY KEY, n INTEGER)
//
// A user's cells are one range of the primary key, in column order; a row
// exists while it has a cell, as the contract has it. Every write keeps
// prefs_counts exact in the same transaction, so Counter is one primary
// key lookup. See doc.go for why this layout rather than a JSON column.
type wideTable struct {
	c      *Conn
	schema wide.Schema
	table  string // quoted
	counts string // quoted
	q      wideSQL
}

type wideSQL struct {
	insert, loadCounts, readRow, readCols, set, setCounts, del, delCount, count string
}

// WideStore returns a handle on the table s describes.
func (c *Conn) WideStore(s wide.Schema) (wide.Store, error) {
	if err := checkName("table", s.Table); err != nil {
		return nil, err
	}
	if s.Columns < 1 {
		return nil, fmt.Errorf("sqlite: table %s needs at least one column", s.Table)
	}
	t := &wideTable{c: c, schema: s, table: ident(s.Table), counts: ident(s.Table + "_counts")}
	t.q = wideSQL{
		insert:     "INSERT INTO " + t.table + " (id, col, value) VALUES",
		loadCounts: "INSERT INTO " + t.counts + " (col, n) VALUES",
		readRow:    "SELECT col, value FROM " + t.table + " WHERE id = ? ORDER BY col",
		readCols:   "SELECT col, value FROM " + t.table + " WHERE id = ? AND col IN (SELECT value FROM json_each(?))",
		set:        "INSERT INTO " + t.table + " (id, col, value) VALUES",
		setCounts: "INSERT INTO " + t.counts + " (col, n) SELECT j.value, 1 FROM json_each(?1) j WHERE NOT EXISTS (SELECT 1 FROM " +
			t.table + " WHERE id = ?2 AND col = j.value) ON CONFLICT (col) DO UPDATE SET n = n + 1",
		del:      "DELETE FROM " + t.table + " WHERE id = ? AND col = ?",
		delCount: "UPDATE " + t.counts + " SET n = n - 1 WHERE col = ?",
		count:    "SELECT COALESCE((SELECT n FROM " + t.counts + " WHERE col = ?), 0)",
	}
	return t, nil
}

func (t *wideTable) Setup(ctx context.Context) error {
	err := t.c.execScript(ctx,
		"DROP TABLE IF EXISTS "+t.table,
		"DROP TABLE IF EXISTS "+t.counts,
		"CREATE TABLE "+t.table+" (id INTEGER NOT NULL, col INTEGER NOT NULL, value BLOB NOT NULL, PRIMARY KEY (id, col)) WITHOUT ROWID",
		"CREATE TABLE "+t.counts+" (col INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
	if err != nil {
		return fmt.Errorf("sqlite: wide setup %s: %w", t.schema.Table, err)
	}
	return nil
}

func (t *wideTable) checkCol(c int) error {
	if c < 0 || c >= t.schema.Columns {
		return fmt.Errorf("sqlite: no column %d in table %s (%d columns)", c, t.schema.Table, t.schema.Columns)
	}
	return nil
}

func (t *wideTable) checkCols(cols []int) error {
	for _, c := range cols {
		if err := t.checkCol(c); err != nil {
			return err
		}
	}
	return nil
}

// LoadRows inserts the batch's cells in key order and adds the batch's
// per-column counts, in one transaction.
func (t *wideTable) LoadRows(ctx context.Context, rows []wide.Row) error {
	type cell struct {
		id  int64
		col int
		val []byte
	}
	var cells []cell
	for _, r := range rows {
		if len(r.Cols) == 0 {
			return fmt.Errorf("sqlite: wide row %d sets no column", r.ID)
		}
		if len(r.Cols) != len(r.Values) {
			return fmt.Errorf("sqlite: wide row %d: %d columns, %d values", r.ID, len(r.Cols), len(r.Values))
		}
		if err := t.checkCols(r.Cols); err != nil {
			return err
		}
		for i, c := range r.Cols {
			cells = append(cells, cell{r.ID, c, r.Values[i]})
		}
	}
	// In key order: each B-tree page is touched once per batch.
	slices.SortFunc(cells, func(a, b cell) int { return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.col, b.col)) })
	counts := map[int]int64{}
	for _, c := range cells {
		counts[c.col]++
	}
	cols := slices.Sorted(maps.Keys(counts))
	err := t.c.tx(ctx, func(w *writeConn) error {
		err := bulkInsert(ctx, w, t.q.insert, "", 3, len(cells), func(dst []any, i int) []any {
			return append(dst, cells[i].id, cells[i].col, cells[i].val)
		})
		if err != nil {
			return err
		}
		return bulkInsert(ctx, w, t.q.loadCounts, "ON CONFLICT (col) DO UPDATE SET n = n + excluded.n", 2, len(cols), func(dst []any, i int) []any {
			return append(dst, cols[i], counts[cols[i]])
		})
	})
	if err != nil {
		return fmt.Errorf("sqlite: wide load %s: %w", t.schema.Table, err)
	}
	return nil
}

func (t *wideTable) ReadRow(ctx context.Context, id int64, dst wide.Row) (wide.Row, error) {
	dst.ID = id
	dst.Cols, dst.Values = dst.Cols[:0], dst.Values[:0]
	rows, err := t.c.query(ctx, t.q.readRow, id)
	if err != nil {
		return dst, fmt.Errorf("sqlite: wide read row %d: %w", id, err)
	}
	defer rows.Close()
	var col int
	var val sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&col, &val); err != nil {
			return dst, fmt.Errorf("sqlite: wide read row %d: %w", id, err)
		}
		n := len(dst.Cols)
		dst.Cols = append(dst.Cols, col)
		dst.Values = wide.Grow(dst.Values, n+1)
		dst.Values[n] = wide.CopyInto(dst.Values[n], val)
	}
	if err := rows.Err(); err != nil {
		return dst, fmt.Errorf("sqlite: wide read row %d: %w", id, err)
	}
	if len(dst.Cols) == 0 {
		return dst, drivers.ErrNotFound
	}
	return dst, nil
}

// colsJSON encodes column numbers as a JSON array, bound as one parameter
// and opened by json_each.
func colsJSON(cols []int) string {
	b := make([]byte, 0, 2+4*len(cols))
	b = append(b, '[')
	for i, c := range cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(c), 10)
	}
	return string(append(b, ']'))
}

func (t *wideTable) ReadColumns(ctx context.Context, id int64, cols []int, dst []wide.Value) ([]wide.Value, error) {
	if err := t.checkCols(cols); err != nil {
		return dst[:0], err
	}
	dst = wide.Grow(dst, len(cols))
	for i := range dst {
		dst[i] = wide.Value{Bytes: dst[i].Bytes[:0]}
	}
	if len(cols) == 0 {
		return dst, nil
	}
	rows, err := t.c.query(ctx, t.q.readCols, id, colsJSON(cols))
	if err != nil {
		return dst[:0], fmt.Errorf("sqlite: wide read columns of %d: %w", id, err)
	}
	defer rows.Close()
	var col int
	var val sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&col, &val); err != nil {
			return dst[:0], fmt.Errorf("sqlite: wide read columns of %d: %w", id, err)
		}
		for i, c := range cols {
			if c == col {
				dst[i] = wide.Value{Bytes: wide.CopyInto(dst[i].Bytes, val), Valid: true}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return dst[:0], fmt.Errorf("sqlite: wide read columns of %d: %w", id, err)
	}
	return dst, nil
}

// SetColumns counts the columns the row does not set yet, then upserts the
// cells with one multi-row INSERT … ON CONFLICT DO UPDATE, in one
// transaction.
func (t *wideTable) SetColumns(ctx context.Context, id int64, cols []int, values [][]byte) error {
	if len(cols) != len(values) {
		return fmt.Errorf("sqlite: wide set of %d columns with %d values", len(cols), len(values))
	}
	if err := t.checkCols(cols); err != nil {
		return err
	}
	for i, c := range cols {
		if slices.Contains(cols[:i], c) {
			return fmt.Errorf("sqlite: wide set: column %d twice", c)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	args := make([]any, 0, 3*len(cols))
	for i, c := range cols {
		args = append(args, id, c, values[i])
	}
	q := insertSQL(t.q.set, "ON CONFLICT (id, col) DO UPDATE SET value = excluded.value", len(cols), 3)
	err := t.c.tx(ctx, func(w *writeConn) error {
		if _, err := w.exec(ctx, t.q.setCounts, colsJSON(cols), id); err != nil {
			return err
		}
		_, err := w.exec(ctx, q, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: wide set columns of %d: %w", id, err)
	}
	return nil
}

// DeleteColumn deletes the cell and, if there was one, decrements the
// column's count, in one transaction.
func (t *wideTable) DeleteColumn(ctx context.Context, id int64, col int) error {
	if err := t.checkCol(col); err != nil {
		return err
	}
	err := t.c.tx(ctx, func(w *writeConn) error {
		res, err := w.exec(ctx, t.q.del, id, col)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		_, err = w.exec(ctx, t.q.delCount, col)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: wide delete column %d of %d: %w", col, id, err)
	}
	return nil
}

// CountRowsWith reads the column's count.
func (t *wideTable) CountRowsWith(ctx context.Context, col int) (int64, error) {
	if err := t.checkCol(col); err != nil {
		return 0, err
	}
	row, err := t.c.queryRow(ctx, t.q.count, col)
	if err != nil {
		return 0, fmt.Errorf("sqlite: wide count %d: %w", col, err)
	}
	var n int64
	if err := row.Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: wide count %d: %w", col, err)
	}
	return n, nil
}
