package cassandra

import (
	"context"
	"errors"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/crud"
)

var (
	_ crud.Provider = (*Conn)(nil)
	_ crud.Store    = (*crudDB)(nil)
)

// maxCAS bounds the compare-and-set rounds of one Like: each lost round
// means another like of the same tweet won its round meanwhile.
const maxCAS = 100

// crudDB is a crud data set in four tables (prefix p):
//
//	p users    (id) PRIMARY KEY                          the users
//	p handles  (handle) PRIMARY KEY                      the users again, by handle
//	p tweets   ((id), liker) with static user_id, body,  a tweet and its likes: one
//	           created_at, like_count                    partition per tweet
//	p timeline ((user_id), created_at DESC, id DESC)     tweet ids, newest first
//
// Times are Unix nanoseconds (bigint), kept exactly.
type crudDB struct {
	reads
	c      *Conn
	schema crud.Schema

	users, handles, tweets, timeline string // qualified names

	insertUser, insertHandle, selectUser, userByHandle  string
	insertTweet, createTweet, insertTimeline, tweetByID string
	insertLike, likeExists, countLike, likeCount        string
	updateBody, deleteStatics, deleteTweet, delTimeline string
	readTimeline                                        string
}

// CrudStore returns a handle on the data set s names.
func (c *Conn) CrudStore(s crud.Schema) (crud.Store, error) {
	if err := checkName("crud table prefix", s.Prefix, true); err != nil {
		return nil, err
	}
	db := &crudDB{
		reads:    reads{session: c.session},
		c:        c,
		schema:   s,
		users:    c.table(s.Prefix + "users"),
		handles:  c.table(s.Prefix + "handles"),
		tweets:   c.table(s.Prefix + "tweets"),
		timeline: c.table(s.Prefix + "timeline"),
	}
	db.insertUser = "INSERT INTO " + db.users + " (id, handle, name, bio, created_at) VALUES (?, ?, ?, ?, ?)"
	db.insertHandle = "INSERT INTO " + db.handles + " (handle, id, name, bio, created_at) VALUES (?, ?, ?, ?, ?)"
	db.selectUser = "SELECT id FROM " + db.users + " WHERE id = ?"
	db.userByHandle = "SELECT id, name, bio, created_at FROM " + db.handles + " WHERE handle = ?"
	db.insertTweet = "INSERT INTO " + db.tweets + " (id, user_id, body, created_at, like_count) VALUES (?, ?, ?, ?, ?)"
	db.createTweet = "INSERT INTO " + db.tweets + " (id, user_id, body, created_at, like_count) VALUES (?, ?, ?, ?, 0) IF NOT EXISTS"
	db.insertTimeline = "INSERT INTO " + db.timeline + " (user_id, created_at, id) VALUES (?, ?, ?)"
	db.tweetByID = "SELECT user_id, body, created_at, like_count FROM " + db.tweets + " WHERE id = ? LIMIT 1"
	db.insertLike = "INSERT INTO " + db.tweets + " (id, liker, liked_at) VALUES (?, ?, ?)"
	db.likeExists = "SELECT liker FROM " + db.tweets + " WHERE id = ? AND liker = ?"
	db.countLike = "SELECT COUNT(liker) FROM " + db.tweets + " WHERE id = ?"
	db.likeCount = "UPDATE " + db.tweets + " SET like_count = ? WHERE id = ? IF like_count = ?"
	db.updateBody = "UPDATE " + db.tweets + " SET body = ? WHERE id = ? IF EXISTS"
	db.deleteStatics = "DELETE user_id, body, created_at, like_count FROM " + db.tweets + " WHERE id = ? IF EXISTS"
	db.deleteTweet = "DELETE FROM " + db.tweets + " WHERE id = ?"
	db.delTimeline = "DELETE FROM " + db.timeline + " WHERE user_id = ? AND created_at = ? AND id = ?"
	db.readTimeline = "SELECT id FROM " + db.timeline + " WHERE user_id = ? LIMIT ?"
	return db, nil
}

