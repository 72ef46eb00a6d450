// Package drivertest is the conformance suite every storefit driver runs:
// for each access pattern the driver's Conn implements, it loads a small
// data set into the driver and into the memory oracle, runs the pattern's
// validation and a deterministic stream of operations against both, and
// compares every answer. Patterns the driver does not implement are skipped,
// not failed.
//
// A driver's test calls it with a function that opens a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		drivertest.Run(t, func() drivers.Conn { … })
//	}
package drivertest

import (
	"context"
	"strings"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/workloads"
)

// pattern is the conformance check of one access pattern: c is the driver
// under test, oracle a fresh memory store.
type pattern struct {
	name  string
	check func(t *testing.T, c, oracle drivers.Conn)
}

var patterns = []pattern{
	{"point", checkPoint},
	{"crud", checkCrud},
	{"agg", checkAgg},
	{"graph", checkGraph},
	{"search", checkSearch},
	{"series", checkSeries},
	{"wide", checkWide},
}

// Run runs the conformance checks of every access pattern the Conn from open
// implements. open is called once per pattern and must return a working,
// empty store; Run closes it.
func Run(t *testing.T, open func() drivers.Conn) {
	t.Helper()
	for _, p := range patterns {
		t.Run(p.name, func(t *testing.T) {
			c := open()
			if c == nil {
				t.Fatal("open returned a nil Conn")
			}
			t.Cleanup(func() {
				if err := c.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			if !workloads.Supports(c, p.name) {
				t.Skipf("%T does not implement the %s pattern", c, p.name)
			}
			if drivers.DiscardsData(c) {
				t.Skip("store discards data: answers cannot be checked")
			}
			oracle, err := memory.Driver{}.Open(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			defer oracle.Close()
			p.check(t, c, oracle)
		})
	}
}

// setupLoad runs a workload's setup and a parallel load on c.
func setupLoad(t *testing.T, w workloads.Workload, c drivers.Conn, parts int) {
	t.Helper()
	ctx := context.Background()
	if err := w.Setup(ctx, c); err != nil {
		t.Fatalf("%s setup: %v", w.Name(), err)
	}
	errs := make(chan error, parts)
	for i := range parts {
		go func() { errs <- w.Load(ctx, c, i, parts, nopProgress{}) }()
	}
	for range parts {
		if err := <-errs; err != nil {
			t.Fatalf("%s load: %v", w.Name(), err)
		}
	}
	if f, ok := w.(workloads.Finisher); ok {
		if err := f.FinishLoad(ctx, c); err != nil {
			t.Fatalf("%s finish load: %v", w.Name(), err)
		}
	}
}

// validate runs a workload's validation on c and fails the test on any
// failed check. A store that reports its data's size (drivers.Sizer) must
// report a positive one for the loaded data, and say what it counted.
func validate(t *testing.T, w workloads.Workload, c drivers.Conn) workloads.Validation {
	t.Helper()
	if sr, ok := w.(workloads.StorageReporter); ok && w.Records() > 0 {
		n, what, err := sr.StoreSize(context.Background(), c)
		switch {
		case err != nil:
			t.Errorf("%s store size: %v", w.Name(), err)
		case what != "" && n <= 0:
			t.Errorf("%s store size %d bytes (%s) for %d records, want a positive size", w.Name(), n, what, w.Records())
		case what != "" && !strings.HasPrefix(what, "disk: ") && !strings.HasPrefix(what, "memory: "):
			t.Errorf("%s store size counted %q, want \"disk: …\" or \"memory: …\"", w.Name(), what)
		}
	}
	v, err := w.Validate(context.Background(), c)
	if err != nil {
		t.Fatalf("%s validate: %v", w.Name(), err)
	}
	if !v.OK() {
		t.Errorf("%s validate: %d of %d checks failed: %v", w.Name(), v.Failed, v.Checks, v.Failures)
	}
	if v.Checks == 0 {
		t.Errorf("%s validate made no checks", w.Name())
	}
	if len(v.Figures) > 0 {
		t.Logf("%s validate figures: %v", w.Name(), v.Figures)
	}
	validateShares(t, w, c)
	return v
}

// validateShares checks, where the workload can check a share, that each
// share of three (of six load parts, two per shard, as a sharded run cuts
// them) passes its validation on c, which holds all the data: a server
// that every shard of a sharded run loads its share into.
func validateShares(t *testing.T, w workloads.Workload, c drivers.Conn) {
	t.Helper()
	sv, ok := w.(workloads.ShareValidator)
	if !ok {
		return
	}
	const shards, loaders = 3, 2
	for i := range shards {
		v, err := sv.ValidateShare(context.Background(), c, i*loaders, loaders, shards*loaders)
		if err != nil {
			t.Fatalf("%s validate share %d of %d: %v", w.Name(), i, shards, err)
		}
		if !v.OK() || v.Checks == 0 {
			t.Errorf("%s validate share %d of %d: %d of %d checks failed: %v", w.Name(), i, shards, v.Failed, v.Checks, v.Failures)
		}
	}
}

// runWorkers runs ops operations from each of n workers of w concurrently
// on c (on connections of their own where c gives workers theirs, as the
// runner does), failing on errors other than those allowed. Each worker is
// told its operations' outcomes, as the runner tells them
// (workloads.Acknowledger); runWorkers returns the workers, for
// verifyWrites.
func runWorkers(t *testing.T, w workloads.Workload, c drivers.Conn, n, ops int, allowed func(error) bool) []workloads.Worker {
	t.Helper()
	conns, closeConns, err := drivers.WorkerConns(context.Background(), c, 0, n)
	defer func() {
		if err := closeConns(); err != nil {
			t.Errorf("close the workers' connections: %v", err)
		}
	}()
	if err != nil {
		t.Fatalf("%s: %v", w.Name(), err)
	}
	errs := make(chan error, n)
	gens := make([]workloads.Worker, n)
	for id := range n {
		wk, err := w.Worker(conns[id], id, n)
		if err != nil {
			t.Fatalf("%s worker: %v", w.Name(), err)
		}
		gens[id] = wk
		ack, _ := wk.(workloads.Acknowledger)
		go func() {
			ctx := context.Background()
			for range ops {
				op := wk.Next()
				err := op.Do(ctx)
				if ack != nil {
					ack.Acknowledge(err)
				}
				if err != nil && (allowed == nil || !allowed(err)) {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("%s op: %v", w.Name(), err)
		}
	}
	return gens
}

// verifyWrites runs the verify step of w on c, as the runner does after the
// measured phase, for the workers runWorkers returned (on freshly loaded
// data), and fails the test on any failed check or when it checked nothing
// although the workers wrote.
func verifyWrites(t *testing.T, w workloads.Workload, c drivers.Conn, gens []workloads.Worker) workloads.Verification {
	t.Helper()
	vf, ok := w.(workloads.Verifier)
	if !ok {
		t.Fatalf("%s has no verify step", w.Name())
	}
	ver, err := vf.Verify(context.Background(), c, workloads.VerifyScope{Workers: gens, Fresh: true, Shards: 1, Readers: 2})
	if err != nil {
		t.Fatalf("%s verify: %v", w.Name(), err)
	}
	if !ver.OK() {
		t.Errorf("%s verify: %d of %d checks failed: %v", w.Name(), ver.Failed, ver.Checks, ver.Failures)
	}
	if ver.Writes > 0 && ver.Checks == 0 {
		t.Errorf("%s verify: %d writes acknowledged, none read back", w.Name(), ver.Writes)
	}
	t.Logf("%s verify: %d writes (%d unknown) read back as %d checks on %d keys", w.Name(), ver.Writes, ver.Unknown, ver.Checks, ver.Keys)
	return ver
}

type nopProgress struct{}

func (nopProgress) Add(int64) {}
