package twitter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/agg"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
	"github.com/storefit/storefit/workloads/search"
	"github.com/storefit/storefit/workloads/wide"
)

// Backends are the typed pattern stores an App routes to, one per role.
type Backends struct {
	// Source holds users, tweets and likes: the system of record.
	Source crud.Store
	// Cache holds users' timeline pages (row = user id, column 0 = the
	// page's ids). Nil means no cache: timelines are read from Source.
	Cache wide.Store
	// Pages, when set, holds the timeline pages instead of Cache: a page
	// cache with expiry and versioned fills (CacheOptions).
	Pages PageCache
	// Search is the tweet search index, a view derived from Source.
	Search search.Store
	// Follows is the system of record of the follows graph.
	Follows graph.Store
	// WhoToFollow is a graph view fed from Follows by sync; nil means
	// who-to-follow is answered by Follows itself.
	WhoToFollow graph.Store
	// Dashboard is the analytics store: one agg row per tweet and per like
	// (see the package documentation), a view derived from Source.
	Dashboard agg.Store
	// Home answers home timelines by fan-out on read; nil means the
	// default, NewStoreHome(Source, Follows).
	Home HomeSource
	// Inbox holds the fan-out-on-write inboxes (Options.Home write or
	// hybrid): a view the sync strategy feeds.
	Inbox Inboxes
}

// Schemas returns the table names an App uses in each role's store. They
// are distinct, so every role can live in one database.
func Schemas() (crud.Schema, wide.Schema, search.Schema, graph.Schema, graph.Schema, agg.Schema) {
	return crud.Schema{Prefix: "tw_", MaxBodyLength: 280, MaxTextLength: 160},
		wide.Schema{Table: "tw_timeline_cache", Columns: 1, ValueLength: 512},
		search.Schema{Index: "tw_search"},
		graph.Schema{Name: "tw_follows"},
		graph.Schema{Name: "tw_follows_view"},
		agg.Schema{Table: "tw_activity"}
}

// View names a derived view that sync feeds.
type View int

// The derived views.
const (
	ViewSearch View = iota
	ViewDashboard
	ViewWhoToFollow
	// ViewCache is the timeline cache when the sync strategy invalidates
	// it (Options.CacheBySync): a post is pending for it until its
	// author's cached page is deleted.
	ViewCache
	// ViewHome is the home timelines' inboxes (fan-out on write): a post
	// is pending for it until it is pushed to its author's followers.
	ViewHome
	numViews
)

var viewNames = [numViews]string{"search", "dashboard", "who_to_follow", "cache", "home"}

// String returns the view's name.
func (v View) String() string { return viewNames[v] }

// Role names a backend role, for routing counts.
type Role int

// The roles.
const (
	RoleSource Role = iota
	RoleCache
	RoleSearch
	RoleFollows
	RoleWhoToFollow
	RoleDashboard
	// RoleInbox is the store of the home timelines' inboxes.
	RoleInbox
	numRoles
)

var roleNames = [numRoles]string{"source", "cache", "search", "follows", "who_to_follow", "dashboard", "inbox"}

// String returns the role's name as placement files spell it.
func (r Role) String() string { return roleNames[r] }

// RoleNames returns the roles in order.
func RoleNames() []string { return append([]string(nil), roleNames[:]...) }

// Options are an App's choices beyond its backends.
type Options struct {
	// Home is how home timelines are served: HomeRead (fan-out on read,
	// the default), HomeWrite (fan-out on write into Backends.Inbox) or
	// HomeHybrid (fan-out on write except for celebrities, read on
	// demand).
	Home string
	// HomeThreshold is the follower count above which a user is a
	// celebrity (HomeHybrid); 0 means DefaultHomeThreshold.
	HomeThreshold int64
	// InboxCapacity is the most posts an inbox keeps; 0 means
	// DefaultInboxCapacity.
	InboxCapacity int
	// CacheBySync makes the sync strategy invalidate the timeline cache:
	// the cache is a view fed like the others (under CDC, by the change
	// read from the log; under dual writes, in the writer after the source
	// write), instead of a delete in the writer right after the source
	// write (cache-aside, the default).
	CacheBySync bool
	// Cache says how pages are filled (TTL, versioned fills, which need
	// Backends.Pages) and how often hits are checked against the source.
	Cache CacheOptions
}

