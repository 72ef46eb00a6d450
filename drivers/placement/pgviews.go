//go:build !storefit_embedded

package placement

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/agg"
	"github.com/storefit/storefit/workloads/search"
	"github.com/storefit/storefit/workloads/twitter"
)

// The dashboard and search of a PostgreSQL-only placement built the way a
// PostgreSQL engineer would (postgres: {dashboard: rollup, search: tweets}):
// derived data maintained inside the source's own write transactions, so
// there is nothing to sync and nothing is ever stale. docs/twitter.md
// justifies each choice with EXPLAIN (ANALYZE) figures.

// rollupStore is the dashboard as rollup tables the database maintains in
// each write's own transaction (row triggers on the source's tweets and
// likes):
//
//	tw_roll_day        (day, tweet_id) → likes given that UTC day;
//	                   index (day, likes DESC, tweet_id): a day's top 10 is
//	                   the first 10 entries of one index range, index-only
//	tw_roll_day_totals day → tweets posted, likes given
//
// A window of whole UTC days (the dashboard's, 24 h from midnight) is
// answered from the rollups alone: one row per day for the counts, ten
// index entries for a one-day top 10 (a several-day top sums the days'
// rows). Any other window is answered from the base tables through the
// indexes this store adds, tweets(created_at) and likes(created_at,
// tweet_id) (covering: an index-only scan of the window). When fewer than
// k tweets got likes in the window, the top is filled with tweets posted
// in it (0 likes) by id, as the activity rows of the other placements give.
//
// Each like updates its tweet's day row and the day's totals row in its
// own transaction: the totals row of today is a hot row every post and
// like updates, held until the (single-statement) write commits.
type rollupStore struct {
	pool                   *pgxpool.Pool
	tweets, likes          string // quoted
	tweetsName, likesName  string
	roll, totals           string // quoted
	qDayTop, qDaysTop      string
	qDayTotals             string
	qBaseTweets, qBaseLike string
	qBaseTop, qFill        string
}

// The rollup tables and trigger functions.
const (
	rollName       = "tw_roll_day"
	rollTotalsName = "tw_roll_day_totals"
	rollTweetFn    = "tw_roll_tweet"
	rollLikeFn     = "tw_roll_like"
)

var (
	_ agg.Store                = (*rollupStore)(nil)
	_ twitter.SourceMaintained = (*rollupStore)(nil)
	_ twitter.SourceMaintained = (*tweetSearch)(nil)
)

// SourceMaintained marks the rollups as maintained by the source's own
// transactions: no sync view.
func (r *rollupStore) SourceMaintained() {}

// SourceMaintained marks the tsvector column as maintained by the tweet's
// own INSERT: no sync view.
func (s *tweetSearch) SourceMaintained() {}

func newRollupStore(ctx context.Context, cfg *pgxpool.Config, tweets, likes string) (*rollupStore, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("rollups: connect: %w", err)
	}
	r := &rollupStore{pool: pool, tweets: pgIdent(tweets), likes: pgIdent(likes), tweetsName: tweets, likesName: likes, roll: pgIdent(rollName), totals: pgIdent(rollTotalsName)}
	r.qDayTop = "SELECT tweet_id, likes FROM " + r.roll + " WHERE day = $1 ORDER BY likes DESC, tweet_id LIMIT $2"
	r.qDaysTop = "SELECT tweet_id, sum(likes)::bigint AS n FROM " + r.roll + " WHERE day >= $1 AND day < $2 GROUP BY tweet_id ORDER BY n DESC, tweet_id LIMIT $3"
	r.qDayTotals = "SELECT coalesce(sum(tweets), 0)::bigint, coalesce(sum(likes), 0)::bigint FROM " + r.totals + " WHERE day >= $1 AND day < $2"
	r.qBaseTweets = "SELECT count(*) FROM " + r.tweets + " WHERE created_at >= $1 AND created_at < $2"
	r.qBaseLike = "SELECT count(*) FROM " + r.likes + " WHERE created_at >= $1 AND created_at < $2"
	r.qBaseTop = "SELECT tweet_id, count(*) AS n FROM " + r.likes + " WHERE created_at >= $1 AND created_at < $2 GROUP BY tweet_id ORDER BY n DESC, tweet_id LIMIT $3"
	r.qFill = "SELECT id, 0::bigint FROM " + r.tweets + " WHERE created_at >= $1 AND created_at < $2 AND id <> ALL($3) ORDER BY id LIMIT $4"
	return r, nil
}

