package hbase

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/point"
)

var (
	_ point.Provider = (*Conn)(nil)
	_ point.Store    = (*pointTable)(nil)
	_ point.Scanner  = (*pointTable)(nil)
)

// The point table's layout: one column family, a cell per field whose
// qualifier is the field's number ("0" … "9"), and the existence marker.
var (
	familyF     = []byte("f")
	markerQual  = []byte("_")
	markerValue = []byte("1")
)

// scanChunkLimit bounds the bytes of the gateway's scan chunks: it frames
// each chunk (hbase.rest.scan.fetchsize rows, 10 by default) with a 2-byte
// length, so a chunk must stay under 64 KiB.
const scanChunkLimit = 60 << 10

// scanFetchSize is the gateway's default hbase.rest.scan.fetchsize.
const scanFetchSize = 10

// pointTable is a YCSB table: row key = record key, one cell per field in
// family f, plus the marker cell f:_ = "1" that conditional writes check.
type pointTable struct {
	c      *Conn
	schema point.Schema
	path   string   // "/ns:table"
	quals  [][]byte // field i's qualifier
	colAll string   // "/f": every cell of the family
}

// PointStore returns a handle on the table s describes.
func (c *Conn) PointStore(s point.Schema) (point.Store, error) {
	if err := checkTableName("point table", s.Table); err != nil {
		return nil, err
	}
	if s.FieldCount < 1 {
		return nil, fmt.Errorf("hbase: point table %s needs at least one field", s.Table)
	}
	t := &pointTable{c: c, schema: s, path: c.table(s.Table), colAll: "/f"}
	for i := range s.FieldCount {
		t.quals = append(t.quals, []byte(strconv.Itoa(i)))
	}
	return t, nil
}

// Setup drops and creates the table: family f keeping one version, with a
// row Bloom filter (HBase's default: a Get skips store files without the
// row) and no block encoding (values of 100 bytes dominate the cells, so
// prefix encodings of the keys would save little and cost CPU on reads).
func (t *pointTable) Setup(ctx context.Context) error {
	err := t.c.recreate(ctx, t.schema.Table, family{name: "f", attrs: map[string]string{
		"VERSIONS": "1", "BLOOMFILTER": "ROW", "DATA_BLOCK_ENCODING": "NONE", "COMPRESSION": "NONE",
	}})
	return t.c.wrap(err, "setup %s", t.schema.Table)
}

// rowPath is the escaped path of a row.
func (t *pointTable) rowPath(key []byte) string {
	return t.path + "/" + rowSegment(string(key))
}

// recordCells appends the cells of a whole record: its fields and the
// marker.
func (t *pointTable) recordCells(cells []cell, values [][]byte) []cell {
	for i, v := range values {
		cells = append(cells, cell{family: familyF, qualifier: t.quals[i], value: v})
	}
	return append(cells, cell{family: familyF, qualifier: markerQual, value: markerValue})
}

func (t *pointTable) checkValues(values [][]byte) error {
	if len(values) != t.schema.FieldCount {
		return fmt.Errorf("hbase: %d values for %d fields", len(values), t.schema.FieldCount)
	}
	return nil
}

func (t *pointTable) checkFields(fields []int) error {
	for _, f := range fields {
		if f < 0 || f >= t.schema.FieldCount {
			return fmt.Errorf("hbase: no field %d in table %s", f, t.schema.Table)
		}
	}
	return nil
}

// Load writes a batch in one request, which the gateway applies as one
// batched Table.put.
func (t *pointTable) Load(ctx context.Context, recs []point.Record) error {
	var body []byte
	var cells []cell
	for _, r := range recs {
		if err := t.checkValues(r.Values); err != nil {
			return err
		}
		cells = t.recordCells(cells[:0], r.Values)
		body = appendRow(body, r.Key, cells)
	}
	if len(recs) == 0 {
		return nil
	}
	return t.c.wrap(t.c.put(ctx, t.path, "load", "", body), "load %d records into %s", len(recs), t.schema.Table)
}

// Insert is a Put of the record: keys are new by the pattern's contract, so
// it is not made conditional (as YCSB's HBase binding does).
func (t *pointTable) Insert(ctx context.Context, key []byte, values [][]byte) error {
	if err := t.checkValues(values); err != nil {
		return err
	}
	body := appendRow(nil, key, t.recordCells(make([]cell, 0, len(values)+1), values))
	return t.c.wrap(t.c.put(ctx, t.path, string(key), "", body), "insert into %s", t.schema.Table)
}

// Read is one Get: of the family (all fields), of the named fields' cells,
// or of the marker (no fields: does the record exist).
func (t *pointTable) Read(ctx context.Context, key []byte, fields []int, dst [][]byte) ([][]byte, error) {
	if err := t.checkFields(fields); err != nil {
		return dst[:0], err
	}
	var path strings.Builder
	path.WriteString(t.rowPath(key))
	switch {
	case fields == nil:
		path.WriteString(t.colAll)
	case len(fields) == 0:
		path.WriteString("/f:_")
	default:
		for i, f := range fields {
			if i == 0 {
				path.WriteString("/")
			} else {
				path.WriteString(",")
			}
			path.WriteString("f:")
			path.Write(t.quals[f])
		}
	}
	r, err := t.c.get(ctx, path.String())
	if err != nil {
		if errors.Is(err, drivers.ErrNotFound) {
			return dst[:0], err
		}
		return dst[:0], t.c.wrap(err, "read from %s", t.schema.Table)
	}
	defer t.c.done(r)
	n := len(fields)
	if fields == nil {
		n = t.schema.FieldCount
	}
	dst = point.Grow(dst, n)
	for i := range dst {
		dst[i] = dst[i][:0]
	}
	err = eachCell(r.body.Bytes(), func(_, q, v []byte) error {
		t.place(dst, fields, q, v)
		return nil
	})
	return dst, t.c.wrap(err, "read from %s", t.schema.Table)
}

