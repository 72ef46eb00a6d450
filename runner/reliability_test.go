package runner

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storefit/storefit/results"
)

// Issue 17: with the server stalled, Ctrl-C took 15 s (the driver's pool
// waited on every connection when closed). A store whose operations ignore
// cancellation and whose Close blocks must still let the run stop within
// two seconds of the cancellation, with what it measured.
func TestInterruptWithStalledStore(t *testing.T) {
	f := &faults{readDelay: 20 * time.Second, stuck: true, delayFrom: 200, stallAfter: 300 * time.Millisecond, closeDelay: 15 * time.Second}
	store := register(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	var cancelled time.Time
	time.AfterFunc(time.Second, func() { cancelled = time.Now(); cancel() })
	res, err := runOne(t, ctx, pointCell(store, "c", Config{Workers: 2, Duration: time.Hour, Timeout: time.Hour}, map[string]any{"records": 100}))
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if d := time.Since(cancelled); d > 2*time.Second {
		t.Errorf("Run returned %v after the cancellation, want at most 2 s", d)
	}
	c := res.Cells[0]
	if res.Complete || c.Status != results.StatusInterrupted {
		t.Errorf("complete %v, cell %s", res.Complete, c.Status)
	}
	if c.Run == nil || c.Run.Ops == 0 || c.Run.Stalled == nil || c.Run.Stalled.Ops != 2 {
		t.Fatalf("the run lost what it measured or the stall: %+v", c.Run)
	}
	if c.Run.Errors != 0 {
		t.Errorf("%d errors: abandoned operations are not failures of the store", c.Run.Errors)
	}
	// Abandoned by the cell (its operations in flight) or, when closing the
	// store takes it past cellGrace, by the run: either way it says so.
	if !strings.Contains(c.Error, "abandoned") {
		t.Errorf("cell error %q does not say the store was abandoned", c.Error)
	}
}

// Issue 17: a 4 s run whose server stalled near its end measured for 12 s
// (until the operations in flight timed out) and reported complete. The
// phase now ends a grace period after its deadline, the stall is recorded,
// the cell fails and the result is incomplete.
func TestStallAtTheEndIsReported(t *testing.T) {
	f := &faults{readDelay: 20 * time.Second, stuck: true, delayFrom: 200, stallAfter: 1200 * time.Millisecond}
	store := register(t, f)
	start := time.Now()
	res, err := runOne(t, context.Background(), pointCell(store, "c", Config{Workers: 2, Duration: 2 * time.Second, Timeout: 10 * time.Second}, map[string]any{"records": 100}))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the 2 s run took %v", d)
	}
	c := res.Cells[0]
	if res.Complete || !strings.Contains(res.Interrupted, "stalled") {
		t.Errorf("complete %v, interrupted %q: a stalled phase is not a complete measurement", res.Complete, res.Interrupted)
	}
	if c.Status != results.StatusFailed || !strings.Contains(c.Error, "stalled") {
		t.Errorf("cell %s: %s", c.Status, c.Error)
	}
	st := c.Run.Stalled
	if st == nil || st.Ops != 2 || st.AfterSeconds < 0.9 || st.OldestSeconds < 1 {
		t.Errorf("stall: %+v", st)
	}
	if c.Run.Seconds > 3.6 {
		t.Errorf("measured for %.1f s, the phase lasts 2 s (+1 s grace)", c.Run.Seconds)
	}
}

// Issue 19: at ten times quick scale, aggregations over 10 M rows take
// seconds each, and the fixed one-second grace after the phase's deadline
// took the last of them for a stall and failed the cell. An operation is
// now a stall only when it has run twice as long as the slowest the cell
// has completed: slow-by-nature operations finish and are measured.
func TestSlowOperationsAreNotAStall(t *testing.T) {
	f := &faults{readDelay: 2500 * time.Millisecond, delayFrom: 200}
	store := register(t, f)
	res, err := runOne(t, context.Background(), pointCell(store, "c", Config{Workers: 1, Duration: 3 * time.Second, Timeout: 30 * time.Second}, map[string]any{"records": 100}))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	if c.Status != results.StatusOK || c.Run == nil || c.Run.Stalled != nil {
		t.Fatalf("cell %s (%s), run %+v: a 2.5 s operation in a store whose every operation takes 2.5 s is not a stall", c.Status, c.Error, c.Run)
	}
}

