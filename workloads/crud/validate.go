package crud

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// expected holds the validation queries and their answers, computed from
// the generator alone.
type expected struct {
	tweets     []Tweet         // read by id: the whole row (like_count included)
	likeCounts []likeCount     // counted likes of tweets
	timelines  []timelineWant  // ordered ids
	users      []User          // read by handle
	missing    missingExpected // queries that find nothing
}

type likeCount struct {
	Tweet TweetID `json:"tweet_id"`
	Count int64   `json:"count"`
}

type timelineWant struct {
	User UserID    `json:"user_id"`
	IDs  []TweetID `json:"ids"`
}

type missingExpected struct {
	Tweet  TweetID // not a tweet id: TweetByID and CountLikes find nothing
	User   UserID  // not a user id: empty timeline
	Handle string  // not a handle
}

// timelineEntry is a tweet of a timeline being collected.
type timelineEntry struct {
	at int64
	id TweetID
}

// newer orders timeline entries newest first: created_at descending, ties
// by id descending.
func newer(a, b timelineEntry) int {
	if c := cmp.Compare(b.at, a.at); c != 0 {
		return c
	}
	return cmp.Compare(b.id, a.id)
}

// hasTie reports whether two entries of a timeline have the same
// created_at.
func hasTie(b []timelineEntry) bool {
	for i := 1; i < len(b); i++ {
		if b[i].at == b[i-1].at {
			return true
		}
	}
	return false
}

// quietCandidates is the number of least prolific authors (the last
// popularity ranks) among which validation looks for users with no tweets
// or fewer than a page.
const quietCandidates = 2048

// share is the ids of users [userLo, userHi) and tweets [tweetLo,
// tweetHi) a validation set is drawn from: all of them, or those of a
// share of the load parts (each part loads a range of users and a range of
// tweets with their likes).
type share struct {
	userLo, userHi   int64
	tweetLo, tweetHi int64
	partial          bool // a share of the parts, not all of them
}

// all returns the share of every user and tweet.
func (w *Workload) all() share {
	return share{userLo: 1, userHi: w.cfg.Users + 1, tweetLo: 1, tweetHi: w.cfg.Tweets + 1}
}

