package redis

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/rueidis"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/crud"
)

var (
	_ crud.Provider = (*Conn)(nil)
	_ crud.Store    = (*crudStore)(nil)
)

// crudStore is a crud data set, under the key prefix P = "crud:<prefix>:":
//
//	P user:<id>       hash  h handle, n name, b bio, t created_at
//	P handles         hash  handle → user id (the unique index)
//	P tweet:<id>      hash  u user id, b body, t created_at, l like_count
//	P likes:<tweet>   hash  user id → created_at (one field per like)
//	P timeline:<user> zset  every tweet of the user, member t ‖ id, score 0
//
// Times are stored as 16 hex digits of the Unix nanoseconds with the sign
// bit flipped, so their byte order is their time order. A timeline member is
// that time followed by the tweet id encoded the same way: all scores are 0,
// so ZREVRANGEBYLEX walks a user's tweets newest first, ties by id
// descending — the order Timeline needs, with no sort.
//
// Every operation that touches more than one key (Like, CreateTweet,
// DeleteTweet, UserByHandle) is one Lua script, atomic on the server;
// UpdateTweetBody is a script too, as HSET alone would create a missing
// tweet. The scripts name the keys they derive (a user's timeline) in
// their body, which a single server allows and Redis Cluster would not.
type crudStore struct {
	c       *Conn
	p       string // the key prefix, "crud:<prefix>:"
	handles string // P handles
}

// CrudStore returns a handle on the data set s names.
func (c *Conn) CrudStore(s crud.Schema) (crud.Store, error) {
	if err := checkName("table prefix", s.Prefix, true); err != nil {
		return nil, err
	}
	p := "crud:" + s.Prefix + ":"
	return &crudStore{c: c, p: p, handles: p + "handles"}, nil
}

func (s *crudStore) userKey(id crud.UserID) string {
	return s.p + "user:" + strconv.FormatInt(int64(id), 10)
}

func (s *crudStore) tweetKey(id crud.TweetID) string {
	return s.p + "tweet:" + strconv.FormatInt(int64(id), 10)
}

func (s *crudStore) likesKey(id crud.TweetID) string {
	return s.p + "likes:" + strconv.FormatInt(int64(id), 10)
}

func (s *crudStore) timelineKey(id crud.UserID) string {
	return s.p + "timeline:" + strconv.FormatInt(int64(id), 10)
}

// enc encodes n as 16 hex digits that sort as n does.
func enc(n int64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n)^1<<63)
	return hex.EncodeToString(b[:])
}

// dec decodes enc.
func dec(s string) (int64, error) {
	var b [8]byte
	if len(s) != 16 {
		return 0, fmt.Errorf("redis: bad encoded number %q", s)
	}
	if _, err := hex.Decode(b[:], []byte(s)); err != nil {
		return 0, fmt.Errorf("redis: bad encoded number %q", s)
	}
	return int64(binary.BigEndian.Uint64(b[:]) ^ 1<<63), nil
}

func encTime(t time.Time) string { return enc(t.UnixNano()) }

func decTime(s string) (time.Time, error) {
	n, err := dec(s)
	return time.Unix(0, n).UTC(), err
}

// Setup removes every key of the data set.
func (s *crudStore) Setup(ctx context.Context) error {
	return s.c.deleteKeys(ctx, s.p+"*")
}

// do sends a pipeline and returns its first error.
func (s *crudStore) do(ctx context.Context, op string, cmds rueidis.Commands) error {
	for _, res := range s.c.client.DoMulti(ctx, cmds...) {
		if err := res.Error(); err != nil {
			return s.c.wrap(op, err)
		}
	}
	return nil
}

// LoadUsers pipelines an HSET per user and one HSET of their handles.
func (s *crudStore) LoadUsers(ctx context.Context, users []crud.User) error {
	if len(users) == 0 {
		return nil
	}
	b := s.c.client.B
	cmds := make(rueidis.Commands, 0, len(users)+1)
	hs := b().Hset().Key(s.handles).FieldValue()
	for _, u := range users {
		cmds = append(cmds, b().Hset().Key(s.userKey(u.ID)).FieldValue().
			FieldValue("h", u.Handle).FieldValue("n", u.Name).FieldValue("b", u.Bio).
			FieldValue("t", encTime(u.CreatedAt)).Build())
		hs = hs.FieldValue(u.Handle, strconv.FormatInt(int64(u.ID), 10))
	}
	cmds = append(cmds, hs.Build())
	return s.do(ctx, "load users", cmds)
}

