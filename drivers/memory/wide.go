package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/wide"
)

var (
	_ wide.Provider = (*Conn)(nil)
	_ wide.Store    = (*wideTable)(nil)
	_ wide.Counter  = (*wideTable)(nil)
)

// wideState is the wide pattern's state in a Conn: its tables by name.
type wideState struct {
	mu     sync.Mutex
	tables map[string]*wideTable
}

// wideCell is one set column of a row.
type wideCell struct {
	col int
	val string
}

// wideTable is one wide table: a map from row id to the row's set columns,
// sorted by column and never empty (a row without columns is deleted), and
// the number of rows setting each column, kept exact on every change.
type wideTable struct {
	schema wide.Schema
	mu     sync.RWMutex
	rows   map[int64][]wideCell
	counts []int64
}

// WideStore returns the table s names, creating it empty if new.
func (c *Conn) WideStore(s wide.Schema) (wide.Store, error) {
	if s.Columns < 1 {
		return nil, fmt.Errorf("memory: table %s needs at least one column", s.Table)
	}
	// The oracle counts whatever the mix: one table for every variant.
	s.Uncounted = false
	st, err := patternState(c, "wide", func() *wideState { return &wideState{tables: map[string]*wideTable{}} })
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	t, ok := st.tables[s.Table]
	if !ok || t.schema != s {
		t = &wideTable{schema: s, rows: map[int64][]wideCell{}, counts: make([]int64, s.Columns)}
		st.tables[s.Table] = t
	}
	return t, nil
}

func (t *wideTable) Setup(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rows = map[int64][]wideCell{}
	t.counts = make([]int64, t.schema.Columns)
	return nil
}

func (t *wideTable) checkCol(c int) error {
	if c < 0 || c >= t.schema.Columns {
		return fmt.Errorf("memory: no column %d in table %s (%d columns)", c, t.schema.Table, t.schema.Columns)
	}
	return nil
}

// wideFind returns the index of column col in cells, or -1.
func wideFind(cells []wideCell, col int) int {
	for i, c := range cells {
		if c.col == col {
			return i
		}
	}
	return -1
}

func (t *wideTable) LoadRows(ctx context.Context, rows []wide.Row) error {
	for _, r := range rows {
		if len(r.Cols) == 0 {
			return fmt.Errorf("memory: row %d sets no column", r.ID)
		}
		if len(r.Cols) != len(r.Values) {
			return fmt.Errorf("memory: row %d: %d columns, %d values", r.ID, len(r.Cols), len(r.Values))
		}
		for i, c := range r.Cols {
			if err := t.checkCol(c); err != nil {
				return err
			}
			if slices.Contains(r.Cols[:i], c) {
				return fmt.Errorf("memory: row %d sets column %d twice", r.ID, c)
			}
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range rows {
		if _, dup := t.rows[r.ID]; dup {
			return fmt.Errorf("memory: duplicate row %d", r.ID)
		}
	}
	for _, r := range rows {
		cells := make([]wideCell, len(r.Cols))
		for i, c := range r.Cols {
			cells[i] = wideCell{col: c, val: string(r.Values[i])}
			t.counts[c]++
		}
		slices.SortFunc(cells, func(a, b wideCell) int { return a.col - b.col })
		t.rows[r.ID] = cells
	}
	return nil
}

func (t *wideTable) ReadRow(ctx context.Context, id int64, dst wide.Row) (wide.Row, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	cells, ok := t.rows[id]
	dst.ID = id
	if !ok {
		dst.Cols, dst.Values = dst.Cols[:0], dst.Values[:0]
		return dst, drivers.ErrNotFound
	}
	dst.Cols = wide.Grow(dst.Cols, len(cells))
	dst.Values = wide.Grow(dst.Values, len(cells))
	for i, c := range cells {
		dst.Cols[i] = c.col
		dst.Values[i] = append(dst.Values[i][:0], c.val...)
	}
	return dst, nil
}

func (t *wideTable) ReadColumns(ctx context.Context, id int64, cols []int, dst []wide.Value) ([]wide.Value, error) {
	for _, c := range cols {
		if err := t.checkCol(c); err != nil {
			return dst[:0], err
		}
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	cells := t.rows[id] // nil for a missing row: every column null
	dst = wide.Grow(dst, len(cols))
	for i, c := range cols {
		if j := wideFind(cells, c); j >= 0 {
			dst[i] = wide.Value{Bytes: append(dst[i].Bytes[:0], cells[j].val...), Valid: true}
		} else {
			dst[i] = wide.Value{Bytes: dst[i].Bytes[:0]}
		}
	}
	return dst, nil
}

func (t *wideTable) SetColumns(ctx context.Context, id int64, cols []int, values [][]byte) error {
	if len(cols) != len(values) {
		return fmt.Errorf("memory: %d columns, %d values", len(cols), len(values))
	}
	for i, c := range cols {
		if err := t.checkCol(c); err != nil {
			return err
		}
		if slices.Contains(cols[:i], c) {
			return fmt.Errorf("memory: column %d set twice", c)
		}
	}
	if len(cols) == 0 {
		return nil // a row never exists without columns
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	cells := t.rows[id]
	for i, c := range cols {
		if j := wideFind(cells, c); j >= 0 {
			cells[j].val = string(values[i])
		} else {
			cells = append(cells, wideCell{col: c, val: string(values[i])})
			t.counts[c]++
		}
	}
	slices.SortFunc(cells, func(a, b wideCell) int { return a.col - b.col })
	t.rows[id] = cells
	return nil
}

func (t *wideTable) DeleteColumn(ctx context.Context, id int64, col int) error {
	if err := t.checkCol(col); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	cells := t.rows[id]
	j := wideFind(cells, col)
	if j < 0 {
		return nil
	}
	t.counts[col]--
	cells = slices.Delete(cells, j, j+1)
	if len(cells) == 0 {
		delete(t.rows, id)
	} else {
		t.rows[id] = cells
	}
	return nil
}

func (t *wideTable) CountRowsWith(ctx context.Context, col int) (int64, error) {
	if err := t.checkCol(col); err != nil {
		return 0, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.counts[col], nil
}
