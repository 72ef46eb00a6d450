package pebble

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Key spaces: the first byte of every key says which pattern's data it is,
// then comes the table (or measurement) name and a 0x00 terminator, then the
// pattern's own key. Table names must not contain 0x00, so no table's
// prefix is a prefix of another's and each table is one contiguous key
// range [prefix, prefixEnd(prefix)).
const (
	spacePoint     byte = 'p' // p table 0x00 ycsbkey                 → fields
	spaceWideCell  byte = 'w' // w table 0x00 id(8) col(4)           → value
	spaceWideCount byte = 'c' // c table 0x00 col(4)                 → int64 count
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

// encodeCount encodes a column count: 8 bytes, big-endian two's
// complement.
func encodeCount(n int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n)) }

// decodeCount decodes a column count.
func decodeCount(v []byte) (int64, error) {
	if len(v) != 8 {
		return 0, fmt.Errorf("pebble: counter value of %d bytes, want 8", len(v))
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}
