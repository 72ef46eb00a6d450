package twitter

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
)

// The home timeline is the page a user opens the app on: the limit newest
// tweets by the users they follow (newest first, ties by id descending).
// A placement serves it one of three ways (Options.Home):
//
//   - fan-out on read ("read", the default): the page is computed at read
//     time from the follows graph and the tweets (HomeSource.Home: one
//     LATERAL join in PostgreSQL);
//   - fan-out on write ("write"): every posted tweet is pushed into a capped
//     inbox per follower (Inboxes, a sorted set per user in Redis) by the
//     sync strategy — the "home" view —, and a follow pushes the followee's
//     newest tweets into the follower's inbox; a read is one inbox read;
//   - hybrid ("hybrid"): as "write", except that tweets by celebrities —
//     users with more than Threshold followers when the load finished — are
//     not pushed; a read merges the inbox with the celebrities' newest
//     tweets read on demand (HomeSource.Home restricted to them), so a post
//     by an account with a million followers costs one row, not a million.
//
// All three return the same page once sync has applied every change; the
// workload's validation and the placement tests check it against the
// oracle (fan-out on read over the memory stores).

// Home strategies (Options.Home).
const (
	HomeRead   = "read"
	HomeWrite  = "write"
	HomeHybrid = "hybrid"
)

// HomeStrategies lists the home strategies.
func HomeStrategies() []string { return []string{HomeRead, HomeWrite, HomeHybrid} }

// Post is an entry of a home timeline: a tweet, its author and its time.
type Post struct {
	ID     crud.TweetID
	Author crud.UserID
	At     time.Time
}

// comparePosts orders posts newest first, ties by id descending.
func comparePosts(a, b Post) int {
	if c := b.At.Compare(a.At); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// HomeFilter restricts a fan-out on read to some followees.
type HomeFilter int

// The filters of HomeSource.Home.
const (
	// HomeAll reads every followee's tweets.
	HomeAll HomeFilter = iota
	// HomeOnly reads only the followees in the given set.
	HomeOnly
	// HomeExcept reads every followee but those in the given set.
	HomeExcept
)

// HomeSource answers the fan-out-on-read side of home timelines from the
// system of record (the source's tweets and the follows graph). Placements
// with both in one PostgreSQL database use one SQL statement per call; the
// default (NewStoreHome) composes the pattern stores' calls.
type HomeSource interface {
	// Home appends to dst[:0] the limit newest tweets by the users user
	// follows (filtered by f over set, which is sorted ascending), newest
	// first, ties by id descending.
	Home(ctx context.Context, user crud.UserID, f HomeFilter, set []crud.UserID, limit int, dst []Post) ([]Post, error)
	// Recent appends to dst[:0] the limit newest tweets of author.
	Recent(ctx context.Context, author crud.UserID, limit int, dst []Post) ([]Post, error)
	// Followers appends to dst[:0] the users who follow author.
	Followers(ctx context.Context, author crud.UserID, dst []crud.UserID) ([]crud.UserID, error)
	// Celebrities returns the users with more than threshold followers,
	// ascending.
	Celebrities(ctx context.Context, threshold int64) ([]crud.UserID, error)
	// Readers returns every user who follows someone, ascending: the users
	// whose inboxes a fan-out-on-write placement builds after the load.
	Readers(ctx context.Context) ([]crud.UserID, error)
}

// Inboxes are the fan-out-on-write side of home timelines: one inbox per
// user holding the newest Cap posts pushed to it (an entry pushed twice is
// kept once).
type Inboxes interface {
	// Setup drops every inbox.
	Setup(ctx context.Context) error
	// Push adds each post to its user's inbox, then trims the inboxes it
	// touched to their capacity.
	Push(ctx context.Context, pushes []InboxPush) error
	// Read appends to dst[:0] the limit newest posts of user's inbox,
	// newest first, ties by id descending (Author is not kept).
	Read(ctx context.Context, user crud.UserID, limit int, dst []Post) ([]Post, error)
}

// InboxPush is a post for one user's inbox.
type InboxPush struct {
	User crud.UserID
	Post Post
}

// InboxProvider is implemented by connections that can hold inboxes (the
// redis and memory drivers): name prefixes their keys, capacity is the
// most posts an inbox keeps.
type InboxProvider interface {
	Inboxes(name string, capacity int) (Inboxes, error)
}

// storeHome is the default HomeSource: the source's timelines merged in
// the application, followers from an index of the follows edges the App
// wrote (loaded and followed), kept in memory.
type storeHome struct {
	src     crud.Store
	follows graph.Store

	mu        sync.RWMutex
	followers map[crud.UserID][]crud.UserID
	readers   map[crud.UserID]bool
}

// NewStoreHome returns the fan-out on read that merges the source's
// per-author timelines of the users graph says user follows: a call per
// followee and a read per tweet (for its time). It keeps the followers of
// every edge AddEdges was given in memory.
func NewStoreHome(src crud.Store, follows graph.Store) HomeSource {
	return &storeHome{src: src, follows: follows, followers: map[crud.UserID][]crud.UserID{}, readers: map[crud.UserID]bool{}}
}

// homeEdges is implemented by HomeSources that index the edges the App
// writes (the default one).
type homeEdges interface{ addEdges([]graph.Edge) }

func (h *storeHome) addEdges(edges []graph.Edge) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range edges {
		h.followers[crud.UserID(e.Dst)] = append(h.followers[crud.UserID(e.Dst)], crud.UserID(e.Src))
		h.readers[crud.UserID(e.Src)] = true
	}
}

