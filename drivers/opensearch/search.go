package opensearch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	osgo "github.com/opensearch-project/opensearch-go/v4"
	"github.com/opensearch-project/opensearch-go/v4/opensearchapi"
	"github.com/opensearch-project/opensearch-go/v4/opensearchutil"

	"github.com/storefit/storefit/drivers/internal/searchrest"
	"github.com/storefit/storefit/workloads/search"
)

var (
	_ search.Provider = (*Conn)(nil)
	_ searchrest.API  = api{}
)

// SearchStore returns the store of the index s names (with the DSN's
// prefix). It does not touch the server; Setup creates the index.
func (c *Conn) SearchStore(s search.Schema) (search.Store, error) {
	index, err := searchrest.IndexName(c.cfg.Prefix, s.Index)
	if err != nil {
		return nil, fmt.Errorf("opensearch: %w", err)
	}
	return searchrest.NewStore(api{c.client}, index, c.cfg.Options, c.wrap), nil
}

// api makes the search store's requests with opensearch-go: the typed
// opensearchapi requests and opensearchutil's bulk indexer.
type api struct{ client *opensearchapi.Client }

func (a api) CreateIndex(ctx context.Context, index string, body []byte) error {
	_, err := a.client.Indices.Create(ctx, opensearchapi.IndicesCreateReq{Index: index, Body: bytes.NewReader(body)})
	return apiError(err)
}

func (a api) DeleteIndex(ctx context.Context, index string) error {
	_, err := a.client.Indices.Delete(ctx, opensearchapi.IndicesDeleteReq{Indices: []string{index}})
	var se *osgo.StructError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return nil
	}
	return apiError(err)
}

// Bulk indexes docs with a bulk indexer of one worker (the runner's
// loaders already call in parallel) whose requests refresh the index
// (refresh=true), so the documents are searchable when it returns.
func (a api) Bulk(ctx context.Context, index string, docs []searchrest.BulkDoc) error {
	var (
		mu    sync.Mutex
		first error
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
	}
	bi, err := opensearchutil.NewBulkIndexer(opensearchutil.BulkIndexerConfig{
		Client:     a.client,
		Index:      index,
		NumWorkers: 1,
		FlushBytes: 5 << 20,
		Refresh:    "true",
		OnError:    func(_ context.Context, err error) { fail(err) },
	})
	if err != nil {
		return err
	}
	onFailure := func(_ context.Context, it opensearchutil.BulkIndexerItem, r opensearchapi.BulkRespItem, err error) {
		if err == nil && r.Error != nil {
			err = fmt.Errorf("%s: %s", r.Error.Type, searchrest.OneLine(r.Error.Reason))
		}
		fail(fmt.Errorf("document %s: %w", it.DocumentID, err))
	}
	for _, d := range docs {
		err := bi.Add(ctx, opensearchutil.BulkIndexerItem{
			Action:     "index",
			DocumentID: d.ID,
			Body:       bytes.NewReader(d.Source),
			OnFailure:  onFailure,
		})
		if err != nil {
			bi.Close(ctx)
			return err
		}
	}
	if err := bi.Close(ctx); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	if first != nil {
		return first
	}
	if st := bi.Stats(); st.NumFailed > 0 || st.NumIndexed != uint64(len(docs)) {
		return fmt.Errorf("%d of %d documents indexed, %d failed", st.NumIndexed, len(docs), st.NumFailed)
	}
	return nil
}

func (a api) Search(ctx context.Context, index string, body []byte, dst search.Hits) (int64, search.Hits, error) {
	resp, err := a.client.Search(ctx, &opensearchapi.SearchReq{Indices: []string{index}, Body: bytes.NewReader(body)})
	if err != nil {
		return -1, dst, apiError(err)
	}
	total := int64(-1)
	if resp.Hits.Total.Relation == "eq" {
		total = int64(resp.Hits.Total.Value)
	}
	for _, h := range resp.Hits.Hits {
		id, err := searchrest.ParseID(h.ID)
		if err != nil {
			return total, dst, err
		}
		dst = append(dst, search.Hit{ID: id, Score: float64(h.Score)})
	}
	return total, dst, nil
}

func (a api) StoreBytes(ctx context.Context, index string) (int64, error) {
	resp, err := a.client.Indices.Stats(ctx, &opensearchapi.IndicesStatsReq{Indices: []string{index}, Metrics: []string{"store"}})
	if err != nil {
		return 0, apiError(err)
	}
	return resp.All.Primaries.Store.SizeInBytes, nil
}

func (a api) ForceMerge(ctx context.Context, index string) error {
	one := 1
	_, err := a.client.Indices.Forcemerge(ctx, &opensearchapi.IndicesForcemergeReq{
		Indices: []string{index},
		Params:  opensearchapi.IndicesForcemergeParams{MaxNumSegments: &one},
	})
	return apiError(err)
}

// apiError shortens the client's error answers to the error's type and
// reason.
func apiError(err error) error {
	var se *osgo.StructError
	if errors.As(err, &se) {
		return fmt.Errorf("%d %s: %s: %s", se.Status, http.StatusText(se.Status), se.Err.Type, searchrest.OneLine(se.Err.Reason))
	}
	return err
}
