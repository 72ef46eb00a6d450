package pebble

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	pdb "github.com/cockroachdb/pebble/v2"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/wide"
)

var (
	_ wide.Store   = (*wideStore)(nil)
	_ wide.Counter = (*wideStore)(nil)
)

// wideStore is one wide table: one key per set cell, 'w' table 0x00 id
// col, whose value is the cell's value, so a row is a contiguous range of
// keys in column order, and one counter per column, 'c' table 0x00 col,
// holding the number of rows that set it, rewritten in the same batch as
// the cells that change it.
type wideStore struct {
	c      *Conn
	schema wide.Schema
	cells  []byte // 'w' table 0x00
	counts []byte // 'c' table 0x00
}

// WideStore returns a handle on the table s describes.
func (c *Conn) WideStore(s wide.Schema) (wide.Store, error) {
	if s.Columns < 1 {
		return nil, fmt.Errorf("pebble: table %s needs at least one column", s.Table)
	}
	cells, err := tablePrefix(spaceWideCell, s.Table)
	if err != nil {
		return nil, err
	}
	counts, err := tablePrefix(spaceWideCount, s.Table)
	if err != nil {
		return nil, err
	}
	return &wideStore{c: c, schema: s, cells: cells, counts: counts}, nil
}

// rowKey returns the prefix of row id's cells.
func (s *wideStore) rowKey(id int64) []byte {
	return appendInt64(append(make([]byte, 0, len(s.cells)+12), s.cells...), id)
}

// cellKey returns the key of column col of the row whose prefix is row.
func cellKey(row []byte, col int) []byte {
	return binary.BigEndian.AppendUint32(append(make([]byte, 0, len(row)+4), row...), uint32(col))
}

func (s *wideStore) countKey(col int) []byte {
	return binary.BigEndian.AppendUint32(append(make([]byte, 0, len(s.counts)+4), s.counts...), uint32(col))
}

func (s *wideStore) checkCol(c int) error {
	if c < 0 || c >= s.schema.Columns {
		return fmt.Errorf("pebble: no column %d in table %s (%d columns)", c, s.schema.Table, s.schema.Columns)
	}
	return nil
}

// Setup drops the table's cells and counters.
func (s *wideStore) Setup(ctx context.Context) error {
	if err := s.c.clearRange(ctx, s.cells, prefixEnd(s.cells)); err != nil {
		return err
	}
	return s.c.clearRange(ctx, s.counts, prefixEnd(s.counts))
}

// LoadRows writes the rows' cells and the new counts of the columns they
// set in one batch. Rows are new by the contract, so it reads no cell;
// it reads the counters it changes under their locks.
func (s *wideStore) LoadRows(ctx context.Context, rows []wide.Row) error {
	b := s.c.db.NewBatch()
	defer b.Close()
	deltas := make([]int64, s.schema.Columns)
	for _, r := range rows {
		if len(r.Cols) == 0 {
			return fmt.Errorf("pebble: row %d sets no column", r.ID)
		}
		if len(r.Cols) != len(r.Values) {
			return fmt.Errorf("pebble: row %d: %d columns, %d values", r.ID, len(r.Cols), len(r.Values))
		}
		row := s.rowKey(r.ID)
		for i, col := range r.Cols {
			if err := s.checkCol(col); err != nil {
				return err
			}
			if slices.Contains(r.Cols[:i], col) {
				return fmt.Errorf("pebble: row %d sets column %d twice", r.ID, col)
			}
			if err := b.Set(cellKey(row, col), r.Values[i], nil); err != nil {
				return fmt.Errorf("pebble: load: %w", err)
			}
			deltas[col]++
		}
	}
	var keys [][]byte
	var ds []int64
	for col, d := range deltas {
		if d != 0 {
			keys, ds = append(keys, s.countKey(col)), append(ds, d)
		}
	}
	defer s.c.lockCounters(keys)()
	if err := s.addCounts(b, keys, ds); err != nil {
		return err
	}
	if err := b.Commit(s.c.wo); err != nil {
		return fmt.Errorf("pebble: load commit: %w", err)
	}
	return nil
}

// addCounts adds ds[i] to the counter keys[i] in batch b. The caller holds
// the counters' locks until b is committed.
func (s *wideStore) addCounts(b *pdb.Batch, keys [][]byte, ds []int64) error {
	for i, k := range keys {
		n, err := s.count(k)
		if err != nil {
			return err
		}
		if err := b.Set(k, encodeCount(n+ds[i]), nil); err != nil {
			return fmt.Errorf("pebble: count: %w", err)
		}
	}
	return nil
}

// count reads a counter; a missing one is 0.
func (s *wideStore) count(k []byte) (int64, error) {
	v, release, ok, err := s.c.get(k)
	defer release()
	if err != nil || !ok {
		return 0, err
	}
	return decodeCount(v)
}

