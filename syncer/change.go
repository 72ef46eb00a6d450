package syncer

import (
	"fmt"
	"strconv"
	"time"

	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
)

// Entity is the kind of row a Change is about: the social data model both
// scenarios share (the crud pattern's tweets and likes, the graph
// pattern's follows).
type Entity uint8

// The entities.
const (
	// EntityTweet is a row of the tweets table: id, user_id, body,
	// created_at, like_count.
	EntityTweet Entity = iota + 1
	// EntityLike is a row of the likes table: user_id, tweet_id,
	// created_at; (user_id, tweet_id) is its key.
	EntityLike
	// EntityFollow is a row of the follows table: src, dst, its key.
	EntityFollow
)

var entityNames = [...]string{EntityTweet: "tweet", EntityLike: "like", EntityFollow: "follow"}

// String returns "tweet", "like" or "follow".
func (e Entity) String() string {
	if int(e) < len(entityNames) && entityNames[e] != "" {
		return entityNames[e]
	}
	return fmt.Sprintf("entity(%d)", uint8(e))
}

// EntitySet is a set of entities (bit e for Entity e).
type EntitySet uint8

// AllEntities holds tweets, likes and follows.
const AllEntities = EntitySet(1<<EntityTweet | 1<<EntityLike | 1<<EntityFollow)

// Entities returns the set of the entities given.
func Entities(es ...Entity) EntitySet {
	var s EntitySet
	for _, e := range es {
		s |= 1 << e
	}
	return s
}

// Has reports whether s holds e.
func (s EntitySet) Has(e Entity) bool { return s&(1<<e) != 0 }

// String lists the set: "tweet+like".
func (s EntitySet) String() string {
	out := ""
	for _, e := range []Entity{EntityTweet, EntityLike, EntityFollow} {
		if s.Has(e) {
			if out != "" {
				out += "+"
			}
			out += e.String()
		}
	}
	if out == "" {
		return "none"
	}
	return out
}

// Op is what a Change does to its row.
type Op uint8

// The change operations. An insert and an update are both an upsert of
// the row's full image, so applying a change twice, or a suffix of a
// stream again, leaves a store as applying it once does.
const (
	Upsert Op = iota + 1
	Delete
)

