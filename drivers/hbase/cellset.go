package hbase

import (
	"encoding/binary"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// The REST gateway's protobuf messages (hbase-rest's CellMessage.proto and
// CellSetMessage.proto), written and read field by field with protowire:
//
//	message Cell    { optional bytes row = 1; optional bytes column = 2;
//	                  optional int64 timestamp = 3; optional bytes data = 4; }
//	message CellSet { message Row { required bytes key = 1; repeated Cell values = 2; }
//	                  repeated Row rows = 1; }
//
// A cell's column is family:qualifier; a column without the colon names the
// whole family (in a delete). Cells written here carry no timestamp: the
// region server stamps them, as a Put without one does.
const (
	fieldRows      protowire.Number = 1 // CellSet.rows
	fieldRowKey    protowire.Number = 1 // Row.key
	fieldRowValues protowire.Number = 2 // Row.values
	fieldColumn    protowire.Number = 2 // Cell.column
	fieldData      protowire.Number = 4 // Cell.data
)

// cell is one cell to write: family, qualifier (none: the whole family)
// and value.
type cell struct {
	family, qualifier, value []byte
}

// columnSize is the length of the column family[:qualifier].
func (c *cell) columnSize() int {
	if c.qualifier == nil {
		return len(c.family)
	}
	return len(c.family) + 1 + len(c.qualifier)
}

// size is the length of the encoded Cell message.
func (c *cell) size() int {
	n := protowire.SizeTag(fieldColumn) + protowire.SizeBytes(c.columnSize())
	if c.value != nil {
		n += protowire.SizeTag(fieldData) + protowire.SizeBytes(len(c.value))
	}
	return n
}

// rowSize is the length of an encoded Row message of key and cells.
func rowSize(key []byte, cells []cell) int {
	n := protowire.SizeTag(fieldRowKey) + protowire.SizeBytes(len(key))
	for i := range cells {
		n += protowire.SizeTag(fieldRowValues) + protowire.SizeBytes(cells[i].size())
	}
	return n
}

// appendRow appends one CellSet.rows entry (a Row with key and cells) to b.
func appendRow(b, key []byte, cells []cell) []byte {
	b = protowire.AppendTag(b, fieldRows, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(rowSize(key, cells)))
	b = protowire.AppendTag(b, fieldRowKey, protowire.BytesType)
	b = protowire.AppendBytes(b, key)
	for i := range cells {
		c := &cells[i]
		b = protowire.AppendTag(b, fieldRowValues, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(c.size()))
		b = protowire.AppendTag(b, fieldColumn, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(c.columnSize()))
		b = append(b, c.family...)
		if c.qualifier != nil {
			b = append(b, ':')
			b = append(b, c.qualifier...)
		}
		if c.value != nil {
			b = protowire.AppendTag(b, fieldData, protowire.BytesType)
			b = protowire.AppendBytes(b, c.value)
		}
	}
	return b
}

// errMalformed is a CellSet the driver cannot read.
var errMalformed = errors.New("malformed protobuf CellSet from the gateway")

// eachCell calls fn for every cell of an encoded CellSet, in order, with
// the row key, the qualifier (the column after its family's colon) and the
// value. The slices alias msg.
func eachCell(msg []byte, fn func(row, qualifier, value []byte) error) error {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return errMalformed
		}
		msg = msg[n:]
		if num != fieldRows || typ != protowire.BytesType {
			if n = protowire.ConsumeFieldValue(num, typ, msg); n < 0 {
				return errMalformed
			}
			msg = msg[n:]
			continue
		}
		row, n := protowire.ConsumeBytes(msg)
		if n < 0 {
			return errMalformed
		}
		msg = msg[n:]
		if err := eachRowCell(row, fn); err != nil {
			return err
		}
	}
	return nil
}

// eachRowCell reads one Row message. The key comes first in what the
// gateway writes, but is looked for anywhere.
func eachRowCell(row []byte, fn func(row, qualifier, value []byte) error) error {
	var key []byte
	var cells [][]byte
	for len(row) > 0 {
		num, typ, n := protowire.ConsumeTag(row)
		if n < 0 {
			return errMalformed
		}
		row = row[n:]
		switch {
		case num == fieldRowKey && typ == protowire.BytesType:
			key, n = protowire.ConsumeBytes(row)
		case num == fieldRowValues && typ == protowire.BytesType:
			var c []byte
			c, n = protowire.ConsumeBytes(row)
			if key != nil && n >= 0 {
				if err := emitCell(key, c, fn); err != nil {
					return err
				}
				break
			}
			cells = append(cells, c)
		default:
			n = protowire.ConsumeFieldValue(num, typ, row)
		}
		if n < 0 {
			return errMalformed
		}
		row = row[n:]
	}
	if key == nil {
		return fmt.Errorf("%w: a row without a key", errMalformed)
	}
	for _, c := range cells {
		if err := emitCell(key, c, fn); err != nil {
			return err
		}
	}
	return nil
}

// emitCell reads one Cell message and calls fn with its qualifier.
func emitCell(key, c []byte, fn func(row, qualifier, value []byte) error) error {
	var column, value []byte
	for len(c) > 0 {
		num, typ, n := protowire.ConsumeTag(c)
		if n < 0 {
			return errMalformed
		}
		c = c[n:]
		switch {
		case num == fieldColumn && typ == protowire.BytesType:
			column, n = protowire.ConsumeBytes(c)
		case num == fieldData && typ == protowire.BytesType:
			value, n = protowire.ConsumeBytes(c)
		default:
			n = protowire.ConsumeFieldValue(num, typ, c)
		}
		if n < 0 {
			return errMalformed
		}
		c = c[n:]
	}
	for i, b := range column {
		if b == ':' {
			return fn(key, column[i+1:], value)
		}
	}
	return fmt.Errorf("%w: column %q has no qualifier", errMalformed, column)
}

// eachStreamedCell reads the table scan's protobuf stream: CellSet
// messages, each after its length as 2 bytes, big-endian (the gateway's
// ProtobufStreamingOutput writes a Java short per chunk of rows).
func eachStreamedCell(stream []byte, fn func(row, qualifier, value []byte) error) error {
	for len(stream) > 0 {
		if len(stream) < 2 {
			return fmt.Errorf("%w: a truncated chunk length", errMalformed)
		}
		n := int(binary.BigEndian.Uint16(stream))
		stream = stream[2:]
		if n > len(stream) {
			return fmt.Errorf("%w: a chunk of %d bytes with %d left", errMalformed, n, len(stream))
		}
		if err := eachCell(stream[:n], fn); err != nil {
			return err
		}
		stream = stream[n:]
	}
	return nil
}
