// Package agg is the agg access pattern: analytic queries over a sales fact
// table of millions of rows (the "AVG price by region" of columnar stores).
//
// # Data
//
// One table, sales by default:
//
//	sales(id, ts, region, category, product_id, customer_id, quantity, price_cents)
//
// Quick scale has 1 000 000 rows, full 100 000 000 (option records). Rows
// come from gen.Sales; every row is a pure function of (seed, row number),
// so the data set is generated in streaming batches and any share part/parts
// on its own:
//
//   - id is 1 … records; ts (UTC, whole seconds) spreads the rows evenly over
//     one calendar year (2025 by default) in id order, as an append-only
//     fact table grows;
//   - region is a small integer code 0 … 7 (not a name, so "ordered by
//     region" is unambiguous in every store); it is the home region of the
//     customer, fixed per customer;
//   - category is a small integer code 0 … 19, fixed per product (a product
//     belongs to one category);
//   - product_id is 1 … 10 000, drawn from a Zipf law with exponent 1
//     (product 1 sells most; option productskew);
//   - customer_id is uniform over 1 … 100 000;
//   - quantity is uniform over 1 … 10;
//   - price_cents is the product's fixed list price (1.00 … 999.00 in
//     currency units) less a per-sale discount of 0, 10, 20 or 50 %, in
//     integer cents.
//
// # Queries
//
//	op kind                         query                                                     answer
//	q1_avg_price_by_region          AVG(price_cents) GROUP BY region, by region               []RegionAvg
//	q2_revenue_by_category_month    SUM(price_cents*quantity) GROUP BY category, month        []CategoryMonthRevenue
//	q3_top_products                 top 10 products by revenue in a 30-day window             []ProductRevenue
//	q4_distinct_customers           COUNT(DISTINCT customer_id) GROUP BY region               []RegionCustomers
//	q5_category_week_quantity       SUM(quantity) WHERE category = c AND ts in one week       int64
//
// Q2 is ordered by category, then month; Q3 by revenue descending, ties by
// product id ascending. Windows are half-open, [from, to). Q4 needs the
// optional DistinctCounter interface: stores that only estimate distinct
// counts report agg/q4 and agg/mix as n/a.
//
// # Workloads and mix
//
// WORKLOADS.md gives no proportions, so agg/mix runs the five queries with
// equal weights (20 % each); agg/q1 … agg/q5 run one query alone, so each
// query's latency can be measured by itself; agg/scan runs the queries
// that read the whole fact table — Q1, Q2, Q4, and Q3 with a window of 365
// days, the whole year — where columnar scans should pull ahead as the
// table outgrows memory. The weights are options
// q1proportion … q5proportion. Parameters are drawn per worker from its own
// stream (seed, worker id): Q3's window starts at midnight of a uniformly
// drawn day such that the whole window (windowdays, 30) lies in the year;
// Q5's category is uniform and its week is one of the year's 52 whole weeks
// counted from January 1. The mix only reads.
//
// # Options
//
// table, records, regions, categories, products, customers, maxquantity,
// productskew, year, windowdays, topk, q1proportion … q5proportion,
// loadbatch (rows per Store.Load call, 1000).
//
// # Validation
//
// The expected answers are computed by the workload itself in one streaming
// pass over the generated rows, with accumulators per query and per fixed
// parameter set (sums and counts by region, revenue by category and month,
// revenue by product for each Q3 window, a customer bitset per region,
// quantity sums for each Q5 case); the data set is never held in memory.
// The Q3 and Q5 parameter sets are fixed by the seed and include edge cases:
// the first and last windows of the year, the whole year with k = 1, a
// window of about three rows (fewer products than k), an empty window before
// the year, an unknown category and a week after the year. Integers are
// compared exactly (and in order), Q1's averages within 1e-9 relative.
// Queries returns the same set with its answers for `storefit gen`.
package agg
