package search

import (
	"context"

	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

var (
	_ workloads.Exporter = (*Workload)(nil)
	_ workloads.QuerySet = (*Workload)(nil)
)

// Tables returns the index as one table: id, user_id, created_at, body.
func (w *Workload) Tables() []workloads.Table {
	return []workloads.Table{{Name: w.cfg.Index, Columns: []string{"id", "user_id", "created_at", "body"}}}
}

// Export emits the documents of share part of parts (the share Load
// indexes).
func (w *Workload) Export(ctx context.Context, part, parts int, emit func(table string, row []any) error) error {
	lo, hi := w.corpus.PartRange(part, parts)
	row := make([]any, 4)
	var d gen.CorpusDoc
	for id := lo; id < hi; id++ {
		if id%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		w.corpus.Doc(id, &d)
		row[0], row[1], row[2], row[3] = d.ID, d.UserID, d.CreatedAt, string(d.Body)
		if err := emit(w.cfg.Index, row); err != nil {
			return err
		}
	}
	return nil
}

// QueryParams are the parameters of a validation query in a query set.
type QueryParams struct {
	// Case names the query shape ("term-rare", "and", …) or edge case
	// ("edge/missing-term", …).
	Case  string `json:"case"`
	Query Query  `json:"query"`
	// TopK is set for ranked queries.
	TopK int `json:"topk,omitempty"`
}

// Queries lists the validation queries with their reference answers: for
// each, the exact hit count ("count", compared exactly) and the BM25 top k
// with scores ("topk", in reference order: score descending, ties by id
// ascending; stores are measured on their overlap with it, not checked).
func (w *Workload) Queries(ctx context.Context) ([]workloads.Query, error) {
	ref, err := w.reference(ctx)
	if err != nil {
		return nil, err
	}
	var qs []workloads.Query
	for _, rq := range ref.queries {
		qs = append(qs,
			workloads.Query{Name: "count", Params: QueryParams{Case: rq.name, Query: rq.q}, Answer: rq.count, Compare: "exact"},
			workloads.Query{Name: "topk", Params: QueryParams{Case: rq.name, Query: rq.q, TopK: w.cfg.TopK}, Answer: rq.top, Compare: "ordered"})
	}
	return qs, nil
}