// A server's first operations can be slow (plans compiled, caches filled):
// one still in flight past a fixed warm-up's end is waited for, since the
// warm-up's figures are discarded, instead of failing the cell as a stall
// (Neo4j's first writes did on a busy machine).
func TestSlowWarmupIsNotAStall(t *testing.T) {
	f := &faults{readDelay: 2500 * time.Millisecond, delayFrom: 200}
	store := register(t, f)
	res, err := runOne(t, context.Background(), pointCell(store, "c", Config{Workers: 1, Warmup: 500 * time.Millisecond, Duration: 3 * time.Second, Timeout: 30 * time.Second}, map[string]any{"records": 100}))
	if err != nil {
		t.Fatal(err)
	}
	c := res.Cells[0]
	if c.Status != results.StatusOK || c.Run == nil || c.Run.Stalled != nil {
		t.Fatalf("cell %s (%s), run %+v: a slow operation in the warm-up is not a stall", c.Status, c.Error, c.Run)
	}
}

// Issue 17: operations cut short by Ctrl-C were counted as errors when the
// driver did not wrap the context's error.
func TestInterruptedOperationsAreNotErrors(t *testing.T) {
	f := &faults{readDelay: time.Hour, delayFrom: 200, stallAfter: 300 * time.Millisecond, cancelErr: errors.New("conn closed")}
	store := register(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(time.Second, cancel)
	res, _ := runOne(t, ctx, pointCell(store, "c", Config{Workers: 2, Duration: time.Hour}, map[string]any{"records": 100}))
	r := res.Cells[0].Run
	if r == nil || r.Ops == 0 {
		t.Fatalf("run: %+v", r)
	}
	if r.Errors != 0 {
		t.Errorf("%d errors from operations the interruption cut short: %+v", r.Errors, r.Kinds)
	}
}

// Issue 17: SIGTERM was reported as "interrupted by the user". The result
// says the cause of the cancellation.
func TestInterruptReasonIsTheCause(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(300*time.Millisecond, func() { cancel(errors.New("terminated by SIGTERM")) })
	res, err := runOne(t, ctx, pointCell("noop", "c", Config{Duration: time.Hour}, nil))
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "SIGTERM") {
		t.Errorf("err = %v", err)
	}
	if res.Interrupted != "terminated by SIGTERM" {
		t.Errorf("interrupted %q", res.Interrupted)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	res, _ = runOne(t, ctx2, pointCell("noop", "c", Config{Duration: time.Hour}, nil))
	if res.Interrupted != "interrupted" || strings.Contains(res.Interrupted, "user") {
		t.Errorf("plain cancel: interrupted %q", res.Interrupted)
	}
}

// Issue 17: a second Ctrl-C quit without writing anything. Progress holds
// what was measured: a snapshot taken during the measured phase has the
// finished seconds, and is marked incomplete.
func TestProgressSnapshotDuringTheRun(t *testing.T) {
	p := &Progress{}
	if p.Snapshot("x") != nil {
		t.Error("a snapshot before the run started")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	plan := Plan{Cells: []Cell{
		pointCell("memory", "a", Config{Ops: 1000}, nil),
		pointCell("memory", "c", Config{Workers: 2, Duration: time.Hour}, nil),
	}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, plan, Options{Progress: p})
	}()
	var snap *results.Result
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		snap = p.Snapshot("quit at once")
		if snap != nil && len(snap.Cells) == 2 && snap.Cells[1].Run != nil && len(snap.Cells[1].Run.Intervals) >= 2 {
			break
		}
	}
	cancel()
	<-done
	if snap == nil || len(snap.Cells) != 2 {
		t.Fatalf("snapshot: %+v", snap)
	}
	if snap.Complete || snap.Interrupted != "quit at once" {
		t.Errorf("snapshot complete %v, interrupted %q", snap.Complete, snap.Interrupted)
	}
	if snap.Cells[0].Status != results.StatusOK || snap.Cells[0].Run == nil || snap.Cells[0].Run.Ops != 1000 {
		t.Errorf("finished cell: %+v", snap.Cells[0])
	}
	c := snap.Cells[1]
	if c.Status != results.StatusInterrupted || c.Run == nil || !c.Run.Partial || c.Run.Ops == 0 || c.Load == nil {
		t.Errorf("cell in progress: status %s, load %+v, run %+v", c.Status, c.Load, c.Run)
	}
	if _, err := json.Marshal(snap); err != nil {
		t.Error(err)
	}
}

