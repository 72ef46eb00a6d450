package series

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// handRows is a tiny data set whose answers are worked out by hand below,
// from the query definitions. Hostnames sort byte-wise: host_0 < host_1 <
// host_10. Fields other than usage_user (0) and usage_system (1) are 0.
//
//	host     time  usage_user  usage_system
//	host_0     0s          10             1
//	host_0    10s          95             2
//	host_0    70s          20             3
//	host_0   130s          91             4
//	host_1     0s          50             5
//	host_1    70s        92.5             6
//	host_10   10s          30             7
//	host_10  130s          90             8
var handRows = []struct {
	host     string
	sec      int64
	user, sy float64
}{
	{"host_0", 0, 10, 1}, {"host_0", 10, 95, 2}, {"host_0", 70, 20, 3}, {"host_0", 130, 91, 4},
	{"host_1", 0, 50, 5}, {"host_1", 70, 92.5, 6},
	{"host_10", 10, 30, 7}, {"host_10", 130, 90, 8},
}

var handStart = time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)

func at(sec int64) time.Time { return handStart.Add(time.Duration(sec) * time.Second) }

func feed(a accumulator) {
	// Feed in a scrambled order: answers must not depend on it.
	for _, i := range []int{5, 0, 7, 2, 4, 1, 6, 3} {
		r := handRows[i]
		var f [NumFields]float64
		f[0], f[1] = r.user, r.sy
		a.add(reading{host: r.host, time: at(r.sec).UnixNano(), fields: &f})
	}
}

func point(host string, sec int64, user, sy float64) HostPoint {
	p := HostPoint{Host: host, Time: at(sec)}
	p.Fields[0], p.Fields[1] = user, sy
	return p
}

func TestReferenceHandComputed(t *testing.T) {
	t.Run("max", func(t *testing.T) {
		// host_0 and host_10, [0s, 130s), by minute, fields usage_system
		// then usage_user. Minute 0: host_0 at 0s, 10s and host_10 at 10s;
		// minute 1: host_0 at 70s; 130s is outside the window.
		a := newMaxAcc(MaxQuery{Hosts: []string{"host_0", "host_10"}, Fields: []int{1, 0}, Start: at(0), End: at(130), Bucket: time.Minute})
		feed(a)
		want := []Bucket{{at(0), []float64{7, 95}}, {at(60), []float64{3, 20}}}
		if d := cmp.Diff(want, a.answer()); d != "" {
			t.Errorf("max (-want +got):\n%s", d)
		}
	})
	t.Run("max, empty window", func(t *testing.T) {
		a := newMaxAcc(MaxQuery{Hosts: []string{"host_0"}, Fields: []int{0}, Start: at(20), End: at(60), Bucket: time.Minute})
		feed(a)
		if got := a.answer(); len(got) != 0 {
			t.Errorf("max over a window without readings = %v, want none", got)
		}
	})
	t.Run("mean", func(t *testing.T) {
		// All hosts, [0s, 200s), by minute, usage_user. Minute 0: host_0
		// (10+95)/2, host_1 50, host_10 30; minute 1: host_0 20, host_1
		// 92.5; minute 2: host_0 91, host_10 90.
		a := newMeanAcc(MeanQuery{Fields: []int{0}, Start: at(0), End: at(200), Bucket: time.Minute})
		feed(a)
		want := []HostBucket{
			{at(0), "host_0", []float64{52.5}}, {at(0), "host_1", []float64{50}}, {at(0), "host_10", []float64{30}},
			{at(60), "host_0", []float64{20}}, {at(60), "host_1", []float64{92.5}},
			{at(120), "host_0", []float64{91}}, {at(120), "host_10", []float64{90}},
		}
		if d := cmp.Diff(want, a.answer()); d != "" {
			t.Errorf("mean (-want +got):\n%s", d)
		}
	})
	t.Run("mean, two fields, 2 min buckets from 10s", func(t *testing.T) {
		// [10s, 130s) by 2 min: bucket 0 holds host_0 10s, 70s (user 95,
		// 20; system 2, 3), host_1 70s, host_10 10s.
		a := newMeanAcc(MeanQuery{Fields: []int{1, 0}, Start: at(10), End: at(130), Bucket: 2 * time.Minute})
		feed(a)
		want := []HostBucket{
			{at(0), "host_0", []float64{2.5, 57.5}}, {at(0), "host_1", []float64{6, 92.5}}, {at(0), "host_10", []float64{7, 30}},
		}
		if d := cmp.Diff(want, a.answer()); d != "" {
			t.Errorf("mean (-want +got):\n%s", d)
		}
	})
	t.Run("high-cpu all hosts", func(t *testing.T) {
		// usage_user > 90 in [0s, 200s): host_0 10s (95), host_1 70s
		// (92.5), host_0 130s (91); host_10 130s is 90, not above.
		a := newHighAcc(HighCPUQuery{Threshold: 90, Start: at(0), End: at(200)})
		feed(a)
		want := []HostPoint{point("host_0", 10, 95, 2), point("host_1", 70, 92.5, 6), point("host_0", 130, 91, 4)}
		if d := cmp.Diff(want, a.answer()); d != "" {
			t.Errorf("high-cpu (-want +got):\n%s", d)
		}
	})
	t.Run("high-cpu one host, ties in time", func(t *testing.T) {
		// Threshold 89: at 130s both host_0 and host_10 qualify; only
		// host_10 is asked for.
		a := newHighAcc(HighCPUQuery{Hosts: []string{"host_10"}, Threshold: 89, Start: at(0), End: at(200)})
		feed(a)
		want := []HostPoint{point("host_10", 130, 90, 8)}
		if d := cmp.Diff(want, a.answer()); d != "" {
			t.Errorf("high-cpu (-want +got):\n%s", d)
		}
		b := newHighAcc(HighCPUQuery{Threshold: 89, Start: at(100), End: at(200)})
		feed(b)
		want = []HostPoint{point("host_0", 130, 91, 4), point("host_10", 130, 90, 8)}
		if d := cmp.Diff(want, b.answer()); d != "" {
			t.Errorf("high-cpu ties (-want +got):\n%s", d)
		}
	})
	t.Run("lastpoint", func(t *testing.T) {
		a := newLastAcc()
		feed(a)
		want := []HostPoint{point("host_0", 130, 91, 4), point("host_1", 70, 92.5, 6), point("host_10", 130, 90, 8)}
		if d := cmp.Diff(want, a.answer()); d != "" {
			t.Errorf("lastpoint (-want +got):\n%s", d)
		}
	})
	t.Run("groupby-orderby-limit", func(t *testing.T) {
		// Before 130s: minute 0 max(10, 95, 50, 30) = 95, minute 1
		// max(20, 92.5); the 130s readings are not before the end.
		a := newRecentAcc(RecentQuery{End: at(130), Bucket: time.Minute, Limit: 2})
		feed(a)
		want := []Bucket{{at(60), []float64{92.5}}, {at(0), []float64{95}}}
		if d := cmp.Diff(want, a.answer()); d != "" {
			t.Errorf("limit 2 before 130s (-want +got):\n%s", d)
		}
		b := newRecentAcc(RecentQuery{End: at(131), Bucket: time.Minute, Limit: 5})
		feed(b)
		want = []Bucket{{at(120), []float64{91}}, {at(60), []float64{92.5}}, {at(0), []float64{95}}}
		if d := cmp.Diff(want, b.answer()); d != "" {
			t.Errorf("limit 5 before 131s (-want +got):\n%s", d)
		}
		c := newRecentAcc(RecentQuery{End: at(0), Bucket: time.Minute, Limit: 5})
		feed(c)
		if got := c.answer(); len(got) != 0 {
			t.Errorf("before the first reading: %v, want none", got)
		}
	})
}

