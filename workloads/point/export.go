package point

import (
	"context"

	"github.com/storefit/storefit/workloads"
)

var (
	_ workloads.Exporter = (*Workload)(nil)
	_ workloads.QuerySet = (*Workload)(nil)
)

// Tables returns the YCSB table: YCSB_KEY, field0 … fieldN-1.
func (w *Workload) Tables() []workloads.Table {
	cols := []string{"YCSB_KEY"}
	for f := range w.cfg.FieldCount {
		cols = append(cols, FieldName(f))
	}
	return []workloads.Table{{Name: w.cfg.Table, Columns: cols}}
}

// Export emits the records of share part of parts.
func (w *Workload) Export(ctx context.Context, part, parts int, emit func(table string, row []any) error) error {
	lo, hi := PartRange(w.cfg.Records, part, parts)
	row := make([]any, 1+w.cfg.FieldCount)
	var key []byte
	vals := make([][]byte, w.cfg.FieldCount)
	for n := lo; n < hi; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		key = w.AppendKey(key[:0], n)
		row[0] = string(key)
		for f := range vals {
			vals[f] = w.AppendValue(vals[f][:0], n, f, 0)
			row[1+f] = string(vals[f])
		}
		if err := emit(w.cfg.Table, row); err != nil {
			return err
		}
	}
	return nil
}

// Queries lists reads of a sample of keys with their expected values.
func (w *Workload) Queries(ctx context.Context) ([]workloads.Query, error) {
	var qs []workloads.Query
	recs := w.cfg.Records
	for i := int64(0); i < 20 && i < recs; i++ {
		n := i * recs / 20
		key := string(w.AppendKey(nil, n))
		vals := map[string]string{}
		for f := range w.cfg.FieldCount {
			vals[FieldName(f)] = string(w.AppendValue(nil, n, f, 0))
		}
		qs = append(qs, workloads.Query{Name: "read", Params: map[string]any{"key": key}, Answer: vals, Compare: "exact"})
	}
	qs = append(qs, workloads.Query{Name: "read", Params: map[string]any{"key": string(w.AppendKey(nil, recs+1<<40))}, Answer: nil, Compare: "exact"})
	return qs, nil
}
