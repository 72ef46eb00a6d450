// Package synctest checks sync sources and sinks against the in-memory
// reference (syncer.State), as drivers/drivertest checks pattern stores
// against the memory driver: every driver that offers a sync source or sink
// runs RunSource or RunSink in its tests, against the real store.
package synctest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
)

// at is a time with microseconds, the finest every store keeps.
var at = time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)

func tweet(id, user int64, body string, likes int64) crud.Tweet {
	return crud.Tweet{ID: crud.TweetID(id), UserID: crud.UserID(user), Body: body, CreatedAt: at.Add(time.Duration(id) * time.Second), LikeCount: likes}
}

func like(user, tw int64) crud.Like {
	return crud.Like{UserID: crud.UserID(user), TweetID: crud.TweetID(tw), CreatedAt: at.Add(time.Duration(user) * time.Millisecond)}
}

func edge(src, dst int64) graph.Edge {
	return graph.Edge{Src: graph.UserID(src), Dst: graph.UserID(dst)}
}

// Stream is a change stream over every entity with updates, deletes and a
// row deleted and written again, then a suffix replayed (as a restarted
// consumer delivers it).
func Stream() []syncer.Change {
	cs := []syncer.Change{
		syncer.TweetUpsert(tweet(1, 7, "hello world", 0)),
		syncer.TweetUpsert(tweet(2, 8, `quotes ' " and ünïcödé ☃`, 0)),
		syncer.LikeUpsert(like(9, 1)),
		syncer.TweetUpsert(tweet(1, 7, "hello world", 1)),
		syncer.FollowUpsert(edge(1, 2)),
		syncer.FollowUpsert(edge(2, 1)),
		syncer.TweetUpsert(tweet(3, 7, "third", 0)),
		syncer.LikeUpsert(like(9, 2)),
		syncer.TweetUpsert(tweet(2, 8, `quotes ' " and ünïcödé ☃`, 1)),
		syncer.LikeDelete(like(9, 2)),
		syncer.TweetDelete(tweet(2, 8, `quotes ' " and ünïcödé ☃`, 1)),
		syncer.FollowDelete(edge(2, 1)),
		syncer.TweetUpsert(tweet(1, 7, "hello again", 1)),
		syncer.FollowDelete(edge(1, 2)),
		syncer.FollowUpsert(edge(1, 2)),
		syncer.LikeUpsert(like(4, 3)),
		syncer.TweetUpsert(tweet(3, 7, "third", 1)),
	}
	return append(cs, cs[5:]...)
}

// want returns what a store keeping keeps holds after changes.
func want(t *testing.T, keeps syncer.EntitySet, changes []syncer.Change) map[string]string {
	t.Helper()
	st := syncer.NewState(keeps)
	st.Apply(changes)
	return scan(t, st)
}

