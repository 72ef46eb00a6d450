package memory

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/google/btree"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/crud"
)

var (
	_ crud.Provider = (*Conn)(nil)
	_ crud.Store    = (*crudDB)(nil)
)

// crudState holds the crud data sets of a Conn, by table prefix.
type crudState struct {
	mu  sync.Mutex
	dbs map[string]*crudDB
}

// CrudStore returns the data set s names, creating it empty if new.
func (c *Conn) CrudStore(s crud.Schema) (crud.Store, error) {
	st, err := patternState(c, "crud", func() *crudState { return &crudState{dbs: map[string]*crudDB{}} })
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	db, ok := st.dbs[s.Prefix]
	if !ok {
		db = &crudDB{}
		db.reset()
		st.dbs[s.Prefix] = db
	}
	return db, nil
}

// tweetRow is a stored tweet with the users who liked it.
type tweetRow struct {
	crud.Tweet
	likers []crud.UserID
}

type likeKey struct {
	user  crud.UserID
	tweet crud.TweetID
}

// timelineKey orders the timeline index: by user, then created_at, then id.
type timelineKey struct {
	user crud.UserID
	at   int64 // created_at in Unix nanoseconds
	id   crud.TweetID
}

func lessTimeline(a, b timelineKey) bool {
	if a.user != b.user {
		return a.user < b.user
	}
	if a.at != b.at {
		return a.at < b.at
	}
	return a.id < b.id
}

// crudDB is one crud data set: tables as maps, and an ordered index of
// (user, created_at, id) for timelines, the way a relational store keeps
// them. One lock guards everything, so every operation is atomic.
type crudDB struct {
	mu       sync.RWMutex
	users    map[crud.UserID]crud.User
	handles  map[string]crud.UserID
	tweets   map[crud.TweetID]*tweetRow
	likes    map[likeKey]time.Time
	timeline *btree.BTreeG[timelineKey]
}

func (db *crudDB) reset() {
	db.users = map[crud.UserID]crud.User{}
	db.handles = map[string]crud.UserID{}
	db.tweets = map[crud.TweetID]*tweetRow{}
	db.likes = map[likeKey]time.Time{}
	db.timeline = btree.NewG(32, lessTimeline)
}

func (db *crudDB) Setup(ctx context.Context) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.reset()
	return nil
}

func (db *crudDB) LoadUsers(ctx context.Context, users []crud.User) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, u := range users {
		if _, dup := db.users[u.ID]; dup {
			return fmt.Errorf("memory: user %d: %w", u.ID, crud.ErrDuplicate)
		}
		if _, dup := db.handles[u.Handle]; dup {
			return fmt.Errorf("memory: handle %s: %w", u.Handle, crud.ErrDuplicate)
		}
		db.users[u.ID] = u
		db.handles[u.Handle] = u.ID
	}
	return nil
}

// LoadTweets does not check authors: they may be in a part still loading.
func (db *crudDB) LoadTweets(ctx context.Context, tweets []crud.Tweet) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, t := range tweets {
		if err := db.insertTweet(t); err != nil {
			return err
		}
	}
	return nil
}

func (db *crudDB) insertTweet(t crud.Tweet) error {
	if _, dup := db.tweets[t.ID]; dup {
		return fmt.Errorf("memory: tweet %d: %w", t.ID, crud.ErrDuplicate)
	}
	db.tweets[t.ID] = &tweetRow{Tweet: t}
	db.timeline.ReplaceOrInsert(timelineKey{t.UserID, t.CreatedAt.UnixNano(), t.ID})
	return nil
}

