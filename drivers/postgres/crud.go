package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/crud"
)

var (
	_ crud.Provider        = (*Conn)(nil)
	_ crud.Store           = (*crudStore)(nil)
	_ drivers.LoadFinisher = (*crudStore)(nil)
)

// crudStore is the users, tweets and likes tables of one prefix.
type crudStore struct {
	c                     *Conn
	users, tweets, likes  string // table names
	qUsers, qTweets, qLik string // quoted

	tweetByID, timeline, like, createTweet, userByHandle string
	updateBody, deleteTweet, deleteLikes, countLikes     string
}

// CrudStore returns a handle on the tables s names.
func (c *Conn) CrudStore(s crud.Schema) (crud.Store, error) {
	for _, n := range []string{s.Users(), s.Tweets(), s.Likes()} {
		if err := checkName("crud table", n); err != nil {
			return nil, err
		}
	}
	st := &crudStore{c: c, users: s.Users(), tweets: s.Tweets(), likes: s.Likes()}
	u, t, l := ident(st.users), ident(st.tweets), ident(st.likes)
	st.qUsers, st.qTweets, st.qLik = u, t, l
	st.tweetByID = "SELECT user_id, body, created_at, like_count FROM " + t + " WHERE id = $1"
	st.timeline = "SELECT id FROM " + t + " WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
	// One statement, so one transaction: the tweet's row lock (taken by the
	// UPDATE) orders the like against a concurrent delete; a duplicate
	// like fails the INSERT, which undoes the increment; an unknown tweet
	// or user inserts nothing.
	st.like = "WITH t AS (UPDATE " + t + " SET like_count = like_count + 1 WHERE id = $2 AND EXISTS (SELECT FROM " + u +
		" WHERE id = $1) RETURNING id) INSERT INTO " + l + " (user_id, tweet_id, created_at) SELECT $1, id, $3 FROM t"
	st.createTweet = "INSERT INTO " + t + " (id, user_id, body, created_at, like_count) SELECT $1, $2, $3, $4, 0 WHERE EXISTS (SELECT FROM " +
		u + " WHERE id = $2)"
	st.userByHandle = "SELECT id, handle, name, bio, created_at FROM " + u + " WHERE handle = $1"
	st.updateBody = "UPDATE " + t + " SET body = $2 WHERE id = $1"
	st.deleteTweet = "DELETE FROM " + t + " WHERE id = $1"
	st.deleteLikes = "DELETE FROM " + l + " WHERE tweet_id = $1"
	st.countLikes = "SELECT count(*) FROM " + l + " WHERE tweet_id = $1"
	return st, nil
}

// Setup drops and creates the three tables. Their keys and the timeline
// index are built by FinishLoad, after the bulk load. There are no foreign
// keys: loads run in parallel parts whose references may point into parts
// not loaded yet, and the write statements check the references they
// need themselves (see Like and CreateTweet).
func (s *crudStore) Setup(ctx context.Context) error {
	return s.c.ddl(ctx, "setup "+s.tweets,
		"DROP TABLE IF EXISTS "+s.qLik+", "+s.qTweets+", "+s.qUsers,
		"CREATE TABLE "+s.qUsers+" (id bigint NOT NULL, handle text NOT NULL, name text NOT NULL, bio text NOT NULL, created_at timestamptz NOT NULL)",
		"CREATE TABLE "+s.qTweets+" (id bigint NOT NULL, user_id bigint NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL, like_count bigint NOT NULL DEFAULT 0)",
		"CREATE TABLE "+s.qLik+" (user_id bigint NOT NULL, tweet_id bigint NOT NULL, created_at timestamptz NOT NULL)",
	)
}

// FinishLoad builds the keys and the timeline index — users(id),
// users(handle) unique, tweets(id), tweets(user_id, created_at DESC, id
// DESC), likes(tweet_id, user_id) — then vacuums and analyzes the tables
// (the visibility map lets timelines and like counts be index-only scans).
func (s *crudStore) FinishLoad(ctx context.Context) error {
	steps := []struct {
		table   string
		indexes []string
	}{
		{s.users, []string{
			s.c.primaryKeyDDL(s.users, "id"),
			"CREATE UNIQUE INDEX IF NOT EXISTS " + ident(s.users+"_handle_key") + " ON " + s.qUsers + " (handle)",
		}},
		{s.tweets, []string{
			s.c.primaryKeyDDL(s.tweets, "id"),
			"CREATE INDEX IF NOT EXISTS " + ident(s.tweets+"_timeline") + " ON " + s.qTweets + " (user_id, created_at DESC, id DESC)",
		}},
		{s.likes, []string{s.c.primaryKeyDDL(s.likes, "tweet_id", "user_id")}},
	}
	for _, st := range steps {
		if err := s.c.finishLoad(ctx, st.table, true, st.indexes...); err != nil {
			return err
		}
	}
	return nil
}

func (s *crudStore) LoadUsers(ctx context.Context, users []crud.User) error {
	_, err := s.c.pool.CopyFrom(ctx, pgx.Identifier{s.users}, []string{"id", "handle", "name", "bio", "created_at"},
		pgx.CopyFromSlice(len(users), func(i int) ([]any, error) {
			u := &users[i]
			return []any{int64(u.ID), u.Handle, u.Name, u.Bio, u.CreatedAt}, nil
		}))
	return s.c.wrap(err, "load %d users into %s", len(users), s.users)
}

