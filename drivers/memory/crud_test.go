package memory_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/workloads/crud"
)

var crudT0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func at(s int) time.Time { return crudT0.Add(time.Duration(s) * time.Second) }

// handStore returns a memory crud store loaded with a tiny data set whose
// answers the tests below work out by hand:
//
//	users  1 ann, 2 bob, 3 cat
//	tweets 10 by ann at +100, 11 by ann at +300, 12 by ann at +300 (tie),
//	       13 by bob at +200, 14 by ann at +50
//	likes  bob→10, cat→10, cat→11   (like_count: 10→2, 11→1)
func handStore(t *testing.T) crud.Store {
	t.Helper()
	ctx := context.Background()
	c, err := memory.Driver{}.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := c.(crud.Provider).CrudStore(crud.Schema{Prefix: "hand_"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	must(t, s.LoadUsers(ctx, []crud.User{
		{ID: 1, Handle: "ann", Name: "Ann", Bio: "first", CreatedAt: at(-300)},
		{ID: 2, Handle: "bob", Name: "Bob", Bio: "second", CreatedAt: at(-200)},
		{ID: 3, Handle: "cat", Name: "Cat", Bio: "third", CreatedAt: at(-100)},
	}))
	must(t, s.LoadTweets(ctx, []crud.Tweet{
		{ID: 10, UserID: 1, Body: "ten", CreatedAt: at(100), LikeCount: 2},
		{ID: 11, UserID: 1, Body: "eleven", CreatedAt: at(300), LikeCount: 1},
		{ID: 12, UserID: 1, Body: "twelve", CreatedAt: at(300)},
		{ID: 13, UserID: 2, Body: "thirteen", CreatedAt: at(200)},
		{ID: 14, UserID: 1, Body: "fourteen", CreatedAt: at(50)},
	}))
	must(t, s.LoadLikes(ctx, []crud.Like{
		{UserID: 2, TweetID: 10, CreatedAt: at(101)},
		{UserID: 3, TweetID: 10, CreatedAt: at(102)},
		{UserID: 3, TweetID: 11, CreatedAt: at(301)},
	}))
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func timeline(t *testing.T, s crud.Store, u crud.UserID, limit int) []crud.TweetID {
	t.Helper()
	ids, err := s.Timeline(context.Background(), u, limit, nil)
	must(t, err)
	return ids
}

func likes(t *testing.T, s crud.Store, id crud.TweetID) (count, likeCount int64) {
	t.Helper()
	ctx := context.Background()
	n, err := s.CountLikes(ctx, id)
	must(t, err)
	tw, err := s.TweetByID(ctx, id)
	if errors.Is(err, drivers.ErrNotFound) {
		return n, -1
	}
	must(t, err)
	return n, tw.LikeCount
}

func TestCrudHandReads(t *testing.T) {
	s := handStore(t)
	ctx := context.Background()
	for _, tc := range []struct {
		user  crud.UserID
		limit int
		want  []crud.TweetID
	}{
		// Newest first; 11 and 12 tie at +300, so the larger id first.
		{1, 20, []crud.TweetID{12, 11, 10, 14}},
		{1, 2, []crud.TweetID{12, 11}},
		{1, 1, []crud.TweetID{12}},
		{1, 0, []crud.TweetID{}},
		{2, 20, []crud.TweetID{13}},
		{3, 20, []crud.TweetID{}},  // no tweets
		{99, 20, []crud.TweetID{}}, // no such user
	} {
		got := timeline(t, s, tc.user, tc.limit)
		if diff := cmp.Diff(tc.want, got, cmpEmpty); diff != "" {
			t.Errorf("timeline(%d, %d) (-want +got):\n%s", tc.user, tc.limit, diff)
		}
	}
	tw, err := s.TweetByID(ctx, 11)
	must(t, err)
	if want := (crud.Tweet{ID: 11, UserID: 1, Body: "eleven", CreatedAt: at(300), LikeCount: 1}); !tw.Equal(want) {
		t.Errorf("tweet 11 = %+v, want %+v", tw, want)
	}
	if _, err := s.TweetByID(ctx, 99); !errors.Is(err, drivers.ErrNotFound) {
		t.Errorf("tweet 99: err = %v, want ErrNotFound", err)
	}
	u, err := s.UserByHandle(ctx, []byte("bob"))
	must(t, err)
	if want := (crud.User{ID: 2, Handle: "bob", Name: "Bob", Bio: "second", CreatedAt: at(-200)}); !u.Equal(want) {
		t.Errorf("user bob = %+v, want %+v", u, want)
	}
	if _, err := s.UserByHandle(ctx, []byte("Bob")); !errors.Is(err, drivers.ErrNotFound) {
		t.Errorf("user Bob: err = %v, want ErrNotFound (handles are case-sensitive)", err)
	}
	for id, want := range map[crud.TweetID][2]int64{10: {2, 2}, 11: {1, 1}, 12: {0, 0}, 99: {0, -1}} {
		if n, lc := likes(t, s, id); n != want[0] || lc != want[1] {
			t.Errorf("tweet %d: %d likes, like_count %d; want %d, %d", id, n, lc, want[0], want[1])
		}
	}
}

// cmpEmpty makes nil and empty slices equal.
var cmpEmpty = cmp.Comparer(func(a, b []crud.TweetID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
})

func TestCrudHandWrites(t *testing.T) {
	s := handStore(t)
	ctx := context.Background()
	check := func(what string, err, want error) {
		t.Helper()
		if (want == nil && err != nil) || (want != nil && !errors.Is(err, want)) {
			t.Errorf("%s: err = %v, want %v", what, err, want)
		}
	}
	wantLikes := func(id crud.TweetID, n int64) {
		t.Helper()
		if got, lc := likes(t, s, id); got != n || lc != n {
			t.Errorf("tweet %d: %d likes, like_count %d; want %d", id, got, lc, n)
		}
	}

	check("ann likes 10", s.Like(ctx, 1, 10, at(500)), nil)
	wantLikes(10, 3)
	check("bob likes 10 again", s.Like(ctx, 2, 10, at(501)), crud.ErrDuplicate)
	wantLikes(10, 3)
	check("like of tweet 99", s.Like(ctx, 1, 99, at(502)), drivers.ErrNotFound)
	check("like by user 99", s.Like(ctx, 99, 10, at(503)), drivers.ErrNotFound)
	wantLikes(10, 3)

	check("cat tweets 15", s.CreateTweet(ctx, 15, 3, []byte("fifteen"), at(300)), nil)
	check("tweet 15 again", s.CreateTweet(ctx, 15, 2, []byte("again"), at(600)), crud.ErrDuplicate)
	check("tweet by user 99", s.CreateTweet(ctx, 16, 99, []byte("x"), at(600)), drivers.ErrNotFound)
	if got := timeline(t, s, 3, 20); !cmp.Equal(got, []crud.TweetID{15}) {
		t.Errorf("cat's timeline = %v, want [15]", got)
	}
	// A third tweet at +300 for ann: ties ordered 12, 11, 9.
	body := []byte("nine")
	check("ann tweets 9", s.CreateTweet(ctx, 9, 1, body, at(300)), nil)
	body[0] = 'X' // the store must have copied it
	if got, want := timeline(t, s, 1, 20), []crud.TweetID{12, 11, 9, 10, 14}; !cmp.Equal(got, want) {
		t.Errorf("ann's timeline = %v, want %v", got, want)
	}
	if tw, _ := s.TweetByID(ctx, 9); tw.Body != "nine" || tw.LikeCount != 0 || !tw.CreatedAt.Equal(at(300)) {
		t.Errorf("tweet 9 = %+v", tw)
	}

	check("edit 13", s.UpdateTweetBody(ctx, 13, []byte("edited")), nil)
	if tw, _ := s.TweetByID(ctx, 13); tw.Body != "edited" || tw.UserID != 2 || !tw.CreatedAt.Equal(at(200)) {
		t.Errorf("tweet 13 after edit = %+v", tw)
	}
	check("edit 99", s.UpdateTweetBody(ctx, 99, []byte("x")), drivers.ErrNotFound)

	// Deleting 10 removes it, its 3 likes, and its timeline entry; 11 keeps
	// its like.
	check("delete 10", s.DeleteTweet(ctx, 10), nil)
	check("read 10", func() error { _, err := s.TweetByID(ctx, 10); return err }(), drivers.ErrNotFound)
	wantLikes(11, 1)
	if n, _ := likes(t, s, 10); n != 0 {
		t.Errorf("likes of deleted tweet 10: %d", n)
	}
	if got, want := timeline(t, s, 1, 20), []crud.TweetID{12, 11, 9, 14}; !cmp.Equal(got, want) {
		t.Errorf("ann's timeline after delete = %v, want %v", got, want)
	}
	check("delete 10 again", s.DeleteTweet(ctx, 10), drivers.ErrNotFound)
	check("like deleted 10", s.Like(ctx, 1, 10, at(700)), drivers.ErrNotFound)
	// A new tweet 10 starts with no likes: bob may like it again.
	check("bob tweets 10", s.CreateTweet(ctx, 10, 2, []byte("new ten"), at(800)), nil)
	wantLikes(10, 0)
	check("bob likes new 10", s.Like(ctx, 2, 10, at(801)), nil)
	wantLikes(10, 1)
	if got, want := timeline(t, s, 2, 20), []crud.TweetID{10, 13}; !cmp.Equal(got, want) {
		t.Errorf("bob's timeline = %v, want %v", got, want)
	}
}

func TestCrudHandLoadErrors(t *testing.T) {
	s := handStore(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"duplicate user id", s.LoadUsers(ctx, []crud.User{{ID: 1, Handle: "new"}}), crud.ErrDuplicate},
		{"duplicate handle", s.LoadUsers(ctx, []crud.User{{ID: 4, Handle: "ann"}}), crud.ErrDuplicate},
		{"duplicate tweet", s.LoadTweets(ctx, []crud.Tweet{{ID: 10, UserID: 2}}), crud.ErrDuplicate},
		{"duplicate like", s.LoadLikes(ctx, []crud.Like{{UserID: 2, TweetID: 10}}), crud.ErrDuplicate},
		{"like of unloaded tweet", s.LoadLikes(ctx, []crud.Like{{UserID: 2, TweetID: 77}}), drivers.ErrNotFound},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	// Setup empties the data set.
	must(t, s.Setup(ctx))
	if _, err := s.UserByHandle(ctx, []byte("ann")); !errors.Is(err, drivers.ErrNotFound) {
		t.Errorf("user after Setup: err = %v", err)
	}
	if ids := timeline(t, s, 1, 20); len(ids) != 0 {
		t.Errorf("timeline after Setup: %v", ids)
	}
}

// TestCrudConcurrentLikes checks that Like is atomic: concurrent likes of
// one tweet by distinct users all count, and of one pair only one succeeds.
func TestCrudConcurrentLikes(t *testing.T) {
	s := handStore(t)
	ctx := context.Background()
	users := make([]crud.User, 200)
	for i := range users {
		users[i] = crud.User{ID: crud.UserID(100 + i), Handle: "u" + string(rune('a'+i%26)) + string(rune('a'+i/26))}
	}
	must(t, s.LoadUsers(ctx, users))
	var wg sync.WaitGroup
	var mu sync.Mutex
	dups := 0
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range users {
				// Every goroutine likes 12 with every user (only one of
				// each pair can succeed), and 13 with its own users.
				err := s.Like(ctx, users[i].ID, 12, at(1000))
				if errors.Is(err, crud.ErrDuplicate) {
					mu.Lock()
					dups++
					mu.Unlock()
				} else if err != nil {
					t.Error(err)
				}
				if i%8 == g {
					if err := s.Like(ctx, users[i].ID, 13, at(1000)); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if dups != 7*len(users) {
		t.Errorf("%d duplicate likes rejected, want %d", dups, 7*len(users))
	}
	for id, want := range map[crud.TweetID]int64{12: 200, 13: 200} {
		if n, lc := likes(t, s, id); n != want || lc != want {
			t.Errorf("tweet %d: %d likes, like_count %d; want %d", id, n, lc, want)
		}
	}
}
