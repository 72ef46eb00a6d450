package syncwl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// Provider is implemented by connections that can be the sync workload's
// source: PostgreSQL (the postgres driver's Conn). SyncSource returns a copy
// of the connection's pool configuration; the workload opens its own pool
// and replication connections from it.
type Provider interface {
	SyncSource() *pgxpool.Config
}

// Supports reports whether c can be the sync workload's source.
func Supports(c drivers.Conn) bool {
	_, ok := c.(Provider)
	return ok
}

// Config is the typed configuration of a sync workload.
type Config struct {
	// Users, Tweets and LikesPerTweet size the crud data set loaded into
	// the source and the views before the run.
	Users         int64   `yaml:"users"`
	Tweets        int64   `yaml:"tweets"`
	LikesPerTweet float64 `yaml:"likespertweet"`
	// FollowsPerUser is the number of loaded follows of each user.
	FollowsPerUser int `yaml:"followsperuser"`
	// Prefix is put before the source tables', publication's and slot's
	// names and the Redis keys.
	Prefix string `yaml:"prefix"`
	// Views lists the views, comma-separated: search, graph, timeline,
	// analytics.
	Views string `yaml:"views"`
	// Redis is the timeline view's Redis DSN (default $STOREFIT_REDIS_DSN,
	// else redis://127.0.0.1:6379/1).
	Redis string `yaml:"redis"`
	// RedisServer, when set, is a redis-server binary the workload runs
	// itself for the timeline view (on a free port, data in a temporary
	// directory) instead of using Redis: the view-down fault on the
	// timeline then stops that server for real (SHUTDOWN SAVE) and starts
	// it again.
	RedisServer string `yaml:"redisserver"`
	// SyncCommit is the source's synchronous_commit (default "on": the
	// source of truth keeps what it acknowledged, and its WAL reaches the
	// CDC readers at commit rather than at the WAL writer's next round,
	// up to wal_writer_delay later, as under "off").
	SyncCommit string `yaml:"synccommit"`
	// Kafka and Debezium are the cdc-debezium strategy's Kafka DSN
	// (default $STOREFIT_KAFKA_DSN, else kafka://127.0.0.1:9092) and Kafka
	// Connect worker (default $STOREFIT_DEBEZIUM_DSN, else
	// http://127.0.0.1:8083).
	Kafka    string `yaml:"kafka"`
	Debezium string `yaml:"debezium"`
	// MarkerInterval is how often the lag probe bumps the source's marker,
	// PollInterval how often each view's marker is read.
	MarkerInterval time.Duration `yaml:"markerinterval"`
	PollInterval   time.Duration `yaml:"pollinterval"`
	// FailP is the probability that a view write fails (injected), for
	// the views FailViews lists ("*": all).
	FailP     float64 `yaml:"failp"`
	FailViews string  `yaml:"failviews"`
	// ViewDown names a view made unavailable for ViewDownFor from
	// ViewDownAt after the first write of the run ("" or "none": no
	// outage).
	ViewDown    string        `yaml:"viewdown"`
	ViewDownAt  time.Duration `yaml:"viewdownat"`
	ViewDownFor time.Duration `yaml:"viewdownfor"`
	// RestartAt kills the consumer/relay that long after the first write
	// and starts a new one (0: never).
	RestartAt time.Duration `yaml:"restartat"`
	// DrainTimeout bounds the wait for the views to catch up after the run.
	DrainTimeout time.Duration `yaml:"draintimeout"`
	// Proportions of the write mix.
	LikeProportion        float64 `yaml:"likeproportion"`
	CreateTweetProportion float64 `yaml:"createtweetproportion"`
	UpdateTweetProportion float64 `yaml:"updatetweetproportion"`
	DeleteTweetProportion float64 `yaml:"deletetweetproportion"`
	FollowProportion      float64 `yaml:"followproportion"`
}

