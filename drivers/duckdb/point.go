package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/point"
)

var (
	_ point.Provider       = (*Conn)(nil)
	_ point.Store          = (*pointTable)(nil)
	_ point.Scanner        = (*pointTable)(nil)
	_ drivers.LoadFinisher = (*pointTable)(nil)
)

// pointTable is one YCSB table: key BLOB and one BLOB column per field,
// with a unique index on key (an ART index) for lookups and uniqueness.
type pointTable struct {
	c      *Conn
	schema point.Schema
	bulk   *bulk
	stmts  *stmts
	ix     indexes
	all    string // "field0", "field1", … quoted and comma-separated
}

// PointStore returns the table s describes.
func (c *Conn) PointStore(s point.Schema) (point.Store, error) {
	if err := checkName("point", s.Table); err != nil {
		return nil, err
	}
	if s.FieldCount < 1 {
		return nil, fmt.Errorf("duckdb: point table %s needs at least one field", s.Table)
	}
	key := "point\x00" + s.Table + "\x00" + strconv.Itoa(s.FieldCount)
	return store(c, key, func() *pointTable {
		t := &pointTable{c: c, schema: s, bulk: newBulk(c.db, s.Table), stmts: newStmts(c.db)}
		t.all = t.fieldList(nil)
		t.ix.create = []string{`CREATE UNIQUE INDEX IF NOT EXISTS ` + quote(s.Table+"_key") + ` ON ` + quote(s.Table) + ` (key)`}
		return t
	})
}

func (t *pointTable) close() error {
	return errors.Join(t.bulk.finish(context.Background()), t.stmts.reset())
}

// fieldList returns the quoted columns of fields (all when nil),
// comma-separated.
func (t *pointTable) fieldList(fields []int) string {
	var sb strings.Builder
	n := len(fields)
	if fields == nil {
		n = t.schema.FieldCount
	}
	for i := range n {
		f := i
		if fields != nil {
			f = fields[i]
		}
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(quote(point.FieldName(f)))
	}
	return sb.String()
}

func (t *pointTable) checkFields(fields []int) error {
	for _, f := range fields {
		if f < 0 || f >= t.schema.FieldCount {
			return fmt.Errorf("duckdb: no field %d in table %s", f, t.schema.Table)
		}
	}
	return nil
}

// create returns the CREATE TABLE statement of the table under name.
func (t *pointTable) create(name string) string {
	var cols strings.Builder
	for i := range t.schema.FieldCount {
		cols.WriteString(", " + quote(point.FieldName(i)) + " BLOB NOT NULL")
	}
	return `CREATE TABLE ` + quote(name) + ` (key BLOB NOT NULL` + cols.String() + `)`
}

// Setup drops and creates the table without its index, which FinishLoad
// builds once the bulk load is done.
func (t *pointTable) Setup(ctx context.Context) error {
	if err := errors.Join(t.bulk.discardAll(), t.stmts.reset()); err != nil {
		return fmt.Errorf("duckdb: point setup %s: %w", t.schema.Table, err)
	}
	t.ix.reset()
	tb := quote(t.schema.Table)
	if err := execAll(ctx, t.c.db, `DROP TABLE IF EXISTS `+tb, t.create(t.schema.Table)); err != nil {
		return fmt.Errorf("duckdb: point setup %s: %w", t.schema.Table, err)
	}
	return nil
}

// Load appends the records through the table's appenders (see bulk).
func (t *pointTable) Load(ctx context.Context, recs []point.Record) error {
	for _, r := range recs {
		if len(r.Values) != t.schema.FieldCount {
			return fmt.Errorf("duckdb: load %s: %d values for %d fields", t.schema.Table, len(r.Values), t.schema.FieldCount)
		}
	}
	args := make([]driver.Value, 1+t.schema.FieldCount)
	err := t.bulk.append(ctx, run{}, len(recs), func(a *duckdb.Appender, i int) error {
		args[0] = recs[i].Key
		for j, v := range recs[i].Values {
			args[1+j] = v
		}
		return a.AppendRow(args...)
	})
	if err != nil {
		return fmt.Errorf("duckdb: load %s: %w", t.schema.Table, err)
	}
	return nil
}

// FinishLoad flushes the loaders' appenders, rewrites the table sorted by
// key and builds the unique index on key (an ART index), which serves
// lookups and rejects duplicate inserts.
//
// The sort is for Scan: DuckDB answers it with a top-N over the key column,
// and in a table sorted by key the top-N's running bound lets the scan skip
// the column segments past it (zone maps); on the quick table (100 000
// records) a scan of 50 took 4.1 ms sorted against 16.5 ms in load order,
// for ≈ 0.6 s more load. Building the index once over the loaded keys is
// also cheaper than keeping it up to date through the load (best of three
// quick loads: 1.12 s against 1.34 s, on a busy machine). Records loaded or
// inserted after FinishLoad go through the index and land unsorted at the
// end of the table: scans stay right.
func (t *pointTable) FinishLoad(ctx context.Context) error {
	if err := errors.Join(t.bulk.finish(ctx), t.stmts.reset()); err != nil {
		return fmt.Errorf("duckdb: finish load %s: %w", t.schema.Table, err)
	}
	t.ix.reset()
	if err := t.c.sortTable(ctx, t.schema.Table, t.create, "key"); err != nil {
		return fmt.Errorf("duckdb: finish load %s: %w", t.schema.Table, err)
	}
	if err := t.ix.ensure(ctx, t.c.db); err != nil {
		return fmt.Errorf("duckdb: finish load %s: %w", t.schema.Table, err)
	}
	return nil
}

