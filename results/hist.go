package results

import (
	"encoding/base64"
	"fmt"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram ranges: 1 ns to 1 hour.
const (
	HistMin = 1
	HistMax = int64(3600e9)
)

// NewHistogram returns a latency histogram in nanoseconds with 3 significant
// digits, the precision of per-kind figures.
func NewHistogram() *hdr.Histogram { return hdr.New(HistMin, HistMax, 3) }

// NewIntervalHistogram returns a smaller, 2-significant-digit histogram for
// one-second intervals.
func NewIntervalHistogram() *hdr.Histogram { return hdr.New(HistMin, HistMax, 2) }

// EncodeHistogram encodes h as base64 of the HdrHistogram V2 compressed
// format, which HdrHistogram's own tools read.
func EncodeHistogram(h *hdr.Histogram) (string, error) {
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// DecodeHistogram decodes what EncodeHistogram produced. The HdrHistogram
// format's own base64 alphabet is standard base64.
func DecodeHistogram(s string) (*hdr.Histogram, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	h, err := hdr.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return h, nil
}

// Summarize returns the latency summary of a nanosecond histogram in
// microseconds.
func Summarize(h *hdr.Histogram) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	us := func(ns int64) float64 { return float64(ns) / 1e3 }
	return Latency{
		Min:  us(h.Min()),
		Mean: h.Mean() / 1e3,
		P50:  us(h.ValueAtQuantile(50)),
		P90:  us(h.ValueAtQuantile(90)),
		P95:  us(h.ValueAtQuantile(95)),
		P99:  us(h.ValueAtQuantile(99)),
		P999: us(h.ValueAtQuantile(99.9)),
		Max:  us(h.Max()),
	}
}

// OverallHistogram returns the histogram of all kinds of a run merged: the
// corrected latencies, or with uncorrected set the uncorrected ones (nil
// when the run has none). Kinds whose histogram does not decode are left
// out.
func (r *Run) OverallHistogram(uncorrected bool) *hdr.Histogram {
	h := NewHistogram()
	found := false
	for _, k := range r.Kinds {
		enc := k.Histogram
		if uncorrected {
			enc = k.UncorrectedHistogram
		}
		if enc == "" {
			continue
		}
		kh, err := DecodeHistogram(enc)
		if err != nil {
			continue
		}
		h.Merge(kh)
		found = true
	}
	if !found && uncorrected {
		return nil
	}
	return h
}

// Quantile returns percentile p (0 < p < 100) of h in microseconds.
func Quantile(h *hdr.Histogram, p float64) float64 {
	if h == nil || h.TotalCount() == 0 {
		return 0
	}
	return float64(h.ValueAtQuantile(p)) / 1e3
}

// InclusiveHistogram returns the histogram of every scheduled operation of
// the kind: the successful ones (Histogram), the failed ones at their time
// to failure and the dropped ones from their intended start to the end of
// the phase. Parts that do not decode are left out.
func (k OpStats) InclusiveHistogram() *hdr.Histogram {
	h := NewHistogram()
	for _, enc := range []string{k.Histogram, k.FailureHistogram, k.DroppedHistogram} {
		if enc == "" {
			continue
		}
		if kh, err := DecodeHistogram(enc); err == nil {
			h.Merge(kh)
		}
	}
	return h
}

// InclusiveLatency returns the kind's latency over every scheduled
// operation (see OpStats.Inclusive): Inclusive when set, otherwise
// Latency, which then holds every operation.
func (k OpStats) InclusiveLatency() Latency {
	if k.Inclusive != nil {
		return *k.Inclusive
	}
	return k.Latency
}

// InclusivePercentile returns percentile p (µs) of the kind's latency over
// every scheduled operation.
func (k OpStats) InclusivePercentile(p float64) float64 {
	if v, ok := k.InclusiveLatency().Percentile(p); ok {
		return v
	}
	if k.Inclusive == nil {
		h, err := DecodeHistogram(k.Histogram)
		if err != nil {
			return 0
		}
		return Quantile(h, p)
	}
	return Quantile(k.InclusiveHistogram(), p)
}

// InclusiveHistogram returns the histogram of every scheduled operation
// of all kinds of the run together (see OpStats.InclusiveHistogram).
func (r *Run) InclusiveHistogram() *hdr.Histogram {
	h := NewHistogram()
	for _, k := range r.Kinds {
		h.Merge(k.InclusiveHistogram())
	}
	return h
}

// InclusiveOverall returns the latency summary of every scheduled
// operation of all kinds of the run together.
func (r *Run) InclusiveOverall() Latency {
	if len(r.Kinds) == 1 {
		return r.Kinds[0].InclusiveLatency()
	}
	return Summarize(r.InclusiveHistogram())
}

// InclusivePercentile returns latency percentile p (µs) of every scheduled
// operation of the run, all kinds together.
func (r *Run) InclusivePercentile(p float64) float64 {
	if len(r.Kinds) == 1 {
		return r.Kinds[0].InclusivePercentile(p)
	}
	return Quantile(r.InclusiveHistogram(), p)
}

// ErrorRate returns the share of the run's started operations that failed.
func (r *Run) ErrorRate() float64 { return share(r.Errors, r.Ops+r.Errors) }

// DropRate returns the share of the open-loop schedule's operations that
// were never started (0 under closed loop).
func (r *Run) DropRate() float64 { return share(r.DroppedOps, r.IntendedOps) }
