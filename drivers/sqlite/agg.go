package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/agg"
)

var (
	_ agg.Provider         = (*Conn)(nil)
	_ agg.Store            = (*aggTable)(nil)
	_ agg.DistinctCounter  = (*aggTable)(nil)
	_ drivers.LoadFinisher = (*aggTable)(nil)
)

// aggTable is the sales table:
//
//	sales(id INTEGER PRIMARY KEY, ts INTEGER, month INTEGER, region, category,
//	      product_id, customer_id, quantity, price_cents)
//
// ts is in Unix seconds; month is the first instant of ts's calendar month
// (UTC) in Unix seconds, derived from ts by SQLite itself at insert (a
// stored generated column), so Q2 groups on an integer instead of calling
// the date functions for every row. Indexes (built by FinishLoad, see
// doc.go): covering indexes for Q3 (ts, product_id, price_cents, quantity)
// and Q5 (category, ts, quantity).
type aggTable struct {
	c       *Conn
	name    string
	table   string // quoted
	indexes []string
	q       aggSQL
}

type aggSQL struct {
	insert, q1, q2, q3, q4, q5 string
}

// AggStore returns a handle on the sales table s names.
func (c *Conn) AggStore(s agg.Schema) (agg.Store, error) {
	if err := checkName("table", s.Table); err != nil {
		return nil, err
	}
	t := &aggTable{c: c, name: s.Table, table: ident(s.Table)}
	t.indexes = []string{
		"CREATE INDEX IF NOT EXISTS " + ident(s.Table+"_region") + " ON " + t.table + " (region, customer_id, price_cents)",
		"CREATE INDEX IF NOT EXISTS " + ident(s.Table+"_category_month") + " ON " + t.table + " (category, month, price_cents, quantity)",
		"CREATE INDEX IF NOT EXISTS " + ident(s.Table+"_ts") + " ON " + t.table + " (ts, product_id, price_cents, quantity)",
		"CREATE INDEX IF NOT EXISTS " + ident(s.Table+"_category_ts") + " ON " + t.table + " (category, ts, quantity)",
	}
	t.q = aggSQL{
		insert: "INSERT INTO " + t.table + " (id, ts, region, category, product_id, customer_id, quantity, price_cents) VALUES",
		q1:     "SELECT region, SUM(price_cents), COUNT(*) FROM " + t.table + " GROUP BY region ORDER BY region",
		q2:     "SELECT category, month, SUM(price_cents * quantity) FROM " + t.table + " GROUP BY category, month ORDER BY category, month",
		q3: "SELECT product_id, SUM(price_cents * quantity) AS revenue FROM " + t.table +
			" WHERE ts >= ? AND ts < ? GROUP BY product_id ORDER BY revenue DESC, product_id LIMIT ?",
		q4: "SELECT region, COUNT(DISTINCT customer_id) FROM " + t.table + " GROUP BY region ORDER BY region",
		q5: "SELECT COALESCE(SUM(quantity), 0) FROM " + t.table + " WHERE category = ? AND ts >= ? AND ts < ?",
	}
	return t, nil
}

// aggMonth is the SQL of the month column: the first second of ts's
// calendar month.
const aggMonth = "CAST(unixepoch(ts, 'unixepoch', 'start of month') AS INTEGER)"

func (t *aggTable) Setup(ctx context.Context) error {
	stmts := []string{
		"DROP TABLE IF EXISTS " + t.table,
		"CREATE TABLE " + t.table + " (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, " +
			"month INTEGER NOT NULL GENERATED ALWAYS AS (" + aggMonth + ") STORED, " +
			"region INTEGER NOT NULL, category INTEGER NOT NULL, product_id INTEGER NOT NULL, " +
			"customer_id INTEGER NOT NULL, quantity INTEGER NOT NULL, price_cents INTEGER NOT NULL)",
	}
	if err := t.c.execScript(ctx, stmts...); err != nil {
		return fmt.Errorf("sqlite: agg setup %s: %w", t.name, err)
	}
	return nil
}

// FinishLoad builds the indexes over the loaded rows and gathers
// statistics for the planner.
func (t *aggTable) FinishLoad(ctx context.Context) error {
	if err := t.c.execScript(ctx, t.indexes...); err != nil {
		return fmt.Errorf("sqlite: agg finish load %s: %w", t.name, err)
	}
	return nil
}

