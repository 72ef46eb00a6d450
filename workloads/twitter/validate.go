package twitter

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/agg"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/gen"
	"github.com/storefit/storefit/workloads/graph"
	"github.com/storefit/storefit/workloads/search"
)

// validateStream is the purpose byte of the validation's random stream.
const validateStream = 0x56 << 56

type nopProgress struct{}

func (nopProgress) Add(int64) {}

// Oracle returns the application over the memory oracle (found through the
// driver registry, so the memory driver must be linked in) with the data
// set loaded, and a function that closes it.
func (w *Workload) Oracle(ctx context.Context) (Store, func() error, error) {
	if n := w.Records(); n > w.cfg.OracleMaxRows {
		return nil, nil, fmt.Errorf("twitter: validation would load %d rows into the in-memory oracle (oraclemaxrows is %d): validate at quick scale, or raise oraclemaxrows if memory allows", n, w.cfg.OracleMaxRows)
	}
	if _, ok := drivers.Lookup("memory"); !ok {
		return nil, nil, errors.New("twitter: the memory oracle is not linked in (import drivers/memory)")
	}
	c, err := drivers.Open(ctx, "memory", "")
	if err != nil {
		return nil, nil, err
	}
	b, err := MemoryBackends(c)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	app, err := NewApp(b, Options{})
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	err = app.Setup(ctx)
	if err == nil {
		err = w.load(ctx, app, 0, 1, nopProgress{})
	}
	if err == nil {
		err = app.FinishLoad(ctx)
	}
	if err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("twitter oracle: %w", err)
	}
	return app, c.Close, nil
}

// MemoryBackends returns the backends of the oracle on one connection that
// implements every pattern (crud, search, graph, agg): no cache, no
// who-to-follow view.
func MemoryBackends(c drivers.Conn) (Backends, error) {
	cs, _, ss, gs, _, as := Schemas()
	var b Backends
	var err error
	cp, ok1 := c.(crud.Provider)
	sp, ok2 := c.(search.Provider)
	gp, ok3 := c.(graph.Provider)
	ap, ok4 := c.(agg.Provider)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return b, fmt.Errorf("twitter oracle: %T lacks a pattern", c)
	}
	if b.Source, err = cp.CrudStore(cs); err != nil {
		return b, err
	}
	if b.Search, err = sp.SearchStore(ss); err != nil {
		return b, err
	}
	if b.Follows, err = gp.GraphStore(gs); err != nil {
		return b, err
	}
	if b.Dashboard, err = ap.AggStore(as); err != nil {
		return b, err
	}
	return b, nil
}

