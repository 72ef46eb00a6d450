package gen

import (
	"fmt"
	"math"
	"slices"
)

// FollowsConfig describes a directed follows graph: users 0 … Users-1, each
// following a number of others (its out-degree) drawn from a capped discrete
// power law, the followees drawn with a zipfian popularity.
type FollowsConfig struct {
	// Users is the number of users; ids are 0 … Users-1. At least 2.
	Users int64
	// MeanDegree is the mean out-degree, in (0, MaxDegree·(1−ZeroFraction)].
	MeanDegree float64
	// Exponent is the power-law exponent α of the out-degrees: P(k) ∝ k^-α
	// from a small lower bound (Follows.PowerLawMin) up. In (1, 5].
	Exponent float64
	// MaxDegree caps the out-degree, in [1, Users-1].
	MaxDegree int64
	// ZeroFraction is the fraction of users who follow nobody, in [0, 1).
	ZeroFraction float64
	// Popularity is the zipfian constant θ (0 < θ < 1) of followee choice:
	// the user of popularity rank i is drawn with probability ∝ 1/(i+1)^θ,
	// which gives in-degrees a power-law tail of exponent ≈ 1 + 1/θ.
	Popularity float64
}

// Validate checks the configuration.
func (c FollowsConfig) Validate() error {
	switch {
	case c.Users < 2 || c.Users > math.MaxInt32:
		return fmt.Errorf("users must be in 2..%d, not %d", math.MaxInt32, c.Users)
	case c.MaxDegree < 1 || c.MaxDegree >= c.Users:
		return fmt.Errorf("maxdegree must be in 1..users-1 (%d), not %d", c.Users-1, c.MaxDegree)
	case c.MaxDegree > 1<<24:
		return fmt.Errorf("maxdegree must be at most %d, not %d", 1<<24, c.MaxDegree)
	case !(c.ZeroFraction >= 0 && c.ZeroFraction < 1):
		return fmt.Errorf("zerofraction must be in [0, 1), not %v", c.ZeroFraction)
	case !(c.MeanDegree > 0) || c.MeanDegree > float64(c.MaxDegree)*(1-c.ZeroFraction):
		return fmt.Errorf("meandegree must be in (0, maxdegree×(1-zerofraction) = %v], not %v",
			float64(c.MaxDegree)*(1-c.ZeroFraction), c.MeanDegree)
	case !(c.Exponent > 1 && c.Exponent <= 5):
		return fmt.Errorf("exponent must be in (1, 5], not %v", c.Exponent)
	case !(c.Popularity > 0 && c.Popularity < 1):
		return fmt.Errorf("popularity must be in (0, 1), not %v", c.Popularity)
	}
	return nil
}

// followsStream is the first random stream of the follows generator: the
// followees of user src come from stream followsStream+src, so a source's
// edges are a pure function of (seed, src) and any range of sources can be
// generated alone. Other users of NewRand must stay clear of
// [followsStream, followsStream+2^32).
const followsStream = 0x666f_6c6c_0000_0000 // "foll"

// Follows is the follows-graph model for one seed: the out-degree
// distribution and the followee popularity. It is immutable and safe for
// concurrent use; FollowsDrawer generates edges from it.
//
// The out-degree D of a user is 0 with probability ZeroFraction, and
// otherwise follows a capped discrete power law: with k0 the smallest
// integer for which the law P(k) ∝ k^-α on [k0, MaxDegree] has a mean of at
// least m = MeanDegree/(1−ZeroFraction), D mixes that law with the one on
// [k0−1, MaxDegree] (the point mass at 0 when k0 = 1) in the proportion
// that makes the mean exactly m. Both laws are ∝ k^-α from k0 up, so the
// degrees from k0 (PowerLawMin) to MaxDegree follow the power law exactly;
// only the frequency of k0−1 is lowered.
//
// Followees are drawn from a zipfian over popularity ranks mapped to user ids
// by a seed-dependent affine permutation (so the most popular users are
// scattered over the id range), skipping the source itself and followees
// already drawn. A source that fails to find enough distinct followees after
// 8·D+64 draws (in practice only when D is close to Users) takes the rest in id
// order from a random start.
type Follows struct {
	cfg      FollowsConfig
	seed     uint64
	kmin     int64     // the exact power law holds from kmin up
	cum      []float64 // cum[k] = P(D <= k)
	zetan    float64
	mul, add uint64 // rank → id: (mul·rank + add) mod Users
}

