package gen

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"testing"
)

func defaultPrefs(t testing.TB, seed uint64) *Prefs {
	t.Helper()
	p, err := NewPrefs(seed, PrefsConfig{Columns: 1000, MeanColumns: 20, Skew: 1, ValueLength: 12})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// prefsHash hashes rows [0, n) of p: each row's id, columns and values.
func prefsHash(p *Prefs, n int64) uint64 {
	h := fnv.New64a()
	var cols []int
	var val, buf []byte
	for row := range n {
		cols = p.RowColumns(cols[:0], row)
		buf = binary.LittleEndian.AppendUint64(buf[:0], uint64(row))
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(cols)))
		for _, c := range cols {
			buf = binary.LittleEndian.AppendUint32(buf, uint32(c))
			val = p.AppendValue(val[:0], row, c, 0)
			buf = append(buf, val...)
		}
		h.Write(buf)
	}
	return h.Sum64()
}

func TestPrefsDeterminism(t *testing.T) {
	a, b := prefsHash(defaultPrefs(t, 1), 5000), prefsHash(defaultPrefs(t, 1), 5000)
	if a != b {
		t.Fatalf("same seed: hashes %#x and %#x differ", a, b)
	}
	if c := prefsHash(defaultPrefs(t, 2), 5000); c == a {
		t.Fatalf("seeds 1 and 2 give the same hash %#x", a)
	}
	// The data set is the same on every machine and Go version: pin it.
	const golden = 0x19cbbfe27a4feb71
	if a != golden {
		t.Errorf("seed 1: hash %#x, want %#x (the generated data changed)", a, uint64(golden))
	}
}

func TestPrefsRowColumns(t *testing.T) {
	p := defaultPrefs(t, 3)
	var cols []int
	for row := range int64(20000) {
		cols = p.RowColumns(cols[:0], row)
		if len(cols) < 1 || len(cols) > 1000 {
			t.Fatalf("row %d: %d columns", row, len(cols))
		}
		for i, c := range cols {
			if c < 0 || c >= 1000 {
				t.Fatalf("row %d: column %d out of range", row, c)
			}
			if i > 0 && cols[i-1] >= c {
				t.Fatalf("row %d: columns %v not strictly ascending", row, cols)
			}
		}
	}
	// Rows generate independently: out of order gives the same columns.
	want := p.RowColumns(nil, 777)
	p.RowColumns(nil, 5)
	if got := p.RowColumns(nil, 777); !slices.Equal(got, want) {
		t.Errorf("row 777 regenerated: %v, want %v", got, want)
	}
	// dst is appended to.
	if got := p.RowColumns([]int{-1}, 777); got[0] != -1 || !slices.Equal(got[1:], want) {
		t.Errorf("RowColumns does not append to dst: %v", got)
	}
}

// TestPrefsCountDistribution checks that a row sets 1 + Poisson(19)
// columns: mean 20 and variance 19.
func TestPrefsCountDistribution(t *testing.T) {
	p := defaultPrefs(t, 4)
	const n = 100_000
	var sum, sum2 float64
	var cols []int
	for row := range int64(n) {
		cols = p.RowColumns(cols[:0], row)
		k := float64(len(cols))
		sum += k
		sum2 += k * k
	}
	mean := sum / n
	variance := sum2/n - mean*mean
	// The standard error of the mean is sqrt(19/n) ≈ 0.014; of the
	// variance about sqrt(2·19²/n) ≈ 0.085.
	if math.Abs(mean-20) > 0.07 {
		t.Errorf("mean columns per row %.3f, want 20 ± 0.07", mean)
	}
	if math.Abs(variance-19) > 0.5 {
		t.Errorf("variance of columns per row %.3f, want 19 ± 0.5", variance)
	}
}

