package sqlsync

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // the SQLite outbox's database/sql driver

	"github.com/storefit/storefit/syncer"
)

// outboxRow is one captured change as its relay reads it.
type outboxRow struct {
	id     int64
	entity syncer.Entity
	op     string
	row    []byte
}

// outboxDB is the outbox in one kind of source database.
type outboxDB interface {
	// create drops and creates the outbox table, a partial index per view
	// over the rows pending for it, and the triggers on the source's
	// tables: each captured row inserts an outbox row whose pending bits
	// are the views keeping its entity (masks).
	create(ctx context.Context, masks map[syncer.Entity]int64, views int, insertsOnly bool) error
	// fetch returns the oldest n rows pending for view, by id.
	fetch(ctx context.Context, view, n int) ([]outboxRow, error)
	// clear clears view's bit on the rows and deletes the rows no view
	// waits for any more, in one short transaction.
	clear(ctx context.Context, view int, ids []int64) error
	// backlog counts the rows some view still waits for.
	backlog(ctx context.Context) (int64, error)
	// drop removes the triggers, their function and the table.
	drop(ctx context.Context) error
	close()
}

// outbox is the transactional-outbox strategy: triggers on the source's
// tables insert an outbox row for every captured row change, in the
// writing transaction, with a pending bit per view that keeps its entity.
// Each view has its own relay: it reads the oldest rows with its bit set,
// in id order, in batches (polling when idle), hands them to the engine,
// then clears its bit; a row whose bits are all clear is deleted. A view's
// position is the set of rows with its bit set, not a "last id" cursor:
// ids are drawn before commit, so a transaction holding a lower id can
// commit after a higher one was applied, and a cursor would skip its row
// for good. Ids still follow commit order for any one row (its trigger runs
// after the row's lock is taken), and a relay always takes the oldest
// pending rows it sees, so a row's images reach a view in order.
type outbox struct {
	env *syncer.Env
	src *Source
	db  outboxDB
}

func newOutbox(env *syncer.Env) (syncer.Strategy, error) {
	src, err := source(env, "outbox")
	if err != nil {
		return nil, err
	}
	if len(env.Sinks) > 62 {
		return nil, fmt.Errorf("%d views, at most 62 (a pending bit each)", len(env.Sinks))
	}
	return &outbox{env: env, src: src}, nil
}

// Prepare creates the outbox table and the triggers (after the load, which
// is not captured).
func (o *outbox) Prepare(ctx context.Context) error {
	masks, err := captured(o.env, o.src.Tables)
	if err != nil {
		return err
	}
	table := o.env.Options.Name + "outbox"
	if o.src.Postgres != nil {
		cfg := o.src.Postgres.Copy()
		cfg.MaxConns = int32(len(o.env.Sinks) + 2)
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		o.db = &pgOutbox{pool: pool, table: table, tables: o.src.Tables}
	} else {
		db, err := sql.Open("sqlite", "file:"+o.src.SQLite+"?_pragma=busy_timeout(10000)")
		if err != nil {
			return err
		}
		db.SetMaxOpenConns(1)
		o.db = &sqliteOutbox{db: db, table: table, tables: o.src.Tables}
	}
	return o.db.create(ctx, masks, len(o.env.Sinks), o.env.Options.InsertsOnly)
}

// Exec commits cmd at the source; its triggers wrote the outbox rows.
func (o *outbox) Exec(ctx context.Context, cmd *syncer.Command) error {
	_, err := o.env.Exec(ctx, cmd)
	return err
}

// Run runs a relay per view.
func (o *outbox) Run(ctx context.Context, deliver syncer.Deliver) error {
	return syncer.RunPerView(ctx, len(o.env.Sinks), func(ctx context.Context, i int) error {
		for ctx.Err() == nil {
			n, err := o.relay(ctx, i, deliver)
			if err != nil {
				return err
			}
			if n < o.env.Options.Batch {
				select {
				case <-ctx.Done():
				case <-time.After(o.env.Options.Poll):
				}
			}
		}
		return nil
	})
}