// expect computes the validation set of sh in two streaming passes over the
// loaded tweets' authors and times, in memory that does not grow with the
// data (no tweet table, no count per user) for the whole data set: the
// first counts the tweets of the least prolific authors and finds the most
// liked tweets, which choose the sample; the second keeps the
// TimelineLimit newest tweets of each sampled user.
//
// Of a partial share, the sample holds only what the share alone
// determines, whatever the other shares hold: its tweets (rows and like
// counts: a part loads the likes of its tweets), its users by handle, and
// the timelines of users whose every tweet is in the share — which takes a
// count per user and whether one of the user's tweets lies outside.
func (w *Workload) expect(ctx context.Context, sh share) (*expected, error) {
	cfg := w.cfg
	rows := w.gen.Rows()
	limit := cfg.TimelineLimit
	inShare := func(id int64) bool { return sh.tweetLo <= id && id < sh.tweetHi }

	// Pass 1.
	perUser := map[int64]int32{} // the quiet candidates' tweets
	for r := cfg.Users - 1; r >= max(0, cfg.Users-quietCandidates); r-- {
		perUser[w.gen.UserOfRank(r)] = 0
	}
	var all []int32    // of a partial share: every user's tweets
	var outside []bool // of a partial share: a tweet of the user is not in it
	if sh.partial {
		all, outside = make([]int32, cfg.Users+1), make([]bool, cfg.Users+1)
	}
	isOutside := func(u int64) bool { return sh.partial && outside[u] }
	var mostLiked []likeCount // the 5 most liked, most first, ties by id
	var unliked []TweetID
	for id := int64(1); id <= cfg.Tweets; id++ {
		if id%(1<<20) == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		a, _ := rows.TweetMeta(id)
		if c, ok := perUser[a]; ok {
			perUser[a] = c + 1
		}
		if sh.partial {
			all[a]++
		}
		if !inShare(id) {
			outside[a] = true // inShare holds for every tweet of a whole share
			continue
		}
		n := rows.LikeSet(id).Count
		if n == 0 && len(unliked) < 3 {
			unliked = append(unliked, TweetID(id))
		}
		if len(mostLiked) < 5 || n > mostLiked[len(mostLiked)-1].Count {
			mostLiked = append(mostLiked, likeCount{TweetID(id), n})
			slices.SortStableFunc(mostLiked, func(x, y likeCount) int { return cmp.Compare(y.Count, x.Count) })
			mostLiked = mostLiked[:min(len(mostLiked), 5)]
		}
	}

	e := &expected{missing: missingExpected{
		Tweet:  TweetID(cfg.Tweets + 1<<41),
		User:   UserID(cfg.Users + 1<<41),
		Handle: "no_such_user_0",
	}}

	// Tweets: both ends, an even spread, the most liked and some unliked.
	var tweetIDs []TweetID
	add := func(id TweetID) {
		if inShare(int64(id)) && !slices.Contains(tweetIDs, id) {
			tweetIDs = append(tweetIDs, id)
		}
	}
	tweets := sh.tweetHi - sh.tweetLo
	add(TweetID(sh.tweetLo))
	add(TweetID(sh.tweetHi - 1))
	for i := int64(1); i < 48; i++ {
		add(TweetID(sh.tweetLo + i*tweets/48))
	}
	for _, l := range mostLiked {
		add(l.Tweet)
	}
	for _, id := range unliked {
		add(id)
	}
	var gt gen.TwitterTweet
	for _, id := range tweetIDs {
		rows.Tweet(&gt, int64(id))
		e.tweets = append(e.tweets, tweetRow(&gt))
		e.likeCounts = append(e.likeCounts, likeCount{id, gt.LikeCount})
	}

	// Timelines: the three most prolific authors (long timelines), an even
	// spread of users, users with no tweets or fewer than a page, and (after
	// pass 2) up to five prolific authors whose page has created_at ties.
	var sample []UserID
	addUser := func(u UserID) {
		if u >= 1 && u <= UserID(cfg.Users) && !isOutside(int64(u)) && !slices.Contains(sample, u) {
			sample = append(sample, u)
		}
	}
	if sh.partial {
		// Users whose every tweet is in the share, an even spread of
		// those with tweets.
		var whole []UserID
		for u := int64(1); u <= cfg.Users; u++ {
			if all[u] > 0 && !isOutside(u) {
				whole = append(whole, UserID(u))
			}
		}
		for i := range min(len(whole), 30) {
			addUser(whole[i*len(whole)/min(len(whole), 30)])
		}
	} else {
		for r := range min(cfg.Users, 3) {
			addUser(UserID(w.gen.UserOfRank(r)))
		}
		for i := range int64(30) {
			addUser(UserID(1 + i*cfg.Users/30))
		}
	}
	quiet := slices.Sorted(maps.Keys(perUser))
	none, few := 0, 0
	for _, u := range quiet {
		if none == 3 && few == 5 {
			break
		}
		switch c := perUser[u]; {
		case c == 0 && none < 3:
			none++
			addUser(UserID(u))
		case c > 0 && int(c) < limit && few < 5 && !isOutside(int64(u)):
			few++
			addUser(UserID(u))
		}
	}

	// Pass 2, also over the 100 most prolific authors, of whom those with
	// created_at ties in their timeline page join the sample (of a
	// partial share, those whose tweets are all in it).
	tracked := slices.Clone(sample)
	for r := range min(cfg.Users, 100) {
		if u := UserID(w.gen.UserOfRank(r)); !isOutside(int64(u)) && !slices.Contains(tracked, u) {
			tracked = append(tracked, u)
		}
	}
	slot := make(map[UserID]int, len(tracked))
	best := make([][]timelineEntry, len(tracked))
	for i, u := range tracked {
		slot[u] = i
	}
	for id := int64(1); id <= cfg.Tweets; id++ {
		if id%(1<<20) == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		a, at := rows.TweetMeta(id)
		i, ok := slot[UserID(a)]
		if !ok {
			continue
		}
		t := timelineEntry{at, TweetID(id)}
		b := best[i]
		if len(b) == limit && newer(t, b[limit-1]) > 0 {
			continue
		}
		pos, _ := slices.BinarySearchFunc(b, t, newer)
		b = slices.Insert(b, pos, t)
		best[i] = b[:min(len(b), limit)]
	}
	withTies := 0
	for i, u := range tracked {
		b := best[i]
		if i >= len(sample) {
			if !hasTie(b) || withTies == 5 {
				continue
			}
			withTies++
		}
		ids := make([]TweetID, len(b))
		for j, t := range b {
			ids[j] = t.id
		}
		e.timelines = append(e.timelines, timelineWant{u, ids})
	}

	// Users by handle: the spread and the most prolific author; of a
	// partial share, an even spread of its users.
	handles := sample[:min(len(sample), 33)]
	if sh.partial {
		handles = nil
		n := sh.userHi - sh.userLo
		for i := range min(n, 33) {
			handles = append(handles, UserID(sh.userLo+i*n/min(n, 33)))
		}
	}
	var gu gen.TwitterUser
	for _, u := range handles {
		rows.User(&gu, int64(u))
		e.users = append(e.users, userRow(&gu))
	}
	return e, nil
}