func (r *rollupStore) exec(ctx context.Context, stmts ...string) error {
	for _, st := range stmts {
		if _, err := r.pool.Exec(ctx, st); err != nil {
			return fmt.Errorf("rollups: %s: %w", firstWords(st), err)
		}
	}
	return nil
}

// Setup creates the rollup tables empty (the source's tables exist and are
// empty: the App sets the source up first; dropping them dropped their
// triggers).
func (r *rollupStore) Setup(ctx context.Context) error {
	return r.exec(ctx, "DROP TABLE IF EXISTS "+r.roll+", "+r.totals,
		"CREATE TABLE "+r.roll+" (day date NOT NULL, tweet_id bigint NOT NULL, likes bigint NOT NULL, PRIMARY KEY (day, tweet_id))",
		"CREATE TABLE "+r.totals+" (day date PRIMARY KEY, tweets bigint NOT NULL, likes bigint NOT NULL)")
}

// Load does nothing: the rollups are computed from the source's tables.
func (r *rollupStore) Load(ctx context.Context, rows []agg.Sale) error { return nil }

// FinishLoad computes the rollups of the loaded data in bulk, builds the
// indexes, and installs the triggers that keep them from then on. It may
// run again before any write (the sync engine finishes its source's load
// too): it recomputes the rollups from scratch.
func (r *rollupStore) FinishLoad(ctx context.Context) error {
	day := "(created_at AT TIME ZONE 'UTC')::date"
	plpgsql := func(name, body string) string {
		return "CREATE OR REPLACE FUNCTION " + pgIdent(name) + "() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN " + body + " RETURN NULL; END $fn$"
	}
	newDay := "(NEW.created_at AT TIME ZONE 'UTC')::date"
	return r.exec(ctx,
		"DROP TRIGGER IF EXISTS "+pgIdent(rollTweetFn)+" ON "+r.tweets, "DROP TRIGGER IF EXISTS "+pgIdent(rollLikeFn)+" ON "+r.likes,
		"TRUNCATE "+r.roll+", "+r.totals,
		"INSERT INTO "+r.roll+" SELECT "+day+", tweet_id, count(*) FROM "+r.likes+" GROUP BY 1, 2",
		"INSERT INTO "+r.totals+" SELECT day, sum(t), sum(l) FROM (SELECT "+day+" AS day, count(*) AS t, 0 AS l FROM "+r.tweets+
			" GROUP BY 1 UNION ALL SELECT "+day+", 0, count(*) FROM "+r.likes+" GROUP BY 1) a GROUP BY day",
		"CREATE INDEX IF NOT EXISTS "+pgIdent(rollName+"_top")+" ON "+r.roll+" (day, likes DESC, tweet_id)",
		"CREATE INDEX IF NOT EXISTS "+pgIdent(r.tweetsName+"_created_at")+" ON "+r.tweets+" (created_at)",
		"CREATE INDEX IF NOT EXISTS "+pgIdent(r.likesName+"_created_at")+" ON "+r.likes+" (created_at, tweet_id)",
		plpgsql(rollTweetFn, "INSERT INTO "+r.totals+" VALUES ("+newDay+", 1, 0) ON CONFLICT (day) DO UPDATE SET tweets = "+r.totals+".tweets + 1;"),
		plpgsql(rollLikeFn, "INSERT INTO "+r.roll+" VALUES ("+newDay+", NEW.tweet_id, 1) ON CONFLICT (day, tweet_id) DO UPDATE SET likes = "+r.roll+".likes + 1;"+
			" INSERT INTO "+r.totals+" VALUES ("+newDay+", 0, 1) ON CONFLICT (day) DO UPDATE SET likes = "+r.totals+".likes + 1;"),
		"CREATE TRIGGER "+pgIdent(rollTweetFn)+" AFTER INSERT ON "+r.tweets+" FOR EACH ROW EXECUTE FUNCTION "+pgIdent(rollTweetFn)+"()",
		"CREATE TRIGGER "+pgIdent(rollLikeFn)+" AFTER INSERT ON "+r.likes+" FOR EACH ROW EXECUTE FUNCTION "+pgIdent(rollLikeFn)+"()",
		"VACUUM (ANALYZE) "+r.roll, "VACUUM (ANALYZE) "+r.totals, "VACUUM (ANALYZE) "+r.likes, "ANALYZE "+r.tweets)
}

// days returns the window's UTC days when it is whole days from midnight.
func days(from, to time.Time) (lo, hi time.Time, ok bool) {
	from, to = from.UTC(), to.UTC()
	if !from.Equal(from.Truncate(24*time.Hour)) || !to.Equal(to.Truncate(24*time.Hour)) {
		return from, to, false
	}
	return from, to, true
}

