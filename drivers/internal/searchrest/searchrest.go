// Package searchrest is the search pattern over the REST API that
// Elasticsearch and OpenSearch share (OpenSearch forked Elasticsearch 7.10,
// and the index, bulk and search APIs storefit uses are the same in both):
// the index settings and mapping, the query bodies, the reading of answers,
// the DSN, and a search.Store built on them. The elastic and opensearch
// drivers each supply an API — the requests made with their own client
// (go-elasticsearch, opensearch-go) — and the store does the rest.
package searchrest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/storefit/storefit/workloads/search"
)

// API is the handful of requests the search store makes, each sent with a
// driver's own client. Errors name the operation; the store adds the store
// and the address. Methods are safe for concurrent use.
type API interface {
	// CreateIndex creates index with the settings and mappings of body
	// (PUT /index).
	CreateIndex(ctx context.Context, index string, body []byte) error
	// DeleteIndex deletes index (DELETE /index); a missing index is not an
	// error.
	DeleteIndex(ctx context.Context, index string) error
	// Bulk indexes docs into index with the client's bulk indexer; each
	// item of docs is an action's document id and its JSON source. It
	// returns once every document is indexed and the index refreshed
	// (searchable), or with the first failure.
	Bulk(ctx context.Context, index string, docs []BulkDoc) error
	// Search runs a search request body on index (POST /index/_search)
	// and returns the total hit count (-1 if the response has none) and
	// the hits, appended to dst.
	Search(ctx context.Context, index string, body []byte, dst search.Hits) (int64, search.Hits, error)
	// ForceMerge merges index down to one segment per shard
	// (POST /index/_forcemerge?max_num_segments=1).
	ForceMerge(ctx context.Context, index string) error
}

// BulkDoc is one document of a bulk request.
type BulkDoc struct {
	ID     string
	Source []byte
}

// Names in the index settings.
const (
	// TokenizerName is the contract tokenizer in the index settings.
	TokenizerName = "storefit_contract"
	// AnalyzerName is the custom analyzer body is indexed with.
	AnalyzerName = "storefit"
	// ContractPattern is the pattern tokenizer's separator: a maximal run
	// of characters that are neither letters (Unicode L) nor decimal
	// digits (Nd), in Java's regular expressions.
	ContractPattern = `[^\p{L}\p{Nd}]+`
)

// IndexBody returns the body of the create-index request (settings and
// mappings) for opts. See the package documentation of the drivers for
// what each setting is for.
func IndexBody(opts Options) []byte {
	var analyzer map[string]any
	switch opts.Analyzer {
	case AnalyzerStandard:
		// The standard tokenizer (Unicode word breaks) and the lowercase
		// filter, without stop words: the built-in "standard" analyzer,
		// which needs no module.
		analyzer = map[string]any{"type": "standard", "stopwords": "_none_"}
	default:
		analyzer = map[string]any{"type": "custom", "tokenizer": TokenizerName, "filter": []string{"lowercase"}}
	}
	analysis := map[string]any{"analyzer": map[string]any{AnalyzerName: analyzer}}
	if opts.Analyzer != AnalyzerStandard {
		analysis["tokenizer"] = map[string]any{TokenizerName: map[string]any{"type": "pattern", "pattern": ContractPattern}}
	}
	body := map[string]any{
		"settings": map[string]any{
			"index": map[string]any{
				"number_of_shards":      opts.Shards,
				"number_of_replicas":    opts.Replicas,
				"refresh_interval":      "-1",
				"requests.cache.enable": opts.Cache,
				"queries.cache.enabled": opts.Cache,
			},
			"analysis": analysis,
		},
		"mappings": map[string]any{
			"dynamic": "strict",
			"_source": map[string]any{"enabled": false},
			"properties": map[string]any{
				"id":         map[string]any{"type": "long"},
				"user_id":    map[string]any{"type": "long", "index": false},
				"created_at": map[string]any{"type": "date", "format": "epoch_millis", "index": false},
				"body":       map[string]any{"type": "text", "analyzer": AnalyzerName},
			},
		},
	}
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // maps of strings and numbers always encode
	}
	return b
}

// source is a document as indexed.
type source struct {
	ID        int64  `json:"id"`
	UserID    int64  `json:"user_id"`
	CreatedAt int64  `json:"created_at"`
	Body      string `json:"body"`
}

// AppendBulkDocs appends docs in bulk form to dst.
func AppendBulkDocs(dst []BulkDoc, docs []search.Doc) ([]BulkDoc, error) {
	for _, d := range docs {
		b, err := json.Marshal(source{ID: d.ID, UserID: d.UserID, CreatedAt: d.CreatedAt.UnixMilli(), Body: string(d.Body)})
		if err != nil {
			return dst, fmt.Errorf("encode document %d: %w", d.ID, err)
		}
		dst = append(dst, BulkDoc{ID: strconv.FormatInt(d.ID, 10), Source: b})
	}
	return dst, nil
}