// Validate reads a sample of tweets by id (whole rows), counts the likes of
// those tweets (which must equal their like_count), reads the timelines of
// a sample of users (ordered ids), reads a sample of users by handle, and
// asks for a tweet, a handle and a timeline that do not exist. Expected
// answers come from the generator (see expect), not from another store.
func (w *Workload) Validate(ctx context.Context, c drivers.Conn) (workloads.Validation, error) {
	return w.validate(ctx, c, w.all())
}

// ValidateShare checks what load parts [first, first+count) of parts alone
// determine, as Validate checks all of them: the share's tweets by id and
// their likes, its users by handle, the timelines of users whose every
// tweet is in the share, and the queries that find nothing. The other
// timelines cross shares and are left out; a run phase after a load phase
// checks them.
func (w *Workload) ValidateShare(ctx context.Context, c drivers.Conn, first, count, parts int) (workloads.Validation, error) {
	if first < 0 || count < 1 || first+count > parts {
		return workloads.Validation{}, fmt.Errorf("crud: share of parts %d…%d of %d", first, first+count-1, parts)
	}
	sh := share{partial: true}
	sh.userLo, _ = partRange(w.cfg.Users, first, parts)
	_, sh.userHi = partRange(w.cfg.Users, first+count-1, parts)
	sh.tweetLo, _ = partRange(w.cfg.Tweets, first, parts)
	_, sh.tweetHi = partRange(w.cfg.Tweets, first+count-1, parts)
	return w.validate(ctx, c, sh)
}

// validate checks the validation set of sh.
func (w *Workload) validate(ctx context.Context, c drivers.Conn, sh share) (workloads.Validation, error) {
	var v workloads.Validation
	s, err := w.store(c)
	if err != nil {
		return v, err
	}
	e, err := w.expect(ctx, sh)
	if err != nil {
		return v, err
	}
	for _, want := range e.tweets {
		got, err := s.TweetByID(ctx, want.ID)
		if err != nil {
			if err := failure(ctx, &v, err, "tweet %d", want.ID); err != nil {
				return v, err
			}
			continue
		}
		v.Check(got.Equal(want), "tweet %d: got %+v, want %+v", want.ID, got, want)
	}
	for _, want := range e.likeCounts {
		got, err := s.CountLikes(ctx, want.Tweet)
		if err != nil {
			return v, fmt.Errorf("count likes of tweet %d: %w", want.Tweet, err)
		}
		v.Check(got == want.Count, "likes of tweet %d: counted %d, want %d (its like_count)", want.Tweet, got, want.Count)
	}
	var ids []TweetID
	for _, want := range e.timelines {
		ids, err = s.Timeline(ctx, want.User, w.cfg.TimelineLimit, ids)
		if err != nil {
			return v, fmt.Errorf("timeline of user %d: %w", want.User, err)
		}
		v.Check(slices.Equal(ids, want.IDs), "timeline of user %d: got %v, want %v", want.User, ids, want.IDs)
	}
	for _, want := range e.users {
		got, err := s.UserByHandle(ctx, []byte(want.Handle))
		if err != nil {
			if err := failure(ctx, &v, err, "user %s", want.Handle); err != nil {
				return v, err
			}
			continue
		}
		v.Check(got.Equal(want), "user %s: got %+v, want %+v", want.Handle, got, want)
	}

	m := e.missing
	_, err = s.TweetByID(ctx, m.Tweet)
	if err := notFound(ctx, &v, err, "tweet %d", m.Tweet); err != nil {
		return v, err
	}
	_, err = s.UserByHandle(ctx, []byte(m.Handle))
	if err := notFound(ctx, &v, err, "user %s", m.Handle); err != nil {
		return v, err
	}
	ids, err = s.Timeline(ctx, m.User, w.cfg.TimelineLimit, ids)
	if err != nil {
		return v, fmt.Errorf("timeline of unknown user %d: %w", m.User, err)
	}
	v.Check(len(ids) == 0, "timeline of unknown user %d: got %v, want none", m.User, ids)
	n, err := s.CountLikes(ctx, m.Tweet)
	if err != nil {
		return v, fmt.Errorf("count likes of unknown tweet %d: %w", m.Tweet, err)
	}
	v.Check(n == 0, "likes of unknown tweet %d: counted %d, want 0", m.Tweet, n)
	return v, nil
}

// failure turns a read error into a failed check (not found: it returns
// nil) or an error to return (anything else).
func failure(ctx context.Context, v *workloads.Validation, err error, format string, args ...any) error {
	switch {
	case errors.Is(err, drivers.ErrNotFound):
		v.Failf(format+": not found", args...)
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// notFound checks that a read of something missing gave
// drivers.ErrNotFound.
func notFound(ctx context.Context, v *workloads.Validation, err error, format string, args ...any) error {
	switch {
	case errors.Is(err, drivers.ErrNotFound):
		v.Pass()
		return nil
	case err == nil:
		v.Failf(format+": found, want not found", args...)
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
