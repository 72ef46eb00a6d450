package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/rueidis"

	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
)

var _ syncer.SinkProvider = (*Conn)(nil)

// syncSink is Redis as a derived view, the way a timeline cache keeps it:
//
//	<tweets>:t:<id>     hash u (author), b (body), c (created_at, Unix µs), l (like_count)
//	<tweets>:tl:<user>  sorted set of the author's tweet ids, scored by created_at (µs)
//	<likes>:l:<tweet>   hash user → created_at (µs)
//	<follows>:f:<src>   set of dst
//
// A batch is one pipeline of each row's last change (idempotent: HSET,
// ZADD, SADD and their removals); it is visible once every reply is in.
// Reconciliation reads the hashes and checks each tweet against its
// author's timeline (a tweet missing from it, or at another score, reads
// as a different row).
type syncSink struct {
	client rueidis.Client
	name   string
	keeps  syncer.EntitySet
	t      syncer.Tables
}

// SyncSink returns Redis as a view keeping spec's entities under the key
// prefixes spec.Tables names.
func (c *Conn) SyncSink(spec syncer.SinkSpec) (syncer.Sink, error) {
	for _, e := range []syncer.Entity{syncer.EntityTweet, syncer.EntityLike, syncer.EntityFollow} {
		if spec.Keeps.Has(e) && spec.Tables.Of(e) == "" {
			return nil, fmt.Errorf("redis: view %s: no key prefix for %ss", spec.Name, e)
		}
	}
	return &syncSink{client: c.client, name: spec.Name, keeps: spec.Keeps, t: spec.Tables}, nil
}

// Name returns the view's name.
func (s *syncSink) Name() string { return s.name }

// Keeps returns the entities it keeps.
func (s *syncSink) Keeps() syncer.EntitySet { return s.keeps }

// Store returns "redis".
func (s *syncSink) Store() string { return "redis" }

func (s *syncSink) tweetKey(id crud.TweetID) string {
	return s.t.Tweets + ":t:" + strconv.FormatInt(int64(id), 10)
}
func (s *syncSink) timelineKey(u crud.UserID) string {
	return s.t.Tweets + ":tl:" + strconv.FormatInt(int64(u), 10)
}
func (s *syncSink) likesKey(id crud.TweetID) string {
	return s.t.Likes + ":l:" + strconv.FormatInt(int64(id), 10)
}
func (s *syncSink) followsKey(u graph.UserID) string {
	return s.t.Follows + ":f:" + strconv.FormatInt(int64(u), 10)
}

// prefixes returns the key patterns of the kept entities.
func (s *syncSink) patterns() []string {
	var out []string
	if s.keeps.Has(syncer.EntityTweet) {
		out = append(out, s.t.Tweets+":t:*", s.t.Tweets+":tl:*")
	}
	if s.keeps.Has(syncer.EntityLike) {
		out = append(out, s.t.Likes+":l:*")
	}
	if s.keeps.Has(syncer.EntityFollow) {
		out = append(out, s.t.Follows+":f:*")
	}
	return out
}

// keys calls fn with the keys matching pattern, a SCAN page at a time.
func (s *syncSink) keys(ctx context.Context, pattern string, fn func(keys []string) error) error {
	var cursor uint64
	for {
		e, err := s.client.Do(ctx, s.client.B().Scan().Cursor(cursor).Match(pattern).Count(1000).Build()).AsScanEntry()
		if err != nil {
			return fmt.Errorf("redis: view %s: scan: %w", s.name, err)
		}
		if len(e.Elements) > 0 {
			if err := fn(e.Elements); err != nil {
				return err
			}
		}
		if e.Cursor == 0 {
			return nil
		}
		cursor = e.Cursor
	}
}

// Reset deletes the view's keys.
func (s *syncSink) Reset(ctx context.Context) error {
	for _, p := range s.patterns() {
		err := s.keys(ctx, p, func(keys []string) error {
			return s.client.Do(ctx, s.client.B().Unlink().Key(keys...).Build()).Error()
		})
		if err != nil {
			return fmt.Errorf("redis: view %s: reset: %w", s.name, err)
		}
	}
	return nil
}

func micros(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }

