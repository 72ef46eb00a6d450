package twitter

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/gen"
	"github.com/storefit/storefit/workloads/graph"
)

// Config is the typed configuration of the twitter scenario.
type Config struct {
	// Users is the number of users (ids 1..Users), at most 2^20.
	Users int64 `yaml:"users"`
	// Tweets is the number of loaded tweets (ids 1..Tweets).
	Tweets int64 `yaml:"tweets"`
	// LikesPerTweet is the mean number of loaded likes of a tweet.
	LikesPerTweet float64 `yaml:"likespertweet"`
	// AuthorZipf is the zipfian constant of authorship (and of the users
	// whose timelines and suggestions are read), in (0, 1).
	AuthorZipf float64 `yaml:"authorzipf"`
	// MeanDegree is the mean number of users a user follows.
	MeanDegree float64 `yaml:"meandegree"`
	// FollowZipf is the zipfian constant of followee choice, in (0, 1):
	// follower counts follow a power law, so a few celebrities have a
	// large share of all followers (0.8 at quick scale, seed 1: the most
	// followed of 10 000 users has 2 040 followers, 9 have over 500, 35
	// over 200, while the mean is 10). Higher means stronger celebrities.
	FollowZipf float64 `yaml:"followzipf"`
	// TimelineLimit is the number of tweets of a timeline page.
	TimelineLimit int `yaml:"timelinelimit"`
	// DashboardHours is the width of a dashboard window in hours (a day
	// by default).
	DashboardHours int `yaml:"dashboardhours"`
	// Operation proportions; they need not sum to 1.
	TimelineProportion    float64 `yaml:"timelineproportion"`
	ReadTweetProportion   float64 `yaml:"readtweetproportion"`
	PostTweetProportion   float64 `yaml:"posttweetproportion"`
	LikeProportion        float64 `yaml:"likeproportion"`
	FollowProportion      float64 `yaml:"followproportion"`
	SearchProportion      float64 `yaml:"searchproportion"`
	WhoToFollowProportion float64 `yaml:"whotofollowproportion"`
	DashboardProportion   float64 `yaml:"dashboardproportion"`
	HomeProportion        float64 `yaml:"homeproportion"`
	// LoadBatch is the number of rows per load call.
	LoadBatch int `yaml:"loadbatch"`
	// OracleMaxRows bounds the data set Validate loads into the in-memory
	// oracle; above it validation fails with a message instead of
	// exhausting memory (full scale holds ~50 million rows).
	OracleMaxRows int64 `yaml:"oraclemaxrows"`
}

// Operation kinds, in a fixed order.
const (
	opTimeline = iota
	opReadTweet
	opPostTweet
	opLike
	opFollow
	opSearch
	opWhoToFollow
	opDashboard
	opHome
	numOps
)

var opNames = [numOps]string{"timeline", "read_tweet", "post_tweet", "like", "follow", "search", "who_to_follow", "dashboard", "home"}

var yamlOpName = [numOps]string{"timeline", "readtweet", "posttweet", "like", "follow", "search", "whotofollow", "dashboard", "home"}

// OpNames returns the names of the operations of the mix, in order.
func OpNames() []string { return append([]string(nil), opNames[:]...) }

func (c *Config) proportions() [numOps]float64 {
	return [numOps]float64{c.TimelineProportion, c.ReadTweetProportion, c.PostTweetProportion, c.LikeProportion,
		c.FollowProportion, c.SearchProportion, c.WhoToFollowProportion, c.DashboardProportion, c.HomeProportion}
}

func init() {
	workloads.RegisterPattern("twitter", Supports)
	workloads.Register(workloads.Entry{
		Name: "twitter/mix",
		Summary: "the whole Twitter application over a placement: 30% home timeline, 10% user timeline (cache first), " +
			"15% read tweet, 5% post, 10% like, 3% follow, 12% search, 8% who-to-follow, 7% dashboard",
		New: func(p workloads.Params) (workloads.Workload, error) { return New(p) },
	})
}