// LoadTweets pipelines an HSET and a timeline ZADD per tweet.
func (s *crudStore) LoadTweets(ctx context.Context, tweets []crud.Tweet) error {
	b := s.c.client.B
	cmds := make(rueidis.Commands, 0, 2*len(tweets))
	for _, t := range tweets {
		at := encTime(t.CreatedAt)
		cmds = append(cmds,
			b().Hset().Key(s.tweetKey(t.ID)).FieldValue().
				FieldValue("u", strconv.FormatInt(int64(t.UserID), 10)).FieldValue("b", t.Body).
				FieldValue("t", at).FieldValue("l", strconv.FormatInt(t.LikeCount, 10)).Build(),
			b().Zadd().Key(s.timelineKey(t.UserID)).ScoreMember().ScoreMember(0, at+enc(int64(t.ID))).Build())
	}
	if len(cmds) == 0 {
		return nil
	}
	return s.do(ctx, "load tweets", cmds)
}

// LoadLikes pipelines an HSET per run of likes of one tweet.
func (s *crudStore) LoadLikes(ctx context.Context, likes []crud.Like) error {
	b := s.c.client.B
	var cmds rueidis.Commands
	for i := 0; i < len(likes); {
		h := b().Hset().Key(s.likesKey(likes[i].TweetID)).FieldValue()
		j := i
		for ; j < len(likes) && likes[j].TweetID == likes[i].TweetID; j++ {
			h = h.FieldValue(strconv.FormatInt(int64(likes[j].UserID), 10), encTime(likes[j].CreatedAt))
		}
		cmds = append(cmds, h.Build())
		i = j
	}
	if len(cmds) == 0 {
		return nil
	}
	return s.do(ctx, "load likes", cmds)
}

// TweetByID is one HMGET.
func (s *crudStore) TweetByID(ctx context.Context, id crud.TweetID) (crud.Tweet, error) {
	vals, err := s.c.client.Do(ctx, s.c.client.B().Hmget().Key(s.tweetKey(id)).Field("u", "b", "t", "l").Build()).ToArray()
	if err != nil {
		return crud.Tweet{}, s.c.wrap("read tweet", err)
	}
	if len(vals) != 4 || vals[0].IsNil() {
		return crud.Tweet{}, drivers.ErrNotFound
	}
	var f [4]string
	for i := range f {
		if f[i], err = vals[i].ToString(); err != nil {
			return crud.Tweet{}, fmt.Errorf("redis: tweet %d lacks a field: %w", id, err)
		}
	}
	t := crud.Tweet{ID: id, Body: f[1]}
	u, err1 := strconv.ParseInt(f[0], 10, 64)
	at, err2 := decTime(f[2])
	likes, err3 := strconv.ParseInt(f[3], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return crud.Tweet{}, fmt.Errorf("redis: tweet %d is malformed: %q", id, f)
	}
	t.UserID, t.CreatedAt, t.LikeCount = crud.UserID(u), at, likes
	return t, nil
}

// Timeline is one ZREVRANGEBYLEX over the user's timeline.
func (s *crudStore) Timeline(ctx context.Context, user crud.UserID, limit int, dst []crud.TweetID) ([]crud.TweetID, error) {
	dst = dst[:0]
	if limit <= 0 {
		return dst, nil
	}
	cmd := s.c.client.B().Zrevrangebylex().Key(s.timelineKey(user)).Max("+").Min("-").Limit(0, int64(limit)).Build()
	members, err := s.c.client.Do(ctx, cmd).ToArray()
	if err != nil {
		return dst, s.c.wrap("timeline", err)
	}
	for i := range members {
		m, err := members[i].ToString()
		if err != nil || len(m) != 32 {
			return dst[:0], fmt.Errorf("redis: timeline of user %d: bad member %q", user, m)
		}
		id, err := dec(m[16:])
		if err != nil {
			return dst[:0], err
		}
		dst = append(dst, crud.TweetID(id))
	}
	return dst, nil
}

// Script answers: done, not found, duplicate.
const (
	answerNotFound  = 0
	answerDone      = 1
	answerDuplicate = 2
)

// likeScript records a like (KEYS: tweet, user, likes of the tweet; ARGV:
// user id, time) and increments like_count.
var likeScript = rueidis.NewLuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[2]) == 0 then return 2 end
redis.call('HINCRBY', KEYS[1], 'l', 1)
return 1`)

// Like runs likeScript.
func (s *crudStore) Like(ctx context.Context, user crud.UserID, tweet crud.TweetID, at time.Time) error {
	res := likeScript.Exec(ctx, s.c.client,
		[]string{s.tweetKey(tweet), s.userKey(user), s.likesKey(tweet)},
		[]string{strconv.FormatInt(int64(user), 10), encTime(at)})
	return s.answer(res, "like", fmt.Sprintf("like of tweet %d by user %d", tweet, user))
}

// answer turns a script's answer into the error the pattern wants.
func (s *crudStore) answer(res rueidis.RedisResult, op, what string) error {
	n, err := res.AsInt64()
	if err != nil {
		return s.c.wrap(op, err)
	}
	switch n {
	case answerDone:
		return nil
	case answerNotFound:
		return fmt.Errorf("redis: %s: %w", what, drivers.ErrNotFound)
	case answerDuplicate:
		return fmt.Errorf("redis: %s: %w", what, crud.ErrDuplicate)
	}
	return fmt.Errorf("redis: %s: unexpected answer %d", what, n)
}

// createScript inserts a tweet (KEYS: author, tweet, author's timeline;
// ARGV: user id, body, time, timeline member).
var createScript = rueidis.NewLuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
redis.call('HSET', KEYS[2], 'u', ARGV[1], 'b', ARGV[2], 't', ARGV[3], 'l', 0)
redis.call('ZADD', KEYS[3], 0, ARGV[4])
return 1`)

