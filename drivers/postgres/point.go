package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/point"
)

var (
	_ point.Provider       = (*Conn)(nil)
	_ point.Store          = (*pointStore)(nil)
	_ point.Scanner        = (*pointStore)(nil)
	_ drivers.LoadFinisher = (*pointStore)(nil)
)

// pointStore is a YCSB table: usertable(ycsb_key bytea primary key, field0
// bytea, …). Keys and values are bytea, so any bytes round-trip and keys
// order byte-wise, as Scan needs, whatever the database's collation.
type pointStore struct {
	c      *Conn
	schema point.Schema
	name   string   // table name
	table  string   // quoted table name
	cols   []string // column names field0 …
	copy   []string // ycsb_key, field0 …

	readAll, scanAll, insert, del string
	readOne, updateOne            []string // by field

	mu      sync.RWMutex
	queries map[string]string // statements for other field lists
}

// PointStore returns a handle on the YCSB table s describes.
func (c *Conn) PointStore(s point.Schema) (point.Store, error) {
	if err := checkName("point table", s.Table); err != nil {
		return nil, err
	}
	if s.FieldCount < 1 {
		return nil, fmt.Errorf("postgres: point table %s needs at least one field", s.Table)
	}
	p := &pointStore{c: c, schema: s, name: s.Table, table: ident(s.Table), queries: map[string]string{}}
	p.copy = []string{"ycsb_key"}
	for i := range s.FieldCount {
		p.cols = append(p.cols, point.FieldName(i))
		p.copy = append(p.copy, point.FieldName(i))
	}
	all := strings.Join(p.cols, ", ")
	p.readAll = "SELECT " + all + " FROM " + p.table + " WHERE ycsb_key = $1"
	p.scanAll = "SELECT ycsb_key, " + all + " FROM " + p.table + " WHERE ycsb_key >= $1 ORDER BY ycsb_key LIMIT $2"
	p.del = "DELETE FROM " + p.table + " WHERE ycsb_key = $1"
	params := make([]string, s.FieldCount+1)
	for i := range params {
		params[i] = "$" + strconv.Itoa(i+1)
	}
	p.insert = "INSERT INTO " + p.table + " (ycsb_key, " + all + ") VALUES (" + strings.Join(params, ", ") + ")"
	for _, col := range p.cols {
		p.readOne = append(p.readOne, "SELECT "+col+" FROM "+p.table+" WHERE ycsb_key = $1")
		p.updateOne = append(p.updateOne, "UPDATE "+p.table+" SET "+col+" = $2 WHERE ycsb_key = $1")
	}
	return p, nil
}

// Setup drops and creates the table. Its primary key is built by
// FinishLoad, after the bulk load.
func (p *pointStore) Setup(ctx context.Context) error {
	var b strings.Builder
	b.WriteString("CREATE TABLE " + p.table + " (ycsb_key bytea NOT NULL")
	for _, col := range p.cols {
		b.WriteString(", " + col + " bytea NOT NULL")
	}
	b.WriteString(")")
	return p.c.ddl(ctx, "setup "+p.name, "DROP TABLE IF EXISTS "+p.table, b.String())
}

// Load copies a batch into the table with COPY (binary).
func (p *pointStore) Load(ctx context.Context, recs []point.Record) error {
	row := make([]any, len(p.copy))
	_, err := p.c.pool.CopyFrom(ctx, pgx.Identifier{p.name}, p.copy, pgx.CopyFromSlice(len(recs), func(i int) ([]any, error) {
		r := &recs[i]
		if len(r.Values) != len(p.cols) {
			return nil, fmt.Errorf("%d values for %d fields", len(r.Values), len(p.cols))
		}
		row[0] = r.Key
		for j, v := range r.Values {
			row[j+1] = v
		}
		return row, nil
	}))
	return p.c.wrap(err, "load %d records into %s", len(recs), p.name)
}

// FinishLoad adds the primary key and analyzes the table. (Reads fetch
// whole rows, so index-only scans, and the VACUUM they need, do not pay.)
func (p *pointStore) FinishLoad(ctx context.Context) error {
	return p.c.finishLoad(ctx, p.name, false, p.c.primaryKeyDDL(p.name, "ycsb_key"))
}

func (p *pointStore) Insert(ctx context.Context, key []byte, values [][]byte) error {
	if len(values) != len(p.cols) {
		return fmt.Errorf("postgres: insert into %s: %d values for %d fields", p.name, len(values), len(p.cols))
	}
	args := make([]any, 0, len(values)+1)
	args = append(args, key)
	for _, v := range values {
		args = append(args, v)
	}
	_, err := p.c.pool.Exec(ctx, p.insert, args...)
	return p.c.wrap(err, "insert into %s", p.name)
}

