package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/point"
)

var (
	_ point.Provider = (*Conn)(nil)
	_ point.Store    = (*pointTable)(nil)
	_ point.Scanner  = (*pointTable)(nil)
)

// pointTable is a YCSB table: ycsb_key BLOB PRIMARY KEY, field0 … fieldN
// BLOB.
type pointTable struct {
	c      *Conn
	schema point.Schema
	table  string // quoted

	insertHead, insertOne, deleteOne string

	// SQL by field set: reads and scans of all fields, of one field, …
	mu    sync.RWMutex
	reads map[string]string
	scans map[string]string
	upds  map[string]string
}

// PointStore returns a handle on the table s describes.
func (c *Conn) PointStore(s point.Schema) (point.Store, error) {
	if err := checkName("table", s.Table); err != nil {
		return nil, err
	}
	if s.FieldCount < 1 {
		return nil, fmt.Errorf("sqlite: table %s needs at least one field", s.Table)
	}
	t := &pointTable{c: c, schema: s, table: ident(s.Table),
		reads: map[string]string{}, scans: map[string]string{}, upds: map[string]string{}}
	t.insertHead = "INSERT INTO " + t.table + " VALUES"
	t.insertOne = insertSQL(t.insertHead, "", 1, 1+s.FieldCount)
	t.deleteOne = fmt.Sprintf("DELETE FROM %s WHERE ycsb_key = ?", t.table)
	return t, nil
}

func (t *pointTable) Setup(ctx context.Context) error {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (ycsb_key BLOB PRIMARY KEY NOT NULL", t.table)
	for i := range t.schema.FieldCount {
		fmt.Fprintf(&b, ", %s BLOB", point.FieldName(i))
	}
	b.WriteString(")")
	if err := t.c.execScript(ctx, "DROP TABLE IF EXISTS "+t.table, b.String()); err != nil {
		return fmt.Errorf("sqlite: point setup %s: %w", t.schema.Table, err)
	}
	return nil
}

func (t *pointTable) checkValues(values [][]byte) error {
	if len(values) != t.schema.FieldCount {
		return fmt.Errorf("sqlite: %d values for %d fields", len(values), t.schema.FieldCount)
	}
	return nil
}

// Load inserts the records in one transaction with multi-row INSERTs, in
// key order (each page of the key index is touched once per batch).
func (t *pointTable) Load(ctx context.Context, recs []point.Record) error {
	for _, r := range recs {
		if err := t.checkValues(r.Values); err != nil {
			return err
		}
	}
	order := make([]int, len(recs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return bytes.Compare(recs[a].Key, recs[b].Key) })
	err := t.c.tx(ctx, func(w *writeConn) error {
		return bulkInsert(ctx, w, t.insertHead, "", 1+t.schema.FieldCount, len(order), func(dst []any, i int) []any {
			r := &recs[order[i]]
			dst = append(dst, r.Key)
			for _, v := range r.Values {
				dst = append(dst, v)
			}
			return dst
		})
	})
	if err != nil {
		return fmt.Errorf("sqlite: point load %s: %w", t.schema.Table, err)
	}
	return nil
}

func (t *pointTable) Insert(ctx context.Context, key []byte, values [][]byte) error {
	if err := t.checkValues(values); err != nil {
		return err
	}
	args := make([]any, 0, 1+len(values))
	args = append(args, key)
	for _, v := range values {
		args = append(args, v)
	}
	if _, err := t.c.exec(ctx, t.insertOne, args...); err != nil {
		return fmt.Errorf("sqlite: point insert %s: %w", key, err)
	}
	return nil
}

func (t *pointTable) checkFields(fields []int) error {
	for _, f := range fields {
		if f < 0 || f >= t.schema.FieldCount {
			return fmt.Errorf("sqlite: no field %d in table %s", f, t.schema.Table)
		}
	}
	return nil
}

// fieldsKey names a field set: "*" for all, else the numbers joined.
func fieldsKey(fields []int) string {
	if fields == nil {
		return "*"
	}
	b := make([]byte, 0, 4*len(fields))
	for _, f := range fields {
		b = strconv.AppendInt(b, int64(f), 10)
		b = append(b, ',')
	}
	return string(b)
}

// columns returns the column list of a field set.
func (t *pointTable) columns(fields []int) string {
	var names []string
	if fields == nil {
		for i := range t.schema.FieldCount {
			names = append(names, point.FieldName(i))
		}
	} else {
		for _, f := range fields {
			names = append(names, point.FieldName(f))
		}
	}
	return strings.Join(names, ", ")
}

// sqlFor returns the statement text cached in m under the field set's key,
// building it with mk the first time.
func (t *pointTable) sqlFor(m map[string]string, fields []int, mk func() string) string {
	k := fieldsKey(fields)
	t.mu.RLock()
	q, ok := m[k]
	t.mu.RUnlock()
	if ok {
		return q
	}
	q = mk()
	t.mu.Lock()
	m[k] = q
	t.mu.Unlock()
	return q
}

// scanValues scans the current row's n values into dst, reusing its
// slices. sql.RawBytes avoids a copy per column: the bytes are copied once,
// into dst.
func scanValues(rows *sql.Rows, raw []sql.RawBytes, ptrs []any, lead []any, dst [][]byte) ([][]byte, error) {
	ptrs = append(ptrs[:0], lead...)
	for i := range raw {
		ptrs = append(ptrs, &raw[i])
	}
	if err := rows.Scan(ptrs...); err != nil {
		return dst, err
	}
	dst = point.Grow(dst, len(raw))
	for i, v := range raw {
		dst[i] = point.CopyInto(dst[i], v)
	}
	return dst, nil
}

func (t *pointTable) Read(ctx context.Context, key []byte, fields []int, dst [][]byte) ([][]byte, error) {
	if err := t.checkFields(fields); err != nil {
		return dst[:0], err
	}
	q := t.sqlFor(t.reads, fields, func() string {
		return fmt.Sprintf("SELECT %s FROM %s WHERE ycsb_key = ?", t.columns(fields), t.table)
	})
	rows, err := t.c.query(ctx, q, key)
	if err != nil {
		return dst[:0], fmt.Errorf("sqlite: point read %s: %w", key, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return dst[:0], fmt.Errorf("sqlite: point read %s: %w", key, err)
		}
		return dst[:0], drivers.ErrNotFound
	}
	n := t.schema.FieldCount
	if fields != nil {
		n = len(fields)
	}
	raw := make([]sql.RawBytes, n)
	dst, err = scanValues(rows, raw, make([]any, 0, n), nil, dst)
	if err != nil {
		return dst[:0], fmt.Errorf("sqlite: point read %s: %w", key, err)
	}
	return dst, rows.Close()
}

func (t *pointTable) Update(ctx context.Context, key []byte, fields []int, values [][]byte) error {
	if err := t.checkFields(fields); err != nil {
		return err
	}
	if len(fields) != len(values) || len(fields) == 0 {
		return fmt.Errorf("sqlite: update of %d fields with %d values", len(fields), len(values))
	}
	q := t.sqlFor(t.upds, fields, func() string {
		sets := make([]string, len(fields))
		for i, f := range fields {
			sets[i] = point.FieldName(f) + " = ?"
		}
		return fmt.Sprintf("UPDATE %s SET %s WHERE ycsb_key = ?", t.table, strings.Join(sets, ", "))
	})
	args := make([]any, 0, len(values)+1)
	for _, v := range values {
		args = append(args, v)
	}
	args = append(args, key)
	res, err := t.c.exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("sqlite: point update %s: %w", key, err)
	}
	return affected(res, fmt.Sprintf("point update %s", key))
}

