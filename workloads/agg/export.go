package agg

import (
	"context"

	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

var (
	_ workloads.Exporter = (*Workload)(nil)
	_ workloads.QuerySet = (*Workload)(nil)
)

// Columns are the columns of the sales table, in the order Export emits them.
var Columns = []string{"id", "ts", "region", "category", "product_id", "customer_id", "quantity", "price_cents"}

// Tables returns the sales table.
func (w *Workload) Tables() []workloads.Table {
	return []workloads.Table{{Name: w.cfg.Table, Columns: Columns}}
}

// Export emits the rows of share part of parts (the share Load writes):
// integers as int64, ts as a UTC time.Time.
func (w *Workload) Export(ctx context.Context, part, parts int, emit func(table string, row []any) error) error {
	lo, hi := gen.SalesPartRange(w.cfg.Records, part, parts)
	row := make([]any, len(Columns))
	var r gen.SalesRow
	for n := lo; n < hi; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		w.sales.Row(n, &r)
		s := saleOf(&r)
		row[0], row[1], row[2], row[3] = s.ID, s.TS, int64(s.Region), int64(s.Category)
		row[4], row[5], row[6], row[7] = s.ProductID, s.CustomerID, s.Quantity, s.PriceCents
		if err := emit(w.cfg.Table, row); err != nil {
			return err
		}
	}
	return nil
}

// Queries lists the validation queries with their expected answers, the
// same ones Validate asks. Computing them takes one pass over the data set.
func (w *Workload) Queries(ctx context.Context) ([]workloads.Query, error) {
	ref, err := w.reference(ctx)
	if err != nil {
		return nil, err
	}
	qs := []workloads.Query{
		{Name: opNames[opQ1], Answer: ref.q1, Compare: "approx"},
		{Name: opNames[opQ2], Answer: ref.q2, Compare: "ordered"},
	}
	for _, c := range ref.q3 {
		qs = append(qs, workloads.Query{
			Name:    opNames[opQ3],
			Params:  map[string]any{"from": c.from, "to": c.to, "k": c.k},
			Answer:  nonNil(c.want),
			Compare: "ordered",
		})
	}
	qs = append(qs, workloads.Query{Name: opNames[opQ4], Answer: ref.q4, Compare: "ordered"})
	for _, c := range ref.q5 {
		qs = append(qs, workloads.Query{
			Name:    opNames[opQ5],
			Params:  map[string]any{"category": c.category, "from": c.from, "to": c.to},
			Answer:  c.want,
			Compare: "exact",
		})
	}
	return qs, nil
}

// nonNil returns s, or an empty slice for nil, so an empty answer is
// written as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
