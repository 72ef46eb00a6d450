package crud_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/crud"
)

// call is one recorded store call.
type call struct {
	op    string
	tweet crud.TweetID
	user  crud.UserID
	arg   string // body or handle
	at    time.Time
	limit int
}

// recorder is a store that records the operations workers send and answers
// each with nothing (no error).
type recorder struct {
	crud.Store
	calls []call
}

func (r *recorder) TweetByID(ctx context.Context, id crud.TweetID) (crud.Tweet, error) {
	r.calls = append(r.calls, call{op: "read_tweet", tweet: id})
	return crud.Tweet{}, nil
}

func (r *recorder) Timeline(ctx context.Context, u crud.UserID, limit int, dst []crud.TweetID) ([]crud.TweetID, error) {
	r.calls = append(r.calls, call{op: "timeline", user: u, limit: limit})
	return dst[:0], nil
}

func (r *recorder) Like(ctx context.Context, u crud.UserID, id crud.TweetID, at time.Time) error {
	r.calls = append(r.calls, call{op: "like", user: u, tweet: id, at: at})
	return nil
}

func (r *recorder) CreateTweet(ctx context.Context, id crud.TweetID, u crud.UserID, body []byte, at time.Time) error {
	r.calls = append(r.calls, call{op: "create_tweet", tweet: id, user: u, arg: string(body), at: at})
	return nil
}

func (r *recorder) UserByHandle(ctx context.Context, h []byte) (crud.User, error) {
	r.calls = append(r.calls, call{op: "read_user", arg: string(h)})
	return crud.User{}, nil
}

func (r *recorder) UpdateTweetBody(ctx context.Context, id crud.TweetID, body []byte) error {
	r.calls = append(r.calls, call{op: "update_tweet", tweet: id, arg: string(body)})
	return nil
}

func (r *recorder) DeleteTweet(ctx context.Context, id crud.TweetID) error {
	r.calls = append(r.calls, call{op: "delete_tweet", tweet: id})
	return nil
}

// storeConn hands out one store.
type storeConn struct{ s crud.Store }

func (c storeConn) Close() error                              { return nil }
func (c storeConn) CrudStore(crud.Schema) (crud.Store, error) { return c.s, nil }

