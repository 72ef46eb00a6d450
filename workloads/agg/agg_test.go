package agg

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

var cmpOpts = []gocmp.Option{cmpopts.EquateEmpty(), cmpopts.EquateApprox(1e-12, 0), gocmp.AllowUnexported(topCase{}, quantityCase{})}

func newTest(t *testing.T, variant string, opts map[string]any) *Workload {
	t.Helper()
	w, err := New(variant, workloads.Params{Seed: 1, Scale: workloads.Quick, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestDefaultConfig(t *testing.T) {
	tests := []struct {
		variant string
		scale   workloads.Scale
		records int64
		props   [numOps]float64
	}{
		{"mix", workloads.Quick, 1_000_000, [numOps]float64{1, 1, 1, 1, 1}},
		{"mix", workloads.Full, 100_000_000, [numOps]float64{1, 1, 1, 1, 1}},
		{"q1", workloads.Quick, 1_000_000, [numOps]float64{1, 0, 0, 0, 0}},
		{"q3", workloads.Full, 100_000_000, [numOps]float64{0, 0, 1, 0, 0}},
		{"q5", workloads.Quick, 1_000_000, [numOps]float64{0, 0, 0, 0, 1}},
	}
	for _, tc := range tests {
		cfg, err := DefaultConfig(tc.variant, tc.scale)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Records != tc.records || cfg.proportions() != tc.props {
			t.Errorf("%s at %s: records %d, proportions %v; want %d, %v", tc.variant, tc.scale, cfg.Records, cfg.proportions(), tc.records, tc.props)
		}
		// The WORKLOADS.md shape.
		if cfg.Regions != 8 || cfg.Categories != 20 || cfg.Products != 10_000 || cfg.Customers != 100_000 || cfg.MaxQuantity != 10 || cfg.WindowDays != 30 || cfg.TopK != 10 {
			t.Errorf("%s: shape %+v differs from WORKLOADS.md", tc.variant, cfg)
		}
		if err := cfg.validate(); err != nil {
			t.Errorf("%s default config invalid: %v", tc.variant, err)
		}
	}
	scan, err := DefaultConfig("scan", workloads.Scale("10"))
	if err != nil {
		t.Fatal(err)
	}
	if scan.Records != 10_000_000 || scan.proportions() != [numOps]float64{1, 1, 1, 1, 0} || scan.WindowDays != 365 {
		t.Errorf("scan at factor 10: %d records, proportions %v, window %d days; want 10 M, Q1–Q4, 365", scan.Records, scan.proportions(), scan.WindowDays)
	}
	if _, err := DefaultConfig("q6", workloads.Quick); err == nil {
		t.Error("DefaultConfig(q6) succeeded")
	}
}

func TestOptions(t *testing.T) {
	w := newTest(t, "mix", map[string]any{"records": "5000", "q2proportion": "0", "year": 2024, "table": "s2"})
	cfg := w.Config()
	if cfg.Records != 5000 || cfg.Q2Proportion != 0 || cfg.Year != 2024 || cfg.Table != "s2" {
		t.Errorf("options not applied: %+v", cfg)
	}
	if !slices.Equal(w.OpKinds(), []string{opNames[opQ1], opNames[opQ3], opNames[opQ4], opNames[opQ5]}) {
		t.Errorf("OpKinds = %v", w.OpKinds())
	}
	if w.days != 366 {
		t.Errorf("2024 has %d days, want 366", w.days)
	}
	bad := []map[string]any{
		{"records": 0},
		{"regions": 0},
		{"categories": 1001},
		{"products": 0},
		{"customers": -1},
		{"maxquantity": 0},
		{"productskew": 0},
		{"year": 1800},
		{"windowdays": 0},
		{"windowdays": 400},
		{"topk": 0},
		{"loadbatch": 0},
		{"q3proportion": -1},
		{"q1proportion": 0, "q2proportion": 0, "q3proportion": 0, "q4proportion": 0, "q5proportion": 0},
		{"nosuchoption": 1},
		{"records": "many"},
	}
	for _, opts := range bad {
		if _, err := New("mix", workloads.Params{Seed: 1, Options: opts}); err == nil {
			t.Errorf("New with %v succeeded, want an error", opts)
		}
	}
	if _, err := New("median", workloads.Params{Seed: 1}); err == nil {
		t.Error("New(median) succeeded")
	}
}

func TestRegistered(t *testing.T) {
	for _, v := range []string{"mix", "scan", "q1", "q2", "q3", "q4", "q5"} {
		w, err := workloads.New("agg/"+v, workloads.Params{Seed: 1, Options: map[string]any{"records": 10}})
		if err != nil {
			t.Errorf("agg/%s: %v", v, err)
			continue
		}
		if w.Name() != "agg/"+v || w.Pattern() != "agg" || w.Records() != 10 {
			t.Errorf("agg/%s: name %s, pattern %s, records %d", v, w.Name(), w.Pattern(), w.Records())
		}
	}
	if !slices.Contains(workloads.Patterns(), "agg") {
		t.Errorf("patterns %v lack agg", workloads.Patterns())
	}
	if workloads.Supports(noConn{}, "agg") || !workloads.Supports(&fakeConn{}, "agg") {
		t.Error("Supports does not follow the Provider interface")
	}
}

// handRows is a tiny data set whose answers are worked out by hand in
// TestAccumulatorByHand and drivers/memory's test.
func handRows() []gen.SalesRow {
	ts := func(m time.Month, d, h, min, s int) int64 {
		return time.Date(2025, m, d, h, min, s, 0, time.UTC).Unix()
	}
	return []gen.SalesRow{
		{ID: 1, TS: ts(1, 15, 10, 0, 0), Region: 0, Category: 1, ProductID: 10, CustomerID: 100, Quantity: 2, PriceCents: 500},
		{ID: 2, TS: ts(1, 31, 23, 59, 59), Region: 1, Category: 1, ProductID: 11, CustomerID: 101, Quantity: 1, PriceCents: 1000},
		{ID: 3, TS: ts(2, 1, 0, 0, 0), Region: 0, Category: 1, ProductID: 10, CustomerID: 100, Quantity: 3, PriceCents: 450},
		{ID: 4, TS: ts(2, 10, 12, 0, 0), Region: 1, Category: 0, ProductID: 12, CustomerID: 102, Quantity: 1, PriceCents: 2000},
		{ID: 5, TS: ts(3, 3, 8, 0, 0), Region: 0, Category: 0, ProductID: 12, CustomerID: 103, Quantity: 4, PriceCents: 2000},
		{ID: 6, TS: ts(12, 31, 23, 59, 59), Region: 2, Category: 1, ProductID: 11, CustomerID: 104, Quantity: 1, PriceCents: 999},
		{ID: 7, TS: ts(3, 3, 9, 0, 0), Region: 1, Category: 0, ProductID: 13, CustomerID: 101, Quantity: 1, PriceCents: 2350},
	}
}

func date(m time.Month, d int) time.Time { return time.Date(2025, m, d, 0, 0, 0, 0, time.UTC) }

func TestAccumulatorByHand(t *testing.T) {
	tops := []topCase{
		{from: date(1, 1), to: date(3, 1), k: 10},
		{from: date(1, 1), to: date(3, 1), k: 2},
		{from: date(1, 1), to: date(4, 1), k: 10}, // a tie: products 10 and 13
		{from: date(12, 31).Add(24*time.Hour - time.Second), to: date(12, 31).Add(24 * time.Hour), k: 10},
		{from: date(1, 15).Add(10*time.Hour + time.Second/2), to: date(2, 1), k: 10}, // a sub-second bound excludes row 1
		{from: date(2, 1), to: date(2, 1), k: 10},                                    // empty window
		{from: date(1, 1), to: date(12, 31), k: 0},
	}
	qs := []quantityCase{
		{category: 1, from: date(1, 27), to: date(2, 3)},
		{category: 0, from: date(1, 1), to: date(12, 31).Add(24 * time.Hour)},
		{category: 5, from: date(1, 1), to: date(12, 31)},
		{category: 1, from: date(2, 1).Add(time.Second / 2), to: date(3, 1)}, // row 3 is before the bound
	}
	a := newAccumulator(tops, qs)
	rows := handRows()
	// Any order: the accumulator must not rely on time order.
	for _, i := range []int{3, 0, 6, 5, 1, 4, 2} {
		a.add(&rows[i])
	}
	got := a.result()
	month := func(m time.Month) time.Time { return date(m, 1) }
	want := reference{
		// Region 0: (500+450+2000)/3; region 1: (1000+2000+2350)/3; region 2: 999.
		q1: []RegionAvg{{0, 2950.0 / 3}, {1, 5350.0 / 3}, {2, 999}},
		q2: []CategoryMonthRevenue{
			{0, month(2), 2000},
			{0, month(3), 8000 + 2350},
			{1, month(1), 1000 + 1000},
			{1, month(2), 1350},
			{1, month(12), 999},
		},
		q3: []topCase{
			{from: tops[0].from, to: tops[0].to, k: 10, want: []ProductRevenue{{10, 2350}, {12, 2000}, {11, 1000}}},
			{from: tops[1].from, to: tops[1].to, k: 2, want: []ProductRevenue{{10, 2350}, {12, 2000}}},
			{from: tops[2].from, to: tops[2].to, k: 10, want: []ProductRevenue{{12, 10000}, {10, 2350}, {13, 2350}, {11, 1000}}},
			{from: tops[3].from, to: tops[3].to, k: 10, want: []ProductRevenue{{11, 999}}},
			{from: tops[4].from, to: tops[4].to, k: 10, want: []ProductRevenue{{11, 1000}}},
			{from: tops[5].from, to: tops[5].to, k: 10},
			{from: tops[6].from, to: tops[6].to, k: 0},
		},
		// Region 0: customers 100, 103; region 1: 101, 102; region 2: 104.
		q4: []RegionCustomers{{0, 2}, {1, 2}, {2, 1}},
		q5: []quantityCase{
			{category: 1, from: qs[0].from, to: qs[0].to, want: 1 + 3},
			{category: 0, from: qs[1].from, to: qs[1].to, want: 1 + 4 + 1},
			{category: 5, from: qs[2].from, to: qs[2].to, want: 0},
			{category: 1, from: qs[3].from, to: qs[3].to, want: 0},
		},
	}
	if d := gocmp.Diff(want, got, append(cmpOpts, gocmp.AllowUnexported(reference{}))...); d != "" {
		t.Errorf("accumulator answers (-by hand +got):\n%s", d)
	}
}

// bruteReference computes the answers of w's validation cases from all rows
// held in memory, the simple way, for comparison with the streaming pass.
func bruteReference(w *Workload) reference {
	var rows []gen.SalesRow
	for n := range w.cfg.Records {
		var r gen.SalesRow
		w.sales.Row(n, &r)
		rows = append(rows, r)
	}
	var ref reference
	for g := range w.cfg.Regions {
		var sum, n int64
		customers := map[int64]bool{}
		for _, r := range rows {
			if r.Region == g {
				sum += r.PriceCents
				n++
				customers[r.CustomerID] = true
			}
		}
		if n > 0 {
			ref.q1 = append(ref.q1, RegionAvg{g, float64(sum) / float64(n)})
			ref.q4 = append(ref.q4, RegionCustomers{g, int64(len(customers))})
		}
	}
	for c := range w.cfg.Categories {
		for m := time.January; m <= time.December; m++ {
			start := time.Date(w.cfg.Year, m, 1, 0, 0, 0, 0, time.UTC)
			var rev int64
			found := false
			for _, r := range rows {
				if r.Category == c && r.TS >= start.Unix() && r.TS < start.AddDate(0, 1, 0).Unix() {
					rev += r.PriceCents * r.Quantity
					found = true
				}
			}
			if found {
				ref.q2 = append(ref.q2, CategoryMonthRevenue{c, start, rev})
			}
		}
	}
	tops, qs := w.validationCases()
	for _, tc := range tops {
		rev := map[int64]int64{}
		for _, r := range rows {
			ts := time.Unix(r.TS, 0)
			if !ts.Before(tc.from) && ts.Before(tc.to) {
				rev[r.ProductID] += r.PriceCents * r.Quantity
			}
		}
		var all []ProductRevenue
		for p, v := range rev {
			all = append(all, ProductRevenue{p, v})
		}
		slices.SortFunc(all, func(x, y ProductRevenue) int {
			if x.RevenueCents != y.RevenueCents {
				return cmp.Compare(y.RevenueCents, x.RevenueCents)
			}
			return cmp.Compare(x.ProductID, y.ProductID)
		})
		tc.want = all[:min(tc.k, len(all))]
		ref.q3 = append(ref.q3, tc)
	}
	for _, qc := range qs {
		for _, r := range rows {
			ts := time.Unix(r.TS, 0)
			if r.Category == qc.category && !ts.Before(qc.from) && ts.Before(qc.to) {
				qc.want += r.Quantity
			}
		}
		ref.q5 = append(ref.q5, qc)
	}
	return ref
}

func TestReferenceMatchesBruteForce(t *testing.T) {
	for _, opts := range []map[string]any{
		{"records": 20_000},
		{"records": 3_000, "products": 40, "customers": 500, "year": 2024, "windowdays": 7, "topk": 5},
	} {
		w := newTest(t, "mix", opts)
		got, err := w.reference(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if d := gocmp.Diff(bruteReference(w), *got, append(cmpOpts, gocmp.AllowUnexported(reference{}))...); d != "" {
			t.Errorf("%v: streaming reference differs from brute force (-brute +streaming):\n%s", opts, d)
		}
	}
}

func TestValidationCases(t *testing.T) {
	w := newTest(t, "mix", map[string]any{"records": 20_000})
	ref, err := w.reference(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	yearEnd := w.start.AddDate(1, 0, 0)
	var few, empty, full int
	for _, c := range ref.q3 {
		if c.from.Before(w.start.AddDate(0, 0, -w.cfg.WindowDays)) || c.to.After(yearEnd) {
			t.Errorf("Q3 window [%v, %v) outside the year", c.from, c.to)
		}
		switch {
		case len(c.want) == 0:
			empty++
		case len(c.want) < c.k:
			few++
		case len(c.want) == c.k:
			full++
		default:
			t.Errorf("Q3 case %+v: %d answers for k=%d", c, len(c.want), c.k)
		}
	}
	if empty != 1 || few != 1 || full != len(ref.q3)-2 {
		t.Errorf("Q3 cases: %d empty, %d short, %d full; want 1 empty, 1 short (fewer products than k), the rest full", empty, few, full)
	}
	var zero int
	for _, c := range ref.q5 {
		if c.want == 0 {
			zero++
		}
	}
	if zero < 2 || zero == len(ref.q5) {
		t.Errorf("Q5 cases: %d of %d answers are 0; want the 2 edge cases and non-zero others", zero, len(ref.q5))
	}
	// Same seed, same cases; another seed, other cases.
	t1, q1 := w.validationCases()
	t2, q2 := newTest(t, "q1", map[string]any{"records": 20_000}).validationCases()
	if !slices.EqualFunc(t1, t2, func(a, b topCase) bool { return a.from.Equal(b.from) && a.k == b.k }) || len(q1) != len(q2) {
		t.Error("validation cases differ between two workloads of the same seed")
	}
	w3, _ := New("mix", workloads.Params{Seed: 2, Options: map[string]any{"records": 20_000}})
	if t3, _ := w3.validationCases(); t3[2].from.Equal(t1[2].from) && t3[3].from.Equal(t1[3].from) {
		t.Error("seeds 1 and 2 drew the same Q3 windows")
	}
}

// refStore answers every query from a fixed reference (and Q3/Q5 from the
// matching case); mutate may spoil answers.
type refStore struct {
	ref    *reference
	mutate func(q int, answer any) any
	mu     sync.Mutex
	loaded []Sale
	batch  []int
}

func (s *refStore) fix(q int, a any) any {
	if s.mutate == nil {
		return a
	}
	return s.mutate(q, a)
}

func (s *refStore) Setup(context.Context) error { return nil }
func (s *refStore) Load(_ context.Context, rows []Sale) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loaded = append(s.loaded, rows...)
	s.batch = append(s.batch, len(rows))
	return nil
}
func (s *refStore) AvgPriceByRegion(context.Context) ([]RegionAvg, error) {
	return s.fix(opQ1, slices.Clone(s.ref.q1)).([]RegionAvg), nil
}
func (s *refStore) RevenueByCategoryMonth(context.Context) ([]CategoryMonthRevenue, error) {
	return s.fix(opQ2, slices.Clone(s.ref.q2)).([]CategoryMonthRevenue), nil
}
func (s *refStore) TopProducts(_ context.Context, from, to time.Time, k int) ([]ProductRevenue, error) {
	for _, c := range s.ref.q3 {
		if c.from.Equal(from) && c.to.Equal(to) && c.k == k {
			return s.fix(opQ3, slices.Clone(c.want)).([]ProductRevenue), nil
		}
	}
	return nil, errors.New("refStore: unknown Q3 case")
}
func (s *refStore) CategoryQuantity(_ context.Context, category int, from, to time.Time) (int64, error) {
	for _, c := range s.ref.q5 {
		if c.category == category && c.from.Equal(from) && c.to.Equal(to) {
			return s.fix(opQ5, c.want).(int64), nil
		}
	}
	return 0, errors.New("refStore: unknown Q5 case")
}

type distinctRefStore struct{ *refStore }

func (s distinctRefStore) DistinctCustomersByRegion(context.Context) ([]RegionCustomers, error) {
	return s.fix(opQ4, slices.Clone(s.ref.q4)).([]RegionCustomers), nil
}

// fakeConn is a connection with the agg pattern, handing out s.
type fakeConn struct{ s Store }

func (c *fakeConn) Close() error                   { return nil }
func (c *fakeConn) AggStore(Schema) (Store, error) { return c.s, nil }

// noConn is a connection without the agg pattern.
type noConn struct{}

func (noConn) Close() error { return nil }

func newRefConn(ref *reference, distinct bool) *fakeConn { return newMutConn(ref, distinct, nil) }

func newMutConn(ref *reference, distinct bool, mutate func(int, any) any) *fakeConn {
	s := &refStore{ref: ref, mutate: mutate}
	if distinct {
		return &fakeConn{s: distinctRefStore{s}}
	}
	return &fakeConn{s: s}
}

func TestValidateDetectsWrongAnswers(t *testing.T) {
	w := newTest(t, "mix", map[string]any{"records": 5_000})
	ctx := context.Background()
	ref, err := w.reference(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all := 2 + len(ref.q3) + 1 + len(ref.q5)
	multi := 0 // Q3 cases with two or more rows, which a swap spoils
	for _, c := range ref.q3 {
		if len(c.want) > 1 {
			multi++
		}
	}
	tests := []struct {
		name     string
		distinct bool
		mutate   func(q int, a any) any
		checks   int
		failed   int
		failure  string // a substring of the first failure
	}{
		{"right answers", true, nil, all, 0, ""},
		{"no DistinctCounter: Q4 skipped", false, nil, all - 1, 0, ""},
		{"Q1 within 1e-9 relative", true, func(q int, a any) any {
			if q == opQ1 {
				r := a.([]RegionAvg)
				r[0].AvgPriceCents *= 1 + 1e-11
			}
			return a
		}, all, 0, ""},
		{"Q1 off by 1e-7 relative", true, func(q int, a any) any {
			if q == opQ1 {
				r := a.([]RegionAvg)
				r[3].AvgPriceCents *= 1 + 1e-7
			}
			return a
		}, all, 1, "Q1"},
		{"Q2 missing a group", true, func(q int, a any) any {
			if q == opQ2 {
				return a.([]CategoryMonthRevenue)[1:]
			}
			return a
		}, all, 1, "Q2"},
		{"Q2 month in local time", true, func(q int, a any) any {
			if q == opQ2 {
				r := a.([]CategoryMonthRevenue)
				r[0].Month = r[0].Month.Add(time.Hour)
			}
			return a
		}, all, 1, "Q2"},
		{"Q3 first two rows swapped", true, func(q int, a any) any {
			if q != opQ3 {
				return a
			}
			if r := a.([]ProductRevenue); len(r) > 1 {
				r[0], r[1] = r[1], r[0]
			}
			return a
		}, all, multi, "Q3"},
		{"Q4 off by one", true, func(q int, a any) any {
			if q == opQ4 {
				a.([]RegionCustomers)[7].Customers++
			}
			return a
		}, all, 1, "Q4"},
		{"Q5 off by one", true, func(q int, a any) any {
			if q == opQ5 {
				return a.(int64) + 1
			}
			return a
		}, all, len(ref.q5), "Q5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := w.Validate(ctx, newMutConn(ref, tc.distinct, tc.mutate))
			if err != nil {
				t.Fatal(err)
			}
			if v.Checks != tc.checks || v.Failed != tc.failed {
				t.Errorf("checks %d, failed %d; want %d, %d (failures %v)", v.Checks, v.Failed, tc.checks, tc.failed, v.Failures)
			}
			if tc.failure != "" && (len(v.Failures) == 0 || !strings.Contains(v.Failures[0], tc.failure)) {
				t.Errorf("failures %v, want one about %s", v.Failures, tc.failure)
			}
		})
	}
	if _, err := w.Validate(ctx, noConn{}); !errors.Is(err, drivers.ErrUnsupported) {
		t.Errorf("Validate on a conn without the pattern: %v, want ErrUnsupported", err)
	}
}

// recordingStore records the queries asked of it.
type recordingStore struct {
	refStore
	calls []string
}

func (s *recordingStore) AvgPriceByRegion(context.Context) ([]RegionAvg, error) {
	s.calls = append(s.calls, "q1")
	return nil, nil
}
func (s *recordingStore) RevenueByCategoryMonth(context.Context) ([]CategoryMonthRevenue, error) {
	s.calls = append(s.calls, "q2")
	return nil, nil
}
func (s *recordingStore) TopProducts(_ context.Context, from, to time.Time, k int) ([]ProductRevenue, error) {
	s.calls = append(s.calls, fmt.Sprintf("q3 %s %s %d", from.Format(time.RFC3339), to.Format(time.RFC3339), k))
	return nil, nil
}
func (s *recordingStore) CategoryQuantity(_ context.Context, c int, from, to time.Time) (int64, error) {
	s.calls = append(s.calls, fmt.Sprintf("q5 %d %s %s", c, from.Format(time.RFC3339), to.Format(time.RFC3339)))
	return 0, nil
}
func (s *recordingStore) DistinctCustomersByRegion(context.Context) ([]RegionCustomers, error) {
	s.calls = append(s.calls, "q4")
	return nil, nil
}

// runWorker runs n operations of worker id of workers and returns the
// calls the store saw and the op kinds.
func runWorker(t *testing.T, w *Workload, id, workers, n int) ([]string, []int) {
	t.Helper()
	s := &recordingStore{}
	k, err := w.Worker(&fakeConn{s: s}, id, workers)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []int
	for range n {
		op := k.Next()
		kinds = append(kinds, op.Kind())
		if err := op.Do(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return s.calls, kinds
}

func TestWorkerStream(t *testing.T) {
	w := newTest(t, "mix", map[string]any{"records": 100})
	const n = 20_000
	a, kinds := runWorker(t, w, 1, 4, n)
	b, _ := runWorker(t, w, 1, 4, n)
	if !slices.Equal(a, b) {
		t.Error("worker 1 of 4 gave two different streams")
	}
	if c, _ := runWorker(t, w, 2, 4, n); slices.Equal(a, c) {
		t.Error("workers 1 and 2 gave the same stream")
	}
	// Equal weights: each query 20 % ± 1.5 %; the kind matches the call.
	counts := map[string]int{}
	yearEnd := w.start.AddDate(1, 0, 0)
	for i, call := range a {
		q, params, _ := strings.Cut(call, " ")
		counts[q]++
		if want := w.kinds[kinds[i]]; !strings.HasPrefix(want, q+"_") {
			t.Fatalf("op %d: kind %s called %s", i, want, q)
		}
		f := strings.Fields(params)
		switch q {
		case "q3":
			from, _ := time.Parse(time.RFC3339, f[0])
			to, _ := time.Parse(time.RFC3339, f[1])
			if from.Before(w.start) || to.After(yearEnd) || to.Sub(from) != 30*day || from.Hour() != 0 || f[2] != "10" {
				t.Fatalf("Q3 parameters %s: want a 30-day window from a midnight inside the year, k=10", params)
			}
		case "q5":
			c, _ := strconv.Atoi(f[0])
			from, _ := time.Parse(time.RFC3339, f[1])
			to, _ := time.Parse(time.RFC3339, f[2])
			if c < 0 || c >= 20 || from.Before(w.start) || to.After(yearEnd) || to.Sub(from) != 7*day || from.Sub(w.start)%(7*day) != 0 {
				t.Fatalf("Q5 parameters %s: want a category 0..19 and a whole week of the year", params)
			}
		}
	}
	for _, q := range []string{"q1", "q2", "q3", "q4", "q5"} {
		if share := float64(counts[q]) / n; share < 0.185 || share > 0.215 {
			t.Errorf("%s share %.3f, want 0.2 ± 0.015", q, share)
		}
	}
	// A single-query variant runs only that query, as kind 0.
	calls, kinds := runWorker(t, newTest(t, "q3", map[string]any{"records": 100}), 0, 1, 100)
	for i, call := range calls {
		if !strings.HasPrefix(call, "q3 ") || kinds[i] != 0 {
			t.Fatalf("agg/q3 op %d: %s kind %d", i, call, kinds[i])
		}
	}
}

func TestWorkerNoAllocs(t *testing.T) {
	w := newTest(t, "mix", map[string]any{"records": 100})
	k, err := w.Worker(newRefConn(&reference{}, true), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(1000, func() { k.Next() }); a != 0 {
		t.Errorf("Next allocates %.1f times per call", a)
	}
}

func TestWorkerUnsupported(t *testing.T) {
	plain := newRefConn(&reference{}, false)
	for _, tc := range []struct {
		variant string
		ok      bool
	}{{"mix", false}, {"q4", false}, {"q1", true}, {"q3", true}} {
		_, err := newTest(t, tc.variant, map[string]any{"records": 10}).Worker(plain, 0, 1)
		if tc.ok && err != nil || !tc.ok && !errors.Is(err, drivers.ErrUnsupported) {
			t.Errorf("agg/%s on a store without DistinctCounter: err = %v", tc.variant, err)
		}
	}
	w := newTest(t, "q1", map[string]any{"records": 10})
	if _, err := w.Worker(noConn{}, 0, 1); !errors.Is(err, drivers.ErrUnsupported) {
		t.Errorf("Worker on a conn without the pattern: %v", err)
	}
	if _, err := w.Worker(plain, 2, 2); err == nil {
		t.Error("Worker(id 2 of 2) succeeded")
	}
}

type countProgress struct {
	mu sync.Mutex
	n  int64
}

func (p *countProgress) Add(n int64) { p.mu.Lock(); p.n += n; p.mu.Unlock() }

func TestLoadParts(t *testing.T) {
	w := newTest(t, "mix", map[string]any{"records": 2_345, "loadbatch": 100})
	ctx := context.Background()
	whole := &refStore{}
	var p countProgress
	if err := w.Load(ctx, &fakeConn{s: whole}, 0, 1, &p); err != nil {
		t.Fatal(err)
	}
	if len(whole.loaded) != 2345 || p.n != 2345 {
		t.Fatalf("loaded %d rows, progress %d; want 2345", len(whole.loaded), p.n)
	}
	if slices.Max(whole.batch) != 100 {
		t.Errorf("batch sizes %v, want at most loadbatch=100", whole.batch)
	}
	for i, r := range whole.loaded {
		if r != w.Row(int64(i)) || r.TS.Location() != time.UTC {
			t.Fatalf("row %d = %+v, want %+v in UTC", i, r, w.Row(int64(i)))
		}
	}
	parts := &refStore{}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Load(ctx, &fakeConn{s: parts}, i, 3, &p); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(parts.loaded, func(x, y Sale) int { return cmp.Compare(x.ID, y.ID) })
	if d := gocmp.Diff(whole.loaded, parts.loaded); d != "" {
		t.Errorf("union of 3 parts differs from the whole (-whole +parts):\n%s", d)
	}
	if err := w.Load(ctx, &fakeConn{s: parts}, 3, 3, &p); err == nil {
		t.Error("Load of part 3 of 3 succeeded")
	}
}

func TestExport(t *testing.T) {
	w := newTest(t, "mix", map[string]any{"records": 1_000})
	tables := w.Tables()
	if len(tables) != 1 || tables[0].Name != "sales" || len(tables[0].Columns) != 8 {
		t.Fatalf("Tables = %+v", tables)
	}
	var n int64
	for part := range 4 {
		err := w.Export(context.Background(), part, 4, func(table string, row []any) error {
			s := w.Row(n)
			want := []any{s.ID, s.TS, int64(s.Region), int64(s.Category), s.ProductID, s.CustomerID, s.Quantity, s.PriceCents}
			if table != "sales" || !gocmp.Equal(row, want) {
				t.Fatalf("export row %d = %s %v, want %v", n, table, row, want)
			}
			n++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n != 1_000 {
		t.Errorf("exported %d rows, want 1000", n)
	}
}

func TestQueries(t *testing.T) {
	w := newTest(t, "mix", map[string]any{"records": 3_000})
	qs, err := w.Queries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := w.reference(context.Background())
	if len(qs) != 3+len(ref.q3)+len(ref.q5) {
		t.Errorf("%d queries, want %d", len(qs), 3+len(ref.q3)+len(ref.q5))
	}
	compares := map[string]string{}
	for _, q := range qs {
		compares[q.Name] = q.Compare
	}
	want := map[string]string{opNames[opQ1]: "approx", opNames[opQ2]: "ordered", opNames[opQ3]: "ordered", opNames[opQ4]: "ordered", opNames[opQ5]: "exact"}
	if d := gocmp.Diff(want, compares); d != "" {
		t.Errorf("query names and comparisons (-want +got):\n%s", d)
	}
	b, err := json.Marshal(qs)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"avg_price_cents"`, `"month":"2025-01-01T00:00:00Z"`, `"answer":[]`, `"product_id"`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("queries JSON lacks %s", s)
		}
	}
}