// Apply sends the batch's commands as one pipeline.
func (s *syncSink) Apply(ctx context.Context, batch []syncer.Change) error {
	b := s.client.B()
	cmds := make(rueidis.Commands, 0, 2*len(batch))
	for _, c := range syncer.LastPerKey(batch) {
		if !s.keeps.Has(c.Entity) {
			continue
		}
		switch c.Entity {
		case syncer.EntityTweet:
			t := &c.Tweet
			id := strconv.FormatInt(int64(t.ID), 10)
			if c.Op == syncer.Delete {
				cmds = append(cmds, b.Unlink().Key(s.tweetKey(t.ID)).Build(), b.Zrem().Key(s.timelineKey(t.UserID)).Member(id).Build())
				continue
			}
			cmds = append(cmds,
				b.Hset().Key(s.tweetKey(t.ID)).FieldValue().FieldValue("u", strconv.FormatInt(int64(t.UserID), 10)).
					FieldValue("b", t.Body).FieldValue("c", micros(t.CreatedAt)).FieldValue("l", strconv.FormatInt(t.LikeCount, 10)).Build(),
				b.Zadd().Key(s.timelineKey(t.UserID)).ScoreMember().ScoreMember(float64(t.CreatedAt.UnixMicro()), id).Build())
		case syncer.EntityLike:
			l := &c.Like
			u := strconv.FormatInt(int64(l.UserID), 10)
			if c.Op == syncer.Delete {
				cmds = append(cmds, b.Hdel().Key(s.likesKey(l.TweetID)).Field(u).Build())
				continue
			}
			cmds = append(cmds, b.Hset().Key(s.likesKey(l.TweetID)).FieldValue().FieldValue(u, micros(l.CreatedAt)).Build())
		case syncer.EntityFollow:
			d := strconv.FormatInt(int64(c.Edge.Dst), 10)
			if c.Op == syncer.Delete {
				cmds = append(cmds, b.Srem().Key(s.followsKey(c.Edge.Src)).Member(d).Build())
				continue
			}
			cmds = append(cmds, b.Sadd().Key(s.followsKey(c.Edge.Src)).Member(d).Build())
		}
	}
	if len(cmds) == 0 {
		return nil
	}
	for _, r := range s.client.DoMulti(ctx, cmds...) {
		if err := r.Error(); err != nil {
			return fmt.Errorf("redis: view %s: %w", s.name, err)
		}
	}
	return nil
}

// Scan reads every row the view holds.
func (s *syncSink) Scan(ctx context.Context, fn func(c *syncer.Change) error) error {
	if s.keeps.Has(syncer.EntityTweet) {
		if err := s.scanTweets(ctx, fn); err != nil {
			return err
		}
	}
	if s.keeps.Has(syncer.EntityLike) {
		err := s.keys(ctx, s.t.Likes+":l:*", func(keys []string) error {
			return s.each(ctx, keys, func(k string) rueidis.Completed { return s.client.B().Hgetall().Key(k).Build() }, func(k string, r rueidis.RedisResult) error {
				m, err := r.AsStrMap()
				if err != nil {
					return err
				}
				tw, err := strconv.ParseInt(strings.TrimPrefix(k, s.t.Likes+":l:"), 10, 64)
				if err != nil {
					return fmt.Errorf("key %s: %w", k, err)
				}
				for u, at := range m {
					l := crud.Like{TweetID: crud.TweetID(tw)}
					n, err1 := strconv.ParseInt(u, 10, 64)
					us, err2 := strconv.ParseInt(at, 10, 64)
					if err1 != nil || err2 != nil {
						return fmt.Errorf("key %s: bad like %s=%s", k, u, at)
					}
					l.UserID, l.CreatedAt = crud.UserID(n), time.UnixMicro(us)
					c := syncer.LikeUpsert(l)
					if err := fn(&c); err != nil {
						return err
					}
				}
				return nil
			})
		})
		if err != nil {
			return err
		}
	}
	if s.keeps.Has(syncer.EntityFollow) {
		return s.keys(ctx, s.t.Follows+":f:*", func(keys []string) error {
			return s.each(ctx, keys, func(k string) rueidis.Completed { return s.client.B().Smembers().Key(k).Build() }, func(k string, r rueidis.RedisResult) error {
				ms, err := r.AsStrSlice()
				if err != nil {
					return err
				}
				src, err := strconv.ParseInt(strings.TrimPrefix(k, s.t.Follows+":f:"), 10, 64)
				if err != nil {
					return fmt.Errorf("key %s: %w", k, err)
				}
				for _, m := range ms {
					dst, err := strconv.ParseInt(m, 10, 64)
					if err != nil {
						return fmt.Errorf("key %s: member %q", k, m)
					}
					c := syncer.FollowUpsert(graph.Edge{Src: graph.UserID(src), Dst: graph.UserID(dst)})
					if err := fn(&c); err != nil {
						return err
					}
				}
				return nil
			})
		})
	}
	return nil
}

