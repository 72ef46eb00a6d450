package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/storefit/storefit/workloads/agg"
)

var (
	_ agg.Provider        = (*Conn)(nil)
	_ agg.Store           = (*aggTable)(nil)
	_ agg.DistinctCounter = (*aggTable)(nil)
)

// aggTable is a sales table: MergeTree partitioned by month and sorted by
// (category, ts), so Q5 (one category, one week) reads one range of the
// primary index in one partition and Q3 (a 30-day window) one or two
// partitions; Q1, Q2 and Q4 read only the columns they aggregate.
type aggTable struct {
	c           *Conn
	name, table string

	q1, q2, q3, q4, q5 string
}

// AggStore returns the sales table s names.
func (c *Conn) AggStore(s agg.Schema) (agg.Store, error) {
	if err := checkName("agg table", s.Table); err != nil {
		return nil, err
	}
	t := &aggTable{c: c, name: s.Table, table: ident(s.Table)}
	// Q1 divides sum by count in Float64, as the reference does (avg would
	// too, but says less).
	t.q1 = "SELECT region, sum(price_cents) / count() FROM " + t.table + " GROUP BY region ORDER BY region"
	t.q2 = "SELECT category, toStartOfMonth(ts) AS month, sum(price_cents * quantity) FROM " + t.table +
		" GROUP BY category, month ORDER BY category, month"
	t.q3 = "SELECT product_id, sum(price_cents * quantity) AS revenue FROM " + t.table +
		" WHERE ts >= toDateTime(toUInt32(?)) AND ts < toDateTime(toUInt32(?)) GROUP BY product_id ORDER BY revenue DESC, product_id LIMIT ?"
	t.q4 = "SELECT region, uniqExact(customer_id) FROM " + t.table + " GROUP BY region ORDER BY region"
	t.q5 = "SELECT sum(quantity) FROM " + t.table +
		" WHERE category = toInt32(?) AND ts >= toDateTime(toUInt32(?)) AND ts < toDateTime(toUInt32(?))"
	return t, nil
}

// Setup drops and creates the table. ts is DateTime('UTC'): whole seconds,
// months computed in UTC whatever the server's time zone.
func (t *aggTable) Setup(ctx context.Context) error {
	return t.c.exec(ctx, "agg setup "+t.name,
		"DROP TABLE IF EXISTS "+t.table,
		"CREATE TABLE "+t.table+" (id Int64, ts DateTime('UTC'), region Int32, category Int32, product_id Int64,"+
			" customer_id Int64, quantity Int64, price_cents Int64) ENGINE = MergeTree PARTITION BY toYYYYMM(ts) ORDER BY (category, ts)")
}

// Load inserts a batch.
func (t *aggTable) Load(ctx context.Context, rows []agg.Sale) error {
	n := len(rows)
	if n == 0 {
		return nil
	}
	cols := []column{
		{name: "id", kind: kindInt64, ints: make([]int64, n)},
		{name: "ts", kind: kindDateTime, ints: make([]int64, n)},
		{name: "region", kind: kindInt32, ints: make([]int64, n)},
		{name: "category", kind: kindInt32, ints: make([]int64, n)},
		{name: "product_id", kind: kindInt64, ints: make([]int64, n)},
		{name: "customer_id", kind: kindInt64, ints: make([]int64, n)},
		{name: "quantity", kind: kindInt64, ints: make([]int64, n)},
		{name: "price_cents", kind: kindInt64, ints: make([]int64, n)},
	}
	for i, r := range rows {
		ts := r.TS.Unix()
		if ts < 0 || ts > 1<<32-1 || r.Region != int(int32(r.Region)) || r.Category != int(int32(r.Category)) {
			return fmt.Errorf("clickhouse: sale %d: time %v, region %d or category %d out of range", r.ID, r.TS, r.Region, r.Category)
		}
		for j, v := range []int64{r.ID, ts, int64(r.Region), int64(r.Category), r.ProductID, r.CustomerID, r.Quantity, r.PriceCents} {
			cols[j].ints[i] = v
		}
	}
	return t.c.wrap(t.c.insert(ctx, t.table, n, cols), "load %d sales into %s", n, t.name)
}

