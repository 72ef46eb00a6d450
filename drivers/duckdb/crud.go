package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/crud"
)

var (
	_ crud.Provider        = (*Conn)(nil)
	_ crud.Store           = (*crudDB)(nil)
	_ drivers.LoadFinisher = (*crudDB)(nil)
)

// crudDB is one crud data set: the users, tweets and likes tables.
type crudDB struct {
	c                    *Conn
	schema               crud.Schema
	users, tweets, likes string // quoted table names
	bulkUsers            *bulk
	bulkTweets           *bulk
	bulkLikes            *bulk
	bulks                bulks
	stmts                *stmts
	ix                   indexes
	q                    struct {
		tweet, timeline, like, likeCount, create, user, update, deleteLikes, deleteTweet, countLikes string
	}
}

// CrudStore returns the data set s names.
func (c *Conn) CrudStore(s crud.Schema) (crud.Store, error) {
	if err := checkName("crud", s.Users()); err != nil {
		return nil, err
	}
	return store(c, "crud\x00"+s.Prefix, func() *crudDB {
		db := &crudDB{
			c: c, schema: s,
			users: quote(s.Users()), tweets: quote(s.Tweets()), likes: quote(s.Likes()),
			bulkUsers: newBulk(c.db, s.Users()), bulkTweets: newBulk(c.db, s.Tweets()), bulkLikes: newBulk(c.db, s.Likes()),
			stmts: newStmts(c.db),
		}
		db.bulks = bulks{db.bulkUsers, db.bulkTweets, db.bulkLikes}
		p := s.Prefix
		index := func(unique bool, name, table, cols string) string {
			u := ""
			if unique {
				u = "UNIQUE "
			}
			return `CREATE ` + u + `INDEX IF NOT EXISTS ` + quote(p+name) + ` ON ` + table + ` (` + cols + `)`
		}
		db.ix.create = []string{
			index(true, "users_id", db.users, "id"),
			index(true, "users_handle", db.users, "handle"),
			index(true, "tweets_id", db.tweets, "id"),
			index(false, "tweets_user_id", db.tweets, "user_id"),
			index(true, "likes_user_tweet", db.likes, "user_id, tweet_id"),
			index(false, "likes_tweet_id", db.likes, "tweet_id"),
		}
		db.q.tweet = `SELECT id, user_id, body, created_at, like_count FROM ` + db.tweets + ` WHERE id = ?`
		db.q.timeline = `SELECT id FROM ` + db.tweets + ` WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`
		// A like is inserted only when its user and tweet exist (no row
		// inserted: not found). Parameters: user, tweet, at, user, tweet.
		db.q.like = `INSERT INTO ` + db.likes + ` SELECT ?::BIGINT, ?::BIGINT, ?::TIMESTAMP
WHERE EXISTS (SELECT 1 FROM ` + db.users + ` WHERE id = ?) AND EXISTS (SELECT 1 FROM ` + db.tweets + ` WHERE id = ?)`
		db.q.likeCount = `UPDATE ` + db.tweets + ` SET like_count = like_count + 1 WHERE id = ?`
		// Parameters: id, body, at, author.
		db.q.create = `INSERT INTO ` + db.tweets + ` SELECT ?::BIGINT, id, ?::VARCHAR, ?::TIMESTAMP, 0 FROM ` + db.users + ` WHERE id = ?`
		db.q.user = `SELECT id, handle, name, bio, created_at FROM ` + db.users + ` WHERE handle = ?`
		db.q.update = `UPDATE ` + db.tweets + ` SET body = ? WHERE id = ?`
		db.q.deleteLikes = `DELETE FROM ` + db.likes + ` WHERE tweet_id = ?`
		db.q.deleteTweet = `DELETE FROM ` + db.tweets + ` WHERE id = ?`
		db.q.countLikes = `SELECT count(*) FROM ` + db.likes + ` WHERE tweet_id = ?`
		return db
	})
}

func (db *crudDB) close() error {
	return errors.Join(db.bulks.finish(context.Background()), db.stmts.reset())
}

