package crud_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/crud"
)

// small is a data set small enough for every test.
var small = map[string]any{"users": 300, "tweets": 3000, "likespertweet": 3}

func newWorkload(t testing.TB, seed uint64, opts map[string]any) *crud.Workload {
	t.Helper()
	w, err := crud.New("mix", workloads.Params{Seed: seed, Scale: workloads.Quick, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

type nopProgress struct{}

func (nopProgress) Add(int64) {}

// loaded returns a memory store with w set up and loaded in parts.
func loaded(t testing.TB, w *crud.Workload, parts int) drivers.Conn {
	t.Helper()
	ctx := context.Background()
	c, err := memory.Driver{}.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := w.Setup(ctx, c); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, parts)
	for i := range parts {
		go func() { errs <- w.Load(ctx, c, i, parts, nopProgress{}) }()
	}
	for range parts {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func store(t testing.TB, w *crud.Workload, c drivers.Conn) crud.Store {
	t.Helper()
	s, err := c.(crud.Provider).CrudStore(w.Schema())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConfig(t *testing.T) {
	quick, err := crud.DefaultConfig("mix", workloads.Quick)
	if err != nil {
		t.Fatal(err)
	}
	full, _ := crud.DefaultConfig("mix", workloads.Full)
	if quick.Users != 10_000 || quick.Tweets != 100_000 || quick.LikesPerTweet != 3 || quick.TimelineLimit != 20 {
		t.Errorf("quick config %+v", quick)
	}
	if full.Users != 100*quick.Users || full.Tweets != 100*quick.Tweets {
		t.Errorf("full config %+v is not 100× quick", full)
	}
	props := []float64{quick.ReadTweetProportion, quick.TimelineProportion, quick.LikeProportion, quick.CreateTweetProportion,
		quick.ReadUserProportion, quick.UpdateTweetProportion, quick.DeleteTweetProportion}
	if want := []float64{.40, .25, .13, .10, .05, .05, .02}; !slices.Equal(props, want) {
		t.Errorf("mix %v, want %v", props, want)
	}
	if _, err := crud.DefaultConfig("nope", workloads.Quick); err == nil {
		t.Error("unknown variant accepted")
	}
	w := newWorkload(t, 1, map[string]any{"users": "500", "timelinelimit": "7", "likeproportion": 0})
	if c := w.Config(); c.Users != 500 || c.TimelineLimit != 7 || slices.Contains(w.OpKinds(), "like") {
		t.Errorf("options not applied: %+v, kinds %v", c, w.OpKinds())
	}
	if got := newWorkload(t, 1, nil).OpKinds(); len(got) != 7 || got[0] != "read_tweet" || got[6] != "delete_tweet" {
		t.Errorf("op kinds %v", got)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{"users": 0}, "users"},
		{map[string]any{"tweets": 0}, "tweets"},
		{map[string]any{"likespertweet": -1}, "likespertweet"},
		{map[string]any{"users": 10, "likespertweet": 6}, "likespertweet"},
		{map[string]any{"authorzipf": 1.0}, "authorzipf"},
		{map[string]any{"timelinelimit": 0}, "timelinelimit"},
		{map[string]any{"loadbatch": 0}, "loadbatch"},
		{map[string]any{"readtweetproportion": -0.1}, "readtweetproportion"},
		{map[string]any{"createtweetproportion": 0}, "createtweetproportion"},
		{map[string]any{"readtweetproportion": 0, "timelineproportion": 0, "likeproportion": 0, "createtweetproportion": 0,
			"readuserproportion": 0, "updatetweetproportion": 0, "deletetweetproportion": 0}, "at least one"},
		{map[string]any{"nosuchoption": 1}, "nosuchoption"},
		{map[string]any{"users": "many"}, "many"},
	} {
		_, err := crud.New("mix", workloads.Params{Seed: 1, Options: tc.opts})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("options %v: err = %v, want one naming %q", tc.opts, err, tc.want)
		}
	}
}

type exported struct {
	rows   map[string]int
	hashes map[string]hash.Hash
}

func export(t testing.TB, w *crud.Workload, part, parts int, into *exported) {
	t.Helper()
	if into.rows == nil {
		into.rows, into.hashes = map[string]int{}, map[string]hash.Hash{}
	}
	err := w.Export(context.Background(), part, parts, func(table string, row []any) error {
		h := into.hashes[table]
		if h == nil {
			h = sha256.New()
			into.hashes[table] = h
		}
		fmt.Fprintf(h, "%v\n", row)
		into.rows[table]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (e *exported) sums() map[string]string {
	m := map[string]string{}
	for t, h := range e.hashes {
		m[t] = fmt.Sprintf("%x", h.Sum(nil))
	}
	return m
}

// TestExportShards checks that the parts of a sharded export, taken in
// order, give exactly the unsharded data set, and that a different seed
// gives different data.
func TestExportShards(t *testing.T) {
	w := newWorkload(t, 1, small)
	var whole exported
	export(t, w, 0, 1, &whole)
	if got := int64(whole.rows["users"] + whole.rows["tweets"] + whole.rows["likes"]); got != w.Records() {
		t.Errorf("exported %d rows, Records() = %d", got, w.Records())
	}
	if whole.rows["users"] != 300 || whole.rows["tweets"] != 3000 || whole.rows["likes"] < 2000 {
		t.Errorf("row counts %v", whole.rows)
	}
	for _, parts := range []int{2, 3, 7} {
		var sharded exported
		for i := range parts {
			export(t, w, i, parts, &sharded)
		}
		if diff := cmp.Diff(whole.sums(), sharded.sums()); diff != "" {
			t.Errorf("%d parts differ from the whole (-whole +parts):\n%s", parts, diff)
		}
	}
	var again, other exported
	export(t, newWorkload(t, 1, small), 0, 1, &again)
	export(t, newWorkload(t, 2, small), 0, 1, &other)
	if !cmp.Equal(whole.sums(), again.sums()) {
		t.Error("same seed, different data")
	}
	for table, sum := range other.sums() {
		if whole.sums()[table] == sum {
			t.Errorf("seeds 1 and 2 give the same %s", table)
		}
	}
}

// TestExportConsistency checks the data set's integrity: unique keys,
// references that resolve, like_count equal to the number of likes.
func TestExportConsistency(t *testing.T) {
	w := newWorkload(t, 3, small)
	users, handles, tweets := map[int64]bool{}, map[string]bool{}, map[int64]int64{}
	liked := map[[2]int64]bool{}
	counted := map[int64]int64{}
	err := w.Export(context.Background(), 0, 1, func(table string, row []any) error {
		switch table {
		case "users":
			id, h := row[0].(int64), row[1].(string)
			if users[id] || handles[h] {
				return fmt.Errorf("duplicate user %v", row)
			}
			users[id], handles[h] = true, true
		case "tweets":
			id, u := row[0].(int64), row[1].(int64)
			if !users[u] {
				return fmt.Errorf("tweet %d by unknown user %d", id, u)
			}
			if _, dup := tweets[id]; dup {
				return fmt.Errorf("duplicate tweet %d", id)
			}
			if len(row[2].(string)) > w.Schema().MaxBodyLength {
				return fmt.Errorf("tweet %d body too long", id)
			}
			tweets[id] = row[4].(int64)
		case "likes":
			p := [2]int64{row[0].(int64), row[1].(int64)}
			if liked[p] || !users[p[0]] {
				return fmt.Errorf("duplicate like or unknown user %v", row)
			}
			if _, ok := tweets[p[1]]; !ok {
				return fmt.Errorf("like of unknown tweet %v", row)
			}
			liked[p] = true
			counted[p[1]]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for id, lc := range tweets {
		if counted[id] != lc {
			t.Fatalf("tweet %d: like_count %d, %d likes", id, lc, counted[id])
		}
	}
	if n := len(w.Tables()); n != 3 {
		t.Errorf("%d tables", n)
	}
}

func TestValidateMemory(t *testing.T) {
	w := newWorkload(t, 5, small)
	c := loaded(t, w, 3)
	v, err := w.Validate(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() || v.Checks < 150 {
		t.Fatalf("validation: %d checks, %d failed: %v", v.Checks, v.Failed, v.Failures)
	}
	qs, err := w.Queries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != v.Checks {
		t.Errorf("%d queries, %d validation checks", len(qs), v.Checks)
	}
	if _, err := json.Marshal(qs); err != nil {
		t.Errorf("queries do not marshal: %v", err)
	}
	names := map[string]int{}
	for _, q := range qs {
		names[q.Name+"/"+q.Compare]++
	}
	for _, n := range []string{"tweet_by_id/exact", "count_likes/exact", "timeline/ordered", "user_by_handle/exact"} {
		if names[n] == 0 {
			t.Errorf("no %s query", n)
		}
	}
}

// corrupt wraps a store and falsifies one kind of answer.
type corrupt struct {
	crud.Store
	tweet    func(crud.Tweet) crud.Tweet
	timeline func([]crud.TweetID) []crud.TweetID
	count    func(int64) int64
	user     func(crud.User, error) (crud.User, error)
}

func (c corrupt) TweetByID(ctx context.Context, id crud.TweetID) (crud.Tweet, error) {
	t, err := c.Store.TweetByID(ctx, id)
	if err == nil && c.tweet != nil {
		t = c.tweet(t)
	}
	return t, err
}

func (c corrupt) Timeline(ctx context.Context, u crud.UserID, limit int, dst []crud.TweetID) ([]crud.TweetID, error) {
	ids, err := c.Store.Timeline(ctx, u, limit, dst)
	if err == nil && c.timeline != nil {
		ids = c.timeline(ids)
	}
	return ids, err
}

func (c corrupt) CountLikes(ctx context.Context, id crud.TweetID) (int64, error) {
	n, err := c.Store.CountLikes(ctx, id)
	if c.count != nil {
		n = c.count(n)
	}
	return n, err
}

func (c corrupt) UserByHandle(ctx context.Context, h []byte) (crud.User, error) {
	u, err := c.Store.UserByHandle(ctx, h)
	if c.user != nil {
		u, err = c.user(u, err)
	}
	return u, err
}

type corruptConn struct {
	drivers.Conn
	s corrupt
}

func (c corruptConn) CrudStore(crud.Schema) (crud.Store, error) { return c.s, nil }

// TestValidateDetects checks that Validate notices each kind of wrong answer.
func TestValidateDetects(t *testing.T) {
	w := newWorkload(t, 5, small)
	c := loaded(t, w, 1)
	s := store(t, w, c)
	for _, tc := range []struct {
		name string
		s    corrupt
		min  int // failed checks at least
	}{
		{"like_count off by one", corrupt{tweet: func(t crud.Tweet) crud.Tweet { t.LikeCount++; return t }}, 50},
		{"body changed", corrupt{tweet: func(t crud.Tweet) crud.Tweet { t.Body += "!"; return t }}, 50},
		{"created_at in another zone but same instant is fine", corrupt{tweet: func(t crud.Tweet) crud.Tweet {
			t.CreatedAt = t.CreatedAt.In(time.FixedZone("X", 3600))
			return t
		}}, 0},
		{"created_at a second late", corrupt{tweet: func(t crud.Tweet) crud.Tweet { t.CreatedAt = t.CreatedAt.Add(time.Second); return t }}, 50},
		{"timeline first two swapped", corrupt{timeline: func(ids []crud.TweetID) []crud.TweetID {
			if len(ids) >= 2 {
				ids[0], ids[1] = ids[1], ids[0]
			}
			return ids
		}}, 20},
		{"timeline one short", corrupt{timeline: func(ids []crud.TweetID) []crud.TweetID {
			if len(ids) > 0 {
				ids = ids[:len(ids)-1]
			}
			return ids
		}}, 20},
		{"likes not counted", corrupt{count: func(n int64) int64 { return 0 }}, 20},
		{"user bio changed", corrupt{user: func(u crud.User, err error) (crud.User, error) { u.Bio = "x"; return u, err }}, 30},
		{"missing handle found", corrupt{user: func(u crud.User, err error) (crud.User, error) {
			if errors.Is(err, drivers.ErrNotFound) {
				return crud.User{}, nil
			}
			return u, err
		}}, 1},
	} {
		tc.s.Store = s
		v, err := w.Validate(context.Background(), corruptConn{c, tc.s})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if v.Failed < tc.min || (tc.min == 0 && !v.OK()) {
			t.Errorf("%s: %d of %d checks failed, want at least %d (failures: %v)", tc.name, v.Failed, v.Checks, tc.min, v.Failures)
		}
	}
}

// BenchmarkValidateQuick measures the memory oracle's answers to the quick
// scale validation set (load excluded): go test -run '^$' -bench
// ValidateQuick ./workloads/crud
func BenchmarkValidateQuick(b *testing.B) {
	w := newWorkload(b, 1, nil)
	c := loaded(b, w, 2)
	for b.Loop() {
		v, err := w.Validate(context.Background(), c)
		if err != nil || !v.OK() {
			b.Fatalf("validate: %v %v", err, v.Failures)
		}
	}
}

// TestSmallest checks a degenerate data set: one user, one tweet.
func TestSmallest(t *testing.T) {
	w := newWorkload(t, 1, map[string]any{"users": 1, "tweets": 1, "likespertweet": 0.5})
	c := loaded(t, w, 4)
	v, err := w.Validate(context.Background(), c)
	if err != nil || !v.OK() {
		t.Fatalf("validate: %v %v", err, v.Failures)
	}
	wk, err := w.Worker(c, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	for range 200 {
		if err := wk.Next().Do(context.Background()); err != nil && !errors.Is(err, crud.ErrDuplicate) {
			t.Fatal(err)
		}
	}
	if _, err := w.Worker(c, 0, 2); err == nil {
		t.Error("two workers liking with one user: no error")
	}
	if w.Records() < 2 {
		t.Errorf("records %d", w.Records())
	}
}
