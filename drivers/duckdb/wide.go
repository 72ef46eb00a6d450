package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/wide"
)

var (
	_ wide.Provider        = (*Conn)(nil)
	_ wide.Store           = (*wideTable)(nil)
	_ drivers.LoadFinisher = (*wideTable)(nil)
)

// wideTable is a sparse table stored as it is described: one row per user
// id and one nullable BLOB column per column of the universe, NULL where a
// row does not set it. DuckDB stores each column apart and compresses runs
// of NULLs, so the unset 98 % cost little. A row that sets no column (all
// NULL) does not exist for the contract; it stays in the table and is
// reused when a column is set again.
type wideTable struct {
	c      *Conn
	schema wide.Schema
	tb     string // quoted table name
	bulk   *bulk
	stmts  *stmts
	all    string // every column, quoted, comma-separated
}

// WideStore returns the table s describes.
func (c *Conn) WideStore(s wide.Schema) (wide.Store, error) {
	if err := checkName("wide", s.Table); err != nil {
		return nil, err
	}
	if s.Columns < 1 {
		return nil, fmt.Errorf("duckdb: wide table %s needs at least one column", s.Table)
	}
	key := "wide\x00" + s.Table + "\x00" + strconv.Itoa(s.Columns)
	return store(c, key, func() *wideTable {
		t := &wideTable{c: c, schema: s, tb: quote(s.Table), bulk: newBulk(c.db, s.Table), stmts: newStmts(c.db)}
		cols := make([]string, s.Columns)
		for i := range cols {
			cols[i] = quote(wide.ColumnName(i))
		}
		t.all = strings.Join(cols, ", ")
		return t
	})
}

func (t *wideTable) close() error {
	return errors.Join(t.bulk.finish(context.Background()), t.stmts.reset())
}

func (t *wideTable) checkCol(c int) error {
	if c < 0 || c >= t.schema.Columns {
		return fmt.Errorf("duckdb: no column %d in table %s (%d columns)", c, t.schema.Table, t.schema.Columns)
	}
	return nil
}

// checkCols checks that cols are valid and distinct.
func (t *wideTable) checkCols(cols []int) error {
	for i, c := range cols {
		if err := t.checkCol(c); err != nil {
			return err
		}
		if slices.Contains(cols[:i], c) {
			return fmt.Errorf("duckdb: column %d named twice", c)
		}
	}
	return nil
}

// Setup drops and creates the table, without its index.
func (t *wideTable) Setup(ctx context.Context) error {
	if err := errors.Join(t.bulk.discardAll(), t.stmts.reset()); err != nil {
		return fmt.Errorf("duckdb: wide setup %s: %w", t.schema.Table, err)
	}
	var cols strings.Builder
	for i := range t.schema.Columns {
		cols.WriteString(", " + quote(wide.ColumnName(i)) + " BLOB")
	}
	if err := execAll(ctx, t.c.db, `DROP TABLE IF EXISTS `+t.tb, `CREATE TABLE `+t.tb+` (id BIGINT NOT NULL`+cols.String()+`)`); err != nil {
		return fmt.Errorf("duckdb: wide setup %s: %w", t.schema.Table, err)
	}
	return nil
}

// LoadRows appends the rows through the table's appenders (see bulk), NULL
// for every column a row does not set.
func (t *wideTable) LoadRows(ctx context.Context, rows []wide.Row) error {
	for _, r := range rows {
		if len(r.Cols) == 0 {
			return fmt.Errorf("duckdb: load %s: row %d sets no column", t.schema.Table, r.ID)
		}
		if len(r.Cols) != len(r.Values) {
			return fmt.Errorf("duckdb: load %s: row %d: %d columns, %d values", t.schema.Table, r.ID, len(r.Cols), len(r.Values))
		}
		if err := t.checkCols(r.Cols); err != nil {
			return fmt.Errorf("load %s row %d: %w", t.schema.Table, r.ID, err)
		}
	}
	args := make([]driver.Value, 1+t.schema.Columns)
	err := t.bulk.append(ctx, len(rows), func(a *duckdb.Appender, i int) error {
		r := &rows[i]
		clear(args)
		args[0] = r.ID
		for j, c := range r.Cols {
			args[1+c] = r.Values[j]
		}
		return a.AppendRow(args...)
	})
	if err != nil {
		return fmt.Errorf("duckdb: load %s: %w", t.schema.Table, err)
	}
	return nil
}

// FinishLoad flushes the loaders' appenders and builds the unique index on
// id (an ART index) that row lookups use.
func (t *wideTable) FinishLoad(ctx context.Context) error {
	if err := t.bulk.finish(ctx); err != nil {
		return fmt.Errorf("duckdb: finish load %s: %w", t.schema.Table, err)
	}
	q := `CREATE UNIQUE INDEX IF NOT EXISTS ` + quote(t.schema.Table+"_id") + ` ON ` + t.tb + ` (id)`
	if _, err := t.c.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("duckdb: finish load %s: index: %w", t.schema.Table, err)
	}
	return nil
}

