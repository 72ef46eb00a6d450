package results

import (
	"math"
	"sort"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"gonum.org/v1/gonum/stat/distuv"
)

// QuantileConfidence is the confidence level of the intervals find-max
// reports for each percentile it judges.
const QuantileConfidence = 0.95

// QuantileRanks returns the order statistics (1-based ranks among n
// sorted samples) that bound the p-th percentile with at least the given
// confidence, whatever the latency distribution: the exact binomial
// (distribution-free) interval for a quantile (Conover, Practical
// Nonparametric Statistics, §3.2; Hahn & Meeker, Statistical Intervals,
// §5.2). The number of samples below the true quantile q = p/100 is
// Binomial(n, q), so the interval [X(lo), X(hi)] covers it with
// probability F(hi−1) − F(lo−1); lo is the highest rank with
// F(lo−1) ≤ α/2 and hi the lowest with F(hi−1) ≥ 1 − α/2. lo is 0 when
// even the smallest sample may lie above the quantile at that confidence,
// and hi is n+1 when even the largest may lie below it: too few samples
// for a bound on that side (the interval is open there).
func QuantileRanks(n int64, p, confidence float64) (lo, hi int64) {
	if n <= 0 || p <= 0 || p >= 100 {
		return 0, n + 1
	}
	alpha := 1 - confidence
	b := distuv.Binomial{N: float64(n), P: p / 100}
	cdf := func(j int64) float64 { // P(B ≤ j)
		if j < 0 {
			return 0
		}
		return b.CDF(float64(j))
	}
	// lo: the last rank j in [1, n] with cdf(j-1) <= α/2 (cdf grows with j).
	lo = int64(sort.Search(int(n), func(i int) bool { return cdf(int64(i)) > alpha/2 })) // ranks 1..i satisfy
	// hi: the first rank j in [1, n] with cdf(j-1) >= 1-α/2.
	hi = int64(sort.Search(int(n), func(i int) bool { return cdf(int64(i)) >= 1-alpha/2 })) + 1
	return lo, hi
}

// QuantileInterval returns percentile p of h (µs) with its distribution-
// free confidence interval (QuantileRanks at QuantileConfidence), read
// from the histogram at those ranks. openLow and openHigh say the
// interval has no bound on that side (too few samples): lo is then the
// smallest sample and hi the largest, and the true percentile may lie
// beyond.
func QuantileInterval(h *hdr.Histogram, p float64) (v, lo, hi float64, openLow, openHigh bool) {
	n := h.TotalCount()
	if n == 0 {
		return 0, 0, 0, true, true
	}
	rl, rh := QuantileRanks(n, p, QuantileConfidence)
	at := func(rank int64) float64 {
		rank = min(max(rank, 1), n)
		return float64(h.ValueAtQuantile(100*float64(rank)/float64(n))) / 1e3
	}
	return Quantile(h, p), at(rl), at(rh), rl < 1, rh > n
}

// MinOpsForBound is the smallest sample count whose confidence interval
// for percentile p has an upper bound at all (QuantileRanks' hi ≤ n): for
// p99 at 95%, 368 operations; fewer and the percentile may lie beyond
// the largest sample. MinOpsFor asks for more (10 operations beyond the
// percentile), which also makes the interval narrow.
func MinOpsForBound(p float64) int64 {
	if p <= 0 || p >= 100 {
		return 0
	}
	// P(all n samples below the quantile) = q^n <= 1-(1-α/2).
	alpha := 1 - QuantileConfidence
	return int64(math.Ceil(math.Log(alpha/2) / math.Log(p/100)))
}
