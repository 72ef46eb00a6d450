package memory_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/series"
)

func seriesStore(t testing.TB, table string) (drivers.Conn, series.Store) {
	t.Helper()
	c, err := memory.Driver{}.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := c.(series.Provider).SeriesStore(series.Schema{Table: table})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c, s
}

var seriesT0 = time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)

func sec(s int64) time.Time { return seriesT0.Add(time.Duration(s) * time.Second) }

func reading(h *series.Host, s int64, user, system float64) series.Row {
	r := series.Row{Host: h, Time: sec(s)}
	r.Fields[0], r.Fields[1] = user, system
	return r
}

func hp(host string, s int64, user, system float64) series.HostPoint {
	p := series.HostPoint{Host: host, Time: sec(s)}
	p.Fields[0], p.Fields[1] = user, system
	return p
}

// TestSeriesHandComputed loads a tiny data set in two batches, out of time
// order, and checks every query against answers worked out by hand from
// the definitions in workloads/series.
//
//	host     time  usage_user  usage_system
//	host_2     0s          40             1
//	host_2    30s          96             2
//	host_2    60s          10             3
//	host_11    0s          99             4
//	host_11   45s          91             5
//	host_11  120s          92             6
func TestSeriesHandComputed(t *testing.T) {
	_, s := seriesStore(t, "cpu")
	ctx := context.Background()
	h2 := &series.Host{ID: 2, Tags: [series.NumTags]string{"host_2", "us-east-1"}}
	h11 := &series.Host{ID: 11, Tags: [series.NumTags]string{"host_11", "eu-west-1"}}
	if err := s.LoadRows(ctx, []series.Row{reading(h2, 60, 10, 3), reading(h11, 120, 92, 6), reading(h2, 0, 40, 1)}); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadRows(ctx, []series.Row{reading(h11, 0, 99, 4), reading(h2, 30, 96, 2), reading(h11, 45, 91, 5)}); err != nil {
		t.Fatal(err)
	}
	check := func(name string, want, got any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}

	// Max of usage_system, usage_user of host_2 and an unknown host over
	// [0s, 60s) by 30 s: bucket 0 holds 0s, bucket 30 holds 30s.
	b, err := s.MaxByTime(ctx, series.MaxQuery{Hosts: []string{"host_2", "host_9"}, Fields: []int{1, 0}, Start: sec(0), End: sec(60), Bucket: 30 * time.Second}, nil)
	check("MaxByTime", []series.Bucket{{Time: sec(0), Values: []float64{1, 40}}, {Time: sec(30), Values: []float64{2, 96}}}, b, err)
	// Both hosts, whole data, by minute: minute 0 max(40, 96, 99, 91),
	// minute 1 max(10), minute 2 max(92).
	b, err = s.MaxByTime(ctx, series.MaxQuery{Hosts: []string{"host_11", "host_2"}, Fields: []int{0}, Start: sec(0), End: sec(600), Bucket: time.Minute}, b)
	check("MaxByTime both", []series.Bucket{{Time: sec(0), Values: []float64{99}}, {Time: sec(60), Values: []float64{10}}, {Time: sec(120), Values: []float64{92}}}, b, err)

	// Mean usage_user per host per 2 min over [0s, 180s): host_11 (99+91)/2
	// and 92; host_2 (40+96+10)/3. host_11 sorts before host_2.
	hb, err := s.MeanByTimeHost(ctx, series.MeanQuery{Fields: []int{0}, Start: sec(0), End: sec(180), Bucket: 2 * time.Minute}, nil)
	check("MeanByTimeHost", []series.HostBucket{
		{Time: sec(0), Host: "host_11", Values: []float64{95}},
		{Time: sec(0), Host: "host_2", Values: []float64{146.0 / 3}},
		{Time: sec(120), Host: "host_11", Values: []float64{92}},
	}, hb, err)

	// usage_user > 91 of all hosts: 0s host_11 (99), 30s host_2 (96),
	// 120s host_11 (92); 45s host_11 is 91, not above.
	p, err := s.HighCPU(ctx, series.HighCPUQuery{Threshold: 91, Start: sec(0), End: sec(600)}, nil)
	check("HighCPU", []series.HostPoint{hp("host_11", 0, 99, 4), hp("host_2", 30, 96, 2), hp("host_11", 120, 92, 6)}, p, err)
	// Ties in time: usage_user > 30 at 0s holds for both hosts.
	p, err = s.HighCPU(ctx, series.HighCPUQuery{Hosts: []string{"host_2", "host_11"}, Threshold: 30, Start: sec(0), End: sec(1)}, p)
	check("HighCPU ties", []series.HostPoint{hp("host_11", 0, 99, 4), hp("host_2", 0, 40, 1)}, p, err)

	p, err = s.LastPoint(ctx, p)
	check("LastPoint", []series.HostPoint{hp("host_11", 120, 92, 6), hp("host_2", 60, 10, 3)}, p, err)

	// Max usage_user before 120s by minute, latest 5: minute 1 max(10),
	// minute 0 max(40, 96, 99, 91).
	b, err = s.RecentMaxByTime(ctx, series.RecentQuery{End: sec(120), Bucket: time.Minute, Limit: 5}, b)
	check("RecentMaxByTime", []series.Bucket{{Time: sec(60), Values: []float64{10}}, {Time: sec(0), Values: []float64{99}}}, b, err)
	b, err = s.RecentMaxByTime(ctx, series.RecentQuery{End: sec(121), Bucket: time.Minute, Limit: 1}, b)
	check("RecentMaxByTime limit 1", []series.Bucket{{Time: sec(120), Values: []float64{92}}}, b, err)

	// Nothing matches: empty answers, not errors.
	b, err = s.MaxByTime(ctx, series.MaxQuery{Hosts: []string{"host_9"}, Fields: []int{0}, Start: sec(0), End: sec(600), Bucket: time.Minute}, b)
	check("MaxByTime unknown host", []series.Bucket{}, b, err)
	b, err = s.RecentMaxByTime(ctx, series.RecentQuery{End: sec(0), Bucket: time.Minute, Limit: 5}, b)
	check("RecentMaxByTime before the data", []series.Bucket{}, b, err)
	hb, err = s.MeanByTimeHost(ctx, series.MeanQuery{Fields: []int{0}, Start: sec(600), End: sec(700), Bucket: time.Minute}, hb)
	check("MeanByTimeHost after the data", []series.HostBucket{}, hb, err)

	// Bad parameters are errors.
	if _, err := s.MaxByTime(ctx, series.MaxQuery{Hosts: []string{"host_2"}, Fields: []int{10}, Start: sec(0), End: sec(1), Bucket: time.Minute}, nil); err == nil {
		t.Error("MaxByTime of field 10: no error")
	}
	if _, err := s.RecentMaxByTime(ctx, series.RecentQuery{End: sec(1), Bucket: 0, Limit: 1}, nil); err == nil {
		t.Error("RecentMaxByTime with bucket 0: no error")
	}
}

