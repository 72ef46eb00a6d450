package memory

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/google/btree"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/point"
)

var (
	_ point.Provider = (*Conn)(nil)
	_ point.Store    = (*pointTable)(nil)
	_ point.Scanner  = (*pointTable)(nil)
)

type pointItem struct {
	key    string
	values [][]byte
}

func lessItem(a, b *pointItem) bool { return a.key < b.key }

// pointTable is one YCSB table: an ordered B-tree of records.
type pointTable struct {
	schema point.Schema
	mu     sync.RWMutex
	tree   *btree.BTreeG[*pointItem]
}

// PointStore returns the table s names, creating it empty if new.
func (c *Conn) PointStore(s point.Schema) (point.Store, error) {
	if s.FieldCount < 1 {
		return nil, fmt.Errorf("memory: table %s needs at least one field", s.Table)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errClosed
	}
	t, ok := c.tables[s.Table]
	if !ok || t.schema != s {
		t = &pointTable{schema: s, tree: btree.NewG(32, lessItem)}
		c.tables[s.Table] = t
	}
	return t, nil
}

func (t *pointTable) Setup(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tree.Clear(false)
	return nil
}

func (t *pointTable) checkValues(values [][]byte) error {
	if len(values) != t.schema.FieldCount {
		return fmt.Errorf("memory: %d values for %d fields", len(values), t.schema.FieldCount)
	}
	return nil
}

func copyValues(values [][]byte) [][]byte {
	out := make([][]byte, len(values))
	for i, v := range values {
		out[i] = bytes.Clone(v)
	}
	return out
}

func (t *pointTable) Load(ctx context.Context, recs []point.Record) error {
	for _, r := range recs {
		if err := t.checkValues(r.Values); err != nil {
			return err
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range recs {
		if _, dup := t.tree.Get(&pointItem{key: string(r.Key)}); dup {
			return fmt.Errorf("memory: duplicate key %s", r.Key)
		}
	}
	for _, r := range recs {
		t.tree.ReplaceOrInsert(&pointItem{key: string(r.Key), values: copyValues(r.Values)})
	}
	return nil
}

func (t *pointTable) Insert(ctx context.Context, key []byte, values [][]byte) error {
	if err := t.checkValues(values); err != nil {
		return err
	}
	it := &pointItem{key: string(key), values: copyValues(values)}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, dup := t.tree.Get(it); dup {
		return fmt.Errorf("memory: duplicate key %s", key)
	}
	t.tree.ReplaceOrInsert(it)
	return nil
}

func (t *pointTable) checkFields(fields []int) error {
	for _, f := range fields {
		if f < 0 || f >= t.schema.FieldCount {
			return fmt.Errorf("memory: no field %d", f)
		}
	}
	return nil
}

// fill copies it's fields (all when fields is nil) into dst.
func fill(it *pointItem, fields []int, dst [][]byte) [][]byte {
	if fields == nil {
		dst = point.Grow(dst, len(it.values))
		for i, v := range it.values {
			dst[i] = point.CopyInto(dst[i], v)
		}
		return dst
	}
	dst = point.Grow(dst, len(fields))
	for i, f := range fields {
		dst[i] = point.CopyInto(dst[i], it.values[f])
	}
	return dst
}

func (t *pointTable) Read(ctx context.Context, key []byte, fields []int, dst [][]byte) ([][]byte, error) {
	if err := t.checkFields(fields); err != nil {
		return dst[:0], err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	it, ok := t.tree.Get(&pointItem{key: string(key)})
	if !ok {
		return dst[:0], drivers.ErrNotFound
	}
	return fill(it, fields, dst), nil
}

func (t *pointTable) Update(ctx context.Context, key []byte, fields []int, values [][]byte) error {
	if err := t.checkFields(fields); err != nil {
		return err
	}
	if len(fields) != len(values) {
		return fmt.Errorf("memory: %d fields, %d values", len(fields), len(values))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	it, ok := t.tree.Get(&pointItem{key: string(key)})
	if !ok {
		return drivers.ErrNotFound
	}
	for i, f := range fields {
		it.values[f] = bytes.Clone(values[i])
	}
	return nil
}

func (t *pointTable) Delete(ctx context.Context, key []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.tree.Delete(&pointItem{key: string(key)}); !ok {
		return drivers.ErrNotFound
	}
	return nil
}

func (t *pointTable) Scan(ctx context.Context, start []byte, count int, fields []int, dst []point.Record) ([]point.Record, error) {
	if err := t.checkFields(fields); err != nil {
		return dst[:0], err
	}
	dst = dst[:0]
	if count <= 0 {
		return dst, nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	t.tree.AscendGreaterOrEqual(&pointItem{key: string(start)}, func(it *pointItem) bool {
		dst = point.Grow(dst, len(dst)+1)
		r := &dst[len(dst)-1]
		r.Key = append(r.Key[:0], it.key...)
		r.Values = fill(it, fields, r.Values)
		return len(dst) < count
	})
	return dst, nil
}
