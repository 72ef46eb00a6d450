package twitter

import (
	"context"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/agg"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
	"github.com/storefit/storefit/workloads/search"
)

// Provider is implemented by connections that run the twitter application:
// the placement driver, which routes each operation family to the store its
// placement file names.
type Provider interface {
	// TwitterStore returns the application. Every call on one connection
	// returns the same application (its caches and sync state are shared).
	TwitterStore() (Store, error)
}

// Supports reports whether c runs the twitter application.
func Supports(c drivers.Conn) bool {
	_, ok := c.(Provider)
	return ok
}

// Store is the twitter application as the workload sees it: one method per
// operation of the mix, plus the bulk loads. Methods are safe for
// concurrent use; slices passed in are only valid during the call.
type Store interface {
	// Setup creates every store's schema empty.
	Setup(ctx context.Context) error
	// LoadUsers, LoadTweets, LoadLikes and LoadFollows bulk-load the source
	// and build the derived views (search index, analytics rows, the
	// who-to-follow graph) from the same rows; nothing goes through sync.
	LoadUsers(ctx context.Context, users []crud.User) error
	LoadTweets(ctx context.Context, tweets []crud.Tweet) error
	LoadLikes(ctx context.Context, likes []crud.Like) error
	LoadFollows(ctx context.Context, edges []graph.Edge) error
	// FinishLoad lets every store finish deferred load work (indexes).
	FinishLoad(ctx context.Context) error

	// Timeline returns the ids of user's limit newest tweets (newest first,
	// ties by id descending): from the timeline cache when the placement
	// has one and the page is cached, else from the source, filling the
	// cache.
	Timeline(ctx context.Context, user crud.UserID, limit int, dst []crud.TweetID) ([]crud.TweetID, error)
	// Home returns the ids of the limit newest tweets by the users user
	// follows (newest first, ties by id descending), by the placement's
	// home strategy: fan-out on read, on write, or the hybrid (see
	// HomeRead).
	Home(ctx context.Context, user crud.UserID, limit int, dst []crud.TweetID) ([]crud.TweetID, error)
	// TweetByID reads a tweet from the source, or drivers.ErrNotFound.
	TweetByID(ctx context.Context, id crud.TweetID) (crud.Tweet, error)
	// PostTweet writes a tweet to the source, invalidates the author's
	// cached timeline, and propagates it to the search index and the
	// analytics store by the placement's sync strategy.
	PostTweet(ctx context.Context, id crud.TweetID, user crud.UserID, body []byte, at time.Time) error
	// Like records a like in the source (crud.Store.Like) and propagates it
	// to the analytics store.
	Like(ctx context.Context, user crud.UserID, tweet crud.TweetID, at time.Time) error
	// Follow adds a follows edge to the follows source and propagates it to
	// the who-to-follow view when that is another store. The edge is new.
	Follow(ctx context.Context, src, dst graph.UserID) error
	// SearchTweets returns the topK tweets matching q, best first.
	SearchTweets(ctx context.Context, q search.Query, topK int, dst search.Hits) (search.Hits, error)
	// CountTweets returns the number of tweets matching q.
	CountTweets(ctx context.Context, q search.Query) (int64, error)
	// WhoToFollow returns the top k suggestions for u.
	WhoToFollow(ctx context.Context, u graph.UserID, k int, dst []graph.Suggestion) ([]graph.Suggestion, error)
	// Dashboard answers the analytics dashboard for the window [from, to).
	Dashboard(ctx context.Context, from, to time.Time) (Dashboard, error)
}

// Dashboard is the analytics panel of one time window.
type Dashboard struct {
	// Tweets is the number of tweets posted in the window.
	Tweets int64 `json:"tweets"`
	// Likes is the number of likes given in the window.
	Likes int64 `json:"likes"`
	// Top are the DashboardTop tweets with the most likes given in the
	// window (ProductID is the tweet id, RevenueCents the number of likes),
	// by likes descending, then tweet id ascending.
	Top []agg.ProductRevenue `json:"top"`
}

// Equal reports whether d and e are the same answer.
func (d Dashboard) Equal(e Dashboard) bool {
	if d.Tweets != e.Tweets || d.Likes != e.Likes || len(d.Top) != len(e.Top) {
		return false
	}
	for i := range d.Top {
		if d.Top[i] != e.Top[i] {
			return false
		}
	}
	return true
}

// DashboardTop is the length of Dashboard.Top.
const DashboardTop = 10

// Reporter is an optional interface of a Provider connection that reports
// figures of a measured phase beyond latency: routing counts, stale reads
// and lag per view, stores to run, resource use. If a connection does not
// implement it, the workload reports the App's own counts when the Store is
// an *App.
type Reporter interface {
	// BeginMeasure resets the counts at the start of a measured phase.
	BeginMeasure(ctx context.Context)
	// Figures returns the figures of the phase since BeginMeasure, by name.
	Figures(ctx context.Context) map[string]float64
}
