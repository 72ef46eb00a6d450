package neo4j

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	n4j "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/point"
)

var (
	_ point.Provider = (*Conn)(nil)
	_ point.Store    = (*pointStore)(nil)
	_ point.Scanner  = (*pointStore)(nil)
)

// pointStore is one YCSB table: a node labelled Rec_<table> per record,
// with a string property key (unique, so indexed in key order) and one
// byte-array property per field (field0, …).
type pointStore struct {
	c      *Conn
	label  string
	fields int
	all    []string // every field's name, in order
	q      struct {
		clear, constraint, load, insert, read, update, delete, scan string
	}
}

// PointStore returns a handle on the table s names.
func (c *Conn) PointStore(s point.Schema) (point.Store, error) {
	if err := checkName("point table", s.Table); err != nil {
		return nil, err
	}
	if s.FieldCount < 0 {
		return nil, fmt.Errorf("neo4j: point table %s: %d fields", s.Table, s.FieldCount)
	}
	p := &pointStore{c: c, label: "Rec_" + s.Table, fields: s.FieldCount}
	for i := range s.FieldCount {
		p.all = append(p.all, point.FieldName(i))
	}
	l := p.label
	p.q.clear = fmt.Sprintf("MATCH (n:`%s`) CALL { WITH n DELETE n } IN TRANSACTIONS OF 10000 ROWS", l)
	p.q.constraint = fmt.Sprintf("CREATE CONSTRAINT `storefit_%s_key` IF NOT EXISTS FOR (n:`%s`) REQUIRE n.key IS UNIQUE", l, l)
	p.q.load = fmt.Sprintf("UNWIND $recs AS r CREATE (n:`%s`) SET n = r", l)
	p.q.insert = fmt.Sprintf("CREATE (n:`%s`) SET n = $r", l)
	p.q.read = fmt.Sprintf("MATCH (n:`%s` {key: $key}) RETURN [p IN $props | n[p]]", l)
	p.q.update = fmt.Sprintf("MATCH (n:`%s` {key: $key}) SET n += $set RETURN 1", l)
	p.q.delete = fmt.Sprintf("MATCH (n:`%s` {key: $key}) DELETE n RETURN 1", l)
	p.q.scan = fmt.Sprintf("MATCH (n:`%s`) WHERE n.key >= $start "+
		"RETURN n.key, [p IN $props | n[p]] ORDER BY n.key LIMIT $count", l)
	return p, nil
}

// keyString encodes a key as the string whose characters are its bytes
// (U+0000 … U+00FF): an ASCII key stays as it is, and strings compare as
// their keys do, both in UTF-8 (the index) and UTF-16 (Java) order.
func keyString(key []byte) string {
	for _, b := range key {
		if b >= utf8.RuneSelf {
			rs := make([]rune, len(key))
			for i, b := range key {
				rs[i] = rune(b)
			}
			return string(rs)
		}
	}
	return string(key)
}

// appendKey appends the key keyString encoded as s.
func appendKey(dst []byte, s string) ([]byte, error) {
	for _, r := range s {
		if r > 0xff {
			return dst, fmt.Errorf("key %q is not one of storefit's", s)
		}
		dst = append(dst, byte(r))
	}
	return dst, nil
}

// props returns the names of the given fields (every field when nil),
// checking that they exist.
func (p *pointStore) props(fields []int) ([]string, error) {
	if fields == nil {
		return p.all, nil
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		if f < 0 || f >= p.fields {
			return nil, fmt.Errorf("neo4j: point table %s: no field %d (%d fields)", p.label, f, p.fields)
		}
		names[i] = p.all[f]
	}
	return names, nil
}

// record makes the property map of a record.
func (p *pointStore) record(key []byte, values [][]byte) (map[string]any, error) {
	if len(values) != p.fields {
		return nil, fmt.Errorf("neo4j: point table %s: %d values, want %d", p.label, len(values), p.fields)
	}
	m := make(map[string]any, 1+len(values))
	m["key"] = keyString(key)
	for i, v := range values {
		m[p.all[i]] = v
	}
	return m, nil
}

// Setup deletes the table's records, in transactions of 10 000, and
// creates the uniqueness constraint on the key (and with it the range
// index reads and scans use).
func (p *pointStore) Setup(ctx context.Context) error {
	if err := p.c.autoCommit(ctx, "point "+p.label+" setup: clear", p.q.clear, nil); err != nil {
		return err
	}
	return p.c.autoCommit(ctx, "point "+p.label+" setup: constraint", p.q.constraint, nil)
}

// Load creates the batch's records in one transaction of one UNWIND
// statement; a key already present fails it (the constraint).
func (p *pointStore) Load(ctx context.Context, recs []point.Record) error {
	if len(recs) == 0 {
		return nil
	}
	list := make([]any, len(recs))
	for i, r := range recs {
		m, err := p.record(r.Key, r.Values)
		if err != nil {
			return err
		}
		list[i] = m
	}
	return writeTx(ctx, p.c, "point "+p.label+" load", func(tx n4j.ManagedTransaction) error {
		return consume(ctx, tx, p.q.load, map[string]any{"recs": list})
	})
}