// String returns "upsert" or "delete".
func (o Op) String() string {
	switch o {
	case Upsert:
		return "upsert"
	case Delete:
		return "delete"
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// Change is one row change at the source, as every strategy delivers it:
// the row's full image after an upsert, the row as it was (at least its key,
// and a tweet's author) for a delete.
type Change struct {
	Entity Entity
	Op     Op
	// Tweet is the row of EntityTweet.
	Tweet crud.Tweet
	// Like is the row of EntityLike.
	Like crud.Like
	// Edge is the row of EntityFollow.
	Edge graph.Edge
	// Commit is the source's commit time as the transport read it (the
	// WAL's or Kafka's timestamp); zero when unknown. Lag is measured from
	// the writer's clock instead (see Ledger), so this is informative.
	Commit time.Time
	// Pos is the change's position in its transport (WAL LSN, outbox id,
	// Kafka offset); 0 when there is none.
	Pos uint64
}

// TweetUpsert returns the upsert of a tweet's image.
func TweetUpsert(t crud.Tweet) Change {
	t.CreatedAt = normTime(t.CreatedAt)
	return Change{Entity: EntityTweet, Op: Upsert, Tweet: t}
}

// TweetDelete returns the delete of a tweet (t holds at least ID and
// UserID).
func TweetDelete(t crud.Tweet) Change {
	t.CreatedAt = normTime(t.CreatedAt)
	return Change{Entity: EntityTweet, Op: Delete, Tweet: t}
}

// LikeUpsert returns the upsert of a like.
func LikeUpsert(l crud.Like) Change {
	l.CreatedAt = normTime(l.CreatedAt)
	return Change{Entity: EntityLike, Op: Upsert, Like: l}
}

// LikeDelete returns the delete of a like (its key is enough).
func LikeDelete(l crud.Like) Change {
	l.CreatedAt = normTime(l.CreatedAt)
	return Change{Entity: EntityLike, Op: Delete, Like: l}
}

// FollowUpsert returns the insert of a follows edge.
func FollowUpsert(e graph.Edge) Change { return Change{Entity: EntityFollow, Op: Upsert, Edge: e} }

// FollowDelete returns the delete of a follows edge.
func FollowDelete(e graph.Edge) Change { return Change{Entity: EntityFollow, Op: Delete, Edge: e} }

// normTime is t in UTC at the microsecond, the resolution of every store
// here (PostgreSQL's timestamptz the coarsest), so images compare equal
// whichever store or transport they went through.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

// Key identifies a row across the source and every store: its entity and
// one or two numbers (a tweet's id; a like's user and tweet; an edge's src
// and dst).
type Key struct {
	Entity Entity
	A, B   int64
}

// Key returns the key of c's row.
func (c *Change) Key() Key {
	switch c.Entity {
	case EntityTweet:
		return Key{EntityTweet, int64(c.Tweet.ID), 0}
	case EntityLike:
		return Key{EntityLike, int64(c.Like.UserID), int64(c.Like.TweetID)}
	case EntityFollow:
		return Key{EntityFollow, int64(c.Edge.Src), int64(c.Edge.Dst)}
	}
	return Key{Entity: c.Entity}
}

// String returns "tweet/5", "like/7/5" (user, tweet) or "follow/1/2".
func (k Key) String() string {
	if k.Entity == EntityTweet {
		return "tweet/" + strconv.FormatInt(k.A, 10)
	}
	return k.Entity.String() + "/" + strconv.FormatInt(k.A, 10) + "/" + strconv.FormatInt(k.B, 10)
}

// Digest returns a canonical text of c's image: equal digests mean the same
// change (same op, row and, for upserts, every column; times compared at
// the microsecond). A delete's digest is its key's: the old image a
// transport carries for it varies (a key only, or the whole row).
func (c *Change) Digest() string {
	b := make([]byte, 0, 64+len(c.Tweet.Body))
	return string(c.AppendDigest(b))
}

// AppendDigest appends c's Digest to dst.
func (c *Change) AppendDigest(dst []byte) []byte {
	if c.Op == Delete {
		dst = append(dst, 'd', '|')
	} else {
		dst = append(dst, 'u', '|')
	}
	dst = append(dst, c.Key().String()...)
	if c.Op == Delete {
		return dst
	}
	switch c.Entity {
	case EntityTweet:
		dst = append(dst, '|')
		dst = strconv.AppendInt(dst, int64(c.Tweet.UserID), 10)
		dst = append(dst, '|')
		dst = strconv.AppendInt(dst, normTime(c.Tweet.CreatedAt).UnixMicro(), 10)
		dst = append(dst, '|')
		dst = strconv.AppendInt(dst, c.Tweet.LikeCount, 10)
		dst = append(dst, '|')
		dst = append(dst, c.Tweet.Body...)
	case EntityLike:
		dst = append(dst, '|')
		dst = strconv.AppendInt(dst, normTime(c.Like.CreatedAt).UnixMicro(), 10)
	}
	return dst
}

// String describes the change: "upsert tweet/5".
func (c *Change) String() string { return c.Op.String() + " " + c.Key().String() }

// Keep returns the changes of batch whose entity s holds, reusing dst.
func Keep(dst, batch []Change, s EntitySet) []Change {
	for i := range batch {
		if s.Has(batch[i].Entity) {
			dst = append(dst, batch[i])
		}
	}
	return dst
}

// LastPerKey reduces a batch to the last change of each row, in the order
// of each row's first change: applying that is what applying the batch in
// order does to a store that keeps full row images.
func LastPerKey(batch []Change) []*Change {
	idx := make(map[Key]int, len(batch))
	out := make([]*Change, 0, len(batch))
	for i := range batch {
		k := batch[i].Key()
		if j, ok := idx[k]; ok {
			out[j] = &batch[i]
			continue
		}
		idx[k] = len(out)
		out = append(out, &batch[i])
	}
	return out
}