// DefaultConfig returns the default configuration at a scale: a data set a
// tenth of crud's (the views are loaded too), every view, a 100 ms marker
// and a 10 ms poll, no faults.
func DefaultConfig(scale workloads.Scale) Config {
	users, tweets := scale.Size(1000, 100_000, 10), scale.Size(10_000, 1_000_000, 10)
	redis := os.Getenv("STOREFIT_REDIS_DSN")
	if redis == "" {
		redis = "redis://127.0.0.1:6379/1"
	}
	return Config{
		Users: users, Tweets: tweets, LikesPerTweet: 3, FollowsPerUser: 10,
		SyncCommit: "on", Prefix: "sync_", Views: "search,graph,timeline,analytics", Redis: redis,
		MarkerInterval: 100 * time.Millisecond, PollInterval: 10 * time.Millisecond,
		FailViews: "*", ViewDownFor: 10 * time.Second, DrainTimeout: 60 * time.Second,
		LikeProportion: 0.13, CreateTweetProportion: 0.10, UpdateTweetProportion: 0.05,
		DeleteTweetProportion: 0.02, FollowProportion: 0.10,
	}
}

var viewNames = []string{ViewSearch, ViewGraph, ViewTimeline, ViewAnalytics}

func (c *Config) viewList() []string {
	var out []string
	for _, v := range strings.Split(c.Views, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (c *Config) validate() error {
	switch {
	case c.Users < 2 || c.Users > 1<<32:
		return fmt.Errorf("users must be in 2..%d, not %d", int64(1)<<32, c.Users)
	case c.Tweets < 1 || c.Tweets > 1<<40:
		return fmt.Errorf("tweets must be in 1..%d, not %d", int64(1)<<40, c.Tweets)
	case c.FollowsPerUser < 0 || int64(c.FollowsPerUser) >= c.Users:
		return fmt.Errorf("followsperuser must be in 0..users-1, not %d", c.FollowsPerUser)
	case !(c.FailP >= 0 && c.FailP <= 1):
		return fmt.Errorf("failp must be in [0, 1], not %v", c.FailP)
	case c.MarkerInterval < time.Millisecond || c.PollInterval < time.Millisecond:
		return errors.New("markerinterval and pollinterval must be at least 1ms")
	case !slices.Contains([]string{"on", "off", "local", "remote_write", "remote_apply"}, c.SyncCommit):
		return fmt.Errorf("synccommit must be on, off, local, remote_write or remote_apply, not %q", c.SyncCommit)
	case c.DrainTimeout <= 0:
		return errors.New("draintimeout must be positive")
	case c.ViewDownAt < 0 || c.ViewDownFor < 0 || c.RestartAt < 0:
		return errors.New("fault times must not be negative")
	case c.CreateTweetProportion <= 0 && c.DeleteTweetProportion > 0:
		return errors.New("deletetweetproportion needs a positive createtweetproportion (workers delete only their own tweets)")
	}
	if len(c.viewList()) == 0 {
		return errors.New("views lists no view")
	}
	for _, v := range c.viewList() {
		if !slices.Contains(viewNames, v) {
			return fmt.Errorf("unknown view %q (known: %s)", v, strings.Join(viewNames, ", "))
		}
	}
	if c.ViewDown == "none" {
		c.ViewDown = ""
	}
	if c.ViewDown != "" && !slices.Contains(c.viewList(), c.ViewDown) {
		return fmt.Errorf("viewdown %q is not one of the views (%s)", c.ViewDown, c.Views)
	}
	for _, p := range c.proportions() {
		if !(p >= 0) {
			return errors.New("proportions must be non-negative numbers")
		}
	}
	if c.LikeProportion+c.CreateTweetProportion+c.UpdateTweetProportion+c.DeleteTweetProportion+c.FollowProportion <= 0 {
		return errors.New("at least one write proportion must be positive")
	}
	return nil
}

func (c *Config) proportions() []float64 {
	return []float64{c.LikeProportion, c.CreateTweetProportion, c.UpdateTweetProportion, c.DeleteTweetProportion, c.FollowProportion}
}

var opNames = []string{"like", "create_tweet", "update_tweet", "delete_tweet", "follow"}

func init() {
	workloads.RegisterPattern("sync", Supports)
	RegisterStrategy("dual", "dual writes", func() Strategy { return &Dual{} })
	RegisterStrategy("cdc-logical", "logical decoding (pgoutput)", func() Strategy { return &Logical{} })
	RegisterStrategy("outbox", "a transactional outbox and relay", func() Strategy { return &Outbox{} })
	RegisterStrategy("cdc-debezium", "Debezium and Kafka", func() Strategy { return NewStream("cdc-debezium", &DebeziumPipeline{}) })
}

// registerWorkload registers sync/<strategy>.
func registerWorkload(strategy, summary string) {
	workloads.Register(workloads.Entry{
		Name: "sync/" + strategy,
		Summary: "keep search/graph/timeline/analytics views in sync with PostgreSQL by " + summary +
			": write latency, freshness lag and divergence under faults",
		New: func(p workloads.Params) (workloads.Workload, error) { return New(strategy, p) },
	})
}

// Workload is a sync workload: one strategy, the writes of the crud mix
// (plus follows) at the source, background delivery to the views, a lag
// probe and the faults of its configuration.
type Workload struct {
	strategy string
	seed     uint64
	cfg      Config
	gen      *gen.Twitter
	kinds    []string
	ops      []int // kind index → op

	mu     sync.Mutex // guards the run state below
	src    Source
	views  []View
	strat  Strategy
	faults *Faults
	probe  *probe
	bgStop context.CancelFunc
	bgDone sync.WaitGroup
	first  sync.Once
	events []faultEvent
	setup  bool
	logf   func(string, ...any)
}

type faultEvent struct {
	at   time.Time
	kind string
	tgt  string
	dur  time.Duration
	p    float64
	note string
}

// New returns the sync workload of a strategy.
func New(strategy string, p workloads.Params) (*Workload, error) {
	if _, err := NewStrategy(strategy); err != nil {
		return nil, err
	}
	cfg := DefaultConfig(p.Scale)
	if err := workloads.DecodeOptions(p.Options, &cfg); err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	g, err := gen.NewTwitter(p.Seed, gen.TwitterConfig{Users: cfg.Users, Tweets: cfg.Tweets, LikesPerTweet: cfg.LikesPerTweet, AuthorTheta: gen.ZipfianConstant})
	if err != nil {
		return nil, err
	}
	w := &Workload{strategy: strategy, seed: p.Seed, cfg: cfg, gen: g, logf: func(string, ...any) {}}
	for i, pr := range cfg.proportions() {
		if pr > 0 {
			w.kinds = append(w.kinds, opNames[i])
			w.ops = append(w.ops, i)
		}
	}
	return w, nil
}

// SetLogf sets where the workload logs background events (default:
// nowhere).
func (w *Workload) SetLogf(f func(string, ...any)) { w.logf = f }

// Name returns "sync/<strategy>".
func (w *Workload) Name() string { return "sync/" + w.strategy }

// Pattern returns "sync".
func (w *Workload) Pattern() string { return "sync" }

// Config returns the effective configuration.
func (w *Workload) Config() Config { return w.cfg }

// OpKinds returns the write kinds of the mix.
func (w *Workload) OpKinds() []string { return w.kinds }

// Records returns the rows loaded into the source: tweets, likes, follows.
func (w *Workload) Records() int64 {
	return w.cfg.Tweets + w.cfg.Users*int64(w.cfg.FollowsPerUser)
}

// Settings returns the effective settings for results.
func (w *Workload) Settings() map[string]any {
	c := w.cfg
	m := map[string]any{
		"strategy": w.strategy, "users": c.Users, "tweets": c.Tweets, "likespertweet": c.LikesPerTweet,
		"followsperuser": c.FollowsPerUser, "views": c.Views, "redis": drivers.RedactDSN(c.Redis), "prefix": c.Prefix,
		"markerinterval": c.MarkerInterval.String(), "pollinterval": c.PollInterval.String(),
		"draintimeout": c.DrainTimeout.String(), "synccommit": c.SyncCommit,
	}
	if w.strategy == "cdc-debezium" {
		d := DebeziumConfig{Kafka: c.Kafka, Connect: c.Debezium}
		d.defaults()
		m["kafka"], m["debezium"] = drivers.RedactDSN(d.Kafka), drivers.RedactDSN(d.Connect)
	}
	if c.FailP > 0 {
		m["failp"], m["failviews"] = c.FailP, c.FailViews
	}
	if c.RedisServer != "" {
		m["redisserver"] = c.RedisServer
		delete(m, "redis")
	}
	if c.ViewDown != "" {
		m["viewdown"], m["viewdownat"], m["viewdownfor"] = c.ViewDown, c.ViewDownAt.String(), c.ViewDownFor.String()
	}
	if c.RestartAt > 0 {
		m["restartat"] = c.RestartAt.String()
	}
	for i, p := range c.proportions() {
		if p > 0 {
			m[strings.ReplaceAll(opNames[i], "_", "")+"proportion"] = p
		}
	}
	return m
}

// Setup opens the source pool and the views, creates the source tables
// and empties the views.
func (w *Workload) Setup(ctx context.Context, c drivers.Conn) error {
	p, ok := c.(Provider)
	if !ok {
		return fmt.Errorf("sync source: %w", drivers.ErrUnsupported)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.setup = true
	pc := p.SyncSource()
	if pc.ConnConfig.RuntimeParams == nil {
		pc.ConnConfig.RuntimeParams = map[string]string{}
	}
	pc.ConnConfig.RuntimeParams["synchronous_commit"] = w.cfg.SyncCommit
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return fmt.Errorf("sync source: %w", err)
	}
	w.src = Source{Pool: pool, Config: pc, Tables: Tables{Prefix: w.cfg.Prefix}}
	if err := CreateSource(ctx, w.src); err != nil {
		return err
	}
	for _, name := range w.cfg.viewList() {
		v, err := w.openView(ctx, name)
		if err != nil {
			return err
		}
		w.views = append(w.views, v)
		if err := v.Setup(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (w *Workload) openView(ctx context.Context, name string) (View, error) {
	switch name {
	case ViewSearch:
		return NewSearchView(), nil
	case ViewGraph:
		return NewGraphView(), nil
	case ViewTimeline:
		if w.cfg.RedisServer != "" {
			return NewOwnTimelineView(ctx, w.cfg.RedisServer, "sf:"+w.cfg.Prefix)
		}
		return NewTimelineView(ctx, w.cfg.Redis, "sf:"+w.cfg.Prefix)
	case ViewAnalytics:
		return NewAnalyticsView(ctx)
	}
	return nil, fmt.Errorf("unknown view %q", name)
}

func partRange(n int64, part, parts int) (lo, hi int64) {
	return 1 + n*int64(part)/int64(parts), 1 + n*int64(part+1)/int64(parts)
}

// followDst returns the k-th loaded followee of user u (of n users): never
// u itself, distinct for k < n-1.
func followDst(u, k, n int64) int64 {
	return 1 + (u-1+1+k)%n
}

// Load writes share part of parts of the tweets (with their likes) and the
// follows to the source with COPY, and the same rows straight to every view
// (the snapshot the strategies start from).
func (w *Workload) Load(ctx context.Context, c drivers.Conn, part, parts int, p workloads.Progress) error {
	if part < 0 || parts < 1 || part >= parts {
		return fmt.Errorf("sync: load part %d of %d", part, parts)
	}
	const batch = 2000
	t := w.src.Tables
	rows := w.gen.Rows()
	var gt gen.TwitterTweet
	var gl []gen.TwitterLike
	var tweetRows, likeRows [][]any
	var changes []Change
	flush := func() error {
		if len(tweetRows) > 0 {
			if _, err := w.src.Pool.CopyFrom(ctx, pgx.Identifier{t.Tweets()}, []string{"id", "user_id", "body", "created_at", "like_count"}, pgx.CopyFromRows(tweetRows)); err != nil {
				return fmt.Errorf("load %s: %w", t.Tweets(), err)
			}
		}
		if len(likeRows) > 0 {
			if _, err := w.src.Pool.CopyFrom(ctx, pgx.Identifier{t.Likes()}, []string{"user_id", "tweet_id", "created_at"}, pgx.CopyFromRows(likeRows)); err != nil {
				return fmt.Errorf("load %s: %w", t.Likes(), err)
			}
		}
		for _, v := range w.views {
			if err := v.Apply(ctx, changes); err != nil {
				return fmt.Errorf("load view %s: %w", v.Name(), err)
			}
		}
		p.Add(int64(len(tweetRows)))
		tweetRows, likeRows, changes = tweetRows[:0], likeRows[:0], changes[:0]
		return nil
	}
	lo, hi := partRange(w.cfg.Tweets, part, parts)
	for id := lo; id < hi; id++ {
		rows.Tweet(&gt, id)
		at := time.Unix(gt.CreatedAt, 0).UTC()
		tweetRows = append(tweetRows, []any{gt.ID, gt.UserID, string(gt.Body), at, gt.LikeCount})
		changes = append(changes, TweetChange(gt.ID, gt.UserID, string(gt.Body), at, gt.LikeCount))
		gl = rows.AppendLikes(gl[:0], id, gt.CreatedAt)
		for _, l := range gl {
			likeRows = append(likeRows, []any{l.UserID, l.TweetID, time.Unix(l.CreatedAt, 0).UTC()})
		}
		if len(tweetRows) == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	var followRows [][]any
	lo, hi = partRange(w.cfg.Users, part, parts)
	for u := lo; u < hi; u++ {
		for k := range int64(w.cfg.FollowsPerUser) {
			d := followDst(u, k, w.cfg.Users)
			followRows = append(followRows, []any{u, d})
			changes = append(changes, Change{Entity: EntityFollow, Op: OpUpsert, Src: u, Dst: d})
		}
		if len(followRows) >= batch || u == hi-1 {
			if _, err := w.src.Pool.CopyFrom(ctx, pgx.Identifier{t.Follows()}, []string{"src", "dst"}, pgx.CopyFromRows(followRows)); err != nil {
				return fmt.Errorf("load %s: %w", t.Follows(), err)
			}
			for _, v := range w.views {
				if err := v.Apply(ctx, changes); err != nil {
					return fmt.Errorf("load view %s: %w", v.Name(), err)
				}
			}
			p.Add(int64(len(followRows)))
			followRows, changes = followRows[:0], changes[:0]
		}
	}
	return nil
}

var _ workloads.Finisher = (*Workload)(nil)

// FinishLoad analyzes the source tables, prepares and starts the strategy
// and starts the lag probe.
func (w *Workload) FinishLoad(ctx context.Context, c drivers.Conn) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	t := w.src.Tables
	if _, err := w.src.Pool.Exec(ctx, "ANALYZE "+t.ident(t.Tweets())+", "+t.ident(t.Likes())+", "+t.ident(t.Follows())); err != nil {
		return fmt.Errorf("sync: analyze: %w", err)
	}
	strat, err := NewStrategy(w.strategy)
	if err != nil {
		return err
	}
	if d, ok := strat.(*Dual); ok {
		d.Initial = w.initial
	}
	if p := DebeziumOf(strat); p != nil {
		p.Config = DebeziumConfig{Kafka: w.cfg.Kafka, Connect: w.cfg.Debezium}
		p.Config.defaults()
	}
	fp := map[string]float64{}
	if w.cfg.FailP > 0 {
		for _, v := range strings.Split(w.cfg.FailViews, ",") {
			fp[strings.TrimSpace(v)] = w.cfg.FailP
		}
	}
	w.faults = NewFaults(w.seed, fp)
	env := Env{Source: w.src, Views: w.views, Faults: w.faults, Logf: w.logf}
	w.strat = strat // set first: FinishRun cleans up what a failed Prepare left
	if err := strat.Prepare(ctx, env); err != nil {
		return err
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w.bgStop = cancel
	if err := strat.Start(bg); err != nil {
		return err
	}
	w.probe = newProbe(w.views, w.cfg.PollInterval)
	w.bgDone.Add(1)
	go func() {
		defer w.bgDone.Done()
		w.probe.run(bg, w.strat, w.src.Tables, w.cfg.MarkerInterval)
	}()
	return nil
}

// initial returns the loaded image of the row c is about.
func (w *Workload) initial(c *Change) (Change, bool) {
	switch c.Entity {
	case EntityTweet:
		if c.TweetID < 1 || c.TweetID > w.cfg.Tweets {
			return Change{}, false
		}
		var gt gen.TwitterTweet
		w.gen.Rows().Tweet(&gt, c.TweetID)
		return TweetChange(gt.ID, gt.UserID, string(gt.Body), time.Unix(gt.CreatedAt, 0), gt.LikeCount), true
	case EntityFollow:
		if c.Src < 1 || c.Src > w.cfg.Users {
			return Change{}, false
		}
		for k := range int64(w.cfg.FollowsPerUser) {
			if followDst(c.Src, k, w.cfg.Users) == c.Dst {
				return Change{Entity: EntityFollow, Op: OpUpsert, Src: c.Src, Dst: c.Dst}, true
			}
		}
	}
	return Change{}, false
}

// Validate reconciles every view with the source right after the load:
// the snapshot must be identical everywhere.
func (w *Workload) Validate(ctx context.Context, c drivers.Conn) (workloads.Validation, error) {
	var v workloads.Validation
	divs, err := Reconcile(ctx, w.src, w.views)
	if err != nil {
		return v, err
	}
	for i, d := range divs {
		v.Check(d.Total() == 0 && d.Rows > 0, "view %s after load: %d rows, %d missing, %d extra, %d different %v",
			w.views[i].Name(), d.Rows, d.Missing, d.Extra, d.Different, d.Samples)
	}
	return v, nil
}

// startFaults schedules the configured faults from now (the first write).
func (w *Workload) startFaults() {
	now := time.Now()
	w.mu.Lock()
	if w.cfg.FailP > 0 {
		w.events = append(w.events, faultEvent{at: now, kind: "write-failures", tgt: w.cfg.FailViews, p: w.cfg.FailP,
			note: "each view write fails with this probability (injected in storefit's view client)"})
	}
	w.mu.Unlock()
	if w.cfg.ViewDown != "" && w.cfg.ViewDownFor > 0 {
		time.AfterFunc(w.cfg.ViewDownAt, func() {
			at := time.Now()
			note := "every write to the view fails for the duration (outage simulated in storefit's view client; the shared server keeps running)"
			var stopper ServerStopper
			w.mu.Lock()
			for _, v := range w.views {
				if s, ok := v.(ServerStopper); ok && v.Name() == w.cfg.ViewDown {
					if tv, ok := v.(*TimelineView); !ok || tv.proc != nil {
						stopper = s
					}
				}
			}
			w.mu.Unlock()
			if stopper != nil {
				if err := stopper.StopServer(context.Background()); err != nil {
					note = "stopping the server failed (" + err.Error() + "); writes failed in storefit's client instead"
					stopper = nil
				} else {
					note = "the view's own server was stopped (SHUTDOWN SAVE) and started again after the duration"
					time.AfterFunc(w.cfg.ViewDownFor, func() {
						if err := stopper.StartServer(context.Background()); err != nil {
							w.logf("sync: restart %s: %v", w.cfg.ViewDown, err)
						}
					})
				}
			}
			if stopper == nil {
				w.faults.Down(w.cfg.ViewDown, at.Add(w.cfg.ViewDownFor))
			}
			w.mu.Lock()
			w.events = append(w.events, faultEvent{at: at, kind: "view-down", tgt: w.cfg.ViewDown, dur: w.cfg.ViewDownFor, note: note})
			w.mu.Unlock()
		})
	}
	if w.cfg.RestartAt > 0 {
		time.AfterFunc(w.cfg.RestartAt, func() {
			at := time.Now()
			w.mu.Lock()
			s := w.strat
			w.mu.Unlock()
			if s == nil {
				return
			}
			note := "every view's consumer/relay (and a shared reader) cancelled at once, their connections closed and what they held in memory lost; new ones resumed from each view's durable position"
			if w.strategy == "dual" {
				note = "dual writes have no consumer: nothing to kill"
			}
			_ = s.Restart(context.Background())
			w.mu.Lock()
			w.events = append(w.events, faultEvent{at: at, kind: "consumer-restart", tgt: w.strategy, note: note})
			w.mu.Unlock()
		})
	}
}

// Worker returns worker id of n: the write mix.
func (w *Workload) Worker(c drivers.Conn, id, n int) (workloads.Worker, error) {
	if !Supports(c) {
		return nil, fmt.Errorf("sync source: %w", drivers.ErrUnsupported)
	}
	if id < 0 || n < 1 || id >= n {
		return nil, fmt.Errorf("sync: worker %d of %d", id, n)
	}
	var weights []float64
	for _, op := range w.ops {
		weights = append(weights, w.cfg.proportions()[op])
	}
	r := gen.NewRand(w.seed, 0x5C<<56|uint64(id))
	k := &worker{w: w, r: r, id: int64(id), n: int64(n), mix: gen.NewDiscrete(r, weights), rows: w.gen.Rows()}
	k.op.k = k
	return k, nil
}

type worker struct {
	w       *Workload
	r       *gen.Rand
	id, n   int64
	mix     *gen.Discrete
	rows    *gen.TwitterRows
	created int64
	deleted int64
	ops     int64
	body    []byte
	op      writeOp
}

type writeOp struct {
	k    *worker
	kind int
	fn   TxFunc
}

func (o *writeOp) Kind() int { return o.kind }

// Do runs the write through the strategy; the first write of the run
// starts the fault schedule.
func (o *writeOp) Do(ctx context.Context) error {
	w := o.k.w
	w.first.Do(w.startFaults)
	return w.strat.Write(ctx, o.fn)
}

func (k *worker) ownID(i int64) int64 { return k.w.cfg.Tweets + 1 + k.id + i*k.n }

// Next prepares the next write.
func (k *worker) Next() workloads.Op {
	cfg := &k.w.cfg
	t := Tables{Prefix: cfg.Prefix}
	at := time.Unix(gen.TwitterStart+cfg.Tweets+gen.TwitterJitter+k.ops*k.n+k.id, 0).UTC()
	k.ops++
	kind := k.mix.Next()
	op := k.w.ops[kind]
	if op == 3 && k.deleted == k.created { // nothing of its own to delete: create
		op = 1
		kind = slices.Index(k.w.ops, 1)
		if kind < 0 {
			op, kind = 0, slices.Index(k.w.ops, 0)
		}
	}
	k.op.kind = kind
	switch op {
	case 0: // like
		k.op.fn = LikeTweet(t, 1+k.r.Int64N(cfg.Users), 1+k.r.Int64N(cfg.Tweets), at)
	case 1: // create
		id := k.ownID(k.created)
		k.created++
		user := k.w.gen.UserOfRank(k.r.Int64N(cfg.Users))
		k.body = k.rows.AppendBody(k.body[:0], id, 0)
		k.op.fn = CreateTweet(t, id, user, string(k.body), at)
	case 2: // update
		id := 1 + k.r.Int64N(cfg.Tweets)
		k.body = k.rows.AppendBody(k.body[:0], id, uint64(k.ops*k.n+k.id))
		k.op.fn = UpdateTweet(t, id, string(k.body))
	case 3: // delete own oldest
		id := k.ownID(k.deleted)
		k.deleted++
		k.op.fn = DeleteTweet(t, id)
	default: // follow toggle
		src := 1 + k.r.Int64N(cfg.Users)
		dst := 1 + k.r.Int64N(cfg.Users-1)
		if dst >= src {
			dst++
		}
		k.op.fn = ToggleFollow(t, src, dst)
	}
	return &k.op
}
