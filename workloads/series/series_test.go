package series

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

func newWorkload(t testing.TB, variant string, scale workloads.Scale, opts map[string]any) *Workload {
	t.Helper()
	w, err := New(variant, workloads.Params{Seed: 1, Scale: scale, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestDefaults(t *testing.T) {
	for _, tc := range []struct {
		scale                          workloads.Scale
		records                        int64
		hosts                          int
		single, double, dbucket, highw time.Duration
	}{
		{workloads.Quick, 100 * 360, 100, time.Hour, 30 * time.Minute, 150 * time.Second, 30 * time.Minute},
		{workloads.Full, 4000 * 8640, 4000, time.Hour, 12 * time.Hour, time.Hour, 12 * time.Hour},
	} {
		w := newWorkload(t, "mix", tc.scale, nil)
		c := w.Config()
		if w.Records() != tc.records || c.Hosts != tc.hosts {
			t.Errorf("%s: %d records of %d hosts, want %d of %d", tc.scale, w.Records(), c.Hosts, tc.records, tc.hosts)
		}
		got := []time.Duration{c.GroupByWindow, c.DoubleGroupByWindow, c.DoubleGroupByBucket, c.HighCPUWindow, c.GroupByBucket, c.LimitBucket}
		want := []time.Duration{tc.single, tc.double, tc.dbucket, tc.highw, 5 * time.Minute, time.Minute}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s windows and buckets (-want +got):\n%s", tc.scale, d)
		}
		if c.Limit != 5 || c.HighCPUThreshold != 90 || c.Interval != 10*time.Second || c.Start != DefaultStart {
			t.Errorf("%s: limit %d, threshold %v, interval %v, start %s", tc.scale, c.Limit, c.HighCPUThreshold, c.Interval, c.Start)
		}
		if !slices.Equal(w.OpKinds(), QueryNames[:mixQueries]) {
			t.Errorf("mix op kinds %v, want %v", w.OpKinds(), QueryNames[:mixQueries])
		}
		if w.ValuesPerRow() != 10 {
			t.Errorf("values per row %v, want 10", w.ValuesPerRow())
		}
	}
}

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    map[string]any
		records int64  // when no error
		err     string // substring of the error
	}{
		{"strings as --set gives them", map[string]any{"hosts": "5", "duration": "10m"}, 5 * 60, ""},
		{"records override duration", map[string]any{"hosts": 10, "records": 1005}, 1000, ""},
		{"records below hosts", map[string]any{"hosts": 10, "records": 3}, 10, ""},
		{"interval", map[string]any{"duration": "5m", "interval": "1m", "hosts": 2}, 10, ""},
		{"duration not a multiple", map[string]any{"duration": "25s", "hosts": 1}, 2, ""},
		{"query list", map[string]any{"queries": "lastpoint, high-cpu-1"}, 36000, ""},
		{"unknown option", map[string]any{"fieldcount": 3}, 0, "fieldcount"},
		{"no hosts", map[string]any{"hosts": 0}, 0, "hosts"},
		{"zero interval", map[string]any{"interval": "0s"}, 0, "interval"},
		{"duration below interval", map[string]any{"duration": "5s"}, 0, "duration"},
		{"unknown query", map[string]any{"queries": "lastpoint,cpu-max-all-9"}, 0, "cpu-max-all-9"},
		{"every field", map[string]any{"queries": "double-groupby-all,cpu-max-all-8"}, 36000, ""},
		{"max-all window longer than data", map[string]any{"queries": "cpu-max-all-8", "maxallwindow": "2h"}, 0, "maxallwindow"},
		{"empty query list", map[string]any{"queries": " , "}, 0, "no query"},
		{"window longer than data", map[string]any{"highcpuwindow": "2h"}, 0, "highcpuwindow"},
		{"negative bucket", map[string]any{"groupbybucket": "-1m"}, 0, "groupbybucket"},
		{"bad start", map[string]any{"start": "yesterday"}, 0, "start"},
		{"zero limit", map[string]any{"limit": 0}, 0, "limit"},
		{"zero batch", map[string]any{"loadbatch": 0}, 0, "loadbatch"},
		{"duration as a number", map[string]any{"duration": 3600}, 0, "option duration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := New("mix", workloads.Params{Seed: 1, Scale: workloads.Quick, Options: tc.opts})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one naming %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w.Records() != tc.records {
				t.Errorf("records = %d, want %d", w.Records(), tc.records)
			}
		})
	}
}