// fitSlope returns the least-squares slope of log(freq) against log(rank)
// over ranks lo..hi (1-based, freq[rank-1]).
func fitSlope(freq []float64, lo, hi int) float64 {
	var sx, sy, sxx, sxy, n float64
	for r := lo; r <= hi; r++ {
		x, y := math.Log(float64(r)), math.Log(freq[r-1])
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
		n++
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// TestPrefsColumnZipf fits the column draw distribution: the log-log slope
// of frequency against rank must be -s within 0.05, and the most popular
// column's frequency its exact probability within 2%.
func TestPrefsColumnZipf(t *testing.T) {
	for _, skew := range []float64{1, 0.8} {
		p, err := NewPrefs(5, PrefsConfig{Columns: 1000, MeanColumns: 20, Skew: skew, ValueLength: 8})
		if err != nil {
			t.Fatal(err)
		}
		r := NewRand(5, 1)
		const n = 2_000_000
		freq := make([]float64, 1000)
		for range n {
			freq[p.DrawColumn(r)]++
		}
		for i := range freq {
			freq[i] /= n
		}
		if s := fitSlope(freq, 1, 100); math.Abs(s+skew) > 0.05 {
			t.Errorf("skew %g: fitted slope %.3f, want %.3f ± 0.05", skew, s, -skew)
		}
		// Exact probability of column 0: 1 / H(1000, s).
		h := 0.0
		for c := 1; c <= 1000; c++ {
			h += math.Pow(float64(c), -skew)
		}
		if want := 1 / h; math.Abs(freq[0]/want-1) > 0.02 {
			t.Errorf("skew %g: column 0 drawn %.4f of the time, want %.4f ± 2%%", skew, freq[0], want)
		}
		if got := p.ColumnProbability(0); math.Abs(got-1/h) > 1e-12 {
			t.Errorf("skew %g: ColumnProbability(0) = %v, want %v", skew, got, 1/h)
		}
	}
}

// TestPrefsRowPopularity checks the columns of whole rows: the share of rows
// setting a column falls with the column's rank as the Zipf law says (away
// from the head, where drawing without repeats saturates), popular columns
// are in most rows, and the overall density is 2%.
func TestPrefsRowPopularity(t *testing.T) {
	p := defaultPrefs(t, 6)
	const n = 50_000
	rows := make([]float64, 1000)
	var cols []int
	total := 0
	for row := range int64(n) {
		cols = p.RowColumns(cols[:0], row)
		total += len(cols)
		for _, c := range cols {
			rows[c]++
		}
	}
	for i := range rows {
		rows[i] /= n
	}
	if rows[0] < 0.85 {
		t.Errorf("column 0 set in %.3f of rows, want most (>= 0.85)", rows[0])
	}
	if s := fitSlope(rows, 50, 500); math.Abs(s+1) > 0.1 {
		t.Errorf("row share by column rank 50..500: slope %.3f, want -1 ± 0.1", s)
	}
	if d := float64(total) / n / 1000; math.Abs(d-0.02) > 0.0005 {
		t.Errorf("density %.4f, want 0.02", d)
	}
}

// TestPrefsAliasExact checks that the alias table gives every column
// exactly its Zipf probability (up to float rounding).
func TestPrefsAliasExact(t *testing.T) {
	for _, cols := range []int{1, 2, 7, 1000} {
		p, err := NewPrefs(1, PrefsConfig{Columns: cols, MeanColumns: 1, Skew: 1.3, ValueLength: 4})
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float64, cols)
		for i := range cols {
			k := float64(p.keep[i]) / (1 << 64)
			got[i] += k / float64(cols)
			got[p.alias[i]] += (1 - k) / float64(cols)
		}
		h := 0.0
		for c := range cols {
			h += math.Pow(float64(c+1), -1.3)
		}
		for c := range cols {
			want := math.Pow(float64(c+1), -1.3) / h
			if math.Abs(got[c]-want) > 1e-12 {
				t.Errorf("%d columns: column %d drawn with probability %v, want %v", cols, c, got[c], want)
			}
		}
	}
}

func TestPrefsDrawColumns(t *testing.T) {
	p, err := NewPrefs(7, PrefsConfig{Columns: 8, MeanColumns: 2, Skew: 1, ValueLength: 4})
	if err != nil {
		t.Fatal(err)
	}
	r := NewRand(7, 1)
	for range 1000 {
		got := p.DrawColumns(r, []int{3}, 4)
		if len(got) != 5 || got[0] != 3 {
			t.Fatalf("DrawColumns = %v, want 3 then 4 more", got)
		}
		s := slices.Clone(got)
		slices.Sort(s)
		if len(slices.Compact(s)) != 5 {
			t.Fatalf("DrawColumns = %v has repeats", got)
		}
	}
	// Asking for more than the universe holds gives the whole universe.
	if got := p.DrawColumns(r, nil, 100); len(got) != 8 {
		t.Errorf("DrawColumns(100) over 8 columns: %d columns", len(got))
	}
}

func TestPrefsValue(t *testing.T) {
	p := defaultPrefs(t, 8)
	v := string(p.AppendValue(nil, 42, 7, 0))
	if len(v) != 12 {
		t.Fatalf("value %q: length %d, want 12", v, len(v))
	}
	if strings.Trim(v, valueAlphabet) != "" {
		t.Errorf("value %q has characters outside the alphabet", v)
	}
	if again := string(p.AppendValue([]byte("x"), 42, 7, 0)); again != "x"+v {
		t.Errorf("value not pure or not appended: %q, want %q", again, "x"+v)
	}
	other := map[string]string{
		"row":     string(p.AppendValue(nil, 43, 7, 0)),
		"column":  string(p.AppendValue(nil, 42, 8, 0)),
		"version": string(p.AppendValue(nil, 42, 7, 1)),
		"seed":    string(defaultPrefs(t, 9).AppendValue(nil, 42, 7, 0)),
	}
	for what, o := range other {
		if o == v {
			t.Errorf("changing the %s gives the same value %q", what, v)
		}
	}
	if long := AppendPrefsValue(nil, 25, 8, 42, 7, 0); len(long) != 25 {
		t.Errorf("length 25: got %d", len(long))
	}
}

func TestPrefsConfigErrors(t *testing.T) {
	ok := PrefsConfig{Columns: 1000, MeanColumns: 20, Skew: 1, ValueLength: 12}
	for _, tc := range []struct {
		name string
		edit func(*PrefsConfig)
		want string
	}{
		{"no columns", func(c *PrefsConfig) { c.Columns = 0 }, "columns"},
		{"too many columns", func(c *PrefsConfig) { c.Columns = 1001 }, "columns"},
		{"mean below 1", func(c *PrefsConfig) { c.MeanColumns = 0.5 }, "mean"},
		{"mean too dense", func(c *PrefsConfig) { c.MeanColumns = 251 }, "mean"},
		{"mean NaN", func(c *PrefsConfig) { c.MeanColumns = math.NaN() }, "mean"},
		{"zero skew", func(c *PrefsConfig) { c.Skew = 0 }, "skew"},
		{"empty values", func(c *PrefsConfig) { c.ValueLength = 0 }, "value length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			_, err := NewPrefs(1, c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewPrefs(%+v) = %v, want an error about %s", c, err, tc.want)
			}
		})
	}
	if _, err := NewPrefs(1, ok); err != nil {
		t.Errorf("default config: %v", err)
	}
	// A one-column universe with one column per row works.
	p, err := NewPrefs(1, PrefsConfig{Columns: 1, MeanColumns: 1, Skew: 1, ValueLength: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.RowColumns(nil, 9); !slices.Equal(got, []int{0}) {
		t.Errorf("one-column universe: row columns %v, want [0]", got)
	}
}

// BenchmarkPrefsRows measures generating whole rows (columns and their
// values), as Load and Export do.
func BenchmarkPrefsRows(b *testing.B) {
	p := defaultPrefs(b, 1)
	var cols []int
	vals := make([][]byte, 64)
	cells := 0
	b.ReportAllocs()
	row := int64(0)
	for b.Loop() {
		cols = p.RowColumns(cols[:0], row)
		for i, c := range cols {
			if i < len(vals) {
				vals[i] = p.AppendValue(vals[i][:0], row, c, 0)
			}
		}
		cells += len(cols)
		row++
	}
	b.ReportMetric(float64(row)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cells)/b.Elapsed().Seconds(), "cells/s")
}
