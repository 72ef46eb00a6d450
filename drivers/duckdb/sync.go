package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
)

var _ syncer.SinkProvider = (*Conn)(nil)

// syncSink is DuckDB as a derived view: an analytics copy of the kept
// entities in plain tables (no keys or indexes: DuckDB's columnar tables
// answer scans, and the per-row index a key needs would only slow the
// writes). A batch is one transaction that deletes the rows it touches and
// inserts their last images, so replaying it changes nothing; it is
// visible at commit.
type syncSink struct {
	c                      *Conn
	name                   string
	keeps                  syncer.EntitySet
	tweets, likes, follows string
}

// SyncSink returns DuckDB as a view of the tables spec names.
func (c *Conn) SyncSink(spec syncer.SinkSpec) (syncer.Sink, error) {
	s := &syncSink{c: c, name: spec.Name, keeps: spec.Keeps}
	for _, e := range []syncer.Entity{syncer.EntityTweet, syncer.EntityLike, syncer.EntityFollow} {
		if !spec.Keeps.Has(e) {
			continue
		}
		if err := checkName("sync", spec.Tables.Of(e)); err != nil {
			return nil, err
		}
	}
	s.tweets, s.likes, s.follows = quote(spec.Tables.Tweets), quote(spec.Tables.Likes), quote(spec.Tables.Follows)
	return s, nil
}

// Name returns the view's name.
func (s *syncSink) Name() string { return s.name }

// Keeps returns the entities it keeps.
func (s *syncSink) Keeps() syncer.EntitySet { return s.keeps }

// Store returns "duckdb".
func (s *syncSink) Store() string { return "duckdb" }

// Reset drops and creates the kept tables.
func (s *syncSink) Reset(ctx context.Context) error {
	var stmts []string
	if s.keeps.Has(syncer.EntityTweet) {
		stmts = append(stmts, "DROP TABLE IF EXISTS "+s.tweets,
			"CREATE TABLE "+s.tweets+" (id BIGINT NOT NULL, user_id BIGINT NOT NULL, body VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, like_count BIGINT NOT NULL)")
	}
	if s.keeps.Has(syncer.EntityLike) {
		stmts = append(stmts, "DROP TABLE IF EXISTS "+s.likes,
			"CREATE TABLE "+s.likes+" (user_id BIGINT NOT NULL, tweet_id BIGINT NOT NULL, created_at TIMESTAMP NOT NULL)")
	}
	if s.keeps.Has(syncer.EntityFollow) {
		stmts = append(stmts, "DROP TABLE IF EXISTS "+s.follows, "CREATE TABLE "+s.follows+" (src BIGINT NOT NULL, dst BIGINT NOT NULL)")
	}
	if err := execAll(ctx, s.c.db, stmts...); err != nil {
		return fmt.Errorf("duckdb: view %s: %w", s.name, err)
	}
	return nil
}

// values builds "(?,…),(?,…)" for n rows of k columns.
func values(n, k int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", k), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(row+",", n), ",")
}

