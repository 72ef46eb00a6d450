package gen

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
	"testing"
	"time"
)

// salesTestSpec is the agg pattern's default shape with a smaller row count.
func salesTestSpec(seed uint64, rows int64) SalesSpec {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return SalesSpec{
		Seed: seed, Rows: rows, Regions: 8, Categories: 20, Products: 10_000, Customers: 100_000,
		MaxQuantity: 10, ProductSkew: 1, Start: start.Unix(), Span: 365 * 24 * 3600,
	}
}

func newTestSales(t testing.TB, spec SalesSpec) *Sales {
	t.Helper()
	s, err := NewSales(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func salesHashRow(h hash.Hash, r *SalesRow) {
	var b [64]byte
	for i, v := range []int64{r.ID, r.TS, int64(r.Region), int64(r.Category), r.ProductID, r.CustomerID, r.Quantity, r.PriceCents} {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	h.Write(b[:])
}

// salesHash hashes rows [lo, hi) of s.
func salesHash(s *Sales, lo, hi int64) string {
	h := sha256.New()
	var r SalesRow
	for n := lo; n < hi; n++ {
		s.Row(n, &r)
		salesHashRow(h, &r)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestSalesDeterminism(t *testing.T) {
	const rows = 20_000
	a := salesHash(newTestSales(t, salesTestSpec(1, rows)), 0, rows)
	b := salesHash(newTestSales(t, salesTestSpec(1, rows)), 0, rows)
	if a != b {
		t.Errorf("same seed, different data: %s vs %s", a, b)
	}
	if c := salesHash(newTestSales(t, salesTestSpec(2, rows)), 0, rows); c == a {
		t.Errorf("seeds 1 and 2 give the same data (%s)", a)
	}
	spec := salesTestSpec(1, rows)
	spec.Products = 500
	if c := salesHash(newTestSales(t, spec), 0, rows); c == a {
		t.Errorf("products 10000 and 500 give the same data (%s)", a)
	}
}

// TestSalesGolden pins the bytes of the first rows of seed 1, so a change of
// the data (on another machine, Go version or by an edit) is noticed. Update
// the constant only for an intended change of the data set.
func TestSalesGolden(t *testing.T) {
	const want = "03392925ba396d05de848ce44cf1a0af6167a223186839203e7c000e268d4d9f"
	if got := salesHash(newTestSales(t, salesTestSpec(1, 1_000_000)), 0, 5000); got != want {
		t.Errorf("hash of rows 0..4999 of seed 1 = %s, want %s", got, want)
	}
}

func TestSalesPartsUnion(t *testing.T) {
	const rows = 10_007
	spec := salesTestSpec(3, rows)
	whole := salesHash(newTestSales(t, spec), 0, rows)
	for _, parts := range []int{1, 2, 3, 7, 64} {
		// Each part from its own generator, hashed in part order: the
		// concatenation must be the unsharded data set, row for row.
		h := sha256.New()
		covered := int64(0)
		for part := range parts {
			lo, hi := SalesPartRange(rows, part, parts)
			if lo != covered {
				t.Fatalf("parts=%d part %d starts at %d, want %d", parts, part, lo, covered)
			}
			covered = hi
			g := newTestSales(t, spec)
			var r SalesRow
			for n := lo; n < hi; n++ {
				g.Row(n, &r)
				salesHashRow(h, &r)
			}
		}
		if covered != rows {
			t.Fatalf("parts=%d cover %d rows, want %d", parts, covered, rows)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != whole {
			t.Errorf("parts=%d: union of parts differs from the unsharded rows", parts)
		}
	}
}

func TestSalesPartRangeLarge(t *testing.T) {
	// 100 million rows times a large part count must not overflow.
	const rows = 100_000_000
	lo, hi := SalesPartRange(rows, 1<<20-1, 1<<20)
	if hi != rows || lo >= hi {
		t.Errorf("last of 2^20 parts = [%d, %d), want to end at %d", lo, hi, rows)
	}
}

func TestSalesRanges(t *testing.T) {
	const rows = 50_000
	spec := salesTestSpec(5, rows)
	s := newTestSales(t, spec)
	category := map[int64]int{}
	region := map[int64]int{}
	prevTS := int64(math.MinInt64)
	var r SalesRow
	for n := int64(0); n < rows; n++ {
		s.Row(n, &r)
		switch {
		case r.ID != n+1:
			t.Fatalf("row %d: id %d", n, r.ID)
		case r.TS < spec.Start || r.TS >= spec.Start+spec.Span:
			t.Fatalf("row %d: ts %d outside [%d, %d)", n, r.TS, spec.Start, spec.Start+spec.Span)
		case r.TS < prevTS:
			t.Fatalf("row %d: ts %d before the previous row's %d", n, r.TS, prevTS)
		case r.Region < 0 || r.Region >= spec.Regions:
			t.Fatalf("row %d: region %d", n, r.Region)
		case r.Category < 0 || r.Category >= spec.Categories:
			t.Fatalf("row %d: category %d", n, r.Category)
		case r.ProductID < 1 || r.ProductID > spec.Products:
			t.Fatalf("row %d: product %d", n, r.ProductID)
		case r.CustomerID < 1 || r.CustomerID > spec.Customers:
			t.Fatalf("row %d: customer %d", n, r.CustomerID)
		case r.Quantity < 1 || r.Quantity > spec.MaxQuantity:
			t.Fatalf("row %d: quantity %d", n, r.Quantity)
		}
		prevTS = r.TS
		list := s.ProductListPrice(r.ProductID)
		if list < 100 || list > 99_900 {
			t.Fatalf("product %d: list price %d cents outside 100..99900", r.ProductID, list)
		}
		// A product has one category and one list price; a customer one region.
		if c, ok := category[r.ProductID]; ok && c != r.Category {
			t.Fatalf("product %d in categories %d and %d", r.ProductID, c, r.Category)
		}
		category[r.ProductID] = r.Category
		if d := salesDiscountOf(list, r.PriceCents); d < 0 {
			t.Fatalf("row %d: price %d is no discount of list price %d", n, r.PriceCents, list)
		}
		if g, ok := region[r.CustomerID]; ok && g != r.Region {
			t.Fatalf("customer %d in regions %d and %d", r.CustomerID, g, r.Region)
		}
		region[r.CustomerID] = r.Region
	}
	// The whole year is used: first and last rows near the ends.
	s.Row(0, &r)
	if r.TS != spec.Start {
		t.Errorf("first row at %d, want %d", r.TS, spec.Start)
	}
	s.Row(rows-1, &r)
	if end := spec.Start + spec.Span; r.TS < end-2*spec.Span/rows {
		t.Errorf("last row at %d, want within two row spacings of %d", r.TS, end)
	}
}

// TestSalesDistributions checks the marginal distributions: product
// popularity fits Zipf with the configured exponent, and customers, regions,
// quantities and discounts have the stated shares.
func TestSalesDistributions(t *testing.T) {
	const rows = 400_000
	for _, skew := range []float64{1, 0.8} {
		spec := salesTestSpec(11, rows)
		spec.ProductSkew = skew
		s := newTestSales(t, spec)
		products := make([]float64, spec.Products+1)
		regions := make([]float64, spec.Regions)
		quantity := make([]float64, spec.MaxQuantity+1)
		discounts := map[int64]float64{}
		var custLow float64
		var r SalesRow
		for n := int64(0); n < rows; n++ {
			s.Row(n, &r)
			products[r.ProductID]++
			regions[r.Region]++
			quantity[r.Quantity]++
			discounts[salesDiscountOf(s.ProductListPrice(r.ProductID), r.PriceCents)]++
			if r.CustomerID <= spec.Customers/2 {
				custLow++
			}
		}
		// Least-squares slope of log(frequency) over log(rank) for the
		// 100 most popular ranks: -skew within 0.05.
		var sx, sy, sxx, sxy float64
		const k = 100
		for i := 1; i <= k; i++ {
			x, y := math.Log(float64(i)), math.Log(products[i])
			sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
		}
		slope := (k*sxy - sx*sy) / (k*sxx - sx*sx)
		if math.Abs(-slope-skew) > 0.05 {
			t.Errorf("skew %v: fitted Zipf exponent %.3f, want %v ± 0.05", skew, -slope, skew)
		}
		// Share of product 1 against the exact Zipf probability, within 3 %.
		h := 0.0
		for i := int64(1); i <= spec.Products; i++ {
			h += math.Pow(float64(i), -skew)
		}
		if got, want := products[1]/rows, 1/h; math.Abs(got-want) > 0.03*want {
			t.Errorf("skew %v: product 1 share %.4f, want %.4f", skew, got, want)
		}
		within := func(name string, got, want, tol float64) {
			t.Helper()
			if math.Abs(got-want) > tol {
				t.Errorf("skew %v: %s share %.4f, want %.4f ± %.4f", skew, name, got, want, tol)
			}
		}
		within("low half of customers", custLow/rows, 0.5, 0.005)
		for g, c := range regions {
			within("region "+string(rune('0'+g)), c/rows, 1.0/8, 0.01)
		}
		for q := int64(1); q <= spec.MaxQuantity; q++ {
			within("quantity "+string(rune('0'+q-1)), quantity[q]/rows, 0.1, 0.005)
		}
		within("discount 0%", discounts[0]/rows, 0.70, 0.01)
		within("discount 10%", discounts[10]/rows, 0.15, 0.01)
		within("discount 20%", discounts[20]/rows, 0.10, 0.01)
		within("discount 50%", discounts[50]/rows, 0.05, 0.01)
		within("no discount", discounts[-1]/rows, 0, 0)
	}
}

// salesDiscountOf returns the discount percentage that turns list into
// price, or -1 if none of the generator's discounts does.
func salesDiscountOf(list, price int64) int64 {
	for _, d := range []int64{0, 10, 20, 50} {
		if list*(100-d)/100 == price {
			return d
		}
	}
	return -1
}

func TestNewSalesErrors(t *testing.T) {
	base := salesTestSpec(1, 100)
	tests := []struct {
		name   string
		change func(*SalesSpec)
	}{
		{"no rows", func(s *SalesSpec) { s.Rows = 0 }},
		{"no regions", func(s *SalesSpec) { s.Regions = 0 }},
		{"no categories", func(s *SalesSpec) { s.Categories = 0 }},
		{"no products", func(s *SalesSpec) { s.Products = 0 }},
		{"too many products", func(s *SalesSpec) { s.Products = salesMaxProducts + 1 }},
		{"no customers", func(s *SalesSpec) { s.Customers = 0 }},
		{"no quantity", func(s *SalesSpec) { s.MaxQuantity = 0 }},
		{"zero skew", func(s *SalesSpec) { s.ProductSkew = 0 }},
		{"NaN skew", func(s *SalesSpec) { s.ProductSkew = math.NaN() }},
		{"no span", func(s *SalesSpec) { s.Span = 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := base
			tc.change(&spec)
			if _, err := NewSales(spec); err == nil {
				t.Errorf("NewSales(%+v) succeeded, want an error", spec)
			}
		})
	}
	if _, err := NewSales(base); err != nil {
		t.Errorf("NewSales(valid): %v", err)
	}
}

// BenchmarkSalesRows measures generation speed in rows/s on one goroutine.
func BenchmarkSalesRows(b *testing.B) {
	s := newTestSales(b, salesTestSpec(1, 100_000_000))
	var r SalesRow
	var sum int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.Row(int64(i), &r)
		sum += r.PriceCents
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if sum == 0 {
		b.Fatal("no rows")
	}
}
