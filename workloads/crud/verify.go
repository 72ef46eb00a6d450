package crud

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// Ledger keys are a tweet id and an aspect of the tweet.
const (
	aspectBits   = 2
	aspectBody   = 0 // state: the body's version (0: as created or loaded)
	aspectExists = 1 // state: present, deleted or createRejected
	aspectLikes  = 2 // a counter: likes added
)

// States of an aspectExists key.
const (
	present        = 1
	deleted        = 2
	createRejected = 3
)

func ledgerKey(t TweetID, aspect uint64) uint64 { return uint64(t)<<aspectBits | aspect }

// tweetMeta is the author and time of a tweet a worker created.
type tweetMeta struct {
	user UserID
	at   int64 // Unix seconds
}

// maxVerifiedTimelines bounds the timelines Verify reads.
const maxVerifiedTimelines = 100

// ledgerAspects is the number of aspects of a tweet a ledger keeps.
const ledgerAspects = 3

// newLedger returns the ledger of one of n workers: the loaded tweets'
// aspects in its dense arrays (none when the mix neither likes nor updates
// tweets), the tweets created in the run in maps.
func (w *Workload) newLedger(n int) *workloads.Ledger {
	return workloads.NewLedger(workloads.LedgerSpace{Shift: aspectBits, Subs: ledgerAspects, First: 1, Records: w.ledgerTweets()}, n)
}

// ledgerTweets returns the tweets of the ledgers' dense arrays: the loaded
// ones if the mix likes or updates them.
func (w *Workload) ledgerTweets() int64 {
	if w.props[opLike] == 0 && w.props[opUpdateTweet] == 0 {
		return 0
	}
	return w.cfg.Tweets
}

// LedgerBytes returns the memory of the ledgers of workers workers
// (workloads.LedgerSizer).
func (w *Workload) LedgerBytes(workers int) int64 {
	_, b := workloads.LedgerPlan(w.ledgerTweets(), ledgerAspects, workers)
	return b
}

var (
	_ workloads.Verifier    = (*Workload)(nil)
	_ workloads.LedgerSizer = (*Workload)(nil)
)

// Verify reads back, after the run, every tweet the workers wrote — created,
// deleted, updated or liked. A tweet must exist when it is loaded or an
// acknowledged create made it and no delete was acknowledged since, and
// must be gone (with its likes) after an acknowledged delete or when the
// store rejected its create; its body must be one an allowed write left
// (workloads.Ledger); a created tweet must have the author and time it was
// created with; its likes, counted, must equal its like_count and lie
// between the loaded likes plus the acknowledged likes and that plus the
// likes of unknown outcome ((user, tweet) pairs are unique: each worker
// likes with its own users, so a like counted twice shows). Then it reads
// the timelines of up to 100 authors of created tweets, which must be the
// created tweets read back, newest first, before the author's loaded ones.
// In a sharded run loaded tweets (updated and liked by other shards' workers
// too) are read back only for like_count = likes, and timelines are not
// read.
func (w *Workload) Verify(ctx context.Context, c drivers.Conn, sc workloads.VerifyScope) (workloads.Verification, error) {
	var ver workloads.Verification
	s, err := w.store(c)
	if err != nil {
		return ver, err
	}
	if err := workloads.RefreshStore(ctx, s); err != nil {
		return ver, err
	}
	owners := map[int64]*worker{}
	ws, ledgers, err := workloads.WorkerLedgers("crud", sc.Workers, &ver, func(k *worker) *workloads.Ledger { return k.ledger })
	if err != nil {
		return ver, err
	}
	n := int64(0)
	for _, k := range ws {
		owners[k.id] = k
		n = k.n
	}
	complete := int64(len(sc.Workers)) == n
	if !complete {
		ver.Skip("loaded tweets' bodies and like counts (workers of other shards write them too) and timelines")
	}
	var (
		mu       sync.Mutex
		checkers []*tweetChecker
	)
	v, keys, err := workloads.ReadBack(ctx, ledgers, aspectBits, sc.Readers, nil, func() workloads.Checker {
		ck := &tweetChecker{w: w, s: s, rows: w.gen.Rows(), fresh: sc.Fresh, complete: complete, owners: owners, n: n}
		mu.Lock()
		checkers = append(checkers, ck)
		mu.Unlock()
		return ck.check
	})
	ver.Validation, ver.Keys = v, keys
	if err != nil || !complete || !sc.Fresh {
		return ver, err
	}
	var created []timelineTweet
	for _, ck := range checkers {
		created = append(created, ck.created...)
	}
	tv, err := w.verifyTimelines(ctx, s, created)
	ver.Merge(tv)
	return ver, err
}

