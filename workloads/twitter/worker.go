package twitter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/gen"
	"github.com/storefit/storefit/workloads/graph"
	"github.com/storefit/storefit/workloads/search"
)

// workerStream is the purpose byte of the workers' random streams.
const workerStream = 0x54 << 56

// worker is one worker's operation stream.
type worker struct {
	w     *Workload
	s     Store
	id, n int64
	r     gen.Rand
	ops   *gen.Discrete
	users *gen.Zipfian // author ranks
	rows  *gen.TwitterRows
	draw  *gen.FollowsDrawer
	i     int64 // operations prepared
	posts int64 // tweets posted

	liked    map[[2]int64]bool
	followed map[[2]int64]bool
	buf      []int64
	body     []byte
	toks     []string

	timeline timelineOp
	read     readTweetOp
	post     postOp
	like     likeOp
	follow   followOp
	search   searchOp
	wtf      whoToFollowOp
	dash     dashboardOp
	home     homeOp
}

// Worker returns worker id of n's stream.
func (w *Workload) Worker(c drivers.Conn, id, n int) (workloads.Worker, error) {
	s, err := w.Store(c)
	if err != nil {
		return nil, err
	}
	if n < 1 || id < 0 || id >= n {
		return nil, fmt.Errorf("twitter: worker %d of %d", id, n)
	}
	k := &worker{w: w, s: s, id: int64(id), n: int64(n), rows: w.gen.Rows(), draw: w.follows.Drawer(),
		liked: map[[2]int64]bool{}, followed: map[[2]int64]bool{}}
	k.r.Reset(w.seed, workerStream|uint64(id)<<24|uint64(n))
	weights := make([]float64, 0, numOps)
	for op := range numOps {
		if w.props[op] > 0 {
			weights = append(weights, w.props[op])
		}
	}
	k.ops = gen.NewDiscrete(&k.r, weights)
	k.users = gen.NewZipfianZeta(&k.r, 0, w.cfg.Users-1, w.cfg.AuthorZipf, w.gen.AuthorZeta())
	k.timeline = timelineOp{kind: w.index[opTimeline], s: s, limit: w.cfg.TimelineLimit}
	k.read = readTweetOp{kind: w.index[opReadTweet], s: s}
	k.post = postOp{kind: w.index[opPostTweet], s: s}
	k.like = likeOp{kind: w.index[opLike], s: s}
	k.follow = followOp{kind: w.index[opFollow], s: s}
	k.search = searchOp{kind: w.index[opSearch], s: s}
	k.wtf = whoToFollowOp{kind: w.index[opWhoToFollow], s: s}
	k.dash = dashboardOp{kind: w.index[opDashboard], s: s}
	k.home = homeOp{kind: w.index[opHome], s: s, limit: w.cfg.TimelineLimit}
	return k, nil
}

func (k *worker) user() int64        { return k.w.gen.UserOfRank(k.users.Next()) }
func (k *worker) loadedTweet() int64 { return 1 + k.r.Int64N(k.w.cfg.Tweets) }

// classUser draws a user of the worker's class (ids 1+id, 1+id+n, …), so
// workers never like or follow as the same user; 0 when the class is empty.
func (k *worker) classUser() int64 {
	if k.id >= k.w.cfg.Users {
		return 0
	}
	m := (k.w.cfg.Users - 1 - k.id) / k.n
	return 1 + k.id + k.n*k.r.Int64N(m+1)
}

// Next chooses and prepares the next operation.
func (k *worker) Next() workloads.Op {
	at := unix(k.w.clockStart() + k.i*k.n + k.id)
	k.i++
	kind := k.ops.Next()
	op := 0
	for o := range numOps {
		if k.w.index[o] == kind {
			op = o
			break
		}
	}
	switch op {
	case opTimeline:
		k.timeline.user = crud.UserID(k.user())
		return &k.timeline
	case opHome:
		k.home.user = crud.UserID(k.user())
		return &k.home
	case opPostTweet:
		id := k.w.cfg.Tweets + 1 + k.id + k.posts*k.n
		k.posts++
		k.body = k.rows.AppendBody(k.body[:0], id, 0)
		k.post.id, k.post.user, k.post.body, k.post.at = crud.TweetID(id), crud.UserID(k.user()), k.body, at
		return &k.post
	case opLike:
		for range 16 {
			t, u := k.loadedTweet(), k.classUser()
			key := [2]int64{t, u}
			if u == 0 || k.liked[key] || k.rows.LikeSet(t).Has(u) {
				continue
			}
			k.liked[key] = true
			k.like.user, k.like.tweet, k.like.at = crud.UserID(u), crud.TweetID(t), at
			return &k.like
		}
	case opFollow:
		for range 16 {
			src, dst := k.classUser(), k.user()
			key := [2]int64{src, dst}
			if src == 0 || src == dst || k.followed[key] {
				continue
			}
			k.buf = k.draw.AppendFollowees(k.buf[:0], src-1)
			if _, found := slices.BinarySearch(k.buf, dst-1); found {
				continue
			}
			k.followed[key] = true
			k.follow.src, k.follow.dst = graph.UserID(src), graph.UserID(dst)
			return &k.follow
		}
	case opSearch:
		k.body = k.rows.AppendBody(k.body[:0], k.loadedTweet(), 0)
		k.toks = search.AppendTokens(k.toks[:0], k.body)
		k.search.q = drawQuery(&k.r, k.toks, k.search.q)
		return &k.search
	case opWhoToFollow:
		k.wtf.user = graph.UserID(k.user())
		return &k.wtf
	case opDashboard:
		// Half the dashboards look at "now" (the window holding the
		// worker's simulated time, where the run's writes land), half at
		// a past window of the loaded data.
		i := k.r.Int64N(k.w.windows())
		if k.r.Uint64()&1 == 0 {
			i = (at.Unix() - gen.TwitterStart) / (int64(k.w.cfg.DashboardHours) * 3600)
		}
		k.dash.from, k.dash.to = k.w.window(i)
		return &k.dash
	}
	// Read a tweet: the mix's read, and the fallback when a like or follow
	// found no fresh pair.
	// (When read_tweet is not in the mix, such a fallback read is counted
	// under the mix's first kind.)
	k.read.id = crud.TweetID(k.loadedTweet())
	return &k.read
}

