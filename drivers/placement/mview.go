//go:build !storefit_embedded

package placement

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/agg"
	"github.com/storefit/storefit/workloads/twitter"
)

// mviewName is the dashboard's materialized view.
const mviewName = "tw_activity_mv"

// mviewStore is the dashboard as a MATERIALIZED VIEW over the source's
// tweets and likes in PostgreSQL: the same activity rows as the analytics
// table of the other strategies (a tweet: category 0, product = tweet,
// price 0; a like: category 1, product = liked tweet, price 1), computed by
// the database from the system of record. Load does nothing (the view reads
// the source's tables); FinishLoad populates it; a refresher refreshes it
// concurrently on a schedule. A unique index on id makes REFRESH …
// CONCURRENTLY possible (readers are not blocked), and an index on
// (category, ts) serves the window counts.
type mviewStore struct {
	pool          *pgxpool.Pool
	tweets, likes string
	qCount, qTop  string
}

var _ agg.Store = (*mviewStore)(nil)

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

// refresh recomputes the view without blocking its readers.
func (m *mviewStore) refresh(ctx context.Context) error {
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

// refresher is the "materialized-view" strategy: the dashboard view is
// refreshed every interval; every other view is written by dual writes
// (Publish applies them in the writer). A refresh covers every change
// committed before it began, so the changes pending as it begins are the
// ones it applies: the dashboard is behind exactly while changes committed
// since the last refresh began are waiting for the next one to finish.
type refresher struct {
	app   *twitter.App
	mv    *mviewStore
	every time.Duration

	mu     sync.Mutex // one refresh at a time
	loopMu sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}

	refreshes, refreshNs, restarts atomic.Int64
	errMu                          sync.Mutex
	err                            error
}

func newRefresher(app *twitter.App, mv *mviewStore, every time.Duration) *refresher {
	r := &refresher{app: app, mv: mv, every: every}
	app.SetPublisher(r)
	return r
}

// dashboardOnly is the view the refresh feeds.
var dashboardOnly = twitter.Of(twitter.ViewDashboard)

// Publish applies the change to every view but the dashboard (dual writes).
func (r *refresher) Publish(ctx context.Context, c twitter.Change) error {
	r.errMu.Lock()
	err := r.err
	r.errMu.Unlock()
	if err != nil {
		return fmt.Errorf("materialized view refresh failed earlier: %w", err)
	}
	return r.app.ApplyViews(ctx, []twitter.Change{c}, twitter.AllViews&^dashboardOnly)
}

func (r *refresher) beforeSetup(ctx context.Context) error { return r.mv.drop(ctx) }
func (r *refresher) afterSetup(context.Context) error      { return nil }
func (r *refresher) afterLoad(context.Context) error       { r.start(); return nil }

func (r *refresher) start() {
	r.loopMu.Lock()
	defer r.loopMu.Unlock()
	if r.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		t := time.NewTicker(r.every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := r.refresh(ctx); err != nil && ctx.Err() == nil {
					r.errMu.Lock()
					if r.err == nil {
						r.err = err
					}
					r.errMu.Unlock()
				}
			}
		}
	}(r.done)
}

func (r *refresher) stop() {
	r.loopMu.Lock()
	defer r.loopMu.Unlock()
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
	r.cancel = nil
}

// refresh refreshes the view and marks the changes pending as it began
// applied.
func (r *refresher) refresh(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	covered := r.app.PendingChanges(dashboardOnly)
	t0 := time.Now()
	if err := r.mv.refresh(ctx); err != nil {
		return err
	}
	r.refreshes.Add(1)
	r.refreshNs.Add(int64(time.Since(t0)))
	return r.app.ApplyViews(ctx, covered, dashboardOnly)
}

func (r *refresher) drain(ctx context.Context) error { return r.refresh(ctx) }

func (r *refresher) restart(context.Context) error {
	r.stop()
	r.restarts.Add(1)
	r.start()
	return nil
}

func (r *refresher) resetFigures() { r.refreshes.Store(0); r.refreshNs.Store(0); r.restarts.Store(0) }

func (r *refresher) figures(out map[string]float64) {
	n := r.refreshes.Load()
	out["sync.refreshes"] = float64(n)
	if n > 0 {
		out["sync.refresh_mean_ms"] = float64(r.refreshNs.Load()) / float64(n) / 1e6
	}
}

// close stops the refresher and drops the view, so the source's tables
// can be dropped by the next placement that sets up this database.
func (r *refresher) close() error {
	r.stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return r.mv.drop(ctx)
}
