package point

import (
	"context"
	"strconv"

	"github.com/storefit/storefit/drivers"
)

// Schema describes the YCSB table a point workload uses.
type Schema struct {
	// Table is the table name, "usertable" by default.
	Table string
	// FieldCount is the number of value fields, field0 … field<FieldCount-1>.
	FieldCount int
	// FieldLength is the length of each value in bytes (a hint for column
	// types; values are never longer).
	FieldLength int
}

// FieldName returns the name of field i: "field0", "field1", ….
func FieldName(i int) string { return "field" + strconv.Itoa(i) }

// Record is one row: a key and FieldCount values in field order.
type Record struct {
	Key    []byte
	Values [][]byte
}

// Provider is implemented by connections that support the point pattern.
type Provider interface {
	// PointStore returns a handle on the table s describes. It does not
	// touch the store; Store.Setup creates the table.
	PointStore(s Schema) (Store, error)
}

// Store is the point (key-value, YCSB) pattern. Byte slices passed in are
// only valid for the duration of the call: a store that keeps them must copy
// them. Methods are safe for concurrent use.
type Store interface {
	// Setup creates the table empty, dropping any previous one.
	Setup(ctx context.Context) error
	// Load inserts a batch of new records (bulk load).
	Load(ctx context.Context, recs []Record) error
	// Insert inserts one new record with all its fields.
	Insert(ctx context.Context, key []byte, values [][]byte) error
	// Read returns the values of the given fields (all fields in order when
	// fields is nil), reusing dst's slices: it returns dst[:n] with each
	// element overwritten. A missing key gives drivers.ErrNotFound.
	Read(ctx context.Context, key []byte, fields []int, dst [][]byte) ([][]byte, error)
	// Update sets the given fields to values (values[i] for fields[i]). A
	// missing key gives drivers.ErrNotFound.
	Update(ctx context.Context, key []byte, fields []int, values [][]byte) error
	// Delete removes a record. A missing key gives drivers.ErrNotFound.
	Delete(ctx context.Context, key []byte) error
}

// BlindWriter is an optional interface of a Store whose Update and Delete
// do not check that the key exists, as YCSB's own Cassandra binding
// writes: one request instead of a read and a write. An update of a
// missing key then creates the record with the fields given, a delete of
// one does nothing, and neither returns drivers.ErrNotFound. The point
// workloads never update a key they do not know to exist (and delete
// none), so their answers are the same; the conformance suite writes no
// missing key to a store that BlindWrites.
type BlindWriter interface {
	BlindWrites() bool
}

// Scanner is an optional interface of a Store that keeps keys ordered:
// workload e needs it, and is n/a on stores without it.
type Scanner interface {
	// Scan returns up to count records whose keys are >= start, in
	// ascending byte order of key, with the given fields (all when nil).
	// It reuses dst's records and returns dst[:n].
	Scan(ctx context.Context, start []byte, count int, fields []int, dst []Record) ([]Record, error)
}

// Supports reports whether c supports the point pattern.
func Supports(c drivers.Conn) bool {
	_, ok := c.(Provider)
	return ok
}

// CopyInto overwrites dst with src, reusing dst's capacity, and returns it.
// Stores use it to fill Read and Scan results without allocating.
func CopyInto(dst, src []byte) []byte { return append(dst[:0], src...) }

// Grow returns dst resized to n elements, keeping its existing elements'
// capacity for reuse.
func Grow[T any](dst []T, n int) []T {
	if cap(dst) >= n {
		return dst[:n]
	}
	return append(dst[:cap(dst)], make([]T, n-cap(dst))...)
}
