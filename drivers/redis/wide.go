package redis

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/redis/rueidis"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/wide"
)

var (
	_ wide.Provider = (*Conn)(nil)
	_ wide.Store    = (*wideStore)(nil)
	_ wide.Counter  = countingWideStore{}
)

// wideStore is a wide table: one hash per row, "wide:<table>:<id>", whose
// fields are the numbers of the columns it sets ("0" … "999": shorter than
// the column names, which matters at 20 fields × 10 M rows) and values
// their values. Redis deletes a hash with its last field, which is exactly
// the pattern's rule that a row without columns does not exist. With
// Config.WideCount, the hash "wide:<table>" keeps the number of rows
// setting each column, changed only by Lua scripts that know whether a
// field was added or removed, so the counts are exact under concurrency.
type wideStore struct {
	c      *Conn
	schema wide.Schema
	prefix string   // "wide:<table>:", before every row id
	counts string   // "wide:<table>", the column counts; "" without WideCount
	cols   []string // field names, by column number
}

// countingWideStore is a wideStore that keeps column counts.
type countingWideStore struct{ *wideStore }

// WideStore returns a handle on the table s names: a wide.Counter when the
// Conn keeps column counts (Config.WideCount).
func (c *Conn) WideStore(s wide.Schema) (wide.Store, error) {
	if s.Columns < 1 {
		return nil, fmt.Errorf("redis: table %s needs at least one column", s.Table)
	}
	if err := checkName("table", s.Table, false); err != nil {
		return nil, err
	}
	ws := &wideStore{c: c, schema: s, prefix: "wide:" + s.Table + ":", cols: make([]string, s.Columns)}
	for i := range ws.cols {
		ws.cols[i] = strconv.Itoa(i)
	}
	if !c.cfg.WideCount {
		return ws, nil
	}
	ws.counts = "wide:" + s.Table
	return countingWideStore{ws}, nil
}

func (s *wideStore) key(id int64) string { return s.prefix + strconv.FormatInt(id, 10) }

func (s *wideStore) checkCol(c int) error {
	if c < 0 || c >= s.schema.Columns {
		return fmt.Errorf("redis: no column %d in table %s (%d columns)", c, s.schema.Table, s.schema.Columns)
	}
	return nil
}

// checkCols checks that cols are distinct columns of the table.
func (s *wideStore) checkCols(cols []int) error {
	for i, c := range cols {
		if err := s.checkCol(c); err != nil {
			return err
		}
		if slices.Contains(cols[:i], c) {
			return fmt.Errorf("redis: column %d given twice", c)
		}
	}
	return nil
}

// Setup removes every row of the table and its counts.
func (s *wideStore) Setup(ctx context.Context) error {
	return s.c.deleteKeys(ctx, s.prefix+"*", "wide:"+s.schema.Table)
}

// LoadRows writes a batch in one pipelined MULTI … EXEC: an HSET per row
// and, with counts, one HINCRBY per column the batch sets.
func (s *wideStore) LoadRows(ctx context.Context, rows []wide.Row) error {
	if len(rows) == 0 {
		return nil
	}
	b := s.c.client.B
	cmds := make(rueidis.Commands, 0, len(rows)+3)
	cmds = append(cmds, b().Multi().Build())
	var counts map[int]int64
	if s.counts != "" {
		counts = map[int]int64{}
	}
	for _, r := range rows {
		if len(r.Cols) == 0 {
			return fmt.Errorf("redis: row %d sets no column", r.ID)
		}
		if len(r.Cols) != len(r.Values) {
			return fmt.Errorf("redis: row %d: %d columns, %d values", r.ID, len(r.Cols), len(r.Values))
		}
		if err := s.checkCols(r.Cols); err != nil {
			return fmt.Errorf("row %d: %w", r.ID, err)
		}
		h := b().Hset().Key(s.key(r.ID)).FieldValue()
		for i, c := range r.Cols {
			h = h.FieldValue(s.cols[c], string(r.Values[i]))
			if counts != nil {
				counts[c]++
			}
		}
		cmds = append(cmds, h.Build())
	}
	for _, c := range slices.Sorted(maps.Keys(counts)) {
		cmds = append(cmds, b().Hincrby().Key(s.counts).Field(s.cols[c]).Increment(counts[c]).Build())
	}
	cmds = append(cmds, b().Exec().Build())
	for _, res := range s.c.client.DoMulti(ctx, cmds...) {
		if err := res.Error(); err != nil {
			return s.c.wrap("load "+s.schema.Table, err)
		}
	}
	return nil
}