// The defaults of Options.
const (
	DefaultHomeThreshold = 1000
	DefaultInboxCapacity = 200
)

// App is the twitter application over a set of backends: it implements
// Store, routing each operation to its role's store, caching timelines
// (cache-aside), and running every write through its sync engine (package
// syncer), which keeps the derived views — search, dashboard,
// who-to-follow, and the cache when the strategy invalidates it — in sync
// by the placement's strategy. It counts every backend call by
// (operation, role) and every read of a derived view that began while the
// view had changes committed but not yet applied (a possibly stale read).
type App struct {
	b    Backends
	opts Options
	eng  *syncer.Engine
	view [numViews]int // a view's index in the engine, -1 when it has none
	home homeState     // home timelines (home.go)

	routes [numOps][numRoles]atomic.Int64
	hits   atomic.Int64
	misses atomic.Int64
	reads  [numViews]atomic.Int64
	behind [numViews]atomic.Int64
	stale  [numViews]atomic.Int64

	bufs sync.Pool // *[]byte for cache values

	// pages is the timeline page cache (nil: none); limit the page length
	// timelines were read with, for the cache checker.
	pages        PageCache
	limit        atomic.Int64
	refusedFills atomic.Int64
	checkMu      sync.Mutex
	checker      *cacheChecker
	// beforeFill, when set, runs once between a miss's source read and
	// its fill (InjectBeforeFill).
	beforeFill atomic.Pointer[func(crud.UserID)]
	// bodies regenerates tweets' bodies for the search staleness rule.
	bodies atomic.Pointer[bodies]
}

// NewApp returns the application over b, with dual writes: every change is
// applied to the views in the writer (SetEngine replaces that).
func NewApp(b Backends, opts Options) (*App, error) {
	switch {
	case b.Source == nil:
		return nil, errors.New("twitter: no source (crud) store")
	case b.Search == nil:
		return nil, errors.New("twitter: no search store")
	case b.Follows == nil:
		return nil, errors.New("twitter: no follows (graph) store")
	case b.Dashboard == nil:
		return nil, errors.New("twitter: no dashboard (agg) store")
	}
	if b.Cache == nil && b.Pages == nil {
		opts.CacheBySync = false
	}
	if (opts.Cache.TTL > 0 || opts.Cache.Versioned) && b.Pages == nil {
		return nil, errors.New("twitter: a cache TTL or versioned fills need a page cache (a cache store that offers one, e.g. redis)")
	}
	a := &App{b: b, opts: opts, pages: pagesOf(b)}
	a.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	if err := a.initHome(); err != nil {
		return nil, err
	}
	eng, err := syncer.New(syncer.Config{Strategy: "dual", Source: a, Sinks: a.Sinks(), Options: syncer.Options{InsertsOnly: true}})
	if err != nil {
		return nil, err
	}
	a.SetEngine(eng)
	return a, nil
}

// SetEngine makes e the App's sync engine: its source must be the App and
// its sinks the App's Sinks, in order. Call it before the App is used.
func (a *App) SetEngine(e *syncer.Engine) {
	a.eng = e
	for v := range numViews {
		a.view[v] = slices.Index(e.Views(), viewNames[v])
	}
}

// Engine returns the App's sync engine.
func (a *App) Engine() *syncer.Engine { return a.eng }

var (
	_ Store         = (*App)(nil)
	_ syncer.Source = (*App)(nil)
)

func (a *App) route(op int, r Role) { a.routes[op][r].Add(1) }

