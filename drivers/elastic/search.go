package elastic

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
	"github.com/elastic/go-elasticsearch/v8/esutil"

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
		return nil, fmt.Errorf("elastic: %w", err)
	}
	return searchrest.NewStore(api{c.es}, index, c.cfg.Options, c.wrap), nil
}

// api makes the search store's requests with go-elasticsearch: esapi's
// requests with plain JSON bodies (which Elasticsearch 7.14 and later
// accept; the typed API needs 8) and esutil's bulk indexer.
type api struct{ es *elasticsearch.Client }

func (a api) CreateIndex(ctx context.Context, index string, body []byte) error {
	res, err := esapi.IndicesCreateRequest{Index: index, Body: bytes.NewReader(body)}.Do(ctx, a.es)
	if err != nil {
		return err
	}
	return decode(res, nil)
}

func (a api) DeleteIndex(ctx context.Context, index string) error {
	res, err := esapi.IndicesDeleteRequest{Index: []string{index}}.Do(ctx, a.es)
	if err != nil {
		return err
	}
	if res.StatusCode == http.StatusNotFound {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return nil
	}
	return decode(res, nil)
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
	bi, err := esutil.NewBulkIndexer(esutil.BulkIndexerConfig{
		Client:     a.es,
		Index:      index,
		NumWorkers: 1,
		FlushBytes: 5 << 20,
		Refresh:    "true",
		OnError:    func(_ context.Context, err error) { fail(err) },
	})
	if err != nil {
		return err
	}
	onFailure := func(_ context.Context, it esutil.BulkIndexerItem, r esutil.BulkIndexerResponseItem, err error) {
		if err == nil {
			err = fmt.Errorf("%s: %s", r.Error.Type, searchrest.OneLine(r.Error.Reason))
		}
		fail(fmt.Errorf("document %s: %w", it.DocumentID, err))
	}
	for _, d := range docs {
		err := bi.Add(ctx, esutil.BulkIndexerItem{
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
	res, err := esapi.SearchRequest{Index: []string{index}, Body: bytes.NewReader(body)}.Do(ctx, a.es)
	if err != nil {
		return -1, dst, err
	}
	defer res.Body.Close()
	if res.IsError() {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
		return -1, dst, searchrest.ResponseError(res.StatusCode, b)
	}
	return searchrest.DecodeSearch(res.Body, dst)
}

func (a api) StoreBytes(ctx context.Context, index string) (int64, error) {
	res, err := esapi.IndicesStatsRequest{Index: []string{index}, Metric: []string{"store"}}.Do(ctx, a.es)
	if err != nil {
		return 0, err
	}
	var stats struct {
		All struct {
			Primaries struct {
				Store struct {
					SizeInBytes int64 `json:"size_in_bytes"`
				} `json:"store"`
			} `json:"primaries"`
		} `json:"_all"`
	}
	if err := decode(res, &stats); err != nil {
		return 0, err
	}
	return stats.All.Primaries.Store.SizeInBytes, nil
}

func (a api) ForceMerge(ctx context.Context, index string) error {
	one := 1
	res, err := esapi.IndicesForcemergeRequest{Index: []string{index}, MaxNumSegments: &one}.Do(ctx, a.es)
	if err != nil {
		return err
	}
	return decode(res, nil)
}
