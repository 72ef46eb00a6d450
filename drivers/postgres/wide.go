package postgres

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/wide"
)

var (
	_ wide.Provider        = (*Conn)(nil)
	_ wide.Store           = (*wideStore)(nil)
	_ wide.Counter         = (*wideStore)(nil)
	_ drivers.LoadFinisher = (*wideStore)(nil)
)

// wideStore is a table prefs(id bigint primary key, cols hstore) — or
// cols jsonb with wide_encoding=jsonb — holding each row's set columns as
// one map keyed by column name (pref_017 => value). A GIN index on the
// keys answers "rows having column c" without a scan.
type wideStore struct {
	c           *Conn
	schema      wide.Schema
	name, table string
	hstore      bool

	setCols, deleteCol, readRow, count string

	mu       sync.RWMutex
	readCols map[int]string // ReadColumns statements by number of columns
}

// WideStore returns a handle on the table s names.
func (c *Conn) WideStore(s wide.Schema) (wide.Store, error) {
	if err := checkName("wide table", s.Table); err != nil {
		return nil, err
	}
	if s.Columns < 1 {
		return nil, fmt.Errorf("postgres: wide table %s needs at least one column", s.Table)
	}
	t := ident(s.Table)
	w := &wideStore{c: c, schema: s, name: s.Table, table: t, hstore: c.cfg.WideEncoding == WideHstore, readCols: map[int]string{}}
	if w.hstore {
		w.setCols = "INSERT INTO " + t + " AS p (id, cols) VALUES ($1, hstore($2::text[], $3::text[]))" +
			" ON CONFLICT (id) DO UPDATE SET cols = p.cols || EXCLUDED.cols"
		// A row whose last column goes is deleted; otherwise the column is
		// removed. Both parts see one snapshot, and at most one acts.
		w.deleteCol = "WITH d AS (DELETE FROM " + t + " WHERE id = $1 AND cols ? $2 AND cols - $2::text = ''::hstore RETURNING 1)" +
			" UPDATE " + t + " SET cols = cols - $2::text WHERE id = $1 AND cols ? $2 AND NOT EXISTS (SELECT FROM d)"
		w.readRow = "SELECT e.key, e.value FROM " + t + " p, each(p.cols) e WHERE p.id = $1"
	} else {
		w.setCols = "INSERT INTO " + t + " AS p (id, cols) VALUES ($1, jsonb_object($2::text[], $3::text[]))" +
			" ON CONFLICT (id) DO UPDATE SET cols = p.cols || EXCLUDED.cols"
		w.deleteCol = "WITH d AS (DELETE FROM " + t + " WHERE id = $1 AND cols ? $2 AND cols - $2::text = '{}'::jsonb RETURNING 1)" +
			" UPDATE " + t + " SET cols = cols - $2::text WHERE id = $1 AND cols ? $2 AND NOT EXISTS (SELECT FROM d)"
		w.readRow = "SELECT e.key, e.value FROM " + t + " p, jsonb_each_text(p.cols) e WHERE p.id = $1"
	}
	w.count = "SELECT count(*) FROM " + t + " WHERE cols ? $1"
	if w.hstore {
		// The GIN index holds the keys only (see FinishLoad); countFunc
		// makes sure the planner uses it.
		w.count = "SELECT " + ident(w.name+"_count") + "($1)"
	}
	return w, nil
}

// Setup drops and creates the table (and, for hstore, the extension); the
// primary key and the GIN index come with FinishLoad.
func (w *wideStore) Setup(ctx context.Context) error {
	typ := "jsonb"
	stmts := []string{"DROP TABLE IF EXISTS " + w.table}
	if w.hstore {
		typ = "hstore"
		stmts = append(stmts, "CREATE EXTENSION IF NOT EXISTS hstore")
	}
	stmts = append(stmts, "CREATE TABLE "+w.table+" (id bigint NOT NULL, cols "+typ+" NOT NULL)")
	if w.hstore {
		stmts = append(stmts, w.countFunc())
	}
	err := w.c.ddl(ctx, "setup "+w.name, stmts...)
	if err != nil && w.hstore {
		return fmt.Errorf("%w (the hstore extension is needed; wide_encoding=jsonb in the DSN does without)", err)
	}
	return err
}

// countFunc returns the statement creating <table>_count(column name): the
// number of rows whose akeys(cols) contains the name, counted with the
// planner's sequential scans off. The planner costs akeys() like an
// operator, so for a column most rows set it prefers to scan the table and
// build every row's key array (17–45 ms on the quick data for pref_000)
// over the GIN index (2–3 ms); the function's SET clause holds only inside
// it.
func (w *wideStore) countFunc() string {
	return "CREATE OR REPLACE FUNCTION " + ident(w.name+"_count") + "(text) RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE" +
		" SET enable_seqscan = off AS $sf$SELECT count(*) FROM " + w.table + " WHERE akeys(cols) @> ARRAY[$1]$sf$"
}