// record runs ops operations of worker id of n against a recorder.
func record(t *testing.T, w *crud.Workload, id, n, ops int) []call {
	t.Helper()
	r := &recorder{}
	wk, err := w.Worker(storeConn{r}, id, n)
	if err != nil {
		t.Fatal(err)
	}
	for range ops {
		op := wk.Next()
		if err := op.Do(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := w.OpKinds()[op.Kind()]; got != r.calls[len(r.calls)-1].op {
			t.Fatalf("op of kind %s called %s", got, r.calls[len(r.calls)-1].op)
		}
	}
	return r.calls
}

func TestWorkerDeterministic(t *testing.T) {
	w := newWorkload(t, 1, small)
	a := record(t, w, 1, 3, 3000)
	b := record(t, newWorkload(t, 1, small), 1, 3, 3000)
	if !slices.Equal(a, b) {
		t.Fatal("same seed, worker and workers: different streams")
	}
	if slices.Equal(a, record(t, w, 0, 3, 3000)) {
		t.Error("workers 0 and 1 have the same stream")
	}
	if slices.Equal(a, record(t, newWorkload(t, 2, small), 1, 3, 3000)) {
		t.Error("seeds 1 and 2 give the same stream")
	}
}

func TestWorkerMix(t *testing.T) {
	w := newWorkload(t, 1, small)
	calls := record(t, w, 0, 1, 100_000)
	count := map[string]float64{}
	for _, c := range calls {
		count[c.op]++
	}
	want := map[string]float64{"read_tweet": .40, "timeline": .25, "like": .13, "create_tweet": .10, "read_user": .05, "update_tweet": .05, "delete_tweet": .02}
	for op, p := range want {
		got := count[op] / float64(len(calls))
		if math.Abs(got-p) > 0.006 { // > 4σ for 100 000 draws
			t.Errorf("%s: %.4f of operations, want %.2f", op, got, p)
		}
	}
}

// TestWorkerPartitions checks the rules that keep workers from colliding:
// new tweet ids partitioned and after the loaded ones, likes never repeating
// a pair (nor a loaded like), deletes only of the worker's own tweets, and
// reads never of a tweet the worker deleted.
func TestWorkerPartitions(t *testing.T) {
	w := newWorkload(t, 4, map[string]any{"users": 40, "tweets": 500, "likespertweet": 5})
	cfg := w.Config()
	rows := w.Generator().Rows()
	const n = 3
	liked := map[[2]int64]int{}
	createdBy := map[crud.TweetID]int{}
	for id := range n {
		created, deleted := map[crud.TweetID]bool{}, map[crud.TweetID]bool{}
		var last time.Time
		for i, c := range record(t, w, id, n, 20_000) {
			switch c.op {
			case "create_tweet":
				if c.tweet <= crud.TweetID(cfg.Tweets) || createdBy[c.tweet] != 0 {
					t.Fatalf("worker %d creates tweet %d (loaded or taken)", id, c.tweet)
				}
				if c.at.Unix() < w.ClockStart() || !c.at.After(last) {
					t.Fatalf("worker %d creates tweet %d at %v, not after the loaded tweets and its previous operation", id, c.tweet, c.at)
				}
				last = c.at
				createdBy[c.tweet] = id + 1
				created[c.tweet] = true
			case "delete_tweet":
				if !created[c.tweet] || deleted[c.tweet] {
					t.Fatalf("worker %d op %d deletes tweet %d, not its own or deleted", id, i, c.tweet)
				}
				deleted[c.tweet] = true
			case "like":
				p := [2]int64{int64(c.user), int64(c.tweet)}
				if liked[p] != 0 {
					t.Fatalf("workers %d and %d both like %v", liked[p]-1, id, p)
				}
				liked[p] = id + 1
				if rows.LikeSet(int64(c.tweet)).Has(int64(c.user)) {
					t.Fatalf("worker %d likes %v, a loaded like", id, p)
				}
				fallthrough
			case "read_tweet", "update_tweet":
				if deleted[c.tweet] || (c.tweet > crud.TweetID(cfg.Tweets) && !created[c.tweet]) {
					t.Fatalf("worker %d op %d: %s of tweet %d, which it deleted or never created", id, i, c.op, c.tweet)
				}
			case "timeline":
				if c.user < 1 || c.user > crud.UserID(cfg.Users) || c.limit != cfg.TimelineLimit {
					t.Fatalf("timeline %+v", c)
				}
			case "read_user":
				if !strings.Contains(c.arg, "_") {
					t.Fatalf("handle %q", c.arg)
				}
			}
		}
		if len(deleted) == 0 || len(created) == 0 {
			t.Errorf("worker %d created %d and deleted %d tweets", id, len(created), len(deleted))
		}
	}
	// Workers liked their own tweets too, so deletes remove likes.
	own := 0
	for p := range liked {
		if p[1] > cfg.Tweets {
			own++
		}
	}
	if own == 0 {
		t.Error("no likes of tweets created in the run")
	}
}

// TestWorkersOnMemory runs concurrent workers against the memory store: no
// operation may fail (no duplicate like, no missing tweet), and afterwards
// every loaded tweet still exists with like_count equal to its likes.
func TestWorkersOnMemory(t *testing.T) {
	w := newWorkload(t, 6, small)
	c := loaded(t, w, 2)
	const n, ops = 4, 4000
	errs := make(chan error, n)
	for id := range n {
		wk, err := w.Worker(c, id, n)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for range ops {
				op := wk.Next()
				if err := op.Do(context.Background()); err != nil {
					errs <- fmt.Errorf("%s: %w", w.OpKinds()[op.Kind()], err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	s := store(t, w, c)
	ctx := context.Background()
	maxID := w.OwnTweetID(n-1, n, ops)
	found := 0
	for id := crud.TweetID(1); id <= maxID; id++ {
		tw, err := s.TweetByID(ctx, id)
		if err != nil {
			if id <= crud.TweetID(w.Config().Tweets) {
				t.Fatalf("loaded tweet %d: %v", id, err)
			}
			continue
		}
		found++
		likes, err := s.CountLikes(ctx, id)
		if err != nil || likes != tw.LikeCount {
			t.Fatalf("tweet %d: like_count %d, %d likes (%v)", id, tw.LikeCount, likes, err)
		}
	}
	if found <= int(w.Config().Tweets) {
		t.Errorf("no created tweet survives (%d tweets)", found)
	}
}

// nopStore answers everything with nothing, to measure the worker alone.
type nopStore struct{ crud.Store }

func (nopStore) TweetByID(context.Context, crud.TweetID) (crud.Tweet, error) {
	return crud.Tweet{}, nil
}
func (nopStore) Timeline(_ context.Context, _ crud.UserID, _ int, dst []crud.TweetID) ([]crud.TweetID, error) {
	return dst[:0], nil
}
func (nopStore) Like(context.Context, crud.UserID, crud.TweetID, time.Time) error { return nil }
func (nopStore) CreateTweet(context.Context, crud.TweetID, crud.UserID, []byte, time.Time) error {
	return nil
}
func (nopStore) UserByHandle(context.Context, []byte) (crud.User, error)     { return crud.User{}, nil }
func (nopStore) UpdateTweetBody(context.Context, crud.TweetID, []byte) error { return nil }
func (nopStore) DeleteTweet(context.Context, crud.TweetID) error             { return nil }
func (nopStore) CountLikes(context.Context, crud.TweetID) (int64, error)     { return 0, nil }
func (nopStore) Setup(context.Context) error                                 { return nil }
func (nopStore) LoadUsers(context.Context, []crud.User) error                { return nil }
func (nopStore) LoadTweets(context.Context, []crud.Tweet) error              { return nil }
func (nopStore) LoadLikes(context.Context, []crud.Like) error                { return nil }

// TestWorkerAllocs checks that producing and running operations allocates
// (almost) nothing: only the growth of the worker's map of liked tweets —
// and, when it is told the outcomes (the verify step's bookkeeping), of its
// ledger, which grows with the distinct tweets written.
func TestWorkerAllocs(t *testing.T) {
	for _, acks := range []bool{false, true} {
		w := newWorkload(t, 1, small)
		wk, err := w.Worker(storeConn{nopStore{}}, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		ack := wk.(workloads.Acknowledger)
		ctx := context.Background()
		step := func() {
			err := wk.Next().Do(ctx)
			if acks {
				ack.Acknowledge(err)
			}
		}
		for range 20_000 { // warm up buffers
			step()
		}
		allocs := testing.AllocsPerRun(10, func() {
			for range 1000 {
				step()
			}
		}) / 1000
		if allocs > 0.05 {
			t.Errorf("acknowledged %v: %.3f allocations per operation", acks, allocs)
		}
	}
}

// BenchmarkWorker measures the worker's own cost per operation (Next and a
// no-op store call).
func BenchmarkWorker(b *testing.B) {
	w := newWorkload(b, 1, nil)
	wk, err := w.Worker(storeConn{nopStore{}}, 0, 1)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		wk.Next().Do(ctx)
	}
}
