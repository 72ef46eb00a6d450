//go:build !storefit_embedded

package placement

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/syncer"
	"github.com/storefit/storefit/workloads/agg"
)

// mviewName is the dashboard's materialized view.
const mviewName = "tw_activity_mv"

// mviewStore is the dashboard as a MATERIALIZED VIEW over the source's
// tweets and likes in PostgreSQL: the same activity rows as the analytics
// table of the other strategies (a tweet: category 0, product = tweet,
// price 0; a like: category 1, product = liked tweet, price 1), computed by
// the database from the system of record. Load does nothing (the view reads
// the source's tables); FinishLoad populates it; the materialized-view
// strategy refreshes it concurrently on a schedule. A unique index on id makes REFRESH …
// CONCURRENTLY possible (readers are not blocked), and an index on
// (category, ts) serves the window counts.
type mviewStore struct {
	pool          *pgxpool.Pool
	tweets, likes string
	qCount, qTop  string
}

var (
	_ agg.Store        = (*mviewStore)(nil)
	_ syncer.Refresher = (*mviewStore)(nil)
)

func newMViewStore(ctx context.Context, cfg *pgxpool.Config, tweets, likes string) (*mviewStore, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("materialized view: connect: %w", err)
	}
	v := pgIdent(mviewName)
	return &mviewStore{pool: pool, tweets: pgIdent(tweets), likes: pgIdent(likes),
		qCount: "SELECT coalesce(sum(quantity), 0)::bigint FROM " + v + " WHERE category = $1 AND ts >= $2 AND ts < $3",
		qTop: "SELECT product_id, sum(price_cents * quantity)::bigint AS revenue FROM " + v +
			" WHERE ts >= $1 AND ts < $2 GROUP BY product_id ORDER BY revenue DESC, product_id LIMIT $3",
	}, nil
}

func (m *mviewStore) exec(ctx context.Context, stmts ...string) error {
	for _, st := range stmts {
		if _, err := m.pool.Exec(ctx, st); err != nil {
			return fmt.Errorf("materialized view: %s: %w", firstWords(st), err)
		}
	}
	return nil
}

// drop drops the view: the source's Setup drops its tables, which the view
// depends on.
func (m *mviewStore) drop(ctx context.Context) error {
	return m.exec(ctx, "DROP MATERIALIZED VIEW IF EXISTS "+pgIdent(mviewName))
}

// Setup creates the view, unpopulated, and its indexes (the source's
// tables exist: the App sets the source up first).
func (m *mviewStore) Setup(ctx context.Context) error {
	v := pgIdent(mviewName)
	return m.exec(ctx, "DROP MATERIALIZED VIEW IF EXISTS "+v,
		"CREATE MATERIALIZED VIEW "+v+" AS"+
			" SELECT id, created_at AS ts, 0 AS category, id AS product_id, user_id AS customer_id, 1::bigint AS quantity, 0::bigint AS price_cents FROM "+m.tweets+
			" UNION ALL SELECT (1::bigint << 60) | (tweet_id << 20) | user_id, created_at, 1, tweet_id, user_id, 1, 1 FROM "+m.likes+
			" WITH NO DATA",
		"CREATE UNIQUE INDEX "+pgIdent(mviewName+"_id")+" ON "+v+" (id)",
		"CREATE INDEX "+pgIdent(mviewName+"_cat_ts")+" ON "+v+" (category, ts)",
		"CREATE INDEX "+pgIdent(mviewName+"_ts")+" ON "+v+" (ts)")
}

// Load does nothing: the view is computed from the source's tables.
func (m *mviewStore) Load(ctx context.Context, rows []agg.Sale) error { return nil }

// FinishLoad populates the view from the loaded source and analyzes it.
func (m *mviewStore) FinishLoad(ctx context.Context) error {
	return m.exec(ctx, "REFRESH MATERIALIZED VIEW "+pgIdent(mviewName), "ANALYZE "+pgIdent(mviewName))
}

// Refresh recomputes the view without blocking its readers: the
// materialized-view strategy (package syncer) calls it on a schedule.
func (m *mviewStore) Refresh(ctx context.Context) error {
	return m.exec(ctx, "REFRESH MATERIALIZED VIEW CONCURRENTLY "+pgIdent(mviewName))
}

// AvgPriceByRegion is not part of the dashboard.
func (m *mviewStore) AvgPriceByRegion(ctx context.Context) ([]agg.RegionAvg, error) {
	return nil, drivers.ErrUnsupported
}

// RevenueByCategoryMonth is not part of the dashboard.
func (m *mviewStore) RevenueByCategoryMonth(ctx context.Context) ([]agg.CategoryMonthRevenue, error) {
	return nil, drivers.ErrUnsupported
}

// ceilMicro rounds t up to PostgreSQL's microsecond, as drivers/postgres
// does, so window bounds agree with the oracle's.
func ceilMicro(t time.Time) time.Time {
	r := t.Truncate(time.Microsecond)
	if r.Before(t) {
		r = r.Add(time.Microsecond)
	}
	return r
}

// TopProducts returns the k most liked tweets of [from, to).
func (m *mviewStore) TopProducts(ctx context.Context, from, to time.Time, k int) ([]agg.ProductRevenue, error) {
	if k < 1 || !to.After(from) {
		return nil, nil
	}
	rows, _ := m.pool.Query(ctx, m.qTop, ceilMicro(from), ceilMicro(to), k)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (agg.ProductRevenue, error) {
		var v agg.ProductRevenue
		err := r.Scan(&v.ProductID, &v.RevenueCents)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("materialized view: top: %w", err)
	}
	return out, nil
}

// CategoryQuantity returns the rows of category in [from, to).
func (m *mviewStore) CategoryQuantity(ctx context.Context, category int, from, to time.Time) (int64, error) {
	if !to.After(from) {
		return 0, nil
	}
	var n int64
	if err := m.pool.QueryRow(ctx, m.qCount, int32(category), ceilMicro(from), ceilMicro(to)).Scan(&n); err != nil {
		return 0, fmt.Errorf("materialized view: count: %w", err)
	}
	return n, nil
}

func (m *mviewStore) close() { m.pool.Close() }

func pgIdent(s string) string { return pgx.Identifier{s}.Sanitize() }

func firstWords(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
