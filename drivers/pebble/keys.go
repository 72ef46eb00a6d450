package pebble

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	pdb "github.com/cockroachdb/pebble/v2"
)

// Key spaces: the first byte of every key says which pattern's data it is,
// then comes the table (or measurement) name and a 0x00 terminator, then the
// pattern's own key. Table names must not contain 0x00, so no table's
// prefix is a prefix of another's and each table is one contiguous key
// range [prefix, prefixEnd(prefix)).
const (
	spacePoint     byte = 'p' // p table 0x00 ycsbkey                 → fields
	spaceWideCell  byte = 'w' // w table 0x00 id(8) col(4)           → value
	spaceWideCount byte = 'c' // c table 0x00 col(4)                 → int64 (merge)
	spaceSeries    byte = 's' // s table 0x00 hostname 0x00 time(8)  → 10 float64
	spaceHost      byte = 'h' // h table 0x00 hostname               → tags
)

// tablePrefix returns the key prefix of table in key space space.
func tablePrefix(space byte, table string) ([]byte, error) {
	if table == "" {
		return nil, errors.New("pebble: empty table name")
	}
	if strings.IndexByte(table, 0) >= 0 {
		return nil, fmt.Errorf("pebble: table name %q contains a NUL byte", table)
	}
	p := make([]byte, 0, len(table)+2)
	p = append(p, space)
	p = append(p, table...)
	return append(p, 0), nil
}

// prefixEnd returns the smallest key greater than every key with prefix p
// (p ends in 0x00 in every use here, so this is p with its last byte 0x01).
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil // all 0xff: no upper bound
}

// concat returns a new slice holding a followed by b.
func concat(a, b []byte) []byte {
	k := make([]byte, len(a), len(a)+len(b)+12)
	copy(k, a)
	return append(k, b...)
}

// appendInt64 appends n big-endian with its sign bit flipped, so that
// byte order is numeric order for negative numbers too.
func appendInt64(dst []byte, n int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(n)^(1<<63))
}

// decodeInt64 reverses appendInt64.
func decodeInt64(b []byte) int64 { return int64(binary.BigEndian.Uint64(b) ^ (1 << 63)) }

// appendFields appends the point encoding of values: for each field, its
// length as a uvarint and its bytes. A 100-byte field costs 101 bytes.
func appendFields(dst []byte, values [][]byte) []byte {
	for _, v := range values {
		dst = binary.AppendUvarint(dst, uint64(len(v)))
		dst = append(dst, v...)
	}
	return dst
}

// decodeFields splits an appendFields encoding of n fields into out (which
// it grows to n), each element aliasing b.
func decodeFields(b []byte, n int, out [][]byte) ([][]byte, error) {
	if cap(out) < n {
		out = make([][]byte, n)
	}
	out = out[:n]
	for i := range n {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			return out, fmt.Errorf("pebble: corrupt record: field %d of %d", i, n)
		}
		out[i] = b[k : k+int(l)]
		b = b[k+int(l):]
	}
	if len(b) != 0 {
		return out, fmt.Errorf("pebble: corrupt record: %d bytes after %d fields", len(b), n)
	}
	return out, nil
}

// counterMerger is the merge operator of the wide column counts: every
// operand is a signed 64-bit delta (8 bytes, big-endian two's complement)
// and the merged value is their sum, in the same encoding. Additions
// commute, so concurrent writers never read a count to change it.
var counterMerger = &pdb.Merger{
	Name: "storefit.int64add",
	Merge: func(key, value []byte) (pdb.ValueMerger, error) {
		m := &int64Adder{}
		return m, m.add(value)
	},
}

// int64Adder sums counter operands.
type int64Adder struct{ sum int64 }

func (m *int64Adder) add(v []byte) error {
	if len(v) != 8 {
		return fmt.Errorf("pebble: counter operand of %d bytes, want 8", len(v))
	}
	m.sum += int64(binary.BigEndian.Uint64(v))
	return nil
}

// MergeNewer adds a newer operand.
func (m *int64Adder) MergeNewer(v []byte) error { return m.add(v) }

// MergeOlder adds an older operand.
func (m *int64Adder) MergeOlder(v []byte) error { return m.add(v) }

// Finish returns the sum.
func (m *int64Adder) Finish(includesBase bool) ([]byte, io.Closer, error) {
	return binary.BigEndian.AppendUint64(nil, uint64(m.sum)), nil, nil
}

// encodeDelta encodes a counter operand.
func encodeDelta(d int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(d)) }

// decodeCount decodes a merged counter value.
func decodeCount(v []byte) (int64, error) {
	if len(v) != 8 {
		return 0, fmt.Errorf("pebble: counter value of %d bytes, want 8", len(v))
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}
