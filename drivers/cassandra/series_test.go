package cassandra

import (
	"slices"
	"testing"
	"time"
)

func TestSplitTime(t *testing.T) {
	day := int64(24 * time.Hour)
	for _, tc := range []struct {
		ns      int64
		day     int32
		ms      int64
		sub     int32
		comment string
	}{
		{0, 0, 0, 0, "epoch"},
		{1, 0, 0, 1, "one nanosecond"},
		{1_999_999, 0, 1, 999_999, "just under 2 ms"},
		{day, 1, 86_400_000, 0, "start of day 1"},
		{day - 1, 0, 86_399_999, 999_999, "end of day 0"},
		{-1, -1, -1, 999_999, "before the epoch"},
		{-day, -1, -86_400_000, 0, "start of day -1"},
	} {
		d, ms, sub := splitTime(tc.ns)
		if d != tc.day || ms != tc.ms || sub != tc.sub {
			t.Errorf("%s: splitTime(%d) = %d, %d, %d; want %d, %d, %d", tc.comment, tc.ns, d, ms, sub, tc.day, tc.ms, tc.sub)
		}
		if back := ms*msNanos + int64(sub); back != tc.ns {
			t.Errorf("%s: %d ms + %d ns = %d, want %d", tc.comment, ms, sub, back, tc.ns)
		}
	}
}

func TestWindow(t *testing.T) {
	day := int64(24 * time.Hour)
	days := map[string][]int32{"a": {3, 2, 0}, "b": {2}}
	for _, tc := range []struct {
		name       string
		start, end int64
		want       []partition
	}{
		{"empty window", 2 * day, 2 * day, nil},
		{"inside day 2", 2*day + 5, 2*day + 10, []partition{{"a", 2}, {"b", 2}}},
		{"end at the start of day 3 is exclusive", 2 * day, 3 * day, []partition{{"a", 2}, {"b", 2}}},
		{"days 0 to 3", 0, 3*day + 1, []partition{{"a", 3}, {"a", 2}, {"a", 0}, {"b", 2}}},
		{"day 1 only: no partition", day, 2 * day, nil},
	} {
		if got := window([]string{"a", "b"}, days, tc.start, tc.end); !slices.Equal(got, tc.want) {
			t.Errorf("%s: window = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestBucketMs(t *testing.T) {
	for _, tc := range []struct {
		w    time.Duration
		ms   int64
		fail bool
	}{
		{time.Second, 1000, false},
		{150 * time.Second, 150_000, false},
		{24 * time.Hour, 86_400_000, false},
		{time.Millisecond, 1, false},
		{1500 * time.Microsecond, 0, true},
		{0, 0, true},
		{-time.Second, 0, true},
	} {
		ms, err := bucketMs(tc.w)
		if (err != nil) != tc.fail || ms != tc.ms {
			t.Errorf("bucketMs(%v) = %d, %v; want %d (error %v)", tc.w, ms, err, tc.ms, tc.fail)
		}
	}
}
