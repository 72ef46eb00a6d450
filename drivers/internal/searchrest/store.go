package searchrest

import (
	"context"
	"fmt"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/search"
)

var (
	_ search.Store            = (*Store)(nil)
	_ search.Phraser          = (*Store)(nil)
	_ search.RelevanceFloorer = (*Store)(nil)
	_ drivers.LoadFinisher    = (*Store)(nil)
	_ drivers.Sizer           = (*Store)(nil)
)

// Store is the search.Store (with phrases) of one index, over an API. It is
// safe for concurrent use.
type Store struct {
	api   API
	index string
	opts  Options
	wrap  func(op string, err error) error
}

// NewStore returns the store of index (the full name, prefix included)
// making its requests through api. wrap gives an error the context of the
// store, its address and the operation.
func NewStore(api API, index string, opts Options, wrap func(op string, err error) error) *Store {
	return &Store{api: api, index: index, opts: opts, wrap: wrap}
}

// RelevanceFloor is 0.9: Lucene's BM25 (k1 1.2, b 0.75) is the reference's,
// ties are broken by id as the reference breaks them, and what remains is
// phrases, which Lucene scores as one unit (the phrase's frequency and the
// sum of its terms' idf) where the reference sums the terms' scores, and
// Lucene's one-byte encoding of document lengths: agreement 0.96 on
// search/mix, 1.000 on search/boolean at quick scale (ties forgiven).
func (s *Store) RelevanceFloor() float64 { return 0.9 }

// Index returns the name of the store's index.
func (s *Store) Index() string { return s.index }

// Setup deletes the index and creates it empty with IndexBody's settings
// and mappings.
func (s *Store) Setup(ctx context.Context) error {
	if err := s.api.DeleteIndex(ctx, s.index); err != nil {
		return s.wrap("delete index "+s.index, err)
	}
	if err := s.api.CreateIndex(ctx, s.index, IndexBody(s.opts)); err != nil {
		return s.wrap("create index "+s.index, err)
	}
	return nil
}

// LoadDocs indexes docs with the client's bulk indexer and returns once
// they are searchable (the bulk requests refresh the index).
func (s *Store) LoadDocs(ctx context.Context, docs []search.Doc) error {
	if len(docs) == 0 {
		return nil
	}
	bulk, err := AppendBulkDocs(make([]BulkDoc, 0, len(docs)), docs)
	if err != nil {
		return s.wrap("bulk "+s.index, err)
	}
	if err := s.api.Bulk(ctx, s.index, bulk); err != nil {
		return s.wrap("bulk "+s.index, err)
	}
	return nil
}

// FinishLoad merges the index down to one segment (option forcemerge):
// loading refreshes after every batch, which leaves many small segments,
// and every query visits each of them.
func (s *Store) FinishLoad(ctx context.Context) error {
	if !s.opts.ForceMerge {
		return nil
	}
	if err := s.api.ForceMerge(ctx, s.index); err != nil {
		return s.wrap("force merge "+s.index, err)
	}
	return nil
}

// Size returns the size on disk of the index's primary shards.
func (s *Store) Size(ctx context.Context) (int64, string, error) {
	n, err := s.api.StoreBytes(ctx, s.index)
	if err != nil {
		return 0, "", s.wrap("size of "+s.index, err)
	}
	return n, "disk: the index's primary shards (store size)", nil
}

// Count returns the exact number of documents matching q.
func (s *Store) Count(ctx context.Context, q search.Query) (int64, error) {
	body, err := CountBody(q)
	if err != nil {
		return 0, err
	}
	n, _, err := s.api.Search(ctx, s.index, body, nil)
	if err != nil {
		return 0, s.wrap("count "+q.String(), err)
	}
	if n < 0 {
		return 0, s.wrap("count "+q.String(), fmt.Errorf("the response has no total hit count"))
	}
	return n, nil
}

// Search returns the topK best hits of q by BM25 score.
func (s *Store) Search(ctx context.Context, q search.Query, topK int, dst search.Hits) (search.Hits, error) {
	if topK < 1 {
		return dst[:0], fmt.Errorf("search for top %d", topK)
	}
	tie := s.opts.TieBreak == TieBreakAlways || (s.opts.TieBreak == TieBreakValidation && search.ExactTies(ctx))
	body, err := SearchBody(q, topK, tie)
	if err != nil {
		return dst[:0], err
	}
	_, hits, err := s.api.Search(ctx, s.index, body, dst[:0])
	if err != nil {
		return dst[:0], s.wrap("search "+q.String(), err)
	}
	return hits, nil
}

// CountPhrase is Count for a phrase query.
func (s *Store) CountPhrase(ctx context.Context, q search.Query) (int64, error) {
	if q.Kind != search.Phrase {
		return 0, fmt.Errorf("CountPhrase of a %s query", q.Kind)
	}
	return s.Count(ctx, q)
}

// SearchPhrase is Search for a phrase query.
func (s *Store) SearchPhrase(ctx context.Context, q search.Query, topK int, dst search.Hits) (search.Hits, error) {
	if q.Kind != search.Phrase {
		return dst[:0], fmt.Errorf("SearchPhrase of a %s query", q.Kind)
	}
	return s.Search(ctx, q, topK, dst)
}