// drawQuery draws a term query (70%) or an AND of two distinct terms (30%)
// from a tweet's tokens, reusing q's storage.
func drawQuery(r *gen.Rand, toks []string, q search.Query) search.Query {
	q.Terms = q.Terms[:0]
	a := toks[r.IntN(len(toks))]
	q.Kind = search.Term
	q.Terms = append(q.Terms, a)
	if r.Float64() < 0.3 {
		for range 4 {
			b := toks[r.IntN(len(toks))]
			if b != a {
				q.Kind = search.And
				q.Terms = append(q.Terms, b)
				break
			}
		}
	}
	return q
}

type timelineOp struct {
	kind  int
	s     Store
	user  crud.UserID
	limit int
	dst   []crud.TweetID
}

func (o *timelineOp) Kind() int { return o.kind }
func (o *timelineOp) Do(ctx context.Context) (err error) {
	o.dst, err = o.s.Timeline(ctx, o.user, o.limit, o.dst)
	return err
}

type readTweetOp struct {
	kind int
	s    Store
	id   crud.TweetID
}

func (o *readTweetOp) Kind() int { return max(o.kind, 0) }
func (o *readTweetOp) Do(ctx context.Context) error {
	_, err := o.s.TweetByID(ctx, o.id)
	if errors.Is(err, errNotFound) {
		return fmt.Errorf("loaded tweet %d missing: %w", o.id, err)
	}
	return err
}

type postOp struct {
	kind int
	s    Store
	id   crud.TweetID
	user crud.UserID
	body []byte
	at   time.Time
}

func (o *postOp) Kind() int { return o.kind }
func (o *postOp) Do(ctx context.Context) error {
	return o.s.PostTweet(ctx, o.id, o.user, o.body, o.at)
}

type likeOp struct {
	kind  int
	s     Store
	user  crud.UserID
	tweet crud.TweetID
	at    time.Time
}

func (o *likeOp) Kind() int                    { return o.kind }
func (o *likeOp) Do(ctx context.Context) error { return o.s.Like(ctx, o.user, o.tweet, o.at) }

type followOp struct {
	kind     int
	s        Store
	src, dst graph.UserID
}

func (o *followOp) Kind() int                    { return o.kind }
func (o *followOp) Do(ctx context.Context) error { return o.s.Follow(ctx, o.src, o.dst) }

type searchOp struct {
	kind int
	s    Store
	q    search.Query
	dst  search.Hits
}

func (o *searchOp) Kind() int { return o.kind }
func (o *searchOp) Do(ctx context.Context) (err error) {
	o.dst, err = o.s.SearchTweets(ctx, o.q, 10, o.dst)
	return err
}

type whoToFollowOp struct {
	kind int
	s    Store
	user graph.UserID
	dst  []graph.Suggestion
}

func (o *whoToFollowOp) Kind() int { return o.kind }
func (o *whoToFollowOp) Do(ctx context.Context) (err error) {
	o.dst, err = o.s.WhoToFollow(ctx, o.user, 10, o.dst)
	return err
}

type dashboardOp struct {
	kind     int
	s        Store
	from, to time.Time
}

func (o *dashboardOp) Kind() int { return o.kind }
func (o *dashboardOp) Do(ctx context.Context) error {
	_, err := o.s.Dashboard(ctx, o.from, o.to)
	return err
}

type homeOp struct {
	kind  int
	s     Store
	user  crud.UserID
	limit int
	dst   []crud.TweetID
}

func (o *homeOp) Kind() int { return o.kind }
func (o *homeOp) Do(ctx context.Context) (err error) {
	o.dst, err = o.s.Home(ctx, o.user, o.limit, o.dst)
	return err
}
