package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/crud"
)

var (
	_ crud.Provider        = (*Conn)(nil)
	_ crud.Store           = (*crudDB)(nil)
	_ drivers.LoadFinisher = (*crudDB)(nil)
)

// crudDB is one crud data set: three tables named by the schema's prefix.
//
//	users(id INTEGER PRIMARY KEY, handle TEXT NOT NULL, name, bio, created_at)
//	tweets(id INTEGER PRIMARY KEY, user_id, body, created_at, like_count)
//	likes(tweet_id, user_id, created_at, PRIMARY KEY (tweet_id, user_id)) WITHOUT ROWID
//
// with a unique index on users(handle) and the timeline index on
// tweets(user_id, created_at) (the rowid, the tweet id, is the index's last
// column, so a timeline is one backward range scan). Times are Unix
// nanoseconds.
type crudDB struct {
	c                   *Conn
	users, tweets       string // quoted names
	likes               string
	handleIdx, timeline string // quoted index names
	q                   crudSQL
}

// crudSQL holds the statements of a data set.
type crudSQL struct {
	insUser, insTweet, insLike                  string
	tweetByID, timeline, userByHandle           string
	userExists, bumpLikes, likeOne, createTweet string
	updateBody, deleteTweet, deleteLikes        string
	countLikes                                  string
}

// CrudStore returns a handle on the tables s names.
func (c *Conn) CrudStore(s crud.Schema) (crud.Store, error) {
	if err := checkName("table prefix", s.Prefix+"x"); err != nil {
		return nil, err
	}
	db := &crudDB{
		c:         c,
		users:     ident(s.Users()),
		tweets:    ident(s.Tweets()),
		likes:     ident(s.Likes()),
		handleIdx: ident(s.Users() + "_handle"),
		timeline:  ident(s.Tweets() + "_timeline"),
	}
	db.q = crudSQL{
		insUser:      "INSERT INTO " + db.users + " (id, handle, name, bio, created_at) VALUES",
		insTweet:     "INSERT INTO " + db.tweets + " (id, user_id, body, created_at, like_count) VALUES",
		insLike:      "INSERT INTO " + db.likes + " (user_id, tweet_id, created_at) VALUES",
		tweetByID:    "SELECT user_id, body, created_at, like_count FROM " + db.tweets + " WHERE id = ?",
		timeline:     "SELECT id FROM " + db.tweets + " WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
		userByHandle: "SELECT id, name, bio, created_at FROM " + db.users + " WHERE handle = ?",
		userExists:   "SELECT EXISTS (SELECT 1 FROM " + db.users + " WHERE id = ?)",
		bumpLikes:    "UPDATE " + db.tweets + " SET like_count = like_count + 1 WHERE id = ?",
		likeOne:      "INSERT INTO " + db.likes + " (user_id, tweet_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		createTweet:  "INSERT INTO " + db.tweets + " (id, user_id, body, created_at, like_count) VALUES (?, ?, ?, ?, 0) ON CONFLICT DO NOTHING",
		updateBody:   "UPDATE " + db.tweets + " SET body = ? WHERE id = ?",
		deleteTweet:  "DELETE FROM " + db.tweets + " WHERE id = ?",
		deleteLikes:  "DELETE FROM " + db.likes + " WHERE tweet_id = ?",
		countLikes:   "SELECT COUNT(*) FROM " + db.likes + " WHERE tweet_id = ?",
	}
	return db, nil
}

// indexes returns the secondary indexes, which FinishLoad builds.
func (db *crudDB) indexes() []string {
	return []string{
		"CREATE UNIQUE INDEX IF NOT EXISTS " + db.handleIdx + " ON " + db.users + " (handle)",
		"CREATE INDEX IF NOT EXISTS " + db.timeline + " ON " + db.tweets + " (user_id, created_at)",
	}
}

func (db *crudDB) Setup(ctx context.Context) error {
	stmts := []string{
		"DROP TABLE IF EXISTS " + db.users,
		"DROP TABLE IF EXISTS " + db.tweets,
		"DROP TABLE IF EXISTS " + db.likes,
		"CREATE TABLE " + db.users + " (id INTEGER PRIMARY KEY, handle TEXT NOT NULL, name TEXT NOT NULL, bio TEXT NOT NULL, created_at INTEGER NOT NULL)",
		"CREATE TABLE " + db.tweets + " (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL, like_count INTEGER NOT NULL)",
		"CREATE TABLE " + db.likes + " (tweet_id INTEGER NOT NULL, user_id INTEGER NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (tweet_id, user_id)) WITHOUT ROWID",
	}
	if err := db.c.execScript(ctx, stmts...); err != nil {
		return fmt.Errorf("sqlite: crud setup: %w", err)
	}
	return nil
}