// Query returns the query clause of q: a term query for Term, a bool query
// of term queries for And (must) and Or (should), match_phrase for Phrase.
// Terms arrive analyzed, so term queries take them as they are; a phrase
// goes through match_phrase, which analyzes its text with the index's
// analyzer (an analyzed term analyzes to itself) and matches the tokens at
// consecutive positions.
func Query(q search.Query) (map[string]any, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	terms := func() []any {
		qs := make([]any, len(q.Terms))
		for i, t := range q.Terms {
			qs[i] = map[string]any{"term": map[string]any{"body": t}}
		}
		return qs
	}
	switch q.Kind {
	case search.Term:
		return map[string]any{"term": map[string]any{"body": q.Terms[0]}}, nil
	case search.And:
		return map[string]any{"bool": map[string]any{"must": terms()}}, nil
	case search.Or:
		return map[string]any{"bool": map[string]any{"should": terms(), "minimum_should_match": 1}}, nil
	case search.Phrase:
		return map[string]any{"match_phrase": map[string]any{"body": strings.Join(q.Terms, " ")}}, nil
	}
	return nil, fmt.Errorf("query kind %s", q.Kind)
}

// CountBody returns the body of a search that counts q's hits exactly and
// returns none.
func CountBody(q search.Query) ([]byte, error) {
	qc, err := Query(q)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"size": 0, "track_total_hits": true, "query": qc})
}

// SearchBody returns the body of a search for q's topK best hits. With
// tieBreak, hits of equal score are ordered by ascending id, as the
// reference ranking orders them; without, in index order.
func SearchBody(q search.Query, topK int, tieBreak bool) ([]byte, error) {
	qc, err := Query(q)
	if err != nil {
		return nil, err
	}
	body := map[string]any{
		"size":             topK,
		"track_total_hits": false,
		"_source":          false,
		"query":            qc,
	}
	if tieBreak {
		body["sort"] = []any{map[string]any{"_score": "desc"}, map[string]any{"id": "asc"}}
		body["track_scores"] = true
	}
	return json.Marshal(body)
}

// ParseID parses a document id as Bulk writes it.
func ParseID(id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("unexpected document id %q", id)
	}
	return n, nil
}

// validIndex matches the index names storefit uses: lowercase letters,
// digits, '_' and '-', not starting with '_' or '-' (Elasticsearch and
// OpenSearch index names must be lowercase and may not start so).
var validIndex = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// IndexName returns the index of a search.Schema index under prefix.
func IndexName(prefix, index string) (string, error) {
	if index == "" {
		index = "tweets"
	}
	name := prefix + index
	if !validIndex.MatchString(name) || len(name) > 255 {
		return "", fmt.Errorf("index name %q: use lowercase letters, digits, '_' and '-'", name)
	}
	return name, nil
}

// BulkBodies returns the bodies of _bulk requests indexing docs (into the
// index the request's path names): NDJSON, an index action and the source
// per document, cut into bodies of about maxBytes. counts[i] is the number
// of documents of body i.
func BulkBodies(docs []BulkDoc, maxBytes int) (bodies [][]byte, counts []int) {
	var b []byte
	n := 0
	for _, d := range docs {
		b = append(b, `{"index":{"_id":`...)
		b = strconv.AppendQuote(b, d.ID)
		b = append(b, "}}\n"...)
		b = append(b, d.Source...)
		b = append(b, '\n')
		n++
		if len(b) >= maxBytes {
			bodies, counts = append(bodies, b), append(counts, n)
			b, n = nil, 0
		}
	}
	if n > 0 {
		bodies, counts = append(bodies, b), append(counts, n)
	}
	return bodies, counts
}

// DecodeBulk reads the answer to a _bulk request of n documents: nil when
// every one was indexed, else an error naming the first that failed and
// how many did.
func DecodeBulk(r io.Reader, n int) error {
	var res struct {
		Errors bool `json:"errors"`
		Items  []map[string]struct {
			ID     string `json:"_id"`
			Status int    `json:"status"`
			Error  *struct {
				Type   string `json:"type"`
				Reason string `json:"reason"`
			} `json:"error"`
		} `json:"items"`
	}
	if err := json.NewDecoder(r).Decode(&res); err != nil {
		return fmt.Errorf("bulk answer: %w", err)
	}
	failed, first := 0, ""
	for _, item := range res.Items {
		for _, it := range item {
			if it.Error != nil || it.Status >= 300 {
				failed++
				if first == "" {
					first = fmt.Sprintf("document %s: status %d", it.ID, it.Status)
					if it.Error != nil {
						first = fmt.Sprintf("document %s: %s: %s", it.ID, it.Error.Type, OneLine(it.Error.Reason))
					}
				}
			}
		}
	}
	switch {
	case failed > 0:
		return fmt.Errorf("%d of %d documents failed; first: %s", failed, n, first)
	case res.Errors:
		return fmt.Errorf("bulk answer reports errors but no failed document")
	case len(res.Items) != n:
		return fmt.Errorf("%d of %d documents indexed", len(res.Items), n)
	}
	return nil
}
