package wide

import (
	"context"
	"fmt"

	"github.com/storefit/storefit/drivers"
)

// Schema describes the table a wide workload uses.
type Schema struct {
	// Table is the table name, "prefs" by default.
	Table string
	// Columns is the size of the column universe: columns are numbered 0 …
	// Columns-1 and column i is named ColumnName(i) ("pref_000" …).
	Columns int
	// ValueLength is the length of every value in bytes (a hint for column
	// types; values are never longer).
	ValueLength int
	// Uncounted is true when the workload never counts rows by column
	// (wide/rows): a store that keeps a structure only for counting (a
	// query table, an index) may leave it out, and need not then
	// implement Counter. Data loaded so cannot then be counted: load with
	// the mix that will run (a --phase run of wide/mix needs a load of
	// wide/mix).
	Uncounted bool
}

// ColumnName returns the name of column i: "pref_" and i in three digits
// ("pref_000" … "pref_999"). Names of the default universe are precomputed,
// so stores can call it on the hot path without allocating.
func ColumnName(i int) string {
	if i >= 0 && i < len(columnNames) {
		return columnNames[i]
	}
	return fmt.Sprintf("pref_%03d", i)
}

// columnNames holds the names of columns 0 … 999; it is never modified.
var columnNames = func() []string {
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("pref_%03d", i)
	}
	return names
}()

// ParseColumnName returns the column number of a name made by ColumnName.
func ParseColumnName(name string) (int, bool) {
	if len(name) != 8 || name[:5] != "pref_" {
		return 0, false
	}
	n := 0
	for _, ch := range name[5:] {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int(ch-'0')
	}
	return n, true
}

// Row is one row: its user id and the columns it sets, in ascending column
// order, with their values (Values[i] is the value of column Cols[i]).
type Row struct {
	ID     int64
	Cols   []int
	Values [][]byte
}

// Value is the answer for one named column, like database/sql's NullString:
// Valid is false when the row does not set the column (null), and Bytes is
// then empty.
type Value struct {
	Bytes []byte
	Valid bool
}

// Provider is implemented by connections that support the wide pattern.
type Provider interface {
	// WideStore returns a handle on the table s describes. It does not
	// touch the store; Store.Setup creates the table.
	WideStore(s Schema) (Store, error)
}

// Store is the wide (sparse columns) pattern: rows keyed by user id, each
// setting a few columns of a large universe.
//
// A row exists while it sets at least one column: a row whose last column
// is deleted no longer exists, and setting a column of a row that does not
// exist creates it. Column numbers are in 0 … Schema.Columns-1; a number
// outside is an error (not drivers.ErrNotFound).
//
// Slices passed in are only valid for the duration of the call: a store
// that keeps them must copy them. Methods are safe for concurrent use.
type Store interface {
	// Setup creates the table empty, dropping any previous one.
	Setup(ctx context.Context) error
	// LoadRows inserts a batch of new rows (bulk load). Every row sets at
	// least one column; ids are distinct and not yet in the table.
	LoadRows(ctx context.Context, rows []Row) error
	// ReadRow returns every column row id sets, in ascending column order,
	// with ID set. It reuses dst's slices (and their byte slices) and
	// returns dst with the answer. A row that sets no column does not
	// exist: the answer is drivers.ErrNotFound.
	ReadRow(ctx context.Context, id int64, dst Row) (Row, error)
	// ReadColumns returns the values of the named columns of row id,
	// aligned with cols: element i answers cols[i], not Valid when the row
	// does not set it. It reuses dst's elements and returns dst[:len(cols)].
	// A row that does not exist answers all not Valid, without an error.
	ReadColumns(ctx context.Context, id int64, cols []int, dst []Value) ([]Value, error)
	// SetColumns sets column cols[i] of row id to values[i], keeping its
	// other columns, and creates the row if it does not exist. cols are
	// distinct.
	SetColumns(ctx context.Context, id int64, cols []int, values [][]byte) error
	// DeleteColumn unsets column col of row id. Unsetting a column that is
	// not set, or of a row that does not exist, changes nothing and is not
	// an error.
	DeleteColumn(ctx context.Context, id int64, col int) error
}

// Counter is an optional interface of a Store that counts the rows setting
// a column without reading every row: from an index on the columns or from
// counts it keeps exact. A store that could only answer by scanning the
// whole table leaves it out; the wide/mix workload is then n/a on it (and
// wide/rows measures the rest of the mix), so the cost of the count is
// reported rather than hidden.
type Counter interface {
	// CountRowsWith returns the number of rows that set column col.
	CountRowsWith(ctx context.Context, col int) (int64, error)
}

// Supports reports whether c supports the wide pattern.
func Supports(c drivers.Conn) bool {
	_, ok := c.(Provider)
	return ok
}

// CopyInto overwrites dst with src, reusing dst's capacity, and returns it.
// Stores use it to fill answers without allocating.
func CopyInto(dst, src []byte) []byte { return append(dst[:0], src...) }

// Grow returns dst resized to n elements, keeping the existing elements (and
// the capacity of their slices) for reuse.
func Grow[T any](dst []T, n int) []T {
	if cap(dst) >= n {
		return dst[:n]
	}
	return append(dst[:cap(dst)], make([]T, n-cap(dst))...)
}