// CategoryQuantity returns the tweets (category 0) or likes (1) of
// [from, to).
func (r *rollupStore) CategoryQuantity(ctx context.Context, category int, from, to time.Time) (int64, error) {
	if !to.After(from) || category < 0 || category > 1 {
		return 0, nil
	}
	var n [2]int64
	if lo, hi, ok := days(from, to); ok {
		if err := r.pool.QueryRow(ctx, r.qDayTotals, lo, hi).Scan(&n[0], &n[1]); err != nil {
			return 0, fmt.Errorf("rollups: totals: %w", err)
		}
		return n[category], nil
	}
	q := r.qBaseTweets
	if category == 1 {
		q = r.qBaseLike
	}
	if err := r.pool.QueryRow(ctx, q, ceilMicro(from), ceilMicro(to)).Scan(&n[0]); err != nil {
		return 0, fmt.Errorf("rollups: count: %w", err)
	}
	return n[0], nil
}

// TopProducts returns the k most liked tweets of [from, to).
func (r *rollupStore) TopProducts(ctx context.Context, from, to time.Time, k int) ([]agg.ProductRevenue, error) {
	if k < 1 || !to.After(from) {
		return nil, nil
	}
	var rows pgx.Rows
	lo, hi, ok := days(from, to)
	switch {
	case ok && hi.Sub(lo) == 24*time.Hour:
		rows, _ = r.pool.Query(ctx, r.qDayTop, lo, k)
	case ok:
		rows, _ = r.pool.Query(ctx, r.qDaysTop, lo, hi, k)
	default:
		rows, _ = r.pool.Query(ctx, r.qBaseTop, ceilMicro(from), ceilMicro(to), k)
	}
	out, err := pgx.CollectRows(rows, scanRevenue)
	if err != nil {
		return nil, fmt.Errorf("rollups: top: %w", err)
	}
	if len(out) == k {
		return out, nil
	}
	ids := make([]int64, len(out))
	for i, p := range out {
		ids[i] = p.ProductID
	}
	rows, _ = r.pool.Query(ctx, r.qFill, ceilMicro(from), ceilMicro(to), ids, k-len(out))
	fill, err := pgx.CollectRows(rows, scanRevenue)
	if err != nil {
		return nil, fmt.Errorf("rollups: top (tweets without likes): %w", err)
	}
	return append(out, fill...), nil
}

func scanRevenue(r pgx.CollectableRow) (agg.ProductRevenue, error) {
	var v agg.ProductRevenue
	err := r.Scan(&v.ProductID, &v.RevenueCents)
	return v, err
}

// AvgPriceByRegion is not part of the dashboard.
func (r *rollupStore) AvgPriceByRegion(ctx context.Context) ([]agg.RegionAvg, error) {
	return nil, drivers.ErrUnsupported
}

// RevenueByCategoryMonth is not part of the dashboard.
func (r *rollupStore) RevenueByCategoryMonth(ctx context.Context) ([]agg.CategoryMonthRevenue, error) {
	return nil, drivers.ErrUnsupported
}

func (r *rollupStore) close() { r.pool.Close() }

// tweetSearch is tweet search on the source's own tweets table: a
// generated column tsv = to_tsvector('simple', body) (STORED), computed by
// the tweet's INSERT itself, and a GIN index on it built after the bulk
// load; a tweet is searchable the moment its transaction commits, with no
// second table and no second write. The 'simple' configuration lowercases
// and splits on non-alphanumerics without stemming or stop words: the
// search contract's analyzer. Queries are tsquery values of the terms
// (each a quoted lexeme); ranking is ts_rank_cd (cover density: terms near
// each other rank higher; the default) or ts_rank, neither of which is
// BM25 (the relevance figure of the validation says how far they are).
type tweetSearch struct {
	pool            *pgxpool.Pool
	tweets          string // unquoted
	qCount, qSearch string
}

func newTweetSearch(ctx context.Context, cfg *pgxpool.Config, tweets, rank string) (*tweetSearch, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("tweet search: connect: %w", err)
	}
	t := pgIdent(tweets)
	return &tweetSearch{pool: pool, tweets: tweets,
		qCount: "SELECT count(*) FROM " + t + " WHERE tsv @@ CAST($1 AS tsquery)",
		qSearch: "SELECT id, " + rank + "(tsv, q)::float8 AS score FROM " + t + ", CAST($1 AS tsquery) AS q WHERE tsv @@ q" +
			" ORDER BY score DESC, id LIMIT $2",
	}, nil
}