// NewFollows returns the follows model of cfg for seed.
func NewFollows(seed uint64, cfg FollowsConfig) (*Follows, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	f := &Follows{cfg: cfg, seed: seed}
	f.degreeTable()
	f.zetan = Zeta(0, cfg.Users, cfg.Popularity, 0)
	n := uint64(cfg.Users)
	// A multiplier near n/φ coprime with n, and a seed-dependent offset.
	f.mul = uint64(float64(n)*0.6180339887498949) + Mix64(seed)%max(n/64, 1)
	for f.mul%n == 0 || followsGCD(f.mul%n, n) != 1 {
		f.mul++
	}
	f.mul %= n
	f.add = Mix64(seed^0x5eed) % n
	return f, nil
}

func followsGCD(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// degreeTable finds the power law's lower bound and mixture weight and
// fills the cumulative distribution of out-degrees.
func (f *Follows) degreeTable() {
	alpha, kmax := f.cfg.Exponent, f.cfg.MaxDegree
	target := f.cfg.MeanDegree / (1 - f.cfg.ZeroFraction) // mean of the non-zero part
	// Suffix sums s0[k] = Σ_{j=k}^{kmax} j^-α and s1[k] = Σ j^(1-α), from the
	// smallest terms up for accuracy; the mean of the power law on
	// [k, kmax] is mu(k) = s1[k]/s0[k], increasing in k. mu(0) stands for
	// the point mass at degree 0.
	s0 := make([]float64, kmax+2)
	s1 := make([]float64, kmax+2)
	for k := kmax; k >= 1; k-- {
		p := math.Pow(float64(k), -alpha)
		s0[k] = s0[k+1] + p
		s1[k] = s1[k+1] + p*float64(k)
	}
	mu := func(k int64) float64 {
		if k == 0 {
			return 0
		}
		return s1[k] / s0[k]
	}
	kmin := int64(1)
	for kmin < kmax && mu(kmin) < target {
		kmin++
	}
	// Mix the laws starting at kmin-1 (weight w) and kmin so the mean is
	// the target; both are ∝ k^-α from kmin up, and so is the mixture.
	w := 0.0
	if mu(kmin) > target {
		w = (mu(kmin) - target) / (mu(kmin) - mu(kmin-1))
	}
	f.kmin = kmin
	pmf := make([]float64, kmax+1)
	pmf[0] = f.cfg.ZeroFraction
	nz := 1 - f.cfg.ZeroFraction
	if kmin == 1 {
		pmf[0] += nz * w
	}
	for k := max(kmin-1, 1); k <= kmax; k++ {
		p := math.Pow(float64(k), -alpha)
		if k >= kmin {
			pmf[k] += nz * (1 - w) * p / s0[kmin]
		}
		if kmin > 1 {
			pmf[k] += nz * w * p / s0[kmin-1]
		}
	}
	f.cum = make([]float64, kmax+1)
	acc := 0.0
	for k, p := range pmf {
		acc += p
		f.cum[k] = acc
	}
	f.cum[kmax] = 1
}

// Config returns the configuration.
func (f *Follows) Config() FollowsConfig { return f.cfg }

// PowerLawMin returns the degree from which out-degrees follow the power
// law exactly: P(D = k) ∝ k^-α for PowerLawMin() <= k <= MaxDegree. Below
// it only degree 0 and PowerLawMin()-1 occur.
func (f *Follows) PowerLawMin() int64 { return f.kmin }

// DegreeProb returns the probability that a user's out-degree is k.
func (f *Follows) DegreeProb(k int64) float64 {
	switch {
	case k < 0 || k > f.cfg.MaxDegree:
		return 0
	case k == 0:
		return f.cum[0]
	}
	return f.cum[k] - f.cum[k-1]
}

// drawDegree draws an out-degree from r.
func (f *Follows) drawDegree(r *Rand) int64 {
	u := r.Float64()
	// The first k with u < cum[k]; the last entry is 1 > u. Degrees of
	// probability 0 (equal neighbouring entries) are never chosen.
	k, _ := slices.BinarySearch(f.cum, u)
	for k < len(f.cum)-1 && f.cum[k] <= u {
		k++
	}
	return int64(k)
}

// OutDegree returns the number of users src follows. It is a pure function
// of (seed, src) and agrees with the followees FollowsDrawer generates.
func (f *Follows) OutDegree(src int64) int64 {
	var r Rand
	r.Reset(f.seed, followsStream+uint64(src))
	return f.drawDegree(&r)
}

// EdgeCount returns the number of edges of the sources in [lo, hi).
func (f *Follows) EdgeCount(lo, hi int64) int64 {
	var n int64
	for src := lo; src < hi; src++ {
		n += f.OutDegree(src)
	}
	return n
}

// UserOfRank returns the user of popularity rank i (0 is the most popular).
// It is a bijection of [0, Users).
func (f *Follows) UserOfRank(i int64) int64 {
	// mul < Users <= 2^31, so the product cannot overflow.
	return int64((f.mul*uint64(i) + f.add) % uint64(f.cfg.Users))
}

// Drawer returns a new edge generator for f.
func (f *Follows) Drawer() *FollowsDrawer {
	d := &FollowsDrawer{f: f}
	d.z = NewZipfianZeta(&d.r, 0, f.cfg.Users-1, f.cfg.Popularity, f.zetan)
	return d
}

// FollowsDrawer generates the followees of sources of a Follows model. It
// keeps reusable buffers, so generating allocates nothing once warm. It is
// not safe for concurrent use: each goroutine uses its own.
type FollowsDrawer struct {
	f   *Follows
	r   Rand
	z   *Zipfian
	set followsSet
}

// AppendFollowees appends the users src follows to dst, in ascending id
// order, and returns the extended slice. The result is a pure function of
// (seed, src): no self loop, no duplicate, OutDegree(src) ids in
// [0, Users). Ids outside [0, Users) follow nobody.
func (d *FollowsDrawer) AppendFollowees(dst []int64, src int64) []int64 {
	f := d.f
	if src < 0 || src >= f.cfg.Users {
		return dst
	}
	d.r.Reset(f.seed, followsStream+uint64(src))
	deg := f.drawDegree(&d.r)
	if deg == 0 {
		return dst
	}
	start := len(dst)
	d.set.reset(int(deg))
	limit := 8*deg + 64
	probe := int64(-1)
	for draws := int64(0); int64(len(dst)-start) < deg; draws++ {
		var id int64
		if draws < limit {
			id = f.UserOfRank(d.z.Next())
		} else {
			// Enough distinct popular users are hard to find: walk the ids
			// from a random start, which ends after at most Users steps.
			if probe < 0 {
				probe = d.r.Int64N(f.cfg.Users)
			}
			id = probe
			probe = (probe + 1) % f.cfg.Users
		}
		if id != src && d.set.add(id) {
			dst = append(dst, id)
		}
	}
	slices.Sort(dst[start:])
	return dst
}

// followsSet is an open-addressing set of ids, emptied in O(1) by bumping
// an epoch stamp, so one set serves every source without clearing.
type followsSet struct {
	keys  []int64
	stamp []uint32
	epoch uint32
	mask  uint64
}

// reset empties the set, sized for n ids.
func (s *followsSet) reset(n int) {
	size := 16
	for size < 2*n {
		size *= 2
	}
	if len(s.keys) < size {
		s.keys = make([]int64, size)
		s.stamp = make([]uint32, size)
		s.epoch = 0
	}
	s.mask = uint64(size - 1)
	s.epoch++
	if s.epoch == 0 { // wrapped: old stamps could match again
		clear(s.stamp)
		s.epoch = 1
	}
}

// add inserts id and reports whether it was new.
func (s *followsSet) add(id int64) bool {
	for i := Mix64(uint64(id)) & s.mask; ; i = (i + 1) & s.mask {
		if s.stamp[i] != s.epoch {
			s.stamp[i] = s.epoch
			s.keys[i] = id
			return true
		}
		if s.keys[i] == id {
			return false
		}
	}
}