func (p *pointStore) checkFields(fields []int) error {
	for _, f := range fields {
		if f < 0 || f >= len(p.cols) {
			return fmt.Errorf("postgres: %s has no field %d", p.name, f)
		}
	}
	return nil
}

// statement returns the statement for a field list, built once per list.
func (p *pointStore) statement(kind string, fields []int) string {
	var kb strings.Builder
	kb.WriteString(kind)
	for _, f := range fields {
		kb.WriteByte(',')
		kb.WriteString(strconv.Itoa(f))
	}
	key := kb.String()
	p.mu.RLock()
	q, ok := p.queries[key]
	p.mu.RUnlock()
	if ok {
		return q
	}
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = p.cols[f]
	}
	switch kind {
	case "read":
		q = "SELECT " + strings.Join(cols, ", ") + " FROM " + p.table + " WHERE ycsb_key = $1"
	case "scan":
		q = "SELECT " + strings.Join(append([]string{"ycsb_key"}, cols...), ", ") + " FROM " + p.table +
			" WHERE ycsb_key >= $1 ORDER BY ycsb_key LIMIT $2"
	case "update":
		for i := range cols {
			cols[i] += " = $" + strconv.Itoa(i+2)
		}
		q = "UPDATE " + p.table + " SET " + strings.Join(cols, ", ") + " WHERE ycsb_key = $1"
	}
	p.mu.Lock()
	p.queries[key] = q
	p.mu.Unlock()
	return q
}

func (p *pointStore) readSQL(fields []int) string {
	switch len(fields) {
	case 0:
		if fields == nil {
			return p.readAll
		}
	case 1:
		return p.readOne[fields[0]]
	}
	return p.statement("read", fields)
}

func (p *pointStore) Read(ctx context.Context, key []byte, fields []int, dst [][]byte) ([][]byte, error) {
	if err := p.checkFields(fields); err != nil {
		return dst[:0], err
	}
	rows, err := p.c.pool.Query(ctx, p.readSQL(fields), key)
	if err != nil {
		return dst[:0], p.c.wrap(err, "read %s", p.name)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return dst[:0], p.c.wrap(err, "read %s", p.name)
		}
		return dst[:0], drivers.ErrNotFound
	}
	raw := rows.RawValues()
	dst = point.Grow(dst, len(raw))
	for i, v := range raw {
		dst[i] = point.CopyInto(dst[i], v)
	}
	rows.Close()
	return dst, p.c.wrap(rows.Err(), "read %s", p.name)
}

func (p *pointStore) Update(ctx context.Context, key []byte, fields []int, values [][]byte) error {
	if err := p.checkFields(fields); err != nil {
		return err
	}
	if len(fields) != len(values) {
		return fmt.Errorf("postgres: update %s: %d fields, %d values", p.name, len(fields), len(values))
	}
	if len(fields) == 0 {
		// Nothing to set: only the key's existence matters.
		_, err := p.Read(ctx, key, []int{}, nil)
		return err
	}
	var t pgconn.CommandTag
	var err error
	if len(fields) == 1 {
		t, err = p.c.pool.Exec(ctx, p.updateOne[fields[0]], key, values[0])
	} else {
		args := make([]any, 0, len(values)+1)
		args = append(args, key)
		for _, v := range values {
			args = append(args, v)
		}
		t, err = p.c.pool.Exec(ctx, p.statement("update", fields), args...)
	}
	if err != nil {
		return p.c.wrap(err, "update %s", p.name)
	}
	if t.RowsAffected() == 0 {
		return drivers.ErrNotFound
	}
	return nil
}

func (p *pointStore) Delete(ctx context.Context, key []byte) error {
	t, err := p.c.pool.Exec(ctx, p.del, key)
	if err != nil {
		return p.c.wrap(err, "delete from %s", p.name)
	}
	if t.RowsAffected() == 0 {
		return drivers.ErrNotFound
	}
	return nil
}

func (p *pointStore) Scan(ctx context.Context, start []byte, count int, fields []int, dst []point.Record) ([]point.Record, error) {
	if err := p.checkFields(fields); err != nil {
		return dst[:0], err
	}
	dst = dst[:0]
	if count <= 0 {
		return dst, nil
	}
	q := p.scanAll
	if fields != nil {
		q = p.statement("scan", fields)
	}
	rows, err := p.c.pool.Query(ctx, q, start, count)
	if err != nil {
		return dst, p.c.wrap(err, "scan %s", p.name)
	}
	defer rows.Close()
	for rows.Next() {
		raw := rows.RawValues()
		dst = point.Grow(dst, len(dst)+1)
		r := &dst[len(dst)-1]
		r.Key = point.CopyInto(r.Key, raw[0])
		r.Values = point.Grow(r.Values, len(raw)-1)
		for i, v := range raw[1:] {
			r.Values[i] = point.CopyInto(r.Values[i], v)
		}
	}
	return dst, p.c.wrap(rows.Err(), "scan %s", p.name)
}
