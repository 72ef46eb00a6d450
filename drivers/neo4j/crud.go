package neo4j

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	n4j "github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/crud"
)

var (
	_ crud.Provider = (*Conn)(nil)
	_ crud.Store    = (*crudStore)(nil)
)

// crudStore is one users/tweets/likes data set: nodes labelled
// <prefix>User and <prefix>Tweet, and a LIKED relationship (with the time
// as property at) from the user to the tweet per like. A tweet keeps its
// author's id as a property, user_id, as a row would: the timeline is a
// seek on the composite index (user_id, created_at, id), which returns the
// newest tweets in order without reading the user's others.
type crudStore struct {
	c                  *Conn
	user, tweet        string // labels
	q                  crudQueries
	opLike, opTimeline string
}

type crudQueries struct {
	clearUsers, clearTweets string
	schema                  []string
	loadUsers, loadTweets   string
	loadLikes               string
	tweetByID, timeline     string
	lockTweet, like         string
	createTweet, userByH    string
	updateBody, deleteTweet string
	countLikes              string
}

// CrudStore returns a handle on the data set s names.
func (c *Conn) CrudStore(s crud.Schema) (crud.Store, error) {
	if s.Prefix != "" {
		if err := checkName("crud prefix", s.Prefix+"x"); err != nil {
			return nil, err
		}
	}
	u, t := s.Prefix+"User", s.Prefix+"Tweet"
	st := &crudStore{c: c, user: u, tweet: t}
	f := func(format string) string { return fmt.Sprintf(format, u, t) }
	st.q = crudQueries{
		clearUsers:  f("MATCH (n:`%[1]s`) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS"),
		clearTweets: f("MATCH (n:`%[2]s`) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS"),
		schema: []string{
			f("CREATE CONSTRAINT `storefit_%[1]s_id` IF NOT EXISTS FOR (n:`%[1]s`) REQUIRE n.id IS UNIQUE"),
			f("CREATE CONSTRAINT `storefit_%[1]s_handle` IF NOT EXISTS FOR (n:`%[1]s`) REQUIRE n.handle IS UNIQUE"),
			f("CREATE CONSTRAINT `storefit_%[2]s_id` IF NOT EXISTS FOR (n:`%[2]s`) REQUIRE n.id IS UNIQUE"),
			f("CREATE INDEX `storefit_%[2]s_timeline` IF NOT EXISTS FOR (n:`%[2]s`) ON (n.user_id, n.created_at, n.id)"),
			"CALL db.awaitIndexes(300)",
		},
		// A user may have been created, without properties, by a like
		// loaded before it (MERGE below).
		loadUsers: f("UNWIND $rows AS r MERGE (n:`%[1]s` {id: r.id}) " +
			"SET n.handle = r.handle, n.name = r.name, n.bio = r.bio, n.created_at = r.created_at"),
		loadTweets: f("UNWIND $rows AS r CREATE (n:`%[2]s`) SET n = r"),
		// A loaded like's tweet is loaded (its part loads tweets first),
		// its user perhaps not yet: MERGE makes a node for it that its
		// LoadUsers fills in. A user node without handle is not a user.
		loadLikes: f("UNWIND $rows AS r MATCH (t:`%[2]s` {id: r.tweet}) MERGE (u:`%[1]s` {id: r.user}) " +
			"CREATE (u)-[:LIKED {at: r.at}]->(t) RETURN count(*)"),
		tweetByID: f("MATCH (t:`%[2]s` {id: $id}) RETURN t.user_id, t.body, t.created_at, t.like_count"),
		timeline: f("MATCH (t:`%[2]s`) WHERE t.user_id = $user AND t.created_at IS NOT NULL AND t.id IS NOT NULL " +
			"RETURN t.id ORDER BY t.created_at DESC, t.id DESC LIMIT $limit"),
		// The increment locks the tweet: likes of one tweet run one after
		// the other from here, so the check for an earlier like below
		// cannot race with another like of the same pair.
		lockTweet: f("MATCH (t:`%[2]s` {id: $tweet}) SET t.like_count = t.like_count + 1 RETURN 1"),
		like: f("MATCH (t:`%[2]s` {id: $tweet}) MATCH (u:`%[1]s` {id: $user}) WHERE u.handle IS NOT NULL " +
			"OPTIONAL MATCH (u)-[old:LIKED]->(t) " +
			"FOREACH (_ IN CASE WHEN old IS NULL THEN [1] ELSE [] END | CREATE (u)-[:LIKED {at: $at}]->(t)) " +
			"RETURN old IS NULL"),
		createTweet: f("MATCH (u:`%[1]s` {id: $user}) WHERE u.handle IS NOT NULL " +
			"CREATE (:`%[2]s` {id: $id, user_id: $user, body: $body, created_at: $at, like_count: 0}) RETURN 1"),
		userByH:     f("MATCH (u:`%[1]s` {handle: $handle}) RETURN u.id, u.name, u.bio, u.created_at"),
		updateBody:  f("MATCH (t:`%[2]s` {id: $id}) SET t.body = $body RETURN 1"),
		deleteTweet: f("MATCH (t:`%[2]s` {id: $id}) DETACH DELETE t RETURN 1"),
		countLikes:  f("OPTIONAL MATCH (:`%[2]s` {id: $id})<-[l:LIKED]-() RETURN count(l)"),
	}
	st.opLike, st.opTimeline = "crud "+t+" like", "crud "+t+" timeline"
	return st, nil
}

