package point_test

import (
	"cmp"
	"context"
	"encoding/binary"
	"hash/fnv"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/point"
)

// recorder is a point store that keeps nothing and remembers the keys it
// was asked for: reads, updates and scan starts.
type recorder struct {
	keys    map[string]int
	records []point.Record
}

func newRecorder() *recorder { return &recorder{keys: map[string]int{}} }

func (r *recorder) Close() error                                 { return nil }
func (r *recorder) PointStore(point.Schema) (point.Store, error) { return r, nil }
func (r *recorder) Setup(context.Context) error                  { return nil }
func (r *recorder) Load(_ context.Context, recs []point.Record) error {
	for _, rec := range recs {
		c := point.Record{Key: slices.Clone(rec.Key)}
		for _, v := range rec.Values {
			c.Values = append(c.Values, slices.Clone(v))
		}
		r.records = append(r.records, c)
	}
	return nil
}
func (r *recorder) Insert(context.Context, []byte, [][]byte) error { return nil }
func (r *recorder) Read(_ context.Context, key []byte, _ []int, dst [][]byte) ([][]byte, error) {
	r.keys[string(key)]++
	return dst[:0], nil
}
func (r *recorder) Update(_ context.Context, key []byte, _ []int, _ [][]byte) error {
	r.keys[string(key)]++
	return nil
}
func (r *recorder) Delete(context.Context, []byte) error { return nil }
func (r *recorder) Scan(_ context.Context, start []byte, _ int, _ []int, dst []point.Record) ([]point.Record, error) {
	r.keys[string(start)]++
	return dst[:0], nil
}

// ycsbHash is YCSB's Utils.fnvhash64, written from its definition: FNV-1a
// over the 8 little-endian bytes of the number, as a signed 64-bit value,
// absolute. (The standard library's FNV-1a, independent of storefit's.)
func ycsbHash(v int64) int64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(v))
	h.Write(b[:])
	s := int64(h.Sum64())
	if s < 0 {
		s = -s
	}
	return s
}

// ycsbKey is YCSB's key name of key number n (insertorder=hashed).
func ycsbKey(n int64) string { return "user" + strconv.FormatInt(ycsbHash(n), 10) }

// ycsbHotKeys returns the key numbers below limit that YCSB's
// ScrambledZipfianGenerator(0, max) makes most popular, hottest first: rank
// r of the 10^10+1-item zipfian (probability ∝ 1/(r+1)^0.99) lands on key
// hash(r) mod (max+1). The first million ranks decide the order.
func ycsbHotKeys(max, limit int64, n int) []int64 {
	p := map[int64]float64{}
	for r := range int64(1_000_000) {
		p[ycsbHash(r)%(max+1)] += 1 / math.Pow(float64(r+1), 0.99)
	}
	keys := make([]int64, 0, len(p))
	for k := range p {
		if k < limit {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b int64) int { return cmp.Compare(p[b], p[a]) })
	return keys[:n]
}

// hottest returns the n most asked-for keys, hottest first.
func hottest(keys map[string]int, n int) []string {
	out := make([]string, 0, len(keys))
	for k := range keys {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(cmp.Compare(keys[b], keys[a]), cmp.Compare(a, b)) })
	return out[:n]
}

