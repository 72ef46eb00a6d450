package gen

import (
	"math/bits"
	"math/rand/v2"
)

// Rand is a fast deterministic random stream (PCG-DXSM from math/rand/v2,
// whose output is fixed by its specification). It is not safe for
// concurrent use.
type Rand struct {
	pcg rand.PCG
}

// NewRand returns the stream numbered stream of the given seed. Distinct
// (seed, stream) pairs give independent-looking streams.
func NewRand(seed, stream uint64) *Rand {
	r := &Rand{}
	r.Reset(seed, stream)
	return r
}

// Reset restarts r as the stream NewRand(seed, stream) would return.
func (r *Rand) Reset(seed, stream uint64) {
	r.pcg.Seed(Mix64(seed^0x9e3779b97f4a7c15), Mix64(stream+0x632be59bd9b4e019))
}

// Uint64 returns a uniformly distributed 64-bit value.
func (r *Rand) Uint64() uint64 { return r.pcg.Uint64() }

// Float64 returns a uniformly distributed value in [0, 1) with 53 random bits.
func (r *Rand) Float64() float64 { return float64(r.pcg.Uint64()>>11) * 0x1p-53 }

// Int64N returns a uniformly distributed value in [0, n). It panics if n <= 0.
func (r *Rand) Int64N(n int64) int64 {
	if n <= 0 {
		panic("gen: Int64N with n <= 0")
	}
	return int64(r.Uint64N(uint64(n)))
}

// Uint64N returns a uniformly distributed value in [0, n), without modulo
// bias (Lemire's multiply-and-reject method). It panics if n == 0.
func (r *Rand) Uint64N(n uint64) uint64 {
	if n == 0 {
		panic("gen: Uint64N with n == 0")
	}
	if n&(n-1) == 0 {
		return r.Uint64() & (n - 1)
	}
	hi, lo := bits.Mul64(r.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(r.Uint64(), n)
		}
	}
	return hi
}

// IntN returns a uniformly distributed int in [0, n). It panics if n <= 0.
func (r *Rand) IntN(n int) int { return int(r.Int64N(int64(n))) }

// Mix64 is the splitmix64 finalizer: a bijective scrambling of x, used to
// derive seeds and per-record pseudo-random material.
func Mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
