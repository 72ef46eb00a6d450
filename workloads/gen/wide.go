package gen

import (
	"fmt"
	"math"
	"math/bits"
)

// PrefsMaxColumns is the largest column universe Prefs supports.
const PrefsMaxColumns = 1000

// Salts keep the wide generator's streams apart from every other use of the
// same seed.
const (
	prefsRowSalt   = 0x7769646520726f77 // "wide row"
	prefsValueSalt = 0x7769646520766c75 // "wide vlu"
)

// PrefsConfig describes a sparse preferences data set: rows keyed by user id
// 0, 1, …, each setting a few columns of a universe of Columns.
type PrefsConfig struct {
	// Columns is the size of the column universe, 1..PrefsMaxColumns;
	// columns are numbered 0 … Columns-1.
	Columns int
	// MeanColumns is the mean number of columns a row sets, at least 1 and
	// at most max(1, Columns/4). A row sets 1 + Poisson(MeanColumns-1) columns
	// (capped at Columns), so no row is empty.
	MeanColumns float64
	// Skew is the Zipf exponent s > 0 of column popularity: a column draw
	// picks column c with probability proportional to 1/(c+1)^s, so column
	// 0 is the most popular.
	Skew float64
	// ValueLength is the length of every value in bytes, 1..1024.
	ValueLength int
}

func (c PrefsConfig) validate() error {
	switch {
	case c.Columns < 1 || c.Columns > PrefsMaxColumns:
		return fmt.Errorf("columns must be in 1..%d, not %d", PrefsMaxColumns, c.Columns)
	case !(c.MeanColumns >= 1 && c.MeanColumns <= max(1, float64(c.Columns)/4)):
		return fmt.Errorf("mean columns per row must be in 1..%g (a quarter of the columns), not %g", max(1, float64(c.Columns)/4), c.MeanColumns)
	case !(c.Skew > 0) || c.Skew > 10:
		return fmt.Errorf("column skew must be in (0, 10], not %g", c.Skew)
	case c.ValueLength < 1 || c.ValueLength > 1024:
		return fmt.Errorf("value length must be in 1..1024, not %d", c.ValueLength)
	}
	return nil
}

// Prefs generates sparse user preference rows. Row r's columns are a pure
// function of (seed, r) and the value of column c of row r at version v a
// pure function of (seed, r, c, v): any row can be generated on its own, in
// any order, on any machine, with the same result. A Prefs is immutable and
// safe for concurrent use.
type Prefs struct {
	seed   uint64
	cfg    PrefsConfig
	colCDF []float64 // colCDF[c] = P(column draw <= c)
	// Walker's alias table of the column distribution: draw a slot i
	// uniformly, keep it with probability keep[i]/2^64, else take alias[i].
	keep   []uint64
	alias  []int
	cntCDF []float64 // cntCDF[k] = P(Poisson(MeanColumns-1) <= k)
}

// NewPrefs returns the generator of the data set cfg describes for seed.
func NewPrefs(seed uint64, cfg PrefsConfig) (*Prefs, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	p := &Prefs{seed: seed, cfg: cfg}
	// Column popularity: a Zipf(s) distribution over the universe, as a
	// cumulative table inverted by binary search.
	p.colCDF = make([]float64, cfg.Columns)
	total := 0.0
	for c := range cfg.Columns {
		total += math.Pow(float64(c+1), -cfg.Skew)
		p.colCDF[c] = total
	}
	for c := range p.colCDF {
		p.colCDF[c] /= total
	}
	p.colCDF[cfg.Columns-1] = 1
	p.keep, p.alias = prefsAlias(p.colCDF)
	// Columns per row beyond the first: Poisson(λ) with λ = mean-1, by
	// inversion of its cumulative table, cut where the tail is below 1e-17
	// or at the universe size.
	lambda := cfg.MeanColumns - 1
	pk := math.Exp(-lambda)
	cum := pk
	p.cntCDF = append(p.cntCDF, cum)
	for k := 1; k < cfg.Columns && 1-cum > 1e-17; k++ {
		pk *= lambda / float64(k)
		cum += pk
		p.cntCDF = append(p.cntCDF, cum)
	}
	p.cntCDF[len(p.cntCDF)-1] = 1
	return p, nil
}

// Config returns the generator's configuration.
func (p *Prefs) Config() PrefsConfig { return p.cfg }

// ColumnProbability returns the probability that one column draw picks
// column c.
func (p *Prefs) ColumnProbability(c int) float64 {
	if c < 0 || c >= len(p.colCDF) {
		return 0
	}
	if c == 0 {
		return p.colCDF[0]
	}
	return p.colCDF[c] - p.colCDF[c-1]
}

