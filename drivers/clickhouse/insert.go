package clickhouse

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Kinds of inserted columns.
const (
	kindInt64    = iota // Int64 from ints
	kindInt32           // Int32 from ints
	kindDateTime        // DateTime from ints (Unix seconds)
	kindFloat64         // Float64 from floats
	kindString          // String from strs
)

// column is one column of a batch to insert: its name, kind and values.
type column struct {
	name   string
	kind   int
	ints   []int64
	floats []float64
	strs   []string
}

// insert writes n rows, given column by column, into table (quoted), by
// the connection's insert path.
func (c *Conn) insert(ctx context.Context, table string, n int, cols []column) error {
	if n == 0 {
		return nil
	}
	if c.insertMode == InsertBatch {
		return c.insertBatch(ctx, table, n, cols)
	}
	q, args := arrayJoinInsert(table, n, cols)
	return c.db.Exec(ctx, q, args...)
}

// insertBatch sends the rows through clickhouse-go's batch API: one native
// block, one INSERT.
func (c *Conn) insertBatch(ctx context.Context, table string, n int, cols []column) error {
	names := make([]string, len(cols))
	for i, col := range cols {
		names[i] = ident(col.name)
	}
	b, err := c.db.PrepareBatch(ctx, "INSERT INTO "+table+" ("+strings.Join(names, ", ")+")")
	if err != nil {
		return err
	}
	row := make([]any, len(cols))
	for i := range n {
		for j, col := range cols {
			switch col.kind {
			case kindInt64:
				row[j] = col.ints[i]
			case kindInt32:
				row[j] = int32(col.ints[i])
			case kindDateTime:
				row[j] = time.Unix(col.ints[i], 0).UTC()
			case kindFloat64:
				row[j] = col.floats[i]
			case kindString:
				row[j] = col.strs[i]
			}
		}
		if err := b.Append(row...); err != nil {
			_ = b.Abort()
			return err
		}
	}
	return b.Send()
}

// arrayJoinInsert returns an INSERT … SELECT that inserts the rows from
// bound arrays, one per column, zipped by ARRAY JOIN:
//
//	INSERT INTO t (a, b, x) SELECT v0, toInt32(v1), v2 FROM (SELECT ? AS a0, ? AS a1,
//	  arrayMap(i -> reinterpretAsFloat64(substring(b, 0 + i * 8 + 1, 8)), range(n)) AS a2
//	  FROM (SELECT unhex(?) AS b)) ARRAY JOIN a0 AS v0, a1 AS v1, a2 AS v2
//
// Integer and string arrays are bound as arrays (clickhouse-go writes them
// as array literals, strings quoted). Floats are bound as one hex string of
// their IEEE 754 bits, little-endian, column after column, and taken apart
// by reinterpretAsFloat64: exact, and 30 times faster than a literal per
// float (clickhouse-go writes each as cast(x, 'Float64'), which the server
// parses as a function call: 3.5 s for 10 000 rows of one float, against
// 0.11 s for ten floats this way).
func arrayJoinInsert(table string, n int, cols []column) (string, []any) {
	var blob []byte
	var names, outer, inner, join []string
	var args []any
	for j, col := range cols {
		a, v := "a"+strconv.Itoa(j), "v"+strconv.Itoa(j)
		names = append(names, ident(col.name))
		join = append(join, a+" AS "+v)
		switch col.kind {
		case kindFloat64:
			off := len(blob)
			for _, f := range col.floats[:n] {
				blob = binary.LittleEndian.AppendUint64(blob, math.Float64bits(f))
			}
			inner = append(inner, fmt.Sprintf("arrayMap(i -> reinterpretAsFloat64(substring(b, %d + i * 8 + 1, 8)), range(%d)) AS %s", off, n, a))
		case kindString:
			inner = append(inner, "? AS "+a)
			args = append(args, col.strs[:n])
		default:
			inner = append(inner, "? AS "+a)
			args = append(args, col.ints[:n])
		}
		switch col.kind {
		case kindInt64:
			outer = append(outer, "toInt64("+v+")")
		case kindInt32:
			outer = append(outer, "toInt32("+v+")")
		case kindDateTime:
			outer = append(outer, "toDateTime(toUInt32("+v+"))")
		default:
			outer = append(outer, v)
		}
	}
	args = append(args, hex.EncodeToString(blob))
	q := "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(outer, ", ") +
		" FROM (SELECT " + strings.Join(inner, ", ") + " FROM (SELECT unhex(?) AS b)) ARRAY JOIN " + strings.Join(join, ", ")
	return q, args
}