// ReadRow is a scan of the row's key range.
func (s *wideStore) ReadRow(ctx context.Context, id int64, dst wide.Row) (wide.Row, error) {
	dst.ID = id
	dst.Cols, dst.Values = dst.Cols[:0], dst.Values[:0]
	row := s.rowKey(id)
	it, err := s.c.db.NewIter(&pdb.IterOptions{LowerBound: row, UpperBound: prefixEnd(row)})
	if err != nil {
		return dst, fmt.Errorf("pebble: read row: %w", err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return dst, fmt.Errorf("pebble: read row: %w", err)
		}
		k := it.Key()
		if len(k) != len(row)+4 {
			return dst, fmt.Errorf("pebble: corrupt cell key %x", k)
		}
		n := len(dst.Cols)
		dst.Cols = append(dst.Cols, int(binary.BigEndian.Uint32(k[len(row):])))
		dst.Values = wide.Grow(dst.Values, n+1)
		dst.Values[n] = wide.CopyInto(dst.Values[n], v)
	}
	if err := it.Error(); err != nil {
		return dst, fmt.Errorf("pebble: read row: %w", err)
	}
	if len(dst.Cols) == 0 {
		return dst, drivers.ErrNotFound
	}
	return dst, nil
}

// ReadColumns is one point get per column.
func (s *wideStore) ReadColumns(ctx context.Context, id int64, cols []int, dst []wide.Value) ([]wide.Value, error) {
	for _, c := range cols {
		if err := s.checkCol(c); err != nil {
			return dst[:0], err
		}
	}
	row := s.rowKey(id)
	key := make([]byte, 0, len(row)+4)
	dst = wide.Grow(dst, len(cols))
	for i, col := range cols {
		key = binary.BigEndian.AppendUint32(append(key[:0], row...), uint32(col))
		v, release, ok, err := s.c.get(key)
		if err != nil {
			release()
			return dst[:0], err
		}
		if ok {
			dst[i] = wide.Value{Bytes: wide.CopyInto(dst[i].Bytes, v), Valid: true}
		} else {
			dst[i] = wide.Value{Bytes: dst[i].Bytes[:0]}
		}
		release()
	}
	return dst, nil
}

// SetColumns writes the cells, and adds 1 to the count of each column the
// row did not set before, in one batch. The row's stripe lock makes "was
// it set?" and the write one step; the counters' locks (taken only for
// columns whose count changes) do the same for each count.
func (s *wideStore) SetColumns(ctx context.Context, id int64, cols []int, values [][]byte) error {
	if len(cols) != len(values) {
		return fmt.Errorf("pebble: %d columns, %d values", len(cols), len(values))
	}
	for i, c := range cols {
		if err := s.checkCol(c); err != nil {
			return err
		}
		if slices.Contains(cols[:i], c) {
			return fmt.Errorf("pebble: column %d set twice", c)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	row := s.rowKey(id)
	defer s.c.lock(row)()
	b := s.c.db.NewBatch()
	defer b.Close()
	var keys [][]byte
	var ds []int64
	for i, col := range cols {
		k := cellKey(row, col)
		had, err := s.c.exists(k)
		if err != nil {
			return err
		}
		if err := b.Set(k, values[i], nil); err != nil {
			return fmt.Errorf("pebble: set columns: %w", err)
		}
		if !had {
			keys, ds = append(keys, s.countKey(col)), append(ds, 1)
		}
	}
	if len(keys) > 0 {
		defer s.c.lockCounters(keys)()
		if err := s.addCounts(b, keys, ds); err != nil {
			return err
		}
	}
	if err := b.Commit(s.c.wo); err != nil {
		return fmt.Errorf("pebble: set columns: %w", err)
	}
	return nil
}

// DeleteColumn deletes the cell and subtracts 1 from the column's count,
// in one batch, when the cell is set, under the row's and the counter's
// locks.
func (s *wideStore) DeleteColumn(ctx context.Context, id int64, col int) error {
	if err := s.checkCol(col); err != nil {
		return err
	}
	row := s.rowKey(id)
	defer s.c.lock(row)()
	k := cellKey(row, col)
	had, err := s.c.exists(k)
	if err != nil || !had {
		return err
	}
	b := s.c.db.NewBatch()
	defer b.Close()
	if err := b.Delete(k, nil); err != nil {
		return fmt.Errorf("pebble: delete column: %w", err)
	}
	ck := s.countKey(col)
	defer s.c.lockCounters([][]byte{ck})()
	if err := s.addCounts(b, [][]byte{ck}, []int64{-1}); err != nil {
		return err
	}
	if err := b.Commit(s.c.wo); err != nil {
		return fmt.Errorf("pebble: delete column: %w", err)
	}
	return nil
}

// CountRowsWith reads the column's counter: one get.
func (s *wideStore) CountRowsWith(ctx context.Context, col int) (int64, error) {
	if err := s.checkCol(col); err != nil {
		return 0, err
	}
	return s.count(s.countKey(col))
}