// prefsSearch returns the first index i with u < cdf[i] (len(cdf)-1 when none).
func prefsSearch(cdf []float64, u float64) int {
	lo, hi := 0, len(cdf)-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if u < cdf[m] {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// prefsAlias builds Walker's alias table (Vose's method) of the
// distribution whose cumulative table is cdf. Slot i keeps itself with
// probability keep[i]/2^64 and otherwise gives alias[i]; slot probabilities
// are 1/n each, so column c is drawn with probability (its kept share plus
// the shares other slots give it)/n = cdf[c]-cdf[c-1].
func prefsAlias(cdf []float64) (keep []uint64, alias []int) {
	n := len(cdf)
	scaled := make([]float64, n)
	prev := 0.0
	for i, c := range cdf {
		scaled[i] = (c - prev) * float64(n)
		prev = c
	}
	alias = make([]int, n)
	keep = make([]uint64, n)
	var small, large []int
	for i, s := range scaled {
		alias[i] = i
		if s < 1 {
			small = append(small, i)
		} else {
			large = append(large, i)
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		keep[s] = prefsProb64(scaled[s])
		alias[s] = l
		scaled[l] = (scaled[l] + scaled[s]) - 1
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	// What is left has probability 1 up to rounding: always kept.
	for _, i := range append(small, large...) {
		keep[i] = math.MaxUint64
	}
	return keep, alias
}

// prefsProb64 converts a probability in [0, 1] to a threshold out of 2^64.
func prefsProb64(p float64) uint64 {
	if p >= 1 {
		return math.MaxUint64
	}
	if p <= 0 {
		return 0
	}
	return uint64(p * (1 << 64))
}

// DrawColumn draws one column from the popularity distribution using r: one
// 64-bit draw picks an alias slot (its high product bits) and tosses the
// slot's coin (its low product bits).
func (p *Prefs) DrawColumn(r *Rand) int {
	i, coin := bits.Mul64(r.Uint64(), uint64(len(p.keep)))
	if coin < p.keep[i] || p.keep[i] == math.MaxUint64 {
		return int(i)
	}
	return p.alias[i]
}

// prefsSet is a bit set over the column universe.
type prefsSet [(PrefsMaxColumns + 63) / 64]uint64

func (s *prefsSet) has(c int) bool { return s[c>>6]&(1<<(c&63)) != 0 }
func (s *prefsSet) add(c int)      { s[c>>6] |= 1 << (c & 63) }

// DrawColumns appends k distinct columns drawn from the popularity
// distribution with r to dst, in the order drawn (a column already drawn,
// or already in dst, is drawn again). k is capped at the universe size less
// len(dst).
func (p *Prefs) DrawColumns(r *Rand, dst []int, k int) []int {
	var set prefsSet
	for _, c := range dst {
		set.add(c)
	}
	k = min(k, p.cfg.Columns-len(dst))
	for range k {
		c := p.DrawColumn(r)
		for set.has(c) {
			c = p.DrawColumn(r)
		}
		set.add(c)
		dst = append(dst, c)
	}
	return dst
}

// RowColumns appends the columns row sets to dst in ascending order: 1 +
// Poisson(MeanColumns-1) of them (at most Columns), drawn without repeats
// from the popularity distribution by a random stream that depends only on
// (seed, row).
func (p *Prefs) RowColumns(dst []int, row int64) []int {
	var r Rand
	r.Reset(p.seed^prefsRowSalt, uint64(row))
	k := min(1+prefsSearch(p.cntCDF, r.Float64()), p.cfg.Columns)
	var set prefsSet
	for range k {
		c := p.DrawColumn(&r)
		for set.has(c) {
			c = p.DrawColumn(&r)
		}
		set.add(c)
	}
	for i, w := range set {
		for w != 0 {
			dst = append(dst, i*64+bits.TrailingZeros64(w))
			w &= w - 1
		}
	}
	return dst
}

// AppendValue appends the value of column col of row at version v to dst:
// ValueLength printable characters that are a pure function of (seed, row,
// col, v). Loaded data is version 0.
func (p *Prefs) AppendValue(dst []byte, row int64, col int, v uint64) []byte {
	return AppendPrefsValue(dst, p.cfg.ValueLength, p.seed, row, col, v)
}

// AppendPrefsValue appends n printable characters to dst that are a pure
// function of (seed, row, col, version), from an alphabet of 64 characters
// that every store and export format carries unchanged. col must be in
// 0..1023.
func AppendPrefsValue(dst []byte, n int, seed uint64, row int64, col int, version uint64) []byte {
	x := Mix64(seed ^ prefsValueSalt ^ Mix64(uint64(row)^Mix64(uint64(col&1023)|version<<10)))
	for n > 0 {
		x = Mix64(x)
		w := x
		k := min(n, 10) // 10 characters of 6 bits from each 64-bit word
		for range k {
			dst = append(dst, valueAlphabet[w&63])
			w >>= 6
		}
		n -= k
	}
	return dst
}
