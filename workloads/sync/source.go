package syncwl

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

func (t Tables) ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// CreateSource drops and creates the source tables: tweets (replica
// identity full, so deletes carry the author), likes, follows (replica
// identity full), markers (one row) and outbox.
func CreateSource(ctx context.Context, s Source) error {
	t := s.Tables
	stmts := []string{
		"DROP TABLE IF EXISTS " + t.ident(t.Tweets()) + ", " + t.ident(t.Likes()) + ", " + t.ident(t.Follows()) + ", " +
			t.ident(t.Markers()) + ", " + t.ident(t.Outbox()),
		"CREATE TABLE " + t.ident(t.Tweets()) + " (id bigint PRIMARY KEY, user_id bigint NOT NULL, body text NOT NULL, " +
			"created_at timestamptz NOT NULL, like_count bigint NOT NULL)",
		"ALTER TABLE " + t.ident(t.Tweets()) + " REPLICA IDENTITY FULL",
		"CREATE TABLE " + t.ident(t.Likes()) + " (user_id bigint NOT NULL, tweet_id bigint NOT NULL, created_at timestamptz NOT NULL, " +
			"PRIMARY KEY (tweet_id, user_id))",
		"CREATE TABLE " + t.ident(t.Follows()) + " (src bigint NOT NULL, dst bigint NOT NULL, PRIMARY KEY (src, dst))",
		"ALTER TABLE " + t.ident(t.Follows()) + " REPLICA IDENTITY FULL",
		"CREATE TABLE " + t.ident(t.Markers()) + " (id int PRIMARY KEY, seq bigint NOT NULL)",
		"INSERT INTO " + t.ident(t.Markers()) + " VALUES (1, 0)",
		"CREATE TABLE " + t.ident(t.Outbox()) + " (id bigserial PRIMARY KEY, payload jsonb NOT NULL, " +
			"created_at timestamptz NOT NULL DEFAULT now(), sent_at timestamptz)",
		"CREATE INDEX ON " + t.ident(t.Outbox()) + " (id) WHERE sent_at IS NULL",
	}
	for _, q := range stmts {
		if _, err := s.Pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("source setup: %s: %w", firstWords(q), err)
		}
	}
	return nil
}

// DropSource drops the source tables.
func DropSource(ctx context.Context, s Source) error {
	t := s.Tables
	_, err := s.Pool.Exec(ctx, "DROP TABLE IF EXISTS "+t.ident(t.Tweets())+", "+t.ident(t.Likes())+", "+t.ident(t.Follows())+", "+
		t.ident(t.Markers())+", "+t.ident(t.Outbox()))
	if err != nil {
		return fmt.Errorf("source cleanup: %w", err)
	}
	return nil
}

func firstWords(q string) string {
	if len(q) > 40 {
		return q[:40] + "…"
	}
	return q
}

// TweetChange returns the upsert of a tweet row image.
func TweetChange(id, user int64, body string, at time.Time, likes int64) Change {
	return Change{Entity: EntityTweet, Op: OpUpsert, TweetID: id, UserID: user, Body: body, CreatedAt: at.UTC(), LikeCount: likes}
}

// CreateTweet inserts a tweet with no likes.
func CreateTweet(t Tables, id, user int64, body string, at time.Time) TxFunc {
	return func(ctx context.Context, tx pgx.Tx) ([]Change, error) {
		if _, err := tx.Exec(ctx, "INSERT INTO "+t.ident(t.Tweets())+" VALUES ($1, $2, $3, $4, 0)", id, user, body, at); err != nil {
			return nil, fmt.Errorf("create tweet %d: %w", id, err)
		}
		return []Change{TweetChange(id, user, body, at, 0)}, nil
	}
}

func scanTweet(row pgx.Row, id int64) (Change, bool, error) {
	var user, likes int64
	var body string
	var at time.Time
	if err := row.Scan(&user, &body, &at, &likes); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return Change{}, false, nil
		}
		return Change{}, false, err
	}
	return TweetChange(id, user, body, at, likes), true, nil
}

// UpdateTweet replaces a tweet's body; an unknown tweet changes nothing.
func UpdateTweet(t Tables, id int64, body string) TxFunc {
	return func(ctx context.Context, tx pgx.Tx) ([]Change, error) {
		c, ok, err := scanTweet(tx.QueryRow(ctx, "UPDATE "+t.ident(t.Tweets())+" SET body = $2 WHERE id = $1 RETURNING user_id, body, created_at, like_count", id, body), id)
		if err != nil || !ok {
			return nil, wrapf(err, "update tweet %d", id)
		}
		return []Change{c}, nil
	}
}

// DeleteTweet deletes a tweet and its likes; an unknown tweet changes
// nothing.
func DeleteTweet(t Tables, id int64) TxFunc {
	return func(ctx context.Context, tx pgx.Tx) ([]Change, error) {
		if _, err := tx.Exec(ctx, "DELETE FROM "+t.ident(t.Likes())+" WHERE tweet_id = $1", id); err != nil {
			return nil, fmt.Errorf("delete likes of tweet %d: %w", id, err)
		}
		c, ok, err := scanTweet(tx.QueryRow(ctx, "DELETE FROM "+t.ident(t.Tweets())+" WHERE id = $1 RETURNING user_id, body, created_at, like_count", id), id)
		if err != nil || !ok {
			return nil, wrapf(err, "delete tweet %d", id)
		}
		c.Op = OpDelete
		return []Change{c}, nil
	}
}

