package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
)

var (
	_ syncer.SourceProvider = (*Conn)(nil)
	_ syncer.SinkProvider   = (*Conn)(nil)
	_ syncer.Source         = (*syncSource)(nil)
	_ syncer.Sink           = (*syncSink)(nil)
)

// PoolConfig returns a copy of the pool configuration, so the capture
// strategies of the sync engine (syncer/sqlsync, syncer/kafkasync) and the
// placements can open their own pools and replication connections to the
// same database.
func (c *Conn) PoolConfig() *pgxpool.Config { return c.cfg.Pool.Copy() }

// syncTables are the sync tables' quoted names.
type syncTables struct {
	names                   syncer.Tables
	tweets, likes, follows  string
	keepT, keepL, keepF     bool
	tweetCols, likeCols     []string
	followCols              []string
	upsertTweet, upsertLike string
}

func newSyncTables(t syncer.Tables, keeps syncer.EntitySet) (*syncTables, error) {
	s := &syncTables{names: t, tweets: ident(t.Tweets), likes: ident(t.Likes), follows: ident(t.Follows),
		keepT: keeps.Has(syncer.EntityTweet), keepL: keeps.Has(syncer.EntityLike), keepF: keeps.Has(syncer.EntityFollow),
		tweetCols: []string{"id", "user_id", "body", "created_at", "like_count"}, likeCols: []string{"user_id", "tweet_id", "created_at"},
		followCols: []string{"src", "dst"}}
	for _, e := range []syncer.Entity{syncer.EntityTweet, syncer.EntityLike, syncer.EntityFollow} {
		if keeps.Has(e) && t.Of(e) == "" {
			return nil, fmt.Errorf("postgres: no table named for %ss", e)
		}
	}
	s.upsertTweet = "INSERT INTO " + s.tweets + " (id, user_id, body, created_at, like_count) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[], $5::bigint[])" +
		" ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, body = EXCLUDED.body, created_at = EXCLUDED.created_at, like_count = EXCLUDED.like_count"
	s.upsertLike = "INSERT INTO " + s.likes + " (user_id, tweet_id, created_at) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[])" +
		" ON CONFLICT (tweet_id, user_id) DO UPDATE SET created_at = EXCLUDED.created_at"
	return s, nil
}

// reset drops and creates the kept tables. Keys are primary keys: the
// writes look rows up by them, upserts conflict on them, and logical
// decoding identifies rows by them.
func (s *syncTables) reset(ctx context.Context, pool *pgxpool.Pool) error {
	var stmts []string
	if s.keepT {
		stmts = append(stmts, "DROP TABLE IF EXISTS "+s.tweets,
			"CREATE TABLE "+s.tweets+" (id bigint PRIMARY KEY, user_id bigint NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL, like_count bigint NOT NULL)")
	}
	if s.keepL {
		stmts = append(stmts, "DROP TABLE IF EXISTS "+s.likes,
			"CREATE TABLE "+s.likes+" (user_id bigint NOT NULL, tweet_id bigint NOT NULL, created_at timestamptz NOT NULL, PRIMARY KEY (tweet_id, user_id))")
	}
	if s.keepF {
		stmts = append(stmts, "DROP TABLE IF EXISTS "+s.follows,
			"CREATE TABLE "+s.follows+" (src bigint NOT NULL, dst bigint NOT NULL, PRIMARY KEY (src, dst))")
	}
	for _, q := range stmts {
		if _, err := pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("postgres: sync tables: %w", err)
		}
	}
	return nil
}

