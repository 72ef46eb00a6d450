package outbox

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // SQLite's database/sql driver

	"github.com/storefit/storefit/syncer"
)

// SQLite is a SQLite source database's file: the syncer.Capture DB of a
// SQLite source.
type SQLite string

// sqliteOutbox is the outbox in a SQLite source, through a connection of
// its own to the source's file (the busy timeout makes it wait for the
// source's writer and the writer for it).
type sqliteOutbox struct {
	db     *sql.DB
	table  string
	tables syncer.Tables
}

func openSQLite(ctx context.Context, c *syncer.Capture, table string, conns int) (DB, bool, error) {
	path, ok := c.DB.(SQLite)
	if !ok {
		return nil, false, nil
	}
	db, err := sql.Open("sqlite", "file:"+string(path)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, true, err
	}
	db.SetMaxOpenConns(1)
	return &sqliteOutbox{db: db, table: table, tables: c.Tables}, true, nil
}

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func (s *sqliteOutbox) exec(ctx context.Context, stmts ...string) error {
	for _, st := range stmts {
		if _, err := s.db.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("outbox: %s: %w", FirstWords(st), err)
		}
	}
	return nil
}

// sqliteColumns are a captured row's columns per entity.
var sqliteColumns = map[syncer.Entity][]string{
	syncer.EntityTweet:  {"id", "user_id", "body", "created_at", "like_count"},
	syncer.EntityLike:   {"user_id", "tweet_id", "created_at"},
	syncer.EntityFollow: {"src", "dst"},
}

// Create makes the table, an index per view and an AFTER trigger per table
// and operation that writes the row's columns with json_object.
func (s *sqliteOutbox) Create(ctx context.Context, masks map[syncer.Entity]int64, views int, insertsOnly bool) error {
	if err := s.Drop(ctx); err != nil {
		return err
	}
	ob := quote(s.table)
	stmts := []string{"CREATE TABLE " + ob + " (id INTEGER PRIMARY KEY AUTOINCREMENT, entity INTEGER NOT NULL, op TEXT NOT NULL, row TEXT NOT NULL, pending INTEGER NOT NULL)"}
	for i := range views {
		stmts = append(stmts, "CREATE INDEX "+quote(fmt.Sprintf("%s_pending%d", s.table, i))+" ON "+ob+" (id) WHERE "+PendingPred(i))
	}
	ops := []string{"INSERT", "UPDATE", "DELETE"}
	if insertsOnly {
		ops = ops[:1]
	}
	for e, mask := range masks {
		table := s.tables.Of(e)
		for _, op := range ops {
			rec := "NEW"
			if op == "DELETE" {
				rec = "OLD"
			}
			var args []string
			for _, c := range sqliteColumns[e] {
				args = append(args, "'"+c+"', "+rec+"."+c)
			}
			name := quote(s.table + "_" + table + "_" + strings.ToLower(op))
			stmts = append(stmts, fmt.Sprintf("CREATE TRIGGER %s AFTER %s ON %s BEGIN INSERT INTO %s (entity, op, row, pending) VALUES (%d, '%s', json_object(%s), %d); END",
				name, op, quote(table), ob, e, op, strings.Join(args, ", "), mask))
		}
	}
	return s.exec(ctx, stmts...)
}

// Fetch reads the oldest rows pending for view.
func (s *sqliteOutbox) Fetch(ctx context.Context, view, n int) ([]Row, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, entity, op, row FROM "+quote(s.table)+" WHERE "+PendingPred(view)+" ORDER BY id LIMIT ?", n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var e int64
		var data string
		if err := rows.Scan(&r.ID, &e, &r.Op, &data); err != nil {
			return nil, err
		}
		r.Entity, r.Data = syncer.Entity(e), []byte(data)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Clear clears view's bit and deletes the rows nobody waits for.
func (s *sqliteOutbox) Clear(ctx context.Context, view int, ids []int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ob := quote(s.table)
	in := make([]string, len(ids))
	for i, id := range ids {
		in[i] = fmt.Sprint(id) // integers formatted here, not data from outside
	}
	list := "(" + strings.Join(in, ",") + ")"
	if _, err := tx.ExecContext(ctx, "UPDATE "+ob+" SET pending = pending & ~? WHERE id IN "+list, int64(1)<<view); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+ob+" WHERE id IN "+list+" AND pending = 0"); err != nil {
		return err
	}
	return tx.Commit()
}

// Backlog counts the rows.
func (s *sqliteOutbox) Backlog(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+quote(s.table)).Scan(&n)
	return n, err
}

// Drop removes the triggers (SQLite attaches them to the source's tables)
// and the table.
func (s *sqliteOutbox) Drop(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? ESCAPE '\\'",
		strings.ReplaceAll(s.table, "_", "\\_")+"\\_%")
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	var stmts []string
	for _, n := range names {
		stmts = append(stmts, "DROP TRIGGER IF EXISTS "+quote(n))
	}
	return s.exec(ctx, append(stmts, "DROP TABLE IF EXISTS "+quote(s.table))...)
}

// Close closes the connection.
func (s *sqliteOutbox) Close() { s.db.Close() }

func init() { RegisterDialect(openSQLite) }