// LoadLikes checks that the tweet exists (a part loads its tweets before
// their likes) but not the user, who may be in a part still loading.
func (db *crudDB) LoadLikes(ctx context.Context, likes []crud.Like) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, l := range likes {
		t, ok := db.tweets[l.TweetID]
		if !ok {
			return fmt.Errorf("memory: like of tweet %d, which is not loaded: %w", l.TweetID, drivers.ErrNotFound)
		}
		k := likeKey{l.UserID, l.TweetID}
		if _, dup := db.likes[k]; dup {
			return fmt.Errorf("memory: like of tweet %d by user %d: %w", l.TweetID, l.UserID, crud.ErrDuplicate)
		}
		db.likes[k] = l.CreatedAt
		t.likers = append(t.likers, l.UserID)
	}
	return nil
}

func (db *crudDB) TweetByID(ctx context.Context, id crud.TweetID) (crud.Tweet, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	t, ok := db.tweets[id]
	if !ok {
		return crud.Tweet{}, drivers.ErrNotFound
	}
	return t.Tweet, nil
}

func (db *crudDB) Timeline(ctx context.Context, user crud.UserID, limit int, dst []crud.TweetID) ([]crud.TweetID, error) {
	dst = dst[:0]
	if limit <= 0 {
		return dst, nil
	}
	db.mu.RLock()
	defer db.mu.RUnlock()
	// Walk the user's index entries from the newest down.
	db.timeline.DescendLessOrEqual(timelineKey{user, math.MaxInt64, math.MaxInt64}, func(k timelineKey) bool {
		if k.user != user {
			return false
		}
		dst = append(dst, k.id)
		return len(dst) < limit
	})
	return dst, nil
}

func (db *crudDB) Like(ctx context.Context, user crud.UserID, tweet crud.TweetID, at time.Time) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	t, ok := db.tweets[tweet]
	if !ok {
		return fmt.Errorf("memory: like of tweet %d: %w", tweet, drivers.ErrNotFound)
	}
	if _, ok := db.users[user]; !ok {
		return fmt.Errorf("memory: like by user %d: %w", user, drivers.ErrNotFound)
	}
	k := likeKey{user, tweet}
	if _, dup := db.likes[k]; dup {
		return fmt.Errorf("memory: like of tweet %d by user %d: %w", tweet, user, crud.ErrDuplicate)
	}
	db.likes[k] = at
	t.likers = append(t.likers, user)
	t.LikeCount++
	return nil
}

func (db *crudDB) CreateTweet(ctx context.Context, id crud.TweetID, user crud.UserID, body []byte, at time.Time) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if _, ok := db.users[user]; !ok {
		return fmt.Errorf("memory: tweet by user %d: %w", user, drivers.ErrNotFound)
	}
	return db.insertTweet(crud.Tweet{ID: id, UserID: user, Body: string(body), CreatedAt: at})
}

func (db *crudDB) UserByHandle(ctx context.Context, handle []byte) (crud.User, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	id, ok := db.handles[string(handle)]
	if !ok {
		return crud.User{}, drivers.ErrNotFound
	}
	return db.users[id], nil
}

func (db *crudDB) UpdateTweetBody(ctx context.Context, id crud.TweetID, body []byte) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	t, ok := db.tweets[id]
	if !ok {
		return drivers.ErrNotFound
	}
	t.Body = string(body)
	return nil
}

func (db *crudDB) DeleteTweet(ctx context.Context, id crud.TweetID) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	t, ok := db.tweets[id]
	if !ok {
		return drivers.ErrNotFound
	}
	for _, u := range t.likers {
		delete(db.likes, likeKey{u, id})
	}
	db.timeline.Delete(timelineKey{t.UserID, t.CreatedAt.UnixNano(), id})
	delete(db.tweets, id)
	return nil
}

func (db *crudDB) CountLikes(ctx context.Context, tweet crud.TweetID) (int64, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	t, ok := db.tweets[tweet]
	if !ok {
		return 0, nil
	}
	// Count the likes table's rows of the tweet, not the likers list, so
	// the two bookkeepings check each other.
	n := int64(0)
	for _, u := range t.likers {
		if _, ok := db.likes[likeKey{u, tweet}]; ok {
			n++
		}
	}
	return n, nil
}
