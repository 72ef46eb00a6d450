package graph

import (
	"context"

	"github.com/storefit/storefit/workloads"
)

var (
	_ workloads.Exporter = (*Workload)(nil)
	_ workloads.QuerySet = (*Workload)(nil)
)

// Tables returns the edge table: (src, dst), one row per follows edge.
func (w *Workload) Tables() []workloads.Table {
	return []workloads.Table{{Name: w.cfg.Table, Columns: []string{"src", "dst"}}}
}

// Export emits the edges of share part of parts (the same edges Load
// writes), ordered by source, then destination.
func (w *Workload) Export(ctx context.Context, part, parts int, emit func(table string, row []any) error) error {
	if err := checkPart(part, parts); err != nil {
		return err
	}
	row := make([]any, 2)
	n := 0
	return w.eachEdge(part, parts, func(src, dst int64) error {
		if n++; n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		row[0], row[1] = src, dst
		return emit(w.cfg.Table, row)
	}, func() error { return nil })
}
