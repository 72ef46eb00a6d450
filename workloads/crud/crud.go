package crud

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// Config is the typed configuration of a crud workload.
type Config struct {
	// Users is the number of users (ids 1..Users).
	Users int64 `yaml:"users"`
	// Tweets is the number of loaded tweets (ids 1..Tweets).
	Tweets int64 `yaml:"tweets"`
	// LikesPerTweet is the mean number of loaded likes of a tweet.
	LikesPerTweet float64 `yaml:"likespertweet"`
	// AuthorZipf is the zipfian constant of authorship (and of the users
	// whose timelines and profiles are read), in (0, 1).
	AuthorZipf float64 `yaml:"authorzipf"`
	// TimelineLimit is the number of tweets of a timeline page.
	TimelineLimit int `yaml:"timelinelimit"`
	// Operation proportions; they need not sum to 1.
	ReadTweetProportion   float64 `yaml:"readtweetproportion"`
	TimelineProportion    float64 `yaml:"timelineproportion"`
	LikeProportion        float64 `yaml:"likeproportion"`
	CreateTweetProportion float64 `yaml:"createtweetproportion"`
	ReadUserProportion    float64 `yaml:"readuserproportion"`
	UpdateTweetProportion float64 `yaml:"updatetweetproportion"`
	DeleteTweetProportion float64 `yaml:"deletetweetproportion"`
	// Prefix is put before the table names.
	Prefix string `yaml:"prefix"`
	// LoadBatch is the number of rows per Load call.
	LoadBatch int `yaml:"loadbatch"`
}

// Operation kinds, in a fixed order; a workload's OpKinds lists those its
// mix uses.
const (
	opReadTweet = iota
	opTimeline
	opLike
	opCreateTweet
	opReadUser
	opUpdateTweet
	opDeleteTweet
	numOps
)

var opNames = [numOps]string{"read_tweet", "timeline", "like", "create_tweet", "read_user", "update_tweet", "delete_tweet"}

func init() {
	workloads.RegisterPattern("crud", Supports)
	workloads.Register(workloads.Entry{
		Name: "crud/mix",
		Summary: "users/tweets/likes: 40% read tweet, 25% timeline, 13% like, 10% create tweet, " +
			"5% read user by handle, 5% update tweet, 2% delete tweet",
		New: func(p workloads.Params) (workloads.Workload, error) { return New("mix", p) },
	})
}

// DefaultConfig returns the configuration of variant "mix" at a scale.
func DefaultConfig(variant string, scale workloads.Scale) (Config, error) {
	if variant != "mix" {
		return Config{}, fmt.Errorf("unknown crud variant %q (use mix)", variant)
	}
	users, tweets := scale.Size(10_000, 1_000_000, 10), scale.Size(100_000, 10_000_000, 10)
	return Config{
		Users:                 users,
		Tweets:                tweets,
		LikesPerTweet:         3,
		AuthorZipf:            gen.ZipfianConstant,
		TimelineLimit:         20,
		ReadTweetProportion:   0.40,
		TimelineProportion:    0.25,
		LikeProportion:        0.13,
		CreateTweetProportion: 0.10,
		ReadUserProportion:    0.05,
		UpdateTweetProportion: 0.05,
		DeleteTweetProportion: 0.02,
		LoadBatch:             1000,
	}, nil
}