// Issue 17: passwords reached the result through drivers' errors. Every
// string of a cell is scrubbed of the secrets of the plan's DSNs, and so is
// every line of the display.
func TestSecretsNeverReachTheResult(t *testing.T) {
	store := register(t, &faults{})
	c := pointCell(store, "c", Config{Ops: 10}, nil)
	c.DSN = "leak://bob:s3cr3t%25pw@db.example:5432/x"
	var d recordingDisplay
	res, err := Run(context.Background(), Plan{Cells: []Cell{c}}, Options{Display: &d})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	for _, leak := range []string{"s3cr3t%pw", "s3cr3t%25pw", "s3cr3t"} {
		if strings.Contains(string(b), leak) || strings.Contains(d.String(), leak) {
			t.Errorf("%q leaked:\n%s\n%s", leak, b, d.String())
		}
	}
	if !strings.Contains(res.Cells[0].Error, "refused") || res.Cells[0].DSN != "leak://bob:xxxxx@db.example:5432/x" {
		t.Errorf("cell: dsn %q, error %q", res.Cells[0].DSN, res.Cells[0].Error)
	}
}

// recordingDisplay keeps every line shown.
type recordingDisplay struct {
	mu sync.Mutex
	b  strings.Builder
}

func (d *recordingDisplay) StartPhase(label string, total int64, unit string) { d.add(label) }
func (d *recordingDisplay) Update(current int64, s Status) {
	for _, st := range s.Stats {
		d.add(st.Text)
	}
}
func (d *recordingDisplay) EndPhase(summary string) { d.add(summary) }
func (d *recordingDisplay) Logf(format string, args ...any) {
	d.add(format)
	for _, a := range args {
		if s, ok := a.(string); ok {
			d.add(s)
		}
	}
}

func (d *recordingDisplay) add(s string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.b.WriteString(s + "\n")
}

func (d *recordingDisplay) String() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.b.String()
}