func (t *aggTable) Load(ctx context.Context, rows []agg.Sale) error {
	for _, r := range rows {
		if r.TS.Nanosecond() != 0 {
			return fmt.Errorf("sqlite: sale %d: time %v is not a whole second", r.ID, r.TS)
		}
	}
	err := t.c.tx(ctx, func(w *writeConn) error {
		return bulkInsert(ctx, w, t.q.insert, "", 8, len(rows), func(dst []any, i int) []any {
			r := &rows[i]
			return append(dst, r.ID, r.TS.Unix(), r.Region, r.Category, r.ProductID, r.CustomerID, r.Quantity, r.PriceCents)
		})
	})
	if err != nil {
		return fmt.Errorf("sqlite: agg load %s: %w", t.name, err)
	}
	return nil
}

// ceilUnix returns the least whole second >= t: with whole-second ts,
// ts >= t ⇔ ts >= ceilUnix(t) and ts < t ⇔ ts < ceilUnix(t).
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

func (t *aggTable) AvgPriceByRegion(ctx context.Context) ([]agg.RegionAvg, error) {
	rows, err := t.c.query(ctx, t.q.q1)
	if err != nil {
		return nil, fmt.Errorf("sqlite: agg Q1: %w", err)
	}
	defer rows.Close()
	var out []agg.RegionAvg
	for rows.Next() {
		var r agg.RegionAvg
		var sum, n int64
		if err := rows.Scan(&r.Region, &sum, &n); err != nil {
			return nil, fmt.Errorf("sqlite: agg Q1: %w", err)
		}
		// The integer sum, divided once: the same float as the oracle's.
		r.AvgPriceCents = float64(sum) / float64(n)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: agg Q1: %w", err)
	}
	return out, nil
}

func (t *aggTable) RevenueByCategoryMonth(ctx context.Context) ([]agg.CategoryMonthRevenue, error) {
	rows, err := t.c.query(ctx, t.q.q2)
	if err != nil {
		return nil, fmt.Errorf("sqlite: agg Q2: %w", err)
	}
	defer rows.Close()
	var out []agg.CategoryMonthRevenue
	for rows.Next() {
		var r agg.CategoryMonthRevenue
		var month int64
		if err := rows.Scan(&r.Category, &month, &r.RevenueCents); err != nil {
			return nil, fmt.Errorf("sqlite: agg Q2: %w", err)
		}
		r.Month = time.Unix(month, 0).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: agg Q2: %w", err)
	}
	return out, nil
}

func (t *aggTable) TopProducts(ctx context.Context, from, to time.Time, k int) ([]agg.ProductRevenue, error) {
	if k < 1 {
		return nil, nil
	}
	rows, err := t.c.query(ctx, t.q.q3, ceilUnix(from), ceilUnix(to), k)
	if err != nil {
		return nil, fmt.Errorf("sqlite: agg Q3: %w", err)
	}
	defer rows.Close()
	var out []agg.ProductRevenue
	for rows.Next() {
		var r agg.ProductRevenue
		if err := rows.Scan(&r.ProductID, &r.RevenueCents); err != nil {
			return nil, fmt.Errorf("sqlite: agg Q3: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: agg Q3: %w", err)
	}
	return out, nil
}

func (t *aggTable) DistinctCustomersByRegion(ctx context.Context) ([]agg.RegionCustomers, error) {
	rows, err := t.c.query(ctx, t.q.q4)
	if err != nil {
		return nil, fmt.Errorf("sqlite: agg Q4: %w", err)
	}
	defer rows.Close()
	var out []agg.RegionCustomers
	for rows.Next() {
		var r agg.RegionCustomers
		if err := rows.Scan(&r.Region, &r.Customers); err != nil {
			return nil, fmt.Errorf("sqlite: agg Q4: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: agg Q4: %w", err)
	}
	return out, nil
}

func (t *aggTable) CategoryQuantity(ctx context.Context, category int, from, to time.Time) (int64, error) {
	row, err := t.c.queryRow(ctx, t.q.q5, category, ceilUnix(from), ceilUnix(to))
	if err != nil {
		return 0, fmt.Errorf("sqlite: agg Q5: %w", err)
	}
	var n int64
	if err := row.Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: agg Q5: %w", err)
	}
	return n, nil
}
