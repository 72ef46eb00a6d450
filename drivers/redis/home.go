package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/rueidis"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/twitter"
)

var _ twitter.InboxProvider = (*Conn)(nil)

// inboxes are the twitter application's home-timeline inboxes (fan-out on
// write): a sorted set per user, key "home:<name>:<user>", scored by the
// tweet's time in microseconds (exact in a double until year 2255), the
// member the tweet id zero-padded to 20 digits, so ZREVRANGE orders equal
// times by id descending as the application does. A push is a pipelined
// ZADD per inbox (all its posts at once, so a post pushed twice is kept
// once) and a ZREMRANGEBYRANK that trims it to the newest capacity posts;
// a read is one ZREVRANGE … WITHSCORES. Twitter's timeline service keeps
// the same shape (a capped list of ids per user in Redis, ~800 long).
type inboxes struct {
	c        *Conn
	prefix   string
	capacity int
}

// Inboxes returns the home-timeline inboxes called name
// (twitter.InboxProvider).
func (c *Conn) Inboxes(name string, capacity int) (twitter.Inboxes, error) {
	if err := checkName("inboxes", name, false); err != nil {
		return nil, err
	}
	if capacity < 1 {
		return nil, fmt.Errorf("redis: inboxes %s: capacity must be at least 1, not %d", name, capacity)
	}
	return &inboxes{c: c, prefix: "home:" + name + ":", capacity: capacity}, nil
}

func (b *inboxes) key(u crud.UserID) string { return b.prefix + strconv.FormatInt(int64(u), 10) }

// Setup removes every inbox.
func (b *inboxes) Setup(ctx context.Context) error { return b.c.deleteKeys(ctx, b.prefix+"*") }

// Push adds the posts to their inboxes and trims each inbox it touched.
func (b *inboxes) Push(ctx context.Context, pushes []twitter.InboxPush) error {
	if len(pushes) == 0 {
		return nil
	}
	by := map[crud.UserID][]twitter.Post{}
	var order []crud.UserID
	for _, p := range pushes {
		if _, ok := by[p.User]; !ok {
			order = append(order, p.User)
		}
		by[p.User] = append(by[p.User], p.Post)
	}
	cmds := make(rueidis.Commands, 0, 2*len(order))
	var member [20]byte
	for _, u := range order {
		k := b.key(u)
		z := b.c.client.B().Zadd().Key(k).ScoreMember()
		for _, p := range by[u] {
			z = z.ScoreMember(float64(p.At.UnixMicro()), string(padID(member[:0], p.ID)))
		}
		cmds = append(cmds, z.Build(), b.c.client.B().Zremrangebyrank().Key(k).Start(0).Stop(int64(-b.capacity-1)).Build())
	}
	for _, res := range b.c.client.DoMulti(ctx, cmds...) {
		if err := res.Error(); err != nil {
			return b.c.wrap("push to inboxes", err)
		}
	}
	return nil
}

// padID appends id zero-padded to 20 digits.
func padID(dst []byte, id crud.TweetID) []byte {
	var d [20]byte
	s := strconv.AppendInt(d[:0], int64(id), 10)
	for range 20 - len(s) {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// Read returns the limit newest posts of user's inbox.
func (b *inboxes) Read(ctx context.Context, user crud.UserID, limit int, dst []twitter.Post) ([]twitter.Post, error) {
	dst = dst[:0]
	if limit < 1 {
		return dst, nil
	}
	zs, err := b.c.client.Do(ctx, b.c.client.B().Zrevrange().Key(b.key(user)).Start(0).Stop(int64(limit-1)).Withscores().Build()).AsZScores()
	if err != nil {
		return dst, b.c.wrap("read inbox", err)
	}
	for _, z := range zs {
		id, err := strconv.ParseInt(z.Member, 10, 64)
		if err != nil {
			return dst, fmt.Errorf("redis: inbox of %d: bad member %q", user, z.Member)
		}
		dst = append(dst, twitter.Post{ID: crud.TweetID(id), At: time.UnixMicro(int64(z.Score)).UTC()})
	}
	return dst, nil
}
