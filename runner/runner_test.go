package runner

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/memory"
	_ "github.com/storefit/storefit/drivers/noop"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
	_ "github.com/storefit/storefit/workloads/all"
	"github.com/storefit/storefit/workloads/point"
)

// faultyDriver wraps the memory store's point pattern with injected
// behaviour, to test how the runner times, counts and stops.
type faultyDriver struct{ f *faults }

type faults struct {
	readErr   error         // every read fails with it
	readDelay time.Duration // reads block this long (or until cancelled)…
	delayFrom int64         // …from this read on (validation reads come first)
	reads     atomic.Int64
	loadErr   error
	loadDelay time.Duration // every load batch takes this long
	loaded    atomic.Int64
	// stuck makes delayed reads ignore their context, as a driver blocked
	// on a stalled server's socket does; stuckFrom delays from that read
	// on only (0: every read past delayFrom).
	stuck bool
	// closeDelay makes Close block this long (a pool waiting for a
	// stalled server).
	closeDelay time.Duration
	// embedded makes the driver describe itself as embedded.
	embedded bool
	// stallAfter delays (stalls) only the reads that come this long after
	// the first read past delayFrom: a server that stalls mid-phase.
	stallAfter time.Duration
	first      atomic.Int64 // unix ns of the first read past delayFrom
	// paused makes reads wait until it is cleared (a SIGSTOPped server).
	paused atomic.Bool
	// cancelErr, when set, is what a delayed read returns on cancellation
	// instead of an error wrapping the context's: drivers word it their
	// own way ("conn closed").
	cancelErr error
	// failOf and failIn make reads fail: failOf of every failIn reads
	// (after delayFrom), each after failAfter.
	failOf, failIn int64
	failAfter      time.Duration
	// delayAt, when set, gives every read's delay from the time since the
	// first read (a store warming up or slowing down).
	delayAt    func(since time.Duration) time.Duration
	delayStart atomic.Pointer[time.Time]
	// slots, when set, bounds the reads served at once (a store's
	// capacity); each holds its slot for slotTime.
	slots    chan struct{}
	slotTime time.Duration
}

// delays reports whether the n-th read is delayed.
func (f *faults) delays(n int64) bool {
	if f.readDelay == 0 || n <= f.delayFrom {
		return false
	}
	now := time.Now().UnixNano()
	f.first.CompareAndSwap(0, now)
	return f.stallAfter == 0 || time.Duration(now-f.first.Load()) >= f.stallAfter
}

type faultyConn struct {
	drivers.Conn
	f *faults
}

type faultyStore struct {
	point.Store
	f *faults
}

func (d faultyDriver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	if dsn == "refuse" {
		return nil, errors.New("connection refused")
	}
	if u, err := url.Parse(dsn); err == nil && u.Scheme == "leak" {
		// A careless driver, quoting its DSN and the password.
		pw, _ := u.User.Password()
		return nil, fmt.Errorf("connect %s: password %s refused", dsn, pw)
	}
	c, err := memory.Driver{}.Open(ctx, "")
	return &faultyConn{Conn: c, f: d.f}, err
}

func (c *faultyConn) Close() error {
	time.Sleep(c.f.closeDelay)
	return c.Conn.Close()
}

// Describe describes the faulty driver: embedded when asked.
func (d faultyDriver) Describe() drivers.Info {
	return drivers.Info{Summary: "test", Conn: (*faultyConn)(nil), Embedded: d.f.embedded}
}

func (c *faultyConn) PointStore(s point.Schema) (point.Store, error) {
	st, err := c.Conn.(point.Provider).PointStore(s)
	return &faultyStore{Store: st, f: c.f}, err
}

func (s *faultyStore) Load(ctx context.Context, recs []point.Record) error {
	if s.f.loadErr != nil && s.f.loaded.Add(int64(len(recs))) > 1000 {
		return s.f.loadErr
	}
	if s.f.loadDelay > 0 {
		time.Sleep(s.f.loadDelay)
	}
	return s.Store.Load(ctx, recs)
}