func (h *storeHome) Home(ctx context.Context, user crud.UserID, f HomeFilter, set []crud.UserID, limit int, dst []Post) ([]Post, error) {
	dst = dst[:0]
	fs, err := h.follows.Neighbours(ctx, graph.UserID(user), nil)
	if err != nil {
		return dst, fmt.Errorf("home of %d: followees: %w", user, err)
	}
	var buf []Post
	for _, v := range fs {
		_, in := slices.BinarySearch(set, crud.UserID(v))
		if (f == HomeOnly && !in) || (f == HomeExcept && in) {
			continue
		}
		if buf, err = h.Recent(ctx, crud.UserID(v), limit, buf); err != nil {
			return dst, err
		}
		dst = append(dst, buf...)
	}
	return topPosts(dst, limit), nil
}

func (h *storeHome) Recent(ctx context.Context, author crud.UserID, limit int, dst []Post) ([]Post, error) {
	dst = dst[:0]
	ids, err := h.src.Timeline(ctx, author, limit, nil)
	if err != nil {
		return dst, fmt.Errorf("tweets of %d: %w", author, err)
	}
	for _, id := range ids {
		t, err := h.src.TweetByID(ctx, id)
		if err != nil {
			return dst, fmt.Errorf("tweet %d: %w", id, err)
		}
		dst = append(dst, Post{ID: id, Author: author, At: t.CreatedAt})
	}
	return dst, nil
}

func (h *storeHome) Followers(ctx context.Context, author crud.UserID, dst []crud.UserID) ([]crud.UserID, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return append(dst[:0], h.followers[author]...), nil
}