func TestBucketStart(t *testing.T) {
	for _, tc := range []struct {
		t     time.Time
		width time.Duration
		want  time.Time
	}{
		{at(0), time.Minute, at(0)},
		{at(59), time.Minute, at(0)},
		{at(60), time.Minute, at(60)},
		{at(61).Add(time.Nanosecond), time.Minute, at(60)},
		{at(301), 150 * time.Second, at(300)},
		// Epoch-aligned, not aligned to the data: 2016-01-01 is Unix
		// 1451606400, which is 6 mod 7.
		{at(0), 7 * time.Second, at(-6)},
		{at(2), 7 * time.Second, at(1)},
		{time.Unix(-1, 0), time.Minute, time.Unix(-60, 0)},
		{time.Unix(0, 0), time.Hour, time.Unix(0, 0)},
	} {
		if got := BucketStart(tc.t, tc.width); !got.Equal(tc.want) {
			t.Errorf("BucketStart(%v, %v) = %v, want %v", tc.t, tc.width, got, tc.want)
		}
	}
}

func TestDiff(t *testing.T) {
	b := func(sec int64, v ...float64) Bucket { return Bucket{Time: at(sec), Values: v} }
	for _, tc := range []struct {
		name      string
		got, want []Bucket
		same      bool
	}{
		{"equal", []Bucket{b(0, 1, 2)}, []Bucket{b(0, 1, 2)}, true},
		{"both empty", nil, []Bucket{}, true},
		{"within tolerance", []Bucket{b(0, 50*(1+5e-10))}, []Bucket{b(0, 50)}, true},
		{"beyond tolerance", []Bucket{b(0, 50*(1+5e-9))}, []Bucket{b(0, 50)}, false},
		{"zero against tiny", []Bucket{b(0, 0)}, []Bucket{b(0, 1e-300)}, false},
		{"time", []Bucket{b(60, 1)}, []Bucket{b(0, 1)}, false},
		{"length", []Bucket{b(0, 1)}, []Bucket{b(0, 1), b(60, 1)}, false},
		{"values length", []Bucket{b(0, 1)}, []Bucket{b(0, 1, 2)}, false},
		{"order", []Bucket{b(60, 1), b(0, 1)}, []Bucket{b(0, 1), b(60, 1)}, false},
	} {
		if d := DiffBuckets(tc.got, tc.want); (d == "") != tc.same {
			t.Errorf("%s: DiffBuckets = %q, want same=%v", tc.name, d, tc.same)
		}
	}
	p := point("host_0", 0, 1, 2)
	q := p
	q.Fields[9] = 3
	if d := DiffPoints([]HostPoint{p}, []HostPoint{q}); d == "" {
		t.Error("DiffPoints misses a difference in the last field")
	}
	r := p
	r.Host = "host_1"
	if d := DiffPoints([]HostPoint{p}, []HostPoint{r}); d == "" {
		t.Error("DiffPoints misses a different host")
	}
	hb := HostBucket{Time: at(0), Host: "host_0", Values: []float64{1}}
	hb2 := hb
	hb2.Host = "host_1"
	if d := DiffHostBuckets([]HostBucket{hb}, []HostBucket{hb2}); d == "" {
		t.Error("DiffHostBuckets misses a different host")
	}
	if d := DiffHostBuckets([]HostBucket{hb}, []HostBucket{hb}); d != "" {
		t.Errorf("DiffHostBuckets of equal answers = %q", d)
	}
}