func (s *faultyStore) Read(ctx context.Context, key []byte, fields []int, dst [][]byte) ([][]byte, error) {
	for s.f.paused.Load() {
		select {
		case <-time.After(5 * time.Millisecond):
		case <-ctx.Done():
			return dst, ctx.Err()
		}
	}
	n := s.f.reads.Add(1)
	if s.f.delayAt != nil {
		now := time.Now()
		s.f.delayStart.CompareAndSwap(nil, &now)
		time.Sleep(s.f.delayAt(now.Sub(*s.f.delayStart.Load())))
	}
	if s.f.slots != nil {
		select {
		case s.f.slots <- struct{}{}:
		case <-ctx.Done():
			return dst, ctx.Err()
		}
		time.Sleep(s.f.slotTime)
		<-s.f.slots
	}
	if s.f.delays(n) {
		if s.f.stuck {
			time.Sleep(s.f.readDelay)
			return dst, errors.New("read: connection reset by peer")
		}
		select {
		case <-time.After(s.f.readDelay):
		case <-ctx.Done():
			if s.f.cancelErr != nil {
				return dst, s.f.cancelErr
			}
			return dst, fmt.Errorf("read: %w", ctx.Err())
		}
	}
	if s.f.readErr != nil {
		return dst, s.f.readErr
	}
	if s.f.failIn > 0 {
		if n > s.f.delayFrom && (n-s.f.delayFrom)%s.f.failIn < s.f.failOf {
			time.Sleep(s.f.failAfter)
			return dst, errors.New("injected failure")
		}
	}
	return s.Store.Read(ctx, key, fields, dst)
}

var registered atomic.Int64

// register registers a faulty driver under a new name.
func register(t *testing.T, f *faults) string {
	name := fmt.Sprintf("faulty-%s-%d", t.Name(), registered.Add(1))
	drivers.Register(name, faultyDriver{f})
	return name
}

func pointCell(store, mix string, cfg Config, opts map[string]any) Cell {
	if opts == nil {
		opts = map[string]any{"records": 2000}
	}
	return Cell{Workload: "point/" + mix, Params: workloads.Params{Seed: 1, Scale: workloads.Quick, Options: opts}, Store: store, Config: cfg}
}

func runOne(t *testing.T, ctx context.Context, c Cell) (*results.Result, error) {
	t.Helper()
	return Run(ctx, Plan{Cells: []Cell{c}}, Options{})
}

func TestClosedLoopOpsQuota(t *testing.T) {
	for _, workers := range []int{1, 3} {
		res, err := runOne(t, context.Background(), pointCell("memory", "a", Config{Workers: workers, Ops: 10001, Timeout: time.Second}, nil))
		if err != nil {
			t.Fatal(err)
		}
		c := res.Cells[0]
		if c.Status != results.StatusOK || c.Error != "" {
			t.Fatalf("status %s: %s", c.Status, c.Error)
		}
		if c.Run.Ops != 10001 || c.Run.Errors != 0 {
			t.Errorf("workers %d: %d ops, %d errors; want exactly 10001 ops", workers, c.Run.Ops, c.Run.Errors)
		}
		var sum int64
		for _, k := range c.Run.Kinds {
			sum += k.Count
			h, err := results.DecodeHistogram(k.Histogram)
			if err != nil || h.TotalCount() != k.Count {
				t.Errorf("%s histogram: %v, count %d vs %d", k.Kind, err, h.TotalCount(), k.Count)
			}
		}
		if sum != 10001 {
			t.Errorf("kinds sum to %d", sum)
		}
		var ivSum int64
		for _, iv := range c.Run.Intervals {
			ivSum += iv.Ops
		}
		if ivSum != 10001 {
			t.Errorf("intervals sum to %d ops", ivSum)
		}
		if c.Validation.Status != results.ValidationPassed {
			t.Errorf("validation %s", c.Validation.Status)
		}
		if c.Load.Rows != 2000 {
			t.Errorf("loaded %d rows", c.Load.Rows)
		}
		if !res.Complete {
			t.Error("result not complete")
		}
	}
}

