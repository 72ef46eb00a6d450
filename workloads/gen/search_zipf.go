package gen

import (
	"fmt"
	"math"
)

// CorpusZipf draws ranks 1 … n with probability proportional to 1/r^s for
// any exponent s ≥ 0. Zipfian needs s < 1; word frequencies in text follow
// s ≈ 1, which CorpusZipf covers by inverting the cumulative distribution:
// the cumulative weights are computed once, and a draw u in [0, 1) picks the
// smallest rank whose cumulative weight exceeds u·total (binary search,
// narrowed by a guide table so a draw takes a few steps).
//
// A CorpusZipf is read-only after construction: one table can be shared by
// many goroutines, each drawing with its own Rand.
type CorpusZipf struct {
	cum   []float64 // cum[i] = sum of 1/r^s for r in 1 … i+1
	total float64
	// guide[k] is the smallest index i with cum[i] > k·total/len(guide):
	// a draw in bucket k starts its search there.
	guide []int32
}

// NewCorpusZipf returns a sampler over ranks 1 … n with exponent s. It
// panics if n < 1 or s is negative or not finite.
func NewCorpusZipf(n int, s float64) *CorpusZipf {
	if n < 1 || n > math.MaxInt32 {
		panic(fmt.Sprintf("gen: corpus zipf over %d ranks", n))
	}
	if !(s >= 0) || math.IsInf(s, 0) {
		panic(fmt.Sprintf("gen: corpus zipf exponent %v", s))
	}
	z := &CorpusZipf{cum: make([]float64, n)}
	sum := 0.0
	for i := range z.cum {
		sum += math.Pow(float64(i+1), -s)
		z.cum[i] = sum
	}
	z.total = sum
	g := 1
	for g < n/4 {
		g <<= 1
	}
	z.guide = make([]int32, g+1)
	i := 0
	for k := range z.guide {
		t := float64(k) * sum / float64(g)
		for i < n-1 && z.cum[i] <= t {
			i++
		}
		z.guide[k] = int32(i)
	}
	return z
}

// N returns the number of ranks.
func (z *CorpusZipf) N() int { return len(z.cum) }

// Prob returns the probability of drawing rank r (1 ≤ r ≤ N).
func (z *CorpusZipf) Prob(r int) float64 {
	lo := 0.0
	if r > 1 {
		lo = z.cum[r-2]
	}
	return (z.cum[r-1] - lo) / z.total
}

// Rank returns the rank that the uniform variate u in [0, 1) selects: the
// smallest r with cumulative weight of 1 … r greater than u·total.
func (z *CorpusZipf) Rank(u float64) int {
	t := u * z.total
	g := len(z.guide) - 1
	k := int(u * float64(g))
	if k >= g {
		k = g - 1
	}
	lo, hi := int(z.guide[k]), int(z.guide[k+1])
	// The answer lies in [lo, hi]: cum[guide[k]-1] <= k·total/g <= t, and
	// cum[guide[k+1]] > (k+1)·total/g > t (or guide[k+1] is the last index).
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if z.cum[m] > t {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo + 1
}

// Next draws a rank with r.
func (z *CorpusZipf) Next(r *Rand) int { return z.Rank(r.Float64()) }