// errDuplicate marks a duplicate inside a transaction function.
var errDuplicate = fmt.Errorf("neo4j: %w", crud.ErrDuplicate)

// duplicate makes an error of a uniqueness constraint recognizable as
// crud.ErrDuplicate, and errNotFound drivers.ErrNotFound itself.
func duplicate(err error) error {
	var ne *n4j.Neo4jError
	switch {
	case errors.As(err, &ne) && ne.Code == "Neo.ClientError.Schema.ConstraintValidationFailed":
		return fmt.Errorf("%w: %w", crud.ErrDuplicate, err)
	case errors.Is(err, errNotFound):
		return drivers.ErrNotFound
	}
	return err
}

// Setup deletes the data set's users and tweets with their likes, and
// creates the uniqueness constraints (user id, handle, tweet id) and the
// timeline index, waiting until they are online.
func (s *crudStore) Setup(ctx context.Context) error {
	for _, q := range append([]string{s.q.clearUsers, s.q.clearTweets}, s.q.schema...) {
		if err := s.c.autoCommit(ctx, "crud "+s.tweet+" setup", q, nil); err != nil {
			return err
		}
	}
	return nil
}

// load runs one UNWIND statement over rows in a write transaction.
func (s *crudStore) load(ctx context.Context, op, query string, rows []any) error {
	if len(rows) == 0 {
		return nil
	}
	return duplicate(writeTx(ctx, s.c, op, func(tx n4j.ManagedTransaction) error {
		return consume(ctx, tx, query, map[string]any{"rows": rows})
	}))
}

func (s *crudStore) LoadUsers(ctx context.Context, users []crud.User) error {
	rows := make([]any, len(users))
	for i, u := range users {
		rows[i] = map[string]any{"id": int64(u.ID), "handle": u.Handle, "name": u.Name, "bio": u.Bio, "created_at": u.CreatedAt}
	}
	return s.load(ctx, "crud "+s.user+" load", s.q.loadUsers, rows)
}

func (s *crudStore) LoadTweets(ctx context.Context, tweets []crud.Tweet) error {
	rows := make([]any, len(tweets))
	for i, t := range tweets {
		rows[i] = map[string]any{"id": int64(t.ID), "user_id": int64(t.UserID), "body": t.Body,
			"created_at": t.CreatedAt, "like_count": t.LikeCount}
	}
	return s.load(ctx, "crud "+s.tweet+" load", s.q.loadTweets, rows)
}

// LoadLikes creates the batch's likes, ordered by user id so concurrent
// loaders lock the users they share in the same order.
func (s *crudStore) LoadLikes(ctx context.Context, likes []crud.Like) error {
	sorted := slices.SortedFunc(slices.Values(likes), func(a, b crud.Like) int {
		return cmp.Or(cmp.Compare(a.UserID, b.UserID), cmp.Compare(a.TweetID, b.TweetID))
	})
	rows := make([]any, len(sorted))
	for i, l := range sorted {
		rows[i] = map[string]any{"user": int64(l.UserID), "tweet": int64(l.TweetID), "at": l.CreatedAt}
	}
	if len(rows) == 0 {
		return nil
	}
	return duplicate(writeTx(ctx, s.c, "crud "+s.tweet+" load likes", func(tx n4j.ManagedTransaction) error {
		res, err := tx.Run(ctx, s.q.loadLikes, map[string]any{"rows": rows})
		if err != nil {
			return err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return err
		}
		if n, _ := rec.Values[0].(int64); n != int64(len(rows)) {
			return fmt.Errorf("%d of %d likes are of tweets not loaded: %w", int64(len(rows))-n, len(rows), drivers.ErrNotFound)
		}
		return nil
	}))
}

func (s *crudStore) TweetByID(ctx context.Context, id crud.TweetID) (crud.Tweet, error) {
	t, err := readTx(ctx, s.c, "crud "+s.tweet+" read", func(tx querier) (crud.Tweet, error) {
		res, err := tx.Run(ctx, s.q.tweetByID, map[string]any{"id": int64(id)})
		if err != nil {
			return crud.Tweet{}, err
		}
		if !res.Next(ctx) {
			if err := res.Err(); err != nil {
				return crud.Tweet{}, err
			}
			return crud.Tweet{}, errNotFound
		}
		v := res.Record().Values
		user, ok1 := v[0].(int64)
		body, ok2 := v[1].(string)
		at, ok3 := v[2].(time.Time)
		likes, ok4 := v[3].(int64)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return crud.Tweet{}, fmt.Errorf("tweet %d has a malformed row %v", id, v)
		}
		return crud.Tweet{ID: id, UserID: crud.UserID(user), Body: body, CreatedAt: at, LikeCount: likes}, nil
	})
	return t, duplicate(err)
}