// ceilSecond returns t's Unix time in seconds rounded up: stored times are
// whole seconds, so ts >= t ⇔ ts >= ⌈t⌉ and ts < t ⇔ ts < ⌈t⌉.
func ceilSecond(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return max(s, 0)
}

func (t *aggTable) AvgPriceByRegion(ctx context.Context) ([]agg.RegionAvg, error) {
	rows, err := t.c.db.Query(ctx, t.q1)
	if err != nil {
		return nil, t.c.wrap(err, "q1 on %s", t.name)
	}
	defer rows.Close()
	var out []agg.RegionAvg
	for rows.Next() {
		var r int32
		var a float64
		if err := rows.Scan(&r, &a); err != nil {
			return nil, t.c.wrap(err, "q1 on %s", t.name)
		}
		out = append(out, agg.RegionAvg{Region: int(r), AvgPriceCents: a})
	}
	return out, t.c.wrap(rows.Err(), "q1 on %s", t.name)
}

func (t *aggTable) RevenueByCategoryMonth(ctx context.Context) ([]agg.CategoryMonthRevenue, error) {
	rows, err := t.c.db.Query(ctx, t.q2)
	if err != nil {
		return nil, t.c.wrap(err, "q2 on %s", t.name)
	}
	defer rows.Close()
	var out []agg.CategoryMonthRevenue
	for rows.Next() {
		var c int32
		var m time.Time
		var rev int64
		if err := rows.Scan(&c, &m, &rev); err != nil {
			return nil, t.c.wrap(err, "q2 on %s", t.name)
		}
		y, mo, _ := m.Date()
		out = append(out, agg.CategoryMonthRevenue{Category: int(c), Month: time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC), RevenueCents: rev})
	}
	return out, t.c.wrap(rows.Err(), "q2 on %s", t.name)
}

func (t *aggTable) TopProducts(ctx context.Context, from, to time.Time, k int) ([]agg.ProductRevenue, error) {
	if k < 1 || !to.After(from) {
		return nil, nil
	}
	rows, err := t.c.db.Query(ctx, t.q3, ceilSecond(from), ceilSecond(to), k)
	if err != nil {
		return nil, t.c.wrap(err, "q3 on %s", t.name)
	}
	defer rows.Close()
	var out []agg.ProductRevenue
	for rows.Next() {
		var p agg.ProductRevenue
		if err := rows.Scan(&p.ProductID, &p.RevenueCents); err != nil {
			return nil, t.c.wrap(err, "q3 on %s", t.name)
		}
		out = append(out, p)
	}
	return out, t.c.wrap(rows.Err(), "q3 on %s", t.name)
}

func (t *aggTable) DistinctCustomersByRegion(ctx context.Context) ([]agg.RegionCustomers, error) {
	rows, err := t.c.db.Query(ctx, t.q4)
	if err != nil {
		return nil, t.c.wrap(err, "q4 on %s", t.name)
	}
	defer rows.Close()
	var out []agg.RegionCustomers
	for rows.Next() {
		var r int32
		var n uint64
		if err := rows.Scan(&r, &n); err != nil {
			return nil, t.c.wrap(err, "q4 on %s", t.name)
		}
		out = append(out, agg.RegionCustomers{Region: int(r), Customers: int64(n)})
	}
	return out, t.c.wrap(rows.Err(), "q4 on %s", t.name)
}

func (t *aggTable) CategoryQuantity(ctx context.Context, category int, from, to time.Time) (int64, error) {
	if !to.After(from) {
		return 0, nil
	}
	var n int64
	err := t.c.db.QueryRow(ctx, t.q5, category, ceilSecond(from), ceilSecond(to)).Scan(&n)
	return n, t.c.wrap(err, "q5 on %s", t.name)
}