// timelineTweet is a created tweet read back present.
type timelineTweet struct {
	user UserID
	timelineEntry
}

// tweetChecker reads back tweets for Verify; it is used by one goroutine.
type tweetChecker struct {
	w               *Workload
	s               Store
	rows            *gen.TwitterRows
	fresh, complete bool
	owners          map[int64]*worker
	n               int64
	body            []byte
	// created collects the created tweets read back present, for the
	// timelines.
	created []timelineTweet
}

// check reads back one tweet.
func (ck *tweetChecker) check(ctx context.Context, r *workloads.Record, v *workloads.Validation) error {
	w := ck.w
	t := TweetID(r.ID)
	var body, exists, likes *workloads.Candidates
	for i := range r.Keys {
		switch r.Keys[i].Key & (1<<aspectBits - 1) {
		case aspectBody:
			body = &r.Keys[i]
		case aspectExists:
			exists = &r.Keys[i]
		case aspectLikes:
			likes = &r.Keys[i]
		}
	}
	loaded := t <= TweetID(w.cfg.Tweets)
	if loaded && !ck.complete {
		body = nil // other shards' workers update it too
	}
	// May the tweet exist, or be gone? A loaded tweet is never deleted, but
	// without freshly loaded data it may never have been there (a shard
	// loads its share), unless an acknowledged update or like found it.
	mayExist, mayBeGone := true, !ck.fresh && (body == nil || body.Prior) && (likes == nil || likes.Added == 0)
	var meta tweetMeta
	if !loaded {
		own := int64(t) - w.cfg.Tweets - 1
		k := ck.owners[own%ck.n]
		if k == nil || own/ck.n >= int64(len(k.meta)) {
			v.Failf("tweet %d: written, but no worker created it", t)
			return nil
		}
		meta = k.meta[own/ck.n]
		mayExist, mayBeGone = allowed(exists, ck.fresh)
		// An acknowledged update or like found it, and no delete since
		// could have removed it.
		if (body != nil && !body.Prior || likes != nil && likes.Added > 0) && (exists == nil || !slices.Contains(exists.States, deleted)) {
			mayBeGone = false
		}
	}
	got, err := ck.s.TweetByID(ctx, t)
	if err != nil && !errors.Is(err, drivers.ErrNotFound) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("read back tweet %d: %w", t, err)
	}
	count, err2 := ck.s.CountLikes(ctx, t)
	if err2 != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("count likes of tweet %d: %w", t, err2)
	}
	if err != nil { // not found
		v.Check(mayBeGone, "tweet %d: not found, but %s", t, whyPresent(loaded))
		v.Check(!ck.fresh || count == 0, "tweet %d: gone, but %d likes of it remain", t, count)
		return nil
	}
	if !v.Check(mayExist, "tweet %d: found, but %s", t, whyGone(exists)) {
		return nil
	}
	// Author and time.
	if loaded {
		a, at := ck.rows.TweetMeta(int64(t))
		meta = tweetMeta{UserID(a), at}
	}
	v.Check(got.ID == t && got.UserID == meta.user && got.CreatedAt.Unix() == meta.at,
		"tweet %d: id %d, author %d, created %d; want author %d, created %d", t, got.ID, got.UserID, got.CreatedAt.Unix(), meta.user, meta.at)
	if !loaded {
		ck.created = append(ck.created, timelineTweet{meta.user, timelineEntry{meta.at, t}})
	}
	// Body.
	if body != nil {
		ok := body.Prior && !ck.fresh && loaded // an earlier run may have left anything
		for _, ver := range body.States {
			ok = ok || got.Body == string(ck.appendBody(t, ver))
		}
		if body.Prior && !ok {
			ok = got.Body == string(ck.appendBody(t, 0))
		}
		v.Check(ok, "tweet %d: body %.24q…, which no allowed write left (versions %v%s)", t, got.Body, body.States, priorNote(body.Prior))
	}
	// Likes: counted as liked, and as many as the likes allow.
	v.Check(got.LikeCount == count, "tweet %d: like_count %d, but %d likes counted", t, got.LikeCount, count)
	if likes != nil && (ck.complete || !loaded) {
		base := int64(0)
		if loaded {
			base = ck.rows.LikeSet(int64(t)).Count
		}
		lo, hi := base+likes.Added, base+likes.Added+likes.Maybe
		if !ck.fresh {
			lo, hi = likes.Added, count // likes of earlier runs stay
		}
		v.Check(count >= lo && count <= hi, "tweet %d: %d likes, want %s (%d loaded, %d acknowledged, %d of unknown outcome)", t, count, span(lo, hi), base, likes.Added, likes.Maybe)
	}
	return nil
}