// Setup drops and creates the three tables, without their indexes.
func (db *crudDB) Setup(ctx context.Context) error {
	if err := errors.Join(db.bulks.discardAll(), db.stmts.reset()); err != nil {
		return fmt.Errorf("duckdb: crud setup %s: %w", db.schema.Prefix, err)
	}
	db.ix.reset()
	err := execAll(ctx, db.c.db,
		`DROP TABLE IF EXISTS `+db.likes,
		`DROP TABLE IF EXISTS `+db.tweets,
		`DROP TABLE IF EXISTS `+db.users,
		`CREATE TABLE `+db.users+` (id BIGINT NOT NULL, handle VARCHAR NOT NULL, name VARCHAR NOT NULL, bio VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)`,
		`CREATE TABLE `+db.tweets+` (id BIGINT NOT NULL, user_id BIGINT NOT NULL, body VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, like_count BIGINT NOT NULL)`,
		`CREATE TABLE `+db.likes+` (user_id BIGINT NOT NULL, tweet_id BIGINT NOT NULL, created_at TIMESTAMP NOT NULL)`,
	)
	if err != nil {
		return fmt.Errorf("duckdb: crud setup %s: %w", db.schema.Prefix, err)
	}
	return nil
}

func (db *crudDB) LoadUsers(ctx context.Context, users []crud.User) error {
	err := db.bulkUsers.append(ctx, run{}, len(users), func(a *duckdb.Appender, i int) error {
		u := &users[i]
		return a.AppendRow(int64(u.ID), u.Handle, u.Name, u.Bio, u.CreatedAt)
	})
	if err != nil {
		return fmt.Errorf("duckdb: load %s: %w", db.schema.Users(), err)
	}
	return nil
}

func (db *crudDB) LoadTweets(ctx context.Context, tweets []crud.Tweet) error {
	err := db.bulkTweets.append(ctx, run{}, len(tweets), func(a *duckdb.Appender, i int) error {
		t := &tweets[i]
		return a.AppendRow(int64(t.ID), int64(t.UserID), t.Body, t.CreatedAt, t.LikeCount)
	})
	if err != nil {
		return fmt.Errorf("duckdb: load %s: %w", db.schema.Tweets(), err)
	}
	return nil
}

func (db *crudDB) LoadLikes(ctx context.Context, likes []crud.Like) error {
	err := db.bulkLikes.append(ctx, run{}, len(likes), func(a *duckdb.Appender, i int) error {
		l := &likes[i]
		return a.AppendRow(int64(l.UserID), int64(l.TweetID), l.CreatedAt)
	})
	if err != nil {
		return fmt.Errorf("duckdb: load %s: %w", db.schema.Likes(), err)
	}
	return nil
}

// FinishLoad flushes the loaders' appenders and builds the indexes (ART):
// unique on users(id), users(handle), tweets(id) and likes(user_id,
// tweet_id), which also enforce the contract's uniqueness, and plain ones
// on tweets(user_id) for timelines and likes(tweet_id) for a tweet's likes.
func (db *crudDB) FinishLoad(ctx context.Context) error {
	if err := errors.Join(db.bulks.finish(ctx), db.ix.ensure(ctx, db.c.db)); err != nil {
		return fmt.Errorf("duckdb: finish load %s: %w", db.schema.Prefix, err)
	}
	return nil
}

func (db *crudDB) TweetByID(ctx context.Context, id crud.TweetID) (crud.Tweet, error) {
	if err := db.bulks.sync(ctx); err != nil {
		return crud.Tweet{}, fmt.Errorf("duckdb: %w", err)
	}
	var t crud.Tweet
	row, err := db.stmts.queryRow(ctx, db.q.tweet, int64(id))
	if err == nil {
		err = row.Scan(&t.ID, &t.UserID, &t.Body, &t.CreatedAt, &t.LikeCount)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return crud.Tweet{}, drivers.ErrNotFound
	}
	if err != nil {
		return crud.Tweet{}, fmt.Errorf("duckdb: tweet %d: %w", id, err)
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return t, nil
}

func (db *crudDB) Timeline(ctx context.Context, user crud.UserID, limit int, dst []crud.TweetID) ([]crud.TweetID, error) {
	dst = dst[:0]
	if limit <= 0 {
		return dst, nil
	}
	if err := db.bulks.sync(ctx); err != nil {
		return dst, fmt.Errorf("duckdb: %w", err)
	}
	rows, err := db.stmts.query(ctx, db.q.timeline, int64(user), int64(limit))
	if err != nil {
		return dst, fmt.Errorf("duckdb: timeline of %d: %w", user, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return dst[:0], fmt.Errorf("duckdb: timeline of %d: %w", user, err)
		}
		dst = append(dst, crud.TweetID(id))
	}
	if err := rows.Err(); err != nil {
		return dst[:0], fmt.Errorf("duckdb: timeline of %d: %w", user, err)
	}
	return dst, nil
}

// errNoRow rolls a transaction back when a statement changed no row.
var errNoRow = errors.New("no row")

// timestamp binds t as a TIMESTAMP (microseconds, no time zone).
func timestamp(t time.Time) any { return duckdb.Typed(t.UTC(), duckdb.TYPE_TIMESTAMP) }

// changed returns an error wrapping errNoRow when res changed no row.
func changed(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errNoRow
	}
	return nil
}