func (s *crudStore) LoadTweets(ctx context.Context, tweets []crud.Tweet) error {
	_, err := s.c.pool.CopyFrom(ctx, pgx.Identifier{s.tweets}, []string{"id", "user_id", "body", "created_at", "like_count"},
		pgx.CopyFromSlice(len(tweets), func(i int) ([]any, error) {
			t := &tweets[i]
			return []any{int64(t.ID), int64(t.UserID), t.Body, t.CreatedAt, t.LikeCount}, nil
		}))
	return s.c.wrap(err, "load %d tweets into %s", len(tweets), s.tweets)
}

func (s *crudStore) LoadLikes(ctx context.Context, likes []crud.Like) error {
	_, err := s.c.pool.CopyFrom(ctx, pgx.Identifier{s.likes}, []string{"user_id", "tweet_id", "created_at"},
		pgx.CopyFromSlice(len(likes), func(i int) ([]any, error) {
			l := &likes[i]
			return []any{int64(l.UserID), int64(l.TweetID), l.CreatedAt}, nil
		}))
	return s.c.wrap(err, "load %d likes into %s", len(likes), s.likes)
}

func (s *crudStore) TweetByID(ctx context.Context, id crud.TweetID) (crud.Tweet, error) {
	t := crud.Tweet{ID: id}
	var user int64
	err := s.c.pool.QueryRow(ctx, s.tweetByID, int64(id)).Scan(&user, &t.Body, &t.CreatedAt, &t.LikeCount)
	if errors.Is(err, pgx.ErrNoRows) {
		return crud.Tweet{}, drivers.ErrNotFound
	}
	if err != nil {
		return crud.Tweet{}, s.c.wrap(err, "tweet %d", id)
	}
	t.UserID = crud.UserID(user)
	return t, nil
}

func (s *crudStore) Timeline(ctx context.Context, user crud.UserID, limit int, dst []crud.TweetID) ([]crud.TweetID, error) {
	dst = dst[:0]
	if limit <= 0 {
		return dst, nil
	}
	rows, err := s.c.pool.Query(ctx, s.timeline, int64(user), limit)
	if err != nil {
		return dst, s.c.wrap(err, "timeline of user %d", user)
	}
	defer rows.Close()
	var id int64
	for rows.Next() {
		if err := rows.Scan(&id); err != nil {
			return dst, s.c.wrap(err, "timeline of user %d", user)
		}
		dst = append(dst, crud.TweetID(id))
	}
	return dst, s.c.wrap(rows.Err(), "timeline of user %d", user)
}

func (s *crudStore) Like(ctx context.Context, user crud.UserID, tweet crud.TweetID, at time.Time) error {
	t, err := s.c.pool.Exec(ctx, s.like, int64(user), int64(tweet), at)
	switch {
	case sqlState(err) == uniqueViolation:
		return fmt.Errorf("postgres: like of tweet %d by user %d: %w", tweet, user, crud.ErrDuplicate)
	case err != nil:
		return s.c.wrap(err, "like of tweet %d by user %d", tweet, user)
	case t.RowsAffected() == 0:
		return fmt.Errorf("postgres: like of tweet %d by user %d (no such tweet or user): %w", tweet, user, drivers.ErrNotFound)
	}
	return nil
}

func (s *crudStore) CreateTweet(ctx context.Context, id crud.TweetID, user crud.UserID, body []byte, at time.Time) error {
	t, err := s.c.pool.Exec(ctx, s.createTweet, int64(id), int64(user), string(body), at)
	switch {
	case sqlState(err) == uniqueViolation:
		return fmt.Errorf("postgres: tweet %d: %w", id, crud.ErrDuplicate)
	case err != nil:
		return s.c.wrap(err, "create tweet %d", id)
	case t.RowsAffected() == 0:
		return fmt.Errorf("postgres: tweet %d by user %d (no such user): %w", id, user, drivers.ErrNotFound)
	}
	return nil
}

func (s *crudStore) UserByHandle(ctx context.Context, handle []byte) (crud.User, error) {
	var u crud.User
	var id int64
	err := s.c.pool.QueryRow(ctx, s.userByHandle, string(handle)).Scan(&id, &u.Handle, &u.Name, &u.Bio, &u.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return crud.User{}, drivers.ErrNotFound
	}
	if err != nil {
		return crud.User{}, s.c.wrap(err, "user %q", handle)
	}
	u.ID = crud.UserID(id)
	return u, nil
}

func (s *crudStore) UpdateTweetBody(ctx context.Context, id crud.TweetID, body []byte) error {
	t, err := s.c.pool.Exec(ctx, s.updateBody, int64(id), string(body))
	if err != nil {
		return s.c.wrap(err, "update tweet %d", id)
	}
	if t.RowsAffected() == 0 {
		return drivers.ErrNotFound
	}
	return nil
}

// DeleteTweet deletes the tweet, then its likes, in one transaction (a
// pipelined batch: one round trip). The first statement locks the tweet, so
// a concurrent Like either committed before — and the second statement,
// which takes a fresh snapshot, deletes its like — or waits and then finds
// no tweet.
func (s *crudStore) DeleteTweet(ctx context.Context, id crud.TweetID) error {
	b := &pgx.Batch{}
	b.Queue(s.deleteTweet, int64(id))
	b.Queue(s.deleteLikes, int64(id))
	br := s.c.pool.SendBatch(ctx, b)
	t, err := br.Exec()
	if err == nil {
		_, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return s.c.wrap(err, "delete tweet %d", id)
	}
	if t.RowsAffected() == 0 {
		return drivers.ErrNotFound
	}
	return nil
}

func (s *crudStore) CountLikes(ctx context.Context, tweet crud.TweetID) (int64, error) {
	var n int64
	err := s.c.pool.QueryRow(ctx, s.countLikes, int64(tweet)).Scan(&n)
	return n, s.c.wrap(err, "count likes of tweet %d", tweet)
}
