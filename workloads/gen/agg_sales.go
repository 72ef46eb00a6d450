package gen

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// SalesSpec describes the sales fact table of the agg pattern:
// sales(id, ts, region, category, product_id, customer_id, quantity,
// price_cents). Every row is a pure function of (Seed, the spec, row number),
// so any share of the rows can be generated on its own.
type SalesSpec struct {
	// Seed drives all values.
	Seed uint64
	// Rows is the number of rows; row numbers are 0 … Rows-1 and row n has
	// id n+1.
	Rows int64
	// Regions is the number of region codes, 0 … Regions-1.
	Regions int
	// Categories is the number of category codes, 0 … Categories-1.
	Categories int
	// Products is the number of products, ids 1 … Products.
	Products int64
	// Customers is the number of customers, ids 1 … Customers.
	Customers int64
	// MaxQuantity bounds the quantity of a sale: 1 … MaxQuantity.
	MaxQuantity int64
	// ProductSkew is the exponent s of the Zipf law of product popularity:
	// product i (1-based) is sold with probability proportional to 1/i^s.
	ProductSkew float64
	// Start is the first instant of the time range, in Unix seconds.
	Start int64
	// Span is the length of the time range in seconds; timestamps lie in
	// [Start, Start+Span).
	Span int64
}

// SalesRow is one generated sale. TS is in Unix seconds (UTC).
type SalesRow struct {
	ID         int64
	TS         int64
	Region     int
	Category   int
	ProductID  int64
	CustomerID int64
	Quantity   int64
	PriceCents int64
}

// Sales generates the rows of a SalesSpec. It holds only the product
// popularity table (8 bytes per product) and is safe for concurrent use:
// Row keeps its random stream on the caller's stack.
//
// The data model, all integer arithmetic except the Zipf table:
//   - row n has id n+1 and timestamp Start + ⌊n·Span/Rows⌋: rows are evenly
//     spread over the range in id order, as an append-only fact table is;
//   - the product is drawn from a Zipf law over ranks (product 1 sells most),
//     by binary search of a cumulative table with 53-bit thresholds;
//   - a product has one fixed category (a hash of seed and product id) and
//     one fixed list price in cents: a mantissa 100 … 999 times 1, 10 or
//     100, so 1.00 … 999.00 in currency units;
//   - the customer is uniform over 1 … Customers; a customer has one fixed
//     home region (a hash of seed and customer id), which is the sale's
//     region;
//   - the quantity is uniform over 1 … MaxQuantity;
//   - the sale price is the list price less a discount drawn per sale: 0 %
//     (70 % of sales), 10 % (15 %), 20 % (10 %) or 50 % (5 %), rounded down
//     to whole cents.
//
// The Zipf table sums 1/i^s in a fixed order; for s = 1 (and any s for
// which math.Pow is exact) it is the same on every machine. For other s,
// math.Pow may differ in the last bit between architectures, which can move
// a product threshold by one unit in 2^53.
type Sales struct {
	spec SalesSpec
	cdf  []uint64 // cdf[i] = ⌊P(rank <= i)·2^53⌋; the last entry is 2^53
}

// Stream numbers and hash salts of the sales generator, distinct from any
// other generator's.
const (
	salesRowStream    = 0x5A1E5 << 40 // + row number: the row's random stream
	salesCategorySalt = 0x5A1E5CA7E6
	salesPriceSalt    = 0x5A1E5941CE
	salesRegionSalt   = 0x5A1E5BE610
	salesMaxRows      = 1 << 40
	salesMaxProducts  = 10_000_000
	salesUnit53       = 1 << 53
)

// NewSales checks spec and builds its generator.
func NewSales(spec SalesSpec) (*Sales, error) {
	switch {
	case spec.Rows < 1 || spec.Rows > salesMaxRows:
		return nil, fmt.Errorf("sales rows must be in 1..%d, not %d", int64(salesMaxRows), spec.Rows)
	case spec.Regions < 1:
		return nil, fmt.Errorf("sales regions must be at least 1, not %d", spec.Regions)
	case spec.Categories < 1:
		return nil, fmt.Errorf("sales categories must be at least 1, not %d", spec.Categories)
	case spec.Products < 1 || spec.Products > salesMaxProducts:
		return nil, fmt.Errorf("sales products must be in 1..%d, not %d", salesMaxProducts, spec.Products)
	case spec.Customers < 1:
		return nil, fmt.Errorf("sales customers must be at least 1, not %d", spec.Customers)
	case spec.MaxQuantity < 1:
		return nil, fmt.Errorf("sales max quantity must be at least 1, not %d", spec.MaxQuantity)
	case !(spec.ProductSkew > 0 && spec.ProductSkew <= 10):
		return nil, fmt.Errorf("sales product skew must be in (0, 10], not %v", spec.ProductSkew)
	case spec.Span < 1:
		return nil, errors.New("sales time span must be at least one second")
	}
	return &Sales{spec: spec, cdf: salesZipfTable(spec.Products, spec.ProductSkew)}, nil
}

