package crud

import (
	"context"
	"fmt"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// workerStream is the random stream family of workers (worker id below).
const workerStream = 0xC0 << 56

// worker is one worker's operation stream. All buffers are owned by it and
// reused, so producing and running an operation allocates nothing (except
// when the map of its own likes grows).
type worker struct {
	w     *Workload
	s     Store
	g     *gen.TwitterRows
	r     *gen.Rand
	id, n int64

	mix    *gen.Discrete
	mixOps []int
	tweets *gen.Zipfian // "latest" skew over the worker's logical tweets
	users  *gen.Zipfian // author popularity ranks

	ops     int64 // operations prepared: the worker's clock
	created int64 // own tweets created (attempted)
	deleted int64 // own tweets deleted (attempted), oldest first
	updates uint64
	class   int64             // users in this worker's like class
	likes   map[TweetID]int64 // like candidates used per tweet

	// pending is the operation Next prepared last (opReadTweet …; a delete
	// with nothing to delete is a create), version the body version of a
	// pending update; ledger and meta (author and time of each own tweet,
	// by creation index) record the worker's writes for Verify.
	pending int
	version uint64
	ledger  *workloads.Ledger
	meta    []tweetMeta

	tweet  TweetID
	user   UserID
	at     time.Time
	body   []byte
	handle []byte
	ids    []TweetID

	readTweet   readTweetOp
	timeline    timelineOp
	like        likeOp
	createTweet createTweetOp
	readUser    readUserOp
	updateTweet updateTweetOp
	deleteTweet deleteTweetOp
}

// tweetZipf returns zeta(Tweets, 0.99), computed once and shared by the
// workers' tweet choosers.
func (w *Workload) tweetZipf() float64 {
	w.zetaOnce.Do(func() { w.tweetZeta = gen.Zeta(0, w.cfg.Tweets, gen.ZipfianConstant, 0) })
	return w.tweetZeta
}

// Worker returns worker id of n.
func (w *Workload) Worker(c drivers.Conn, id, n int) (workloads.Worker, error) {
	s, err := w.store(c)
	if err != nil {
		return nil, err
	}
	if id < 0 || n < 1 || id >= n {
		return nil, fmt.Errorf("crud: worker %d of %d", id, n)
	}
	cfg := w.cfg
	k := &worker{w: w, s: s, g: w.gen.Rows(), r: gen.NewRand(w.seed, workerStream|uint64(id)), id: int64(id), n: int64(n)}
	if k.id < cfg.Users {
		k.class = (cfg.Users - k.id + k.n - 1) / k.n
	}
	if w.props[opLike] > 0 && cfg.Users < k.n {
		return nil, fmt.Errorf("crud: %d workers but %d users: likes need a user per worker (fewer workers or more users)", n, cfg.Users)
	}
	var weights []float64
	for op := range numOps {
		if w.props[op] > 0 {
			weights = append(weights, w.props[op])
			k.mixOps = append(k.mixOps, op)
		}
	}
	k.mix = gen.NewDiscrete(k.r, weights)
	k.tweets = gen.NewZipfianZeta(k.r, 0, cfg.Tweets-1, gen.ZipfianConstant, w.tweetZipf())
	k.users = gen.NewZipfianZeta(k.r, 0, cfg.Users-1, cfg.AuthorZipf, w.gen.AuthorZeta())
	k.likes = map[TweetID]int64{}
	k.ledger = w.newLedger(n)
	k.ids = make([]TweetID, 0, cfg.TimelineLimit)
	k.readTweet = readTweetOp{k, w.index[opReadTweet]}
	k.timeline = timelineOp{k, w.index[opTimeline]}
	k.like = likeOp{k, w.index[opLike]}
	k.createTweet = createTweetOp{k, w.index[opCreateTweet]}
	k.readUser = readUserOp{k, w.index[opReadUser]}
	k.updateTweet = updateTweetOp{k, w.index[opUpdateTweet]}
	k.deleteTweet = deleteTweetOp{k, w.index[opDeleteTweet]}
	return k, nil
}

// ClockStart returns the created_at (Unix seconds) of the first operation of
// a run: after every loaded tweet. Worker id of n stamps its i-th operation
// (i from 0) ClockStart + i·n + id, so no two workers share a second.
func (w *Workload) ClockStart() int64 { return gen.TwitterStart + w.cfg.Tweets + gen.TwitterJitter }

// OwnTweetID returns the id of the i-th tweet (i from 0) worker id of n
// creates: new ids are partitioned over workers after the loaded ones.
func (w *Workload) OwnTweetID(id, n int, i int64) TweetID {
	return TweetID(w.cfg.Tweets + 1 + int64(id) + i*int64(n))
}

func (k *worker) ownID(i int64) TweetID { return k.w.OwnTweetID(int(k.id), int(k.n), i) }

// drawTweet chooses an existing tweet, skewed towards the newest: the
// logical tweets are the loaded ones and then the worker's own in creation
// order, the newest the most popular (as YCSB's "latest"). Own tweets the
// worker deleted are drawn again.
func (k *worker) drawTweet() TweetID {
	loaded := k.w.cfg.Tweets
	items := loaded + k.created
	for range 64 {
		i := items - 1 - k.tweets.NextN(items)
		if i < loaded {
			return TweetID(i + 1)
		}
		if own := i - loaded; own >= k.deleted {
			return k.ownID(own)
		}
	}
	return TweetID(1 + k.r.Int64N(loaded))
}

// drawUser chooses a user with the authorship popularity.
func (k *worker) drawUser() UserID { return UserID(k.w.gen.UserOfRank(k.users.Next())) }

// tryLike looks for a user of the worker's like class who has not liked
// tweet t, neither in the loaded data nor by an earlier like of this worker.
// Worker id of n likes with users 1+id, 1+id+n, … only, so workers never
// like the same pair; for each tweet it walks its class from a
// tweet-dependent start, skipping the tweet's loaded likers, and remembers
// how far it got.
func (k *worker) tryLike(t TweetID) bool {
	m := k.likes[t]
	if m >= k.class {
		return false
	}
	set := k.g.LikeSet(int64(t)) // empty for tweets created in the run
	j0 := int64(gen.Mix64(k.w.seed^uint64(t)) % uint64(k.class))
	for m < k.class {
		u := 1 + k.id + k.n*((j0+m)%k.class)
		m++
		if !set.Has(u) {
			k.likes[t] = m
			k.tweet, k.user = t, UserID(u)
			return true
		}
	}
	k.likes[t] = m
	return false
}

// prepareLike chooses a new (user, tweet) pair: a tweet drawn as for reads,
// or, after 16 draws of tweets the worker's class has used up, the next
// loaded tweet in id order that has a free pair.
func (k *worker) prepareLike() {
	for range 16 {
		if k.tryLike(k.drawTweet()) {
			return
		}
	}
	loaded := k.w.cfg.Tweets
	start := k.r.Int64N(loaded)
	for i := range loaded {
		if k.tryLike(TweetID(1 + (start+i)%loaded)) {
			return
		}
	}
	// Every pair of the class is used: like a loaded tweet again, which
	// the store rejects as a duplicate (not reached below users×tweets
	// likes per class).
	k.tweet, k.user = TweetID(1+start), UserID(1+k.id)
}

func (k *worker) prepareCreate() workloads.Op {
	k.pending = opCreateTweet
	k.tweet = k.ownID(k.created)
	k.user = k.drawUser()
	k.body = k.g.AppendBody(k.body[:0], int64(k.tweet), 0)
	return &k.createTweet
}

// Next chooses the next operation and prepares its arguments.
func (k *worker) Next() workloads.Op {
	k.at = time.Unix(k.w.ClockStart()+k.ops*k.n+k.id, 0).UTC()
	k.ops++
	k.pending = k.mixOps[k.mix.Next()]
	switch k.pending {
	case opReadTweet:
		k.tweet = k.drawTweet()
		return &k.readTweet
	case opTimeline:
		k.user = k.drawUser()
		return &k.timeline
	case opLike:
		k.prepareLike()
		return &k.like
	case opCreateTweet:
		return k.prepareCreate()
	case opReadUser:
		k.handle = k.g.AppendHandle(k.handle[:0], int64(k.drawUser()))
		return &k.readUser
	case opUpdateTweet:
		k.tweet = k.drawTweet()
		k.updates++
		k.version = k.updates*uint64(k.n) + uint64(k.id) // unique per (worker, update), never 0
		k.body = k.g.AppendBody(k.body[:0], int64(k.tweet), k.version)
		return &k.updateTweet
	default: // opDeleteTweet
		if k.deleted == k.created {
			// Nothing of its own to delete yet: create instead.
			return k.prepareCreate()
		}
		k.tweet = k.ownID(k.deleted)
		return &k.deleteTweet
	}
}

// Acknowledge records the outcome of the operation Next prepared last in
// the worker's ledger, if it wrote: a like's increment of the tweet's likes,
// a created tweet (and its author and time), a body's new version, a
// deleted tweet.
func (k *worker) Acknowledge(err error) {
	switch k.pending {
	case opLike:
		o := workloads.OutcomeOf(err, ErrDuplicate)
		k.ledger.Count(o)
		k.ledger.Add(ledgerKey(k.tweet, aspectLikes), o)
	case opCreateTweet:
		o := workloads.OutcomeOf(err, ErrDuplicate)
		k.ledger.Count(o)
		k.meta = append(k.meta, tweetMeta{user: k.user, at: k.at.Unix()})
		if o == workloads.Rejected {
			// The store's word on the tweet's first write: not there.
			k.ledger.Set(ledgerKey(k.tweet, aspectExists), createRejected, workloads.Acked)
			return
		}
		k.ledger.Set(ledgerKey(k.tweet, aspectExists), present, o)
		k.ledger.Set(ledgerKey(k.tweet, aspectBody), 0, o)
	case opUpdateTweet:
		o := workloads.OutcomeOf(err)
		k.ledger.Count(o)
		k.ledger.Set(ledgerKey(k.tweet, aspectBody), k.version, o)
	case opDeleteTweet:
		o := workloads.OutcomeOf(err)
		k.ledger.Count(o)
		k.ledger.Set(ledgerKey(k.tweet, aspectExists), deleted, o)
	}
}

type readTweetOp struct {
	k    *worker
	kind int
}

func (o *readTweetOp) Kind() int { return o.kind }
func (o *readTweetOp) Do(ctx context.Context) error {
	_, err := o.k.s.TweetByID(ctx, o.k.tweet)
	return err
}

type timelineOp struct {
	k    *worker
	kind int
}

func (o *timelineOp) Kind() int { return o.kind }
func (o *timelineOp) Do(ctx context.Context) (err error) {
	k := o.k
	k.ids, err = k.s.Timeline(ctx, k.user, k.w.cfg.TimelineLimit, k.ids)
	return err
}

type likeOp struct {
	k    *worker
	kind int
}

func (o *likeOp) Kind() int { return o.kind }
func (o *likeOp) Do(ctx context.Context) error {
	k := o.k
	return k.s.Like(ctx, k.user, k.tweet, k.at)
}

type createTweetOp struct {
	k    *worker
	kind int
}

func (o *createTweetOp) Kind() int { return o.kind }
func (o *createTweetOp) Do(ctx context.Context) error {
	k := o.k
	// The id is used up whether or not the store took it, so later creates
	// never collide with it and the stream stays deterministic; a failed
	// create is counted as an error and leaves a hole later reads may hit.
	k.created++
	return k.s.CreateTweet(ctx, k.tweet, k.user, k.body, k.at)
}

type readUserOp struct {
	k    *worker
	kind int
}

func (o *readUserOp) Kind() int { return o.kind }
func (o *readUserOp) Do(ctx context.Context) error {
	_, err := o.k.s.UserByHandle(ctx, o.k.handle)
	return err
}

type updateTweetOp struct {
	k    *worker
	kind int
}

func (o *updateTweetOp) Kind() int { return o.kind }
func (o *updateTweetOp) Do(ctx context.Context) error {
	k := o.k
	return k.s.UpdateTweetBody(ctx, k.tweet, k.body)
}

type deleteTweetOp struct {
	k    *worker
	kind int
}

func (o *deleteTweetOp) Kind() int { return o.kind }
func (o *deleteTweetOp) Do(ctx context.Context) error {
	k := o.k
	k.deleted++
	delete(k.likes, k.tweet)
	return k.s.DeleteTweet(ctx, k.tweet)
}
