package pgsync

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/syncer/outbox"
)

// pgOutbox is the outbox in PostgreSQL, through a pool of its own.
type pgOutbox struct {
	pool   *pgxpool.Pool
	table  string
	tables syncer.Tables
}

func openOutbox(ctx context.Context, c *syncer.Capture, table string, conns int) (outbox.DB, bool, error) {
	cfg, ok := c.DB.(*pgxpool.Config)
	if !ok {
		return nil, false, nil
	}
	cfg = cfg.Copy()
	cfg.MaxConns = int32(conns)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, true, fmt.Errorf("outbox: connect: %w", err)
	}
	return &pgOutbox{pool: pool, table: table, tables: c.Tables}, true, nil
}

func (p *pgOutbox) exec(ctx context.Context, stmts ...string) error {
	for _, st := range stmts {
		if _, err := p.pool.Exec(ctx, st); err != nil {
			return fmt.Errorf("outbox: %s: %w", outbox.FirstWords(st), err)
		}
	}
	return nil
}

// Create makes the table, a partial index per view (so a relay finds its
// oldest rows without scanning the backlog of a view that is behind, or
// the dead rows of applied ones), one trigger function and a row trigger
// per captured table; the function's arguments are the entity and its
// views' mask.
func (p *pgOutbox) Create(ctx context.Context, masks map[syncer.Entity]int64, views int, insertsOnly bool) error {
	ob, fn := ident(p.table), ident(p.table+"_capture")
	stmts := []string{"DROP TABLE IF EXISTS " + ob,
		"CREATE TABLE " + ob + " (id bigserial PRIMARY KEY, entity smallint NOT NULL, op text NOT NULL, row jsonb NOT NULL, pending bigint NOT NULL)"}
	for i := range views {
		stmts = append(stmts, "CREATE INDEX "+ident(fmt.Sprintf("%s_pending%d", p.table, i))+" ON "+ob+" (id) WHERE "+outbox.PendingPred(i))
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
	events := "INSERT OR UPDATE OR DELETE"
	if insertsOnly {
		events = "INSERT"
	}
	for e, mask := range masks {
		table := p.tables.Of(e)
		name := ident(p.table + "_" + table)
		stmts = append(stmts, "DROP TRIGGER IF EXISTS "+name+" ON "+ident(table),
			fmt.Sprintf("CREATE TRIGGER %s AFTER %s ON %s FOR EACH ROW EXECUTE FUNCTION %s('%d', '%d')", name, events, ident(table), fn, e, mask))
	}
	return p.exec(ctx, stmts...)
}

// Fetch reads the oldest rows pending for view.
func (p *pgOutbox) Fetch(ctx context.Context, view, n int) ([]outbox.Row, error) {
	rows, err := p.pool.Query(ctx, "SELECT id, entity, op, row FROM "+ident(p.table)+" WHERE "+outbox.PendingPred(view)+" ORDER BY id LIMIT $1", n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (outbox.Row, error) {
		var o outbox.Row
		var e int16
		err := r.Scan(&o.ID, &e, &o.Op, &o.Data)
		o.Entity = syncer.Entity(e)
		return o, err
	})
}

// Clear locks the rows in id order (the ids are sorted), so the relays of
// two views clearing their bits on the same rows do not deadlock; each
// holds the locks only for this short transaction.
func (p *pgOutbox) Clear(ctx context.Context, view int, ids []int64) error {
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

// Backlog counts the rows.
func (p *pgOutbox) Backlog(ctx context.Context) (int64, error) {
	var n int64
	err := p.pool.QueryRow(ctx, "SELECT count(*) FROM "+ident(p.table)).Scan(&n)
	return n, err
}

// Drop removes the function with its triggers, and the table.
func (p *pgOutbox) Drop(ctx context.Context) error {
	return p.exec(ctx, "DROP FUNCTION IF EXISTS "+ident(p.table+"_capture")+"() CASCADE", "DROP TABLE IF EXISTS "+ident(p.table))
}

// Close closes the pool.
func (p *pgOutbox) Close() { p.pool.Close() }

func init() { outbox.RegisterDialect(openOutbox) }