// Apply deletes the rows the batch touches and inserts their last images,
// in one transaction (retried on a conflict).
func (s *syncSink) Apply(ctx context.Context, batch []syncer.Change) error {
	var tdel, tins, ldel, lins, fdel, fins []any
	var nt, nl, nf, ntd, nld, nfd int
	for _, c := range syncer.LastPerKey(batch) {
		if !s.keeps.Has(c.Entity) {
			continue
		}
		switch c.Entity {
		case syncer.EntityTweet:
			tdel, ntd = append(tdel, int64(c.Tweet.ID)), ntd+1
			if c.Op == syncer.Upsert {
				tins, nt = append(tins, int64(c.Tweet.ID), int64(c.Tweet.UserID), c.Tweet.Body, timestamp(c.Tweet.CreatedAt), c.Tweet.LikeCount), nt+1
			}
		case syncer.EntityLike:
			ldel, nld = append(ldel, int64(c.Like.TweetID), int64(c.Like.UserID)), nld+1
			if c.Op == syncer.Upsert {
				lins, nl = append(lins, int64(c.Like.UserID), int64(c.Like.TweetID), timestamp(c.Like.CreatedAt)), nl+1
			}
		case syncer.EntityFollow:
			fdel, nfd = append(fdel, int64(c.Edge.Src), int64(c.Edge.Dst)), nfd+1
			if c.Op == syncer.Upsert {
				fins, nf = append(fins, int64(c.Edge.Src), int64(c.Edge.Dst)), nf+1
			}
		}
	}
	if ntd+nld+nfd == 0 {
		return nil
	}
	type stmt struct {
		q    string
		args []any
	}
	var stmts []stmt
	if ntd > 0 {
		stmts = append(stmts, stmt{"DELETE FROM " + s.tweets + " WHERE id IN (" + strings.TrimSuffix(strings.Repeat("?,", ntd), ",") + ")", tdel})
	}
	if nt > 0 {
		stmts = append(stmts, stmt{"INSERT INTO " + s.tweets + " VALUES " + values(nt, 5), tins})
	}
	if nld > 0 {
		stmts = append(stmts, stmt{"DELETE FROM " + s.likes + " USING (VALUES " + values(nld, 2) + ") v(t, u) WHERE tweet_id = v.t AND user_id = v.u", ldel})
	}
	if nl > 0 {
		stmts = append(stmts, stmt{"INSERT INTO " + s.likes + " VALUES " + values(nl, 3), lins})
	}
	if nfd > 0 {
		stmts = append(stmts, stmt{"DELETE FROM " + s.follows + " USING (VALUES " + values(nfd, 2) + ") v(s, d) WHERE src = v.s AND dst = v.d", fdel})
	}
	if nf > 0 {
		stmts = append(stmts, stmt{"INSERT INTO " + s.follows + " VALUES " + values(nf, 2), fins})
	}
	err := s.c.inTx(ctx, func(tx *sql.Tx) error {
		for _, st := range stmts {
			if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("duckdb: view %s: %w", s.name, err)
	}
	return nil
}

// Scan reads the kept tables.
func (s *syncSink) Scan(ctx context.Context, fn func(c *syncer.Change) error) error {
	each := func(keep bool, q string, row func(r *sql.Rows) (syncer.Change, error)) error {
		if !keep {
			return nil
		}
		rs, err := s.c.db.QueryContext(ctx, q)
		if err != nil {
			return fmt.Errorf("duckdb: view %s: scan: %w", s.name, err)
		}
		defer rs.Close()
		for rs.Next() {
			c, err := row(rs)
			if err != nil {
				return fmt.Errorf("duckdb: view %s: scan: %w", s.name, err)
			}
			if err := fn(&c); err != nil {
				return err
			}
		}
		return rs.Err()
	}
	err := each(s.keeps.Has(syncer.EntityTweet), "SELECT id, user_id, body, created_at, like_count FROM "+s.tweets, func(r *sql.Rows) (syncer.Change, error) {
		var t crud.Tweet
		var at time.Time
		err := r.Scan(&t.ID, &t.UserID, &t.Body, &at, &t.LikeCount)
		t.CreatedAt = at
		return syncer.TweetUpsert(t), err
	})
	if err == nil {
		err = each(s.keeps.Has(syncer.EntityLike), "SELECT user_id, tweet_id, created_at FROM "+s.likes, func(r *sql.Rows) (syncer.Change, error) {
			var l crud.Like
			err := r.Scan(&l.UserID, &l.TweetID, &l.CreatedAt)
			return syncer.LikeUpsert(l), err
		})
	}
	if err == nil {
		err = each(s.keeps.Has(syncer.EntityFollow), "SELECT src, dst FROM "+s.follows, func(r *sql.Rows) (syncer.Change, error) {
			var e graph.Edge
			err := r.Scan(&e.Src, &e.Dst)
			return syncer.FollowUpsert(e), err
		})
	}
	return err
}