// Validate loads the oracle and compares the answers of the application
// (through the placement's routing, cache and views, freshly loaded, so no
// change is pending) with it: tweets by id, timelines (twice each: the
// miss that fills the cache and the hit), search hit counts, who-to-follow,
// every dashboard window, and a missing tweet. Search top-10 agreement with
// the oracle's BM25 ranking is a figure, not a check.
func (w *Workload) Validate(ctx context.Context, c drivers.Conn) (workloads.Validation, error) {
	var v workloads.Validation
	s, err := w.Store(c)
	if err != nil {
		return v, err
	}
	oracle, closeOracle, err := w.Oracle(ctx)
	if err != nil {
		return v, err
	}
	defer closeOracle()
	r := gen.NewRand(w.seed, validateStream)

	for i := range 30 {
		id := crud.TweetID(1 + int64(i)*(w.cfg.Tweets-1)/29)
		got, err := s.TweetByID(ctx, id)
		if err != nil {
			return v, fmt.Errorf("tweet %d: %w", id, err)
		}
		want, err := oracle.TweetByID(ctx, id)
		if err != nil {
			return v, fmt.Errorf("oracle tweet %d: %w", id, err)
		}
		v.Check(got.Equal(want), "tweet %d: got %+v, want %+v", id, got, want)
	}
	if _, err := s.TweetByID(ctx, crud.TweetID(w.cfg.Tweets+1<<30)); !errors.Is(err, drivers.ErrNotFound) {
		v.Failf("missing tweet: got error %v, want not found", err)
	} else {
		v.Pass()
	}

	users := []int64{}
	for rank := range min(int64(5), w.cfg.Users) {
		users = append(users, w.gen.UserOfRank(rank))
	}
	for i := range 15 {
		users = append(users, 1+int64(i)*(w.cfg.Users-1)/14)
	}
	var got, want []crud.TweetID
	for _, u := range users {
		want, err = oracle.Timeline(ctx, crud.UserID(u), w.cfg.TimelineLimit, want)
		if err != nil {
			return v, fmt.Errorf("oracle timeline %d: %w", u, err)
		}
		for pass := range 2 {
			got, err = s.Timeline(ctx, crud.UserID(u), w.cfg.TimelineLimit, got)
			if err != nil {
				return v, fmt.Errorf("timeline %d: %w", u, err)
			}
			v.Check(slices.Equal(got, want), "timeline of user %d (read %d): got %v, want %v", u, pass+1, got, want)
		}
	}
	if err := w.validateHome(ctx, s, oracle, users, &v); err != nil {
		return v, err
	}

	rows := w.gen.Rows()
	var body []byte
	var toks []string
	var gotHits, wantHits search.Hits
	overlap, asked := 0, 0
	for range 20 {
		body = rows.AppendBody(body[:0], 1+r.Int64N(w.cfg.Tweets), 0)
		toks = search.AppendTokens(toks[:0], body)
		q := drawQuery(r, toks, search.Query{})
		n, err := s.CountTweets(ctx, q)
		if err != nil {
			return v, fmt.Errorf("search count %s: %w", q, err)
		}
		m, err := oracle.CountTweets(ctx, q)
		if err != nil {
			return v, fmt.Errorf("oracle search count %s: %w", q, err)
		}
		v.Check(n == m, "search count %s: got %d, want %d", q, n, m)
		if gotHits, err = s.SearchTweets(ctx, q, 10, gotHits); err != nil {
			return v, fmt.Errorf("search %s: %w", q, err)
		}
		if wantHits, err = oracle.SearchTweets(ctx, q, 10, wantHits); err != nil {
			return v, fmt.Errorf("oracle search %s: %w", q, err)
		}
		for _, h := range wantHits {
			asked++
			if slices.ContainsFunc(gotHits, func(g search.Hit) bool { return g.ID == h.ID }) {
				overlap++
			}
		}
	}
	if asked > 0 {
		v.Figures = map[string]float64{"search_top10_agreement": float64(overlap) / float64(asked)}
	}

	var gs, ws []graph.Suggestion
	for _, u := range users {
		gs, err = s.WhoToFollow(ctx, graph.UserID(u), 10, gs)
		if err != nil {
			return v, fmt.Errorf("who to follow %d: %w", u, err)
		}
		ws, err = oracle.WhoToFollow(ctx, graph.UserID(u), 10, ws)
		if err != nil {
			return v, fmt.Errorf("oracle who to follow %d: %w", u, err)
		}
		v.Check(slices.Equal(gs, ws), "who to follow %d: got %v, want %v", u, gs, ws)
	}

	for i := range w.windows() {
		from, to := w.window(i)
		got, err := s.Dashboard(ctx, from, to)
		if err != nil {
			return v, fmt.Errorf("dashboard %s: %w", from, err)
		}
		want, err := oracle.Dashboard(ctx, from, to)
		if err != nil {
			return v, fmt.Errorf("oracle dashboard %s: %w", from, err)
		}
		v.Check(got.Equal(want), "dashboard from %s: got %+v, want %+v", from.Format("2006-01-02T15:04"), got, want)
	}
	return v, nil
}

// validateHome compares home timelines with the oracle's (fan-out on read
// over the memory stores): the given users, the followers of the most
// followed users (whose homes hold the celebrities' tweets a hybrid reads
// on demand), and users who follow nobody.
func (w *Workload) validateHome(ctx context.Context, s, oracle Store, users []int64, v *workloads.Validation) error {
	users = slices.Clone(users)
	d := w.follows.Drawer()
	var buf []int64
	for id := int64(1); id <= w.cfg.Users && len(users) < 60; id++ {
		buf = d.AppendFollowees(buf[:0], id-1)
		if len(buf) == 0 || slices.Contains(buf, w.follows.UserOfRank(0)) {
			users = append(users, id)
		}
	}
	var got, want []crud.TweetID
	var err error
	for _, u := range users {
		if want, err = oracle.Home(ctx, crud.UserID(u), w.cfg.TimelineLimit, want); err != nil {
			return fmt.Errorf("oracle home %d: %w", u, err)
		}
		if got, err = s.Home(ctx, crud.UserID(u), w.cfg.TimelineLimit, got); err != nil {
			return fmt.Errorf("home %d: %w", u, err)
		}
		v.Check(slices.Equal(got, want), "home timeline of user %d: got %v, want %v", u, got, want)
	}
	return nil
}