// DefaultConfig returns the configuration at a scale.
func DefaultConfig(scale workloads.Scale) Config {
	c := Config{
		Users: 10_000, Tweets: 100_000, LikesPerTweet: 3, AuthorZipf: 0.99, MeanDegree: 10, FollowZipf: 0.8,
		TimelineLimit: 20, DashboardHours: 24,
		HomeProportion: 0.30, TimelineProportion: 0.10, ReadTweetProportion: 0.15, PostTweetProportion: 0.05, LikeProportion: 0.10,
		FollowProportion: 0.03, SearchProportion: 0.12, WhoToFollowProportion: 0.08, DashboardProportion: 0.07,
		LoadBatch: 1000, OracleMaxRows: 5_000_000,
	}
	c.Users, c.Tweets = scale.Size(10_000, 1_000_000, 10), scale.Size(100_000, 10_000_000, 10)
	c.MeanDegree = graph.MeanDegreeAt(scale)
	return c
}

func (c *Config) validate() error {
	switch {
	case c.Users < 2 || c.Users > 1<<20:
		return fmt.Errorf("users must be in 2..%d, not %d", 1<<20, c.Users)
	case c.Tweets < 1 || c.Tweets > 1<<36:
		return fmt.Errorf("tweets must be in 1..%d, not %d", int64(1)<<36, c.Tweets)
	case !(c.LikesPerTweet >= 0) || c.LikesPerTweet > float64(min(c.Users, 1<<14))/2:
		return fmt.Errorf("likespertweet must be in 0..min(users, 16384)/2, not %v", c.LikesPerTweet)
	case !(c.AuthorZipf > 0 && c.AuthorZipf < 1):
		return fmt.Errorf("authorzipf must be in (0, 1), not %v", c.AuthorZipf)
	case !(c.FollowZipf > 0 && c.FollowZipf < 1):
		return fmt.Errorf("followzipf must be in (0, 1), not %v", c.FollowZipf)
	case !(c.MeanDegree > 0) || c.MeanDegree > float64(c.Users-1)/2:
		return fmt.Errorf("meandegree must be in (0, (users-1)/2], not %v", c.MeanDegree)
	case c.TimelineLimit < 1 || c.TimelineLimit > 1000:
		return fmt.Errorf("timelinelimit must be in 1..1000, not %d", c.TimelineLimit)
	case c.DashboardHours < 1 || c.DashboardHours > 24*366:
		return fmt.Errorf("dashboardhours must be in 1..%d, not %d", 24*366, c.DashboardHours)
	case c.LoadBatch < 1:
		return fmt.Errorf("loadbatch must be at least 1, not %d", c.LoadBatch)
	}
	total := 0.0
	for i, p := range c.proportions() {
		if !(p >= 0) || math.IsInf(p, 0) {
			return fmt.Errorf("%sproportion must be a non-negative number, not %v", yamlOpName[i], p)
		}
		total += p
	}
	if total <= 0 {
		return errors.New("at least one operation proportion must be positive")
	}
	return nil
}

// Workload is the twitter scenario: the crud data set (users, tweets,
// likes) plus a follows graph over the same users, served by a placement.
type Workload struct {
	seed    uint64
	cfg     Config
	gen     *gen.Twitter
	follows *gen.Follows
	kinds   []string
	index   [numOps]int
	props   [numOps]float64

	countOnce sync.Once
	likes     int64
	edges     int64
}

// New returns the twitter/mix workload with params applied.
func New(p workloads.Params) (*Workload, error) {
	cfg := DefaultConfig(p.Scale)
	if err := workloads.DecodeOptions(p.Options, &cfg); err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	g, err := gen.NewTwitter(p.Seed, gen.TwitterConfig{
		Users: cfg.Users, Tweets: cfg.Tweets, LikesPerTweet: cfg.LikesPerTweet, AuthorTheta: cfg.AuthorZipf,
	})
	if err != nil {
		return nil, err
	}
	fc := gen.FollowsConfig{Users: cfg.Users, MeanDegree: cfg.MeanDegree, Exponent: 2.1,
		MaxDegree: min(5000, max(cfg.Users/10, int64(math.Ceil(4*cfg.MeanDegree)))), Popularity: cfg.FollowZipf}
	fc.MaxDegree = min(fc.MaxDegree, cfg.Users-1)
	if err := fc.Validate(); err != nil {
		return nil, fmt.Errorf("follows: %w", err)
	}
	f, err := gen.NewFollows(p.Seed, fc)
	if err != nil {
		return nil, fmt.Errorf("follows: %w", err)
	}
	w := &Workload{seed: p.Seed, cfg: cfg, gen: g, follows: f, props: cfg.proportions()}
	for op := range numOps {
		w.index[op] = -1
		if w.props[op] > 0 {
			w.index[op] = len(w.kinds)
			w.kinds = append(w.kinds, opNames[op])
		}
	}
	return w, nil
}