func (s *crudStore) Timeline(ctx context.Context, user crud.UserID, limit int, dst []crud.TweetID) ([]crud.TweetID, error) {
	if limit <= 0 {
		return dst[:0], nil
	}
	params := map[string]any{"user": int64(user), "limit": int64(limit)}
	return readTx(ctx, s.c, s.opTimeline, func(tx querier) ([]crud.TweetID, error) {
		res, err := tx.Run(ctx, s.q.timeline, params)
		if err != nil {
			return nil, err
		}
		out := dst[:0]
		for res.Next(ctx) {
			id, ok := res.Record().Values[0].(int64)
			if !ok {
				return nil, fmt.Errorf("tweet id %v is a %T", res.Record().Values[0], res.Record().Values[0])
			}
			out = append(out, crud.TweetID(id))
		}
		return out, res.Err()
	})
}

// Like increments the tweet's like_count (which locks the tweet), then
// creates the like unless the user liked it before, in one transaction:
// an unknown tweet or user, or a second like, rolls the increment back.
func (s *crudStore) Like(ctx context.Context, user crud.UserID, tweet crud.TweetID, at time.Time) error {
	params := map[string]any{"user": int64(user), "tweet": int64(tweet), "at": at}
	return duplicate(writeTx(ctx, s.c, s.opLike, func(tx n4j.ManagedTransaction) error {
		if err := one(ctx, tx, s.q.lockTweet, params); err != nil {
			return err
		}
		res, err := tx.Run(ctx, s.q.like, params)
		if err != nil {
			return err
		}
		if !res.Next(ctx) {
			if err := res.Err(); err != nil {
				return err
			}
			return errNotFound // no such user
		}
		if created, _ := res.Record().Values[0].(bool); !created {
			return errDuplicate
		}
		_, err = res.Consume(ctx)
		return err
	}))
}

func (s *crudStore) CreateTweet(ctx context.Context, id crud.TweetID, user crud.UserID, body []byte, at time.Time) error {
	params := map[string]any{"id": int64(id), "user": int64(user), "body": string(body), "at": at}
	return duplicate(writeTx(ctx, s.c, "crud "+s.tweet+" create", func(tx n4j.ManagedTransaction) error {
		return one(ctx, tx, s.q.createTweet, params)
	}))
}

func (s *crudStore) UserByHandle(ctx context.Context, handle []byte) (crud.User, error) {
	h := string(handle)
	u, err := readTx(ctx, s.c, "crud "+s.user+" by handle", func(tx querier) (crud.User, error) {
		res, err := tx.Run(ctx, s.q.userByH, map[string]any{"handle": h})
		if err != nil {
			return crud.User{}, err
		}
		if !res.Next(ctx) {
			if err := res.Err(); err != nil {
				return crud.User{}, err
			}
			return crud.User{}, errNotFound
		}
		v := res.Record().Values
		id, ok1 := v[0].(int64)
		name, ok2 := v[1].(string)
		bio, ok3 := v[2].(string)
		at, ok4 := v[3].(time.Time)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return crud.User{}, fmt.Errorf("user %q has a malformed row %v", h, v)
		}
		return crud.User{ID: crud.UserID(id), Handle: h, Name: name, Bio: bio, CreatedAt: at}, nil
	})
	return u, duplicate(err)
}

func (s *crudStore) UpdateTweetBody(ctx context.Context, id crud.TweetID, body []byte) error {
	params := map[string]any{"id": int64(id), "body": string(body)}
	return duplicate(writeTx(ctx, s.c, "crud "+s.tweet+" update", func(tx n4j.ManagedTransaction) error {
		return one(ctx, tx, s.q.updateBody, params)
	}))
}

// DeleteTweet deletes the tweet with its likes (DETACH DELETE).
func (s *crudStore) DeleteTweet(ctx context.Context, id crud.TweetID) error {
	params := map[string]any{"id": int64(id)}
	return duplicate(writeTx(ctx, s.c, "crud "+s.tweet+" delete", func(tx n4j.ManagedTransaction) error {
		return one(ctx, tx, s.q.deleteTweet, params)
	}))
}

// CountLikes counts the tweet's LIKED relationships.
func (s *crudStore) CountLikes(ctx context.Context, tweet crud.TweetID) (int64, error) {
	return readTx(ctx, s.c, "crud "+s.tweet+" count likes", func(tx querier) (int64, error) {
		res, err := tx.Run(ctx, s.q.countLikes, map[string]any{"id": int64(tweet)})
		if err != nil {
			return 0, err
		}
		rec, err := res.Single(ctx)
		if err != nil {
			return 0, err
		}
		n, _ := rec.Values[0].(int64)
		return n, nil
	})
}
