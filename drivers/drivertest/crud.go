package drivertest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/crud"
)

func newCrud(t *testing.T, opts map[string]any) *crud.Workload {
	t.Helper()
	w, err := crud.New("mix", workloads.Params{Seed: 7, Scale: workloads.Quick, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func crudStore(t *testing.T, w *crud.Workload, c drivers.Conn) crud.Store {
	t.Helper()
	s, err := c.(crud.Provider).CrudStore(w.Schema())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkCrud is the crud pattern's conformance check.
func checkCrud(t *testing.T, c, oracle drivers.Conn) {
	w := newCrud(t, map[string]any{"users": 200, "tweets": 2000, "likespertweet": 3, "prefix": "crud_"})
	setupLoad(t, w, c, 3)
	setupLoad(t, w, oracle, 1)

	t.Run("validate", func(t *testing.T) { validate(t, w, c) })
	t.Run("operations", func(t *testing.T) { compareCrudOps(t, w, c, oracle) })
	t.Run("setup empties", func(t *testing.T) {
		w2 := newCrud(t, map[string]any{"users": 5, "tweets": 10, "likespertweet": 1, "prefix": "crud_setup_"})
		setupLoad(t, w2, c, 1)
		ctx := context.Background()
		if err := w2.Setup(ctx, c); err != nil {
			t.Fatal(err)
		}
		s := crudStore(t, w2, c)
		if _, err := s.TweetByID(ctx, 1); !errors.Is(err, drivers.ErrNotFound) {
			t.Errorf("tweet after Setup: err = %v, want ErrNotFound", err)
		}
		h := w2.Generator().Rows().AppendHandle(nil, 1)
		if _, err := s.UserByHandle(ctx, h); !errors.Is(err, drivers.ErrNotFound) {
			t.Errorf("user after Setup: err = %v, want ErrNotFound", err)
		}
		if n, err := s.CountLikes(ctx, 1); err != nil || n != 0 {
			t.Errorf("likes after Setup: %d, %v", n, err)
		}
		for u := crud.UserID(1); u <= 5; u++ {
			if ids, err := s.Timeline(ctx, u, 20, nil); err != nil || len(ids) != 0 {
				t.Errorf("timeline after Setup: %v, %v", ids, err)
			}
		}
	})
	t.Run("mix", func(t *testing.T) {
		// Concurrent workers: no errors at all (the stream never repeats
		// a like nor misses a tweet), then every loaded tweet is still
		// there, every tweet's like_count equals its likes, and the
		// verify step finds every acknowledged write.
		wm := newCrud(t, map[string]any{"users": 100, "tweets": 1000, "likespertweet": 3, "prefix": "crud_mix_"})
		setupLoad(t, wm, c, 2)
		const n, ops = 4, 500
		gens := runWorkers(t, wm, c, n, ops, nil)
		verifyWrites(t, wm, c, gens)
		ctx := context.Background()
		s := crudStore(t, wm, c)
		loaded := crud.TweetID(wm.Config().Tweets)
		for id := crud.TweetID(1); id <= wm.OwnTweetID(n-1, n, ops); id++ {
			tw, err := s.TweetByID(ctx, id)
			if errors.Is(err, drivers.ErrNotFound) && id > loaded {
				continue
			}
			if err != nil {
				t.Fatalf("tweet %d after the mix: %v", id, err)
			}
			if likes, err := s.CountLikes(ctx, id); err != nil || likes != tw.LikeCount {
				t.Fatalf("tweet %d after the mix: like_count %d, %d likes (%v)", id, tw.LikeCount, likes, err)
			}
		}
	})
}

// crudErr classifies an error for comparison with the oracle's: nil, not
// found, duplicate; anything else fails the test.
func crudErr(t *testing.T, what string, err error) string {
	t.Helper()
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, drivers.ErrNotFound):
		return "not found"
	case errors.Is(err, crud.ErrDuplicate):
		return "duplicate"
	}
	t.Fatalf("%s: %v", what, err)
	return ""
}

// compareCrudOps runs a deterministic random sequence of every crud
// operation — hits, misses, duplicates, created_at ties, deletes of liked
// tweets — against the driver and the oracle and compares the answers, then
// compares every tweet, like count and timeline.
func compareCrudOps(t *testing.T, w *crud.Workload, c, oracle drivers.Conn) {
	ctx := context.Background()
	got, want := crudStore(t, w, c), crudStore(t, w, oracle)
	cfg := w.Config()
	rows := w.Generator().Rows()
	r := rand.New(rand.NewPCG(3, 4))
	next := crud.TweetID(cfg.Tweets + 1) // next new tweet id
	var pairs [][2]int64                 // likes that succeeded
	base := time.Unix(w.ClockStart(), 0).UTC()
	bodies := []string{"plain words", "héllo wörld ✓", `it's "quoted", \ and; -- not SQL`, "tab\tand\nnewline"}

	tweet := func() crud.TweetID {
		switch r.IntN(10) {
		case 0:
			return crud.TweetID(cfg.Tweets + 1<<30 + r.Int64N(100)) // missing
		case 1:
			return crud.TweetID(cfg.Tweets+1) + crud.TweetID(r.Int64N(int64(next-crud.TweetID(cfg.Tweets)))) // created (or deleted)
		}
		return crud.TweetID(1 + r.Int64N(cfg.Tweets))
	}
	user := func() crud.UserID {
		if r.IntN(20) == 0 {
			return crud.UserID(cfg.Users + 1 + r.Int64N(100)) // missing
		}
		return crud.UserID(1 + r.Int64N(cfg.Users))
	}
	same := func(what string, e1, e2 error) bool {
		t.Helper()
		g, o := crudErr(t, what, e1), crudErr(t, what, e2)
		if g != o {
			t.Errorf("%s: %s (%v), oracle %s", what, g, e1, o)
		}
		return g == "ok" && o == "ok"
	}
	var g, o []crud.TweetID
	for i := 0; i < 3000 && !t.Failed(); i++ {
		switch op := r.IntN(10); op {
		case 0, 1: // read tweet
			id := tweet()
			t1, e1 := got.TweetByID(ctx, id)
			t2, e2 := want.TweetByID(ctx, id)
			if same(fmt.Sprintf("tweet %d", id), e1, e2) && !t1.Equal(t2) {
				t.Errorf("tweet %d: got %+v, oracle %+v", id, t1, t2)
			}
		case 2: // timeline
			u := user()
			limit := []int{0, 1, 5, 20, 1000}[r.IntN(5)]
			var e1, e2 error
			g, e1 = got.Timeline(ctx, u, limit, g)
			o, e2 = want.Timeline(ctx, u, limit, o)
			if what := fmt.Sprintf("timeline(%d, %d)", u, limit); same(what, e1, e2) && !slices.Equal(g, o) {
				t.Errorf("%s: got %v, oracle %v", what, g, o)
			}
		case 3, 4: // like: new pairs, repeated pairs, missing tweet or user
			u, id := user(), tweet()
			if len(pairs) > 0 && r.IntN(6) == 0 {
				p := pairs[r.IntN(len(pairs))]
				u, id = crud.UserID(p[0]), crud.TweetID(p[1])
			}
			at := base.Add(time.Duration(i) * time.Second)
			if same(fmt.Sprintf("like(%d, %d)", u, id), got.Like(ctx, u, id, at), want.Like(ctx, u, id, at)) {
				pairs = append(pairs, [2]int64{int64(u), int64(id)})
			}
		case 5: // create: new ids with created_at ties, taken ids, missing users
			id := next
			switch r.IntN(20) {
			case 0:
				id = crud.TweetID(1 + r.Int64N(cfg.Tweets))
			default:
				next++
			}
			u := user()
			if r.IntN(2) == 0 {
				u = crud.UserID(1 + r.Int64N(3)) // few authors: ties in their timelines
			}
			at := base.Add(time.Duration(r.IntN(4)) * time.Hour) // four instants only
			body := []byte(bodies[r.IntN(len(bodies))])
			same(fmt.Sprintf("create(%d, %d)", id, u), got.CreateTweet(ctx, id, u, body, at), want.CreateTweet(ctx, id, u, body, at))
		case 6: // user by handle
			h := rows.AppendHandle(nil, 1+r.Int64N(cfg.Users))
			if r.IntN(10) == 0 {
				h = append(h, 'x') // missing
			}
			u1, e1 := got.UserByHandle(ctx, h)
			u2, e2 := want.UserByHandle(ctx, h)
			if same(fmt.Sprintf("user %s", h), e1, e2) && !u1.Equal(u2) {
				t.Errorf("user %s: got %+v, oracle %+v", h, u1, u2)
			}
		case 7: // update body
			id := tweet()
			body := []byte(fmt.Sprintf("%s #%d", bodies[r.IntN(len(bodies))], i))
			same(fmt.Sprintf("update %d", id), got.UpdateTweetBody(ctx, id, body), want.UpdateTweetBody(ctx, id, body))
		case 8: // delete, loaded tweets (with likes) included
			if r.IntN(3) != 0 {
				continue
			}
			id := tweet()
			same(fmt.Sprintf("delete %d", id), got.DeleteTweet(ctx, id), want.DeleteTweet(ctx, id))
		case 9: // count likes
			id := tweet()
			n1, e1 := got.CountLikes(ctx, id)
			n2, e2 := want.CountLikes(ctx, id)
			if same(fmt.Sprintf("count likes %d", id), e1, e2) && n1 != n2 {
				t.Errorf("likes of tweet %d: %d, oracle %d", id, n1, n2)
			}
		}
	}
	if t.Failed() {
		return
	}
	// Every tweet, its like count, and every timeline, in full.
	for id := crud.TweetID(1); id < next; id++ {
		t1, e1 := got.TweetByID(ctx, id)
		t2, e2 := want.TweetByID(ctx, id)
		exists := same(fmt.Sprintf("final tweet %d", id), e1, e2)
		if exists && !t1.Equal(t2) {
			t.Fatalf("final tweet %d: got %+v, oracle %+v", id, t1, t2)
		}
		n1, e1 := got.CountLikes(ctx, id)
		n2, e2 := want.CountLikes(ctx, id)
		if same(fmt.Sprintf("final likes %d", id), e1, e2) && (n1 != n2 || (exists && n1 != t1.LikeCount)) {
			t.Fatalf("final likes of tweet %d: %d (like_count %d), oracle %d", id, n1, t1.LikeCount, n2)
		}
	}
	for u := crud.UserID(1); u <= crud.UserID(cfg.Users); u++ {
		var e1, e2 error
		g, e1 = got.Timeline(ctx, u, 1000, g)
		o, e2 = want.Timeline(ctx, u, 1000, o)
		if same(fmt.Sprintf("final timeline %d", u), e1, e2) && !slices.Equal(g, o) {
			t.Fatalf("final timeline of user %d: got %v, oracle %v", u, g, o)
		}
	}
}
