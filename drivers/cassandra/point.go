package cassandra

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/point"
)

var (
	_ point.Provider    = (*Conn)(nil)
	_ point.Store       = (*pointTable)(nil)
	_ point.BlindWriter = (*pointTable)(nil)
	// Every store reads at ALL after Refresh (see reads): point, crud,
	// wide and series.
	_ drivers.Refresher = (*pointTable)(nil)
	_ drivers.Refresher = (*crudDB)(nil)
	_ drivers.Refresher = (*wideTable)(nil)
	_ drivers.Refresher = (*seriesTable)(nil)
)

// pointTable is a YCSB table: one partition per record, keyed by the YCSB
// key, with one blob column per field.
type pointTable struct {
	reads
	c      *Conn
	schema point.Schema
	name   string // qualified table name

	insert  string // INSERT of every field
	readAll string // SELECT of every field
	exists  string // SELECT of the key only
	del     string
}

// PointStore returns a handle on the table s describes.
func (c *Conn) PointStore(s point.Schema) (point.Store, error) {
	if err := checkName("point table", s.Table, false); err != nil {
		return nil, err
	}
	if s.FieldCount < 1 {
		return nil, fmt.Errorf("cassandra: table %s needs at least one field", s.Table)
	}
	t := &pointTable{reads: reads{session: c.session}, c: c, schema: s, name: c.table(s.Table)}
	fields := make([]string, s.FieldCount)
	for i := range fields {
		fields[i] = point.FieldName(i)
	}
	t.insert = fmt.Sprintf("INSERT INTO %s (y_id, %s) VALUES (?%s)", t.name, strings.Join(fields, ", "), strings.Repeat(", ?", s.FieldCount))
	t.readAll = fmt.Sprintf("SELECT %s FROM %s WHERE y_id = ?", strings.Join(fields, ", "), t.name)
	t.exists = fmt.Sprintf("SELECT y_id FROM %s WHERE y_id = ?", t.name)
	t.del = fmt.Sprintf("DELETE FROM %s WHERE y_id = ?", t.name)
	return t, nil
}

func (t *pointTable) Setup(ctx context.Context) error {
	var b strings.Builder
	b.WriteString("CREATE TABLE %s (y_id blob PRIMARY KEY")
	for i := range t.schema.FieldCount {
		fmt.Fprintf(&b, ", %s blob", point.FieldName(i))
	}
	b.WriteString(")")
	return t.c.resetTables(ctx, tableDef{name: t.schema.Table, create: b.String()})
}

func (t *pointTable) checkValues(values [][]byte) error {
	if len(values) != t.schema.FieldCount {
		return fmt.Errorf("cassandra: %d values for %d fields", len(values), t.schema.FieldCount)
	}
	return nil
}

func (t *pointTable) checkFields(fields []int) error {
	for _, f := range fields {
		if f < 0 || f >= t.schema.FieldCount {
			return fmt.Errorf("cassandra: no field %d in table %s", f, t.schema.Table)
		}
	}
	return nil
}

// insertArgs returns the arguments of t.insert.
func insertArgs(key []byte, values [][]byte) []any {
	args := make([]any, 0, 1+len(values))
	args = append(args, key)
	for _, v := range values {
		args = append(args, v)
	}
	return args
}

// Load writes each record with its own INSERT, LoadConcurrency of them in
// flight: every record is a partition of its own, so a batch would only
// make one node coordinate writes for the others.
func (t *pointTable) Load(ctx context.Context, recs []point.Record) error {
	for _, r := range recs {
		if err := t.checkValues(r.Values); err != nil {
			return err
		}
	}
	return parallel(len(recs), t.c.cfg.LoadConcurrency, func(i int) error {
		r := recs[i]
		if err := t.c.session.Query(t.insert, insertArgs(r.Key, r.Values)...).ExecContext(ctx); err != nil {
			return t.c.wrap("load "+t.schema.Table, err)
		}
		return nil
	})
}

