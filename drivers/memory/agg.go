package memory

// Agg: one columnar table per name (a slice per column), guarded by a
// read-write mutex. Every query is a brute-force scan of all rows with maps
// for the groups, then a sort: slow but obviously correct.

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/storefit/storefit/workloads/agg"
)

var (
	_ agg.Provider        = (*Conn)(nil)
	_ agg.Store           = (*aggTable)(nil)
	_ agg.DistinctCounter = (*aggTable)(nil)
)

// aggState holds the agg tables of a Conn by name.
type aggState struct {
	mu     sync.Mutex
	tables map[string]*aggTable
}

// aggTable is a sales table stored column by column. Timestamps are Unix
// nanoseconds (years 1678 … 2262).
type aggTable struct {
	mu       sync.RWMutex
	ts       []int64
	region   []int32
	category []int32
	product  []int64
	customer []int64
	quantity []int64
	price    []int64
}

// AggStore returns the sales table s names, creating it empty if new.
func (c *Conn) AggStore(s agg.Schema) (agg.Store, error) {
	if s.Table == "" {
		return nil, fmt.Errorf("memory: agg table needs a name")
	}
	st, err := patternState(c, "agg", func() *aggState { return &aggState{tables: map[string]*aggTable{}} })
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	t, ok := st.tables[s.Table]
	if !ok {
		t = &aggTable{}
		st.tables[s.Table] = t
	}
	return t, nil
}

func (t *aggTable) Setup(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ts, t.region, t.category, t.product, t.customer, t.quantity, t.price = nil, nil, nil, nil, nil, nil, nil
	return nil
}

func (t *aggTable) Load(ctx context.Context, rows []agg.Sale) error {
	for _, r := range rows {
		if r.Region != int(int32(r.Region)) || r.Category != int(int32(r.Category)) {
			return fmt.Errorf("memory: sale %d: region or category out of range", r.ID)
		}
		if y := r.TS.Year(); y < 1678 || y > 2261 {
			return fmt.Errorf("memory: sale %d: time %v out of range", r.ID, r.TS)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range rows {
		t.ts = append(t.ts, r.TS.UnixNano())
		t.region = append(t.region, int32(r.Region))
		t.category = append(t.category, int32(r.Category))
		t.product = append(t.product, r.ProductID)
		t.customer = append(t.customer, r.CustomerID)
		t.quantity = append(t.quantity, r.Quantity)
		t.price = append(t.price, r.PriceCents)
	}
	return nil
}

// aggWindow returns [from, to) in Unix nanoseconds, clamped to the range a
// table holds.
func aggWindow(from, to time.Time) (int64, int64) {
	lo, hi := time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)
	clamp := func(t time.Time) int64 {
		switch {
		case t.Before(lo):
			return math.MinInt64
		case t.After(hi):
			return math.MaxInt64
		}
		return t.UnixNano()
	}
	return clamp(from), clamp(to)
}

func (t *aggTable) AvgPriceByRegion(ctx context.Context) ([]agg.RegionAvg, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	sum := map[int32]int64{}
	count := map[int32]int64{}
	for i, g := range t.region {
		sum[g] += t.price[i]
		count[g]++
	}
	var out []agg.RegionAvg
	for _, g := range slices.Sorted(maps.Keys(count)) {
		out = append(out, agg.RegionAvg{Region: int(g), AvgPriceCents: float64(sum[g]) / float64(count[g])})
	}
	return out, nil
}

func (t *aggTable) RevenueByCategoryMonth(ctx context.Context) ([]agg.CategoryMonthRevenue, error) {
	type key struct {
		category int32
		month    time.Time
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	revenue := map[key]int64{}
	for i, ns := range t.ts {
		k := key{t.category[i], agg.MonthStart(time.Unix(0, ns))}
		revenue[k] += t.price[i] * t.quantity[i]
	}
	var out []agg.CategoryMonthRevenue
	for k, rev := range revenue {
		out = append(out, agg.CategoryMonthRevenue{Category: int(k.category), Month: k.month, RevenueCents: rev})
	}
	slices.SortFunc(out, func(x, y agg.CategoryMonthRevenue) int {
		return cmp.Or(cmp.Compare(x.Category, y.Category), x.Month.Compare(y.Month))
	})
	return out, nil
}

func (t *aggTable) TopProducts(ctx context.Context, from, to time.Time, k int) ([]agg.ProductRevenue, error) {
	if k < 1 {
		return nil, nil
	}
	lo, hi := aggWindow(from, to)
	t.mu.RLock()
	defer t.mu.RUnlock()
	revenue := map[int64]int64{}
	for i, ns := range t.ts {
		if lo <= ns && ns < hi {
			revenue[t.product[i]] += t.price[i] * t.quantity[i]
		}
	}
	var out []agg.ProductRevenue
	for p, rev := range revenue {
		out = append(out, agg.ProductRevenue{ProductID: p, RevenueCents: rev})
	}
	slices.SortFunc(out, func(x, y agg.ProductRevenue) int {
		return cmp.Or(cmp.Compare(y.RevenueCents, x.RevenueCents), cmp.Compare(x.ProductID, y.ProductID))
	})
	return out[:min(k, len(out))], nil
}

func (t *aggTable) DistinctCustomersByRegion(ctx context.Context) ([]agg.RegionCustomers, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	seen := map[int32]map[int64]struct{}{}
	for i, g := range t.region {
		if seen[g] == nil {
			seen[g] = map[int64]struct{}{}
		}
		seen[g][t.customer[i]] = struct{}{}
	}
	var out []agg.RegionCustomers
	for _, g := range slices.Sorted(maps.Keys(seen)) {
		out = append(out, agg.RegionCustomers{Region: int(g), Customers: int64(len(seen[g]))})
	}
	return out, nil
}

func (t *aggTable) CategoryQuantity(ctx context.Context, category int, from, to time.Time) (int64, error) {
	lo, hi := aggWindow(from, to)
	t.mu.RLock()
	defer t.mu.RUnlock()
	var sum int64
	for i, ns := range t.ts {
		if int(t.category[i]) == category && lo <= ns && ns < hi {
			sum += t.quantity[i]
		}
	}
	return sum, nil
}