// drive runs ops operations of worker 0 of 1 against r and returns the
// count per operation kind.
func drive(t *testing.T, w *point.Workload, r *recorder, ops int) map[string]int {
	t.Helper()
	k, err := w.Worker(r, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for range ops {
		op := k.Next()
		kinds[w.OpKinds()[op.Kind()]]++
		if err := op.Do(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return kinds
}

func loadYCSB(t *testing.T, file string, overrides ...string) *point.YCSB {
	t.Helper()
	var files []string
	if file != "" {
		files = []string{filepath.Join("testdata", file)}
	}
	props, err := point.LoadYCSBProperties(files, overrides)
	if err != nil {
		t.Fatal(err)
	}
	y, err := point.FromYCSB(props)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

func newYCSB(t *testing.T, y *point.YCSB) *point.Workload {
	t.Helper()
	w, err := point.New(y.Mix, workloads.Params{Seed: 7, Options: y.Options})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// The hot keys of a zipfian mix are YCSB's: YCSB's CoreWorkload draws from
// ScrambledZipfianGenerator(0, recordcount + expectednewkeys), an inclusive
// bound, so 1001 items for 1000 records without inserts.
func TestHotKeysAreYCSBs(t *testing.T) {
	for _, tc := range []struct {
		file string
		max  int64 // YCSB's inclusive upper bound
	}{
		{"workloadc", 1000},
		{"workloada", 1000},
		// expectednewkeys = operationcount × insertproportion × 2 = 100.
		{"workloade", 1100},
	} {
		t.Run(tc.file, func(t *testing.T) {
			// The test can fail: one item fewer makes other keys hot.
			if ycsbHash(0)%(tc.max+1) == ycsbHash(0)%tc.max {
				t.Fatalf("records chosen so that an off-by-one goes unseen")
			}
			y := loadYCSB(t, tc.file)
			w := newYCSB(t, y)
			r := newRecorder()
			drive(t, w, r, 200_000)
			var want []string
			for _, n := range ycsbHotKeys(tc.max, 1000, 3) {
				want = append(want, ycsbKey(n))
			}
			if got := hottest(r.keys, 3); !slices.Equal(got, want) {
				t.Errorf("hottest keys %v, want YCSB's %v", got, want)
			}
		})
	}
}

// YCSB's latest distribution draws max - zipfian(max) for max the newest
// key number: with 3 records, key 2 with probability 1/(1+2^-0.99), key 1
// with the rest, and key 0 never.
func TestLatestIsYCSBs(t *testing.T) {
	y := loadYCSB(t, "", "recordcount=3", "readproportion=1", "updateproportion=0", "requestdistribution=latest", "operationcount=1")
	w := newYCSB(t, y)
	r := newRecorder()
	const n = 100_000
	drive(t, w, r, n)
	if c := r.keys[ycsbKey(0)]; c != 0 {
		t.Errorf("key 0 read %d times; YCSB's latest never draws it", c)
	}
	p2 := 1 / (1 + math.Pow(0.5, 0.99))
	got := float64(r.keys[ycsbKey(2)]) / n
	if sd := math.Sqrt(p2 * (1 - p2) / n); math.Abs(got-p2) > 5*sd {
		t.Errorf("newest key read %.4f of the time, want %.4f", got, p2)
	}
}

// coreWorkloads are YCSB's core workloads as its documentation defines
// them: the operation mix and the request distribution.
var coreWorkloads = map[string]struct {
	read, update, insert, scan, rmw float64
	dist                            string
}{
	"a": {read: 0.5, update: 0.5, dist: "zipfian"},
	"b": {read: 0.95, update: 0.05, dist: "zipfian"},
	"c": {read: 1, dist: "zipfian"},
	"d": {read: 0.95, insert: 0.05, dist: "latest"},
	"e": {scan: 0.95, insert: 0.05, dist: "zipfian"},
	"f": {read: 0.5, rmw: 0.5, dist: "zipfian"},
}

// Property files of the six core workloads, in YCSB's format, run as the
// core workloads: the same mix, distribution, record layout and counts.
func TestYCSBCoreWorkloadFiles(t *testing.T) {
	for mix, def := range coreWorkloads {
		t.Run("workload"+mix, func(t *testing.T) {
			y := loadYCSB(t, "workload"+mix)
			if y.Mix != mix {
				t.Fatalf("mix %q, want %q", y.Mix, mix)
			}
			if len(y.Ignored) > 0 || len(y.Notes) > 0 {
				t.Errorf("ignored %v, notes %v: a core workload file uses every property", y.Ignored, y.Notes)
			}
			if want := (point.YCSBRun{Ops: 1000}); y.Run != want {
				t.Errorf("run settings %+v, want %+v", y.Run, want)
			}
			w := newYCSB(t, y)
			c := w.Config()
			got := [5]float64{c.ReadProportion, c.UpdateProportion, c.InsertProportion, c.ScanProportion, c.RMWProportion}
			if want := [5]float64{def.read, def.update, def.insert, def.scan, def.rmw}; got != want {
				t.Errorf("proportions %v, want %v", got, want)
			}
			if c.RequestDistribution != def.dist {
				t.Errorf("distribution %s, want %s", c.RequestDistribution, def.dist)
			}
			if c.Table != "usertable" || c.Records != 1000 || c.FieldCount != 10 || c.FieldLength != 100 || !c.ReadAllFields || c.WriteAllFields || c.InsertOrder != "hashed" {
				t.Errorf("record layout %+v, want YCSB's: usertable, 1000 records of 10 fields × 100 bytes, hashed keys, read all fields", c)
			}
			if def.scan > 0 && (c.MinScanLength != 1 || c.MaxScanLength != 100 || c.ScanLengthDistribution != "uniform") {
				t.Errorf("scan length %d..%d %s, want 1..100 uniform", c.MinScanLength, c.MaxScanLength, c.ScanLengthDistribution)
			}
			checkMix(t, w, def.read, def.update, def.insert, def.scan, def.rmw)
			checkLayout(t, w)
		})
	}
}

// checkMix runs the workload and compares the share of each operation kind
// with the proportions.
func checkMix(t *testing.T, w *point.Workload, read, update, insert, scan, rmw float64) {
	t.Helper()
	const n = 40_000
	kinds := drive(t, w, newRecorder(), n)
	for kind, p := range map[string]float64{"read": read, "update": update, "insert": insert, "scan": scan, "rmw": rmw} {
		got := float64(kinds[kind]) / n
		if sd := math.Sqrt(p * (1 - p) / n); math.Abs(got-p) > 5*sd+1e-9 {
			t.Errorf("%s: %.4f of the operations, want %.4f", kind, got, p)
		}
	}
}

// checkLayout loads the records and checks YCSB's layout: keys "user" and
// the hashed key number, fieldcount fields of fieldlength bytes.
func checkLayout(t *testing.T, w *point.Workload) {
	t.Helper()
	r := newRecorder()
	if err := w.Load(context.Background(), r, 0, 1, nopProgress{}); err != nil {
		t.Fatal(err)
	}
	c := w.Config()
	if int64(len(r.records)) != c.Records {
		t.Fatalf("%d records loaded, want %d", len(r.records), c.Records)
	}
	for i, rec := range r.records {
		if string(rec.Key) != ycsbKey(int64(i)) {
			t.Fatalf("record %d key %s, want %s", i, rec.Key, ycsbKey(int64(i)))
		}
		if len(rec.Values) != c.FieldCount {
			t.Fatalf("record %d has %d fields, want %d", i, len(rec.Values), c.FieldCount)
		}
		for f, v := range rec.Values {
			if len(v) != c.FieldLength {
				t.Fatalf("record %d field %d is %d bytes, want %d", i, f, len(v), c.FieldLength)
			}
		}
	}
}

type nopProgress struct{}

func (nopProgress) Add(int64) {}

// A user's own file: Client settings become run settings, other properties
// are mapped or listed as ignored with a reason.
func TestYCSBCustomFile(t *testing.T) {
	y := loadYCSB(t, "custom", "threadcount=2", "target=1500")
	if y.Mix != "ycsb" {
		t.Errorf("mix %q, want ycsb (no core workload has this mix)", y.Mix)
	}
	want := point.YCSBRun{Workers: 2, Rate: 1500, Ops: 20000, Duration: 30 * time.Second}
	if y.Run != want {
		t.Errorf("run %+v, want %+v (-p overrides the file)", y.Run, want)
	}
	var ignored []string
	for _, ig := range y.Ignored {
		if ig.Reason == "" {
			t.Errorf("%s ignored without a reason", ig.Name)
		}
		ignored = append(ignored, ig.Name)
	}
	if wantIg := []string{"db", "jdbc.url", "measurementtype", "status.interval"}; !slices.Equal(ignored, wantIg) {
		t.Errorf("ignored %v, want %v", ignored, wantIg)
	}
	w := newYCSB(t, y)
	got := w.Config()
	wantCfg := got
	wantCfg.Records, wantCfg.FieldCount, wantCfg.FieldLength = 5000, 20, 50
	wantCfg.ReadAllFields, wantCfg.WriteAllFields = false, true
	wantCfg.ReadProportion, wantCfg.UpdateProportion, wantCfg.InsertProportion = 0.6, 0.1, 0.3
	wantCfg.ScanProportion, wantCfg.RMWProportion = 0, 0
	wantCfg.RequestDistribution, wantCfg.InsertOrder, wantCfg.ZeroPadding = "zipfian", "ordered", 12
	wantCfg.InsertHeadroom = 12000 // 20000 × 0.3 × 2
	wantCfg.MaxScanLength = 1000   // CoreWorkload's default
	if d := gocmp.Diff(wantCfg, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("config (-want +got):\n%s", d)
	}
	if _, err := point.New("ycsb", workloads.Params{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	def, _ := point.DefaultConfig("ycsb", workloads.Quick)
	if def.ReadProportion != 0.95 || def.UpdateProportion != 0.05 || def.RequestDistribution != "uniform" || def.MaxScanLength != 1000 {
		t.Errorf("point/ycsb defaults %+v, want CoreWorkload's", def)
	}
}

func TestYCSBErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props []string
	}{
		{"other workload class", []string{"workload=site.ycsb.workloads.TimeSeriesWorkload"}},
		{"variable field length", []string{"fieldlengthdistribution=zipfian"}},
		{"client key-range split", []string{"recordcount=1000", "insertstart=500", "insertcount=500"}},
		{"not a number", []string{"recordcount=many"}},
		{"zero records", []string{"recordcount=0"}},
		{"negative threads", []string{"threadcount=-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			props, err := point.LoadYCSBProperties(nil, tc.props)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := point.FromYCSB(props); err == nil {
				t.Errorf("%v accepted", tc.props)
			}
		})
	}
	if _, err := point.LoadYCSBProperties(nil, []string{"recordcount"}); err == nil {
		t.Error("-p without = accepted")
	}
	if _, err := point.LoadYCSBProperties([]string{"testdata/nonexistent"}, nil); err == nil {
		t.Error("missing file accepted")
	}
	// A bad value of a mapped property is caught when the workload is built.
	y := loadYCSB(t, "", "requestdistribution=pareto")
	if _, err := point.New(y.Mix, workloads.Params{Options: y.Options}); err == nil {
		t.Error("requestdistribution=pareto accepted")
	}
}
