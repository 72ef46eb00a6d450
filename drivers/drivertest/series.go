package drivertest

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
	"github.com/storefit/storefit/workloads/series"
)

// seriesOptions is a small data set: 20 hosts × 30 min (3 600 rows), with
// windows that make partial and multiple buckets.
var seriesOptions = map[string]any{"hosts": 20, "duration": "30m", "table": "cpu"}

func newSeries(t *testing.T, variant string, opts map[string]any) *series.Workload {
	t.Helper()
	w, err := series.New(variant, workloads.Params{Seed: 7, Scale: workloads.Quick, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func seriesStore(t *testing.T, w *series.Workload, c drivers.Conn) series.Store {
	t.Helper()
	s, err := c.(series.Provider).SeriesStore(series.Schema{Table: w.Config().Table})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func checkSeries(t *testing.T, c, oracle drivers.Conn) {
	w := newSeries(t, "mix", seriesOptions)
	setupLoad(t, w, c, 3)
	setupLoad(t, w, oracle, 1)

	t.Run("validate", func(t *testing.T) { validate(t, w, c) })
	t.Run("operations", func(t *testing.T) { compareSeriesOps(t, w, c, oracle) })
	t.Run("setup empties", func(t *testing.T) {
		w2 := newSeries(t, "lastpoint", map[string]any{"hosts": 3, "duration": "1m", "table": "cpu_setup"})
		setupLoad(t, w2, c, 1)
		s := seriesStore(t, w2, c)
		ctx := context.Background()
		if got, err := s.LastPoint(ctx, nil); err != nil || len(got) != 3 {
			t.Fatalf("LastPoint after load: %d readings, err %v; want 3", len(got), err)
		}
		if err := w2.Setup(ctx, c); err != nil {
			t.Fatal(err)
		}
		if got, err := s.LastPoint(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("LastPoint after Setup: %d readings, err %v; want none", len(got), err)
		}
	})
	t.Run("mix", func(t *testing.T) {
		// Concurrent workers of every variant: no errors; then the
		// verify step reads back every loaded reading.
		for _, v := range append([]string{"mix"}, series.QueryNames[:]...) {
			runWorkers(t, newSeries(t, v, seriesOptions), c, 4, 50, nil)
		}
		ver := verifyWrites(t, w, c, nil)
		if want := w.Records(); ver.Keys != want {
			t.Errorf("verify read back %d readings, want %d", ver.Keys, want)
		}
	})
}

// compareSeriesOps runs a deterministic random sequence of every series
// operation against the driver and the oracle and compares the answers,
// with appends (new hosts, later and earlier readings) in between.
func compareSeriesOps(t *testing.T, w *series.Workload, c, oracle drivers.Conn) {
	ctx := context.Background()
	got, want := seriesStore(t, w, c), seriesStore(t, w, oracle)
	data := w.Data()
	start := time.Unix(0, data.Start).UTC()
	span := time.Duration(data.Points * data.Interval)
	r := rand.New(rand.NewPCG(3, 4))
	hosts := data.Hosts
	extra := []*series.Host{} // hosts added by appends
	hostname := func() string {
		switch n := r.IntN(20); {
		case n == 0:
			return "host_missing"
		case n == 1 && len(extra) > 0:
			return extra[r.IntN(len(extra))].Name()
		}
		return gen.CPUHostName(r.IntN(hosts))
	}
	someHosts := func(n int) []string {
		hs := make([]string, n)
		for i := range hs {
			hs[i] = hostname()
		}
		return hs
	}
	someFields := func() []int {
		fs := make([]int, 1+r.IntN(4))
		for i := range fs {
			fs[i] = r.IntN(series.NumFields)
		}
		return fs
	}
	// Times from before the data to after it (and after appends), at
	// whole seconds and odd nanoseconds.
	someTime := func() time.Time {
		t := start.Add(time.Duration(r.Int64N(int64(span+20*time.Minute))) - 10*time.Minute)
		if r.IntN(2) == 0 {
			t = t.Truncate(time.Second)
		}
		return t
	}
	window := func() (time.Time, time.Time) {
		a := someTime()
		switch r.IntN(4) {
		case 0:
			return a, a // empty
		case 1:
			return start.Add(-time.Hour), start.Add(2 * span) // everything
		}
		return a, a.Add(time.Duration(r.Int64N(int64(span))))
	}
	buckets := []time.Duration{time.Second, 7 * time.Second, time.Minute, 150 * time.Second, 5 * time.Minute, time.Hour, 24 * time.Hour}
	bucket := func() time.Duration { return buckets[r.IntN(len(buckets))] }
	same := func(op string, e1, e2 error) bool {
		t.Helper()
		if e1 != nil || e2 != nil {
			t.Fatalf("%s: err = %v, oracle %v", op, e1, e2)
		}
		return true
	}
	var gb, ob []series.Bucket
	var ghb, ohb []series.HostBucket
	var gp, op []series.HostPoint
	var e1, e2 error
	for i := 0; i < 600 && !t.Failed(); i++ {
		switch r.IntN(7) {
		case 0:
			var q series.MaxQuery
			q.Hosts, q.Fields, q.Bucket = someHosts(1+r.IntN(8)), someFields(), bucket()
			q.Start, q.End = window()
			gb, e1 = got.MaxByTime(ctx, q, gb)
			ob, e2 = want.MaxByTime(ctx, q, ob)
			if same("MaxByTime", e1, e2) {
				if d := series.DiffBuckets(gb, ob); d != "" {
					t.Errorf("MaxByTime %+v: %s", q, d)
				}
			}
		case 1:
			var q series.MeanQuery
			q.Fields, q.Bucket = someFields(), bucket()
			q.Start, q.End = window()
			ghb, e1 = got.MeanByTimeHost(ctx, q, ghb)
			ohb, e2 = want.MeanByTimeHost(ctx, q, ohb)
			if same("MeanByTimeHost", e1, e2) {
				if d := series.DiffHostBuckets(ghb, ohb); d != "" {
					t.Errorf("MeanByTimeHost %+v: %s", q, d)
				}
			}
		case 2:
			var q series.HighCPUQuery
			if r.IntN(3) > 0 {
				q.Hosts = someHosts(1 + r.IntN(3))
			}
			q.Threshold = []float64{0, 50, 90, 99.5, 100}[r.IntN(5)]
			q.Start, q.End = window()
			gp, e1 = got.HighCPU(ctx, q, gp)
			op, e2 = want.HighCPU(ctx, q, op)
			if same("HighCPU", e1, e2) {
				if d := series.DiffPoints(gp, op); d != "" {
					t.Errorf("HighCPU %+v: %s", q, d)
				}
			}
		case 3:
			gp, e1 = got.LastPoint(ctx, gp)
			op, e2 = want.LastPoint(ctx, op)
			if same("LastPoint", e1, e2) {
				if d := series.DiffPoints(gp, op); d != "" {
					t.Errorf("LastPoint: %s", d)
				}
			}
		case 4, 5:
			q := series.RecentQuery{End: someTime(), Bucket: bucket(), Limit: 1 + r.IntN(8)}
			gb, e1 = got.RecentMaxByTime(ctx, q, gb)
			ob, e2 = want.RecentMaxByTime(ctx, q, ob)
			if same("RecentMaxByTime", e1, e2) {
				if d := series.DiffBuckets(gb, ob); d != "" {
					t.Errorf("RecentMaxByTime %+v: %s", q, d)
				}
			}
		case 6:
			// Append a batch: readings of a new host, and of existing
			// hosts after and before the loaded data, at odd times.
			var rows []series.Row
			if r.IntN(2) == 0 {
				id := hosts + len(extra)
				extra = append(extra, &series.Host{ID: id, Tags: gen.CPUHostTags(7, id)})
			}
			n := 1 + r.IntN(30)
			for j := range n {
				h := &series.Host{ID: r.IntN(hosts)}
				h.Tags = gen.CPUHostTags(7, h.ID)
				if len(extra) > 0 && r.IntN(3) == 0 {
					h = extra[r.IntN(len(extra))]
				}
				off := span + time.Duration(i)*time.Second + time.Duration(j)*time.Millisecond
				if r.IntN(4) == 0 {
					off = -time.Duration(i+1)*time.Second - time.Duration(j)*time.Millisecond
				}
				var f [series.NumFields]float64
				for k := range f {
					f[k] = float64(r.IntN(101)) // ties with loaded values and each other
				}
				rows = append(rows, series.Row{Host: h, Time: start.Add(off), Fields: f})
			}
			same("LoadRows", got.LoadRows(ctx, rows), want.LoadRows(ctx, rows))
		}
	}
}