// FinishLoad builds the handle and timeline indexes over the loaded rows
// (one sort each instead of a B-tree insert per row) and gathers
// statistics for the planner.
func (db *crudDB) FinishLoad(ctx context.Context) error {
	if err := db.c.execScript(ctx, db.indexes()...); err != nil {
		return fmt.Errorf("sqlite: crud finish load: %w", err)
	}
	return nil
}

// isConstraint reports whether err is an SQLite constraint violation.
func isConstraint(err error) bool {
	var e interface{ Code() int }
	return errors.As(err, &e) && e.Code()&0xff == 19 // SQLITE_CONSTRAINT
}

// loadErr maps a bulk insert's constraint violation to crud.ErrDuplicate.
func loadErr(what string, err error) error {
	if isConstraint(err) {
		return fmt.Errorf("sqlite: %s: %w (%v)", what, crud.ErrDuplicate, err)
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}

func (db *crudDB) LoadUsers(ctx context.Context, users []crud.User) error {
	err := db.c.tx(ctx, func(w *writeConn) error {
		return bulkInsert(ctx, w, db.q.insUser, "", 5, len(users), func(dst []any, i int) []any {
			u := &users[i]
			return append(dst, int64(u.ID), u.Handle, u.Name, u.Bio, u.CreatedAt.UnixNano())
		})
	})
	if err != nil {
		return loadErr("load users", err)
	}
	return nil
}

// LoadTweets does not check authors: they may be in a part still loading.
func (db *crudDB) LoadTweets(ctx context.Context, tweets []crud.Tweet) error {
	err := db.c.tx(ctx, func(w *writeConn) error {
		return bulkInsert(ctx, w, db.q.insTweet, "", 5, len(tweets), func(dst []any, i int) []any {
			t := &tweets[i]
			return append(dst, int64(t.ID), int64(t.UserID), t.Body, t.CreatedAt.UnixNano(), t.LikeCount)
		})
	})
	if err != nil {
		return loadErr("load tweets", err)
	}
	return nil
}

// LoadLikes checks neither the tweet nor the user (a bulk load of rows the
// generator made consistent); duplicates are rejected by the primary key.
func (db *crudDB) LoadLikes(ctx context.Context, likes []crud.Like) error {
	err := db.c.tx(ctx, func(w *writeConn) error {
		return bulkInsert(ctx, w, db.q.insLike, "", 3, len(likes), func(dst []any, i int) []any {
			l := &likes[i]
			return append(dst, int64(l.UserID), int64(l.TweetID), l.CreatedAt.UnixNano())
		})
	})
	if err != nil {
		return loadErr("load likes", err)
	}
	return nil
}

// unixNano converts stored Unix nanoseconds to a UTC time.
func unixNano(ns int64) time.Time { return time.Unix(0, ns).UTC() }

func (db *crudDB) TweetByID(ctx context.Context, id crud.TweetID) (crud.Tweet, error) {
	row, err := db.c.queryRow(ctx, db.q.tweetByID, int64(id))
	if err != nil {
		return crud.Tweet{}, fmt.Errorf("sqlite: tweet %d: %w", id, err)
	}
	t := crud.Tweet{ID: id}
	var at int64
	if err := row.Scan(&t.UserID, &t.Body, &at, &t.LikeCount); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return crud.Tweet{}, drivers.ErrNotFound
		}
		return crud.Tweet{}, fmt.Errorf("sqlite: tweet %d: %w", id, err)
	}
	t.CreatedAt = unixNano(at)
	return t, nil
}

func (db *crudDB) Timeline(ctx context.Context, user crud.UserID, limit int, dst []crud.TweetID) ([]crud.TweetID, error) {
	dst = dst[:0]
	if limit <= 0 {
		return dst, nil
	}
	rows, err := db.c.query(ctx, db.q.timeline, int64(user), limit)
	if err != nil {
		return dst, fmt.Errorf("sqlite: timeline of %d: %w", user, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return dst[:0], fmt.Errorf("sqlite: timeline of %d: %w", user, err)
		}
		dst = append(dst, crud.TweetID(id))
	}
	if err := rows.Err(); err != nil {
		return dst[:0], fmt.Errorf("sqlite: timeline of %d: %w", user, err)
	}
	return dst, nil
}

