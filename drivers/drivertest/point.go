package drivertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/point"
)

func newPoint(t *testing.T, mix string, opts map[string]any) *point.Workload {
	t.Helper()
	w, err := point.New(mix, workloads.Params{Seed: 7, Scale: workloads.Quick, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func checkPoint(t *testing.T, c, oracle drivers.Conn) {
	opts := map[string]any{"records": 2000, "fieldcount": 4, "fieldlength": 24, "table": "usertable"}
	w := newPoint(t, "a", opts)
	setupLoad(t, w, c, 3)
	setupLoad(t, w, oracle, 1)

	t.Run("validate", func(t *testing.T) { validate(t, w, c) })
	t.Run("operations", func(t *testing.T) { comparePointOps(t, w, c, oracle) })
	t.Run("setup empties", func(t *testing.T) {
		// A second Setup must leave an empty table.
		w2 := newPoint(t, "c", map[string]any{"records": 10, "fieldcount": 4, "fieldlength": 24, "table": "usertable_setup"})
		setupLoad(t, w2, c, 1)
		if err := w2.Setup(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		s := pointStore(t, w2, c)
		if _, err := s.Read(context.Background(), w2.AppendKey(nil, 0), nil, nil); !errors.Is(err, drivers.ErrNotFound) {
			t.Errorf("read after Setup: err = %v, want ErrNotFound", err)
		}
	})
	for _, mix := range []string{"a", "b", "c", "d", "e", "f"} {
		t.Run("mix "+mix, func(t *testing.T) {
			wm := newPoint(t, mix, map[string]any{"records": 1000, "fieldcount": 3, "fieldlength": 16, "table": "usertable_" + mix})
			if _, err := wm.Worker(c, 0, 1); errors.Is(err, drivers.ErrUnsupported) {
				t.Skipf("%v", err)
			}
			setupLoad(t, wm, c, 2)
			// Concurrent workers: no errors, every loaded key is still
			// there afterwards, and the verify step finds every
			// acknowledged write.
			gens := runWorkers(t, wm, c, 4, 500, nil)
			verifyWrites(t, wm, c, gens)
			s := pointStore(t, wm, c)
			for n := int64(0); n < 1000; n++ {
				if _, err := s.Read(context.Background(), wm.AppendKey(nil, n), nil, nil); err != nil {
					t.Fatalf("read %s after mix %s: %v", wm.AppendKey(nil, n), mix, err)
				}
			}
		})
	}
}

func pointStore(t *testing.T, w *point.Workload, c drivers.Conn) point.Store {
	t.Helper()
	s, err := c.(point.Provider).PointStore(point.Schema{Table: w.Config().Table, FieldCount: w.Config().FieldCount, FieldLength: w.Config().FieldLength})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// comparePointOps runs a deterministic random sequence of every point
// operation against the driver and the oracle and compares the answers.
func comparePointOps(t *testing.T, w *point.Workload, c, oracle drivers.Conn) {
	ctx := context.Background()
	got, want := pointStore(t, w, c), pointStore(t, w, oracle)
	gotScan, scans := got.(point.Scanner)
	// A store that writes blind is not asked to update or delete a key
	// that does not exist (point.BlindWriter).
	bw, _ := got.(point.BlindWriter)
	blind := bw != nil && bw.BlindWrites()
	gone := map[string]bool{} // keys deleted or never inserted, for blind
	writable := func(k []byte) bool { return !blind || !gone[string(k)] }
	wantScan := want.(point.Scanner)
	cfg := w.Config()
	r := rand.New(rand.NewPCG(1, 2))
	next := cfg.Records // next new key number
	randFields := func() []int {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return []int{r.IntN(cfg.FieldCount)}
		}
		return []int{cfg.FieldCount - 1, 0}
	}
	key := func() []byte {
		if r.IntN(10) == 0 {
			k := w.AppendKey(nil, cfg.Records+1<<30+int64(r.IntN(100))) // missing
			gone[string(k)] = true
			return k
		}
		return w.AppendKey(nil, r.Int64N(next))
	}
	sameErr := func(op string, k []byte, e1, e2 error) bool {
		if errors.Is(e1, drivers.ErrNotFound) != errors.Is(e2, drivers.ErrNotFound) || (e1 == nil) != (e2 == nil) {
			t.Errorf("%s %s: err = %v, oracle %v", op, k, e1, e2)
			return false
		}
		if e1 != nil && !errors.Is(e1, drivers.ErrNotFound) {
			t.Fatalf("%s %s: %v", op, k, e1)
		}
		return e1 == nil
	}
	var g, o [][]byte
	var gr, or []point.Record
	for i := 0; i < 3000 && !t.Failed(); i++ {
		switch op := r.IntN(7); op {
		case 0, 1: // read
			k, f := key(), randFields()
			var e1, e2 error
			g, e1 = got.Read(ctx, k, f, g)
			o, e2 = want.Read(ctx, k, f, o)
			if sameErr("read", k, e1, e2) && !equalValues(g, o) {
				t.Errorf("read %s %v: got %q, oracle %q", k, f, g, o)
			}
		case 2: // update
			k := key()
			f := randFields()
			if f == nil {
				f = []int{0, 1}
			}
			vals := make([][]byte, len(f))
			for j, fi := range f {
				vals[j] = w.AppendValue(nil, int64(i), fi, uint64(i)+1)
			}
			if writable(k) {
				sameErr("update", k, got.Update(ctx, k, f, vals), want.Update(ctx, k, f, vals))
			}
		case 3: // insert
			k := w.AppendKey(nil, next)
			vals := make([][]byte, cfg.FieldCount)
			for j := range vals {
				vals[j] = w.AppendValue(nil, next, j, 0)
			}
			next++
			sameErr("insert", k, got.Insert(ctx, k, vals), want.Insert(ctx, k, vals))
		case 4: // delete
			k := key()
			if writable(k) {
				sameErr("delete", k, got.Delete(ctx, k), want.Delete(ctx, k))
				gone[string(k)] = true
			}
		case 5, 6: // scan
			if !scans {
				continue
			}
			start := key()
			if r.IntN(4) == 0 {
				start = []byte(fmt.Sprintf("user%d", r.IntN(10)))
			}
			n, f := 1+r.IntN(60), randFields()
			var e1, e2 error
			gr, e1 = gotScan.Scan(ctx, start, n, f, gr)
			or, e2 = wantScan.Scan(ctx, start, n, f, or)
			if sameErr("scan", start, e1, e2) {
				if len(gr) != len(or) {
					t.Errorf("scan %d from %s: %d records, oracle %d", n, start, len(gr), len(or))
					continue
				}
				for j := range gr {
					if !bytes.Equal(gr[j].Key, or[j].Key) || !equalValues(gr[j].Values, or[j].Values) {
						t.Errorf("scan %d from %s: record %d = %s %q, oracle %s %q", n, start, j, gr[j].Key, gr[j].Values, or[j].Key, or[j].Values)
						break
					}
				}
			}
		}
	}
}

func equalValues(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