// Name returns "twitter/mix".
func (w *Workload) Name() string { return "twitter/mix" }

// Pattern returns "twitter".
func (w *Workload) Pattern() string { return "twitter" }

// Config returns the effective configuration.
func (w *Workload) Config() Config { return w.cfg }

// OpKinds lists the operations of the mix.
func (w *Workload) OpKinds() []string { return w.kinds }

func (w *Workload) count() {
	w.countOnce.Do(func() {
		rows := w.gen.Rows()
		for id := int64(1); id <= w.cfg.Tweets; id++ {
			w.likes += rows.LikeSet(id).Count
		}
		w.edges = w.follows.EdgeCount(0, w.cfg.Users)
	})
}

// Records returns the rows loaded: users, tweets, likes and follows edges.
func (w *Workload) Records() int64 {
	w.count()
	return w.cfg.Users + w.cfg.Tweets + w.likes + w.edges
}

// Settings returns the effective settings for results.
func (w *Workload) Settings() map[string]any {
	w.count()
	c := w.cfg
	m := map[string]any{
		"users": c.Users, "tweets": c.Tweets, "likes": w.likes, "follows": w.edges, "likespertweet": c.LikesPerTweet,
		"authorzipf": c.AuthorZipf, "meandegree": c.MeanDegree, "followzipf": c.FollowZipf, "timelinelimit": c.TimelineLimit,
		"dashboardhours": c.DashboardHours, "loadbatch": c.LoadBatch, "oraclemaxrows": c.OracleMaxRows,
	}
	for op, p := range w.props {
		if p > 0 {
			m[yamlOpName[op]+"proportion"] = p
		}
	}
	return m
}

// Store returns the application c runs.
func (w *Workload) Store(c drivers.Conn) (Store, error) {
	p, ok := c.(Provider)
	if !ok {
		return nil, fmt.Errorf("twitter application (give a placement: --store placement:local=suites/placements/local.yaml): %w", drivers.ErrUnsupported)
	}
	s, err := p.TwitterStore()
	if err != nil {
		return nil, fmt.Errorf("twitter store: %w", err)
	}
	if b, ok := s.(interface{ SetBodies(*gen.Twitter) }); ok {
		b.SetBodies(w.gen)
	}
	return s, nil
}

// Setup creates every store's schema.
func (w *Workload) Setup(ctx context.Context, c drivers.Conn) error {
	s, err := w.Store(c)
	if err != nil {
		return err
	}
	return s.Setup(ctx)
}

// FinishLoad lets the stores finish deferred load work.
func (w *Workload) FinishLoad(ctx context.Context, c drivers.Conn) error {
	s, err := w.Store(c)
	if err != nil {
		return err
	}
	return s.FinishLoad(ctx)
}

func partRange(n int64, part, parts int) (lo, hi int64) {
	return 1 + n*int64(part)/int64(parts), 1 + n*int64(part+1)/int64(parts)
}

func unix(s int64) time.Time { return time.Unix(s, 0).UTC() }

// Load writes share part of parts: users, tweets, their likes, and the
// follows of part's users, in batches.
func (w *Workload) Load(ctx context.Context, c drivers.Conn, part, parts int, p workloads.Progress) error {
	if part < 0 || parts < 1 || part >= parts {
		return fmt.Errorf("twitter: load part %d of %d", part, parts)
	}
	s, err := w.Store(c)
	if err != nil {
		return err
	}
	return w.load(ctx, s, part, parts, p)
}