// scanTweets reads the timelines, then every tweet hash, checking each
// against its author's timeline.
func (s *syncSink) scanTweets(ctx context.Context, fn func(c *syncer.Change) error) error {
	type entry struct {
		user crud.UserID
		at   int64
	}
	timeline := map[crud.TweetID]entry{}
	err := s.keys(ctx, s.t.Tweets+":tl:*", func(keys []string) error {
		return s.each(ctx, keys, func(k string) rueidis.Completed {
			return s.client.B().Zrange().Key(k).Min("0").Max("-1").Withscores().Build()
		}, func(k string, r rueidis.RedisResult) error {
			zs, err := r.AsZScores()
			if err != nil {
				return err
			}
			u, err := strconv.ParseInt(strings.TrimPrefix(k, s.t.Tweets+":tl:"), 10, 64)
			if err != nil {
				return fmt.Errorf("key %s: %w", k, err)
			}
			for _, z := range zs {
				id, err := strconv.ParseInt(z.Member, 10, 64)
				if err != nil {
					return fmt.Errorf("key %s: member %q", k, z.Member)
				}
				timeline[crud.TweetID(id)] = entry{crud.UserID(u), int64(z.Score)}
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	err = s.keys(ctx, s.t.Tweets+":t:*", func(keys []string) error {
		return s.each(ctx, keys, func(k string) rueidis.Completed { return s.client.B().Hgetall().Key(k).Build() }, func(k string, r rueidis.RedisResult) error {
			m, err := r.AsStrMap()
			if err != nil {
				return err
			}
			id, err := strconv.ParseInt(strings.TrimPrefix(k, s.t.Tweets+":t:"), 10, 64)
			if err != nil {
				return fmt.Errorf("key %s: %w", k, err)
			}
			t := crud.Tweet{ID: crud.TweetID(id), Body: m["b"]}
			u, _ := strconv.ParseInt(m["u"], 10, 64)
			at, _ := strconv.ParseInt(m["c"], 10, 64)
			t.LikeCount, _ = strconv.ParseInt(m["l"], 10, 64)
			t.UserID, t.CreatedAt = crud.UserID(u), time.UnixMicro(at)
			if e, ok := timeline[t.ID]; !ok || e.user != t.UserID || e.at != at {
				t.CreatedAt = time.Time{} // not in its author's timeline as it should be: a different row
			}
			delete(timeline, t.ID)
			c := syncer.TweetUpsert(t)
			return fn(&c)
		})
	})
	if err != nil {
		return err
	}
	// Timeline entries without their tweet: rows the view holds, wrongly.
	for id, e := range timeline {
		c := syncer.TweetUpsert(crud.Tweet{ID: id, UserID: e.user})
		if err := fn(&c); err != nil {
			return err
		}
	}
	return nil
}

// each runs one command per key as a pipeline and hands each reply to fn.
func (s *syncSink) each(ctx context.Context, keys []string, cmd func(k string) rueidis.Completed, fn func(k string, r rueidis.RedisResult) error) error {
	cmds := make(rueidis.Commands, len(keys))
	for i, k := range keys {
		cmds[i] = cmd(k)
	}
	for i, r := range s.client.DoMulti(ctx, cmds...) {
		if err := r.Error(); err != nil {
			return fmt.Errorf("redis: view %s: %s: %w", s.name, keys[i], err)
		}
		if err := fn(keys[i], r); err != nil {
			return fmt.Errorf("redis: view %s: %w", s.name, err)
		}
	}
	return nil
}