// FinishLoad adds the primary key and the GIN index the count uses, then
// analyzes the table. For hstore the index is on akeys(cols), the column
// names only: a GIN index on the hstore (or jsonb) itself also indexes every
// value, which the count never asks for — on the quick data set it takes
// 2.3 s to build and 15 MB, against 86 ms and 760 kB for the keys.
func (w *wideStore) FinishLoad(ctx context.Context) error {
	gin := "CREATE INDEX IF NOT EXISTS " + ident(w.name+"_cols") + " ON " + w.table + " USING gin (cols)"
	if w.hstore {
		gin = "CREATE INDEX IF NOT EXISTS " + ident(w.name+"_keys") + " ON " + w.table + " USING gin (akeys(cols))"
	}
	return w.c.finishLoad(ctx, w.name, false, w.c.primaryKeyDDL(w.name, "id"), gin)
}

func (w *wideStore) checkCol(c int) error {
	if c < 0 || c >= w.schema.Columns {
		return fmt.Errorf("postgres: no column %d in table %s (%d columns)", c, w.name, w.schema.Columns)
	}
	return nil
}

// checkValue rejects what jsonb and hstore cannot hold.
func checkValue(v []byte) error {
	if !utf8.Valid(v) || bytes.IndexByte(v, 0) >= 0 {
		return fmt.Errorf("postgres: wide values must be UTF-8 text without NUL, not %q", v)
	}
	return nil
}

// parseColumn returns the number of a column name made by wide.ColumnName.
func parseColumn(name []byte) (int, bool) {
	if len(name) < 6 || string(name[:5]) != "pref_" {
		return 0, false
	}
	n, err := strconv.Atoi(string(name[5:]))
	return n, err == nil && n >= 0
}

// appendJSONString appends s as a JSON string.
func appendJSONString(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, b := range s {
		switch {
		case b == '"' || b == '\\':
			dst = append(dst, '\\', b)
		case b < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&15])
		default:
			dst = append(dst, b)
		}
	}
	return append(dst, '"')
}

// LoadRows copies a batch with COPY (binary): jsonb objects built as JSON
// text, or hstore values.
func (w *wideStore) LoadRows(ctx context.Context, rows []wide.Row) error {
	for _, r := range rows {
		if len(r.Cols) == 0 || len(r.Cols) != len(r.Values) {
			return fmt.Errorf("postgres: wide row %d: %d columns, %d values", r.ID, len(r.Cols), len(r.Values))
		}
		for i, c := range r.Cols {
			if err := w.checkCol(c); err != nil {
				return err
			}
			if err := checkValue(r.Values[i]); err != nil {
				return err
			}
		}
	}
	conn, err := w.c.shared.Acquire(ctx)
	if err != nil {
		return w.c.wrap(err, "load %d rows into %s", len(rows), w.name)
	}
	defer conn.Release()
	var next func(i int) ([]any, error)
	row := make([]any, 2)
	if w.hstore {
		if err := registerHstore(ctx, conn.Conn()); err != nil {
			return w.c.wrap(err, "load %d rows into %s", len(rows), w.name)
		}
		next = func(i int) ([]any, error) {
			r := &rows[i]
			h := make(pgtype.Hstore, len(r.Cols))
			for j, c := range r.Cols {
				v := string(r.Values[j])
				h[wide.ColumnName(c)] = &v
			}
			row[0], row[1] = r.ID, h
			return row, nil
		}
	} else {
		var buf []byte
		next = func(i int) ([]any, error) {
			r := &rows[i]
			buf = append(buf[:0], '{')
			for j, c := range r.Cols {
				if j > 0 {
					buf = append(buf, ',')
				}
				buf = append(buf, '"')
				buf = append(buf, wide.ColumnName(c)...)
				buf = append(buf, '"', ':')
				buf = appendJSONString(buf, r.Values[j])
			}
			buf = append(buf, '}')
			row[0], row[1] = r.ID, string(buf)
			return row, nil
		}
	}
	_, err = conn.CopyFrom(ctx, pgx.Identifier{w.name}, []string{"id", "cols"}, pgx.CopyFromSlice(len(rows), next))
	return w.c.wrap(err, "load %d rows into %s", len(rows), w.name)
}

// registerHstore teaches a connection the hstore type (its OID differs per
// database), once.
func registerHstore(ctx context.Context, conn *pgx.Conn) error {
	if _, ok := conn.TypeMap().TypeForName("hstore"); ok {
		return nil
	}
	var oid uint32
	if err := conn.QueryRow(ctx, "SELECT 'hstore'::regtype::oid").Scan(&oid); err != nil {
		return err
	}
	conn.TypeMap().RegisterType(&pgtype.Type{Name: "hstore", OID: oid, Codec: pgtype.HstoreCodec{}})
	return nil
}