// relay delivers one batch to view i: it reads the oldest rows pending for
// it, hands them over, then clears its bit. No lock is held while the view
// applies, so the relays never wait for each other.
func (o *outbox) relay(ctx context.Context, i int, deliver syncer.Deliver) (int, error) {
	rows, err := o.db.fetch(ctx, i, o.env.Options.Batch)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	batch := make([]syncer.Change, 0, len(rows))
	ids := make([]int64, len(rows))
	for j, r := range rows {
		c, err := decodeJSON(r.entity, r.op, r.row)
		if err != nil {
			return 0, fmt.Errorf("outbox row %d: %w", r.id, err)
		}
		c.Pos = uint64(r.id)
		batch = append(batch, c)
		ids[j] = r.id
	}
	if err := deliver(ctx, i, batch); err != nil {
		return 0, err // the bits stay set: the next relay delivers the rows again
	}
	if err := o.db.clear(ctx, i, ids); err != nil {
		return 0, fmt.Errorf("outbox: record view %s's position: %w", o.env.Sinks[i].Name(), err)
	}
	return len(rows), nil
}

// Figures reports the backlog: rows some view still waits for.
func (o *outbox) Figures() map[string]float64 {
	if o.db == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := o.db.backlog(ctx)
	if err != nil {
		return nil
	}
	return map[string]float64{"sync.backlog": float64(n)}
}

// Cleanup drops the triggers, their function and the outbox table, so the
// source's tables are left as the application made them.
func (o *outbox) Cleanup(ctx context.Context) error {
	if o.db == nil {
		return nil
	}
	err := o.db.drop(ctx)
	o.db.close()
	return err
}

// pgOutbox is the outbox in PostgreSQL.
type pgOutbox struct {
	pool   *pgxpool.Pool
	table  string
	tables syncer.Tables
}

func (p *pgOutbox) exec(ctx context.Context, stmts ...string) error {
	for _, st := range stmts {
		if _, err := p.pool.Exec(ctx, st); err != nil {
			return fmt.Errorf("outbox: %s: %w", firstWords(st), err)
		}
	}
	return nil
}

func (p *pgOutbox) create(ctx context.Context, masks map[syncer.Entity]int64, views int, insertsOnly bool) error {
	ob, fn := ident(p.table), ident(p.table+"_capture")
	stmts := []string{"DROP TABLE IF EXISTS " + ob,
		"CREATE TABLE " + ob + " (id bigserial PRIMARY KEY, entity smallint NOT NULL, op text NOT NULL, row jsonb NOT NULL, pending bigint NOT NULL)"}
	// A partial index per view over the rows pending for it, so a relay
	// finds its oldest ones without scanning the backlog of a view that
	// is behind (or the dead rows of applied ones).
	for i := range views {
		stmts = append(stmts, "CREATE INDEX "+ident(fmt.Sprintf("%s_pending%d", p.table, i))+" ON "+ob+" (id) WHERE "+pendingPred(i))
	}
	stmts = append(stmts, `CREATE OR REPLACE FUNCTION `+fn+`() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO `+ob+` (entity, op, row, pending) VALUES (TG_ARGV[0]::smallint, TG_OP, to_jsonb(OLD), TG_ARGV[1]::bigint);
  ELSE
    INSERT INTO `+ob+` (entity, op, row, pending) VALUES (TG_ARGV[0]::smallint, TG_OP, to_jsonb(NEW), TG_ARGV[1]::bigint);
  END IF;
  RETURN NULL;
END $$`)
	for e, mask := range masks {
		table := p.tables.Of(e)
		events := "INSERT OR UPDATE OR DELETE"
		if insertsOnly {
			events = "INSERT"
		}
		name := ident(p.table + "_" + table)
		stmts = append(stmts, "DROP TRIGGER IF EXISTS "+name+" ON "+ident(table),
			fmt.Sprintf("CREATE TRIGGER %s AFTER %s ON %s FOR EACH ROW EXECUTE FUNCTION %s('%d', '%d')", name, events, ident(table), fn, e, mask))
	}
	return p.exec(ctx, stmts...)
}

// pendingPred is the predicate of view i's pending rows, the bit a literal
// so the planner matches the partial index.
func pendingPred(i int) string { return fmt.Sprintf("pending & %d <> 0", int64(1)<<i) }

func (p *pgOutbox) fetch(ctx context.Context, view, n int) ([]outboxRow, error) {
	rows, err := p.pool.Query(ctx, "SELECT id, entity, op, row FROM "+ident(p.table)+" WHERE "+pendingPred(view)+" ORDER BY id LIMIT $1", n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (outboxRow, error) {
		var o outboxRow
		var e int16
		err := r.Scan(&o.id, &e, &o.op, &o.row)
		o.entity = syncer.Entity(e)
		return o, err
	})
}

