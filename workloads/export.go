package workloads

import "context"

// Table describes one table of a workload's data set.
type Table struct {
	Name    string
	Columns []string
}

// Exporter is an optional interface of a Workload whose data set `storefit
// gen` can write out (CSV, JSON Lines), so the same data can be loaded and
// checked with other tools.
type Exporter interface {
	// Tables describes the tables of the data set.
	Tables() []Table
	// Export streams share part of parts of the data set (the same share
	// Load writes), calling emit once per row with the values in column
	// order. Values are int64, float64, string, bool, time.Time, []byte or
	// nil. The row slice is only valid during the call.
	Export(ctx context.Context, part, parts int, emit func(table string, row []any) error) error
}

// Query is one validation query with its expected answer.
type Query struct {
	Name   string `json:"name"`
	Params any    `json:"params,omitempty"`
	Answer any    `json:"answer"`
	// Compare says how answers are compared: "exact", "ordered", "set",
	// or "approx" (floats within 1e-9 relative).
	Compare string `json:"compare"`
}

// QuerySet is an optional interface of a Workload that lists its validation
// queries with their expected answers (`storefit gen --queries`).
type QuerySet interface {
	Queries(ctx context.Context) ([]Query, error)
}

// ValueCounter is an optional interface of a Workload whose rows carry
// several measured values (series: 10 fields per row); the load result then
// reports values/s beside rows/s.
type ValueCounter interface {
	// ValuesPerRow is the average number of values in a loaded row.
	ValuesPerRow() float64
}
