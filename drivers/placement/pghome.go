//go:build !storefit_embedded

package placement

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/twitter"
)

// pgHome is fan-out on read in the source's PostgreSQL database, where the
// tweets and the follows graph both live: one statement per home page.
//
//	SELECT t.id, f.dst, t.created_at FROM tw_follows f
//	CROSS JOIN LATERAL (SELECT id, created_at FROM tw_tweets
//	    WHERE user_id = f.dst ORDER BY created_at DESC, id DESC LIMIT $2) t
//	WHERE f.src = $1 ORDER BY t.created_at DESC, t.id DESC LIMIT $2
//
// The follows primary key (src, dst) yields the followees, and for each the
// LATERAL subquery reads at most $2 entries of the timeline index
// tweets(user_id, created_at DESC, id DESC), which holds every column it
// needs (an index-only scan once the table is vacuumed): a page costs
// followees × limit index entries, whatever the followees have posted.
// docs/twitter.md compares it with the plain join (EXPLAIN ANALYZE). The
// hybrid's celebrities-only read adds "AND f.dst = ANY($3)", the inbox
// build "AND f.dst <> ALL($3)"; followers use the reverse index
// follows(dst, src) the graph store builds.
type pgHome struct {
	pool                               *pgxpool.Pool
	qAll, qOnly, qExcept, qRecent      string
	qFollowers, qCelebrities, qReaders string
}

var _ twitter.HomeSource = (*pgHome)(nil)

func newPGHome(ctx context.Context, cfg *pgxpool.Config, tweets, follows string) (*pgHome, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("home: connect: %w", err)
	}
	t, f := pgIdent(tweets), pgIdent(follows)
	home := func(filter string) string {
		return "SELECT t.id, f.dst, t.created_at FROM " + f + " f CROSS JOIN LATERAL (SELECT id, created_at FROM " + t +
			" WHERE user_id = f.dst ORDER BY created_at DESC, id DESC LIMIT $2) t WHERE f.src = $1" + filter +
			" ORDER BY t.created_at DESC, t.id DESC LIMIT $2"
	}
	return &pgHome{pool: pool,
		qAll: home(""), qOnly: home(" AND f.dst = ANY($3)"), qExcept: home(" AND f.dst <> ALL($3)"),
		qRecent:      "SELECT id, user_id, created_at FROM " + t + " WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
		qFollowers:   "SELECT src FROM " + f + " WHERE dst = $1",
		qCelebrities: "SELECT dst FROM " + f + " GROUP BY dst HAVING count(*) > $1 ORDER BY dst",
		qReaders:     "SELECT DISTINCT src FROM " + f + " ORDER BY src",
	}, nil
}

func (h *pgHome) posts(ctx context.Context, what string, dst []twitter.Post, q string, args ...any) ([]twitter.Post, error) {
	dst = dst[:0]
	rows, err := h.pool.Query(ctx, q, args...)
	if err != nil {
		return dst, fmt.Errorf("postgres: %s: %w", what, err)
	}
	defer rows.Close()
	var p twitter.Post
	var id, author int64
	for rows.Next() {
		if err := rows.Scan(&id, &author, &p.At); err != nil {
			return dst, fmt.Errorf("postgres: %s: %w", what, err)
		}
		p.ID, p.Author = crud.TweetID(id), crud.UserID(author)
		dst = append(dst, p)
	}
	if err := rows.Err(); err != nil {
		return dst, fmt.Errorf("postgres: %s: %w", what, err)
	}
	return dst, nil
}

func ids(us []crud.UserID) []int64 {
	out := make([]int64, len(us))
	for i, u := range us {
		out[i] = int64(u)
	}
	return out
}

// Home reads a home page (see pgHome).
func (h *pgHome) Home(ctx context.Context, user crud.UserID, f twitter.HomeFilter, set []crud.UserID, limit int, dst []twitter.Post) ([]twitter.Post, error) {
	switch {
	case f == twitter.HomeOnly:
		return h.posts(ctx, "home", dst, h.qOnly, int64(user), limit, ids(set))
	case f == twitter.HomeExcept && len(set) > 0:
		return h.posts(ctx, "home", dst, h.qExcept, int64(user), limit, ids(set))
	}
	return h.posts(ctx, "home", dst, h.qAll, int64(user), limit)
}

// Recent reads an author's newest tweets from the timeline index.
func (h *pgHome) Recent(ctx context.Context, author crud.UserID, limit int, dst []twitter.Post) ([]twitter.Post, error) {
	return h.posts(ctx, "recent tweets", dst, h.qRecent, int64(author), limit)
}

func (h *pgHome) users(ctx context.Context, what string, dst []crud.UserID, q string, args ...any) ([]crud.UserID, error) {
	rows, _ := h.pool.Query(ctx, q, args...)
	got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return dst, fmt.Errorf("postgres: %s: %w", what, err)
	}
	dst = dst[:0]
	for _, u := range got {
		dst = append(dst, crud.UserID(u))
	}
	return dst, nil
}

// Followers reads the reverse follows index.
func (h *pgHome) Followers(ctx context.Context, author crud.UserID, dst []crud.UserID) ([]crud.UserID, error) {
	return h.users(ctx, "followers", dst, h.qFollowers, int64(author))
}

// Celebrities counts followers over the reverse index.
func (h *pgHome) Celebrities(ctx context.Context, threshold int64) ([]crud.UserID, error) {
	return h.users(ctx, "celebrities", nil, h.qCelebrities, threshold)
}

// Readers lists the users who follow someone.
func (h *pgHome) Readers(ctx context.Context) ([]crud.UserID, error) {
	return h.users(ctx, "readers", nil, h.qReaders)
}

func (h *pgHome) close() { h.pool.Close() }

// pgHomeSource returns fan-out on read in SQL when the source and the
// follows graph are one PostgreSQL database, else nil (the application
// then composes the stores' calls).
func (c *Conn) pgHomeSource(tweets, follows string) (twitter.HomeSource, error) {
	src := c.cfg.Route["source"]
	p, ok := c.conns[src].(pgSource)
	if !ok || c.cfg.Route["follows"] != src {
		return nil, nil
	}
	h, err := newPGHome(context.Background(), p.PoolConfig(), tweets, follows)
	if err != nil {
		return nil, err
	}
	c.addCloser(h.close)
	return h, nil
}