func TestVariants(t *testing.T) {
	for _, name := range append([]string{"mix"}, QueryNames[:]...) {
		wl, err := workloads.New("series/"+name, workloads.Params{Seed: 1, Scale: workloads.Quick})
		if err != nil {
			t.Fatal(err)
		}
		if wl.Pattern() != "series" || wl.Name() != "series/"+name {
			t.Errorf("%s: name %s, pattern %s", name, wl.Name(), wl.Pattern())
		}
		if name != "mix" && !slices.Equal(wl.OpKinds(), []string{name}) {
			t.Errorf("%s: op kinds %v", name, wl.OpKinds())
		}
	}
	if _, err := New("cpu-max-all-9", workloads.Params{}); err == nil {
		t.Error("unknown variant accepted")
	}
}

// recordStore is a Store that records what it is asked and answers
// nothing, without allocating.
type recordStore struct {
	mu    sync.Mutex
	rows  []Row
	calls []string
	log   bool
}

func (s *recordStore) record(format string, args ...any) {
	if s.log {
		s.calls = append(s.calls, fmt.Sprintf(format, args...))
	}
}

func (s *recordStore) Setup(context.Context) error { return nil }
func (s *recordStore) LoadRows(_ context.Context, rows []Row) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range rows {
		h := *r.Host // rows are only valid during the call
		r.Host = &h
		s.rows = append(s.rows, r)
	}
	return nil
}
func (s *recordStore) MaxByTime(_ context.Context, q MaxQuery, dst []Bucket) ([]Bucket, error) {
	s.record("max %v %v %v %v %v", q.Hosts, q.Fields, q.Start, q.End, q.Bucket)
	return dst[:0], nil
}
func (s *recordStore) MeanByTimeHost(_ context.Context, q MeanQuery, dst []HostBucket) ([]HostBucket, error) {
	s.record("mean %v %v %v %v", q.Fields, q.Start, q.End, q.Bucket)
	return dst[:0], nil
}
func (s *recordStore) HighCPU(_ context.Context, q HighCPUQuery, dst []HostPoint) ([]HostPoint, error) {
	s.record("high %v %v %v %v", q.Hosts, q.Threshold, q.Start, q.End)
	return dst[:0], nil
}
func (s *recordStore) LastPoint(_ context.Context, dst []HostPoint) ([]HostPoint, error) {
	s.record("last")
	return dst[:0], nil
}
func (s *recordStore) RecentMaxByTime(_ context.Context, q RecentQuery, dst []Bucket) ([]Bucket, error) {
	s.record("recent %v %v %d", q.End, q.Bucket, q.Limit)
	return dst[:0], nil
}

// recordConn hands out one recordStore.
type recordConn struct{ s *recordStore }

func (c *recordConn) Close() error                      { return nil }
func (c *recordConn) SeriesStore(Schema) (Store, error) { return c.s, nil }

func newRecordConn(log bool) (*recordConn, *recordStore) {
	s := &recordStore{log: log}
	return &recordConn{s}, s
}

