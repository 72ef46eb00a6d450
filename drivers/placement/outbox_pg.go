//go:build !storefit_embedded

package placement

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgOutbox is the outbox in a PostgreSQL source, through a pool of its own.
type pgOutbox struct {
	pool *pgxpool.Pool
	src  captured
}

func newPGOutbox(ctx context.Context, cfg *pgxpool.Config, src captured) (*pgOutbox, error) {
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("outbox: connect: %w", err)
	}
	return &pgOutbox{pool: pool, src: src}, nil
}

func pgIdent(s string) string { return pgx.Identifier{s}.Sanitize() }

func (p *pgOutbox) exec(ctx context.Context, stmts ...string) error {
	for _, st := range stmts {
		if _, err := p.pool.Exec(ctx, st); err != nil {
			return fmt.Errorf("outbox: %s: %w", firstWords(st), err)
		}
	}
	return nil
}

func (p *pgOutbox) create(ctx context.Context) error {
	return p.exec(ctx, "DROP TABLE IF EXISTS "+pgIdent(outboxTable),
		"CREATE TABLE "+pgIdent(outboxTable)+" (id bigserial PRIMARY KEY, entity text NOT NULL, op text NOT NULL,"+
			" a bigint NOT NULL, b bigint NOT NULL, body text, created timestamptz, logged timestamptz NOT NULL DEFAULT clock_timestamp())")
}

// capture creates one trigger function (its argument names the entity) and
// a row trigger per table. PL/pgSQL plans each branch when it first runs,
// so a branch naming another table's columns is never planned for this one.
func (p *pgOutbox) capture(ctx context.Context) error {
	fn := pgIdent(outboxTable + "_capture")
	ob := pgIdent(outboxTable)
	stmts := []string{`CREATE OR REPLACE FUNCTION ` + fn + `() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  IF TG_ARGV[0] = 'tweet' THEN
    INSERT INTO ` + ob + ` (entity, op, a, b, body, created) VALUES ('tweet', TG_OP, r.id, r.user_id, r.body, r.created_at);
  ELSIF TG_ARGV[0] = 'like' THEN
    INSERT INTO ` + ob + ` (entity, op, a, b, created) VALUES ('like', TG_OP, r.user_id, r.tweet_id, r.created_at);
  ELSE
    INSERT INTO ` + ob + ` (entity, op, a, b) VALUES ('follow', TG_OP, r.src, r.dst);
  END IF;
  RETURN NULL;
END $$`}
	trig := func(table, entity, events string) {
		name := pgIdent(outboxTable + "_" + table)
		stmts = append(stmts, "DROP TRIGGER IF EXISTS "+name+" ON "+pgIdent(table),
			"CREATE TRIGGER "+name+" AFTER "+events+" ON "+pgIdent(table)+" FOR EACH ROW EXECUTE FUNCTION "+fn+"('"+entity+"')")
	}
	trig(p.src.tweets, "tweet", "INSERT OR DELETE OR UPDATE OF body")
	trig(p.src.likes, "like", "INSERT OR DELETE")
	if p.src.follows != "" {
		trig(p.src.follows, "follow", "INSERT OR DELETE")
	}
	return p.exec(ctx, stmts...)
}

func (p *pgOutbox) fetch(ctx context.Context, n int) ([]outboxRow, error) {
	rows, err := p.pool.Query(ctx, "SELECT id, entity, op, a, b, coalesce(body, ''), coalesce(created, 'epoch'), logged FROM "+
		pgIdent(outboxTable)+" ORDER BY id LIMIT $1", n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (outboxRow, error) {
		var o outboxRow
		err := r.Scan(&o.id, &o.entity, &o.op, &o.a, &o.b, &o.body, &o.created, &o.logged)
		return o, err
	})
}

// remove deletes exactly the ids read: bigserial ids are assigned at
// insert, not at commit, so a row with a smaller id can commit after a
// batch was read, and deleting a range could drop it unread.
func (p *pgOutbox) remove(ctx context.Context, rows []outboxRow) error {
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].id
	}
	_, err := p.pool.Exec(ctx, "DELETE FROM "+pgIdent(outboxTable)+" WHERE id = ANY($1)", ids)
	return err
}

func (p *pgOutbox) backlog(ctx context.Context) (int64, error) {
	var n int64
	err := p.pool.QueryRow(ctx, "SELECT count(*) FROM "+pgIdent(outboxTable)).Scan(&n)
	return n, err
}

// close drops the triggers (with their function) and the outbox table, so
// the source's tables are left as the postgres driver made them.
func (p *pgOutbox) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := p.exec(ctx, "DROP FUNCTION IF EXISTS "+pgIdent(outboxTable+"_capture")+"() CASCADE", "DROP TABLE IF EXISTS "+pgIdent(outboxTable))
	p.pool.Close()
	return err
}
