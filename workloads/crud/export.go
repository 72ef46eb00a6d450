package crud

import (
	"context"

	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

var (
	_ workloads.Exporter = (*Workload)(nil)
	_ workloads.QuerySet = (*Workload)(nil)
)

// Tables returns the users, tweets and likes tables.
func (w *Workload) Tables() []workloads.Table {
	s := w.Schema()
	return []workloads.Table{
		{Name: s.Users(), Columns: []string{"id", "handle", "name", "bio", "created_at"}},
		{Name: s.Tweets(), Columns: []string{"id", "user_id", "body", "created_at", "like_count"}},
		{Name: s.Likes(), Columns: []string{"user_id", "tweet_id", "created_at"}},
	}
}

// Export emits the rows of share part of parts in the order Load writes
// them: the part's users, then its tweets, then the likes of its tweets.
func (w *Workload) Export(ctx context.Context, part, parts int, emit func(table string, row []any) error) error {
	s := w.Schema()
	rows := w.gen.Rows()
	row := make([]any, 5)
	var u gen.TwitterUser
	lo, hi := partRange(w.cfg.Users, part, parts)
	for id := lo; id < hi; id++ {
		if id%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rows.User(&u, id)
		row = append(row[:0], u.ID, string(u.Handle), string(u.Name), string(u.Bio), unix(u.CreatedAt))
		if err := emit(s.Users(), row); err != nil {
			return err
		}
	}
	var t gen.TwitterTweet
	lo, hi = partRange(w.cfg.Tweets, part, parts)
	for id := lo; id < hi; id++ {
		if id%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rows.Tweet(&t, id)
		row = append(row[:0], t.ID, t.UserID, string(t.Body), unix(t.CreatedAt), t.LikeCount)
		if err := emit(s.Tweets(), row); err != nil {
			return err
		}
	}
	var likes []gen.TwitterLike
	for id := lo; id < hi; id++ {
		if id%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		_, at := rows.TweetMeta(id)
		likes = rows.AppendLikes(likes[:0], id, at)
		for _, l := range likes {
			row = append(row[:0], l.UserID, l.TweetID, unix(l.CreatedAt))
			if err := emit(s.Likes(), row); err != nil {
				return err
			}
		}
	}
	return nil
}

// Queries lists the validation queries with their expected answers: the
// same set Validate asks.
func (w *Workload) Queries(ctx context.Context) ([]workloads.Query, error) {
	e, err := w.expect(ctx, w.all())
	if err != nil {
		return nil, err
	}
	var qs []workloads.Query
	for _, t := range e.tweets {
		qs = append(qs, workloads.Query{Name: "tweet_by_id", Params: map[string]any{"id": t.ID}, Answer: t, Compare: "exact"})
	}
	for _, l := range e.likeCounts {
		qs = append(qs, workloads.Query{Name: "count_likes", Params: map[string]any{"tweet_id": l.Tweet}, Answer: l.Count, Compare: "exact"})
	}
	for _, t := range e.timelines {
		qs = append(qs, workloads.Query{Name: "timeline", Params: map[string]any{"user_id": t.User, "limit": w.cfg.TimelineLimit},
			Answer: t.IDs, Compare: "ordered"})
	}
	for _, u := range e.users {
		qs = append(qs, workloads.Query{Name: "user_by_handle", Params: map[string]any{"handle": u.Handle}, Answer: u, Compare: "exact"})
	}
	m := e.missing
	qs = append(qs,
		workloads.Query{Name: "tweet_by_id", Params: map[string]any{"id": m.Tweet}, Answer: nil, Compare: "exact"},
		workloads.Query{Name: "user_by_handle", Params: map[string]any{"handle": m.Handle}, Answer: nil, Compare: "exact"},
		workloads.Query{Name: "timeline", Params: map[string]any{"user_id": m.User, "limit": w.cfg.TimelineLimit}, Answer: []TweetID{}, Compare: "ordered"},
		workloads.Query{Name: "count_likes", Params: map[string]any{"tweet_id": m.Tweet}, Answer: int64(0), Compare: "exact"},
	)
	return qs, nil
}
