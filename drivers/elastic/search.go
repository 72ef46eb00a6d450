package elastic

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/elastic/elastic-transport-go/v8/elastictransport"
	"github.com/elastic/go-elasticsearch/v8/esapi"

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
type api struct{ es *elastictransport.Client }

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

// Bulk indexes docs with _bulk requests of about 5 MB, one after the other
// (the runner's loaders already call in parallel), each refreshing the
// index (refresh=true), so the documents are searchable when it returns.
func (a api) Bulk(ctx context.Context, index string, docs []searchrest.BulkDoc) error {
	bodies, counts := searchrest.BulkBodies(docs, 5<<20)
	for i, body := range bodies {
		res, err := esapi.BulkRequest{Index: index, Body: bytes.NewReader(body), Refresh: "true"}.Do(ctx, a.es)
		if err != nil {
			return err
		}
		if res.IsError() {
			return decode(res, nil)
		}
		err = searchrest.DecodeBulk(res.Body, counts[i])
		res.Body.Close()
		if err != nil {
			return err
		}
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

func (a api) ForceMerge(ctx context.Context, index string) error {
	one := 1
	res, err := esapi.IndicesForcemergeRequest{Index: []string{index}, MaxNumSegments: &one}.Do(ctx, a.es)
	if err != nil {
		return err
	}
	return decode(res, nil)
}