func (w *wideStore) ReadRow(ctx context.Context, id int64, dst wide.Row) (wide.Row, error) {
	dst.ID = id
	dst.Cols, dst.Values = dst.Cols[:0], dst.Values[:0]
	rows, err := w.c.pool.Query(ctx, w.readRow, id)
	if err != nil {
		return dst, w.c.wrap(err, "read row %d of %s", id, w.name)
	}
	defer rows.Close()
	for rows.Next() {
		raw := rows.RawValues()
		c, ok := parseColumn(raw[0])
		if !ok {
			return dst, fmt.Errorf("postgres: row %d of %s has a column %q", id, w.name, raw[0])
		}
		// Insert in column order (jsonb and hstore keep keys in their own
		// orders).
		n := len(dst.Cols)
		dst.Cols = append(dst.Cols, c)
		dst.Values = wide.Grow(dst.Values, n+1)
		v := dst.Values[n]
		j := n
		for j > 0 && dst.Cols[j-1] > c {
			dst.Cols[j] = dst.Cols[j-1]
			dst.Values[j] = dst.Values[j-1]
			j--
		}
		dst.Cols[j] = c
		dst.Values[j] = wide.CopyInto(v, raw[1])
	}
	if err := rows.Err(); err != nil {
		return dst, w.c.wrap(err, "read row %d of %s", id, w.name)
	}
	if len(dst.Cols) == 0 {
		return dst, drivers.ErrNotFound
	}
	return dst, nil
}

// readColsSQL returns "SELECT cols->>$2, …, cols->>$(n+1) FROM t WHERE id = $1".
func (w *wideStore) readColsSQL(n int) string {
	w.mu.RLock()
	q, ok := w.readCols[n]
	w.mu.RUnlock()
	if ok {
		return q
	}
	op := " ->> $"
	if w.hstore {
		op = " -> $"
	}
	parts := make([]string, n)
	for i := range parts {
		parts[i] = "cols" + op + strconv.Itoa(i+2) + "::text"
	}
	q = "SELECT " + strings.Join(parts, ", ") + " FROM " + w.table + " WHERE id = $1"
	w.mu.Lock()
	w.readCols[n] = q
	w.mu.Unlock()
	return q
}

func (w *wideStore) ReadColumns(ctx context.Context, id int64, cols []int, dst []wide.Value) ([]wide.Value, error) {
	args := make([]any, 1+len(cols))
	args[0] = id
	for i, c := range cols {
		if err := w.checkCol(c); err != nil {
			return dst[:0], err
		}
		args[i+1] = wide.ColumnName(c)
	}
	dst = wide.Grow(dst, len(cols))
	for i := range dst {
		dst[i] = wide.Value{Bytes: dst[i].Bytes[:0]}
	}
	if len(cols) == 0 {
		return dst, nil
	}
	rows, err := w.c.pool.Query(ctx, w.readColsSQL(len(cols)), args...)
	if err != nil {
		return dst, w.c.wrap(err, "read columns of row %d of %s", id, w.name)
	}
	defer rows.Close()
	if rows.Next() {
		for i, v := range rows.RawValues() {
			if v != nil {
				dst[i] = wide.Value{Bytes: wide.CopyInto(dst[i].Bytes, v), Valid: true}
			}
		}
	}
	return dst, w.c.wrap(rows.Err(), "read columns of row %d of %s", id, w.name)
}

func (w *wideStore) SetColumns(ctx context.Context, id int64, cols []int, values [][]byte) error {
	if len(cols) != len(values) {
		return fmt.Errorf("postgres: %d columns, %d values", len(cols), len(values))
	}
	names := make([]string, len(cols))
	vals := make([]string, len(cols))
	for i, c := range cols {
		if err := w.checkCol(c); err != nil {
			return err
		}
		if err := checkValue(values[i]); err != nil {
			return err
		}
		for _, d := range cols[:i] {
			if d == c {
				return fmt.Errorf("postgres: column %d set twice", c)
			}
		}
		names[i], vals[i] = wide.ColumnName(c), string(values[i])
	}
	if len(cols) == 0 {
		return nil // a row never exists without columns
	}
	_, err := w.c.pool.Exec(ctx, w.setCols, id, names, vals)
	return w.c.wrap(err, "set columns of row %d of %s", id, w.name)
}

func (w *wideStore) DeleteColumn(ctx context.Context, id int64, col int) error {
	if err := w.checkCol(col); err != nil {
		return err
	}
	_, err := w.c.pool.Exec(ctx, w.deleteCol, id, wide.ColumnName(col))
	return w.c.wrap(err, "delete column %d of row %d of %s", col, id, w.name)
}

func (w *wideStore) CountRowsWith(ctx context.Context, col int) (int64, error) {
	if err := w.checkCol(col); err != nil {
		return 0, err
	}
	var n int64
	err := w.c.pool.QueryRow(ctx, w.count, wide.ColumnName(col)).Scan(&n)
	return n, w.c.wrap(err, "count rows with column %d of %s", col, w.name)
}
