package memory

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/agg"
)

func aggTestStore(t testing.TB, table string) agg.Store {
	t.Helper()
	c, err := Driver{}.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := c.(*Conn).AggStore(agg.Schema{Table: table})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func aggDay(m time.Month, d int) time.Time { return time.Date(2025, m, d, 0, 0, 0, 0, time.UTC) }

// TestAggByHand checks the oracle on a tiny data set whose answers are
// worked out by hand from the query definitions.
func TestAggByHand(t *testing.T) {
	ctx := context.Background()
	at := func(m time.Month, d, h, min, s int) time.Time { return time.Date(2025, m, d, h, min, s, 0, time.UTC) }
	rows := []agg.Sale{
		{ID: 1, TS: at(1, 15, 10, 0, 0), Region: 0, Category: 1, ProductID: 10, CustomerID: 100, Quantity: 2, PriceCents: 500},
		{ID: 2, TS: at(1, 31, 23, 59, 59), Region: 1, Category: 1, ProductID: 11, CustomerID: 101, Quantity: 1, PriceCents: 1000},
		{ID: 3, TS: at(2, 1, 0, 0, 0), Region: 0, Category: 1, ProductID: 10, CustomerID: 100, Quantity: 3, PriceCents: 450},
		{ID: 4, TS: at(2, 10, 12, 0, 0), Region: 1, Category: 0, ProductID: 12, CustomerID: 102, Quantity: 1, PriceCents: 2000},
		{ID: 5, TS: at(3, 3, 8, 0, 0), Region: 0, Category: 0, ProductID: 12, CustomerID: 103, Quantity: 4, PriceCents: 2000},
		{ID: 6, TS: at(12, 31, 23, 59, 59), Region: 2, Category: 1, ProductID: 11, CustomerID: 104, Quantity: 1, PriceCents: 999},
		{ID: 7, TS: at(3, 3, 9, 0, 0), Region: 1, Category: 0, ProductID: 13, CustomerID: 101, Quantity: 1, PriceCents: 2350},
	}
	s := aggTestStore(t, "sales")
	// Two batches, the second first: answers must not depend on order.
	if err := s.Load(ctx, rows[4:]); err != nil {
		t.Fatal(err)
	}
	if err := s.Load(ctx, rows[:4]); err != nil {
		t.Fatal(err)
	}
	opts := []cmp.Option{cmpopts.EquateEmpty(), cmpopts.EquateApprox(1e-15, 0)}

	q1, err := s.AvgPriceByRegion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Region 0: (500+450+2000)/3; region 1: (1000+2000+2350)/3; region 2: 999.
	want1 := []agg.RegionAvg{{Region: 0, AvgPriceCents: 2950.0 / 3}, {Region: 1, AvgPriceCents: 5350.0 / 3}, {Region: 2, AvgPriceCents: 999}}
	if d := cmp.Diff(want1, q1, opts...); d != "" {
		t.Errorf("Q1 (-by hand +oracle):\n%s", d)
	}

	q2, err := s.RevenueByCategoryMonth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want2 := []agg.CategoryMonthRevenue{
		{Category: 0, Month: aggDay(2, 1), RevenueCents: 2000},
		{Category: 0, Month: aggDay(3, 1), RevenueCents: 8000 + 2350},
		{Category: 1, Month: aggDay(1, 1), RevenueCents: 1000 + 1000},
		{Category: 1, Month: aggDay(2, 1), RevenueCents: 1350},
		{Category: 1, Month: aggDay(12, 1), RevenueCents: 999},
	}
	if d := cmp.Diff(want2, q2, opts...); d != "" {
		t.Errorf("Q2 (-by hand +oracle):\n%s", d)
	}
	for _, m := range q2 {
		if m.Month.Location() != time.UTC {
			t.Errorf("Q2 month %v not in UTC", m.Month)
		}
	}

	pr := func(p, rev int64) agg.ProductRevenue { return agg.ProductRevenue{ProductID: p, RevenueCents: rev} }
	yearEnd := aggDay(12, 31).Add(24 * time.Hour)
	tops := []struct {
		from, to time.Time
		k        int
		want     []agg.ProductRevenue
	}{
		{aggDay(1, 1), aggDay(3, 1), 10, []agg.ProductRevenue{pr(10, 2350), pr(12, 2000), pr(11, 1000)}},
		{aggDay(1, 1), aggDay(3, 1), 2, []agg.ProductRevenue{pr(10, 2350), pr(12, 2000)}},
		{aggDay(1, 1), aggDay(4, 1), 10, []agg.ProductRevenue{pr(12, 10000), pr(10, 2350), pr(13, 2350), pr(11, 1000)}}, // tie by id
		{yearEnd.Add(-time.Second), yearEnd, 10, []agg.ProductRevenue{pr(11, 999)}},
		{at(1, 15, 10, 0, 0).Add(time.Second / 2), aggDay(2, 1), 10, []agg.ProductRevenue{pr(11, 1000)}},
		{aggDay(2, 1), aggDay(2, 1), 10, nil},
		{aggDay(3, 1), aggDay(2, 1), 10, nil},
		{aggDay(1, 1), yearEnd, 0, nil},
		{aggDay(1, 1), yearEnd, -1, nil},
		{time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), 1, []agg.ProductRevenue{pr(12, 10000)}},
	}
	for _, tc := range tops {
		got, err := s.TopProducts(ctx, tc.from, tc.to, tc.k)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(tc.want, got, opts...); d != "" {
			t.Errorf("Q3 top %d in [%v, %v) (-by hand +oracle):\n%s", tc.k, tc.from, tc.to, d)
		}
	}

	q4, err := s.(agg.DistinctCounter).DistinctCustomersByRegion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Region 0: customers 100, 103; region 1: 101, 102; region 2: 104.
	want4 := []agg.RegionCustomers{{Region: 0, Customers: 2}, {Region: 1, Customers: 2}, {Region: 2, Customers: 1}}
	if d := cmp.Diff(want4, q4, opts...); d != "" {
		t.Errorf("Q4 (-by hand +oracle):\n%s", d)
	}

	q5s := []struct {
		category int
		from, to time.Time
		want     int64
	}{
		{1, aggDay(1, 27), aggDay(2, 3), 1 + 3},
		{0, aggDay(1, 1), yearEnd, 1 + 4 + 1},
		{5, aggDay(1, 1), yearEnd, 0},
		{1, aggDay(2, 1).Add(time.Second / 2), aggDay(3, 1), 0},
		{1, aggDay(2, 3), aggDay(1, 27), 0},
	}
	for _, tc := range q5s {
		got, err := s.CategoryQuantity(ctx, tc.category, tc.from, tc.to)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("Q5 category %d in [%v, %v) = %d, want %d", tc.category, tc.from, tc.to, got, tc.want)
		}
	}

	// Setup empties the table; another table is independent.
	other := aggTestStore(t, "other")
	if q, _ := other.AvgPriceByRegion(ctx); len(q) != 0 {
		t.Errorf("a new table has Q1 rows %v", q)
	}
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if q, _ := s.AvgPriceByRegion(ctx); len(q) != 0 {
		t.Errorf("Q1 after Setup = %v, want none", q)
	}
}