func (w *Workload) load(ctx context.Context, s Store, part, parts int, p workloads.Progress) error {
	rows := w.gen.Rows()
	batch := w.cfg.LoadBatch
	lo, hi := partRange(w.cfg.Users, part, parts)
	users := make([]crud.User, 0, batch)
	var gu gen.TwitterUser
	for id := lo; id < hi; id++ {
		rows.User(&gu, id)
		users = append(users, crud.User{ID: crud.UserID(gu.ID), Handle: string(gu.Handle), Name: string(gu.Name), Bio: string(gu.Bio), CreatedAt: unix(gu.CreatedAt)})
		if len(users) == batch || id == hi-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := s.LoadUsers(ctx, users); err != nil {
				return fmt.Errorf("load users from %d: %w", users[0].ID, err)
			}
			p.Add(int64(len(users)))
			users = users[:0]
		}
	}
	tweets := make([]crud.Tweet, 0, batch)
	var gt gen.TwitterTweet
	tlo, thi := partRange(w.cfg.Tweets, part, parts)
	for id := tlo; id < thi; id++ {
		rows.Tweet(&gt, id)
		tweets = append(tweets, crud.Tweet{ID: crud.TweetID(gt.ID), UserID: crud.UserID(gt.UserID), Body: string(gt.Body), CreatedAt: unix(gt.CreatedAt), LikeCount: gt.LikeCount})
		if len(tweets) == batch || id == thi-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := s.LoadTweets(ctx, tweets); err != nil {
				return fmt.Errorf("load tweets from %d: %w", tweets[0].ID, err)
			}
			p.Add(int64(len(tweets)))
			tweets = tweets[:0]
		}
	}
	likes := make([]crud.Like, 0, batch)
	flushLikes := func() error {
		if len(likes) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.LoadLikes(ctx, likes); err != nil {
			return fmt.Errorf("load likes from tweet %d: %w", likes[0].TweetID, err)
		}
		p.Add(int64(len(likes)))
		likes = likes[:0]
		return nil
	}
	var gl []gen.TwitterLike
	for id := tlo; id < thi; id++ {
		_, at := rows.TweetMeta(id)
		gl = rows.AppendLikes(gl[:0], id, at)
		for _, l := range gl {
			likes = append(likes, crud.Like{UserID: crud.UserID(l.UserID), TweetID: crud.TweetID(l.TweetID), CreatedAt: unix(l.CreatedAt)})
			if len(likes) == batch {
				if err := flushLikes(); err != nil {
					return err
				}
			}
		}
	}
	if err := flushLikes(); err != nil {
		return err
	}
	// Follows: generator ids 0..Users-1 are user ids 1..Users.
	edges := make([]graph.Edge, 0, batch)
	flushEdges := func() error {
		if len(edges) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.LoadFollows(ctx, edges); err != nil {
			return fmt.Errorf("load follows from user %d: %w", edges[0].Src, err)
		}
		p.Add(int64(len(edges)))
		edges = edges[:0]
		return nil
	}
	d := w.follows.Drawer()
	var buf []int64
	for id := lo; id < hi; id++ {
		buf = d.AppendFollowees(buf[:0], id-1)
		for _, dst := range buf {
			edges = append(edges, graph.Edge{Src: graph.UserID(id), Dst: graph.UserID(dst + 1)})
			if len(edges) == batch {
				if err := flushEdges(); err != nil {
					return err
				}
			}
		}
	}
	return flushEdges()
}

// clockStart is the simulated time of the first operation: after every
// loaded tweet and like.
func (w *Workload) clockStart() int64 {
	return gen.TwitterStart + w.cfg.Tweets + gen.TwitterJitter + gen.TwitterLikeDelay + 1
}

// windows returns the number of dashboard windows over the loaded data,
// the first starting at gen.TwitterStart.
func (w *Workload) windows() int64 {
	span := w.clockStart() - gen.TwitterStart
	win := int64(w.cfg.DashboardHours) * 3600
	return (span + win - 1) / win
}

// window returns dashboard window i.
func (w *Workload) window(i int64) (from, to time.Time) {
	win := time.Duration(w.cfg.DashboardHours) * time.Hour
	from = unix(gen.TwitterStart).Add(time.Duration(i) * win)
	return from, from.Add(win)
}

// Window returns dashboard window i: [start + i·dashboardhours, + dashboardhours)
// from the first loaded tweet's time.
func (w *Workload) Window(i int64) (from, to time.Time) { return w.window(i) }
