package agg

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// topCase is a Q3 validation query and, once computed, its answer.
type topCase struct {
	from, to time.Time
	k        int
	want     []ProductRevenue
}

// quantityCase is a Q5 validation query and, once computed, its answer.
type quantityCase struct {
	category int
	from, to time.Time
	want     int64
}

// reference holds the expected answers of the validation queries.
type reference struct {
	q1 []RegionAvg
	q2 []CategoryMonthRevenue
	q3 []topCase
	q4 []RegionCustomers
	q5 []quantityCase
}

// validationCases returns the fixed Q3 and Q5 queries Validate asks, drawn
// from the validation stream of the seed: Q3 over the first and last
// windows of the year and four drawn ones with k = topk, the whole year with
// k = 1, a window holding about three rows (fewer products than k), and a
// window in the year before (empty); Q5 for ten drawn (category, week)
// pairs, one category for the whole year, an unknown category and a week
// after the year (both 0).
func (w *Workload) validationCases() ([]topCase, []quantityCase) {
	r := gen.NewRand(w.seed, validateStream)
	cfg := w.cfg
	window := time.Duration(cfg.WindowDays) * day
	year := time.Duration(w.days) * day
	lastDay := w.days - int64(cfg.WindowDays)
	days := []int64{0, lastDay}
	for range 4 {
		days = append(days, r.Int64N(lastDay+1))
	}
	var tops []topCase
	for _, d := range days {
		from := w.start.Add(time.Duration(d) * day)
		tops = append(tops, topCase{from: from, to: from.Add(window), k: cfg.TopK})
	}
	tops = append(tops, topCase{from: w.start, to: w.start.Add(year), k: 1})
	// Rows are evenly spaced in time: three spacings from a row's own
	// timestamp hold about three rows.
	n := r.Int64N(cfg.Records)
	from := time.Unix(w.sales.Timestamp(n), 0).UTC()
	width := max(3*year/time.Duration(cfg.Records), time.Second).Truncate(time.Second)
	tops = append(tops,
		topCase{from: from, to: from.Add(width), k: cfg.TopK},
		topCase{from: w.start.Add(-window), to: w.start, k: cfg.TopK})

	var qs []quantityCase
	weeks := w.days / 7
	for range 10 {
		from := w.start.Add(time.Duration(r.Int64N(weeks)) * 7 * day)
		qs = append(qs, quantityCase{category: r.IntN(cfg.Categories), from: from, to: from.Add(7 * day)})
	}
	qs = append(qs,
		quantityCase{category: r.IntN(cfg.Categories), from: w.start, to: w.start.Add(year)},
		quantityCase{category: cfg.Categories, from: w.start, to: w.start.Add(year)},
		quantityCase{category: 0, from: w.start.Add(year), to: w.start.Add(year + 7*day)})
	return tops, qs
}

// reference returns the expected answers, computed on first use in one
// streaming pass over the generated rows (accumulators per query and per
// fixed parameter set; no data set in memory) and kept for later calls.
func (w *Workload) reference(ctx context.Context) (*reference, error) {
	w.refMu.Lock()
	defer w.refMu.Unlock()
	if w.ref != nil {
		return w.ref, nil
	}
	tops, qs := w.validationCases()
	a := newAccumulator(tops, qs)
	var r gen.SalesRow
	for n := range w.cfg.Records {
		if n%(1<<16) == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		w.sales.Row(n, &r)
		a.add(&r)
	}
	ref := a.result()
	w.ref = &ref
	return w.ref, nil
}

// catMonth is a Q2 group: a category and the Unix second its month starts.
type catMonth struct {
	category int
	month    int64
}

// accumulator computes the answers of the validation queries from a stream
// of rows, in any order. Customer ids must not be negative.
type accumulator struct {
	priceSum, count map[int]int64 // Q1, by region
	revenue         map[catMonth]int64
	monthLo         int64 // the month of the previous row: [monthLo, monthHi)
	monthHi         int64
	tops            []topCase
	topRevenue      []map[int64]int64 // per Q3 case: revenue by product
	customers       map[int]*bitset   // Q4: customers seen, by region
	quantities      []quantityCase    // Q5
	topFrom, topTo  []int64           // Q3 windows in Unix seconds
	qFrom, qTo      []int64           // Q5 windows in Unix seconds
}