func runOps(t *testing.T, wk workloads.Worker, n int) []int {
	t.Helper()
	kinds := make([]int, n)
	for i := range kinds {
		op := wk.Next()
		kinds[i] = op.Kind()
		if err := op.Do(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return kinds
}

func TestWorkerDeterminism(t *testing.T) {
	stream := func(seed uint64, id int) []string {
		w, err := New("mix", workloads.Params{Seed: seed, Scale: workloads.Quick})
		if err != nil {
			t.Fatal(err)
		}
		c, s := newRecordConn(true)
		wk, err := w.Worker(c, id, 4)
		if err != nil {
			t.Fatal(err)
		}
		runOps(t, wk, 300)
		return s.calls
	}
	a, b := stream(1, 2), stream(1, 2)
	if d := cmp.Diff(a, b); d != "" {
		t.Fatalf("same seed and worker, different streams:\n%s", d)
	}
	if slices.Equal(a, stream(1, 3)) {
		t.Error("workers 2 and 3 have the same stream")
	}
	if slices.Equal(a, stream(2, 2)) {
		t.Error("seeds 1 and 2 give the same stream")
	}
}

// paramStore checks every query's parameters against the data set.
type paramStore struct {
	recordStore
	t              *testing.T
	w              *Workload
	start, end     time.Time
	counts         [numQueries]int
	recentMin      time.Time
	recentMax      time.Time
	distinctWindow map[time.Time]bool
}

func (s *paramStore) window(what string, a, b time.Time, length time.Duration) {
	if a.Before(s.start) || b.After(s.end) || b.Sub(a) != length || a.Nanosecond() != 0 {
		s.t.Errorf("%s window [%v, %v) not a whole-second window of %v inside [%v, %v)", what, a, b, length, s.start, s.end)
	}
	s.distinctWindow[a] = true
}

func (s *paramStore) hosts(what string, hs []string, n int) {
	seen := map[string]bool{}
	for _, h := range hs {
		if _, ok := s.w.hostID(h); !ok || seen[h] {
			s.t.Errorf("%s hosts %v: unknown or repeated %s", what, hs, h)
		}
		seen[h] = true
	}
	if len(hs) != n {
		s.t.Errorf("%s: %d hosts, want %d", what, len(hs), n)
	}
}

func (s *paramStore) MaxByTime(ctx context.Context, q MaxQuery, dst []Bucket) ([]Bucket, error) {
	c := s.w.cfg
	window, bucket := c.GroupByWindow, c.GroupByBucket
	switch len(q.Fields) {
	case 1:
		s.counts[qSingle111]++
		s.hosts("single-groupby-1-1-1", q.Hosts, 1)
	case 5:
		s.counts[qSingle581]++
		s.hosts("single-groupby-5-8-1", q.Hosts, 8)
	case NumFields:
		s.counts[qMaxAll8]++
		s.hosts("cpu-max-all-8", q.Hosts, 8)
		window, bucket = c.MaxAllWindow, c.MaxAllBucket
	default:
		s.t.Errorf("single-groupby with fields %v", q.Fields)
	}
	for i, f := range q.Fields {
		if f != i {
			s.t.Errorf("single-groupby fields %v, want the first %d", q.Fields, len(q.Fields))
		}
	}
	s.window("max by time", q.Start, q.End, window)
	if q.Bucket != bucket {
		s.t.Errorf("max by time bucket %v, want %v", q.Bucket, bucket)
	}
	return dst[:0], nil
}

func (s *paramStore) MeanByTimeHost(ctx context.Context, q MeanQuery, dst []HostBucket) ([]HostBucket, error) {
	if len(q.Fields) == NumFields {
		s.counts[qDoubleAll]++
		for i, f := range q.Fields {
			if f != i {
				s.t.Errorf("double-groupby-all fields %v", q.Fields)
			}
		}
	} else {
		s.counts[qDouble1]++
		if !slices.Equal(q.Fields, []int{UsageUser}) {
			s.t.Errorf("double-groupby-1 fields %v", q.Fields)
		}
	}
	if q.Bucket != s.w.cfg.DoubleGroupByBucket {
		s.t.Errorf("double-groupby bucket %v", q.Bucket)
	}
	s.window("double-groupby-1", q.Start, q.End, s.w.cfg.DoubleGroupByWindow)
	return dst[:0], nil
}

func (s *paramStore) HighCPU(ctx context.Context, q HighCPUQuery, dst []HostPoint) ([]HostPoint, error) {
	s.counts[qHighCPU1]++
	s.hosts("high-cpu-1", q.Hosts, 1)
	if q.Threshold != 90 {
		s.t.Errorf("high-cpu-1 threshold %v", q.Threshold)
	}
	s.window("high-cpu-1", q.Start, q.End, s.w.cfg.HighCPUWindow)
	return dst[:0], nil
}

func (s *paramStore) LastPoint(ctx context.Context, dst []HostPoint) ([]HostPoint, error) {
	s.counts[qLastpoint]++
	return dst[:0], nil
}

func (s *paramStore) RecentMaxByTime(ctx context.Context, q RecentQuery, dst []Bucket) ([]Bucket, error) {
	s.counts[qGroupByLimit]++
	if q.End.Before(s.start.Add(5*time.Minute)) || q.End.After(s.end) || q.Limit != 5 || q.Bucket != time.Minute {
		s.t.Errorf("groupby-orderby-limit end %v bucket %v limit %d", q.End, q.Bucket, q.Limit)
	}
	if s.recentMin.IsZero() || q.End.Before(s.recentMin) {
		s.recentMin = q.End
	}
	if q.End.After(s.recentMax) {
		s.recentMax = q.End
	}
	return dst[:0], nil
}

type paramConn struct{ s *paramStore }

func (c *paramConn) Close() error                      { return nil }
func (c *paramConn) SeriesStore(Schema) (Store, error) { return c.s, nil }

// TestWorkerMix checks the mix's shares (1/6 each within 15%) and that every
// drawn parameter lies inside the data as doc.go defines it.
func TestWorkerMix(t *testing.T) {
	for _, scale := range []workloads.Scale{workloads.Quick, workloads.Full} {
		w := newWorkload(t, "mix", scale, map[string]any{"hosts": 50}) // full windows, fewer hosts
		s := &paramStore{t: t, w: w, start: time.Unix(0, w.data.Start), end: time.Unix(0, w.data.End()), distinctWindow: map[time.Time]bool{}}
		wk, err := w.Worker(&paramConn{s}, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		const n = 6000
		kinds := runOps(t, wk, n)
		for q, c := range s.counts[:mixQueries] {
			if math.Abs(float64(c)-n/6) > 0.15*n/6 {
				t.Errorf("%s: %s ran %d times of %d, want %d ± 15%%", scale, QueryNames[q], c, n, n/6)
			}
			if k := w.kindOf[q]; slices.Index(kinds, k) < 0 {
				t.Errorf("%s: kind %d (%s) never reported", scale, k, QueryNames[q])
			}
		}
		if len(s.distinctWindow) < 100 {
			t.Errorf("%s: only %d distinct window starts", scale, len(s.distinctWindow))
		}
		if spread := s.recentMax.Sub(s.recentMin); spread < 40*time.Minute {
			t.Errorf("%s: groupby-orderby-limit ends spread over %v only", scale, spread)
		}
	}
}

// TestWorkerEveryField checks the queries over every field: their shares
// and parameters, at quick (windows capped at the data) and full (TSBS's 8
// and 12 hours, hourly buckets).
func TestWorkerEveryField(t *testing.T) {
	for _, scale := range []workloads.Scale{workloads.Quick, workloads.Full} {
		w := newWorkload(t, "mix", scale, map[string]any{"hosts": 50, "queries": "double-groupby-all,cpu-max-all-8"})
		if scale == workloads.Full && (w.cfg.MaxAllWindow != 8*time.Hour || w.cfg.MaxAllBucket != time.Hour || w.cfg.DoubleGroupByBucket != time.Hour) {
			t.Errorf("full: max-all window %v bucket %v, double-groupby bucket %v; want 8h, 1h, 1h", w.cfg.MaxAllWindow, w.cfg.MaxAllBucket, w.cfg.DoubleGroupByBucket)
		}
		s := &paramStore{t: t, w: w, start: time.Unix(0, w.data.Start), end: time.Unix(0, w.data.End()), distinctWindow: map[time.Time]bool{}}
		wk, err := w.Worker(&paramConn{s}, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		const n = 2000
		runOps(t, wk, n)
		for _, q := range []int{qDoubleAll, qMaxAll8} {
			if c := s.counts[q]; math.Abs(float64(c)-n/2) > 0.1*n/2 {
				t.Errorf("%s: %s ran %d times of %d, want %d ± 10%%", scale, QueryNames[q], c, n, n/2)
			}
		}
	}
}

// nopStore answers every query with nothing and allocates nothing.
type nopStore struct{ recordStore }

func (*nopStore) MaxByTime(_ context.Context, _ MaxQuery, dst []Bucket) ([]Bucket, error) {
	return dst[:0], nil
}
func (*nopStore) MeanByTimeHost(_ context.Context, _ MeanQuery, dst []HostBucket) ([]HostBucket, error) {
	return dst[:0], nil
}
func (*nopStore) HighCPU(_ context.Context, _ HighCPUQuery, dst []HostPoint) ([]HostPoint, error) {
	return dst[:0], nil
}
func (*nopStore) LastPoint(_ context.Context, dst []HostPoint) ([]HostPoint, error) {
	return dst[:0], nil
}
func (*nopStore) RecentMaxByTime(_ context.Context, _ RecentQuery, dst []Bucket) ([]Bucket, error) {
	return dst[:0], nil
}

func TestWorkerAllocations(t *testing.T) {
	w := newWorkload(t, "mix", workloads.Quick, nil)
	wk, err := w.Worker(&storeConn{&nopStore{}}, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	runOps(t, wk, 100) // grow the buffers
	if a := testing.AllocsPerRun(1000, func() { _ = wk.Next().Do(ctx) }); a != 0 {
		t.Errorf("%v allocations per operation, want 0", a)
	}
}

type noConn struct{}

func (noConn) Close() error { return nil }

func TestUnsupported(t *testing.T) {
	w := newWorkload(t, "mix", workloads.Quick, nil)
	ctx := context.Background()
	if _, err := w.Worker(noConn{}, 0, 1); !errors.Is(err, drivers.ErrUnsupported) {
		t.Errorf("Worker: %v, want ErrUnsupported", err)
	}
	if err := w.Setup(ctx, noConn{}); !errors.Is(err, drivers.ErrUnsupported) {
		t.Errorf("Setup: %v, want ErrUnsupported", err)
	}
	if err := w.Load(ctx, noConn{}, 0, 1, nopProgress{}); !errors.Is(err, drivers.ErrUnsupported) {
		t.Errorf("Load: %v, want ErrUnsupported", err)
	}
	if _, err := w.Validate(ctx, noConn{}); !errors.Is(err, drivers.ErrUnsupported) {
		t.Errorf("Validate: %v, want ErrUnsupported", err)
	}
	if Supports(noConn{}) {
		t.Error("Supports(noConn) = true")
	}
	if c, _ := newRecordConn(false); !Supports(c) {
		t.Error("Supports(recordConn) = false")
	}
}

type nopProgress struct{}

func (nopProgress) Add(int64) {}

type countProgress struct{ n int64 }

func (p *countProgress) Add(n int64) { p.n += n }

// TestLoadShares checks that loading in parts writes the same rows as one
// loader, in batches of at most loadbatch, each host's readings in time
// order with its tags.
func TestLoadShares(t *testing.T) {
	opts := map[string]any{"hosts": 7, "duration": "10m", "loadbatch": 50}
	w := newWorkload(t, "mix", workloads.Quick, opts)
	type key struct {
		host string
		time int64
	}
	load := func(parts int) map[key][NumFields]float64 {
		c, s := newRecordConn(false)
		var p countProgress
		for part := range parts {
			if err := w.Load(context.Background(), c, part, parts, &p); err != nil {
				t.Fatal(err)
			}
		}
		if p.n != w.Records() || int64(len(s.rows)) != w.Records() {
			t.Fatalf("%d parts: progress %d, rows %d, want %d", parts, p.n, len(s.rows), w.Records())
		}
		m := map[key][NumFields]float64{}
		last := map[string]time.Time{}
		for _, r := range s.rows {
			if r.Host.Tags != gen.CPUHostTags(1, r.Host.ID) {
				t.Fatalf("host %d has tags %v", r.Host.ID, r.Host.Tags)
			}
			if l, ok := last[r.Host.Name()]; ok && !r.Time.After(l) {
				t.Fatalf("%s: reading at %v after %v", r.Host.Name(), r.Time, l)
			}
			last[r.Host.Name()] = r.Time
			m[key{r.Host.Name(), r.Time.UnixNano()}] = r.Fields
		}
		return m
	}
	whole := load(1)
	for _, parts := range []int{2, 3, 10} {
		if d := cmp.Diff(whole, load(parts)); d != "" {
			t.Errorf("%d parts differ from one (-one +parts):\n%s", parts, d)
		}
	}
}

func TestLoadBatches(t *testing.T) {
	w := newWorkload(t, "mix", workloads.Quick, map[string]any{"hosts": 3, "duration": "10m", "loadbatch": 7})
	s := &batchStore{}
	if err := w.Load(context.Background(), &storeConn{s}, 0, 1, nopProgress{}); err != nil {
		t.Fatal(err)
	}
	if s.max != 7 || s.rows != w.Records() {
		t.Errorf("largest batch %d rows (want 7), %d rows in all (want %d)", s.max, s.rows, w.Records())
	}
}

type batchStore struct {
	recordStore
	max  int
	rows int64
}

func (s *batchStore) LoadRows(_ context.Context, rows []Row) error {
	s.max = max(s.max, len(rows))
	s.rows += int64(len(rows))
	return nil
}

type storeConn struct{ s Store }

func (c *storeConn) Close() error                      { return nil }
func (c *storeConn) SeriesStore(Schema) (Store, error) { return c.s, nil }

func TestExport(t *testing.T) {
	w := newWorkload(t, "mix", workloads.Quick, map[string]any{"hosts": 5, "duration": "5m"})
	tables := w.Tables()
	if len(tables) != 1 || len(tables[0].Columns) != 21 || tables[0].Columns[0] != "time" || tables[0].Columns[1] != "hostname" {
		t.Fatalf("tables %+v", tables)
	}
	var rows int64
	seen := map[string]bool{}
	for part := range 2 {
		err := w.Export(context.Background(), part, 2, func(table string, row []any) error {
			if table != "cpu" || len(row) != 21 {
				return fmt.Errorf("row of %s with %d values", table, len(row))
			}
			tm, ok1 := row[0].(time.Time)
			host, ok2 := row[1].(string)
			v, ok3 := row[11].(float64)
			if !ok1 || !ok2 || !ok3 || v < 0 || v > 100 {
				return fmt.Errorf("bad row %v", row)
			}
			k := host + tm.String()
			if seen[k] {
				return fmt.Errorf("row %s twice", k)
			}
			seen[k] = true
			rows++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if rows != w.Records() {
		t.Errorf("exported %d rows, want %d", rows, w.Records())
	}
}

func TestQueries(t *testing.T) {
	w := newWorkload(t, "mix", workloads.Quick, map[string]any{"hosts": 10, "duration": "20m"})
	qs, err := w.Queries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, q := range qs {
		names[q.Name] = true
		if q.Compare != "approx" || q.Params == nil {
			t.Errorf("%s: compare %q params %v", q.Name, q.Compare, q.Params)
		}
	}
	for _, n := range QueryNames[:mixQueries] {
		if !names[n] {
			t.Errorf("no %s query", n)
		}
	}
	if len(qs) != len(w.validationSet()) {
		t.Errorf("%d queries, validation asks %d", len(qs), len(w.validationSet()))
	}
	js := func(w *Workload) string {
		qs, err := w.Queries(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(qs)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	a := js(w)
	if a != js(newWorkload(t, "mix", workloads.Quick, map[string]any{"hosts": 10, "duration": "20m"})) {
		t.Error("same seed, different queries")
	}
	w2, err := New("mix", workloads.Params{Seed: 2, Scale: workloads.Quick, Options: map[string]any{"hosts": 10, "duration": "20m"}})
	if err != nil {
		t.Fatal(err)
	}
	if a == js(w2) {
		t.Error("seeds 1 and 2 give the same queries")
	}
	if !strings.Contains(a, `"name":"lastpoint"`) || !strings.Contains(a, `"host":"host_9"`) {
		t.Errorf("lastpoint answer missing from %.300s…", a)
	}
}

func BenchmarkWorker(b *testing.B) {
	w := newWorkload(b, "mix", workloads.Quick, nil)
	wk, err := w.Worker(&storeConn{&nopStore{}}, 0, 1)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = wk.Next().Do(ctx)
	}
}