// affected maps an UPDATE or DELETE that changed no row to
// drivers.ErrNotFound.
func affected(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if n == 0 {
		return drivers.ErrNotFound
	}
	return nil
}

func (t *pointTable) Delete(ctx context.Context, key []byte) error {
	res, err := t.c.exec(ctx, t.deleteOne, key)
	if err != nil {
		return fmt.Errorf("sqlite: point delete %s: %w", key, err)
	}
	return affected(res, fmt.Sprintf("point delete %s", key))
}

func (t *pointTable) Scan(ctx context.Context, start []byte, count int, fields []int, dst []point.Record) ([]point.Record, error) {
	if err := t.checkFields(fields); err != nil {
		return dst[:0], err
	}
	dst = dst[:0]
	if count <= 0 {
		return dst, nil
	}
	q := t.sqlFor(t.scans, fields, func() string {
		return fmt.Sprintf("SELECT ycsb_key, %s FROM %s WHERE ycsb_key >= ? ORDER BY ycsb_key LIMIT ?", t.columns(fields), t.table)
	})
	rows, err := t.c.query(ctx, q, start, count)
	if err != nil {
		return dst, fmt.Errorf("sqlite: point scan from %s: %w", start, err)
	}
	defer rows.Close()
	n := t.schema.FieldCount
	if fields != nil {
		n = len(fields)
	}
	raw := make([]sql.RawBytes, n)
	ptrs := make([]any, 0, n+1)
	var key sql.RawBytes
	lead := []any{&key}
	for rows.Next() {
		dst = point.Grow(dst, len(dst)+1)
		r := &dst[len(dst)-1]
		if r.Values, err = scanValues(rows, raw, ptrs, lead, r.Values); err != nil {
			return dst[:0], fmt.Errorf("sqlite: point scan from %s: %w", start, err)
		}
		r.Key = point.CopyInto(r.Key, key)
	}
	if err := rows.Err(); err != nil {
		return dst[:0], fmt.Errorf("sqlite: point scan from %s: %w", start, err)
	}
	return dst, nil
}