// Setup creates every backend's schema.
func (a *App) Setup(ctx context.Context) error {
	steps := []struct {
		name string
		f    func(context.Context) error
	}{
		{"source", a.b.Source.Setup}, {"search", a.b.Search.Setup},
		{"follows", a.b.Follows.Setup}, {"dashboard", a.b.Dashboard.Setup},
	}
	if a.pages != nil {
		steps = append(steps, struct {
			name string
			f    func(context.Context) error
		}{"cache", a.pages.Setup})
	}
	if a.b.WhoToFollow != nil {
		steps = append(steps, struct {
			name string
			f    func(context.Context) error
		}{"who_to_follow", a.b.WhoToFollow.Setup})
	}
	if a.b.Inbox != nil {
		steps = append(steps, struct {
			name string
			f    func(context.Context) error
		}{"inbox", a.b.Inbox.Setup})
	}
	for _, s := range steps {
		if err := s.f(ctx); err != nil {
			return fmt.Errorf("setup %s: %w", s.name, err)
		}
	}
	a.home.mu.Lock()
	a.home.built = false
	a.home.mu.Unlock()
	return nil
}

// LoadUsers loads users into the source.
func (a *App) LoadUsers(ctx context.Context, users []crud.User) error {
	if err := a.b.Source.LoadUsers(ctx, users); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	return nil
}

