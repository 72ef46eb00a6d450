package pgsync

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pglogrepl"

	"github.com/storefit/storefit/cdc/pgoutput"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
)

// A view's queue is bounded in changes (one batch always fits) and hands
// batches out in order.
func TestViewQueue(t *testing.T) {
	q := newViewQueue(3)
	big := batch{changes: make([]syncer.Change, 5), end: 10}
	if !q.tryPut(big) {
		t.Fatal("an empty queue refused a batch larger than its bound")
	}
	if q.tryPut(batch{changes: make([]syncer.Change, 1), end: 20}) {
		t.Fatal("a full queue took another batch")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if b, err := q.take(ctx); err != nil || b.end != 10 {
		t.Fatalf("take: %v %v", b.end, err)
	}
	if !q.tryPut(batch{changes: make([]syncer.Change, 2), end: 20}) || !q.tryPut(batch{changes: make([]syncer.Change, 1), end: 30}) {
		t.Fatal("a queue with room refused a batch")
	}
	for _, want := range []pglogrepl.LSN{20, 30} {
		if b, err := q.take(ctx); err != nil || b.end != want {
			t.Fatalf("take: %v %v, want %v", b.end, err, want)
		}
	}
	short, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	if _, err := q.take(short); err == nil {
		t.Fatal("take from an empty queue returned")
	}
}

// The slot confirms the least position the views applied; a view that
// applied everything handed counts as at the last commit seen.
func TestConfirmedLSN(t *testing.T) {
	a, b := newViewQueue(10), newViewQueue(10)
	qs := []*viewQueue{a, b}
	if got := confirmedLSN(qs, 0, 0); got != 0 {
		t.Errorf("nothing applied: %v", got)
	}
	if got := confirmedLSN(qs, 0, 50); got != 50 {
		t.Errorf("only empty commits: %v, want 50", got)
	}
	a.setApplied(100)
	b.setApplied(60)
	if got := confirmedLSN(qs, 100, 120); got != 60 {
		t.Errorf("b behind: %v, want 60", got)
	}
	b.setApplied(100)
	if got := confirmedLSN(qs, 100, 120); got != 120 {
		t.Errorf("both applied all handed: %v, want 120", got)
	}
}

func tuple(vals ...string) *pglogrepl.TupleData {
	td := &pglogrepl.TupleData{}
	for _, v := range vals {
		td.Columns = append(td.Columns, &pglogrepl.TupleDataColumn{DataType: 't', Data: []byte(v)})
	}
	return td
}

// pgoutput rows of the captured tables decode into full images; a like's
// delete under its primary key's replica identity carries the key only.
func TestDecodeRow(t *testing.T) {
	l := &logical{tables: syncer.Tables{Tweets: "p_tweets", Likes: "p_likes", Follows: "p_follows"}}
	row := func(r *pgoutput.Relation, op pgoutput.Op, tup *pglogrepl.TupleData) pgoutput.Row {
		t.Helper()
		rw, err := pgoutput.Decode(r, op, tup)
		if err != nil {
			t.Fatal(err)
		}
		return rw
	}
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	tweets := &pgoutput.Relation{Name: "p_tweets", Cols: []string{"id", "user_id", "body", "created_at", "like_count"}}
	c, ok, err := l.decode(row(tweets, pgoutput.Insert, tuple("5", "9", "a body", "2024-01-02 03:04:05+00", "2")))
	if want := syncer.TweetUpsert(crud.Tweet{ID: 5, UserID: 9, Body: "a body", CreatedAt: at, LikeCount: 2}); err != nil || !ok || c.Digest() != want.Digest() {
		t.Errorf("tweet: %+v %v %v", c, ok, err)
	}
	follows := &pgoutput.Relation{Name: "p_follows", Cols: []string{"src", "dst"}}
	c, ok, err = l.decode(row(follows, pgoutput.Delete, tuple("1", "2")))
	if want := syncer.FollowDelete(graph.Edge{Src: 1, Dst: 2}); err != nil || !ok || !cmp.Equal(c.Key(), want.Key()) || c.Op != syncer.Delete {
		t.Errorf("follow: %+v %v %v", c, ok, err)
	}
	likes := &pgoutput.Relation{Name: "p_likes", Cols: []string{"user_id", "tweet_id"}}
	c, ok, err = l.decode(row(likes, pgoutput.Delete, tuple("3", "5")))
	if want := syncer.LikeDelete(crud.Like{UserID: 3, TweetID: 5}); err != nil || !ok || c.Digest() != want.Digest() {
		t.Errorf("like: %+v %v %v", c, ok, err)
	}
	if _, ok, err := l.decode(row(&pgoutput.Relation{Name: "other"}, pgoutput.Insert, tuple("1"))); ok || err != nil {
		t.Errorf("other table: %v %v", ok, err)
	}
	if _, _, err := l.decode(row(tweets, pgoutput.Insert, tuple("x", "9", "b", "2024-01-02 03:04:05+00", "2"))); err == nil {
		t.Error("bad id accepted")
	}
}
