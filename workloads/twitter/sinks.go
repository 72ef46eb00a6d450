package twitter

import (
	"context"

	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/agg"
	"github.com/storefit/storefit/workloads/graph"
	"github.com/storefit/storefit/workloads/search"
)

// Sinks returns the App's derived views as the sync engine feeds them, in
// order: search, dashboard, who_to_follow (when it is a store of its own)
// and cache (when the sync strategy invalidates it). The first three take
// inserts through their pattern stores (LoadDocs, Load, LoadEdges), which
// need not be idempotent — an analytics table takes a row twice — so the
// engine hands them each change once (NotIdempotent); the cache's apply is
// a delete of the author's page.
func (a *App) Sinks() []syncer.Sink {
	out := []syncer.Sink{searchSink{a}}
	if r, ok := a.b.Dashboard.(syncer.Refresher); ok {
		out = append(out, refreshedDashboard{dashboardSink{a}, r})
	} else {
		out = append(out, dashboardSink{a})
	}
	if a.b.WhoToFollow != nil {
		out = append(out, whoSink{a})
	}
	if a.opts.CacheBySync {
		out = append(out, cacheSink{a})
	}
	return out
}

// searchSink indexes posted tweets.
type searchSink struct{ a *App }

func (searchSink) Name() string            { return ViewSearch.String() }
func (searchSink) Keeps() syncer.EntitySet { return syncer.Entities(syncer.EntityTweet) }
func (searchSink) NotIdempotent()          {}
func (s searchSink) Apply(ctx context.Context, batch []syncer.Change) error {
	var docs []search.Doc
	for i := range batch {
		if c := &batch[i]; c.Entity == syncer.EntityTweet && c.Op == syncer.Upsert {
			docs = append(docs, TweetDoc(c.Tweet))
		}
	}
	if len(docs) == 0 {
		return nil
	}
	return s.a.b.Search.LoadDocs(ctx, docs)
}

// dashboardSink adds an activity row per posted tweet and per like.
type dashboardSink struct{ a *App }

func (dashboardSink) Name() string { return ViewDashboard.String() }
func (dashboardSink) Keeps() syncer.EntitySet {
	return syncer.Entities(syncer.EntityTweet, syncer.EntityLike)
}
func (dashboardSink) NotIdempotent() {}
func (s dashboardSink) Apply(ctx context.Context, batch []syncer.Change) error {
	var sales []agg.Sale
	for i := range batch {
		c := &batch[i]
		switch {
		case c.Op != syncer.Upsert:
		case c.Entity == syncer.EntityTweet:
			sales = append(sales, TweetSale(c.Tweet))
		case c.Entity == syncer.EntityLike:
			sales = append(sales, LikeSale(c.Like))
		}
	}
	if len(sales) == 0 {
		return nil
	}
	return s.a.b.Dashboard.Load(ctx, sales)
}

// refreshedDashboard is a dashboard the store derives from the source (a
// materialized view): the materialized-view strategy refreshes it.
type refreshedDashboard struct {
	dashboardSink
	r syncer.Refresher
}

func (d refreshedDashboard) Refresh(ctx context.Context) error { return d.r.Refresh(ctx) }

// whoSink adds follows edges to the who-to-follow graph.
type whoSink struct{ a *App }

func (whoSink) Name() string            { return ViewWhoToFollow.String() }
func (whoSink) Keeps() syncer.EntitySet { return syncer.Entities(syncer.EntityFollow) }
func (whoSink) NotIdempotent()          {}
func (s whoSink) Apply(ctx context.Context, batch []syncer.Change) error {
	var edges []graph.Edge
	for i := range batch {
		if c := &batch[i]; c.Entity == syncer.EntityFollow && c.Op == syncer.Upsert {
			edges = append(edges, c.Edge)
		}
	}
	if len(edges) == 0 {
		return nil
	}
	return s.a.b.WhoToFollow.LoadEdges(ctx, edges)
}

// cacheSink invalidates the timeline cache: a posted tweet deletes its
// author's cached page (the next read misses and refills it).
type cacheSink struct{ a *App }

func (cacheSink) Name() string            { return ViewCache.String() }
func (cacheSink) Keeps() syncer.EntitySet { return syncer.Entities(syncer.EntityTweet) }
func (s cacheSink) Apply(ctx context.Context, batch []syncer.Change) error {
	done := map[int64]bool{}
	for i := range batch {
		c := &batch[i]
		u := int64(c.Tweet.UserID)
		if c.Entity != syncer.EntityTweet || done[u] {
			continue
		}
		done[u] = true
		s.a.route(opPostTweet, RoleCache)
		if err := s.a.pages.Invalidate(ctx, u); err != nil {
			return err
		}
	}
	return nil
}