func (db *crudDB) Setup(ctx context.Context) error {
	p := db.schema.Prefix
	return db.c.resetTables(ctx,
		tableDef{name: p + "users", create: "CREATE TABLE %s (id bigint PRIMARY KEY, handle text, name text, bio text, created_at bigint)"},
		tableDef{name: p + "handles", create: "CREATE TABLE %s (handle text PRIMARY KEY, id bigint, name text, bio text, created_at bigint)"},
		tableDef{name: p + "tweets", create: "CREATE TABLE %s (id bigint, liker bigint, liked_at bigint, user_id bigint static, body text static, " +
			"created_at bigint static, like_count bigint static, PRIMARY KEY (id, liker))"},
		tableDef{name: p + "timeline", create: "CREATE TABLE %s (user_id bigint, created_at bigint, id bigint, PRIMARY KEY (user_id, created_at, id)) " +
			"WITH CLUSTERING ORDER BY (created_at DESC, id DESC)"},
	)
}

// LoadUsers writes each user to users and handles, LoadConcurrency
// requests in flight. Like every load it trusts the workload that the
// rows are new.
func (db *crudDB) LoadUsers(ctx context.Context, users []crud.User) error {
	return parallel(2*len(users), db.c.cfg.LoadConcurrency, func(i int) error {
		u := users[i/2]
		stmt, args := db.insertUser, []any{int64(u.ID), u.Handle, u.Name, u.Bio, u.CreatedAt.UnixNano()}
		if i%2 == 1 {
			stmt, args = db.insertHandle, []any{u.Handle, int64(u.ID), u.Name, u.Bio, u.CreatedAt.UnixNano()}
		}
		return db.c.wrap("load users", db.c.session.Query(stmt, args...).ExecContext(ctx))
	})
}

// LoadTweets writes each tweet's static columns and its timeline entry.
func (db *crudDB) LoadTweets(ctx context.Context, tweets []crud.Tweet) error {
	return parallel(2*len(tweets), db.c.cfg.LoadConcurrency, func(i int) error {
		t := tweets[i/2]
		stmt, args := db.insertTweet, []any{int64(t.ID), int64(t.UserID), t.Body, t.CreatedAt.UnixNano(), t.LikeCount}
		if i%2 == 1 {
			stmt, args = db.insertTimeline, []any{int64(t.UserID), t.CreatedAt.UnixNano(), int64(t.ID)}
		}
		return db.c.wrap("load tweets", db.c.session.Query(stmt, args...).ExecContext(ctx))
	})
}

// LoadLikes writes the likes of each tweet as one unlogged batch into the
// tweet's partition.
func (db *crudDB) LoadLikes(ctx context.Context, likes []crud.Like) error {
	byTweet := map[crud.TweetID][]crud.Like{}
	var order []crud.TweetID
	for _, l := range likes {
		if _, ok := byTweet[l.TweetID]; !ok {
			order = append(order, l.TweetID)
		}
		byTweet[l.TweetID] = append(byTweet[l.TweetID], l)
	}
	return parallel(len(order), db.c.cfg.LoadConcurrency, func(i int) error {
		ls := byTweet[order[i]]
		var err error
		if len(ls) == 1 {
			err = db.c.session.Query(db.insertLike, int64(ls[0].TweetID), int64(ls[0].UserID), ls[0].CreatedAt.UnixNano()).ExecContext(ctx)
		} else {
			b := db.c.session.Batch(gocql.UnloggedBatch)
			for _, l := range ls {
				b.Query(db.insertLike, int64(l.TweetID), int64(l.UserID), l.CreatedAt.UnixNano())
			}
			err = b.ExecContext(ctx)
		}
		return db.c.wrap("load likes", err)
	})
}

