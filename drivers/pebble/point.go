package pebble

import (
	"context"
	"fmt"

	pdb "github.com/cockroachdb/pebble/v2"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/point"
)

var (
	_ point.Store   = (*pointStore)(nil)
	_ point.Scanner = (*pointStore)(nil)
)

// pointStore is one YCSB table: the key range 'p' table 0x00 …, one key per
// record (the YCSB key appended to the prefix), its value every field
// length-prefixed (appendFields).
type pointStore struct {
	c      *Conn
	schema point.Schema
	prefix []byte // 'p' table 0x00
	end    []byte // prefixEnd(prefix)
}

// PointStore returns a handle on the table s describes.
func (c *Conn) PointStore(s point.Schema) (point.Store, error) {
	if s.FieldCount < 1 {
		return nil, fmt.Errorf("pebble: table %s needs at least one field", s.Table)
	}
	p, err := tablePrefix(spacePoint, s.Table)
	if err != nil {
		return nil, err
	}
	return &pointStore{c: c, schema: s, prefix: p, end: prefixEnd(p)}, nil
}

func (s *pointStore) key(k []byte) []byte { return concat(s.prefix, k) }

// Setup drops the table's keys (a range deletion, compacted away).
func (s *pointStore) Setup(ctx context.Context) error {
	return s.c.clearRange(ctx, s.prefix, s.end)
}

func (s *pointStore) checkValues(values [][]byte) error {
	if len(values) != s.schema.FieldCount {
		return fmt.Errorf("pebble: %d values for %d fields of table %s", len(values), s.schema.FieldCount, s.schema.Table)
	}
	return nil
}

func (s *pointStore) checkFields(fields []int) error {
	for _, f := range fields {
		if f < 0 || f >= s.schema.FieldCount {
			return fmt.Errorf("pebble: no field %d in table %s", f, s.schema.Table)
		}
	}
	return nil
}

// Load writes the records in one batch, committed once. Keys are new by
// the contract, so it does not read them first.
func (s *pointStore) Load(ctx context.Context, recs []point.Record) error {
	b := s.c.db.NewBatch()
	defer b.Close()
	var buf []byte
	for _, r := range recs {
		if err := s.checkValues(r.Values); err != nil {
			return err
		}
		buf = appendFields(buf[:0], r.Values)
		if err := b.Set(s.key(r.Key), buf, nil); err != nil {
			return fmt.Errorf("pebble: load: %w", err)
		}
	}
	if err := b.Commit(s.c.wo); err != nil {
		return fmt.Errorf("pebble: load commit: %w", err)
	}
	return nil
}

// Insert writes a new record; an existing key is an error.
func (s *pointStore) Insert(ctx context.Context, key []byte, values [][]byte) error {
	if err := s.checkValues(values); err != nil {
		return err
	}
	k := s.key(key)
	defer s.c.lock(k)()
	ok, err := s.c.exists(k)
	if err != nil {
		return err
	}
	if ok {
		return fmt.Errorf("pebble: insert: duplicate key %s", key)
	}
	if err := s.c.db.Set(k, appendFields(nil, values), s.c.wo); err != nil {
		return fmt.Errorf("pebble: insert: %w", err)
	}
	return nil
}

// fill copies fields (all when nil) of the encoded record v into dst.
func (s *pointStore) fill(v []byte, fields []int, dst [][]byte) ([][]byte, error) {
	var arr [16][]byte
	vals, err := decodeFields(v, s.schema.FieldCount, arr[:0])
	if err != nil {
		return dst[:0], err
	}
	if fields == nil {
		dst = point.Grow(dst, len(vals))
		for i, x := range vals {
			dst[i] = point.CopyInto(dst[i], x)
		}
		return dst, nil
	}
	dst = point.Grow(dst, len(fields))
	for i, f := range fields {
		dst[i] = point.CopyInto(dst[i], vals[f])
	}
	return dst, nil
}

// Read is one point get.
func (s *pointStore) Read(ctx context.Context, key []byte, fields []int, dst [][]byte) ([][]byte, error) {
	if err := s.checkFields(fields); err != nil {
		return dst[:0], err
	}
	v, release, ok, err := s.c.get(s.key(key))
	defer release()
	if err != nil {
		return dst[:0], err
	}
	if !ok {
		return dst[:0], drivers.ErrNotFound
	}
	return s.fill(v, fields, dst)
}

// Update reads the record, replaces the fields and writes it back, under
// the key's stripe lock.
func (s *pointStore) Update(ctx context.Context, key []byte, fields []int, values [][]byte) error {
	if err := s.checkFields(fields); err != nil {
		return err
	}
	if len(fields) != len(values) {
		return fmt.Errorf("pebble: update: %d fields, %d values", len(fields), len(values))
	}
	k := s.key(key)
	defer s.c.lock(k)()
	v, release, ok, err := s.c.get(k)
	defer release()
	if err != nil {
		return err
	}
	if !ok {
		return drivers.ErrNotFound
	}
	var arr [16][]byte
	vals, err := decodeFields(v, s.schema.FieldCount, arr[:0])
	if err != nil {
		return err
	}
	for i, f := range fields {
		vals[f] = values[i]
	}
	if err := s.c.db.Set(k, appendFields(make([]byte, 0, len(v)+16), vals), s.c.wo); err != nil {
		return fmt.Errorf("pebble: update: %w", err)
	}
	return nil
}

// Delete removes the record; a missing key is drivers.ErrNotFound.
func (s *pointStore) Delete(ctx context.Context, key []byte) error {
	k := s.key(key)
	defer s.c.lock(k)()
	ok, err := s.c.exists(k)
	if err != nil {
		return err
	}
	if !ok {
		return drivers.ErrNotFound
	}
	if err := s.c.db.Delete(k, s.c.wo); err != nil {
		return fmt.Errorf("pebble: delete: %w", err)
	}
	return nil
}

// Scan is an iterator over the table's range from the start key.
func (s *pointStore) Scan(ctx context.Context, start []byte, count int, fields []int, dst []point.Record) ([]point.Record, error) {
	if err := s.checkFields(fields); err != nil {
		return dst[:0], err
	}
	dst = dst[:0]
	if count <= 0 {
		return dst, nil
	}
	it, err := s.c.db.NewIter(&pdb.IterOptions{LowerBound: s.key(start), UpperBound: s.end})
	if err != nil {
		return dst, fmt.Errorf("pebble: scan: %w", err)
	}
	defer it.Close()
	for ok := it.First(); ok && len(dst) < count; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return dst, fmt.Errorf("pebble: scan: %w", err)
		}
		dst = point.Grow(dst, len(dst)+1)
		r := &dst[len(dst)-1]
		r.Key = append(r.Key[:0], it.Key()[len(s.prefix):]...)
		if r.Values, err = s.fill(v, fields, r.Values); err != nil {
			return dst, err
		}
	}
	if err := it.Error(); err != nil {
		return dst, fmt.Errorf("pebble: scan: %w", err)
	}
	return dst, nil
}
