package wide

import (
	"context"

	"github.com/storefit/storefit/workloads"
)

var (
	_ workloads.Exporter = (*Workload)(nil)
	_ workloads.QuerySet = (*Workload)(nil)
)

// Tables returns the data set as one long (entity–attribute–value) table:
// user_id, column, value — one row per set column. A thousand mostly empty
// columns would make CSV files of commas; the long form loads into any
// store and pivots back in one query.
func (w *Workload) Tables() []workloads.Table {
	return []workloads.Table{{Name: w.cfg.Table, Columns: []string{"user_id", "column", "value"}}}
}

// Export emits the cells of the rows of share part of parts, row by row and
// in ascending column order within a row.
func (w *Workload) Export(ctx context.Context, part, parts int, emit func(table string, row []any) error) error {
	lo, hi := PartRange(w.cfg.Rows, part, parts)
	out := make([]any, 3)
	var r Row
	for id := lo; id < hi; id++ {
		if id%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		w.FillRow(&r, id)
		for i, c := range r.Cols {
			out[0], out[1], out[2] = id, ColumnName(c), string(r.Values[i])
			if err := emit(w.cfg.Table, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// Queries lists the validation queries with their expected answers:
// read_row (answer: column name → value, null when the row does not
// exist), read_columns (answer: values aligned with the columns asked, null
// where not set) and count (answer: the number of rows setting the column).
func (w *Workload) Queries(ctx context.Context) ([]workloads.Query, error) {
	cs, err := w.checks(ctx, w.sample(), true)
	if err != nil {
		return nil, err
	}
	qs := make([]workloads.Query, 0, len(cs))
	for _, q := range cs {
		switch q.kind {
		case qReadRow:
			var ans map[string]string
			if q.cols != nil {
				ans = make(map[string]string, len(q.cols))
				for i, c := range q.cols {
					ans[ColumnName(c)] = string(q.want[i])
				}
			}
			qs = append(qs, workloads.Query{Name: "read_row", Params: map[string]any{"row": q.id}, Answer: ans, Compare: "exact"})
		case qReadColumns:
			names := make([]string, len(q.cols))
			ans := make([]*string, len(q.cols))
			for i, c := range q.cols {
				names[i] = ColumnName(c)
				if q.want[i] != nil {
					s := string(q.want[i])
					ans[i] = &s
				}
			}
			qs = append(qs, workloads.Query{Name: "read_columns", Params: map[string]any{"row": q.id, "columns": names}, Answer: ans, Compare: "ordered"})
		case qCount:
			qs = append(qs, workloads.Query{Name: "count", Params: map[string]any{"column": ColumnName(q.col)}, Answer: q.count, Compare: "exact"})
		}
	}
	return qs, nil
}
