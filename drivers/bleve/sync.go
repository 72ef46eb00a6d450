package bleve

import (
	"context"
	"fmt"
	"strconv"
	"time"

	bv "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/crud"
)

var _ syncer.SinkProvider = (*Conn)(nil)

// syncSink is a bleve index as a derived view of tweets: the body indexed
// by the contract analyzer and stored, the author, creation time (Unix µs)
// and like count stored, so reconciliation can read every row back. A
// batch is one bleve batch of each tweet's last change, searchable when
// Batch returns.
type syncSink struct {
	ix   *indexState
	name string
}

// Stored fields of a view's documents besides the body.
const (
	userField  = "u"
	atField    = "c"
	likesField = "l"
)

// SyncSink returns a bleve index (named spec.Tables.Tweets, in the Conn's
// directory) as a view of tweets; other entities are not a search index's
// to keep (drivers.ErrUnsupported).
func (c *Conn) SyncSink(spec syncer.SinkSpec) (syncer.Sink, error) {
	if spec.Keeps != syncer.Entities(syncer.EntityTweet) {
		return nil, fmt.Errorf("bleve: view %s keeps %s: a search index keeps tweets only: %w", spec.Name, spec.Keeps, drivers.ErrUnsupported)
	}
	ix, err := c.state(spec.Tables.Tweets)
	if err != nil {
		return nil, err
	}
	ix.mu.Lock()
	ix.nrt = true
	ix.mu.Unlock()
	return &syncSink{ix: ix, name: spec.Name}, nil
}

// Name returns the view's name.
func (s *syncSink) Name() string { return s.name }

// Keeps returns tweets.
func (s *syncSink) Keeps() syncer.EntitySet { return syncer.Entities(syncer.EntityTweet) }

// Store returns "bleve".
func (s *syncSink) Store() string { return "bleve" }

// Reset drops the index and creates it empty.
func (s *syncSink) Reset(ctx context.Context) error {
	s.ix.mu.Lock()
	defer s.ix.mu.Unlock()
	return s.ix.create()
}

// Apply indexes the batch's upserted tweets and deletes its deleted ones,
// in one batch. It returns once the batch is searchable, not once it is on
// disk (the index is opened with unsafe_batch): a view is rebuilt from its
// source of truth, so the write path owes it no fsync, as a search engine's
// near-real-time refresh does not.
func (s *syncSink) Apply(ctx context.Context, batch []syncer.Change) error {
	rows := syncer.LastPerKey(batch)
	return s.ix.use(func(idx bv.Index, a analysis.Analyzer) error {
		b := idx.NewBatch()
		for _, c := range rows {
			if c.Entity != syncer.EntityTweet {
				continue
			}
			id := docID(int64(c.Tweet.ID))
			if c.Op == syncer.Delete {
				b.Delete(id)
				continue
			}
			doc := document.NewDocument(id)
			doc.AddField(document.NewTextFieldCustom(bodyField, nil, []byte(c.Tweet.Body), bodyOptions|index.StoreField, a))
			for _, f := range [][2]string{{userField, strconv.FormatInt(int64(c.Tweet.UserID), 10)},
				{atField, strconv.FormatInt(c.Tweet.CreatedAt.UnixMicro(), 10)}, {likesField, strconv.FormatInt(c.Tweet.LikeCount, 10)}} {
				doc.AddField(document.NewTextFieldWithIndexingOptions(f[0], nil, []byte(f[1]), index.StoreField))
			}
			if err := b.IndexAdvanced(doc); err != nil {
				return fmt.Errorf("bleve: view %s: tweet %d: %w", s.name, c.Tweet.ID, err)
			}
		}
		if b.Size() == 0 {
			return nil
		}
		if err := idx.Batch(b); err != nil {
			return fmt.Errorf("bleve: view %s: %w", s.name, err)
		}
		return nil
	})
}

// Scan pages through every document with its stored fields, by id.
func (s *syncSink) Scan(ctx context.Context, fn func(c *syncer.Change) error) error {
	return s.ix.use(func(idx bv.Index, _ analysis.Analyzer) error {
		const page = 2000
		var after []string
		for {
			req := bv.NewSearchRequestOptions(query.NewMatchAllQuery(), page, 0, false)
			req.Fields = []string{bodyField, userField, atField, likesField}
			req.SortBy([]string{"_id"})
			req.SearchAfter = after
			res, err := idx.SearchInContext(ctx, req)
			if err != nil {
				return fmt.Errorf("bleve: view %s: scan: %w", s.name, err)
			}
			for _, h := range res.Hits {
				id, err := parseDocID(h.ID)
				if err != nil {
					return err
				}
				str := func(f string) string { v, _ := h.Fields[f].(string); return v }
				num := func(f string) int64 { n, _ := strconv.ParseInt(str(f), 10, 64); return n }
				c := syncer.TweetUpsert(crud.Tweet{ID: crud.TweetID(id), UserID: crud.UserID(num(userField)), Body: str(bodyField),
					CreatedAt: time.UnixMicro(num(atField)), LikeCount: num(likesField)})
				if err := fn(&c); err != nil {
					return err
				}
			}
			if len(res.Hits) < page {
				return nil
			}
			after = []string{res.Hits[len(res.Hits)-1].ID}
		}
	})
}