// LikeTweet records a like and increments the tweet's like_count; a like
// that exists (or of an unknown tweet) changes nothing.
func LikeTweet(t Tables, user, tweet int64, at time.Time) TxFunc {
	return func(ctx context.Context, tx pgx.Tx) ([]Change, error) {
		tag, err := tx.Exec(ctx, "INSERT INTO "+t.ident(t.Likes())+" SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM "+
			t.ident(t.Tweets())+" WHERE id = $2) ON CONFLICT DO NOTHING", user, tweet, at)
		if err != nil {
			return nil, fmt.Errorf("like tweet %d: %w", tweet, err)
		}
		if tag.RowsAffected() == 0 {
			return nil, nil
		}
		c, ok, err := scanTweet(tx.QueryRow(ctx, "UPDATE "+t.ident(t.Tweets())+" SET like_count = like_count + 1 WHERE id = $1 RETURNING user_id, body, created_at, like_count", tweet), tweet)
		if err != nil || !ok {
			return nil, wrapf(err, "like tweet %d", tweet)
		}
		return []Change{c}, nil
	}
}

// ToggleFollow makes src follow dst, or unfollow when it already does.
func ToggleFollow(t Tables, src, dst int64) TxFunc {
	return func(ctx context.Context, tx pgx.Tx) ([]Change, error) {
		tag, err := tx.Exec(ctx, "INSERT INTO "+t.ident(t.Follows())+" VALUES ($1, $2) ON CONFLICT DO NOTHING", src, dst)
		if err != nil {
			return nil, fmt.Errorf("follow %d→%d: %w", src, dst, err)
		}
		if tag.RowsAffected() == 1 {
			return []Change{{Entity: EntityFollow, Op: OpUpsert, Src: src, Dst: dst}}, nil
		}
		if _, err := tx.Exec(ctx, "DELETE FROM "+t.ident(t.Follows())+" WHERE src = $1 AND dst = $2", src, dst); err != nil {
			return nil, fmt.Errorf("unfollow %d→%d: %w", src, dst, err)
		}
		return []Change{{Entity: EntityFollow, Op: OpDelete, Src: src, Dst: dst}}, nil
	}
}

// SetMarker sets the freshness marker to seq.
func SetMarker(t Tables, seq int64) TxFunc {
	return func(ctx context.Context, tx pgx.Tx) ([]Change, error) {
		if _, err := tx.Exec(ctx, "UPDATE "+t.ident(t.Markers())+" SET seq = $1 WHERE id = 1", seq); err != nil {
			return nil, fmt.Errorf("marker %d: %w", seq, err)
		}
		return []Change{{Entity: EntityMarker, Op: OpUpsert, Seq: seq}}, nil
	}
}

func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// ScanSource calls fn with every tweet and follow of the source, as upsert
// changes: the source side of a reconciliation scan. It reads in one
// repeatable-read transaction, so the rows are one snapshot.
func ScanSource(ctx context.Context, s Source, fn func(c *Change) error) error {
	t := s.Tables
	tx, err := s.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("source scan: %w", err)
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, "SELECT id, user_id, body, created_at, like_count FROM "+t.ident(t.Tweets()))
	if err != nil {
		return fmt.Errorf("source scan: %w", err)
	}
	var c Change
	for rows.Next() {
		var id, user, likes int64
		var body string
		var at time.Time
		if err := rows.Scan(&id, &user, &body, &at, &likes); err != nil {
			rows.Close()
			return fmt.Errorf("source scan: %w", err)
		}
		c = TweetChange(id, user, body, at, likes)
		if err := fn(&c); err != nil {
			rows.Close()
			return err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("source scan: %w", err)
	}
	rows, err = tx.Query(ctx, "SELECT src, dst FROM "+t.ident(t.Follows()))
	if err != nil {
		return fmt.Errorf("source scan: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c = Change{Entity: EntityFollow, Op: OpUpsert}
		if err := rows.Scan(&c.Src, &c.Dst); err != nil {
			return fmt.Errorf("source scan: %w", err)
		}
		if err := fn(&c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Divergence is the outcome of reconciling one view with the source.
type Divergence struct {
	// Rows is the number of source rows the view keeps.
	Rows int64
	// Missing rows are at the source but not in the view, Extra in the
	// view but not at the source, Different in both with other values.
	Missing, Extra, Different int64
	// Samples lists a few divergent keys.
	Samples []string
}

// Total returns Missing + Extra + Different.
func (d Divergence) Total() int64 { return d.Missing + d.Extra + d.Different }

// Reconcile compares every view with one snapshot of the source.
func Reconcile(ctx context.Context, s Source, views []View) ([]Divergence, error) {
	want := make([]map[string]string, len(views))
	for i := range want {
		want[i] = map[string]string{}
	}
	err := ScanSource(ctx, s, func(c *Change) error {
		for i, v := range views {
			if k, d, ok := v.Digest(c); ok {
				want[i][k] = d
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Divergence, len(views))
	for i, v := range views {
		d := &out[i]
		d.Rows = int64(len(want[i]))
		seen := map[string]bool{}
		sample := func(s string) {
			if len(d.Samples) < 5 {
				d.Samples = append(d.Samples, s)
			}
		}
		err := v.Scan(ctx, func(key, digest string) error {
			seen[key] = true
			w, ok := want[i][key]
			switch {
			case !ok:
				d.Extra++
				sample("extra " + key)
			case w != digest:
				d.Different++
				sample("different " + key)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reconcile %s: %w", v.Name(), err)
		}
		for k := range want[i] {
			if !seen[k] {
				d.Missing++
				sample("missing " + k)
			}
		}
	}
	return out, nil
}
