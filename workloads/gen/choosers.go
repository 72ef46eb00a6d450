package gen

import (
	"fmt"
	"math"
)

// IntGenerator draws integers; key choosers implement it.
type IntGenerator interface {
	// Next returns the next value.
	Next() int64
}

// Uniform draws integers uniformly from [Lo, Hi], as YCSB's
// UniformLongGenerator does.
type Uniform struct {
	r     *Rand
	lo, n int64
}

// NewUniform returns a uniform generator over [lo, hi]. It panics if hi < lo.
func NewUniform(r *Rand, lo, hi int64) *Uniform {
	if hi < lo {
		panic(fmt.Sprintf("gen: uniform bounds [%d, %d]", lo, hi))
	}
	return &Uniform{r: r, lo: lo, n: hi - lo + 1}
}

// Next returns a value in [lo, hi].
func (u *Uniform) Next() int64 { return u.lo + u.r.Int64N(u.n) }

// Sequential returns lo, lo+1, …, hi and then starts again at lo, as YCSB's
// SequentialGenerator does.
type Sequential struct {
	lo, hi, cur int64
}

// NewSequential returns a sequential generator over [lo, hi].
func NewSequential(lo, hi int64) *Sequential {
	if hi < lo {
		panic(fmt.Sprintf("gen: sequential bounds [%d, %d]", lo, hi))
	}
	return &Sequential{lo: lo, hi: hi, cur: lo}
}

// Next returns the next value in order.
func (s *Sequential) Next() int64 {
	v := s.cur
	s.cur++
	if s.cur > s.hi {
		s.cur = s.lo
	}
	return v
}

// ZipfianConstant is YCSB's default zipfian constant (theta).
const ZipfianConstant = 0.99

// Zipfian draws integers in [base, base+items) with a zipfian distribution:
// value base+i has probability proportional to 1/(i+1)^theta, so base is the
// most popular. It is the algorithm of Gray et al., "Quickly Generating
// Billion-Record Synthetic Databases" (SIGMOD 1994), as YCSB's
// ZipfianGenerator implements it, including draws over an item count that
// grows as records are inserted (NextN): zeta(n) is then extended
// incrementally from the last count instead of being recomputed.
type Zipfian struct {
	r          *Rand
	base       int64
	theta      float64
	alpha      float64 // 1/(1-theta)
	zeta2theta float64 // zeta(2, theta)
	half       float64 // 0.5^theta
	count      int64   // the item count zetan and eta are for
	zetan      float64 // zeta(count, theta)
	eta        float64
}

// NewZipfian returns a zipfian generator over [lo, hi] with constant theta
// (0 < theta < 1; YCSB uses 0.99). It computes zeta(hi-lo+1), which takes
// time linear in the item count; use NewZipfianZeta to share one computation.
func NewZipfian(r *Rand, lo, hi int64, theta float64) *Zipfian {
	return NewZipfianZeta(r, lo, hi, theta, Zeta(0, hi-lo+1, theta, 0))
}

// NewZipfianZeta is NewZipfian with zeta(hi-lo+1, theta) given.
func NewZipfianZeta(r *Rand, lo, hi int64, theta, zetan float64) *Zipfian {
	if hi < lo {
		panic(fmt.Sprintf("gen: zipfian bounds [%d, %d]", lo, hi))
	}
	if !(theta > 0 && theta < 1) {
		panic(fmt.Sprintf("gen: zipfian constant %v not in (0, 1)", theta))
	}
	z := &Zipfian{
		r:          r,
		base:       lo,
		theta:      theta,
		alpha:      1 / (1 - theta),
		zeta2theta: Zeta(0, 2, theta, 0),
		half:       math.Pow(0.5, theta),
	}
	z.setCount(hi-lo+1, zetan)
	return z
}

func (z *Zipfian) setCount(n int64, zetan float64) {
	z.count = n
	z.zetan = zetan
	z.eta = (1 - math.Pow(2/float64(n), 1-z.theta)) / (1 - z.zeta2theta/zetan)
}

