package series

import (
	"fmt"
	"math"
)

// Tolerance is the relative difference allowed between two answer values.
const Tolerance = 1e-9

// ApproxEqual reports whether a and b agree within Tolerance relative to the
// larger magnitude (exactly, for zeros).
func ApproxEqual(a, b float64) bool {
	return a == b || math.Abs(a-b) <= Tolerance*max(math.Abs(a), math.Abs(b))
}

func diffValues(got, want []float64) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d values, want %d", len(got), len(want))
	}
	for i := range got {
		if !ApproxEqual(got[i], want[i]) {
			return fmt.Sprintf("value %d is %v, want %v", i, got[i], want[i])
		}
	}
	return ""
}

// DiffBuckets describes the first difference between two bucket answers, or
// returns "" when they agree: same length, same times in the same order,
// values within Tolerance.
func DiffBuckets(got, want []Bucket) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d buckets, want %d", len(got), len(want))
	}
	for i := range got {
		if !got[i].Time.Equal(want[i].Time) {
			return fmt.Sprintf("bucket %d at %s, want %s", i, got[i].Time.UTC().Format(timeFormat), want[i].Time.UTC().Format(timeFormat))
		}
		if d := diffValues(got[i].Values, want[i].Values); d != "" {
			return fmt.Sprintf("bucket %s: %s", want[i].Time.UTC().Format(timeFormat), d)
		}
	}
	return ""
}

// DiffHostBuckets describes the first difference between two (bucket, host)
// answers, or returns "" when they agree.
func DiffHostBuckets(got, want []HostBucket) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d groups, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := &got[i], &want[i]
		if !g.Time.Equal(w.Time) || g.Host != w.Host {
			return fmt.Sprintf("group %d is (%s, %s), want (%s, %s)", i, g.Time.UTC().Format(timeFormat), g.Host, w.Time.UTC().Format(timeFormat), w.Host)
		}
		if d := diffValues(g.Values, w.Values); d != "" {
			return fmt.Sprintf("group (%s, %s): %s", w.Time.UTC().Format(timeFormat), w.Host, d)
		}
	}
	return ""
}

// DiffPoints describes the first difference between two reading answers, or
// returns "" when they agree.
func DiffPoints(got, want []HostPoint) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d readings, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := &got[i], &want[i]
		if !g.Time.Equal(w.Time) || g.Host != w.Host {
			return fmt.Sprintf("reading %d is (%s, %s), want (%s, %s)", i, g.Host, g.Time.UTC().Format(timeFormat), w.Host, w.Time.UTC().Format(timeFormat))
		}
		if d := diffValues(g.Fields[:], w.Fields[:]); d != "" {
			return fmt.Sprintf("reading (%s, %s): %s", w.Host, w.Time.UTC().Format(timeFormat), d)
		}
	}
	return ""
}

// timeFormat prints times in answers and parameters.
const timeFormat = "2006-01-02T15:04:05.999999999Z07:00"
