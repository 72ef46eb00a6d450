package noop

import (
	"context"
	"time"

	"github.com/storefit/storefit/workloads/agg"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
	"github.com/storefit/storefit/workloads/search"
	"github.com/storefit/storefit/workloads/series"
	"github.com/storefit/storefit/workloads/wide"
)

// The other six patterns, each answering every operation at once with an
// empty answer: a run against them measures what storefit's own operation
// stream (choosing parameters, timing, recording) costs per pattern.

var (
	_ crud.Provider       = (*Conn)(nil)
	_ agg.Provider        = (*Conn)(nil)
	_ agg.DistinctCounter = aggStore{}
	_ graph.Provider      = (*Conn)(nil)
	_ search.Provider     = (*Conn)(nil)
	_ search.Phraser      = searchStore{}
	_ series.Provider     = (*Conn)(nil)
	_ wide.Provider       = (*Conn)(nil)
	_ wide.Counter        = wideStore{}
)

// CrudStore returns a store that does nothing.
func (*Conn) CrudStore(crud.Schema) (crud.Store, error) { return crudStore{}, nil }

type crudStore struct{}

func (crudStore) Setup(context.Context) error                    { return nil }
func (crudStore) LoadUsers(context.Context, []crud.User) error   { return nil }
func (crudStore) LoadTweets(context.Context, []crud.Tweet) error { return nil }
func (crudStore) LoadLikes(context.Context, []crud.Like) error   { return nil }
func (crudStore) TweetByID(context.Context, crud.TweetID) (crud.Tweet, error) {
	return crud.Tweet{}, nil
}
func (crudStore) Timeline(_ context.Context, _ crud.UserID, _ int, dst []crud.TweetID) ([]crud.TweetID, error) {
	return dst[:0], nil
}
func (crudStore) Like(context.Context, crud.UserID, crud.TweetID, time.Time) error { return nil }
func (crudStore) CreateTweet(context.Context, crud.TweetID, crud.UserID, []byte, time.Time) error {
	return nil
}
func (crudStore) UserByHandle(context.Context, []byte) (crud.User, error)     { return crud.User{}, nil }
func (crudStore) UpdateTweetBody(context.Context, crud.TweetID, []byte) error { return nil }
func (crudStore) DeleteTweet(context.Context, crud.TweetID) error             { return nil }
func (crudStore) CountLikes(context.Context, crud.TweetID) (int64, error)     { return 0, nil }

// AggStore returns a store that does nothing.
func (*Conn) AggStore(agg.Schema) (agg.Store, error) { return aggStore{}, nil }

type aggStore struct{}

func (aggStore) Setup(context.Context) error                               { return nil }
func (aggStore) Load(context.Context, []agg.Sale) error                    { return nil }
func (aggStore) AvgPriceByRegion(context.Context) ([]agg.RegionAvg, error) { return nil, nil }
func (aggStore) RevenueByCategoryMonth(context.Context) ([]agg.CategoryMonthRevenue, error) {
	return nil, nil
}
func (aggStore) TopProducts(context.Context, time.Time, time.Time, int) ([]agg.ProductRevenue, error) {
	return nil, nil
}
func (aggStore) CategoryQuantity(context.Context, int, time.Time, time.Time) (int64, error) {
	return 0, nil
}
func (aggStore) DistinctCustomersByRegion(context.Context) ([]agg.RegionCustomers, error) {
	return nil, nil
}

// GraphStore returns a store that does nothing.
func (*Conn) GraphStore(graph.Schema) (graph.Store, error) { return graphStore{}, nil }

type graphStore struct{}

func (graphStore) Setup(context.Context) error                   { return nil }
func (graphStore) LoadEdges(context.Context, []graph.Edge) error { return nil }
func (graphStore) Neighbours(_ context.Context, _ graph.UserID, dst []graph.UserID) ([]graph.UserID, error) {
	return dst[:0], nil
}
func (graphStore) FriendsOfFriends(context.Context, graph.UserID) (int64, error) { return 0, nil }
func (graphStore) WhoToFollow(_ context.Context, _ graph.UserID, _ int, dst []graph.Suggestion) ([]graph.Suggestion, error) {
	return dst[:0], nil
}
func (graphStore) ShortestPath(context.Context, graph.UserID, graph.UserID, int) (int, error) {
	return -1, nil
}
func (graphStore) Reach(context.Context, graph.UserID, int) (int64, error) { return 0, nil }

// SearchStore returns a store that does nothing.
func (*Conn) SearchStore(search.Schema) (search.Store, error) { return searchStore{}, nil }

type searchStore struct{}

func (searchStore) Setup(context.Context) error                        { return nil }
func (searchStore) LoadDocs(context.Context, []search.Doc) error       { return nil }
func (searchStore) Count(context.Context, search.Query) (int64, error) { return 0, nil }
func (searchStore) Search(_ context.Context, _ search.Query, _ int, dst search.Hits) (search.Hits, error) {
	return dst[:0], nil
}
func (searchStore) CountPhrase(context.Context, search.Query) (int64, error) { return 0, nil }
func (searchStore) SearchPhrase(_ context.Context, _ search.Query, _ int, dst search.Hits) (search.Hits, error) {
	return dst[:0], nil
}

// SeriesStore returns a store that does nothing.
func (*Conn) SeriesStore(series.Schema) (series.Store, error) { return seriesStore{}, nil }

type seriesStore struct{}

func (seriesStore) Setup(context.Context) error                  { return nil }
func (seriesStore) LoadRows(context.Context, []series.Row) error { return nil }
func (seriesStore) MaxByTime(_ context.Context, _ series.MaxQuery, dst []series.Bucket) ([]series.Bucket, error) {
	return dst[:0], nil
}
func (seriesStore) MeanByTimeHost(_ context.Context, _ series.MeanQuery, dst []series.HostBucket) ([]series.HostBucket, error) {
	return dst[:0], nil
}
func (seriesStore) HighCPU(_ context.Context, _ series.HighCPUQuery, dst []series.HostPoint) ([]series.HostPoint, error) {
	return dst[:0], nil
}
func (seriesStore) LastPoint(_ context.Context, dst []series.HostPoint) ([]series.HostPoint, error) {
	return dst[:0], nil
}
func (seriesStore) RecentMaxByTime(_ context.Context, _ series.RecentQuery, dst []series.Bucket) ([]series.Bucket, error) {
	return dst[:0], nil
}

// WideStore returns a store that does nothing.
func (*Conn) WideStore(wide.Schema) (wide.Store, error) { return wideStore{}, nil }

type wideStore struct{}

func (wideStore) Setup(context.Context) error                { return nil }
func (wideStore) LoadRows(context.Context, []wide.Row) error { return nil }
func (wideStore) ReadRow(_ context.Context, id int64, dst wide.Row) (wide.Row, error) {
	dst.ID, dst.Cols, dst.Values = id, dst.Cols[:0], dst.Values[:0]
	return dst, nil
}
func (wideStore) ReadColumns(_ context.Context, _ int64, cols []int, dst []wide.Value) ([]wide.Value, error) {
	dst = wide.Grow(dst, len(cols))
	for i := range dst {
		dst[i].Valid = false
	}
	return dst, nil
}
func (wideStore) SetColumns(context.Context, int64, []int, [][]byte) error { return nil }
func (wideStore) DeleteColumn(context.Context, int64, int) error           { return nil }
func (wideStore) CountRowsWith(context.Context, int) (int64, error)        { return 0, nil }