// The noop store answers at once, so an open loop at 2000 ops/s for 2 s
// must schedule 4000 operations (the schedule, not the store, sets the
// pace), start nearly all of them — every one is either started or
// counted as dropped — with latency far below the inter-arrival time.
func TestOpenLoopHoldsRate(t *testing.T) {
	res, err := runOne(t, context.Background(), pointCell("noop", "c", Config{Workers: 2, Rate: 2000, Duration: 2 * time.Second}, nil))
	if err != nil {
		t.Fatal(err)
	}
	run := res.Cells[0].Run
	if run.Mode != results.OpenLoop || run.IntendedOps != 4000 || run.Ops+run.DroppedOps != 4000 || run.Ops < 3800 {
		t.Errorf("open loop: mode %s, %d ops started and %d dropped of %d; want 4000 scheduled, nearly all started", run.Mode, run.Ops, run.DroppedOps, run.IntendedOps)
	}
	k := run.Kinds[0]
	if k.Uncorrected == nil || k.UncorrectedHistogram == "" {
		t.Fatal("no uncorrected latency under open loop")
	}
	if k.Latency.P50 > 500 {
		t.Errorf("p50 %.1f µs on the noop store", k.Latency.P50)
	}
	if len(run.Intervals) < 2 {
		t.Errorf("%d intervals in 2 s", len(run.Intervals))
	}
}

// A store slower than the schedule: the corrected latency includes the
// time operations waited for their turn; the uncorrected one does not.
func TestOpenLoopCorrectsCoordinatedOmission(t *testing.T) {
	f := &faults{readDelay: 5 * time.Millisecond}
	store := register(t, f)
	// One worker, 400 ops/s (2.5 ms apart) against a 5 ms store: the
	// schedule falls behind by 2.5 ms per operation.
	res, err := runOne(t, context.Background(), pointCell(store, "c", Config{Workers: 1, Rate: 400, Duration: time.Second}, map[string]any{"records": 100}))
	if err != nil {
		t.Fatal(err)
	}
	run := res.Cells[0].Run
	k := run.Kinds[0]
	if k.Uncorrected.P50 < 5000 || k.Uncorrected.P50 > 20000 {
		t.Errorf("uncorrected p50 %.0f µs, want ≈ 5 ms", k.Uncorrected.P50)
	}
	if k.Latency.Max < 4*k.Uncorrected.Max {
		t.Errorf("corrected max %.0f µs not far above uncorrected %.0f µs", k.Latency.Max, k.Uncorrected.Max)
	}
	if run.LateOps == 0 || run.MaxLagUs < 100000 {
		t.Errorf("late ops %d, max lag %.0f µs: the lag was not reported", run.LateOps, run.MaxLagUs)
	}
	// 400 operations were due in the second; about 200 ran.
	if run.IntendedOps != 400 || run.DroppedOps < 100 || run.DroppedOps+run.Ops > 400 {
		t.Errorf("intended %d, dropped %d, done %d: want 400 intended and the rest dropped", run.IntendedOps, run.DroppedOps, run.Ops)
	}
}