// ReadRow is one HGETALL, sorted by column.
func (s *wideStore) ReadRow(ctx context.Context, id int64, dst wide.Row) (wide.Row, error) {
	dst.ID = id
	dst.Cols, dst.Values = dst.Cols[:0], dst.Values[:0]
	m, err := s.c.client.Do(ctx, s.c.client.B().Hgetall().Key(s.key(id)).Build()).ToMessage()
	if err != nil {
		return dst, s.c.wrap("hgetall", err)
	}
	// RESP3 answers a map, RESP2 a flat array of field, value.
	var flat []rueidis.RedisMessage
	if m.IsMap() {
		kv, err := m.AsMap()
		if err != nil {
			return dst, s.c.wrap("hgetall", err)
		}
		if len(kv) == 0 {
			return dst, drivers.ErrNotFound
		}
		dst.Cols = wide.Grow(dst.Cols, len(kv))
		dst.Values = wide.Grow(dst.Values, len(kv))
		i := 0
		for f, v := range kv {
			if err := s.setCell(&dst, i, f, &v); err != nil {
				return dst, err
			}
			i++
		}
	} else {
		if flat, err = m.ToArray(); err != nil {
			return dst, s.c.wrap("hgetall", err)
		}
		if len(flat) == 0 {
			return dst, drivers.ErrNotFound
		}
		n := len(flat) / 2
		dst.Cols = wide.Grow(dst.Cols, n)
		dst.Values = wide.Grow(dst.Values, n)
		for i := range n {
			f, err := flat[2*i].ToString()
			if err != nil {
				return dst, s.c.wrap("hgetall", err)
			}
			if err := s.setCell(&dst, i, f, &flat[2*i+1]); err != nil {
				return dst, err
			}
		}
	}
	sortRow(&dst)
	return dst, nil
}

// setCell stores field f (a column number) with value v as cell i of r.
func (s *wideStore) setCell(r *wide.Row, i int, f string, v *rueidis.RedisMessage) error {
	c, err := strconv.Atoi(f)
	if err != nil {
		return fmt.Errorf("redis: row %d of %s has a field %q that is no column", r.ID, s.schema.Table, f)
	}
	val, err := v.ToString()
	if err != nil {
		return s.c.wrap("hgetall", err)
	}
	r.Cols[i] = c
	r.Values[i] = append(r.Values[i][:0], val...)
	return nil
}

// sortRow sorts r's cells by column (insertion sort: rows have ~20).
func sortRow(r *wide.Row) {
	for i := 1; i < len(r.Cols); i++ {
		for j := i; j > 0 && r.Cols[j] < r.Cols[j-1]; j-- {
			r.Cols[j], r.Cols[j-1] = r.Cols[j-1], r.Cols[j]
			r.Values[j], r.Values[j-1] = r.Values[j-1], r.Values[j]
		}
	}
}