func (c *Config) validate() error {
	switch {
	case c.Users < 1 || c.Users > 1<<32:
		return fmt.Errorf("users must be in 1..%d, not %d", int64(1)<<32, c.Users)
	case c.Tweets < 1 || c.Tweets > 1<<40:
		return fmt.Errorf("tweets must be in 1..%d, not %d", int64(1)<<40, c.Tweets)
	case !(c.LikesPerTweet >= 0) || c.LikesPerTweet > float64(min(c.Users, 1<<14))/2:
		return fmt.Errorf("likespertweet must be in 0..min(users, 16384)/2, not %v", c.LikesPerTweet)
	case !(c.AuthorZipf > 0 && c.AuthorZipf < 1):
		return fmt.Errorf("authorzipf must be in (0, 1), not %v", c.AuthorZipf)
	case c.TimelineLimit < 1 || c.TimelineLimit > 10000:
		return fmt.Errorf("timelinelimit must be in 1..10000, not %d", c.TimelineLimit)
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
	if c.DeleteTweetProportion > 0 && c.CreateTweetProportion <= 0 {
		// A worker deletes only tweets it created.
		return errors.New("deletetweetproportion needs a positive createtweetproportion (workers delete only their own tweets)")
	}
	return nil
}

var yamlOpName = [numOps]string{"readtweet", "timeline", "like", "createtweet", "readuser", "updatetweet", "deletetweet"}

func (c *Config) proportions() [numOps]float64 {
	return [numOps]float64{c.ReadTweetProportion, c.TimelineProportion, c.LikeProportion,
		c.CreateTweetProportion, c.ReadUserProportion, c.UpdateTweetProportion, c.DeleteTweetProportion}
}

// Workload is a crud workload.
type Workload struct {
	name  string
	seed  uint64
	cfg   Config
	gen   *gen.Twitter
	kinds []string    // op kinds in the mix
	index [numOps]int // op → index in kinds, -1 when absent
	props [numOps]float64

	likesOnce sync.Once
	likes     int64 // loaded likes in total
	zetaOnce  sync.Once
	tweetZeta float64 // zeta(Tweets, 0.99), shared by workers' tweet choosers
}

// New returns crud workload variant ("mix") with params applied.
func New(variant string, p workloads.Params) (*Workload, error) {
	cfg, err := DefaultConfig(variant, p.Scale)
	if err != nil {
		return nil, err
	}
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
	w := &Workload{name: "crud/" + variant, seed: p.Seed, cfg: cfg, gen: g, props: cfg.proportions()}
	for op := range numOps {
		w.index[op] = -1
		if w.props[op] > 0 {
			w.index[op] = len(w.kinds)
			w.kinds = append(w.kinds, opNames[op])
		}
	}
	return w, nil
}

// Name returns "crud/<variant>".
func (w *Workload) Name() string { return w.name }

// Pattern returns "crud".
func (w *Workload) Pattern() string { return "crud" }

// Config returns the effective configuration.
func (w *Workload) Config() Config { return w.cfg }

// Generator returns the data set's generator.
func (w *Workload) Generator() *gen.Twitter { return w.gen }

// OpKinds returns the operation kinds of the mix.
func (w *Workload) OpKinds() []string { return w.kinds }

// Records returns the number of rows loaded: users, tweets and likes. The
// number of likes is counted on first use (one pass over the tweets' like
// counts).
func (w *Workload) Records() int64 {
	return w.cfg.Users + w.cfg.Tweets + w.Likes()
}

// Likes returns the number of loaded likes.
func (w *Workload) Likes() int64 {
	w.likesOnce.Do(func() {
		rows := w.gen.Rows()
		for id := int64(1); id <= w.cfg.Tweets; id++ {
			w.likes += rows.LikeSet(id).Count
		}
	})
	return w.likes
}

// Settings returns the effective settings for results.
func (w *Workload) Settings() map[string]any {
	c := w.cfg
	m := map[string]any{
		"users": c.Users, "tweets": c.Tweets, "likes": w.Likes(), "likespertweet": c.LikesPerTweet,
		"authorzipf": c.AuthorZipf, "timelinelimit": c.TimelineLimit, "loadbatch": c.LoadBatch,
	}
	if c.Prefix != "" {
		m["prefix"] = c.Prefix
	}
	for op, p := range w.props {
		if p > 0 {
			m[yamlOpName[op]+"proportion"] = p
		}
	}
	return m
}

// Schema returns the tables' schema.
func (w *Workload) Schema() Schema {
	return Schema{Prefix: w.cfg.Prefix, MaxBodyLength: 280, MaxTextLength: 160}
}

func (w *Workload) store(c drivers.Conn) (Store, error) {
	p, ok := c.(Provider)
	if !ok {
		return nil, fmt.Errorf("crud pattern: %w", drivers.ErrUnsupported)
	}
	s, err := p.CrudStore(w.Schema())
	if err != nil {
		return nil, fmt.Errorf("crud store: %w", err)
	}
	return s, nil
}

// Setup creates the tables.
func (w *Workload) Setup(ctx context.Context, c drivers.Conn) error {
	s, err := w.store(c)
	if err != nil {
		return err
	}
	if err := s.Setup(ctx); err != nil {
		return fmt.Errorf("setup %susers/tweets/likes: %w", w.cfg.Prefix, err)
	}
	return nil
}

// partRange returns the ids [lo, hi) (of 1..n) that part of parts loads.
func partRange(n int64, part, parts int) (lo, hi int64) {
	return 1 + n*int64(part)/int64(parts), 1 + n*int64(part+1)/int64(parts)
}

// unix converts generated Unix seconds to a time.
func unix(s int64) time.Time { return time.Unix(s, 0).UTC() }

// Load writes share part of parts: its share of the users, then of the
// tweets, then the likes of those tweets, in batches of LoadBatch rows.
func (w *Workload) Load(ctx context.Context, c drivers.Conn, part, parts int, p workloads.Progress) error {
	if part < 0 || parts < 1 || part >= parts {
		return fmt.Errorf("crud: load part %d of %d", part, parts)
	}
	s, err := w.store(c)
	if err != nil {
		return err
	}
	rows := w.gen.Rows()
	batch := w.cfg.LoadBatch

	users := make([]User, 0, batch)
	var gu gen.TwitterUser
	lo, hi := partRange(w.cfg.Users, part, parts)
	for id := lo; id < hi; id++ {
		rows.User(&gu, id)
		users = append(users, userRow(&gu))
		if len(users) == batch || id == hi-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := s.LoadUsers(ctx, users); err != nil {
				return fmt.Errorf("load %s from id %d: %w", w.Schema().Users(), users[0].ID, err)
			}
			p.Add(int64(len(users)))
			users = users[:0]
		}
	}

	tweets := make([]Tweet, 0, batch)
	var gt gen.TwitterTweet
	lo, hi = partRange(w.cfg.Tweets, part, parts)
	for id := lo; id < hi; id++ {
		rows.Tweet(&gt, id)
		tweets = append(tweets, tweetRow(&gt))
		if len(tweets) == batch || id == hi-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := s.LoadTweets(ctx, tweets); err != nil {
				return fmt.Errorf("load %s from id %d: %w", w.Schema().Tweets(), tweets[0].ID, err)
			}
			p.Add(int64(len(tweets)))
			tweets = tweets[:0]
		}
	}

	likes := make([]Like, 0, batch)
	var gl []gen.TwitterLike
	flush := func() error {
		if len(likes) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.LoadLikes(ctx, likes); err != nil {
			return fmt.Errorf("load %s from tweet %d: %w", w.Schema().Likes(), likes[0].TweetID, err)
		}
		p.Add(int64(len(likes)))
		likes = likes[:0]
		return nil
	}
	for id := lo; id < hi; id++ {
		_, at := rows.TweetMeta(id)
		gl = rows.AppendLikes(gl[:0], id, at)
		for _, l := range gl {
			likes = append(likes, Like{UserID: UserID(l.UserID), TweetID: TweetID(l.TweetID), CreatedAt: unix(l.CreatedAt)})
			if len(likes) == batch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

func userRow(u *gen.TwitterUser) User {
	return User{ID: UserID(u.ID), Handle: string(u.Handle), Name: string(u.Name), Bio: string(u.Bio), CreatedAt: unix(u.CreatedAt)}
}

func tweetRow(t *gen.TwitterTweet) Tweet {
	return Tweet{ID: TweetID(t.ID), UserID: UserID(t.UserID), Body: string(t.Body), CreatedAt: unix(t.CreatedAt), LikeCount: t.LikeCount}
}