// Setup adds the generated column to the (new, empty) tweets table.
func (s *tweetSearch) Setup(ctx context.Context) error {
	st := "ALTER TABLE " + pgIdent(s.tweets) + " ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, body)) STORED"
	if _, err := s.pool.Exec(ctx, st); err != nil {
		return fmt.Errorf("tweet search: %s: %w", firstWords(st), err)
	}
	return nil
}

// LoadDocs does nothing: a tweet's row carries its tsvector.
func (s *tweetSearch) LoadDocs(ctx context.Context, docs []search.Doc) error { return nil }

// FinishLoad builds the GIN index.
func (s *tweetSearch) FinishLoad(ctx context.Context) error {
	for _, st := range []string{
		"CREATE INDEX IF NOT EXISTS " + pgIdent(s.tweets+"_tsv") + " ON " + pgIdent(s.tweets) + " USING gin (tsv)",
		"ANALYZE " + pgIdent(s.tweets),
	} {
		if _, err := s.pool.Exec(ctx, st); err != nil {
			return fmt.Errorf("tweet search: %s: %w", firstWords(st), err)
		}
	}
	return nil
}

// tsquery returns q as a tsquery literal: each term a quoted lexeme
// (quotes and backslashes escaped), joined by & (And, Term) or | (Or).
func tsquery(q search.Query) (string, error) {
	op := " & "
	switch q.Kind {
	case search.Term, search.And:
	case search.Or:
		op = " | "
	default:
		return "", fmt.Errorf("tweet search: %v queries: %w", q.Kind, drivers.ErrUnsupported)
	}
	var b strings.Builder
	for i, t := range q.Terms {
		if i > 0 {
			b.WriteString(op)
		}
		b.WriteByte('\'')
		for _, c := range []byte(t) {
			if c == '\'' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
		b.WriteByte('\'')
	}
	return b.String(), nil
}

// Count counts the matching tweets (GIN bitmap scan).
func (s *tweetSearch) Count(ctx context.Context, q search.Query) (int64, error) {
	tq, err := tsquery(q)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.pool.QueryRow(ctx, s.qCount, tq).Scan(&n); err != nil {
		return 0, fmt.Errorf("tweet search: count: %w", err)
	}
	return n, nil
}

// Search returns the topK matching tweets by the configured rank.
func (s *tweetSearch) Search(ctx context.Context, q search.Query, topK int, dst search.Hits) (search.Hits, error) {
	dst = dst[:0]
	tq, err := tsquery(q)
	if err != nil {
		return dst, err
	}
	rows, err := s.pool.Query(ctx, s.qSearch, tq, topK)
	if err != nil {
		return dst, fmt.Errorf("tweet search: %w", err)
	}
	defer rows.Close()
	var h search.Hit
	for rows.Next() {
		if err := rows.Scan(&h.ID, &h.Score); err != nil {
			return dst, fmt.Errorf("tweet search: %w", err)
		}
		dst = append(dst, h)
	}
	if err := rows.Err(); err != nil {
		return dst, fmt.Errorf("tweet search: %w", err)
	}
	return dst, nil
}

func (s *tweetSearch) close() { s.pool.Close() }

// pgDashboard returns the rollup dashboard over the source's tables.
func (c *Conn) pgDashboard(tweets, likes string) (agg.Store, error) {
	p, err := c.sourcePool()
	if err != nil {
		return nil, err
	}
	r, err := newRollupStore(context.Background(), p, tweets, likes)
	if err != nil {
		return nil, err
	}
	c.addCloser(r.close)
	return r, nil
}

// pgSearch returns search on the source's tweets table.
func (c *Conn) pgSearch(tweets string) (search.Store, error) {
	p, err := c.sourcePool()
	if err != nil {
		return nil, err
	}
	s, err := newTweetSearch(context.Background(), p, tweets, c.cfg.Postgres.Rank)
	if err != nil {
		return nil, err
	}
	c.addCloser(s.close)
	return s, nil
}

// sourcePool returns the pool configuration of a PostgreSQL source.
func (c *Conn) sourcePool() (*pgxpool.Config, error) {
	src := c.cfg.Route["source"]
	p, ok := c.conns[src].(pgSource)
	if !ok {
		return nil, fmt.Errorf("needs a postgres source, not %s: %w", c.cfg.Stores[src].Driver, drivers.ErrUnsupported)
	}
	return p.PoolConfig(), nil
}