// LoadTweets loads tweets into the source, the search index and the
// analytics store.
func (a *App) LoadTweets(ctx context.Context, tweets []crud.Tweet) error {
	if err := a.b.Source.LoadTweets(ctx, tweets); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	docs := make([]search.Doc, len(tweets))
	sales := make([]agg.Sale, len(tweets))
	for i, t := range tweets {
		docs[i] = TweetDoc(t)
		sales[i] = TweetSale(t)
	}
	if err := a.b.Search.LoadDocs(ctx, docs); err != nil {
		return fmt.Errorf("search: %w", err)
	}
	if err := a.b.Dashboard.Load(ctx, sales); err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

// LoadLikes loads likes into the source and the analytics store.
func (a *App) LoadLikes(ctx context.Context, likes []crud.Like) error {
	if err := a.b.Source.LoadLikes(ctx, likes); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	sales := make([]agg.Sale, len(likes))
	for i, l := range likes {
		sales[i] = LikeSale(l)
	}
	if err := a.b.Dashboard.Load(ctx, sales); err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

// LoadFollows loads edges into the follows source and the who-to-follow
// view.
func (a *App) LoadFollows(ctx context.Context, edges []graph.Edge) error {
	if err := a.b.Follows.LoadEdges(ctx, edges); err != nil {
		return fmt.Errorf("follows: %w", err)
	}
	if h, ok := a.home.src.(homeEdges); ok {
		h.addEdges(edges)
	}
	if a.b.WhoToFollow != nil {
		if err := a.b.WhoToFollow.LoadEdges(ctx, edges); err != nil {
			return fmt.Errorf("who_to_follow: %w", err)
		}
	}
	return nil
}

// FinishLoad finishes every backend's load (see drivers.LoadFinisher).
func (a *App) FinishLoad(ctx context.Context) error {
	for _, s := range []any{a.b.Source, a.b.Cache, a.b.Search, a.b.Follows, a.b.WhoToFollow, a.b.Dashboard} {
		if s == nil {
			continue
		}
		if err := workloads.FinishStore(ctx, s); err != nil {
			return err
		}
	}
	return a.finishHome(ctx)
}

// TweetDoc is the search document of a tweet.
func TweetDoc(t crud.Tweet) search.Doc {
	return search.Doc{ID: int64(t.ID), UserID: int64(t.UserID), CreatedAt: t.CreatedAt, Body: []byte(t.Body)}
}

// TweetSale is the analytics row of a tweet: category 0, the tweet as the
// product, its author as the customer, quantity 1, price 0 (a tweet adds
// nothing to a tweet's like "revenue").
func TweetSale(t crud.Tweet) agg.Sale {
	return agg.Sale{ID: int64(t.ID), TS: t.CreatedAt.UTC(), Category: 0, ProductID: int64(t.ID), CustomerID: int64(t.UserID), Quantity: 1}
}

// LikeSale is the analytics row of a like: category 1, the liked tweet as
// the product, the liker as the customer, quantity 1, price 1, so a
// window's revenue by product is the likes each tweet got in it. Its id is
// 2^60 + tweet·2^20 + user, distinct from every tweet row's.
func LikeSale(l crud.Like) agg.Sale {
	return agg.Sale{ID: 1<<60 | int64(l.TweetID)<<20 | int64(l.UserID), TS: l.CreatedAt.UTC(), Category: 1,
		ProductID: int64(l.TweetID), CustomerID: int64(l.UserID), Quantity: 1, PriceCents: 1}
}

// Timeline reads the cache first, the source on a miss, then fills the
// cache (with the options' TTL; when versioned, only if no invalidation
// came between the miss and the fill).
func (a *App) Timeline(ctx context.Context, user crud.UserID, limit int, dst []crud.TweetID) ([]crud.TweetID, error) {
	if a.pages == nil {
		a.route(opTimeline, RoleSource)
		return a.b.Source.Timeline(ctx, user, limit, dst)
	}
	if a.limit.Load() != int64(limit) {
		a.limit.Store(int64(limit))
	}
	a.route(opTimeline, RoleCache)
	bp := a.bufs.Get().(*[]byte)
	defer a.bufs.Put(bp)
	raw, ok, version, err := a.pages.Page(ctx, int64(user), (*bp)[:0])
	if err != nil {
		return dst[:0], fmt.Errorf("timeline cache: %w", err)
	}
	if ok {
		*bp = raw
		n := a.hits.Add(1)
		a.readView(ViewCache, func(c *syncer.Change) bool { return c.Entity == syncer.EntityTweet && c.Tweet.UserID == user })
		a.sampleHit(n, user)
		return decodeIDs(dst[:0], raw)
	}
	a.misses.Add(1)
	a.route(opTimeline, RoleSource)
	dst, err = a.b.Source.Timeline(ctx, user, limit, dst)
	if err != nil {
		return dst, err
	}
	if a.beforeFill.Load() != nil {
		if f := a.beforeFill.Swap(nil); f != nil {
			(*f)(user)
		}
	}
	enc := encodeIDs((*bp)[:0], dst)
	*bp = enc
	stored, err := a.pages.Fill(ctx, int64(user), enc, version, a.opts.Cache.Versioned, a.opts.Cache.TTL)
	if err != nil {
		return dst, fmt.Errorf("timeline cache fill: %w", err)
	}
	if !stored {
		a.refusedFills.Add(1)
	}
	return dst, nil
}

var cacheCols = [1]int{0}

// encodeIDs encodes a timeline page as decimal ids separated by commas;
// an empty page is "-" (a cached empty page, not a miss).
func encodeIDs(dst []byte, ids []crud.TweetID) []byte {
	if len(ids) == 0 {
		return append(dst, '-')
	}
	for i, id := range ids {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(dst, int64(id), 10)
	}
	return dst
}

func decodeIDs(dst []crud.TweetID, b []byte) ([]crud.TweetID, error) {
	if len(b) == 1 && b[0] == '-' {
		return dst, nil
	}
	var n int64
	digits := 0
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == ',' {
			if digits == 0 {
				return dst, fmt.Errorf("timeline cache: bad entry %q", b)
			}
			dst = append(dst, crud.TweetID(n))
			n, digits = 0, 0
			continue
		}
		c := b[i]
		if c < '0' || c > '9' {
			return dst, fmt.Errorf("timeline cache: bad entry %q", b)
		}
		n = n*10 + int64(c-'0')
		digits++
	}
	return dst, nil
}

// TweetByID reads the source.
func (a *App) TweetByID(ctx context.Context, id crud.TweetID) (crud.Tweet, error) {
	a.route(opReadTweet, RoleSource)
	return a.b.Source.TweetByID(ctx, id)
}

// PostTweet writes the source through the sync engine, which feeds the
// search index and the dashboard; then, unless the strategy invalidates
// the cache, it deletes the author's cached page (cache-aside).
func (a *App) PostTweet(ctx context.Context, id crud.TweetID, user crud.UserID, body []byte, at time.Time) error {
	a.route(opPostTweet, RoleSource)
	cmd := syncer.Command{Kind: syncer.CreateTweet, Tweet: crud.Tweet{ID: id, UserID: user, Body: string(body), CreatedAt: at.UTC()}}
	if err := a.eng.Exec(ctx, &cmd); err != nil {
		return err
	}
	if a.pages != nil && !a.opts.CacheBySync {
		a.route(opPostTweet, RoleCache)
		if err := a.pages.Invalidate(ctx, int64(user)); err != nil {
			return fmt.Errorf("timeline cache invalidation: %w", err)
		}
	}
	return nil
}

// Like writes the source through the sync engine, which feeds the
// dashboard.
func (a *App) Like(ctx context.Context, user crud.UserID, tweet crud.TweetID, at time.Time) error {
	a.route(opLike, RoleSource)
	cmd := syncer.Command{Kind: syncer.Like, Like: crud.Like{UserID: user, TweetID: tweet, CreatedAt: at.UTC()}}
	return a.eng.Exec(ctx, &cmd)
}

// Follow writes the follows source through the sync engine, which feeds
// the who-to-follow view when that is another store.
func (a *App) Follow(ctx context.Context, src, dst graph.UserID) error {
	a.route(opFollow, RoleFollows)
	cmd := syncer.Command{Kind: syncer.Follow, Edge: graph.Edge{Src: src, Dst: dst}}
	return a.eng.Exec(ctx, &cmd)
}

// Exec runs a write on the source stores: the App is its engine's
// syncer.Source. The mix's writes are inserts of rows it never writes
// twice (a tweet, a like, an edge), so the change each makes is known
// before the write, and only inserts are captured (a like's update of
// like_count feeds no view).
func (a *App) Exec(ctx context.Context, cmd *syncer.Command, committing func([]syncer.Change)) ([]syncer.Change, error) {
	var ch []syncer.Change
	var err error
	switch cmd.Kind {
	case syncer.CreateTweet:
		t := cmd.Tweet
		ch = []syncer.Change{syncer.TweetUpsert(t)}
		committing(ch)
		err = a.b.Source.CreateTweet(ctx, t.ID, t.UserID, []byte(t.Body), t.CreatedAt)
	case syncer.Like:
		ch = []syncer.Change{syncer.LikeUpsert(cmd.Like)}
		committing(ch)
		err = a.b.Source.Like(ctx, cmd.Like.UserID, cmd.Like.TweetID, cmd.Like.CreatedAt)
	case syncer.Follow:
		ch = []syncer.Change{syncer.FollowUpsert(cmd.Edge)}
		committing(ch)
		err = a.b.Follows.LoadEdges(ctx, []graph.Edge{cmd.Edge})
		if h, ok := a.home.src.(homeEdges); ok && err == nil {
			h.addEdges([]graph.Edge{cmd.Edge})
		}
	default:
		return nil, fmt.Errorf("twitter: the application never writes %v: %w", cmd.Kind, drivers.ErrUnsupported)
	}
	if err != nil {
		return nil, err
	}
	return ch, nil
}

// readView counts a read of a derived view: behind when the view had
// changes pending as the read began, stale when one of them changes the
// answer (affects reports that for a pending change).
func (a *App) readView(v View, affects func(c *syncer.Change) bool) {
	i := a.view[v]
	if i < 0 {
		return
	}
	a.reads[v].Add(1)
	l := a.eng.Ledger()
	if l.Pending(i) == 0 {
		return
	}
	a.behind[v].Add(1)
	if l.AnyPending(i, affects) {
		a.stale[v].Add(1)
	}
}

// matchesQuery reports whether a pending posted tweet matches q: then the
// hit count (and maybe the top 10) of q differs until it is applied.
func matchesQuery(c *syncer.Change, q search.Query) bool {
	if c.Entity != syncer.EntityTweet || c.Op != syncer.Upsert {
		return false
	}
	toks := search.Tokens([]byte(c.Tweet.Body))
	switch q.Kind {
	case search.Or:
		for _, t := range q.Terms {
			if slices.Contains(toks, t) {
				return true
			}
		}
		return false
	case search.Phrase:
		for i := 0; i+len(q.Terms) <= len(toks); i++ {
			if slices.Equal(toks[i:i+len(q.Terms)], q.Terms) {
				return true
			}
		}
		return false
	}
	for _, t := range q.Terms {
		if !slices.Contains(toks, t) {
			return false
		}
	}
	return true
}

// SearchTweets asks the search index. The read is stale when a tweet
// pending for the index would be in the answer's top topK, not merely
// when it matches (searchStale).
func (a *App) SearchTweets(ctx context.Context, q search.Query, topK int, dst search.Hits) (search.Hits, error) {
	a.route(opSearch, RoleSearch)
	return a.searchTweets(ctx, q, topK, dst)
}

// CountTweets asks the search index.
func (a *App) CountTweets(ctx context.Context, q search.Query) (int64, error) {
	a.route(opSearch, RoleSearch)
	a.readView(ViewSearch, func(c *syncer.Change) bool { return matchesQuery(c, q) })
	return search.Count(ctx, a.b.Search, q)
}

// WhoToFollow asks the who-to-follow view, or the follows source.
func (a *App) WhoToFollow(ctx context.Context, u graph.UserID, k int, dst []graph.Suggestion) ([]graph.Suggestion, error) {
	if a.b.WhoToFollow == nil {
		a.route(opWhoToFollow, RoleFollows)
		return a.b.Follows.WhoToFollow(ctx, u, k, dst)
	}
	a.route(opWhoToFollow, RoleWhoToFollow)
	// A pending follow by u changes u's candidates for sure; one by a
	// followee of u changes scores too, but telling would need u's
	// followees from the source inside the timed call, so those are
	// counted only as behind: for this view stale is a lower bound.
	a.readView(ViewWhoToFollow, func(c *syncer.Change) bool { return c.Entity == syncer.EntityFollow && c.Edge.Src == u })
	return a.b.WhoToFollow.WhoToFollow(ctx, u, k, dst)
}

// Dashboard asks the analytics store three queries: tweets and likes in
// the window (CategoryQuantity of categories 0 and 1) and the most liked
// tweets (TopProducts).
func (a *App) Dashboard(ctx context.Context, from, to time.Time) (Dashboard, error) {
	a.route(opDashboard, RoleDashboard)
	a.readView(ViewDashboard, func(c *syncer.Change) bool {
		var t time.Time
		switch c.Entity {
		case syncer.EntityTweet:
			t = c.Tweet.CreatedAt
		case syncer.EntityLike:
			t = c.Like.CreatedAt
		default:
			return false
		}
		return !t.Before(from) && t.Before(to)
	})
	var d Dashboard
	var err error
	if d.Tweets, err = a.b.Dashboard.CategoryQuantity(ctx, 0, from, to); err != nil {
		return d, fmt.Errorf("dashboard tweets: %w", err)
	}
	if d.Likes, err = a.b.Dashboard.CategoryQuantity(ctx, 1, from, to); err != nil {
		return d, fmt.Errorf("dashboard likes: %w", err)
	}
	if d.Top, err = a.b.Dashboard.TopProducts(ctx, from, to, DashboardTop); err != nil {
		return d, fmt.Errorf("dashboard top: %w", err)
	}
	return d, nil
}

// Stats is what an App counted: backend calls by operation and role, cache
// hits, and per derived view the reads, possibly stale reads, applied
// changes and their lag.
type Stats struct {
	// Routes counts backend calls: Routes[op][role].
	Routes map[string]map[string]int64 `json:"routes"`
	// CacheHits and CacheMisses count timeline reads.
	CacheHits   int64 `json:"cache_hits"`
	CacheMisses int64 `json:"cache_misses"`
	// Views holds the derived views' figures by view name.
	Views map[string]ViewStats `json:"views"`
	// Replays counts changes a strategy handed a view again (after a
	// relay or consumer restart) that it had applied already: skipped.
	Replays int64 `json:"replays"`
	// FillsRefused counts versioned cache fills refused because an
	// invalidation came between the miss and the fill.
	FillsRefused int64 `json:"fills_refused"`
}

// ViewStats are one derived view's figures.
type ViewStats struct {
	// Reads is the number of reads of the view (for the cache: hits).
	Reads int64 `json:"reads"`
	// BehindReads counts reads that began while the view had changes
	// committed in the source but not yet applied.
	BehindReads int64 `json:"behind_reads"`
	// StaleReads counts the reads among them for which a pending change
	// changes the answer the oracle gives: a posted tweet matching a
	// search count, or one that would be in a search's returned top 10
	// (searchStale), a tweet or like inside the dashboard's window, a
	// follow by the user asking who to follow, a post by the author of a
	// cached page (or, with the cache's sampled checks, the checked share
	// of stale pages, see Checked). Exact for search hit counts,
	// dashboards and cached pages; a lower bound for who-to-follow
	// (follows by followees are not looked up).
	StaleReads int64 `json:"stale_reads"`
	// Applied is the number of changes applied to the view since the
	// measured phase began, Pending the changes committed but not applied
	// now.
	Applied int64 `json:"applied"`
	Pending int64 `json:"pending"`
	// LagMeanMs and LagMaxMs are the time from the source write to the
	// change's application, in milliseconds, over the changes of the
	// measured phase; once the phase ended (EndMeasure), the changes
	// still pending count with their age then (PendingAtEnd of them, the
	// oldest OldestPendingMs old).
	LagMeanMs       float64 `json:"lag_mean_ms"`
	LagMaxMs        float64 `json:"lag_max_ms"`
	PendingAtEnd    int64   `json:"pending_at_end"`
	OldestPendingMs float64 `json:"oldest_pending_ms"`
	// Checked and CheckedStale count the sampled checks of cached pages
	// against the source (App.CheckCache) and the stale pages they found;
	// CheckErrors the checks that failed. For the cache, when checks were
	// made, StaleReads is the hits times the stale share of the checks —
	// an estimate from a sample of Checked —, which counts every way a page
	// goes stale (an invalidation not yet applied, a racing fill), where
	// the pending-change rule sees only the first.
	Checked      int64 `json:"checked,omitempty"`
	CheckedStale int64 `json:"checked_stale,omitempty"`
	CheckErrors  int64 `json:"check_errors,omitempty"`
}

// Stats returns the counts so far.
func (a *App) Stats() Stats {
	s := Stats{Routes: map[string]map[string]int64{}, Views: map[string]ViewStats{},
		CacheHits: a.hits.Load(), CacheMisses: a.misses.Load()}
	for op := range numOps {
		for r := range numRoles {
			if n := a.routes[op][r].Load(); n > 0 {
				if s.Routes[opNames[op]] == nil {
					s.Routes[opNames[op]] = map[string]int64{}
				}
				s.Routes[opNames[op]][roleNames[r]] = n
			}
		}
	}
	l := a.eng.Ledger()
	for v := range numViews {
		i := a.view[v]
		if i < 0 {
			continue
		}
		lag := l.Lag(i)
		s.Replays += lag.Replays
		vs := ViewStats{Reads: a.reads[v].Load(), BehindReads: a.behind[v].Load(), StaleReads: a.stale[v].Load(),
			Applied: lag.Applied, Pending: l.Pending(i), PendingAtEnd: lag.PendingAtEnd,
			LagMeanMs: float64(lag.Mean) / 1e6, LagMaxMs: float64(lag.Max) / 1e6, OldestPendingMs: float64(lag.Oldest) / 1e6}
		if vs.Reads > 0 || vs.Applied > 0 || vs.Pending > 0 || vs.PendingAtEnd > 0 {
			s.Views[viewNames[v]] = vs
		}
	}
	s.FillsRefused = a.refusedFills.Load()
	a.cacheStats(&s)
	return s
}

// ResetStats zeroes the routing and staleness counters and opens the sync
// engine's measuring window, so a measured phase counts only itself.
func (a *App) ResetStats() {
	for op := range numOps {
		for r := range numRoles {
			a.routes[op][r].Store(0)
		}
	}
	a.hits.Store(0)
	a.misses.Store(0)
	a.refusedFills.Store(0)
	for v := range numViews {
		a.reads[v].Store(0)
		a.behind[v].Store(0)
		a.stale[v].Store(0)
	}
	a.eng.BeginMeasure(time.Now())
	a.startChecker()
}

// EndMeasure closes the sync engine's measuring window: the changes still
// pending count in the lag with their age; the cache checker stops.
func (a *App) EndMeasure() {
	a.eng.EndMeasure(time.Now())
	a.stopChecker()
}

// errNotFound is drivers.ErrNotFound, named here for the worker.
var errNotFound = drivers.ErrNotFound