// corrupt is a series store that changes one kind of answer.
type corrupt struct {
	series.Store
	what string
}

func (c corrupt) MaxByTime(ctx context.Context, q series.MaxQuery, dst []series.Bucket) ([]series.Bucket, error) {
	b, err := c.Store.MaxByTime(ctx, q, dst)
	if c.what == "max" && len(b) > 0 {
		b[len(b)-1].Values[0] *= 1 + 1e-8
	}
	return b, err
}

func (c corrupt) MeanByTimeHost(ctx context.Context, q series.MeanQuery, dst []series.HostBucket) ([]series.HostBucket, error) {
	b, err := c.Store.MeanByTimeHost(ctx, q, dst)
	if c.what == "mean" && len(b) > 1 {
		b[0].Host, b[1].Host = b[1].Host, b[0].Host
	}
	return b, err
}

func (c corrupt) HighCPU(ctx context.Context, q series.HighCPUQuery, dst []series.HostPoint) ([]series.HostPoint, error) {
	p, err := c.Store.HighCPU(ctx, q, dst)
	if c.what == "high" && len(p) > 0 {
		p = p[1:]
	}
	return p, err
}

func (c corrupt) LastPoint(ctx context.Context, dst []series.HostPoint) ([]series.HostPoint, error) {
	p, err := c.Store.LastPoint(ctx, dst)
	if c.what == "last" {
		p[3].Time = p[3].Time.Add(-10 * time.Second)
	}
	return p, err
}

func (c corrupt) RecentMaxByTime(ctx context.Context, q series.RecentQuery, dst []series.Bucket) ([]series.Bucket, error) {
	b, err := c.Store.RecentMaxByTime(ctx, q, dst)
	if c.what == "recent" && len(b) > 1 {
		b[0], b[1] = b[1], b[0]
	}
	return b, err
}

type corruptConn struct {
	drivers.Conn
	what string
}

func (c corruptConn) SeriesStore(s series.Schema) (series.Store, error) {
	st, err := c.Conn.(series.Provider).SeriesStore(s)
	return corrupt{st, c.what}, err
}

// TestSeriesValidate checks that the memory store passes the quick-scale
// validation and that Validate notices each kind of wrong answer.
func TestSeriesValidate(t *testing.T) {
	ctx := context.Background()
	w, err := series.New("mix", workloads.Params{Seed: 1, Scale: workloads.Quick})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := seriesStore(t, "cpu")
	if err := w.Setup(ctx, c); err != nil {
		t.Fatal(err)
	}
	for part := range 4 {
		if err := w.Load(ctx, c, part, 4, nopProgress{}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	v, err := w.Validate(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("quick-scale validation: %d checks in %v", v.Checks, time.Since(start))
	if !v.OK() || v.Checks < 20 {
		t.Fatalf("validation: %d of %d checks failed: %v", v.Failed, v.Checks, v.Failures)
	}
	for what, name := range map[string]string{
		"max": "single-groupby", "mean": "double-groupby", "high": "high-cpu",
		"last": "lastpoint", "recent": "groupby-orderby-limit",
	} {
		v, err := w.Validate(ctx, corruptConn{c, what})
		if err != nil {
			t.Fatal(err)
		}
		if v.OK() || !strings.HasPrefix(v.Failures[0], name) {
			t.Errorf("corrupt %s answers: %d failed, failures %q", what, v.Failed, v.Failures)
		}
	}
}

func BenchmarkSeriesValidateQuick(b *testing.B) {
	ctx := context.Background()
	w, err := series.New("mix", workloads.Params{Seed: 1, Scale: workloads.Quick})
	if err != nil {
		b.Fatal(err)
	}
	c, _ := seriesStore(b, "cpu")
	if err := w.Load(ctx, c, 0, 1, nopProgress{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if v, err := w.Validate(ctx, c); err != nil || !v.OK() {
			b.Fatal(err, v.Failures)
		}
	}
}