func (t *pointTable) Insert(ctx context.Context, key []byte, values [][]byte) error {
	if len(values) != t.schema.FieldCount {
		return fmt.Errorf("duckdb: insert into %s: %d values for %d fields", t.schema.Table, len(values), t.schema.FieldCount)
	}
	// The unique index rejects a duplicate key.
	if err := errors.Join(t.bulk.sync(ctx), t.ix.ensure(ctx, t.c.db)); err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	q := `INSERT INTO ` + quote(t.schema.Table) + ` VALUES (?` + strings.Repeat(", ?", len(values)) + `)`
	args := make([]any, 1+len(values))
	args[0] = key
	for i, v := range values {
		args[1+i] = v
	}
	err := t.c.retry(ctx, func() error {
		_, err := t.stmts.exec(ctx, q, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("duckdb: insert %q into %s: %w", key, t.schema.Table, err)
	}
	return nil
}

func (t *pointTable) Read(ctx context.Context, key []byte, fields []int, dst [][]byte) ([][]byte, error) {
	if err := t.checkFields(fields); err != nil {
		return dst[:0], err
	}
	if err := t.bulk.sync(ctx); err != nil {
		return dst[:0], fmt.Errorf("duckdb: %w", err)
	}
	cols := t.all
	n := t.schema.FieldCount
	if fields != nil {
		cols, n = t.fieldList(fields), len(fields)
	}
	rows, err := t.stmts.query(ctx, `SELECT `+cols+` FROM `+quote(t.schema.Table)+` WHERE key = ?`, key)
	if err != nil {
		return dst[:0], fmt.Errorf("duckdb: read %q from %s: %w", key, t.schema.Table, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return dst[:0], fmt.Errorf("duckdb: read %q from %s: %w", key, t.schema.Table, err)
		}
		return dst[:0], drivers.ErrNotFound
	}
	raw := make([]sql.RawBytes, n)
	dest := make([]any, n)
	for i := range raw {
		dest[i] = &raw[i]
	}
	if err := rows.Scan(dest...); err != nil {
		return dst[:0], fmt.Errorf("duckdb: read %q from %s: %w", key, t.schema.Table, err)
	}
	dst = point.Grow(dst, n)
	for i, v := range raw {
		dst[i] = point.CopyInto(dst[i], v)
	}
	return dst, rows.Close()
}

func (t *pointTable) Update(ctx context.Context, key []byte, fields []int, values [][]byte) error {
	if err := t.checkFields(fields); err != nil {
		return err
	}
	if len(fields) != len(values) {
		return fmt.Errorf("duckdb: update %s: %d fields, %d values", t.schema.Table, len(fields), len(values))
	}
	if err := t.bulk.sync(ctx); err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	var sets strings.Builder
	args := make([]any, 0, len(values)+1)
	for i, f := range fields {
		if i > 0 {
			sets.WriteString(", ")
		}
		sets.WriteString(quote(point.FieldName(f)) + " = ?")
		args = append(args, values[i])
	}
	args = append(args, key)
	q := `UPDATE ` + quote(t.schema.Table) + ` SET ` + sets.String() + ` WHERE key = ?`
	var n int64
	err := t.c.retry(ctx, func() error {
		res, err := t.stmts.exec(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("duckdb: update %q in %s: %w", key, t.schema.Table, err)
	}
	if n == 0 {
		return drivers.ErrNotFound
	}
	return nil
}

func (t *pointTable) Delete(ctx context.Context, key []byte) error {
	if err := t.bulk.sync(ctx); err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	q := `DELETE FROM ` + quote(t.schema.Table) + ` WHERE key = ?`
	var n int64
	err := t.c.retry(ctx, func() error {
		res, err := t.stmts.exec(ctx, q, key)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("duckdb: delete %q from %s: %w", key, t.schema.Table, err)
	}
	if n == 0 {
		return drivers.ErrNotFound
	}
	return nil
}

// Scan reads count records from start in key order. DuckDB orders BLOBs
// byte-wise, as the contract asks; the ART index does not serve ranges in
// order, so this is a top-N over a scan of the key column with a filter,
// cheap only as far as the table is sorted by key (see FinishLoad).
func (t *pointTable) Scan(ctx context.Context, start []byte, count int, fields []int, dst []point.Record) ([]point.Record, error) {
	if err := t.checkFields(fields); err != nil {
		return dst[:0], err
	}
	dst = dst[:0]
	if count <= 0 {
		return dst, nil
	}
	if err := t.bulk.sync(ctx); err != nil {
		return dst, fmt.Errorf("duckdb: %w", err)
	}
	cols := t.all
	n := t.schema.FieldCount
	if fields != nil {
		cols, n = t.fieldList(fields), len(fields)
	}
	rows, err := t.stmts.query(ctx, `SELECT key, `+cols+` FROM `+quote(t.schema.Table)+` WHERE key >= ? ORDER BY key LIMIT ?`, start, int64(count))
	if err != nil {
		return dst, fmt.Errorf("duckdb: scan %s from %q: %w", t.schema.Table, start, err)
	}
	defer rows.Close()
	raw := make([]sql.RawBytes, 1+n)
	dest := make([]any, 1+n)
	for i := range raw {
		dest[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return dst[:0], fmt.Errorf("duckdb: scan %s from %q: %w", t.schema.Table, start, err)
		}
		dst = point.Grow(dst, len(dst)+1)
		r := &dst[len(dst)-1]
		r.Key = point.CopyInto(r.Key, raw[0])
		r.Values = point.Grow(r.Values, n)
		for i := range n {
			r.Values[i] = point.CopyInto(r.Values[i], raw[1+i])
		}
	}
	if err := rows.Err(); err != nil {
		return dst[:0], fmt.Errorf("duckdb: scan %s from %q: %w", t.schema.Table, start, err)
	}
	return dst, nil
}