// Every run records storefit's own CPU use and when it started measuring.
func TestHarnessSelfCheck(t *testing.T) {
	before := time.Now()
	res, err := runOne(t, context.Background(), pointCell("noop", "c", Config{Workers: 2, Duration: 300 * time.Millisecond}, nil))
	if err != nil {
		t.Fatal(err)
	}
	run := res.Cells[0].Run
	h := run.Harness
	if h == nil || h.UserSeconds+h.SystemSeconds <= 0 || h.Cores <= 0 || h.Utilization <= 0 || h.GOMAXPROCS < 1 {
		t.Fatalf("harness %+v", h)
	}
	// Two closed-loop workers on the noop store keep about two cores busy.
	if h.Cores > float64(h.GOMAXPROCS)+0.5 {
		t.Errorf("%.2f cores busy of %d", h.Cores, h.GOMAXPROCS)
	}
	if run.MeasuredStart.Before(before) || run.MeasuredStart.After(time.Now()) {
		t.Errorf("measured start %v", run.MeasuredStart)
	}
	if !res.Cells[0].Embedded {
		t.Error("noop not recorded as embedded")
	}
	if runtime.GOOS == "linux" && (h.LoadAverage < 0 || h.CPUs < 1 || h.RunDelaySeconds < 0) {
		t.Errorf("no CPU count on Linux: %+v", h)
	}
}

func TestPerOpTimeout(t *testing.T) {
	f := &faults{readDelay: time.Hour, delayFrom: 1000}
	store := register(t, f)
	start := time.Now()
	res, err := runOne(t, context.Background(), pointCell(store, "c", Config{Workers: 2, Duration: 500 * time.Millisecond, Timeout: 50 * time.Millisecond}, map[string]any{"records": 100}))
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("run took %v despite timeouts", el)
	}
	k := res.Cells[0].Run.Kinds[0]
	if k.Errors["timeout"] < 4 || k.Count > 1000 {
		t.Errorf("errors %v, count %d: want timeouts counted", k.Errors, k.Count)
	}
}

func TestErrorsCountedByClass(t *testing.T) {
	f := &faults{readErr: drivers.ErrNotFound}
	store := register(t, f)
	res, err := runOne(t, context.Background(), pointCell(store, "b", Config{Workers: 2, Ops: 2000}, map[string]any{"records": 100}))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	var reads, updates results.OpStats
	for _, k := range c.Run.Kinds {
		switch k.Kind {
		case "read":
			reads = k
		case "update":
			updates = k
		}
	}
	if reads.Count != 0 || reads.Errors["not_found"] == 0 {
		t.Errorf("reads: count %d, errors %v", reads.Count, reads.Errors)
	}
	if updates.Count == 0 || len(updates.Errors) != 0 {
		t.Errorf("updates: count %d, errors %v", updates.Count, updates.Errors)
	}
	if c.Run.Ops+c.Run.Errors != 2000 {
		t.Errorf("ops %d + errors %d != 2000", c.Run.Ops, c.Run.Errors)
	}
	// Validation reads fail too: the cell says so.
	if c.Validation.Status != results.ValidationFailed {
		t.Errorf("validation %s with failing reads", c.Validation.Status)
	}

	f2 := &faults{readErr: errors.New("disk on fire")}
	res, _ = runOne(t, context.Background(), pointCell(register(t, f2), "c", Config{Workers: 1, Ops: 10}, map[string]any{"records": 100}))
	k := res.Cells[0].Run
	if k == nil || k.Kinds[0].Errors["error"] != 10 || len(k.Kinds[0].ErrorSamples) != 1 || k.Kinds[0].ErrorSamples[0] != "disk on fire" {
		t.Errorf("generic errors not counted with a sample: %+v", res.Cells[0])
	}
}

