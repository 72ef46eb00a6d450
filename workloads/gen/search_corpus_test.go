package gen

import (
	"encoding/binary"
	"hash"
	"hash/fnv"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func newTestCorpus(t testing.TB, seed uint64, cfg CorpusConfig) *Corpus {
	t.Helper()
	c, err := NewCorpus(seed, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hashDoc feeds every field of d to h.
func hashDoc(h hash.Hash64, d *CorpusDoc) {
	var b [8]byte
	for _, v := range []int64{d.ID, d.UserID, d.CreatedAt.Unix(), int64(len(d.Ranks))} {
		binary.LittleEndian.PutUint64(b[:], uint64(v))
		h.Write(b[:])
	}
	for _, r := range d.Ranks {
		binary.LittleEndian.PutUint32(b[:4], uint32(r))
		h.Write(b[:4])
	}
	h.Write(d.Body)
}

// hashCorpus hashes documents [lo, hi) of c.
func hashCorpus(c *Corpus, lo, hi int64) uint64 {
	h := fnv.New64a()
	var d CorpusDoc
	for id := lo; id < hi; id++ {
		c.Doc(id, &d)
		hashDoc(h, &d)
	}
	return h.Sum64()
}

func TestCorpusDeterminism(t *testing.T) {
	cfg := CorpusConfig{Docs: 3000}
	a := hashCorpus(newTestCorpus(t, 1, cfg), 0, 3000)
	if b := hashCorpus(newTestCorpus(t, 1, cfg), 0, 3000); a != b {
		t.Errorf("same seed: hash %x, then %x", a, b)
	}
	if b := hashCorpus(newTestCorpus(t, 2, cfg), 0, 3000); a == b {
		t.Errorf("seeds 1 and 2 give the same corpus (hash %x)", a)
	}
	// The same bytes on every machine and Go version: a change of this
	// hash is a change of every stored data set and result.
	const golden = 0x5672022e4f4b9d4d
	if a != golden {
		t.Errorf("corpus hash %#x, want %#x (the generator changed)", a, uint64(golden))
	}
}

func TestCorpusVocabulary(t *testing.T) {
	c := newTestCorpus(t, 1, CorpusConfig{Docs: 1})
	if c.Vocabulary() != 50_000 {
		t.Fatalf("vocabulary %d, want 50000", c.Vocabulary())
	}
	word := regexp.MustCompile(`^[a-wz][a-wz]*[0-9]{0,2}$`)
	seen := map[string]bool{}
	digits := 0
	for r := 1; r <= c.Vocabulary(); r++ {
		w := c.Word(r)
		if !word.MatchString(w) || len(w) < 2 {
			t.Fatalf("word %d %q is not lowercase letters (no x, y) with an optional 1-2 digit suffix", r, w)
		}
		if strings.ContainsAny(w, "xy") {
			t.Fatalf("word %q contains x or y, which missing-word queries rely on", w)
		}
		if seen[w] {
			t.Fatalf("word %q twice", w)
		}
		seen[w] = true
		if c.Rank(w) != r {
			t.Fatalf("Rank(Word(%d)) = %d", r, c.Rank(w))
		}
		if r > 1 && len(w) < len(c.Word(r-1)) {
			t.Fatalf("word %d %q shorter than word %d %q", r, w, r-1, c.Word(r-1))
		}
		if strings.ContainsAny(w, "0123456789") {
			digits++
		}
	}
	if f := float64(digits) / 50_000; f < 0.02 || f > 0.06 {
		t.Errorf("%.3f of words have digits, want a few percent", f)
	}
	if c.Rank("xyzzy") != 0 {
		t.Error("Rank of a missing word is not 0")
	}
	other := newTestCorpus(t, 2, CorpusConfig{Docs: 1})
	if slices.Equal(c.words, other.words) {
		t.Error("seeds 1 and 2 give the same vocabulary")
	}
}

func TestCorpusZipfRank(t *testing.T) {
	for _, s := range []float64{0, 0.5, 1, 2} {
		for _, n := range []int{1, 2, 7, 1000, 50_000} {
			z := NewCorpusZipf(n, s)
			// Naive inverse CDF: the first rank whose cumulative weight
			// exceeds u·total.
			naive := func(u float64) int {
				t := u * z.total
				for i, c := range z.cum {
					if c > t {
						return i + 1
					}
				}
				return n
			}
			us := []float64{0, 1e-300, 0.5, math.Nextafter(1, 0)}
			for i := range min(n, 200) {
				u := z.cum[i] / z.total // exactly on a boundary
				us = append(us, u, math.Nextafter(u, 0), math.Nextafter(u, 1))
			}
			r := NewRand(9, 9)
			for range 2000 {
				us = append(us, r.Float64())
			}
			for _, u := range us {
				if u >= 1 {
					continue
				}
				if got, want := z.Rank(u), naive(u); got != want {
					t.Fatalf("s=%v n=%d: Rank(%v) = %d, want %d", s, n, u, got, want)
				}
			}
		}
	}
}

// fitZipf returns the exponent of a least-squares line through
// (log rank, log frequency) for ranks 1 … maxRank.
func fitZipf(freq []int64, maxRank int) float64 {
	var sx, sy, sxx, sxy, n float64
	for r := 1; r <= maxRank; r++ {
		if freq[r] == 0 {
			continue
		}
		x, y := math.Log(float64(r)), math.Log(float64(freq[r]))
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
		n++
	}
	return -(n*sxy - sx*sy) / (n*sxx - sx*sx)
}

func TestCorpusZipfFit(t *testing.T) {
	// Word frequencies of 50 000 documents (≈ 1 M words).
	c := newTestCorpus(t, 1, CorpusConfig{Docs: 50_000})
	freq := make([]int64, c.Vocabulary()+1)
	var ranks []int32
	words := 0
	for id := range int64(50_000) {
		ranks = c.AppendRanks(ranks[:0], id)
		for _, r := range ranks {
			freq[r]++
		}
		words += len(ranks)
	}
	// Ranks up to 1000 occur hundreds of times: the fit is tight there.
	if s := fitZipf(freq, 1000); math.Abs(s-1) > 0.03 {
		t.Errorf("rank-frequency exponent over ranks 1-1000 is %.4f, want 1 ± 0.03", s)
	}
	// The head: each of the first ranks within 5% of its expected count.
	for r := 1; r <= 10; r++ {
		want := c.Zipf().Prob(r) * float64(words)
		if got := float64(freq[r]); math.Abs(got-want) > 0.05*want {
			t.Errorf("rank %d drawn %v times, want %.0f ± 5%%", r, got, want)
		}
	}
	// A steeper exponent is fitted as such.
	z := NewCorpusZipf(10_000, 1.5)
	r := NewRand(1, 1)
	f2 := make([]int64, 10_001)
	for range 1_000_000 {
		f2[z.Next(r)]++
	}
	if s := fitZipf(f2, 100); math.Abs(s-1.5) > 0.03 {
		t.Errorf("exponent 1.5 fitted as %.4f", s)
	}
}

func TestCorpusRanges(t *testing.T) {
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	cfg := CorpusConfig{Docs: 5000, MinWords: 8, MaxWords: 30, Users: 77, Start: start, Span: 24 * time.Hour}
	c := newTestCorpus(t, 3, cfg)
	lengths := map[int]int{}
	var d CorpusDoc
	var prev time.Time
	upper, punct, hyphen := 0, 0, 0
	for id := range cfg.Docs {
		c.Doc(id, &d)
		if d.ID != id {
			t.Fatalf("doc %d has id %d", id, d.ID)
		}
		n := len(d.Ranks)
		lengths[n]++
		if n < 8 || n > 30 {
			t.Fatalf("doc %d has %d words", id, n)
		}
		if d.UserID < 0 || d.UserID >= 77 {
			t.Fatalf("doc %d user %d", id, d.UserID)
		}
		if d.CreatedAt.Before(start) || !d.CreatedAt.Before(start.Add(24*time.Hour)) {
			t.Fatalf("doc %d created %v, outside the span", id, d.CreatedAt)
		}
		if d.CreatedAt.Before(prev.Add(-time.Minute)) {
			t.Fatalf("doc %d created %v, long before doc %d (%v)", id, d.CreatedAt, id-1, prev)
		}
		prev = d.CreatedAt
		for _, r := range d.Ranks {
			if r < 1 || int(r) > c.Vocabulary() {
				t.Fatalf("doc %d has rank %d", id, r)
			}
		}
		b := string(d.Body)
		if strings.ContainsAny(b, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			upper++
		}
		if strings.ContainsAny(b, ",.!?:#@\"") {
			punct++
		}
		if strings.Contains(b, "-") {
			hyphen++
		}
		if !slices.Equal(c.AppendRanks(nil, id), d.Ranks) {
			t.Fatalf("AppendRanks(%d) differs from Doc's ranks", id)
		}
	}
	for n := 8; n <= 30; n++ {
		if want := 5000 / 23; lengths[n] < want/2 || lengths[n] > want*2 {
			t.Errorf("%d docs of %d words, want about %d (uniform 8-30)", lengths[n], n, want)
		}
	}
	// Analyzer-relevant noise is common, not everywhere.
	for name, k := range map[string]int{"capitals": upper, "punctuation": punct, "hyphens": hyphen} {
		if k < 500 || k > 4990 {
			t.Errorf("%d of 5000 documents have %s", k, name)
		}
	}
}

func TestCorpusPartsUnion(t *testing.T) {
	c := newTestCorpus(t, 5, CorpusConfig{Docs: 2003})
	whole := hashCorpus(c, 0, 2003)
	for _, parts := range []int{1, 2, 3, 7, 16} {
		h := fnv.New64a()
		next := int64(0)
		var d CorpusDoc
		for p := range parts {
			lo, hi := c.PartRange(p, parts)
			if lo != next {
				t.Fatalf("%d parts: part %d starts at %d, want %d", parts, p, lo, next)
			}
			// Generate each part with a fresh corpus, as a separate
			// process would.
			cp := newTestCorpus(t, 5, CorpusConfig{Docs: 2003})
			for id := lo; id < hi; id++ {
				cp.Doc(id, &d)
				hashDoc(h, &d)
			}
			next = hi
		}
		if next != 2003 {
			t.Fatalf("%d parts end at %d, want 2003", parts, next)
		}
		if got := h.Sum64(); got != whole {
			t.Errorf("%d parts hash %x, whole corpus %x", parts, got, whole)
		}
	}
}

func TestCorpusConfigErrors(t *testing.T) {
	for _, cfg := range []CorpusConfig{
		{Docs: -1},
		{Docs: 1, Vocabulary: -5},
		{Docs: 1, Exponent: -1},
		{Docs: 1, MinWords: 5, MaxWords: 4},
		{Docs: 1, Users: -1},
		{Docs: 1, Span: time.Millisecond},
	} {
		if _, err := NewCorpus(1, cfg); err == nil {
			t.Errorf("NewCorpus(%+v) succeeded, want an error", cfg)
		}
	}
}

// BenchmarkCorpusDoc measures generation speed in documents (rows) per
// second on one core.
func BenchmarkCorpusDoc(b *testing.B) {
	c := newTestCorpus(b, 1, CorpusConfig{Docs: 10_000_000})
	var d CorpusDoc
	words := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c.Doc(int64(i), &d)
		words += len(d.Ranks)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(words)/b.Elapsed().Seconds(), "words/s")
}

// BenchmarkCorpusZipf measures one rank draw.
func BenchmarkCorpusZipf(b *testing.B) {
	z := NewCorpusZipf(50_000, 1)
	r := NewRand(1, 1)
	s := 0
	for b.Loop() {
		s += z.Next(r)
	}
	_ = s
}
