package drivertest

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/agg"
)

func newAgg(t *testing.T, variant string, opts map[string]any) *agg.Workload {
	t.Helper()
	w, err := agg.New(variant, workloads.Params{Seed: 7, Scale: workloads.Quick, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func aggStore(t *testing.T, c drivers.Conn, table string) agg.Store {
	t.Helper()
	s, err := c.(agg.Provider).AggStore(agg.Schema{Table: table})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// aggCmp compares answers: empty equals nil, Q1's averages within 1e-9
// relative, times with time.Time.Equal (go-cmp uses the Equal method).
var aggCmp = []cmp.Option{cmpopts.EquateEmpty(), cmpopts.EquateApprox(1e-9, 0)}

func checkAgg(t *testing.T, c, oracle drivers.Conn) {
	w := newAgg(t, "mix", map[string]any{"records": 2000, "table": "sales"})
	setupLoad(t, w, c, 3)
	setupLoad(t, w, oracle, 1)

	t.Run("validate", func(t *testing.T) { validate(t, w, c) })
	t.Run("validate scan", func(t *testing.T) {
		// The same data, Q3 over the whole year.
		ws := newAgg(t, "scan", map[string]any{"records": 2000, "table": "sales"})
		if _, err := ws.Worker(c, 0, 1); errors.Is(err, drivers.ErrUnsupported) {
			t.Skipf("%v", err)
		}
		validate(t, ws, c)
	})
	t.Run("operations", func(t *testing.T) { compareAggOps(t, w, c, oracle) })
	t.Run("ties and bounds", func(t *testing.T) { checkAggTies(t, c, oracle) })
	t.Run("setup empties", func(t *testing.T) {
		w2 := newAgg(t, "q1", map[string]any{"records": 10, "table": "sales_setup"})
		setupLoad(t, w2, c, 1)
		if err := w2.Setup(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		s := aggStore(t, c, "sales_setup")
		ctx := context.Background()
		if got, err := s.AvgPriceByRegion(ctx); err != nil || len(got) != 0 {
			t.Errorf("Q1 after Setup = %v, %v; want no rows", got, err)
		}
		if got, err := s.RevenueByCategoryMonth(ctx); err != nil || len(got) != 0 {
			t.Errorf("Q2 after Setup = %v, %v; want no rows", got, err)
		}
		year := w2.Start()
		if got, err := s.TopProducts(ctx, year, year.AddDate(1, 0, 0), 10); err != nil || len(got) != 0 {
			t.Errorf("Q3 after Setup = %v, %v; want no rows", got, err)
		}
		if got, err := s.CategoryQuantity(ctx, 0, year, year.AddDate(1, 0, 0)); err != nil || got != 0 {
			t.Errorf("Q5 after Setup = %v, %v; want 0", got, err)
		}
	})
	for _, v := range []string{"mix", "scan", "q1", "q2", "q3", "q4", "q5"} {
		t.Run("workers "+v, func(t *testing.T) {
			wv := newAgg(t, v, map[string]any{"records": 1000, "table": "sales_" + v})
			if _, err := wv.Worker(c, 0, 1); errors.Is(err, drivers.ErrUnsupported) {
				t.Skipf("%v", err)
			}
			setupLoad(t, wv, c, 2)
			runWorkers(t, wv, c, 4, 100, nil)
		})
	}
}

// compareAggOps runs a deterministic random sequence of every agg operation
// against the driver and the oracle — queries with windows inside, across
// and outside the year, empty and reversed windows, k from 0 to more than
// the products sold, unknown categories, and appends of new rows between
// them — and compares the answers.
func compareAggOps(t *testing.T, w *agg.Workload, c, oracle drivers.Conn) {
	ctx := context.Background()
	table := w.Config().Table
	got, want := aggStore(t, c, table), aggStore(t, oracle, table)
	gotDC, distinct := got.(agg.DistinctCounter)
	wantDC := want.(agg.DistinctCounter)
	cfg := w.Config()
	start := w.Start()
	r := rand.New(rand.NewPCG(3, 4))
	nextID := cfg.Records + 1
	randTime := func() time.Time {
		t := start.Add(time.Duration(r.Int64N(400*24*3600)-20*24*3600) * time.Second)
		if r.IntN(4) == 0 {
			t = t.Add(time.Duration(r.Int64N(1e9))) // a bound between whole seconds
		}
		return t
	}
	randWindow := func() (time.Time, time.Time) {
		from := randTime()
		spans := []time.Duration{0, -time.Hour, time.Minute, 6 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour, 400 * 24 * time.Hour}
		return from, from.Add(spans[r.IntN(len(spans))])
	}
	fail := func(op string, args []any, e1, e2 error) bool {
		if e1 != nil || e2 != nil {
			t.Fatalf("%s %v: err = %v, oracle %v", op, args, e1, e2)
		}
		return false
	}
	for i := 0; i < 600 && !t.Failed(); i++ {
		switch op := r.IntN(8); op {
		case 0:
			g, e1 := got.AvgPriceByRegion(ctx)
			o, e2 := want.AvgPriceByRegion(ctx)
			fail("Q1", nil, e1, e2)
			if d := cmp.Diff(o, g, aggCmp...); d != "" {
				t.Errorf("Q1 (-oracle +got):\n%s", d)
			}
		case 1:
			g, e1 := got.RevenueByCategoryMonth(ctx)
			o, e2 := want.RevenueByCategoryMonth(ctx)
			fail("Q2", nil, e1, e2)
			if d := cmp.Diff(o, g, aggCmp...); d != "" {
				t.Errorf("Q2 (-oracle +got):\n%s", d)
			}
		case 2, 3:
			from, to := randWindow()
			k := []int{0, 1, 3, 10, 100, 5000}[r.IntN(6)]
			g, e1 := got.TopProducts(ctx, from, to, k)
			o, e2 := want.TopProducts(ctx, from, to, k)
			fail("Q3", []any{from, to, k}, e1, e2)
			if d := cmp.Diff(o, g, aggCmp...); d != "" {
				t.Errorf("Q3 top %d in [%v, %v) (-oracle +got):\n%s", k, from, to, d)
			}
		case 4:
			if !distinct {
				continue
			}
			g, e1 := gotDC.DistinctCustomersByRegion(ctx)
			o, e2 := wantDC.DistinctCustomersByRegion(ctx)
			fail("Q4", nil, e1, e2)
			if d := cmp.Diff(o, g, aggCmp...); d != "" {
				t.Errorf("Q4 (-oracle +got):\n%s", d)
			}
		case 5, 6:
			from, to := randWindow()
			cat := r.IntN(cfg.Categories+2) - 1 // -1 and categories match nothing
			g, e1 := got.CategoryQuantity(ctx, cat, from, to)
			o, e2 := want.CategoryQuantity(ctx, cat, from, to)
			fail("Q5", []any{cat, from, to}, e1, e2)
			if g != o {
				t.Errorf("Q5 category %d in [%v, %v) = %d, oracle %d", cat, from, to, g, o)
			}
		case 7: // append new rows, inside and outside the year
			rows := make([]agg.Sale, 1+r.IntN(40))
			for j := range rows {
				rows[j] = agg.Sale{
					ID:         nextID,
					TS:         start.Add(time.Duration(r.Int64N(400*24*3600)-20*24*3600) * time.Second),
					Region:     r.IntN(cfg.Regions + 1), // a region the generator never uses
					Category:   r.IntN(cfg.Categories),
					ProductID:  1 + r.Int64N(30), // few products and prices: revenue ties
					CustomerID: 1 + r.Int64N(cfg.Customers+10),
					Quantity:   1 + r.Int64N(cfg.MaxQuantity),
					PriceCents: []int64{100, 250, 1000, 99_900}[r.IntN(4)],
				}
				nextID++
			}
			fail("load", []any{len(rows)}, got.Load(ctx, rows), want.Load(ctx, rows))
		}
	}
}

// checkAggTies loads a hand-made table whose answers have ties and rows on
// window bounds, and compares the driver with the oracle and with answers
// worked out by hand.
func checkAggTies(t *testing.T, c, oracle drivers.Conn) {
	ctx := context.Background()
	jan := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d, h int) time.Time { return jan.Add(time.Duration(d)*24*time.Hour + time.Duration(h)*time.Hour) }
	// Revenue in [Jan 2, Jan 10): products 2, 3 and 5 earn 3000 each,
	// products 1 and 4 1000 each; product 6 sells at Jan 10 0:00 (outside)
	// and product 7 at Jan 1 23:00 (outside).
	rows := []agg.Sale{
		{ID: 1, TS: at(1, 0), Region: 1, Category: 2, ProductID: 1, CustomerID: 10, Quantity: 1, PriceCents: 1000},
		{ID: 2, TS: at(2, 5), Region: 0, Category: 2, ProductID: 2, CustomerID: 11, Quantity: 3, PriceCents: 1000},
		{ID: 3, TS: at(3, 1), Region: 1, Category: 3, ProductID: 5, CustomerID: 10, Quantity: 2, PriceCents: 1500},
		{ID: 4, TS: at(4, 0), Region: 0, Category: 3, ProductID: 3, CustomerID: 12, Quantity: 1, PriceCents: 3000},
		{ID: 5, TS: at(5, 0), Region: 1, Category: 2, ProductID: 4, CustomerID: 13, Quantity: 1, PriceCents: 500},
		{ID: 6, TS: at(8, 23), Region: 1, Category: 2, ProductID: 4, CustomerID: 10, Quantity: 1, PriceCents: 500},
		{ID: 7, TS: at(9, 0), Region: 2, Category: 2, ProductID: 6, CustomerID: 14, Quantity: 9, PriceCents: 9000},
		{ID: 8, TS: at(0, 23), Region: 2, Category: 3, ProductID: 7, CustomerID: 14, Quantity: 9, PriceCents: 9000},
		{ID: 9, TS: at(40, 0), Region: 0, Category: 2, ProductID: 2, CustomerID: 11, Quantity: 2, PriceCents: 1000},
	}
	got, want := aggStore(t, c, "sales_ties"), aggStore(t, oracle, "sales_ties")
	for _, s := range []agg.Store{got, want} {
		if err := s.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Load(ctx, rows); err != nil {
			t.Fatal(err)
		}
	}
	from, to := at(1, 0), at(9, 0)
	for _, k := range []int{0, 1, 3, 4, 5, 10} {
		g, err := got.TopProducts(ctx, from, to, k)
		if err != nil {
			t.Fatal(err)
		}
		o, err := want.TopProducts(ctx, from, to, k)
		if err != nil {
			t.Fatal(err)
		}
		byHand := []agg.ProductRevenue{{ProductID: 2, RevenueCents: 3000}, {ProductID: 3, RevenueCents: 3000}, {ProductID: 5, RevenueCents: 3000}, {ProductID: 1, RevenueCents: 1000}, {ProductID: 4, RevenueCents: 1000}}
		byHand = byHand[:min(k, len(byHand))]
		if d := cmp.Diff(byHand, o, aggCmp...); d != "" {
			t.Errorf("oracle Q3 top %d (-by hand +oracle):\n%s", k, d)
		}
		if d := cmp.Diff(o, g, aggCmp...); d != "" {
			t.Errorf("Q3 top %d (-oracle +got):\n%s", k, d)
		}
	}
	// A bound half a second after a row excludes it: [Jan 2 0:00.5, Jan 10)
	// drops product 1.
	g, err := got.TopProducts(ctx, from.Add(time.Second/2), to, 1_000)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]agg.ProductRevenue{{ProductID: 2, RevenueCents: 3000}, {ProductID: 3, RevenueCents: 3000}, {ProductID: 5, RevenueCents: 3000}, {ProductID: 4, RevenueCents: 1000}}, g, aggCmp...); d != "" {
		t.Errorf("Q3 with a sub-second bound (-by hand +got):\n%s", d)
	}
	// Q5, category 2: quantities 1 (Jan 2) + 3 + 1 + 1 in [Jan 2, Jan 10).
	for _, s := range []agg.Store{got, want} {
		if q, err := s.CategoryQuantity(ctx, 2, from, to); err != nil || q != 6 {
			t.Errorf("%T Q5 category 2 = %d, %v; want 6", s, q, err)
		}
		if q, err := s.CategoryQuantity(ctx, 2, to, from); err != nil || q != 0 {
			t.Errorf("%T Q5 reversed window = %d, %v; want 0", s, q, err)
		}
	}
	// Q4: region 0 has customers 11, 12; region 1 has 10, 13; region 2 has 14.
	if dc, ok := got.(agg.DistinctCounter); ok {
		g, err := dc.DistinctCustomersByRegion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]agg.RegionCustomers{{Region: 0, Customers: 2}, {Region: 1, Customers: 2}, {Region: 2, Customers: 1}}, g, aggCmp...); d != "" {
			t.Errorf("Q4 (-by hand +got):\n%s", d)
		}
	}
}