func TestInterruptKeepsPartialResult(t *testing.T) {
	f := &faults{readDelay: time.Millisecond}
	store := register(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(700*time.Millisecond, cancel)
	start := time.Now()
	plan := Plan{Cells: []Cell{
		pointCell(store, "c", Config{Workers: 2, Duration: time.Hour, Timeout: time.Hour}, map[string]any{"records": 100}),
		pointCell("memory", "a", Config{Workers: 1, Duration: time.Second}, nil),
	}}
	res, err := Run(ctx, plan, Options{})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if el := time.Since(start); el > 1700*time.Millisecond {
		t.Errorf("stopping took %v after the cancel at 700ms", el-700*time.Millisecond)
	}
	if res.Complete || res.Interrupted == "" {
		t.Error("partial result marked complete")
	}
	if len(res.Cells) != 1 || res.Cells[0].Status != results.StatusInterrupted {
		t.Fatalf("cells: %+v", res.Cells)
	}
	if r := res.Cells[0].Run; r == nil || r.Ops == 0 {
		t.Errorf("partial run lost its operations: %+v", r)
	}
}

func TestCellFailuresDoNotStopTheRun(t *testing.T) {
	f := &faults{loadErr: errors.New("no space left")}
	store := register(t, f)
	plan := Plan{Cells: []Cell{
		pointCell(store, "a", Config{Ops: 10}, nil),
		{Workload: "point/a", Params: workloads.Params{Seed: 1, Options: map[string]any{"records": 10}}, Store: store, DSN: "refuse", Config: Config{Ops: 10}},
		pointCell("memory", "a", Config{Ops: 10}, nil),
	}}
	var checkpoints int
	res, err := Run(context.Background(), plan, Options{Checkpoint: func(*results.Result) error { checkpoints++; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{results.StatusFailed, results.StatusFailed, results.StatusOK}
	for i, c := range res.Cells {
		if c.Status != want[i] {
			t.Errorf("cell %d: status %s (%s), want %s", i, c.Status, c.Error, want[i])
		}
	}
	if res.Cells[0].Load == nil || res.Cells[0].Error == "" {
		t.Errorf("failed load not recorded: %+v", res.Cells[0])
	}
	if checkpoints != 3 {
		t.Errorf("%d checkpoints, want one at the start and one after each cell but the last", checkpoints)
	}
}

// unsupportedConn supports no pattern.
type unsupportedDriver struct{}
type unsupportedConn struct{}

func (unsupportedDriver) Open(context.Context, string) (drivers.Conn, error) {
	return unsupportedConn{}, nil
}
func (unsupportedConn) Close() error { return nil }

func TestUnsupportedIsNA(t *testing.T) {
	drivers.Register("unsupported-test", unsupportedDriver{})
	res, err := runOne(t, context.Background(), pointCell("unsupported-test", "a", Config{Ops: 10}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Cells[0]; c.Status != results.StatusNA || c.Load != nil {
		t.Errorf("status %s, load %+v: want n/a before loading", c.Status, c.Load)
	}
}

func TestWarmupDiscarded(t *testing.T) {
	res, err := runOne(t, context.Background(), pointCell("memory", "c", Config{Workers: 1, Ops: 500, Warmup: 200 * time.Millisecond}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Cells[0].Run.Ops; n != 500 {
		t.Errorf("%d ops measured; the warm-up's operations leaked in", n)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg Config
		ok  bool
	}{
		{Config{Duration: time.Second}, true},
		{Config{Ops: 1}, true},
		{Config{}, false},
		{Config{Duration: time.Second, Workers: -1}, false},
		{Config{Duration: time.Second, Rate: -5}, false},
		{Config{Duration: -time.Second}, false},
		{Config{Duration: time.Second, Rate: 1e9, Workers: 1}, false},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("%+v: err = %v", tt.cfg, err)
		}
	}
}

// A store that fails every operation is stopped after a few seconds, not
// run for the whole duration, and the cell says why; the partial run is
// kept with its errors counted.
func TestDeadStoreStopsEarly(t *testing.T) {
	f := &faults{readErr: errors.New("connection refused"), delayFrom: 1 << 40}
	store := register(t, f)
	start := time.Now()
	res, err := runOne(t, context.Background(), pointCell(store, "c", Config{Workers: 1, Duration: time.Minute}, map[string]any{"records": 100}))
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 15*time.Second {
		t.Errorf("ran %v against a dead store", el)
	}
	c := res.Cells[0]
	if c.Status != results.StatusFailed || !strings.Contains(c.Error, "stopped answering") || !strings.Contains(c.Error, "connection refused") {
		t.Errorf("status %s, error %q", c.Status, c.Error)
	}
	if c.Run == nil || c.Run.Errors == 0 {
		t.Errorf("run not kept: %+v", c.Run)
	}
}