// Insert writes the record; like YCSB's Cassandra binding it does not
// check that the key is new (an INSERT of an existing key overwrites it).
func (t *pointTable) Insert(ctx context.Context, key []byte, values [][]byte) error {
	if err := t.checkValues(values); err != nil {
		return err
	}
	if err := t.c.session.Query(t.insert, insertArgs(key, values)...).ExecContext(ctx); err != nil {
		return t.c.wrap("insert", err)
	}
	return nil
}

func (t *pointTable) Read(ctx context.Context, key []byte, fields []int, dst [][]byte) ([][]byte, error) {
	if err := t.checkFields(fields); err != nil {
		return dst[:0], err
	}
	stmt := t.readAll
	n := t.schema.FieldCount
	switch {
	case fields == nil:
	case len(fields) == 0:
		stmt, n = t.exists, 0
	default:
		stmt, n = t.selectFields(fields), len(fields)
	}
	dst = point.Grow(dst, n)
	dest := make([]any, max(n, 1))
	for i := range n {
		dest[i] = &dst[i]
	}
	if n == 0 {
		var k []byte
		dest[0] = &k
	}
	err := t.query(stmt, key).ScanContext(ctx, dest...)
	if errors.Is(err, gocql.ErrNotFound) {
		return dst[:0], drivers.ErrNotFound
	}
	if err != nil {
		return dst[:0], t.c.wrap("read", err)
	}
	return dst, nil
}

// selectFields returns the SELECT of the given fields.
func (t *pointTable) selectFields(fields []int) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(point.FieldName(f))
	}
	b.WriteString(" FROM ")
	b.WriteString(t.name)
	b.WriteString(" WHERE y_id = ?")
	return b.String()
}

// found reports whether the record exists.
func (t *pointTable) found(ctx context.Context, key []byte) (bool, error) {
	var k []byte
	err := t.query(t.exists, key).ScanContext(ctx, &k)
	if errors.Is(err, gocql.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// BlindWrites reports whether Update and Delete write without reading
// first (point_writes=blind, the default).
func (t *pointTable) BlindWrites() bool { return t.c.cfg.PointWrites == PointWritesBlind }

// Update writes the fields: blind by default, one UPDATE, as YCSB's
// Cassandra binding does (an UPDATE of a missing key creates it, and no
// drivers.ErrNotFound is returned: the workloads only update keys that
// exist). With point_writes=checked it first reads whether the record
// exists, for drivers.ErrNotFound: two requests. A lightweight
// transaction (UPDATE … IF EXISTS) would do both atomically, at the price
// of a Paxos round; no point workload deletes records, so nothing can
// delete one between the two requests.
func (t *pointTable) Update(ctx context.Context, key []byte, fields []int, values [][]byte) error {
	if err := t.checkFields(fields); err != nil {
		return err
	}
	if len(fields) != len(values) {
		return fmt.Errorf("cassandra: %d fields, %d values", len(fields), len(values))
	}
	if !t.BlindWrites() {
		ok, err := t.found(ctx, key)
		if err != nil {
			return t.c.wrap("update", err)
		}
		if !ok {
			return drivers.ErrNotFound
		}
	}
	if len(fields) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("UPDATE ")
	b.WriteString(t.name)
	b.WriteString(" SET ")
	args := make([]any, 0, len(fields)+1)
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(point.FieldName(f))
		b.WriteString(" = ?")
		args = append(args, values[i])
	}
	b.WriteString(" WHERE y_id = ?")
	args = append(args, key)
	if err := t.c.session.Query(b.String(), args...).ExecContext(ctx); err != nil {
		return t.c.wrap("update", err)
	}
	return nil
}

// Delete deletes the record: blind by default (a tombstone, whether or
// not the record exists); with point_writes=checked it first reads
// whether it exists, for drivers.ErrNotFound.
func (t *pointTable) Delete(ctx context.Context, key []byte) error {
	if !t.BlindWrites() {
		ok, err := t.found(ctx, key)
		if err != nil {
			return t.c.wrap("delete", err)
		}
		if !ok {
			return drivers.ErrNotFound
		}
	}
	if err := t.c.session.Query(t.del, key).ExecContext(ctx); err != nil {
		return t.c.wrap("delete", err)
	}
	return nil
}
