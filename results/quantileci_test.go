package results

import "testing"

// The order-statistic interval for p99 of 1,000 samples is the 983rd to
// the 997th (coverage ≥ 95% whatever the distribution); with 100 samples
// it has no upper bound, and it opens up below 368 samples.
func TestQuantileRanks(t *testing.T) {
	for _, tt := range []struct {
		n      int64
		p      float64
		lo, hi int64
	}{
		{1000, 99, 983, 997},
		{100, 99, 97, 101},
		{100, 50, 40, 61},
	} {
		lo, hi := QuantileRanks(tt.n, tt.p, 0.95)
		if lo != tt.lo || hi != tt.hi {
			t.Errorf("n=%d p%g: ranks %d..%d, want %d..%d", tt.n, tt.p, lo, hi, tt.lo, tt.hi)
		}
	}
	if n := MinOpsForBound(99); n != 368 {
		t.Errorf("p99 needs %d samples for an upper bound, want 368", n)
	}
	if _, hi := QuantileRanks(367, 99, 0.95); hi != 368 {
		t.Errorf("367 samples: upper rank %d, want open (368)", hi)
	}
	if _, hi := QuantileRanks(368, 99, 0.95); hi != 368 {
		t.Errorf("368 samples: upper rank %d, want the maximum (368)", hi)
	}
	h := NewHistogram()
	for i := int64(1); i <= 1000; i++ {
		_ = h.RecordValue(i * 1000) // 1..1000 µs
	}
	v, lo, hi, ol, oh := QuantileInterval(h, 99)
	if v < 989 || v > 991 || lo < 982 || lo > 984 || hi < 996 || hi > 998 || ol || oh {
		t.Errorf("p99 of 1..1000 µs: %.1f in [%.1f, %.1f] (open %v %v), want 990 in [983, 997]", v, lo, hi, ol, oh)
	}
}
