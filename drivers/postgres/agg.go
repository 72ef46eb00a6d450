package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/agg"
)

var (
	_ agg.Provider         = (*Conn)(nil)
	_ agg.Store            = (*aggStore)(nil)
	_ agg.DistinctCounter  = (*aggStore)(nil)
	_ drivers.LoadFinisher = (*aggStore)(nil)
)

// aggStore is the sales fact table.
type aggStore struct {
	c           *Conn
	name, table string

	q1, q2, q3, q4, q5 string
}

// aggColumns are the sales columns in table order: 8-byte columns first,
// so rows carry no alignment padding.
var aggColumns = []string{"id", "ts", "product_id", "customer_id", "quantity", "price_cents", "region", "category"}

// AggStore returns a handle on the sales table s names.
func (c *Conn) AggStore(s agg.Schema) (agg.Store, error) {
	if err := checkName("agg table", s.Table); err != nil {
		return nil, err
	}
	t := ident(s.Table)
	a := &aggStore{c: c, name: s.Table, table: t}
	// Q1 divides in float8 exactly as the reference does (sum and count
	// are exact integers until then).
	a.q1 = "SELECT region, sum(price_cents)::float8 / count(*) FROM " + t + " GROUP BY region ORDER BY region"
	// The month as an immutable expression of ts, so extended statistics
	// (see FinishLoad) can tell the planner there are few groups.
	a.q2 = "SELECT category, " + aggMonth + " AS month, sum(price_cents * quantity)::bigint FROM " + t +
		" GROUP BY 1, 2 ORDER BY 1, 2"
	a.q3 = "SELECT product_id, sum(price_cents * quantity)::bigint AS revenue FROM " + t +
		" WHERE ts >= $1 AND ts < $2 GROUP BY product_id ORDER BY revenue DESC, product_id LIMIT $3"
	// The distinct (region, customer) pairs come out of an index-only scan
	// of (region, customer_id) in order (Unique), and are counted per
	// region: COUNT(DISTINCT) would sort each region's rows again.
	a.q4 = "SELECT region, count(*) FROM (SELECT DISTINCT region, customer_id FROM " + t + ") d GROUP BY region ORDER BY region"
	a.q5 = "SELECT coalesce(sum(quantity), 0)::bigint FROM " + t + " WHERE category = $1 AND ts >= $2 AND ts < $3"
	return a, nil
}

// Setup drops and creates the table. Indexes come with FinishLoad.
func (a *aggStore) Setup(ctx context.Context) error {
	return a.c.ddl(ctx, "setup "+a.name,
		"DROP TABLE IF EXISTS "+a.table,
		"CREATE TABLE "+a.table+" (id bigint NOT NULL, ts timestamptz NOT NULL, product_id bigint NOT NULL, customer_id bigint NOT NULL,"+
			" quantity bigint NOT NULL, price_cents bigint NOT NULL, region integer NOT NULL, category integer NOT NULL)")
}

// FinishLoad builds the indexes the queries are answered from by
// index-only scans — (ts) INCLUDE (product_id, quantity, price_cents) for
// Q3's window, (category, ts) INCLUDE (quantity) for Q5, (region,
// customer_id) for Q4's distinct pairs — and extended statistics on
// (category, month) for Q2, then vacuums (for the visibility map
// index-only scans need) and analyzes. Q1 and Q2 read every row with
// parallel sequential scans and partial hash aggregation.
func (a *aggStore) FinishLoad(ctx context.Context) error {
	return a.c.finishLoad(ctx, a.name, true,
		"CREATE INDEX IF NOT EXISTS "+ident(a.name+"_ts")+" ON "+a.table+" (ts) INCLUDE (product_id, quantity, price_cents)",
		"CREATE INDEX IF NOT EXISTS "+ident(a.name+"_category_ts")+" ON "+a.table+" (category, ts) INCLUDE (quantity)",
		"CREATE INDEX IF NOT EXISTS "+ident(a.name+"_region_customer")+" ON "+a.table+" (region, customer_id)",
		// Without it the planner expects a group per row, and sorts.
		"CREATE STATISTICS IF NOT EXISTS "+ident(a.name+"_category_month")+" ON category, ("+aggMonth+") FROM "+a.table,
	)
}

// aggMonth is the calendar month (UTC) of ts, as an immutable expression.
const aggMonth = "date_trunc('month', ts AT TIME ZONE 'UTC')"

// Load copies a batch of rows with COPY (binary).
func (a *aggStore) Load(ctx context.Context, rows []agg.Sale) error {
	_, err := a.c.pool.CopyFrom(ctx, pgx.Identifier{a.name}, aggColumns, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		r := &rows[i]
		return []any{r.ID, r.TS, r.ProductID, r.CustomerID, r.Quantity, r.PriceCents, int32(r.Region), int32(r.Category)}, nil
	}))
	return a.c.wrap(err, "load %d rows into %s", len(rows), a.name)
}

func (a *aggStore) AvgPriceByRegion(ctx context.Context) ([]agg.RegionAvg, error) {
	rows, _ := a.c.pool.Query(ctx, a.q1)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (agg.RegionAvg, error) {
		var v agg.RegionAvg
		err := r.Scan(&v.Region, &v.AvgPriceCents)
		return v, err
	})
	return out, a.c.wrap(err, "Q1 on %s", a.name)
}

func (a *aggStore) RevenueByCategoryMonth(ctx context.Context) ([]agg.CategoryMonthRevenue, error) {
	rows, _ := a.c.pool.Query(ctx, a.q2)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (agg.CategoryMonthRevenue, error) {
		var v agg.CategoryMonthRevenue
		err := r.Scan(&v.Category, &v.Month, &v.RevenueCents)
		v.Month = v.Month.UTC()
		return v, err
	})
	return out, a.c.wrap(err, "Q2 on %s", a.name)
}

func (a *aggStore) TopProducts(ctx context.Context, from, to time.Time, k int) ([]agg.ProductRevenue, error) {
	if k < 1 || !to.After(from) {
		return nil, nil
	}
	rows, _ := a.c.pool.Query(ctx, a.q3, ceilMicro(from), ceilMicro(to), k)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (agg.ProductRevenue, error) {
		var v agg.ProductRevenue
		err := r.Scan(&v.ProductID, &v.RevenueCents)
		return v, err
	})
	return out, a.c.wrap(err, "Q3 on %s", a.name)
}

func (a *aggStore) DistinctCustomersByRegion(ctx context.Context) ([]agg.RegionCustomers, error) {
	rows, _ := a.c.pool.Query(ctx, a.q4)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (agg.RegionCustomers, error) {
		var v agg.RegionCustomers
		err := r.Scan(&v.Region, &v.Customers)
		return v, err
	})
	return out, a.c.wrap(err, "Q4 on %s", a.name)
}

func (a *aggStore) CategoryQuantity(ctx context.Context, category int, from, to time.Time) (int64, error) {
	if !to.After(from) {
		return 0, nil
	}
	var n int64
	err := a.c.pool.QueryRow(ctx, a.q5, int32(category), ceilMicro(from), ceilMicro(to)).Scan(&n)
	return n, a.c.wrap(err, "Q5 on %s", a.name)
}