func newAccumulator(tops []topCase, qs []quantityCase) *accumulator {
	a := &accumulator{
		priceSum:   map[int]int64{},
		count:      map[int]int64{},
		revenue:    map[catMonth]int64{},
		monthLo:    1,
		monthHi:    0, // empty: the first row computes its month
		tops:       slices.Clone(tops),
		customers:  map[int]*bitset{},
		quantities: slices.Clone(qs),
	}
	for _, c := range tops {
		a.topRevenue = append(a.topRevenue, map[int64]int64{})
		a.topFrom = append(a.topFrom, unixCeil(c.from))
		a.topTo = append(a.topTo, unixCeil(c.to))
	}
	for _, c := range qs {
		a.qFrom = append(a.qFrom, unixCeil(c.from))
		a.qTo = append(a.qTo, unixCeil(c.to))
	}
	return a
}

// unixCeil returns the first whole Unix second at or after t: a row with
// whole-second timestamp ts satisfies t <= ts exactly when unixCeil(t) <= ts.
func unixCeil(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

func (a *accumulator) add(r *gen.SalesRow) {
	revenue := r.PriceCents * r.Quantity
	a.priceSum[r.Region] += r.PriceCents
	a.count[r.Region]++
	if r.TS < a.monthLo || r.TS >= a.monthHi {
		m := MonthStart(time.Unix(r.TS, 0))
		a.monthLo, a.monthHi = m.Unix(), m.AddDate(0, 1, 0).Unix()
	}
	a.revenue[catMonth{r.Category, a.monthLo}] += revenue
	for i := range a.tops {
		if a.topFrom[i] <= r.TS && r.TS < a.topTo[i] {
			a.topRevenue[i][r.ProductID] += revenue
		}
	}
	b := a.customers[r.Region]
	if b == nil {
		b = &bitset{}
		a.customers[r.Region] = b
	}
	b.set(r.CustomerID)
	for i := range a.quantities {
		if r.Category == a.quantities[i].category && a.qFrom[i] <= r.TS && r.TS < a.qTo[i] {
			a.quantities[i].want += r.Quantity
		}
	}
}

// result returns the answers for the rows added so far.
func (a *accumulator) result() reference {
	var ref reference
	for _, g := range sortedKeys(a.count) {
		ref.q1 = append(ref.q1, RegionAvg{Region: g, AvgPriceCents: float64(a.priceSum[g]) / float64(a.count[g])})
	}
	for _, k := range sortedKeysFunc(a.revenue, func(x, y catMonth) int {
		return cmp.Or(cmp.Compare(x.category, y.category), cmp.Compare(x.month, y.month))
	}) {
		ref.q2 = append(ref.q2, CategoryMonthRevenue{Category: k.category, Month: time.Unix(k.month, 0).UTC(), RevenueCents: a.revenue[k]})
	}
	for i, c := range a.tops {
		var all []ProductRevenue
		for p, rev := range a.topRevenue[i] {
			all = append(all, ProductRevenue{ProductID: p, RevenueCents: rev})
		}
		slices.SortFunc(all, compareTop)
		c.want = all[:min(len(all), max(c.k, 0))]
		ref.q3 = append(ref.q3, c)
	}
	for _, g := range sortedKeys(a.customers) {
		ref.q4 = append(ref.q4, RegionCustomers{Region: g, Customers: a.customers[g].count()})
	}
	ref.q5 = slices.Clone(a.quantities)
	return ref
}

// compareTop orders Q3 answers: revenue descending, then product id.
func compareTop(x, y ProductRevenue) int {
	return cmp.Or(cmp.Compare(y.RevenueCents, x.RevenueCents), cmp.Compare(x.ProductID, y.ProductID))
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return sortedKeysFunc(m, cmp.Compare[K])
}

func sortedKeysFunc[K comparable, V any](m map[K]V, f func(x, y K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, f)
	return keys
}

// bitset is a set of non-negative integers.
type bitset struct{ words []uint64 }

func (b *bitset) set(i int64) {
	w := int(i >> 6)
	if w >= len(b.words) {
		words := make([]uint64, max(w+1, 2*len(b.words)))
		copy(words, b.words)
		b.words = words
	}
	b.words[w] |= 1 << (i & 63)
}

func (b *bitset) count() int64 {
	n := 0
	for _, x := range b.words {
		n += bits.OnesCount64(x)
	}
	return int64(n)
}

// Validate asks every validation query (Q1, Q2, Q4 once; Q3 and Q5 for the
// fixed parameter sets of validationCases) and compares the answers with the
// reference: integers exactly and in order, Q1's averages within 1e-9
// relative. Q4 is skipped on stores without DistinctCounter.
func (w *Workload) Validate(ctx context.Context, c drivers.Conn) (workloads.Validation, error) {
	var v workloads.Validation
	s, err := w.store(c)
	if err != nil {
		return v, err
	}
	ref, err := w.reference(ctx)
	if err != nil {
		return v, fmt.Errorf("agg reference answers: %w", err)
	}
	asked := func(q string, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%s: %w", q, err)
	}

	q1, err := s.AvgPriceByRegion(ctx)
	if err != nil {
		return v, asked("Q1 average price by region", err)
	}
	check(&v, "Q1 average price by region", diffSlices(q1, ref.q1, func(x, y RegionAvg) bool {
		return x.Region == y.Region && approxEqual(x.AvgPriceCents, y.AvgPriceCents)
	}))

	q2, err := s.RevenueByCategoryMonth(ctx)
	if err != nil {
		return v, asked("Q2 revenue by category and month", err)
	}
	check(&v, "Q2 revenue by category and month", diffSlices(q2, ref.q2, func(x, y CategoryMonthRevenue) bool {
		return x.Category == y.Category && x.Month.Equal(y.Month) && x.RevenueCents == y.RevenueCents
	}))

	if dc, ok := s.(DistinctCounter); ok {
		q4, err := dc.DistinctCustomersByRegion(ctx)
		if err != nil {
			return v, asked("Q4 distinct customers by region", err)
		}
		check(&v, "Q4 distinct customers by region", diffSlices(q4, ref.q4, func(x, y RegionCustomers) bool { return x == y }))
	}

	err = w.askCases(ctx, s, *ref, &v)
	return v, err
}

// askCases asks the Q3 and Q5 queries of ref and checks their answers.
func (w *Workload) askCases(ctx context.Context, s Store, ref reference, v *workloads.Validation) error {
	asked := func(q string, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%s: %w", q, err)
	}
	for _, tc := range ref.q3 {
		name := fmt.Sprintf("Q3 top %d products in [%s, %s)", tc.k, tc.from.Format(time.RFC3339), tc.to.Format(time.RFC3339))
		got, err := s.TopProducts(ctx, tc.from, tc.to, tc.k)
		if err != nil {
			return asked(name, err)
		}
		check(v, name, diffSlices(got, tc.want, func(x, y ProductRevenue) bool { return x == y }))
	}
	for _, qc := range ref.q5 {
		name := fmt.Sprintf("Q5 quantity of category %d in [%s, %s)", qc.category, qc.from.Format(time.RFC3339), qc.to.Format(time.RFC3339))
		got, err := s.CategoryQuantity(ctx, qc.category, qc.from, qc.to)
		if err != nil {
			return asked(name, err)
		}
		diff := ""
		if got != qc.want {
			diff = fmt.Sprintf("got %d, want %d", got, qc.want)
		}
		check(v, name, diff)
	}
	return nil
}

// ValidateShare checks what load parts [first, first+count) of parts alone
// determine. A share is a contiguous run of rows, and rows are in time
// order, so the share holds every sale of a time window: Q3 and Q5 over
// windows inside it, and Q2's rows of the months it holds whole, have the
// same answers whatever the other shares hold (in the same server or in
// their own stores), and are checked exactly as Validate checks them. Q1
// and Q4 aggregate over every row and are left out; a run phase after a
// load phase checks them.
func (w *Workload) ValidateShare(ctx context.Context, c drivers.Conn, first, count, parts int) (workloads.Validation, error) {
	var v workloads.Validation
	s, err := w.store(c)
	if err != nil {
		return v, err
	}
	if first < 0 || count < 1 || first+count > parts {
		return v, fmt.Errorf("agg: share of parts %d…%d of %d", first, first+count-1, parts)
	}
	lo, _ := gen.SalesPartRange(w.cfg.Records, first, parts)
	_, hi := gen.SalesPartRange(w.cfg.Records, first+count-1, parts)
	if hi <= lo {
		return v, nil // an empty share holds nothing to check
	}
	from, to := w.shareWindow(lo, hi)
	if !to.After(from) {
		return v, nil // every second of the share holds rows of another
	}
	tops, qs := w.shareCases(first, lo, hi, from, to)
	a := newAccumulator(tops, qs)
	var r gen.SalesRow
	for n := lo; n < hi; n++ {
		if n%(1<<16) == 0 && ctx.Err() != nil {
			return v, ctx.Err()
		}
		w.sales.Row(n, &r)
		a.add(&r)
	}
	ref := a.result()
	asked := func(q string, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%s: %w", q, err)
	}
	whole := func(rows []CategoryMonthRevenue) []CategoryMonthRevenue {
		var out []CategoryMonthRevenue
		for _, r := range rows {
			if !r.Month.Before(from) && !r.Month.AddDate(0, 1, 0).After(to) {
				out = append(out, r)
			}
		}
		return out
	}
	if want := whole(ref.q2); len(want) > 0 {
		q2, err := s.RevenueByCategoryMonth(ctx)
		if err != nil {
			return v, asked("Q2 revenue by category and month", err)
		}
		name := fmt.Sprintf("Q2 revenue by category and month, months in [%s, %s)", from.Format(time.RFC3339), to.Format(time.RFC3339))
		check(&v, name, diffSlices(whole(q2), want, func(x, y CategoryMonthRevenue) bool {
			return x.Category == y.Category && x.Month.Equal(y.Month) && x.RevenueCents == y.RevenueCents
		}))
	}
	err = w.askCases(ctx, s, ref, &v)
	return v, err
}

// shareWindow returns the window [from, to) that holds exactly the sales
// of rows [lo, hi): after the last row before lo, up to the first row at
// or after hi (whole seconds; timestamps never decrease with the row
// number).
func (w *Workload) shareWindow(lo, hi int64) (from, to time.Time) {
	from = w.start
	if lo > 0 {
		from = time.Unix(w.sales.Timestamp(lo-1)+1, 0).UTC()
	}
	to = w.start.Add(time.Duration(w.days) * day)
	if hi < w.cfg.Records {
		to = time.Unix(w.sales.Timestamp(hi), 0).UTC()
	}
	return from, to
}

// shareCases returns the Q3 and Q5 queries ValidateShare asks, all inside
// the share's window [from, to) or outside the year (empty answers),
// drawn from a stream of the seed and the share's first part: Q3 over the
// whole window with k = topk and k = 1, windows of windowdays days (or the
// share, if shorter) at its start, at its end and two drawn ones, a window
// holding about three rows, and one before the year; Q5 for ten drawn
// (category, week) pairs, one category over the share, an unknown
// category and a week after the year.
func (w *Workload) shareCases(first int, lo, hi int64, from, to time.Time) ([]topCase, []quantityCase) {
	r := gen.NewRand(w.seed, validateStream+1+uint64(first))
	cfg := w.cfg
	span := to.Sub(from)
	window := min(time.Duration(cfg.WindowDays)*day, span)
	at := func(length time.Duration) time.Time { // a whole second in [from, to-length]
		return from.Add(time.Duration(r.Int64N(int64((span-length)/time.Second)+1)) * time.Second)
	}
	tops := []topCase{
		{from: from, to: to, k: cfg.TopK},
		{from: from, to: to, k: 1},
		{from: from, to: from.Add(window), k: cfg.TopK},
		{from: to.Add(-window), to: to, k: cfg.TopK},
	}
	for range 2 {
		f := at(window)
		tops = append(tops, topCase{from: f, to: f.Add(window), k: cfg.TopK})
	}
	year := time.Duration(w.days) * day
	width := max(3*year/time.Duration(cfg.Records), time.Second).Truncate(time.Second)
	f := time.Unix(w.sales.Timestamp(lo+r.Int64N(hi-lo)), 0).UTC()
	if f.Before(from) { // a row sharing its second with the share before
		f = from
	}
	three := f.Add(width)
	if three.After(to) {
		three = to
	}
	tops = append(tops,
		topCase{from: f, to: three, k: cfg.TopK},
		topCase{from: w.start.Add(-window), to: w.start, k: cfg.TopK})

	week := min(7*day, span)
	var qs []quantityCase
	for range 10 {
		f := at(week)
		qs = append(qs, quantityCase{category: r.IntN(cfg.Categories), from: f, to: f.Add(week)})
	}
	qs = append(qs,
		quantityCase{category: r.IntN(cfg.Categories), from: from, to: to},
		quantityCase{category: cfg.Categories, from: from, to: to},
		quantityCase{category: 0, from: w.start.Add(year), to: w.start.Add(year + 7*day)})
	return tops, qs
}

func check(v *workloads.Validation, name, diff string) {
	if diff == "" {
		v.Pass()
		return
	}
	v.Failf("%s: %s", name, diff)
}

// diffSlices describes the first difference between got and want, or
// returns "" when they are equal element by element.
func diffSlices[T any](got, want []T, eq func(x, y T) bool) string {
	for i := range min(len(got), len(want)) {
		if !eq(got[i], want[i]) {
			return fmt.Sprintf("row %d is %+v, want %+v", i, got[i], want[i])
		}
	}
	switch {
	case len(got) > len(want):
		return fmt.Sprintf("%d rows, want %d; first extra %+v", len(got), len(want), got[len(want)])
	case len(got) < len(want):
		return fmt.Sprintf("%d rows, want %d; first missing %+v", len(got), len(want), want[len(got)])
	}
	return ""
}

// approxEqual reports whether x and y agree within 1e-9 relative.
func approxEqual(x, y float64) bool {
	if x == y {
		return true
	}
	return math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))
}