// Like runs in one transaction: bump the tweet's like_count (no row: the
// tweet does not exist), check the user, insert the like (no row inserted:
// a duplicate); any failure rolls everything back.
func (db *crudDB) Like(ctx context.Context, user crud.UserID, tweet crud.TweetID, at time.Time) error {
	return db.c.tx(ctx, func(w *writeConn) error {
		res, err := w.exec(ctx, db.q.bumpLikes, int64(tweet))
		if err != nil {
			return fmt.Errorf("sqlite: like of tweet %d: %w", tweet, err)
		}
		if err := affected(res, "like"); err != nil {
			return fmt.Errorf("sqlite: like of tweet %d: %w", tweet, err)
		}
		if err := db.userExists(ctx, w, user); err != nil {
			return fmt.Errorf("sqlite: like by user %d: %w", user, err)
		}
		res, err = w.exec(ctx, db.q.likeOne, int64(user), int64(tweet), at.UnixNano())
		if err != nil {
			return fmt.Errorf("sqlite: like of tweet %d by user %d: %w", tweet, user, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("sqlite: like of tweet %d by user %d: %w", tweet, user, cmpErr(err, crud.ErrDuplicate))
		}
		return nil
	})
}

// cmpErr returns err if it is not nil, else dflt.
func cmpErr(err, dflt error) error {
	if err != nil {
		return err
	}
	return dflt
}

// userExists returns drivers.ErrNotFound if there is no such user.
func (db *crudDB) userExists(ctx context.Context, w *writeConn, user crud.UserID) error {
	row, err := w.queryRow(ctx, db.q.userExists, int64(user))
	if err != nil {
		return err
	}
	var ok bool
	if err := row.Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return drivers.ErrNotFound
	}
	return nil
}

func (db *crudDB) CreateTweet(ctx context.Context, id crud.TweetID, user crud.UserID, body []byte, at time.Time) error {
	return db.c.tx(ctx, func(w *writeConn) error {
		if err := db.userExists(ctx, w, user); err != nil {
			return fmt.Errorf("sqlite: tweet by user %d: %w", user, err)
		}
		res, err := w.exec(ctx, db.q.createTweet, int64(id), int64(user), string(body), at.UnixNano())
		if err != nil {
			return fmt.Errorf("sqlite: create tweet %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("sqlite: create tweet %d: %w", id, cmpErr(err, crud.ErrDuplicate))
		}
		return nil
	})
}

func (db *crudDB) UserByHandle(ctx context.Context, handle []byte) (crud.User, error) {
	row, err := db.c.queryRow(ctx, db.q.userByHandle, string(handle))
	if err != nil {
		return crud.User{}, fmt.Errorf("sqlite: user %s: %w", handle, err)
	}
	u := crud.User{Handle: string(handle)}
	var at int64
	if err := row.Scan(&u.ID, &u.Name, &u.Bio, &at); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return crud.User{}, drivers.ErrNotFound
		}
		return crud.User{}, fmt.Errorf("sqlite: user %s: %w", handle, err)
	}
	u.CreatedAt = unixNano(at)
	return u, nil
}

func (db *crudDB) UpdateTweetBody(ctx context.Context, id crud.TweetID, body []byte) error {
	res, err := db.c.exec(ctx, db.q.updateBody, string(body), int64(id))
	if err != nil {
		return fmt.Errorf("sqlite: update tweet %d: %w", id, err)
	}
	return affected(res, fmt.Sprintf("update tweet %d", id))
}

// DeleteTweet deletes the tweet and its likes in one transaction.
func (db *crudDB) DeleteTweet(ctx context.Context, id crud.TweetID) error {
	return db.c.tx(ctx, func(w *writeConn) error {
		res, err := w.exec(ctx, db.q.deleteTweet, int64(id))
		if err != nil {
			return fmt.Errorf("sqlite: delete tweet %d: %w", id, err)
		}
		if err := affected(res, fmt.Sprintf("delete tweet %d", id)); err != nil {
			return err
		}
		if _, err := w.exec(ctx, db.q.deleteLikes, int64(id)); err != nil {
			return fmt.Errorf("sqlite: delete likes of tweet %d: %w", id, err)
		}
		return nil
	})
}

func (db *crudDB) CountLikes(ctx context.Context, tweet crud.TweetID) (int64, error) {
	row, err := db.c.queryRow(ctx, db.q.countLikes, int64(tweet))
	if err != nil {
		return 0, fmt.Errorf("sqlite: likes of tweet %d: %w", tweet, err)
	}
	var n int64
	if err := row.Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: likes of tweet %d: %w", tweet, err)
	}
	return n, nil
}