// ReadColumns is one HMGET.
func (s *wideStore) ReadColumns(ctx context.Context, id int64, cols []int, dst []wide.Value) ([]wide.Value, error) {
	for _, c := range cols {
		if err := s.checkCol(c); err != nil {
			return dst[:0], err
		}
	}
	dst = wide.Grow(dst, len(cols))
	if len(cols) == 0 {
		return dst, nil
	}
	h := s.c.client.B().Hmget().Key(s.key(id)).Field(s.cols[cols[0]])
	for _, c := range cols[1:] {
		h = h.Field(s.cols[c])
	}
	vals, err := s.c.client.Do(ctx, h.Build()).ToArray()
	if err != nil {
		return dst[:0], s.c.wrap("hmget", err)
	}
	if len(vals) != len(cols) {
		return dst[:0], fmt.Errorf("redis: hmget: %d values for %d columns", len(vals), len(cols))
	}
	for i := range vals {
		if vals[i].IsNil() {
			dst[i] = wide.Value{Bytes: dst[i].Bytes[:0]}
			continue
		}
		v, err := vals[i].ToString()
		if err != nil {
			return dst[:0], s.c.wrap("hmget", err)
		}
		dst[i] = wide.Value{Bytes: append(dst[i].Bytes[:0], v...), Valid: true}
	}
	return dst, nil
}

// setScript sets columns of a row (KEYS[1]) and counts each column it adds
// in the counts hash (KEYS[2]). ARGV: column, value pairs.
var setScript = rueidis.NewLuaScript(`
for i = 1, #ARGV, 2 do
  if redis.call('HSET', KEYS[1], ARGV[i], ARGV[i+1]) == 1 then
    redis.call('HINCRBY', KEYS[2], ARGV[i], 1)
  end
end
return 0`)

// SetColumns is HSET, or setScript with counts.
func (s *wideStore) SetColumns(ctx context.Context, id int64, cols []int, values [][]byte) error {
	if len(cols) != len(values) {
		return fmt.Errorf("redis: %d columns, %d values", len(cols), len(values))
	}
	if err := s.checkCols(cols); err != nil {
		return err
	}
	if len(cols) == 0 {
		return nil // a row never exists without columns
	}
	var err error
	if s.counts == "" {
		h := s.c.client.B().Hset().Key(s.key(id)).FieldValue()
		for i, c := range cols {
			h = h.FieldValue(s.cols[c], string(values[i]))
		}
		err = s.c.client.Do(ctx, h.Build()).Error()
	} else {
		args := make([]string, 0, 2*len(cols))
		for i, c := range cols {
			args = append(args, s.cols[c], string(values[i]))
		}
		err = setScript.Exec(ctx, s.c.client, []string{s.key(id), s.counts}, args).Error()
	}
	return s.c.wrap("set columns", err)
}

// unsetScript deletes a column of a row (KEYS[1]) and, if it was set,
// uncounts it in the counts hash (KEYS[2]). ARGV[1]: the column.
var unsetScript = rueidis.NewLuaScript(`
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[2], ARGV[1], -1)
end
return 0`)

// DeleteColumn is HDEL, or unsetScript with counts.
func (s *wideStore) DeleteColumn(ctx context.Context, id int64, col int) error {
	if err := s.checkCol(col); err != nil {
		return err
	}
	var err error
	if s.counts == "" {
		err = s.c.client.Do(ctx, s.c.client.B().Hdel().Key(s.key(id)).Field(s.cols[col]).Build()).Error()
	} else {
		err = unsetScript.Exec(ctx, s.c.client, []string{s.key(id), s.counts}, []string{s.cols[col]}).Error()
	}
	return s.c.wrap("delete column", err)
}

// CountRowsWith is one HGET of the column's count.
func (s countingWideStore) CountRowsWith(ctx context.Context, col int) (int64, error) {
	if err := s.checkCol(col); err != nil {
		return 0, err
	}
	res := s.c.client.Do(ctx, s.c.client.B().Hget().Key(s.counts).Field(s.cols[col]).Build())
	n, err := res.AsInt64()
	if rueidis.IsRedisNil(err) {
		return 0, nil
	}
	if err != nil {
		return 0, s.c.wrap("count", err)
	}
	return n, nil
}