// ReadRow reads every column of the row and keeps the set ones.
func (t *wideTable) ReadRow(ctx context.Context, id int64, dst wide.Row) (wide.Row, error) {
	dst.ID = id
	dst.Cols, dst.Values = dst.Cols[:0], dst.Values[:0]
	if err := t.bulk.sync(ctx); err != nil {
		return dst, fmt.Errorf("duckdb: %w", err)
	}
	rows, err := t.stmts.query(ctx, `SELECT `+t.all+` FROM `+t.tb+` WHERE id = ?`, id)
	if err != nil {
		return dst, fmt.Errorf("duckdb: read row %d of %s: %w", id, t.schema.Table, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return dst, fmt.Errorf("duckdb: read row %d of %s: %w", id, t.schema.Table, err)
		}
		return dst, drivers.ErrNotFound
	}
	raw := make([]sql.RawBytes, t.schema.Columns)
	dest := make([]any, len(raw))
	for i := range raw {
		dest[i] = &raw[i]
	}
	if err := rows.Scan(dest...); err != nil {
		return dst, fmt.Errorf("duckdb: read row %d of %s: %w", id, t.schema.Table, err)
	}
	for c, v := range raw {
		if v == nil {
			continue
		}
		dst.Cols = append(dst.Cols, c)
		dst.Values = wide.Grow(dst.Values, len(dst.Values)+1)
		dst.Values[len(dst.Values)-1] = wide.CopyInto(dst.Values[len(dst.Values)-1], v)
	}
	if err := rows.Close(); err != nil {
		return dst, fmt.Errorf("duckdb: read row %d of %s: %w", id, t.schema.Table, err)
	}
	if len(dst.Cols) == 0 {
		return dst, drivers.ErrNotFound
	}
	return dst, nil
}

// colList returns the quoted names of cols, comma-separated.
func colList(cols []int) string {
	var sb strings.Builder
	for i, c := range cols {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(quote(wide.ColumnName(c)))
	}
	return sb.String()
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
	if err := t.bulk.sync(ctx); err != nil {
		return dst[:0], fmt.Errorf("duckdb: %w", err)
	}
	rows, err := t.stmts.query(ctx, `SELECT `+colList(cols)+` FROM `+t.tb+` WHERE id = ?`, id)
	if err != nil {
		return dst[:0], fmt.Errorf("duckdb: read row %d of %s: %w", id, t.schema.Table, err)
	}
	defer rows.Close()
	if rows.Next() {
		raw := make([]sql.RawBytes, len(cols))
		dest := make([]any, len(raw))
		for i := range raw {
			dest[i] = &raw[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return dst[:0], fmt.Errorf("duckdb: read row %d of %s: %w", id, t.schema.Table, err)
		}
		for i, v := range raw {
			if v != nil {
				dst[i] = wide.Value{Bytes: wide.CopyInto(dst[i].Bytes, v), Valid: true}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return dst[:0], fmt.Errorf("duckdb: read row %d of %s: %w", id, t.schema.Table, err)
	}
	return dst, nil
}

// SetColumns updates the row's columns, or inserts the row when there is
// none. Two inserts of one new row at once (the workload never does it)
// would conflict on the unique index: the loser retries as an update.
func (t *wideTable) SetColumns(ctx context.Context, id int64, cols []int, values [][]byte) error {
	if len(cols) != len(values) {
		return fmt.Errorf("duckdb: %d columns, %d values", len(cols), len(values))
	}
	if err := t.checkCols(cols); err != nil {
		return err
	}
	if len(cols) == 0 {
		return nil // a row never exists without columns
	}
	if err := t.bulk.sync(ctx); err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	var sets strings.Builder
	args := make([]any, 0, len(cols)+1)
	for i, c := range cols {
		if i > 0 {
			sets.WriteString(", ")
		}
		sets.WriteString(quote(wide.ColumnName(c)) + " = ?")
		args = append(args, values[i])
	}
	update := `UPDATE ` + t.tb + ` SET ` + sets.String() + ` WHERE id = ?`
	insert := `INSERT INTO ` + t.tb + ` (id, ` + colList(cols) + `) VALUES (?` + strings.Repeat(", ?", len(cols)) + `)`
	updateArgs := append(args, id)
	insertArgs := append([]any{id}, args...)
	err := t.c.retry(ctx, func() error {
		for attempt := 0; ; attempt++ {
			err := changed(t.stmts.exec(ctx, update, updateArgs...))
			if !errors.Is(err, errNoRow) {
				return err
			}
			_, err = t.stmts.exec(ctx, insert, insertArgs...)
			if !isDuplicate(err) || attempt > 0 {
				return err
			}
		}
	})
	if err != nil {
		return fmt.Errorf("duckdb: set row %d of %s: %w", id, t.schema.Table, err)
	}
	return nil
}

// DeleteColumn sets the column to NULL. A row left without columns stays
// as an all-NULL row, which reads as not existing.
func (t *wideTable) DeleteColumn(ctx context.Context, id int64, col int) error {
	if err := t.checkCol(col); err != nil {
		return err
	}
	if err := t.bulk.sync(ctx); err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	c := quote(wide.ColumnName(col))
	q := `UPDATE ` + t.tb + ` SET ` + c + ` = NULL WHERE id = ? AND ` + c + ` IS NOT NULL`
	err := t.c.retry(ctx, func() error {
		_, err := t.stmts.exec(ctx, q, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("duckdb: delete column %d of row %d of %s: %w", col, id, t.schema.Table, err)
	}
	return nil
}