// clear locks the rows in id order (the ids are sorted), so the relays of
// two views clearing their bits on the same rows do not deadlock; each
// holds the locks only for this short transaction.
func (p *pgOutbox) clear(ctx context.Context, view int, ids []int64) error {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	ob := ident(p.table)
	if _, err := tx.Exec(ctx, "UPDATE "+ob+" SET pending = pending & ~$1::bigint WHERE id IN (SELECT id FROM "+ob+
		" WHERE id = ANY($2) ORDER BY id FOR UPDATE)", int64(1)<<view, ids); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM "+ob+" WHERE id = ANY($1) AND pending = 0", ids); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func (p *pgOutbox) backlog(ctx context.Context) (int64, error) {
	var n int64
	err := p.pool.QueryRow(ctx, "SELECT count(*) FROM "+ident(p.table)).Scan(&n)
	return n, err
}

func (p *pgOutbox) drop(ctx context.Context) error {
	return p.exec(ctx, "DROP FUNCTION IF EXISTS "+ident(p.table+"_capture")+"() CASCADE", "DROP TABLE IF EXISTS "+ident(p.table))
}

func (p *pgOutbox) close() { p.pool.Close() }

// sqliteOutbox is the outbox in a SQLite source, through a connection of
// its own to the source's file (the busy timeout makes it wait for the
// source's writer and the writer for it).
type sqliteOutbox struct {
	db     *sql.DB
	table  string
	tables syncer.Tables
}

func (s *sqliteOutbox) exec(ctx context.Context, stmts ...string) error {
	for _, st := range stmts {
		if _, err := s.db.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("outbox: %s: %w", firstWords(st), err)
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

func (s *sqliteOutbox) create(ctx context.Context, masks map[syncer.Entity]int64, views int, insertsOnly bool) error {
	ob := ident(s.table)
	stmts := []string{"DROP TABLE IF EXISTS " + ob,
		"CREATE TABLE " + ob + " (id INTEGER PRIMARY KEY AUTOINCREMENT, entity INTEGER NOT NULL, op TEXT NOT NULL, row TEXT NOT NULL, pending INTEGER NOT NULL)"}
	for i := range views {
		stmts = append(stmts, "CREATE INDEX "+ident(fmt.Sprintf("%s_pending%d", s.table, i))+" ON "+ob+" (id) WHERE "+pendingPred(i))
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
			name := ident(s.table + "_" + table + "_" + strings.ToLower(op))
			stmts = append(stmts, "DROP TRIGGER IF EXISTS "+name,
				fmt.Sprintf("CREATE TRIGGER %s AFTER %s ON %s BEGIN INSERT INTO %s (entity, op, row, pending) VALUES (%d, '%s', json_object(%s), %d); END",
					name, op, ident(table), ob, e, op, strings.Join(args, ", "), mask))
		}
	}
	return s.exec(ctx, stmts...)
}

func (s *sqliteOutbox) fetch(ctx context.Context, view, n int) ([]outboxRow, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, entity, op, row FROM "+ident(s.table)+" WHERE "+pendingPred(view)+" ORDER BY id LIMIT ?", n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		var e int64
		var row string
		if err := rows.Scan(&r.id, &e, &r.op, &row); err != nil {
			return nil, err
		}
		r.entity, r.row = syncer.Entity(e), []byte(row)
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *sqliteOutbox) clear(ctx context.Context, view int, ids []int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ob := ident(s.table)
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

func (s *sqliteOutbox) backlog(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM "+ident(s.table)).Scan(&n)
	return n, err
}

func (s *sqliteOutbox) drop(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? ESCAPE '\\'", strings.ReplaceAll(s.table, "_", "\\_")+"\\_%")
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
		stmts = append(stmts, "DROP TRIGGER IF EXISTS "+ident(n))
	}
	return s.exec(ctx, append(stmts, "DROP TABLE IF EXISTS "+ident(s.table))...)
}

func (s *sqliteOutbox) close() { s.db.Close() }

func firstWords(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

func init() {
	syncer.Register(syncer.StrategyInfo{Name: "outbox", Summary: "a transactional outbox (triggers write an event row in the write's own transaction) and a relay per view",
		New: newOutbox})
}