// CreateTweet runs createScript.
func (s *crudStore) CreateTweet(ctx context.Context, id crud.TweetID, user crud.UserID, body []byte, at time.Time) error {
	t := encTime(at)
	res := createScript.Exec(ctx, s.c.client,
		[]string{s.userKey(user), s.tweetKey(id), s.timelineKey(user)},
		[]string{strconv.FormatInt(int64(user), 10), string(body), t, t + enc(int64(id))})
	return s.answer(res, "create tweet", fmt.Sprintf("tweet %d by user %d", id, user))
}

// userScript finds a user by handle (KEYS[1]: the handles; ARGV: handle,
// user key prefix): nil, or the id and the user's fields.
var userScript = rueidis.NewLuaScript(`
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then return false end
return {id, redis.call('HMGET', ARGV[2] .. id, 'h', 'n', 'b', 't')}`)

// UserByHandle runs userScript: one round trip.
func (s *crudStore) UserByHandle(ctx context.Context, handle []byte) (crud.User, error) {
	res := userScript.Exec(ctx, s.c.client, []string{s.handles}, []string{string(handle), s.p + "user:"})
	arr, err := res.ToArray()
	if rueidis.IsRedisNil(err) {
		return crud.User{}, drivers.ErrNotFound
	}
	if err != nil {
		return crud.User{}, s.c.wrap("user by handle", err)
	}
	if len(arr) != 2 {
		return crud.User{}, fmt.Errorf("redis: user %s: unexpected answer", handle)
	}
	idStr, err := arr[0].ToString()
	if err != nil {
		return crud.User{}, fmt.Errorf("redis: user %s: %w", handle, err)
	}
	fields, err := arr[1].ToArray()
	if err != nil || len(fields) != 4 || fields[0].IsNil() {
		return crud.User{}, fmt.Errorf("redis: handle %s names user %s, who has no record", handle, idStr)
	}
	var f [4]string
	for i := range f {
		if f[i], err = fields[i].ToString(); err != nil {
			return crud.User{}, fmt.Errorf("redis: user %s lacks a field: %w", idStr, err)
		}
	}
	id, err1 := strconv.ParseInt(idStr, 10, 64)
	at, err2 := decTime(f[3])
	if err1 != nil || err2 != nil {
		return crud.User{}, fmt.Errorf("redis: user %s is malformed", idStr)
	}
	return crud.User{ID: crud.UserID(id), Handle: f[0], Name: f[1], Bio: f[2], CreatedAt: at}, nil
}

// updateBodyScript sets the body of an existing tweet (KEYS[1]; ARGV[1]).
var updateBodyScript = rueidis.NewLuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'b', ARGV[1])
return 1`)

// UpdateTweetBody runs updateBodyScript.
func (s *crudStore) UpdateTweetBody(ctx context.Context, id crud.TweetID, body []byte) error {
	res := updateBodyScript.Exec(ctx, s.c.client, []string{s.tweetKey(id)}, []string{string(body)})
	return s.answer(res, "update tweet", fmt.Sprintf("tweet %d", id))
}

// deleteTweetScript deletes a tweet, its likes and its timeline entry
// (KEYS: tweet, its likes; ARGV: timeline key prefix, encoded tweet id).
var deleteTweetScript = rueidis.NewLuaScript(`
local t = redis.call('HMGET', KEYS[1], 'u', 't')
if not t[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', ARGV[1] .. t[1], t[2] .. ARGV[2])
return 1`)

// DeleteTweet runs deleteTweetScript.
func (s *crudStore) DeleteTweet(ctx context.Context, id crud.TweetID) error {
	res := deleteTweetScript.Exec(ctx, s.c.client, []string{s.tweetKey(id), s.likesKey(id)}, []string{s.p + "timeline:", enc(int64(id))})
	return s.answer(res, "delete tweet", fmt.Sprintf("tweet %d", id))
}

// CountLikes is HLEN of the tweet's likes: 0 when there are none.
func (s *crudStore) CountLikes(ctx context.Context, tweet crud.TweetID) (int64, error) {
	n, err := s.c.client.Do(ctx, s.c.client.B().Hlen().Key(s.likesKey(tweet)).Build()).AsInt64()
	if err != nil {
		return 0, s.c.wrap("count likes", err)
	}
	return n, nil
}
