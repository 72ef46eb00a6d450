package agg

import (
	"context"
	"time"

	"github.com/storefit/storefit/drivers"
)

// Schema names the sales table an agg workload uses.
type Schema struct {
	// Table is the table name, "sales" by default.
	Table string
}

// Sale is one row of the sales fact table.
type Sale struct {
	// ID is unique; the generator numbers rows 1 … records.
	ID int64
	// TS is the time of the sale, in UTC with whole seconds.
	TS time.Time
	// Region is a small region code, 0 … regions-1.
	Region int
	// Category is a small category code, 0 … categories-1; a product has
	// one category.
	Category int
	// ProductID is the product sold, 1 … products.
	ProductID int64
	// CustomerID is the buyer, 1 … customers.
	CustomerID int64
	// Quantity is the number of units, 1 … maxquantity.
	Quantity int64
	// PriceCents is the unit price in integer cents.
	PriceCents int64
}

// RegionAvg is a row of Q1: the average unit price of a region's sales.
type RegionAvg struct {
	Region        int     `json:"region"`
	AvgPriceCents float64 `json:"avg_price_cents"`
}

// CategoryMonthRevenue is a row of Q2: the revenue of a category in a
// calendar month.
type CategoryMonthRevenue struct {
	Category int `json:"category"`
	// Month is the first instant of the calendar month, UTC.
	Month time.Time `json:"month"`
	// RevenueCents is SUM(price_cents*quantity).
	RevenueCents int64 `json:"revenue_cents"`
}

// ProductRevenue is a row of Q3: a product's revenue in a time window.
type ProductRevenue struct {
	ProductID    int64 `json:"product_id"`
	RevenueCents int64 `json:"revenue_cents"`
}

// RegionCustomers is a row of Q4: the number of distinct customers with a
// sale in a region.
type RegionCustomers struct {
	Region    int   `json:"region"`
	Customers int64 `json:"customers"`
}

// Provider is implemented by connections that support the agg pattern.
type Provider interface {
	// AggStore returns a handle on the sales table s names. It does not
	// touch the store; Store.Setup creates the table.
	AggStore(s Schema) (Store, error)
}

// Store is the agg (analytic queries over a sales fact table) pattern.
// Methods are safe for concurrent use. Time windows are half-open,
// [from, to): a window with to <= from holds no rows. Groups without rows
// are absent from grouped answers, as SQL's GROUP BY has it.
type Store interface {
	// Setup creates the table empty, dropping any previous one.
	Setup(ctx context.Context) error
	// Load appends a batch of rows (bulk load). Rows with the same ID are
	// never loaded twice. The slice is only valid during the call.
	Load(ctx context.Context, rows []Sale) error
	// AvgPriceByRegion is Q1: AVG(price_cents) GROUP BY region, ordered by
	// region ascending.
	AvgPriceByRegion(ctx context.Context) ([]RegionAvg, error)
	// RevenueByCategoryMonth is Q2: SUM(price_cents*quantity) GROUP BY
	// category and calendar month (UTC) of ts, ordered by category, then
	// month ascending.
	RevenueByCategoryMonth(ctx context.Context) ([]CategoryMonthRevenue, error)
	// TopProducts is Q3: the k products with the highest
	// SUM(price_cents*quantity) over the sales with from <= ts < to,
	// ordered by revenue descending, then product id ascending. It returns
	// fewer when fewer products sold in the window, none when k < 1.
	TopProducts(ctx context.Context, from, to time.Time, k int) ([]ProductRevenue, error)
	// CategoryQuantity is Q5: SUM(quantity) of the sales of one category
	// with from <= ts < to; 0 when there are none.
	CategoryQuantity(ctx context.Context, category int, from, to time.Time) (int64, error)
}

// DistinctCounter is an optional interface of a Store that counts distinct
// values exactly. Engines that only estimate cardinality (HyperLogLog and
// the like) leave it out; Q4 is then n/a for them (agg/q4 and agg/mix
// report n/a, and validation skips Q4).
type DistinctCounter interface {
	// DistinctCustomersByRegion is Q4: COUNT(DISTINCT customer_id) GROUP
	// BY region, ordered by region ascending.
	DistinctCustomersByRegion(ctx context.Context) ([]RegionCustomers, error)
}

// Supports reports whether c supports the agg pattern.
func Supports(c drivers.Conn) bool {
	_, ok := c.(Provider)
	return ok
}

// MonthStart returns the first instant of t's calendar month in UTC: the
// month key of Q2.
func MonthStart(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}