// Zeta returns the sum of 1/i^theta for i in (st, n], added to initialSum:
// Zeta(0, n, theta, 0) is the generalized harmonic number H(n, theta), and
// Zeta(m, n, theta, Zeta(0, m, theta, 0)) extends it from m to n items.
func Zeta(st, n int64, theta, initialSum float64) float64 {
	sum := initialSum
	for i := st; i < n; i++ {
		sum += 1 / math.Pow(float64(i+1), theta)
	}
	return sum
}

// Next draws from the generator's item count.
func (z *Zipfian) Next() int64 { return z.NextN(z.count) }

// NextN draws from [base, base+items). When items differs from the count of
// the previous draw, zeta is extended incrementally (growth, the common case
// as records are inserted) or recomputed (shrinkage).
func (z *Zipfian) NextN(items int64) int64 {
	if items != z.count {
		if items > z.count {
			z.setCount(items, Zeta(z.count, items, z.theta, z.zetan))
		} else {
			z.setCount(items, Zeta(0, items, z.theta, 0))
		}
	}
	u := z.r.Float64()
	uz := u * z.zetan
	if uz < 1 {
		return z.base
	}
	if uz < 1+z.half {
		return z.base + 1
	}
	v := z.base + int64(float64(items)*math.Pow(z.eta*u-z.eta+1, z.alpha))
	if v >= z.base+items { // guard the float rounding at u → 1
		v = z.base + items - 1
	}
	return v
}

// Items returns the item count of the last draw.
func (z *Zipfian) Items() int64 { return z.count }

// YCSB's scrambled zipfian draws from a zipfian over a fixed, huge item count
// and hashes the result into the key range, so popular items are scattered.
const (
	scrambledItemCount = 10_000_000_000
	scrambledZetan     = 26.46902820178302 // zeta(scrambledItemCount+1, 0.99), YCSB's constant
)

// ScrambledZipfian draws integers in [lo, hi] with a zipfian popularity
// whose popular items are scattered over the range rather than clustered at
// its start, exactly as YCSB's ScrambledZipfianGenerator: a zipfian draw v
// over 10^10 items (zeta precomputed for theta 0.99), then lo + FNVHash64(v)
// mod (hi-lo+1).
type ScrambledZipfian struct {
	z     *Zipfian
	lo, n int64
}

// NewScrambledZipfian returns a scrambled zipfian generator over [lo, hi]
// with YCSB's constant 0.99.
func NewScrambledZipfian(r *Rand, lo, hi int64) *ScrambledZipfian {
	return NewScrambledZipfianTheta(r, lo, hi, ZipfianConstant)
}

// NewScrambledZipfianTheta is NewScrambledZipfian with another constant;
// zeta over 10^10 items is then computed, which takes a long time, as in
// YCSB. Prefer the default constant.
func NewScrambledZipfianTheta(r *Rand, lo, hi int64, theta float64) *ScrambledZipfian {
	if hi < lo {
		panic(fmt.Sprintf("gen: scrambled zipfian bounds [%d, %d]", lo, hi))
	}
	zetan := scrambledZetan
	if theta != ZipfianConstant {
		zetan = Zeta(0, scrambledItemCount+1, theta, 0)
	}
	return &ScrambledZipfian{
		z:  NewZipfianZeta(r, 0, scrambledItemCount, theta, zetan),
		lo: lo,
		n:  hi - lo + 1,
	}
}

// Next returns a value in [lo, hi].
func (s *ScrambledZipfian) Next() int64 {
	return s.lo + FNVHash64(s.z.Next())%s.n
}

// Latest draws keys skewed towards the most recently inserted, as YCSB's
// SkewedLatestGenerator: with max the newest key (Newest()), it returns
// max - zipfian(max), a zipfian draw over max items, so the newest key is the
// most popular, the zipfian item count grows with every insert, and key 0 is
// never drawn while a newer key exists (YCSB's draws lie in [1, max]).
type Latest struct {
	z      *Zipfian
	newest func() int64
}

// NewLatest returns a latest generator. newest reports the largest key number
// known to exist; zetan, when not 0, is zeta(newest(), theta), so workers can
// share its computation.
func NewLatest(r *Rand, newest func() int64, theta float64, zetan float64) *Latest {
	n := max(newest(), 1)
	if zetan == 0 {
		zetan = Zeta(0, n, theta, 0)
	}
	return &Latest{z: NewZipfianZeta(r, 0, n-1, theta, zetan), newest: newest}
}