func TestAggLoadRejects(t *testing.T) {
	s := aggTestStore(t, "sales")
	bad := []agg.Sale{
		{ID: 1, TS: time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC)},
		{ID: 2, TS: aggDay(1, 1), Region: 1 << 40},
	}
	for _, r := range bad {
		if err := s.Load(context.Background(), []agg.Sale{r}); err == nil {
			t.Errorf("Load(%+v) succeeded", r)
		}
	}
}

// BenchmarkAggQueries times each oracle query over the quick-scale data set
// (1 000 000 rows), and the validation of that data set.
func BenchmarkAggQueries(b *testing.B) {
	ctx := context.Background()
	w, err := agg.New("mix", workloads.Params{Seed: 1, Scale: workloads.Quick})
	if err != nil {
		b.Fatal(err)
	}
	c, _ := Driver{}.Open(ctx, "")
	defer c.Close()
	if err := w.Setup(ctx, c); err != nil {
		b.Fatal(err)
	}
	if err := w.Load(ctx, c, 0, 1, aggNopProgress{}); err != nil {
		b.Fatal(err)
	}
	s, _ := c.(*Conn).AggStore(w.Schema())
	from := w.Start().AddDate(0, 3, 0)
	queries := []struct {
		name string
		f    func() error
	}{
		{"q1", func() error { _, err := s.AvgPriceByRegion(ctx); return err }},
		{"q2", func() error { _, err := s.RevenueByCategoryMonth(ctx); return err }},
		{"q3", func() error { _, err := s.TopProducts(ctx, from, from.AddDate(0, 0, 30), 10); return err }},
		{"q4", func() error { _, err := s.(agg.DistinctCounter).DistinctCustomersByRegion(ctx); return err }},
		{"q5", func() error { _, err := s.CategoryQuantity(ctx, 3, from, from.AddDate(0, 0, 7)); return err }},
		{"validate", func() error {
			// A fresh workload each time, so the reference pass is timed too.
			w, _ := agg.New("mix", workloads.Params{Seed: 1, Scale: workloads.Quick})
			v, err := w.Validate(ctx, c)
			if err == nil && !v.OK() {
				b.Fatalf("validation failed: %v", v.Failures)
			}
			return err
		}},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				if err := q.f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type aggNopProgress struct{}

func (aggNopProgress) Add(int64) {}