func scan(t *testing.T, s syncer.Scanner) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := s.Scan(context.Background(), func(c *syncer.Change) error {
		k := c.Key().String()
		if _, dup := out[k]; dup {
			return fmt.Errorf("row %s scanned twice", k)
		}
		out[k] = c.Digest()
		return nil
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return out
}

// Kinds are the entity sets RunSink asks a store for: each entity alone,
// and tweets with likes (an analytics copy).
var Kinds = []syncer.EntitySet{
	syncer.Entities(syncer.EntityTweet),
	syncer.Entities(syncer.EntityLike),
	syncer.Entities(syncer.EntityFollow),
	syncer.Entities(syncer.EntityTweet, syncer.EntityLike),
}

// NewSink makes a sink for spec, or returns an error wrapping
// drivers.ErrUnsupported for entities the store cannot keep (RunSink then
// skips that set).
type NewSink func(spec syncer.SinkSpec) (syncer.Sink, error)

// RunSink checks a store's sinks: for each entity set of Kinds the store
// supports, the sink ends as the reference after the stream in one batch,
// in batches of 3 (a replayed suffix included), and after a bulk load; a
// reset empties it; it ignores entities it does not keep. prefix names its
// tables (prefix+"tweets", …).
func RunSink(t *testing.T, prefix string, mk NewSink, supported func(syncer.EntitySet) bool) {
	ctx := context.Background()
	for _, keeps := range Kinds {
		if !supported(keeps) {
			continue
		}
		t.Run(keeps.String(), func(t *testing.T) {
			spec := syncer.SinkSpec{Name: "view", Keeps: keeps, Tables: syncer.Tables{Tweets: prefix + "tweets", Likes: prefix + "likes", Follows: prefix + "follows"}}
			s, err := mk(spec)
			if err != nil {
				t.Fatal(err)
			}
			if c, ok := s.(interface{ Close() error }); ok {
				t.Cleanup(func() { c.Close() })
			}
			if s.Name() != "view" || s.Keeps() != keeps {
				t.Errorf("name %q keeps %v", s.Name(), s.Keeps())
			}
			r, ok := s.(syncer.Resetter)
			if !ok {
				t.Fatal("the sink has no Reset")
			}
			sc, ok := s.(syncer.Scanner)
			if !ok {
				t.Fatal("the sink has no Scan")
			}
			stream := Stream()
			check := func(what string, w map[string]string) {
				t.Helper()
				if diff := cmp.Diff(w, scan(t, sc)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", what, diff)
				}
			}
			for _, size := range []int{len(stream), 3, 1} {
				if err := r.Reset(ctx); err != nil {
					t.Fatal(err)
				}
				for i := 0; i < len(stream); i += size {
					// Every entity is handed over: the sink must
					// ignore the ones it does not keep.
					if err := s.Apply(ctx, stream[i:min(i+size, len(stream))]); err != nil {
						t.Fatalf("apply: %v", err)
					}
				}
				check(fmt.Sprintf("after the stream in batches of %d", size), want(t, keeps, stream))
			}
			if err := r.Reset(ctx); err != nil {
				t.Fatal(err)
			}
			check("after Reset", map[string]string{})
			if l, ok := s.(syncer.Loader); ok {
				var rows []syncer.Change
				for i := int64(1); i <= 50; i++ {
					rows = append(rows, syncer.TweetUpsert(tweet(i, i%5, fmt.Sprintf("body %d", i), 1)), syncer.LikeUpsert(like(i, i)), syncer.FollowUpsert(edge(i, i+1)))
				}
				rows = syncer.Keep(nil, rows, keeps)
				if err := l.Load(ctx, rows); err != nil {
					t.Fatalf("load: %v", err)
				}
				check("after a bulk load", want(t, keeps, rows))
				if err := s.Apply(ctx, stream); err != nil {
					t.Fatal(err)
				}
				check("after a load and the stream", want(t, keeps, append(rows, stream...)))
			}
		})
	}
}

// Commands is a command sequence over the rows Rows loads: every kind, on
// rows that exist and rows that do not, a duplicate like, a follow toggled
// twice.
func Commands() []syncer.Command {
	return []syncer.Command{
		{Kind: syncer.CreateTweet, Tweet: tweet(100, 3, "a new tweet", 0)},
		{Kind: syncer.Like, Like: like(4, 100)},
		{Kind: syncer.Like, Like: like(4, 100)},
		{Kind: syncer.Like, Like: like(5, 999)},
		{Kind: syncer.Like, Like: like(6, 1)},
		{Kind: syncer.UpdateTweet, Tweet: crud.Tweet{ID: 1, Body: "edited ☃ 'quoted'"}},
		{Kind: syncer.UpdateTweet, Tweet: crud.Tweet{ID: 998, Body: "nobody"}},
		{Kind: syncer.DeleteTweet, Tweet: crud.Tweet{ID: 2}},
		{Kind: syncer.DeleteTweet, Tweet: crud.Tweet{ID: 2}},
		{Kind: syncer.ToggleFollow, Edge: edge(1, 2)},
		{Kind: syncer.ToggleFollow, Edge: edge(1, 2)},
		{Kind: syncer.ToggleFollow, Edge: edge(5, 6)},
		{Kind: syncer.Follow, Edge: edge(7, 8)},
		{Kind: syncer.Follow, Edge: edge(7, 8)},
		{Kind: syncer.DeleteTweet, Tweet: crud.Tweet{ID: 100}},
	}
}

// Rows is the data RunSource loads: three tweets with likes, follows.
func Rows() []syncer.Change {
	return []syncer.Change{
		syncer.TweetUpsert(tweet(1, 1, "one", 2)), syncer.TweetUpsert(tweet(2, 2, "two", 2)), syncer.TweetUpsert(tweet(3, 1, "three", 0)),
		syncer.LikeUpsert(like(1, 1)), syncer.LikeUpsert(like(2, 1)), syncer.LikeUpsert(like(1, 2)), syncer.LikeUpsert(like(3, 2)),
		syncer.FollowUpsert(edge(1, 2)), syncer.FollowUpsert(edge(2, 3)),
	}
}

// RunSource checks a source: after Reset and Load of Rows, every command
// of Commands makes the changes the reference makes (announced to
// committing before Exec returns, in order) and the scan ends as the
// reference's.
func RunSource(t *testing.T, src syncer.Source) {
	ctx := context.Background()
	r, ok := src.(syncer.Resetter)
	if !ok {
		t.Fatal("the source has no Reset")
	}
	l, ok := src.(syncer.Loader)
	if !ok {
		t.Fatal("the source has no Load")
	}
	sc, ok := src.(syncer.Scanner)
	if !ok {
		t.Fatal("the source has no Scan")
	}
	if err := r.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	ref := syncer.NewState(syncer.AllEntities)
	rows := Rows()
	ref.Apply(rows)
	if err := l.Load(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(scan(t, ref), scan(t, sc)); diff != "" {
		t.Fatalf("after load (-want +got):\n%s", diff)
	}
	digests := func(cs []syncer.Change) []string {
		var out []string
		for i := range cs {
			out = append(out, cs[i].Digest())
		}
		return out
	}
	for _, cmd := range Commands() {
		wantCh, wantErr := ref.Exec(&cmd)
		var announced []syncer.Change
		got, err := src.Exec(ctx, &cmd, func(cs []syncer.Change) { announced = append([]syncer.Change(nil), cs...) })
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%v: error %v, want %v", cmd.Kind, err, wantErr)
		}
		if diff := cmp.Diff(sorted(digests(wantCh)), sorted(digests(got))); diff != "" {
			t.Errorf("%v %+v: changes (-want +got):\n%s", cmd.Kind, cmd, diff)
		}
		if len(got) > 0 && !cmp.Equal(digests(got), digests(announced)) {
			t.Errorf("%v: announced %v before the commit, returned %v", cmd.Kind, digests(announced), digests(got))
		}
	}
	if diff := cmp.Diff(scan(t, ref), scan(t, sc)); diff != "" {
		t.Errorf("after the commands (-want +got):\n%s", diff)
	}
}

// sorted sorts digests: the order of rows of different keys within one
// transaction is a source's choice (a delete's likes come in any order).
func sorted(xs []string) []string { return slices.Sorted(slices.Values(xs)) }