func (ck *tweetChecker) appendBody(t TweetID, version uint64) []byte {
	ck.body = ck.rows.AppendBody(ck.body[:0], int64(t), version)
	return ck.body
}

// allowed says whether a created tweet may exist and may be gone, from its
// existence candidates.
func allowed(exists *workloads.Candidates, fresh bool) (mayExist, mayBeGone bool) {
	if exists == nil {
		return true, true
	}
	for _, s := range exists.States {
		switch s {
		case present:
			mayExist = true
		case deleted:
			mayBeGone = true
		case createRejected:
			mayBeGone = true
			mayExist = mayExist || !fresh
		}
	}
	if exists.Prior { // before its first write it was not there (fresh)
		mayBeGone = true
		mayExist = mayExist || !fresh
	}
	return mayExist, mayBeGone
}

func whyPresent(loaded bool) string {
	if loaded {
		return "it was loaded and loaded tweets are never deleted"
	}
	return "an acknowledged create made it and no delete of it was acknowledged"
}

func whyGone(exists *workloads.Candidates) string {
	if exists != nil && slices.Contains(exists.States, createRejected) {
		return "the store rejected its create"
	}
	return "its delete was acknowledged"
}

func priorNote(prior bool) string {
	if prior {
		return ", or as created: no update was acknowledged"
	}
	return ""
}

func span(lo, hi int64) string {
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d…%d", lo, hi)
}

// verifyTimelines reads the timelines of up to maxVerifiedTimelines authors
// of tweets created in the run (those with the most, ties by id): the
// created tweets read back present, newest first (ties by id descending),
// then the author's loaded tweets, TimelineLimit in all. The loaded part
// comes from one streaming pass over the loaded tweets' authors and times.
func (w *Workload) verifyTimelines(ctx context.Context, s Store, created []timelineTweet) (workloads.Validation, error) {
	var v workloads.Validation
	if len(created) == 0 {
		return v, nil
	}
	perUser := map[UserID][]timelineEntry{}
	for _, c := range created {
		perUser[c.user] = append(perUser[c.user], c.timelineEntry)
	}
	users := make([]UserID, 0, len(perUser))
	for u := range perUser {
		users = append(users, u)
	}
	slices.SortFunc(users, func(a, b UserID) int {
		if c := cmp.Compare(len(perUser[b]), len(perUser[a])); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	users = users[:min(len(users), maxVerifiedTimelines)]
	limit := w.cfg.TimelineLimit
	want := map[UserID][]timelineEntry{}
	need := map[UserID]bool{}
	for _, u := range users {
		b := perUser[u]
		slices.SortFunc(b, newer)
		want[u] = b[:min(len(b), limit)]
		if len(b) < limit {
			need[u] = true
		}
	}
	if len(need) > 0 {
		// The newest loaded tweets of the authors whose page they fill.
		rows := w.gen.Rows()
		for id := int64(1); id <= w.cfg.Tweets; id++ {
			if id%(1<<20) == 0 && ctx.Err() != nil {
				return v, ctx.Err()
			}
			a, at := rows.TweetMeta(id)
			u := UserID(a)
			if !need[u] {
				continue
			}
			t := timelineEntry{at, TweetID(id)}
			b := want[u]
			if len(b) == limit && newer(t, b[limit-1]) > 0 {
				continue
			}
			pos, _ := slices.BinarySearchFunc(b, t, newer)
			b = slices.Insert(b, pos, t)
			want[u] = b[:min(len(b), limit)]
		}
	}
	var ids []TweetID
	for _, u := range users {
		var err error
		ids, err = s.Timeline(ctx, u, limit, ids)
		if err != nil {
			if ctx.Err() != nil {
				return v, ctx.Err()
			}
			return v, fmt.Errorf("timeline of user %d: %w", u, err)
		}
		exp := make([]TweetID, len(want[u]))
		for i, t := range want[u] {
			exp[i] = t.id
		}
		v.Check(slices.Equal(ids, exp), "timeline of user %d: got %v, want %v", u, ids, exp)
	}
	return v, nil
}