// load copies rows into the kept tables.
func (s *syncTables) load(ctx context.Context, pool *pgxpool.Pool, rows []syncer.Change) error {
	var tw, lk, fl [][]any
	for i := range rows {
		c := &rows[i]
		switch {
		case c.Entity == syncer.EntityTweet && s.keepT:
			tw = append(tw, []any{int64(c.Tweet.ID), int64(c.Tweet.UserID), c.Tweet.Body, c.Tweet.CreatedAt, c.Tweet.LikeCount})
		case c.Entity == syncer.EntityLike && s.keepL:
			lk = append(lk, []any{int64(c.Like.UserID), int64(c.Like.TweetID), c.Like.CreatedAt})
		case c.Entity == syncer.EntityFollow && s.keepF:
			fl = append(fl, []any{int64(c.Edge.Src), int64(c.Edge.Dst)})
		}
	}
	for _, t := range []struct {
		name string
		cols []string
		rows [][]any
	}{{s.names.Tweets, s.tweetCols, tw}, {s.names.Likes, s.likeCols, lk}, {s.names.Follows, s.followCols, fl}} {
		if len(t.rows) == 0 {
			continue
		}
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
			return fmt.Errorf("postgres: load %s: %w", t.name, err)
		}
	}
	return nil
}

// analyze refreshes the kept tables' statistics after a load.
func (s *syncTables) analyze(ctx context.Context, pool *pgxpool.Pool) error {
	for _, t := range []struct {
		keep bool
		name string
	}{{s.keepT, s.tweets}, {s.keepL, s.likes}, {s.keepF, s.follows}} {
		if t.keep {
			if _, err := pool.Exec(ctx, "ANALYZE "+t.name); err != nil {
				return fmt.Errorf("postgres: analyze: %w", err)
			}
		}
	}
	return nil
}