// consume runs query in tx and discards its result.
func consume(ctx context.Context, tx n4j.ManagedTransaction, query string, params map[string]any) error {
	res, err := tx.Run(ctx, query, params)
	if err == nil {
		_, err = res.Consume(ctx)
	}
	return err
}

func (p *pointStore) Insert(ctx context.Context, key []byte, values [][]byte) error {
	m, err := p.record(key, values)
	if err != nil {
		return err
	}
	return writeTx(ctx, p.c, "point "+p.label+" insert", func(tx n4j.ManagedTransaction) error {
		return consume(ctx, tx, p.q.insert, map[string]any{"r": m})
	})
}

func (p *pointStore) Read(ctx context.Context, key []byte, fields []int, dst [][]byte) ([][]byte, error) {
	props, err := p.props(fields)
	if err != nil {
		return dst[:0], err
	}
	params := map[string]any{"key": keyString(key), "props": props}
	v, err := readTx(ctx, p.c, "point "+p.label+" read", func(tx querier) ([][]byte, error) {
		res, err := tx.Run(ctx, p.q.read, params)
		if err != nil {
			return nil, err
		}
		if !res.Next(ctx) {
			if err := res.Err(); err != nil {
				return nil, err
			}
			return dst[:0], errNotFound
		}
		vals, _ := res.Record().Values[0].([]any)
		return fillValues(dst, vals)
	})
	if errors.Is(err, errNotFound) {
		return dst[:0], drivers.ErrNotFound
	}
	return v, err
}

// errNotFound marks a missing record inside a transaction function; the
// callers turn it into drivers.ErrNotFound unwrapped.
var errNotFound = fmt.Errorf("neo4j: %w", drivers.ErrNotFound)

// fillValues copies byte-array values into dst's slices.
func fillValues(dst [][]byte, vals []any) ([][]byte, error) {
	dst = point.Grow(dst, len(vals))
	for i, v := range vals {
		b, ok := v.([]byte)
		if !ok && v != nil {
			return nil, fmt.Errorf("field value is a %T", v)
		}
		dst[i] = point.CopyInto(dst[i], b)
	}
	return dst, nil
}

// notFound maps errNotFound, wrapped by readTx or writeTx, to
// drivers.ErrNotFound itself, as the oracle returns it.
func notFound[T any](v T, err error) (T, error) {
	if errors.Is(err, errNotFound) {
		return v, drivers.ErrNotFound
	}
	return v, err
}

func (p *pointStore) Update(ctx context.Context, key []byte, fields []int, values [][]byte) error {
	props, err := p.props(fields)
	if err != nil {
		return err
	}
	if len(fields) != len(values) {
		return fmt.Errorf("neo4j: point table %s: %d fields, %d values", p.label, len(fields), len(values))
	}
	set := make(map[string]any, len(props))
	for i, name := range props {
		set[name] = values[i]
	}
	params := map[string]any{"key": keyString(key), "set": set}
	_, err = notFound(0, writeTx(ctx, p.c, "point "+p.label+" update", func(tx n4j.ManagedTransaction) error {
		return one(ctx, tx, p.q.update, params)
	}))
	return err
}

// one runs query in tx and returns errNotFound if it returned no row.
func one(ctx context.Context, tx n4j.ManagedTransaction, query string, params map[string]any) error {
	res, err := tx.Run(ctx, query, params)
	if err != nil {
		return err
	}
	if !res.Next(ctx) {
		if err := res.Err(); err != nil {
			return err
		}
		return errNotFound
	}
	_, err = res.Consume(ctx)
	return err
}

func (p *pointStore) Delete(ctx context.Context, key []byte) error {
	params := map[string]any{"key": keyString(key)}
	_, err := notFound(0, writeTx(ctx, p.c, "point "+p.label+" delete", func(tx n4j.ManagedTransaction) error {
		return one(ctx, tx, p.q.delete, params)
	}))
	return err
}

// Scan reads up to count records from start on in key order: a range seek
// on the key's index, which also gives the order, so there is no sort.
func (p *pointStore) Scan(ctx context.Context, start []byte, count int, fields []int, dst []point.Record) ([]point.Record, error) {
	props, err := p.props(fields)
	if err != nil {
		return dst[:0], err
	}
	if count <= 0 {
		return dst[:0], nil
	}
	params := map[string]any{"start": keyString(start), "props": props, "count": int64(count)}
	return readTx(ctx, p.c, "point "+p.label+" scan", func(tx querier) ([]point.Record, error) {
		res, err := tx.Run(ctx, p.q.scan, params)
		if err != nil {
			return nil, err
		}
		out := dst[:0]
		for res.Next(ctx) {
			v := res.Record().Values
			k, _ := v[0].(string)
			vals, _ := v[1].([]any)
			out = point.Grow(out, len(out)+1)
			r := &out[len(out)-1]
			if r.Key, err = appendKey(r.Key[:0], k); err != nil {
				return nil, err
			}
			if r.Values, err = fillValues(r.Values, vals); err != nil {
				return nil, err
			}
		}
		return out, res.Err()
	})
}
