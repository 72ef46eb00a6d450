// Package sqlsync holds the sync strategies that capture changes inside the
// source database: the transactional outbox (PostgreSQL and SQLite) and
// logical-decoding CDC (PostgreSQL's pgoutput). They register with the
// engine (package syncer) as "outbox" and "cdc-logical"; package syncer
// documents what each guarantees, how it fails and what its lag means.
//
// Both capture the source's tables as the application writes them — its
// writes are untouched: triggers write the outbox rows in the write's own
// transaction; the WAL carries the rows to the slot — and both read the
// row images back with the columns syncer.Entity names.
package sqlsync

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/crud"
	"github.com/storefit/storefit/workloads/graph"
)

// Source is a source database as the capture strategies reach it: the
// syncer.Env's Capture.
type Source struct {
	// Postgres is a PostgreSQL source's pool configuration (the
	// strategies copy it and open their own connections).
	Postgres *pgxpool.Config
	// SQLite is a SQLite source's database file.
	SQLite string
	// Tables names the source's tables.
	Tables syncer.Tables
}

// source returns env's capture handle.
func source(env *syncer.Env, strategy string) (*Source, error) {
	s, ok := env.Capture.(*Source)
	if !ok || s == nil || s.Postgres == nil && s.SQLite == "" {
		return nil, fmt.Errorf("%s captures changes in the source database: it needs a postgres (or, for the outbox, sqlite) source", strategy)
	}
	return s, nil
}

// captured returns the entities the views keep, each with the mask of the
// views that keep it (bit i: view i).
func captured(env *syncer.Env, tables syncer.Tables) (map[syncer.Entity]int64, error) {
	out := map[syncer.Entity]int64{}
	for i, s := range env.Sinks {
		for _, e := range []syncer.Entity{syncer.EntityTweet, syncer.EntityLike, syncer.EntityFollow} {
			if !s.Keeps().Has(e) {
				continue
			}
			if tables.Of(e) == "" {
				return nil, fmt.Errorf("view %s keeps %ss, which the source does not capture (no table)", s.Name(), e)
			}
			out[e] |= 1 << i
		}
	}
	return out, nil
}

// entityOf returns the entity a captured table holds.
func entityOf(t syncer.Tables, table string) (syncer.Entity, bool) {
	switch table {
	case t.Tweets:
		return syncer.EntityTweet, true
	case t.Likes:
		return syncer.EntityLike, true
	case t.Follows:
		return syncer.EntityFollow, true
	}
	return 0, false
}

// runName returns a name for this run's capture objects: prefix and 8 hex
// digits.
func runName(prefix string) (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(b[:]), nil
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// jsonRow is a captured row as the outbox triggers write it: every column
// of the table (PostgreSQL's to_jsonb, SQLite's json_object).
type jsonRow struct {
	ID        int64           `json:"id"`
	UserID    int64           `json:"user_id"`
	TweetID   int64           `json:"tweet_id"`
	Body      string          `json:"body"`
	CreatedAt json.RawMessage `json:"created_at"`
	LikeCount int64           `json:"like_count"`
	Src       int64           `json:"src"`
	Dst       int64           `json:"dst"`
}

// decodeJSON turns a captured row into a change: op is the trigger's
// operation (INSERT, UPDATE, DELETE).
func decodeJSON(e syncer.Entity, op string, data []byte) (syncer.Change, error) {
	var r jsonRow
	if err := json.Unmarshal(data, &r); err != nil {
		return syncer.Change{}, err
	}
	at, err := jsonTime(r.CreatedAt)
	if err != nil {
		return syncer.Change{}, err
	}
	del := op == "DELETE"
	switch e {
	case syncer.EntityTweet:
		t := crud.Tweet{ID: crud.TweetID(r.ID), UserID: crud.UserID(r.UserID), Body: r.Body, CreatedAt: at, LikeCount: r.LikeCount}
		if del {
			return syncer.TweetDelete(t), nil
		}
		return syncer.TweetUpsert(t), nil
	case syncer.EntityLike:
		l := crud.Like{UserID: crud.UserID(r.UserID), TweetID: crud.TweetID(r.TweetID), CreatedAt: at}
		if del {
			return syncer.LikeDelete(l), nil
		}
		return syncer.LikeUpsert(l), nil
	case syncer.EntityFollow:
		ed := graph.Edge{Src: graph.UserID(r.Src), Dst: graph.UserID(r.Dst)}
		if del {
			return syncer.FollowDelete(ed), nil
		}
		return syncer.FollowUpsert(ed), nil
	}
	return syncer.Change{}, fmt.Errorf("unknown entity %v", e)
}

// jsonTime reads a timestamp as PostgreSQL's to_jsonb writes it (an ISO
// 8601 string) or as SQLite stores it (Unix nanoseconds).
func jsonTime(raw json.RawMessage) (time.Time, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return time.Time{}, nil
	}
	if strings.HasPrefix(s, `"`) {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return time.Time{}, err
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return time.Time{}, fmt.Errorf("created_at %q: %w", v, err)
		}
		return t.UTC(), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("created_at %s: %w", s, err)
	}
	return time.Unix(0, n).UTC(), nil
}

// errJoin joins the non-nil errors.
func errJoin(errs ...error) error { return errors.Join(errs...) }