// salesZipfTable returns the cumulative Zipf(s) table over n ranks with
// thresholds scaled to 2^53.
func salesZipfTable(n int64, s float64) []uint64 {
	total := 0.0
	for i := int64(1); i <= n; i++ {
		total += 1 / math.Pow(float64(i), s) // Pow(x, 1) is exactly x
	}
	cdf := make([]uint64, n)
	cum := 0.0
	for i := int64(1); i <= n; i++ {
		cum += 1 / math.Pow(float64(i), s)
		cdf[i-1] = min(uint64(cum/total*salesUnit53), salesUnit53)
	}
	cdf[n-1] = salesUnit53
	return cdf
}

// Spec returns the generator's spec.
func (s *Sales) Spec() SalesSpec { return s.spec }

// SalesPartRange returns the row numbers [lo, hi) of share part of parts.
// The shares of 0 … parts-1 cover 0 … rows-1 once, in order.
func SalesPartRange(rows int64, part, parts int) (lo, hi int64) {
	return salesMulDiv(rows, int64(part), int64(parts)), salesMulDiv(rows, int64(part+1), int64(parts))
}

// salesMulDiv returns ⌊a·b/c⌋ for non-negative a, b and b <= c, without
// overflow.
func salesMulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, _ := bits.Div64(hi, lo, uint64(c))
	return int64(q)
}

// Timestamp returns the timestamp of row n in Unix seconds.
func (s *Sales) Timestamp(n int64) int64 {
	return s.spec.Start + salesMulDiv(n, s.spec.Span, s.spec.Rows)
}

// ProductCategory returns the category code of product p.
func (s *Sales) ProductCategory(p int64) int {
	return int(Mix64(s.spec.Seed^Mix64(uint64(p)^salesCategorySalt)) % uint64(s.spec.Categories))
}

// ProductListPrice returns the list price of product p in cents.
func (s *Sales) ProductListPrice(p int64) int64 {
	x := Mix64(s.spec.Seed ^ Mix64(uint64(p)^salesPriceSalt))
	scale := [3]int64{1, 10, 100}[x%3]
	return (int64((x>>8)%900) + 100) * scale
}

// CustomerRegion returns the home region code of customer c.
func (s *Sales) CustomerRegion(c int64) int {
	return int(Mix64(s.spec.Seed^Mix64(uint64(c)^salesRegionSalt)) % uint64(s.spec.Regions))
}

// productRank draws a product rank (0-based) from the Zipf table.
func (s *Sales) productRank(r *Rand) int64 {
	u := r.Uint64() >> 11 // uniform in [0, 2^53)
	lo, hi := 0, len(s.cdf)-1
	for lo < hi { // the first i with u < cdf[i]; cdf[last] = 2^53 > u
		mid := int(uint(lo+hi) >> 1)
		if u < s.cdf[mid] {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return int64(lo)
}

// Row fills dst with row n (0 <= n < Rows).
func (s *Sales) Row(n int64, dst *SalesRow) {
	var r Rand
	r.Reset(s.spec.Seed, salesRowStream+uint64(n))
	p := s.productRank(&r) + 1
	c := int64(r.Uint64N(uint64(s.spec.Customers))) + 1
	q := int64(r.Uint64N(uint64(s.spec.MaxQuantity))) + 1
	var discount int64
	switch d := r.Uint64N(100); {
	case d < 70:
		discount = 0
	case d < 85:
		discount = 10
	case d < 95:
		discount = 20
	default:
		discount = 50
	}
	*dst = SalesRow{
		ID:         n + 1,
		TS:         s.Timestamp(n),
		Region:     s.CustomerRegion(c),
		Category:   s.ProductCategory(p),
		ProductID:  p,
		CustomerID: c,
		Quantity:   q,
		PriceCents: s.ProductListPrice(p) * (100 - discount) / 100,
	}
}
