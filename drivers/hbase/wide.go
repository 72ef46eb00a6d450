package hbase

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/wide"
)

var (
	_ wide.Provider = (*Conn)(nil)
	_ wide.Store    = (*wideTable)(nil)
)

// wideTable is a sparse table the way HBase is made for it: row key = the
// user id in decimal, one column family f, and one cell per set column whose
// qualifier is the column's number in fixed-width decimal ("017"): short,
// because every cell stores its qualifier (and row key), and fixed-width so
// that HBase's byte order of qualifiers is the column order. An unset
// column has no cell at all, and a row without cells does not exist — the
// pattern's rules are HBase's own.
type wideTable struct {
	c      *Conn
	schema wide.Schema
	path   string   // "/ns:table"
	quals  [][]byte // column i's qualifier
	prefix string   // "f:"
}

// WideStore returns a handle on the table s describes. It does not
// implement wide.Counter: HBase has no secondary index, so counting the
// rows that set a column means scanning every row (doc.go).
func (c *Conn) WideStore(s wide.Schema) (wide.Store, error) {
	if err := checkTableName("wide table", s.Table); err != nil {
		return nil, err
	}
	if s.Columns < 1 {
		return nil, fmt.Errorf("hbase: wide table %s needs at least one column", s.Table)
	}
	t := &wideTable{c: c, schema: s, path: c.table(s.Table), prefix: "f:"}
	width := len(strconv.Itoa(s.Columns - 1))
	for i := range s.Columns {
		q := strconv.Itoa(i)
		t.quals = append(t.quals, []byte(strings.Repeat("0", width-len(q))+q))
	}
	return t, nil
}

// Setup drops and creates the table: family f keeping one version, a row
// Bloom filter, and FAST_DIFF block encoding, which stores each cell's key
// (row, family, qualifier, timestamp) as a difference from the previous
// one: a row's twenty cells repeat the same row key, and their 12-byte
// values are smaller than their keys.
func (t *wideTable) Setup(ctx context.Context) error {
	err := t.c.recreate(ctx, t.schema.Table, family{name: "f", attrs: map[string]string{
		"VERSIONS": "1", "BLOOMFILTER": "ROW", "DATA_BLOCK_ENCODING": "FAST_DIFF", "COMPRESSION": "NONE",
	}})
	return t.c.wrap(err, "setup %s", t.schema.Table)
}

func (t *wideTable) checkCol(col int) error {
	if col < 0 || col >= t.schema.Columns {
		return fmt.Errorf("hbase: no column %d in table %s (%d columns)", col, t.schema.Table, t.schema.Columns)
	}
	return nil
}

func (t *wideTable) checkCols(cols []int, values [][]byte) error {
	if len(cols) != len(values) {
		return fmt.Errorf("hbase: %d columns, %d values", len(cols), len(values))
	}
	for i, c := range cols {
		if err := t.checkCol(c); err != nil {
			return err
		}
		if slices.Contains(cols[:i], c) {
			return fmt.Errorf("hbase: column %d set twice", c)
		}
	}
	return nil
}

// rowKey is a row's key: the id in decimal.
func rowKey(id int64) []byte { return strconv.AppendInt(nil, id, 10) }

// column returns the number of a qualifier, or -1.
func (t *wideTable) column(q []byte) int {
	n, err := strconv.Atoi(string(q))
	if err != nil || n < 0 || n >= t.schema.Columns || string(t.quals[n]) != string(q) {
		return -1
	}
	return n
}

func (t *wideTable) cells(cols []int, values [][]byte) []cell {
	cells := make([]cell, len(cols))
	for i, c := range cols {
		cells[i] = cell{family: familyF, qualifier: t.quals[c], value: values[i]}
	}
	return cells
}

// LoadRows writes the batch in one request (one batched Table.put).
func (t *wideTable) LoadRows(ctx context.Context, rows []wide.Row) error {
	var body []byte
	for _, r := range rows {
		if err := t.checkCols(r.Cols, r.Values); err != nil {
			return err
		}
		body = appendRow(body, rowKey(r.ID), t.cells(r.Cols, r.Values))
	}
	if len(rows) == 0 {
		return nil
	}
	return t.c.wrap(t.c.put(ctx, t.path, "load", "", body), "load %d rows into %s", len(rows), t.schema.Table)
}

