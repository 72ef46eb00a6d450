package syncwl

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/gen"
	"github.com/storefit/storefit/workloads/graph"
)

// The strategies compared, one workload each (sync/<strategy>).
var strategies = []struct{ name, summary string }{
	{"dual", "dual writes"},
	{"outbox", "a transactional outbox and a relay per view"},
	{"cdc-logical", "logical decoding (pgoutput)"},
	{"cdc-debezium", "Debezium and Kafka"},
	{"event-sourcing", "event sourcing (a Kafka log; every store a projection)"},
}

// The views, by the placement role whose store holds them, and what each
// keeps: the search index and the timeline cache keep tweets, the graph the
// follows, the analytics copy tweets and likes — full rows.
var views = []struct {
	name  string
	keeps syncer.EntitySet
}{
	{"search", syncer.Entities(syncer.EntityTweet)},
	{"who_to_follow", syncer.Entities(syncer.EntityFollow)},
	{"cache", syncer.Entities(syncer.EntityTweet)},
	{"dashboard", syncer.Entities(syncer.EntityTweet, syncer.EntityLike)},
}

func viewNames() []string {
	var out []string
	for _, v := range views {
		out = append(out, v.name)
	}
	return out
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
	// Prefix is put before every table, key, index, slot, publication,
	// topic and group the workload and its strategy create.
	Prefix string `yaml:"prefix"`
	// Views lists the views, comma-separated: search, who_to_follow,
	// cache, dashboard (each held by the store the placement routes that
	// role to).
	Views string `yaml:"views"`
	// FailP is the probability that a view write fails (injected), for
	// the views FailViews lists ("*": all).
	FailP     float64 `yaml:"failp"`
	FailViews string  `yaml:"failviews"`
	// ViewDown names a view made unavailable for ViewDownFor from
	// ViewDownAt after the first write of the run ("" or "none": no
	// outage; "source": the source store, under event sourcing a
	// projection).
	ViewDown    string        `yaml:"viewdown"`
	ViewDownAt  time.Duration `yaml:"viewdownat"`
	ViewDownFor time.Duration `yaml:"viewdownfor"`
	// RestartAt kills every consumer/relay that long after the first
	// write, and a new generation resumes (0: never).
	RestartAt time.Duration `yaml:"restartat"`
	// CrashAt makes the next applier that applies a batch that long after
	// the first write crash before it records its position (0: never).
	CrashAt time.Duration `yaml:"crashat"`
	// CrashP makes each dual write crash with this probability after the
	// source committed, having written a random prefix of the views.
	CrashP float64 `yaml:"crashp"`
	// Retries and RetryBackoff are dual writes' retry policy: up to
	// Retries more tries of a failed view write, waiting RetryBackoff,
	// then twice as long each time (0: no retry).
	Retries      int           `yaml:"retries"`
	RetryBackoff time.Duration `yaml:"retrybackoff"`
	// Rebuild names the projection event sourcing drops and rebuilds from
	// offset 0 after the run ("none": no rebuild).
	Rebuild string `yaml:"rebuild"`
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
// tenth of crud's (the views are loaded too), every view, no faults.
func DefaultConfig(scale workloads.Scale) Config {
	users, tweets := scale.Size(1000, 100_000, 10), scale.Size(10_000, 1_000_000, 10)
	return Config{
		Users: users, Tweets: tweets, LikesPerTweet: 3, FollowsPerUser: 10,
		Prefix: "sync_", Views: strings.Join(viewNames(), ","),
		FailViews: "*", ViewDownFor: 10 * time.Second, RetryBackoff: 10 * time.Millisecond, Rebuild: "source",
		DrainTimeout:   60 * time.Second,
		LikeProportion: 0.13, CreateTweetProportion: 0.10, UpdateTweetProportion: 0.05,
		DeleteTweetProportion: 0.02, FollowProportion: 0.10,
	}
}

func (c *Config) viewList() []string {
	var out []string
	for _, v := range strings.Split(c.Views, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (c *Config) validate(strategy string) error {
	switch {
	case c.Users < 2 || c.Users > 1<<32:
		return fmt.Errorf("users must be in 2..%d, not %d", int64(1)<<32, c.Users)
	case c.Tweets < 1 || c.Tweets > 1<<40:
		return fmt.Errorf("tweets must be in 1..%d, not %d", int64(1)<<40, c.Tweets)
	case c.FollowsPerUser < 0 || int64(c.FollowsPerUser) >= c.Users:
		return fmt.Errorf("followsperuser must be in 0..users-1, not %d", c.FollowsPerUser)
	case !(c.FailP >= 0 && c.FailP <= 1) || !(c.CrashP >= 0 && c.CrashP <= 1):
		return fmt.Errorf("failp and crashp must be in [0, 1], not %v and %v", c.FailP, c.CrashP)
	case c.DrainTimeout <= 0:
		return errors.New("draintimeout must be positive")
	case c.ViewDownAt < 0 || c.ViewDownFor < 0 || c.RestartAt < 0 || c.CrashAt < 0:
		return errors.New("fault times must not be negative")
	case c.Retries < 0 || c.RetryBackoff < 0:
		return errors.New("retries and retrybackoff must not be negative")
	case strategy != "dual" && (c.CrashP > 0 || c.Retries > 0):
		return errors.New("crashp and retries apply to dual writes (the other strategies retry until a view applies; crashat crashes their consumers)")
	case c.CreateTweetProportion <= 0 && c.DeleteTweetProportion > 0:
		return errors.New("deletetweetproportion needs a positive createtweetproportion (workers delete only their own tweets)")
	case c.Prefix == "" || strings.Trim(c.Prefix, "abcdefghijklmnopqrstuvwxyz0123456789_") != "":
		return fmt.Errorf("prefix %q: use lower-case letters, digits and '_' (it names tables, slots and topics)", c.Prefix)
	}
	if len(c.viewList()) == 0 {
		return errors.New("views lists no view")
	}
	for _, v := range c.viewList() {
		if !slices.Contains(viewNames(), v) {
			return fmt.Errorf("unknown view %q (known: %s)", v, strings.Join(viewNames(), ", "))
		}
	}
	if c.ViewDown == "none" {
		c.ViewDown = ""
	}
	if c.ViewDown != "" && c.ViewDown != "source" && !slices.Contains(c.viewList(), c.ViewDown) {
		return fmt.Errorf("viewdown %q is not one of the views (%s) nor source", c.ViewDown, c.Views)
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

// Supports reports whether c can hold a sync system: a placement (or any
// connection that assembles one from several stores).
func Supports(c drivers.Conn) bool {
	_, ok := c.(syncer.Provider)
	return ok
}

func init() {
	workloads.RegisterPattern("sync", Supports)
	for _, s := range strategies {
		name := s.name
		workloads.Register(workloads.Entry{
			Name: "sync/" + name,
			Summary: "keep search/graph/cache/analytics views in sync with a source of truth by " + s.summary +
				": write latency, commit-to-visible lag per change, divergence under faults (a placement: --store placement:sync)",
			New: func(p workloads.Params) (workloads.Workload, error) { return New(name, p) },
		})
	}
}

// Workload is a sync workload: one strategy, the writes of the crud mix
// (plus follows) at the source, background delivery to the views, and the
// faults of its configuration.
type Workload struct {
	strategy string
	seed     uint64
	cfg      Config
	gen      *gen.Twitter
	kinds    []string
	ops      []int // kind index → op

	mu      sync.Mutex // guards the run state below
	eng     *syncer.Engine
	faults  *syncer.Faults
	first   sync.Once
	events  []faultEvent
	timers  []*time.Timer
	stopped syncer.ServerStopper // a view's server the view-down fault stopped
	logf    func(string, ...any)
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
	known := false
	for _, s := range strategies {
		known = known || s.name == strategy
	}
	if !known {
		return nil, fmt.Errorf("unknown sync strategy %q", strategy)
	}
	cfg := DefaultConfig(p.Scale)
	if err := workloads.DecodeOptions(p.Options, &cfg); err != nil {
		return nil, err
	}
	if err := cfg.validate(strategy); err != nil {
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

// Records returns the rows loaded: tweets, likes, follows.
func (w *Workload) Records() int64 {
	rows := w.gen.Rows()
	n := w.cfg.Tweets + w.cfg.Users*int64(w.cfg.FollowsPerUser)
	for id := int64(1); id <= w.cfg.Tweets; id++ {
		n += rows.LikeSet(id).Count
	}
	return n
}

// Settings returns the effective settings for results.
func (w *Workload) Settings() map[string]any {
	c := w.cfg
	m := map[string]any{
		"strategy": w.strategy, "users": c.Users, "tweets": c.Tweets, "likespertweet": c.LikesPerTweet,
		"followsperuser": c.FollowsPerUser, "views": c.Views, "prefix": c.Prefix, "draintimeout": c.DrainTimeout.String(),
	}
	if c.FailP > 0 {
		m["failp"], m["failviews"] = c.FailP, c.FailViews
	}
	if c.ViewDown != "" {
		m["viewdown"], m["viewdownat"], m["viewdownfor"] = c.ViewDown, c.ViewDownAt.String(), c.ViewDownFor.String()
	}
	if c.RestartAt > 0 {
		m["restartat"] = c.RestartAt.String()
	}
	if c.CrashAt > 0 {
		m["crashat"] = c.CrashAt.String()
	}
	if w.strategy == "dual" {
		if c.CrashP > 0 {
			m["crashp"] = c.CrashP
		}
		if c.Retries > 0 {
			m["retries"], m["retrybackoff"] = c.Retries, c.RetryBackoff.String()
		}
	}
	if w.strategy == "event-sourcing" {
		m["rebuild"] = c.Rebuild
	}
	for i, p := range c.proportions() {
		if p > 0 {
			m[strings.ReplaceAll(opNames[i], "_", "")+"proportion"] = p
		}
	}
	return m
}

// tables names a view's tables (or key prefixes): prefix, view, entity.
func (w *Workload) tables(view string) syncer.Tables {
	p := w.cfg.Prefix
	if view != "" {
		p += view + "_"
	}
	return syncer.Tables{Tweets: p + "tweets", Likes: p + "likes", Follows: p + "follows"}
}

// Setup asks the connection for the sync system — the strategy over the
// placement's source and views — and empties the source and the views.
func (w *Workload) Setup(ctx context.Context, c drivers.Conn) error {
	p, ok := c.(syncer.Provider)
	if !ok {
		return fmt.Errorf("sync system (give a placement: --store placement:sync): %w", drivers.ErrUnsupported)
	}
	spec := syncer.Spec{Strategy: w.strategy, Source: w.tables(""),
		Options: syncer.Options{Retry: syncer.Retry{Attempts: w.cfg.Retries, Backoff: w.cfg.RetryBackoff}, Name: w.cfg.Prefix}}
	for _, name := range w.cfg.viewList() {
		for _, v := range views {
			if v.name == name {
				spec.Views = append(spec.Views, syncer.SinkSpec{Name: name, Keeps: v.keeps, Tables: w.tables(name)})
			}
		}
	}
	fp := map[string]float64{}
	if w.cfg.FailP > 0 {
		for _, v := range strings.Split(w.cfg.FailViews, ",") {
			fp[strings.TrimSpace(v)] = w.cfg.FailP
		}
	}
	faults := syncer.NewFaults(w.seed, fp)
	if w.strategy == "dual" {
		faults.SetWriteCrash(w.cfg.CrashP)
	}
	spec.Faults, spec.Logf = faults, w.logf
	eng, err := p.SyncEngine(ctx, spec)
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.eng, w.faults = eng, faults
	w.mu.Unlock()
	return eng.Setup(ctx)
}

func partRange(n int64, part, parts int) (lo, hi int64) {
	return 1 + n*int64(part)/int64(parts), 1 + n*int64(part+1)/int64(parts)
}

// followDst returns the k-th loaded followee of user u (of n users): never
// u itself, distinct for k < n-1.
func followDst(u, k, n int64) int64 {
	return 1 + (u-1+1+k)%n
}

func unix(s int64) time.Time { return time.Unix(s, 0).UTC() }

// Load writes share part of parts of the tweets (with their likes) and the
// follows to the source and, straight, to every view: the snapshot the
// strategy starts from.
func (w *Workload) Load(ctx context.Context, c drivers.Conn, part, parts int, p workloads.Progress) error {
	if part < 0 || parts < 1 || part >= parts {
		return fmt.Errorf("sync: load part %d of %d", part, parts)
	}
	const batch = 2000
	rows := w.gen.Rows()
	var gt gen.TwitterTweet
	var gl []gen.TwitterLike
	var changes []syncer.Change
	flush := func() error {
		if len(changes) == 0 {
			return nil
		}
		if err := w.eng.Load(ctx, changes); err != nil {
			return err
		}
		p.Add(int64(len(changes)))
		changes = changes[:0]
		return nil
	}
	lo, hi := partRange(w.cfg.Tweets, part, parts)
	for id := lo; id < hi; id++ {
		rows.Tweet(&gt, id)
		changes = append(changes, syncer.TweetUpsert(crud.Tweet{ID: crud.TweetID(gt.ID), UserID: crud.UserID(gt.UserID), Body: string(gt.Body),
			CreatedAt: unix(gt.CreatedAt), LikeCount: gt.LikeCount}))
		gl = rows.AppendLikes(gl[:0], id, gt.CreatedAt)
		for _, l := range gl {
			changes = append(changes, syncer.LikeUpsert(crud.Like{UserID: crud.UserID(l.UserID), TweetID: crud.TweetID(l.TweetID), CreatedAt: unix(l.CreatedAt)}))
		}
		if len(changes) >= batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	lo, hi = partRange(w.cfg.Users, part, parts)
	for u := lo; u < hi; u++ {
		for k := range int64(w.cfg.FollowsPerUser) {
			changes = append(changes, syncer.FollowUpsert(graph.Edge{Src: graph.UserID(u), Dst: graph.UserID(followDst(u, k, w.cfg.Users))}))
		}
		if len(changes) >= batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

var _ workloads.Finisher = (*Workload)(nil)

// FinishLoad starts the strategy: its capture (after the load, which is
// never replayed into the views) and its appliers.
func (w *Workload) FinishLoad(ctx context.Context, c drivers.Conn) error {
	return w.eng.Start(ctx)
}

// loaded returns the digest of a row as loaded ("" when it was not).
func (w *Workload) loaded(rows *gen.TwitterRows, k syncer.Key) string {
	switch k.Entity {
	case syncer.EntityTweet:
		if k.A < 1 || k.A > w.cfg.Tweets {
			return ""
		}
		var gt gen.TwitterTweet
		rows.Tweet(&gt, k.A)
		c := syncer.TweetUpsert(crud.Tweet{ID: crud.TweetID(gt.ID), UserID: crud.UserID(gt.UserID), Body: string(gt.Body), CreatedAt: unix(gt.CreatedAt), LikeCount: gt.LikeCount})
		return c.Digest()
	case syncer.EntityLike:
		tw, user := k.B, k.A
		if tw < 1 || tw > w.cfg.Tweets || !rows.LikeSet(tw).Has(user) {
			return ""
		}
		_, at := rows.TweetMeta(tw)
		for _, l := range rows.AppendLikes(nil, tw, at) {
			if l.UserID == user {
				c := syncer.LikeUpsert(crud.Like{UserID: crud.UserID(user), TweetID: crud.TweetID(tw), CreatedAt: unix(l.CreatedAt)})
				return c.Digest()
			}
		}
	case syncer.EntityFollow:
		if k.A < 1 || k.A > w.cfg.Users {
			return ""
		}
		for j := range int64(w.cfg.FollowsPerUser) {
			if followDst(k.A, j, w.cfg.Users) == k.B {
				c := syncer.FollowUpsert(graph.Edge{Src: graph.UserID(k.A), Dst: graph.UserID(k.B)})
				return c.Digest()
			}
		}
	}
	return ""
}

// Validate reconciles every view with the source of truth right after the
// load: the snapshot must be identical everywhere, full rows.
func (w *Workload) Validate(ctx context.Context, c drivers.Conn) (workloads.Validation, error) {
	var v workloads.Validation
	divs, err := w.eng.Reconcile(ctx)
	if err != nil {
		return v, err
	}
	for i, d := range divs {
		v.Check(d.Total() == 0 && d.Rows > 0, "view %s after load: %d rows, %d missing, %d extra, %d different %v",
			w.eng.Views()[i], d.Rows, d.Missing, d.Extra, d.Different, d.Samples)
	}
	return v, nil
}

// Worker returns worker id of n: the write mix.
func (w *Workload) Worker(c drivers.Conn, id, n int) (workloads.Worker, error) {
	if !Supports(c) {
		return nil, fmt.Errorf("sync system (give a placement: --store placement:sync): %w", drivers.ErrUnsupported)
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
	k.op.w = w
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
	w    *Workload
	kind int
	cmd  syncer.Command
}

func (o *writeOp) Kind() int { return o.kind }

// Do runs the write through the strategy; the first write of the run
// starts the fault schedule.
func (o *writeOp) Do(ctx context.Context) error {
	o.w.first.Do(o.w.startFaults)
	return o.w.eng.Exec(ctx, &o.cmd)
}

func (k *worker) ownID(i int64) int64 { return k.w.cfg.Tweets + 1 + k.id + i*k.n }

// Next prepares the next write.
func (k *worker) Next() workloads.Op {
	cfg := &k.w.cfg
	at := unix(gen.TwitterStart + cfg.Tweets + gen.TwitterJitter + k.ops*k.n + k.id)
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
	c := &k.op.cmd
	switch op {
	case 0: // like
		*c = syncer.Command{Kind: syncer.Like, Like: crud.Like{UserID: crud.UserID(1 + k.r.Int64N(cfg.Users)), TweetID: crud.TweetID(1 + k.r.Int64N(cfg.Tweets)), CreatedAt: at}}
	case 1: // create
		id := k.ownID(k.created)
		k.created++
		user := k.w.gen.UserOfRank(k.r.Int64N(cfg.Users))
		k.body = k.rows.AppendBody(k.body[:0], id, 0)
		*c = syncer.Command{Kind: syncer.CreateTweet, Tweet: crud.Tweet{ID: crud.TweetID(id), UserID: crud.UserID(user), Body: string(k.body), CreatedAt: at}}
	case 2: // update
		id := 1 + k.r.Int64N(cfg.Tweets)
		k.body = k.rows.AppendBody(k.body[:0], id, uint64(k.ops*k.n+k.id))
		*c = syncer.Command{Kind: syncer.UpdateTweet, Tweet: crud.Tweet{ID: crud.TweetID(id), Body: string(k.body)}}
	case 3: // delete own oldest
		id := k.ownID(k.deleted)
		k.deleted++
		*c = syncer.Command{Kind: syncer.DeleteTweet, Tweet: crud.Tweet{ID: crud.TweetID(id)}}
	default: // follow toggle
		src := 1 + k.r.Int64N(cfg.Users)
		dst := 1 + k.r.Int64N(cfg.Users-1)
		if dst >= src {
			dst++
		}
		*c = syncer.Command{Kind: syncer.ToggleFollow, Edge: graph.Edge{Src: graph.UserID(src), Dst: graph.UserID(dst)}}
	}
	return &k.op
}