// scan reads every kept row in one repeatable-read snapshot.
func (s *syncTables) scan(ctx context.Context, pool *pgxpool.Pool, fn func(c *syncer.Change) error) error {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: scan: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	each := func(keep bool, q string, row func(r pgx.Rows) (syncer.Change, error)) error {
		if !keep {
			return nil
		}
		rows, err := tx.Query(ctx, q)
		if err != nil {
			return fmt.Errorf("postgres: scan: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := row(rows)
			if err != nil {
				return fmt.Errorf("postgres: scan: %w", err)
			}
			if err := fn(&c); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	if err := each(s.keepT, "SELECT id, user_id, body, created_at, like_count FROM "+s.tweets, func(r pgx.Rows) (syncer.Change, error) {
		var t crud.Tweet
		err := r.Scan(&t.ID, &t.UserID, &t.Body, &t.CreatedAt, &t.LikeCount)
		return syncer.TweetUpsert(t), err
	}); err != nil {
		return err
	}
	if err := each(s.keepL, "SELECT user_id, tweet_id, created_at FROM "+s.likes, func(r pgx.Rows) (syncer.Change, error) {
		var l crud.Like
		err := r.Scan(&l.UserID, &l.TweetID, &l.CreatedAt)
		return syncer.LikeUpsert(l), err
	}); err != nil {
		return err
	}
	return each(s.keepF, "SELECT src, dst FROM "+s.follows, func(r pgx.Rows) (syncer.Change, error) {
		var e graph.Edge
		err := r.Scan(&e.Src, &e.Dst)
		return syncer.FollowUpsert(e), err
	})
}

// syncSource is PostgreSQL as the source of truth of a sync system:
// tweets, likes and follows, each command one transaction.
type syncSource struct {
	pool *pgxpool.Pool
	t    *syncTables
	cfg  *pgxpool.Config
}

// SyncSource returns PostgreSQL as the source of a sync system, over the
// tables spec names (created by Reset). It commits through a pool of its
// own with synchronous_commit on unless the DSN sets it: the source of
// truth keeps what it acknowledged, and logical decoding sees a commit at
// once (with it off, WAL reaches the walsenders only at the WAL writer's
// next round, up to wal_writer_delay later).
func (c *Conn) SyncSource(spec syncer.SourceSpec) (syncer.Source, error) {
	t, err := newSyncTables(spec.Tables, syncer.AllEntities)
	if err != nil {
		return nil, err
	}
	cfg := c.cfg.Pool.Copy()
	if _, ok := cfg.ConnConfig.RuntimeParams["synchronous_commit"]; !ok {
		cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: sync source: %w", c.where, err)
	}
	return &syncSource{pool: pool, t: t, cfg: cfg}, nil
}

// Store returns "postgres".
func (s *syncSource) Store() string { return "postgres" }

// PoolConfig returns a copy of the source's pool configuration (the
// capture strategies connect with it).
func (s *syncSource) PoolConfig() *pgxpool.Config { return s.cfg.Copy() }

// Reset drops and creates the tables.
func (s *syncSource) Reset(ctx context.Context) error { return s.t.reset(ctx, s.pool) }

// Load copies rows in.
func (s *syncSource) Load(ctx context.Context, rows []syncer.Change) error {
	return s.t.load(ctx, s.pool, rows)
}

// FinishLoad analyzes the tables.
func (s *syncSource) FinishLoad(ctx context.Context) error { return s.t.analyze(ctx, s.pool) }

// Scan reads every row in one snapshot.
func (s *syncSource) Scan(ctx context.Context, fn func(c *syncer.Change) error) error {
	return s.t.scan(ctx, s.pool, fn)
}

// Close closes the source's pool.
func (s *syncSource) Close() error { s.pool.Close(); return nil }

// Exec runs cmd in one transaction: the statements, committing with the
// changes they returned, then COMMIT.
func (s *syncSource) Exec(ctx context.Context, cmd *syncer.Command, committing func([]syncer.Change)) ([]syncer.Change, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	changes, err := s.run(ctx, tx, cmd)
	if err != nil || len(changes) == 0 {
		return nil, err
	}
	committing(changes)
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("postgres: commit %v: %w", cmd.Kind, err)
	}
	return changes, nil
}

// run runs cmd's statements; RETURNING gives the rows' images.
func (s *syncSource) run(ctx context.Context, tx pgx.Tx, cmd *syncer.Command) ([]syncer.Change, error) {
	t := s.t
	tweet := func(q string, args ...any) (crud.Tweet, bool, error) {
		var tw crud.Tweet
		err := tx.QueryRow(ctx, q, args...).Scan(&tw.ID, &tw.UserID, &tw.Body, &tw.CreatedAt, &tw.LikeCount)
		if errors.Is(err, pgx.ErrNoRows) {
			return tw, false, nil
		}
		return tw, err == nil, err
	}
	const ret = " RETURNING id, user_id, body, created_at, like_count"
	switch cmd.Kind {
	case syncer.CreateTweet:
		tw, ok, err := tweet("INSERT INTO "+t.tweets+" VALUES ($1, $2, $3, $4, 0) ON CONFLICT DO NOTHING"+ret,
			int64(cmd.Tweet.ID), int64(cmd.Tweet.UserID), cmd.Tweet.Body, cmd.Tweet.CreatedAt)
		if err != nil {
			return nil, fmt.Errorf("postgres: create tweet %d: %w", cmd.Tweet.ID, err)
		}
		if !ok {
			return nil, fmt.Errorf("postgres: create tweet %d: %w", cmd.Tweet.ID, crud.ErrDuplicate)
		}
		return []syncer.Change{syncer.TweetUpsert(tw)}, nil
	case syncer.UpdateTweet:
		tw, ok, err := tweet("UPDATE "+t.tweets+" SET body = $2 WHERE id = $1"+ret, int64(cmd.Tweet.ID), cmd.Tweet.Body)
		if err != nil || !ok {
			return nil, wrapf(err, "postgres: update tweet %d", cmd.Tweet.ID)
		}
		return []syncer.Change{syncer.TweetUpsert(tw)}, nil
	case syncer.DeleteTweet:
		rows, err := tx.Query(ctx, "DELETE FROM "+t.likes+" WHERE tweet_id = $1 RETURNING user_id, tweet_id, created_at", int64(cmd.Tweet.ID))
		if err != nil {
			return nil, fmt.Errorf("postgres: delete likes of tweet %d: %w", cmd.Tweet.ID, err)
		}
		likes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (syncer.Change, error) {
			var l crud.Like
			err := r.Scan(&l.UserID, &l.TweetID, &l.CreatedAt)
			return syncer.LikeDelete(l), err
		})
		if err != nil {
			return nil, fmt.Errorf("postgres: delete likes of tweet %d: %w", cmd.Tweet.ID, err)
		}
		tw, ok, err := tweet("DELETE FROM "+t.tweets+" WHERE id = $1"+ret, int64(cmd.Tweet.ID))
		if err != nil || !ok {
			return nil, wrapf(err, "postgres: delete tweet %d", cmd.Tweet.ID)
		}
		return append(likes, syncer.TweetDelete(tw)), nil
	case syncer.Like:
		var l crud.Like
		err := tx.QueryRow(ctx, "INSERT INTO "+t.likes+" SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM "+t.tweets+" WHERE id = $2)"+
			" ON CONFLICT DO NOTHING RETURNING user_id, tweet_id, created_at", int64(cmd.Like.UserID), int64(cmd.Like.TweetID), cmd.Like.CreatedAt).
			Scan(&l.UserID, &l.TweetID, &l.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("postgres: like tweet %d: %w", cmd.Like.TweetID, err)
		}
		tw, ok, err := tweet("UPDATE "+t.tweets+" SET like_count = like_count + 1 WHERE id = $1"+ret, int64(cmd.Like.TweetID))
		if err != nil || !ok {
			return nil, wrapf(err, "postgres: like tweet %d", cmd.Like.TweetID)
		}
		return []syncer.Change{syncer.LikeUpsert(l), syncer.TweetUpsert(tw)}, nil
	case syncer.Follow, syncer.ToggleFollow:
		tag, err := tx.Exec(ctx, "INSERT INTO "+t.follows+" VALUES ($1, $2) ON CONFLICT DO NOTHING", int64(cmd.Edge.Src), int64(cmd.Edge.Dst))
		if err != nil {
			return nil, fmt.Errorf("postgres: follow %d→%d: %w", cmd.Edge.Src, cmd.Edge.Dst, err)
		}
		if tag.RowsAffected() == 1 {
			return []syncer.Change{syncer.FollowUpsert(cmd.Edge)}, nil
		}
		if cmd.Kind == syncer.Follow {
			return nil, nil
		}
		if _, err := tx.Exec(ctx, "DELETE FROM "+t.follows+" WHERE src = $1 AND dst = $2", int64(cmd.Edge.Src), int64(cmd.Edge.Dst)); err != nil {
			return nil, fmt.Errorf("postgres: unfollow %d→%d: %w", cmd.Edge.Src, cmd.Edge.Dst, err)
		}
		return []syncer.Change{syncer.FollowDelete(cmd.Edge)}, nil
	}
	return nil, fmt.Errorf("postgres: unknown command %v", cmd.Kind)
}

// wrapf wraps a non-nil err; a nil one (a row that did not exist: no
// change) stays nil.
func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// syncSink is PostgreSQL as a derived view (or, under event sourcing, as
// the source's projection): the kept tables, each batch one transaction of
// set-based upserts and deletes by key.
type syncSink struct {
	pool *pgxpool.Pool
	name string
	keep syncer.EntitySet
	t    *syncTables
}

// SyncSink returns PostgreSQL as a view over the tables spec names. It
// uses the connection's pool (its synchronous_commit is the server's): a
// view can be rebuilt from the source of truth, so it need not wait for
// its WAL to be flushed.
func (c *Conn) SyncSink(spec syncer.SinkSpec) (syncer.Sink, error) {
	t, err := newSyncTables(spec.Tables, spec.Keeps)
	if err != nil {
		return nil, err
	}
	if spec.Keeps == 0 {
		return nil, fmt.Errorf("postgres: view %s keeps nothing: %w", spec.Name, drivers.ErrUnsupported)
	}
	return &syncSink{pool: c.shared, name: spec.Name, keep: spec.Keeps, t: t}, nil
}

// Name returns the view's name.
func (s *syncSink) Name() string { return s.name }

// Keeps returns the entities it keeps.
func (s *syncSink) Keeps() syncer.EntitySet { return s.keep }

// Store returns "postgres".
func (s *syncSink) Store() string { return "postgres" }

// Reset drops and creates the tables.
func (s *syncSink) Reset(ctx context.Context) error { return s.t.reset(ctx, s.pool) }

// Load copies rows in.
func (s *syncSink) Load(ctx context.Context, rows []syncer.Change) error {
	return s.t.load(ctx, s.pool, rows)
}

// Scan reads every row in one snapshot.
func (s *syncSink) Scan(ctx context.Context, fn func(c *syncer.Change) error) error {
	return s.t.scan(ctx, s.pool, fn)
}

// Apply applies the batch in one transaction: each row's last change, as
// one upsert (INSERT … SELECT FROM unnest … ON CONFLICT DO UPDATE) and one
// delete per table.
func (s *syncSink) Apply(ctx context.Context, batch []syncer.Change) error {
	var (
		tid, tuser, tlikes, lu, lt, ldu, ldt, fs, fd, fds, fdd, tdel []int64
		tbody                                                        []string
		tat, lat                                                     []time.Time
	)
	for _, c := range syncer.LastPerKey(batch) {
		switch {
		case c.Entity == syncer.EntityTweet && s.t.keepT:
			if c.Op == syncer.Delete {
				tdel = append(tdel, int64(c.Tweet.ID))
				continue
			}
			tid, tuser, tbody, tat, tlikes = append(tid, int64(c.Tweet.ID)), append(tuser, int64(c.Tweet.UserID)),
				append(tbody, c.Tweet.Body), append(tat, c.Tweet.CreatedAt), append(tlikes, c.Tweet.LikeCount)
		case c.Entity == syncer.EntityLike && s.t.keepL:
			if c.Op == syncer.Delete {
				ldu, ldt = append(ldu, int64(c.Like.UserID)), append(ldt, int64(c.Like.TweetID))
				continue
			}
			lu, lt, lat = append(lu, int64(c.Like.UserID)), append(lt, int64(c.Like.TweetID)), append(lat, c.Like.CreatedAt)
		case c.Entity == syncer.EntityFollow && s.t.keepF:
			if c.Op == syncer.Delete {
				fds, fdd = append(fds, int64(c.Edge.Src)), append(fdd, int64(c.Edge.Dst))
				continue
			}
			fs, fd = append(fs, int64(c.Edge.Src)), append(fd, int64(c.Edge.Dst))
		}
	}
	var b pgx.Batch
	t := s.t
	if len(tdel) > 0 {
		b.Queue("DELETE FROM "+t.tweets+" WHERE id = ANY($1)", tdel)
	}
	if len(tid) > 0 {
		b.Queue(t.upsertTweet, tid, tuser, tbody, tat, tlikes)
	}
	if len(ldu) > 0 {
		b.Queue("DELETE FROM "+t.likes+" WHERE (tweet_id, user_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))", ldt, ldu)
	}
	if len(lu) > 0 {
		b.Queue(t.upsertLike, lu, lt, lat)
	}
	if len(fds) > 0 {
		b.Queue("DELETE FROM "+t.follows+" WHERE (src, dst) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))", fds, fdd)
	}
	if len(fs) > 0 {
		b.Queue("INSERT INTO "+t.follows+" (src, dst) SELECT * FROM unnest($1::bigint[], $2::bigint[]) ON CONFLICT DO NOTHING", fs, fd)
	}
	if b.Len() == 0 {
		return nil
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: view %s: %w", s.name, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("postgres: view %s: %w", s.name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: view %s: commit: %w", s.name, err)
	}
	return nil
}