// place copies the value of qualifier q into the slots of dst that ask for
// it (field number q of fields, or of all fields when fields is nil); the
// marker and unknown qualifiers go nowhere.
func (t *pointTable) place(dst [][]byte, fields []int, q, v []byte) {
	f, err := strconv.Atoi(string(q))
	if err != nil || f < 0 || f >= t.schema.FieldCount {
		return
	}
	if fields == nil {
		dst[f] = point.CopyInto(dst[f], v)
		return
	}
	for i, want := range fields {
		if want == f {
			dst[i] = point.CopyInto(dst[i], v)
		}
	}
}

// Update is a check-and-put: the fields' cells are written only if the
// marker is there (the record exists), atomically on the region server;
// a failed check is drivers.ErrNotFound. One round trip, no read first.
func (t *pointTable) Update(ctx context.Context, key []byte, fields []int, values [][]byte) error {
	if err := t.checkFields(fields); err != nil {
		return err
	}
	if len(fields) != len(values) {
		return fmt.Errorf("hbase: %d fields, %d values", len(fields), len(values))
	}
	cells := make([]cell, 0, len(fields)+2)
	for i, f := range fields {
		cells = append(cells, cell{family: familyF, qualifier: t.quals[f], value: values[i]})
	}
	// The gateway wants the checked column among the cells it puts, then
	// the check itself last.
	cells = append(cells, cell{family: familyF, qualifier: markerQual, value: markerValue},
		cell{family: familyF, qualifier: markerQual, value: markerValue})
	err := t.c.put(ctx, t.path, string(key), "put", appendRow(nil, key, cells))
	if errors.Is(err, errCheckFailed) {
		return drivers.ErrNotFound
	}
	return t.c.wrap(err, "update %s", t.schema.Table)
}

// Delete is a check-and-delete of the row's family if the marker is there;
// a failed check is drivers.ErrNotFound.
func (t *pointTable) Delete(ctx context.Context, key []byte) error {
	cells := []cell{{family: familyF}, {family: familyF, qualifier: markerQual, value: markerValue}}
	err := t.c.put(ctx, t.path, string(key), "delete", appendRow(nil, key, cells))
	if errors.Is(err, errCheckFailed) {
		return drivers.ErrNotFound
	}
	return t.c.wrap(err, "delete from %s", t.schema.Table)
}

// Scan is one stateless scan of the gateway (GET /ns:table/*?startrow=…
// &limit=…), its rows streamed back in protobuf chunks. The gateway takes
// the start row as UTF-8 text, as YCSB's keys are.
func (t *pointTable) Scan(ctx context.Context, start []byte, count int, fields []int, dst []point.Record) ([]point.Record, error) {
	dst = dst[:0]
	if err := t.checkFields(fields); err != nil {
		return dst, err
	}
	if count <= 0 {
		return dst, nil
	}
	if !utf8.Valid(start) {
		return dst, fmt.Errorf("hbase: scan start %q is not UTF-8, which the REST gateway's table scan needs", start)
	}
	if scanFetchSize*(t.schema.FieldCount*(t.schema.FieldLength+16)+64) > scanChunkLimit {
		return dst, fmt.Errorf("hbase: records of %d fields of %d bytes are too large for the REST gateway's scan stream (2-byte chunk lengths)", t.schema.FieldCount, t.schema.FieldLength)
	}
	q := url.Values{"startrow": {string(start)}, "limit": {strconv.Itoa(count)}}
	switch {
	case fields == nil:
	case len(fields) == 0:
		q["column"] = []string{"f:_"}
	default:
		for _, f := range fields {
			q["column"] = append(q["column"], "f:"+string(t.quals[f]))
		}
	}
	r, err := t.c.get(ctx, t.path+"/*?"+q.Encode())
	if errors.Is(err, drivers.ErrNotFound) {
		return dst, nil
	}
	if err != nil {
		return dst, t.c.wrap(err, "scan %s", t.schema.Table)
	}
	defer t.c.done(r)
	n := len(fields)
	if fields == nil {
		n = t.schema.FieldCount
	}
	var rec *point.Record
	err = eachStreamedCell(r.body.Bytes(), func(row, q, v []byte) error {
		if rec == nil || !bytes.Equal(rec.Key, row) {
			dst = point.Grow(dst, len(dst)+1)
			rec = &dst[len(dst)-1]
			rec.Key = point.CopyInto(rec.Key, row)
			rec.Values = point.Grow(rec.Values, n)
			for i := range rec.Values {
				rec.Values[i] = rec.Values[i][:0]
			}
		}
		t.place(rec.Values, fields, q, v)
		return nil
	})
	if err != nil {
		return dst[:0], t.c.wrap(err, "scan %s", t.schema.Table)
	}
	if len(dst) > count {
		dst = dst[:count]
	}
	return dst, nil
}
