package twitter

import (
	"context"
	"fmt"

	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/agg"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
	"github.com/storefit/storefit/workloads/search"
)

// Sinks returns the App's derived views as the sync engine feeds them, in
// order: search, dashboard, who_to_follow (when it is a store of its own),
// cache (when the sync strategy invalidates it) and home (the inboxes of
// fan-out on write). The first three take
// inserts through their pattern stores (LoadDocs, Load, LoadEdges), which
// need not be idempotent — an analytics table takes a row twice — so the
// engine hands them each change once (NotIdempotent); the cache's apply is
// a delete of the author's page.
func (a *App) Sinks() []syncer.Sink {
	var out []syncer.Sink
	if _, ok := a.b.Search.(SourceMaintained); !ok {
		out = append(out, searchSink{a})
	}
	if r, ok := a.b.Dashboard.(syncer.Refresher); ok {
		out = append(out, refreshedDashboard{dashboardSink{a}, r})
	} else if _, ok := a.b.Dashboard.(SourceMaintained); !ok {
		out = append(out, dashboardSink{a})
	}
	if a.b.WhoToFollow != nil {
		out = append(out, whoSink{a})
	}
	if a.opts.CacheBySync {
		out = append(out, cacheSink{a})
	}
	if a.home.push() {
		out = append(out, homeSink{a})
	}
	return out
}

// SourceMaintained is implemented by search and dashboard stores that the
// source's own write transactions maintain (PostgreSQL rollup tables kept
// by triggers, a generated tsvector column on the tweets table): sync does
// not feed them, and their reads are never behind the source.
type SourceMaintained interface {
	// SourceMaintained marks the store.
	SourceMaintained()
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

// homeSink is fan-out on write: a posted tweet is pushed to the inbox of
// each of its author's followers (but a celebrity's under the hybrid), and
// a follow pushes the followee's newest tweets into the follower's inbox.
// Followers are read from the source as the change is applied, so a
// follow committed before the push is honoured either way; inboxes are
// sets, so a push applied twice (or a tweet pushed by both its post and a
// follow) is kept once: the sink is idempotent.
type homeSink struct{ a *App }

func (homeSink) Name() string { return ViewHome.String() }
func (homeSink) Keeps() syncer.EntitySet {
	return syncer.Entities(syncer.EntityTweet, syncer.EntityFollow)
}
func (s homeSink) Apply(ctx context.Context, batch []syncer.Change) error {
	h := &s.a.home
	var pushes []InboxPush
	var users []crud.UserID
	var posts []Post
	var err error
	var posted, followed bool
	for i := range batch {
		c := &batch[i]
		if c.Op != syncer.Upsert {
			continue
		}
		switch c.Entity {
		case syncer.EntityTweet:
			posted = true
			t := c.Tweet
			if h.strategy == HomeHybrid && h.isCeleb(t.UserID) {
				continue
			}
			if users, err = h.src.Followers(ctx, t.UserID, users); err != nil {
				return fmt.Errorf("followers of %d: %w", t.UserID, err)
			}
			for _, u := range users {
				pushes = append(pushes, InboxPush{User: u, Post: Post{ID: t.ID, Author: t.UserID, At: t.CreatedAt}})
			}
		case syncer.EntityFollow:
			followed = true
			dst := crud.UserID(c.Edge.Dst)
			if h.strategy == HomeHybrid && h.isCeleb(dst) {
				continue
			}
			if posts, err = h.src.Recent(ctx, dst, h.capacity, posts); err != nil {
				return err
			}
			for _, p := range posts {
				pushes = append(pushes, InboxPush{User: crud.UserID(c.Edge.Src), Post: p})
			}
		}
	}
	if len(pushes) == 0 {
		return nil
	}
	if posted {
		s.a.route(opPostTweet, RoleInbox)
	}
	if followed {
		s.a.route(opFollow, RoleInbox)
	}
	return h.inbox.Push(ctx, pushes)
}