// Like inserts the like and increments like_count in one transaction. Two
// likes of one tweet at once conflict on its row (DuckDB's optimistic
// concurrency control): the later transaction is rolled back and run again
// (Conn.Retries counts it).
func (db *crudDB) Like(ctx context.Context, user crud.UserID, tweet crud.TweetID, at time.Time) error {
	if err := errors.Join(db.bulks.sync(ctx), db.ix.ensure(ctx, db.c.db)); err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	err := db.c.inTx(ctx, func(tx *sql.Tx) error {
		u, t := int64(user), int64(tweet)
		if err := changed(db.stmts.txExec(ctx, tx, db.q.like, u, t, timestamp(at), u, t)); err != nil {
			return err
		}
		return changed(db.stmts.txExec(ctx, tx, db.q.likeCount, t))
	})
	switch {
	case errors.Is(err, errNoRow):
		return fmt.Errorf("duckdb: like of tweet %d by user %d: %w", tweet, user, drivers.ErrNotFound)
	case isDuplicate(err):
		return fmt.Errorf("duckdb: like of tweet %d by user %d: %w", tweet, user, crud.ErrDuplicate)
	case err != nil:
		return fmt.Errorf("duckdb: like of tweet %d by user %d: %w", tweet, user, err)
	}
	return nil
}

func (db *crudDB) CreateTweet(ctx context.Context, id crud.TweetID, user crud.UserID, body []byte, at time.Time) error {
	if err := errors.Join(db.bulks.sync(ctx), db.ix.ensure(ctx, db.c.db)); err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	err := db.c.retry(ctx, func() error {
		return changed(db.stmts.exec(ctx, db.q.create, int64(id), string(body), timestamp(at), int64(user)))
	})
	switch {
	case errors.Is(err, errNoRow):
		return fmt.Errorf("duckdb: tweet %d by user %d: %w", id, user, drivers.ErrNotFound)
	case isDuplicate(err):
		return fmt.Errorf("duckdb: tweet %d: %w", id, crud.ErrDuplicate)
	case err != nil:
		return fmt.Errorf("duckdb: create tweet %d: %w", id, err)
	}
	return nil
}

func (db *crudDB) UserByHandle(ctx context.Context, handle []byte) (crud.User, error) {
	if err := db.bulks.sync(ctx); err != nil {
		return crud.User{}, fmt.Errorf("duckdb: %w", err)
	}
	var u crud.User
	row, err := db.stmts.queryRow(ctx, db.q.user, string(handle))
	if err == nil {
		err = row.Scan(&u.ID, &u.Handle, &u.Name, &u.Bio, &u.CreatedAt)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return crud.User{}, drivers.ErrNotFound
	}
	if err != nil {
		return crud.User{}, fmt.Errorf("duckdb: user %q: %w", handle, err)
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return u, nil
}

func (db *crudDB) UpdateTweetBody(ctx context.Context, id crud.TweetID, body []byte) error {
	if err := db.bulks.sync(ctx); err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	err := db.c.retry(ctx, func() error {
		return changed(db.stmts.exec(ctx, db.q.update, string(body), int64(id)))
	})
	switch {
	case errors.Is(err, errNoRow):
		return drivers.ErrNotFound
	case err != nil:
		return fmt.Errorf("duckdb: update tweet %d: %w", id, err)
	}
	return nil
}

func (db *crudDB) DeleteTweet(ctx context.Context, id crud.TweetID) error {
	if err := db.bulks.sync(ctx); err != nil {
		return fmt.Errorf("duckdb: %w", err)
	}
	err := db.c.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.stmts.txExec(ctx, tx, db.q.deleteLikes, int64(id)); err != nil {
			return err
		}
		return changed(db.stmts.txExec(ctx, tx, db.q.deleteTweet, int64(id)))
	})
	switch {
	case errors.Is(err, errNoRow):
		return drivers.ErrNotFound
	case err != nil:
		return fmt.Errorf("duckdb: delete tweet %d: %w", id, err)
	}
	return nil
}

func (db *crudDB) CountLikes(ctx context.Context, tweet crud.TweetID) (int64, error) {
	if err := db.bulks.sync(ctx); err != nil {
		return 0, fmt.Errorf("duckdb: %w", err)
	}
	var n int64
	row, err := db.stmts.queryRow(ctx, db.q.countLikes, int64(tweet))
	if err == nil {
		err = row.Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("duckdb: likes of tweet %d: %w", tweet, err)
	}
	return n, nil
}