// Next returns a key number in [1, newest()] (0 when newest() is 0), skewed
// towards newest().
func (l *Latest) Next() int64 {
	max := l.newest()
	if max < 1 {
		return max
	}
	return max - l.z.NextN(max)
}

// Exponential draws non-negative distances with an exponential distribution,
// as YCSB's ExponentialGenerator(percentile, span): a share percentile/100 of
// the draws fall below span. YCSB's exponential request distribution reads
// the key that many keys before the newest one.
type Exponential struct {
	r     *Rand
	gamma float64
}

// NewExponential returns an exponential generator with percentile% of its
// draws below span (YCSB's exponential.percentile, default 95, and
// recordcount × exponential.frac, default 1/7 of the records).
func NewExponential(r *Rand, percentile, span float64) *Exponential {
	if !(percentile > 0 && percentile < 100) || !(span > 0) {
		panic(fmt.Sprintf("gen: exponential percentile %v, span %v", percentile, span))
	}
	return &Exponential{r: r, gamma: -math.Log(1-percentile/100) / span}
}

// Next returns the next distance, truncated to an integer as YCSB does.
func (e *Exponential) Next() int64 {
	u := 1 - e.r.Float64() // in (0, 1]: -log(u) is finite
	return int64(-math.Log(u) / e.gamma)
}

// Hotspot draws from [lo, hi] where a hot set (the first hotSetFraction of
// the range) receives hotOpnFraction of the draws, uniformly, and the rest of
// the range the remainder, as YCSB's HotspotIntegerGenerator.
type Hotspot struct {
	r         *Rand
	lo        int64
	hot, cold int64
	hotOpn    float64
}

// NewHotspot returns a hotspot generator. YCSB's defaults are hotSetFraction
// 0.2 and hotOpnFraction 0.8.
func NewHotspot(r *Rand, lo, hi int64, hotSetFraction, hotOpnFraction float64) *Hotspot {
	if hi < lo {
		panic(fmt.Sprintf("gen: hotspot bounds [%d, %d]", lo, hi))
	}
	if hotSetFraction < 0 || hotSetFraction > 1 {
		hotSetFraction = 0
	}
	if hotOpnFraction < 0 || hotOpnFraction > 1 {
		hotOpnFraction = 0
	}
	n := hi - lo + 1
	hot := int64(float64(n) * hotSetFraction)
	return &Hotspot{r: r, lo: lo, hot: hot, cold: n - hot, hotOpn: hotOpnFraction}
}

// Next returns a value in [lo, hi].
func (h *Hotspot) Next() int64 {
	if h.hot > 0 && (h.cold == 0 || h.r.Float64() < h.hotOpn) {
		return h.lo + h.r.Int64N(h.hot)
	}
	return h.lo + h.hot + h.r.Int64N(h.cold)
}

// Discrete chooses an index with fixed weights (an operation mix). Weights
// need not sum to 1.
type Discrete struct {
	r   *Rand
	cum []float64
}

// NewDiscrete returns a chooser over len(weights) indexes. Zero weights are
// never chosen; it panics if no weight is positive.
func NewDiscrete(r *Rand, weights []float64) *Discrete {
	cum := make([]float64, len(weights))
	total := 0.0
	for i, w := range weights {
		if w < 0 {
			panic("gen: negative weight")
		}
		total += w
		cum[i] = total
	}
	if total <= 0 {
		panic("gen: no positive weight")
	}
	for i := range cum {
		cum[i] /= total
	}
	return &Discrete{r: r, cum: cum}
}

// Next returns an index chosen with probability proportional to its weight.
func (d *Discrete) Next() int {
	u := d.r.Float64()
	for i, c := range d.cum {
		if u < c {
			return i
		}
	}
	// u < 1 and the last cum is 1 up to rounding; fall back to the last
	// positive weight.
	for i := len(d.cum) - 1; i > 0; i-- {
		if d.cum[i] > d.cum[i-1] {
			return i
		}
	}
	return 0
}