// Measured phases sample storefit's own memory and goroutines (make soak
// reads them).
func TestProcessSamples(t *testing.T) {
	res, err := Run(context.Background(), Plan{Cells: []Cell{pointCell("noop", "c", Config{Duration: 700 * time.Millisecond}, nil)}},
		Options{SampleEvery: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ps := res.Cells[0].Run.Process
	if len(ps) < 4 || ps[0].T > 0.1 || ps[len(ps)-1].T < 0.6 {
		t.Fatalf("samples: %+v", ps)
	}
	for _, s := range ps {
		if s.Goroutines < 2 || s.HeapBytes == 0 {
			t.Errorf("sample %+v", s)
		}
	}
}

// pauser is a FaultInjector that pauses a faulty store, and records calls.
type pauser struct {
	f     *faults
	mu    sync.Mutex
	calls []string
}

func (p *pauser) Begin(ctx context.Context, f Fault, store, dsn string) error {
	p.mu.Lock()
	p.calls = append(p.calls, "begin "+f.String())
	p.mu.Unlock()
	p.f.paused.Store(true)
	return nil
}

func (p *pauser) End(ctx context.Context, f Fault, store, dsn string) error {
	p.mu.Lock()
	p.calls = append(p.calls, "end "+f.String())
	p.mu.Unlock()
	p.f.paused.Store(false)
	return nil
}

// Faults are injected at their time in the measured phase; the result
// records each fault's window and the time the store took to recover.
func TestFaultsAreInjectedAndRecovered(t *testing.T) {
	f := &faults{}
	store := register(t, f)
	inj := &pauser{f: f}
	// Four seconds after the fault: the in-memory store runs at millions
	// of operations a second, so one second's rate swings by more than the
	// 10% the recovery rule allows whenever another process takes a core
	// (CI's servers run beside the tests); the first full-rate second is
	// then the next one.
	c := pointCell(store, "c", Config{Workers: 2, Duration: 8 * time.Second, Timeout: 10 * time.Second,
		Faults: []Fault{{Kind: FaultPause, At: 2 * time.Second, For: 1500 * time.Millisecond}}}, map[string]any{"records": 100})
	res, err := Run(context.Background(), Plan{Cells: []Cell{c}}, Options{Faults: inj})
	if err != nil {
		t.Fatal(err)
	}
	run := res.Cells[0].Run
	if len(run.Faults) != 1 {
		t.Fatalf("faults: %+v", run.Faults)
	}
	rf := run.Faults[0]
	if rf.Kind != FaultPause || rf.Server != store || rf.Error != "" {
		t.Errorf("fault: %+v", rf)
	}
	if rf.StartSeconds < 1.95 || rf.StartSeconds > 2.5 || rf.EndSeconds < 3.45 || rf.EndSeconds > 4.2 {
		t.Errorf("window %.2f–%.2f s, want about 2–3.5 s", rf.StartSeconds, rf.EndSeconds)
	}
	if rf.PreFaultOpsPerSec <= 0 || rf.RecoverySeconds == nil || *rf.RecoverySeconds > 3.5 {
		t.Errorf("recovery: pre-fault %.0f ops/s, recovered at %v, in %v", rf.PreFaultOpsPerSec, rf.RecoveredAtSeconds, rf.RecoverySeconds)
	}
	// The second the store was paused has (almost) no operations.
	if iv := run.Intervals[2]; iv.OpsPerSec > 0.2*rf.PreFaultOpsPerSec {
		t.Errorf("second 2 of a paused store: %.0f ops/s", iv.OpsPerSec)
	}
	if got := strings.Join(inj.calls, ", "); got != "begin pause@2s+1.5s, end pause@2s+1.5s" {
		t.Errorf("calls: %s", got)
	}
}

// A fault in progress when the run is interrupted is ended at once: a
// paused server must never be left paused.
func TestInterruptEndsTheFault(t *testing.T) {
	f := &faults{}
	store := register(t, f)
	inj := &pauser{f: f}
	c := pointCell(store, "c", Config{Workers: 1, Duration: time.Hour,
		Faults: []Fault{{Kind: FaultPause, At: 500 * time.Millisecond, For: time.Minute}}}, map[string]any{"records": 100})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(1500*time.Millisecond, cancel)
	start := time.Now()
	res, _ := Run(ctx, Plan{Cells: []Cell{c}}, Options{Faults: inj})
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("took %v", d)
	}
	if f.paused.Load() {
		t.Error("the store was left paused")
	}
	if got := strings.Join(inj.calls, ", "); got != "begin pause@500ms+1m0s, end pause@500ms+1m0s" {
		t.Errorf("calls: %s", got)
	}
	if r := res.Cells[0].Run; r == nil || len(r.Faults) != 1 {
		t.Errorf("run: %+v", r)
	}
}

// The verify step runs after a pause, which loses nothing, and is skipped,
// saying why, after a kill or a restart-empty, which lose writes by design:
// a store must not fail its validation for a fault storefit injected.
func TestVerifyAfterFaults(t *testing.T) {
	for _, kind := range []string{FaultPause, FaultKill, FaultRestartEmpty} {
		t.Run(kind, func(t *testing.T) {
			f := &faults{}
			store := register(t, f)
			c := pointCell(store, "a", Config{Workers: 2, Duration: 2500 * time.Millisecond, Timeout: 10 * time.Second,
				Faults: []Fault{{Kind: kind, At: time.Second, For: 500 * time.Millisecond}}}, map[string]any{"records": 100})
			res, err := Run(context.Background(), Plan{Cells: []Cell{c}}, Options{Faults: &pauser{f: f}})
			if err != nil {
				t.Fatal(err)
			}
			val := res.Cells[0].Validation
			if val == nil || val.Verify == nil {
				t.Fatalf("validation: %+v", val)
			}
			v := val.Verify
			if kind == FaultPause {
				if v.Status != results.ValidationPassed || v.Checks == 0 {
					t.Errorf("after a pause: verify %s, %d checks (%s)", v.Status, v.Checks, v.Reason)
				}
				return
			}
			if v.Status != results.ValidationSkipped || !strings.Contains(v.Reason, "killed or emptied") || v.Checks != 0 {
				t.Errorf("after %s: verify %s, %d checks (%s)", kind, v.Status, v.Checks, v.Reason)
			}
			if val.Status != results.ValidationPassed {
				t.Errorf("after %s: validation %s", kind, val.Status)
			}
		})
	}
}