// tweet reads a tweet's static columns; ok is false when it does not
// exist (no partition, or one whose statics a delete removed).
func (db *crudDB) tweet(ctx context.Context, id crud.TweetID) (t crud.Tweet, ok bool, err error) {
	var (
		user, at, likes *int64
		body            *string
	)
	err = db.query(db.tweetByID, int64(id)).ScanContext(ctx, &user, &body, &at, &likes)
	if errors.Is(err, gocql.ErrNotFound) || err == nil && user == nil {
		return t, false, nil
	}
	if err != nil {
		return t, false, err
	}
	t = crud.Tweet{ID: id, UserID: crud.UserID(*user), CreatedAt: time.Unix(0, deref(at)).UTC(), LikeCount: deref(likes)}
	if body != nil {
		t.Body = *body
	}
	return t, true, nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func (db *crudDB) TweetByID(ctx context.Context, id crud.TweetID) (crud.Tweet, error) {
	t, ok, err := db.tweet(ctx, id)
	if err != nil {
		return crud.Tweet{}, db.c.wrap("tweet by id", err)
	}
	if !ok {
		return crud.Tweet{}, drivers.ErrNotFound
	}
	return t, nil
}

func (db *crudDB) Timeline(ctx context.Context, user crud.UserID, limit int, dst []crud.TweetID) ([]crud.TweetID, error) {
	dst = dst[:0]
	if limit <= 0 {
		return dst, nil
	}
	iter := db.query(db.readTimeline, int64(user), limit).IterContext(ctx)
	var id int64
	for iter.Scan(&id) {
		dst = append(dst, crud.TweetID(id))
	}
	if err := iter.Close(); err != nil {
		return dst[:0], db.c.wrap("timeline", err)
	}
	return dst, nil
}

// userExists reports whether the user exists.
func (db *crudDB) userExists(ctx context.Context, user crud.UserID) (bool, error) {
	var id int64
	err := db.query(db.selectUser, int64(user)).ScanContext(ctx, &id)
	if errors.Is(err, gocql.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Like adds the like and increments like_count in one conditional batch
// on the tweet's partition (a lightweight transaction, Paxos): the like row
// IF NOT EXISTS, and like_count = n+1 IF like_count = n, with n read just
// before. Both apply or neither. When the batch does not apply, either the
// like exists (crud.ErrDuplicate), or the tweet is gone (deleted:
// drivers.ErrNotFound), or another like changed the count, and the driver
// reads again and retries.
func (db *crudDB) Like(ctx context.Context, user crud.UserID, tweet crud.TweetID, at time.Time) error {
	t, ok, err := db.tweet(ctx, tweet)
	if err != nil {
		return db.c.wrap("like", err)
	}
	if !ok {
		return fmt.Errorf("cassandra: like of tweet %d: %w", tweet, drivers.ErrNotFound)
	}
	if ok, err := db.userExists(ctx, user); err != nil {
		return db.c.wrap("like", err)
	} else if !ok {
		return fmt.Errorf("cassandra: like by user %d: %w", user, drivers.ErrNotFound)
	}
	for range maxCAS {
		b := db.c.session.Batch(gocql.UnloggedBatch)
		b.Query(db.insertLike+" IF NOT EXISTS", int64(tweet), int64(user), at.UnixNano())
		b.Query(db.likeCount, t.LikeCount+1, int64(tweet), t.LikeCount)
		applied, iter, err := b.MapExecCASContext(ctx, map[string]any{})
		if iter != nil {
			iter.Close()
		}
		if err != nil {
			return db.c.wrap("like", err)
		}
		if applied {
			return nil
		}
		var liker int64
		err = db.query(db.likeExists, int64(tweet), int64(user)).ScanContext(ctx, &liker)
		switch {
		case err == nil:
			return fmt.Errorf("cassandra: like of tweet %d by user %d: %w", tweet, user, crud.ErrDuplicate)
		case !errors.Is(err, gocql.ErrNotFound):
			return db.c.wrap("like", err)
		}
		if t, ok, err = db.tweet(ctx, tweet); err != nil {
			return db.c.wrap("like", err)
		} else if !ok {
			return fmt.Errorf("cassandra: like of tweet %d: %w", tweet, drivers.ErrNotFound)
		}
	}
	return fmt.Errorf("cassandra at %s: like of tweet %d: like_count changed %d times in a row", db.c.cfg.Addr, tweet, maxCAS)
}

// CreateTweet inserts the tweet's static columns IF NOT EXISTS (a
// lightweight transaction: a taken id is crud.ErrDuplicate), then its
// timeline entry.
func (db *crudDB) CreateTweet(ctx context.Context, id crud.TweetID, user crud.UserID, body []byte, at time.Time) error {
	if ok, err := db.userExists(ctx, user); err != nil {
		return db.c.wrap("create tweet", err)
	} else if !ok {
		return fmt.Errorf("cassandra: tweet by user %d: %w", user, drivers.ErrNotFound)
	}
	applied, err := db.c.session.Query(db.createTweet, int64(id), int64(user), string(body), at.UnixNano()).
		MapScanCASContext(ctx, map[string]any{})
	if err != nil {
		return db.c.wrap("create tweet", err)
	}
	if !applied {
		return fmt.Errorf("cassandra: tweet %d: %w", id, crud.ErrDuplicate)
	}
	if err := db.c.session.Query(db.insertTimeline, int64(user), at.UnixNano(), int64(id)).ExecContext(ctx); err != nil {
		return db.c.wrap("create tweet: timeline", err)
	}
	return nil
}

func (db *crudDB) UserByHandle(ctx context.Context, handle []byte) (crud.User, error) {
	var (
		id, at    int64
		name, bio string
	)
	err := db.query(db.userByHandle, string(handle)).ScanContext(ctx, &id, &name, &bio, &at)
	if errors.Is(err, gocql.ErrNotFound) {
		return crud.User{}, drivers.ErrNotFound
	}
	if err != nil {
		return crud.User{}, db.c.wrap("user by handle", err)
	}
	return crud.User{ID: crud.UserID(id), Handle: string(handle), Name: name, Bio: bio, CreatedAt: time.Unix(0, at).UTC()}, nil
}

// UpdateTweetBody sets the body IF EXISTS (a lightweight transaction), so
// a tweet deleted meanwhile is not brought back with only a body.
func (db *crudDB) UpdateTweetBody(ctx context.Context, id crud.TweetID, body []byte) error {
	applied, err := db.c.session.Query(db.updateBody, string(body), int64(id)).MapScanCASContext(ctx, map[string]any{})
	if err != nil {
		return db.c.wrap("update tweet body", err)
	}
	if !applied {
		return drivers.ErrNotFound
	}
	return nil
}

// DeleteTweet deletes the tweet's static columns IF EXISTS (a lightweight
// transaction, so a concurrent Like's compare-and-set fails and finds the
// tweet gone), then the whole partition with its likes, then the timeline
// entry. Cassandra allows no condition on a partition deletion, hence the
// two steps.
func (db *crudDB) DeleteTweet(ctx context.Context, id crud.TweetID) error {
	t, ok, err := db.tweet(ctx, id)
	if err != nil {
		return db.c.wrap("delete tweet", err)
	}
	if !ok {
		return drivers.ErrNotFound
	}
	applied, err := db.c.session.Query(db.deleteStatics, int64(id)).MapScanCASContext(ctx, map[string]any{})
	if err != nil {
		return db.c.wrap("delete tweet", err)
	}
	if !applied {
		return drivers.ErrNotFound
	}
	if err := db.c.session.Query(db.deleteTweet, int64(id)).ExecContext(ctx); err != nil {
		return db.c.wrap("delete tweet: likes", err)
	}
	if err := db.c.session.Query(db.delTimeline, int64(t.UserID), t.CreatedAt.UnixNano(), int64(id)).ExecContext(ctx); err != nil {
		return db.c.wrap("delete tweet: timeline", err)
	}
	return nil
}

// CountLikes counts the like rows of the tweet's partition (COUNT(liker):
// the static row, which has no liker, does not count).
func (db *crudDB) CountLikes(ctx context.Context, tweet crud.TweetID) (int64, error) {
	var n int64
	if err := db.query(db.countLike, int64(tweet)).ScanContext(ctx, &n); err != nil {
		return 0, db.c.wrap("count likes", err)
	}
	return n, nil
}