// ReadRow is one Get of the row's family.
func (t *wideTable) ReadRow(ctx context.Context, id int64, dst wide.Row) (wide.Row, error) {
	dst.ID = id
	dst.Cols, dst.Values = dst.Cols[:0], dst.Values[:0]
	r, err := t.c.get(ctx, t.path+"/"+strconv.FormatInt(id, 10)+"/f")
	if err != nil {
		if errors.Is(err, drivers.ErrNotFound) {
			return dst, err
		}
		return dst, t.c.wrap(err, "read a row of %s", t.schema.Table)
	}
	defer t.c.done(r)
	err = eachCell(r.body.Bytes(), func(_, q, v []byte) error {
		col := t.column(q)
		if col < 0 {
			return fmt.Errorf("unexpected qualifier %q", q)
		}
		dst.Cols = append(dst.Cols, col)
		dst.Values = wide.Grow(dst.Values, len(dst.Values)+1)
		dst.Values[len(dst.Values)-1] = wide.CopyInto(dst.Values[len(dst.Values)-1], v)
		return nil
	})
	if err == nil && len(dst.Cols) == 0 {
		err = drivers.ErrNotFound
	}
	return dst, t.c.wrap(err, "read a row of %s", t.schema.Table)
}

// ReadColumns is one Get of the named columns' cells; a row that sets none
// of them (or does not exist) answers 404: all null.
func (t *wideTable) ReadColumns(ctx context.Context, id int64, cols []int, dst []wide.Value) ([]wide.Value, error) {
	dst = wide.Grow(dst, len(cols))
	for i := range dst {
		dst[i].Bytes, dst[i].Valid = dst[i].Bytes[:0], false
	}
	if len(cols) == 0 {
		return dst, nil
	}
	var path strings.Builder
	path.WriteString(t.path + "/" + strconv.FormatInt(id, 10))
	for i, c := range cols {
		if err := t.checkCol(c); err != nil {
			return dst, err
		}
		if i == 0 {
			path.WriteByte('/')
		} else {
			path.WriteByte(',')
		}
		path.WriteString(t.prefix)
		path.Write(t.quals[c])
	}
	r, err := t.c.get(ctx, path.String())
	if errors.Is(err, drivers.ErrNotFound) {
		return dst, nil
	}
	if err != nil {
		return dst, t.c.wrap(err, "read columns of %s", t.schema.Table)
	}
	defer t.c.done(r)
	err = eachCell(r.body.Bytes(), func(_, q, v []byte) error {
		col := t.column(q)
		for i, c := range cols {
			if c == col {
				dst[i].Bytes, dst[i].Valid = wide.CopyInto(dst[i].Bytes, v), true
			}
		}
		return nil
	})
	return dst, t.c.wrap(err, "read columns of %s", t.schema.Table)
}

// SetColumns is one Put of the cells, which creates the row if needed.
func (t *wideTable) SetColumns(ctx context.Context, id int64, cols []int, values [][]byte) error {
	if err := t.checkCols(cols, values); err != nil {
		return err
	}
	if len(cols) == 0 {
		return nil
	}
	key := rowKey(id)
	err := t.c.put(ctx, t.path, string(key), "", appendRow(nil, key, t.cells(cols, values)))
	return t.c.wrap(err, "set columns of %s", t.schema.Table)
}

// DeleteColumn is one Delete of the column's cells (all versions); a row
// whose last cell goes no longer exists. Deleting what is not there is a
// no-op, as in HBase.
func (t *wideTable) DeleteColumn(ctx context.Context, id int64, col int) error {
	if err := t.checkCol(col); err != nil {
		return err
	}
	err := t.c.del(ctx, t.path+"/"+strconv.FormatInt(id, 10)+"/"+t.prefix+string(t.quals[col]))
	return t.c.wrap(err, "delete a column of %s", t.schema.Table)
}