func (h *storeHome) Celebrities(ctx context.Context, threshold int64) ([]crud.UserID, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []crud.UserID
	for u, fs := range h.followers {
		if int64(len(fs)) > threshold {
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (h *storeHome) Readers(ctx context.Context) ([]crud.UserID, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]crud.UserID, 0, len(h.readers))
	for u := range h.readers {
		out = append(out, u)
	}
	slices.Sort(out)
	return out, nil
}

// topPosts sorts posts newest first, drops repeated ids and keeps limit.
func topPosts(p []Post, limit int) []Post {
	slices.SortFunc(p, comparePosts)
	p = slices.CompactFunc(p, func(a, b Post) bool { return a.ID == b.ID })
	return p[:min(len(p), limit)]
}

// homeState is an App's home-timeline machinery.
type homeState struct {
	strategy string
	src      HomeSource
	inbox    Inboxes
	capacity int
	thresh   int64

	mu     sync.RWMutex
	celebs []crud.UserID // sorted; fixed when the load finished
	built  bool          // the inboxes were built since Setup

	posts sync.Pool // *[]Post
}

func (h *homeState) push() bool { return h.strategy == HomeWrite || h.strategy == HomeHybrid }

func (h *homeState) celebrities() []crud.UserID {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.celebs
}

func (h *homeState) isCeleb(u crud.UserID) bool {
	_, ok := slices.BinarySearch(h.celebrities(), u)
	return ok
}

// initHome checks and completes the home options and sets up the home
// state (NewApp).
func (a *App) initHome() error {
	o := &a.opts
	if o.Home == "" {
		o.Home = HomeRead
	}
	if !slices.Contains(HomeStrategies(), o.Home) {
		return fmt.Errorf("twitter: home strategy %q (use %s, %s or %s)", o.Home, HomeRead, HomeWrite, HomeHybrid)
	}
	if o.Home != HomeRead && a.b.Inbox == nil {
		return fmt.Errorf("twitter: home strategy %s needs an inbox store", o.Home)
	}
	if o.HomeThreshold == 0 {
		o.HomeThreshold = DefaultHomeThreshold
	}
	if o.InboxCapacity == 0 {
		o.InboxCapacity = DefaultInboxCapacity
	}
	if a.b.Home == nil {
		a.b.Home = NewStoreHome(a.b.Source, a.b.Follows)
	}
	a.home = homeState{strategy: o.Home, src: a.b.Home, inbox: a.b.Inbox, capacity: o.InboxCapacity, thresh: o.HomeThreshold}
	a.home.posts.New = func() any { p := make([]Post, 0, 64); return &p }
	return nil
}

// Home returns the ids of the limit newest tweets by the users user
// follows, by the placement's home strategy.
func (a *App) Home(ctx context.Context, user crud.UserID, limit int, dst []crud.TweetID) ([]crud.TweetID, error) {
	h := &a.home
	pp := h.posts.Get().(*[]Post)
	defer h.posts.Put(pp)
	var err error
	posts := (*pp)[:0]
	switch h.strategy {
	case HomeRead:
		// One statement when the source answers it (a join over its
		// follows and tweets); the default composes calls to both roles.
		a.route(opHome, RoleSource)
		if _, ok := h.src.(*storeHome); ok {
			a.route(opHome, RoleFollows)
		}
		posts, err = h.src.Home(ctx, user, HomeAll, nil, limit, posts)
	default:
		a.route(opHome, RoleInbox)
		a.readView(ViewHome, func(c *syncer.Change) bool { return c.Entity == syncer.EntityFollow && crud.UserID(c.Edge.Src) == user })
		posts, err = h.inbox.Read(ctx, user, limit, posts)
		if err == nil && h.strategy == HomeHybrid && len(h.celebrities()) > 0 {
			a.route(opHome, RoleSource)
			n := len(posts)
			var more []Post
			more, err = h.src.Home(ctx, user, HomeOnly, h.celebrities(), limit, posts[n:])
			posts = topPosts(append(posts[:n], more...), limit)
		}
	}
	*pp = posts
	dst = dst[:0]
	if err != nil {
		return dst, fmt.Errorf("home of %d: %w", user, err)
	}
	for _, p := range posts {
		dst = append(dst, p.ID)
	}
	return dst, nil
}

// finishHome fixes the celebrities and, for the strategies that push,
// builds every reader's inbox from the loaded source (the same pages fan-out
// on read gives), 4 readers at a time; once after each Setup (the sync
// engine finishes the App's load again as it starts).
func (a *App) finishHome(ctx context.Context) error {
	h := &a.home
	h.mu.Lock()
	done := h.built
	h.built = true
	h.mu.Unlock()
	if !h.push() || done {
		return nil
	}
	if h.strategy == HomeHybrid {
		c, err := h.src.Celebrities(ctx, h.thresh)
		if err != nil {
			return fmt.Errorf("home: celebrities: %w", err)
		}
		h.mu.Lock()
		h.celebs = c
		h.mu.Unlock()
	}
	readers, err := h.src.Readers(ctx)
	if err != nil {
		return fmt.Errorf("home: readers: %w", err)
	}
	if err := h.inbox.Setup(ctx); err != nil {
		return fmt.Errorf("home: inboxes: %w", err)
	}
	const par = 4
	errs := make(chan error, par)
	for i := range par {
		go func() {
			var posts []Post
			var pushes []InboxPush
			for j := i; j < len(readers); j += par {
				u := readers[j]
				var err error
				if posts, err = h.src.Home(ctx, u, HomeExcept, h.celebrities(), h.capacity, posts); err != nil {
					errs <- fmt.Errorf("home: build the inbox of %d: %w", u, err)
					return
				}
				for _, p := range posts {
					pushes = append(pushes, InboxPush{User: u, Post: p})
				}
				if len(pushes) >= 2000 || j+par >= len(readers) {
					if err := h.inbox.Push(ctx, pushes); err != nil {
						errs <- fmt.Errorf("home: build inboxes: %w", err)
						return
					}
					pushes = pushes[:0]
				}
			}
			errs <- nil
		}()
	}
	var all []error
	for range par {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}
