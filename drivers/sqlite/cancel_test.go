package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/storefit/storefit/workloads/point"
)

// TestCancelledWriteLeavesWriterUsable cancels writes and reads in the
// middle and checks that the connections still work afterwards: the
// runner cancels operations in flight when a phase ends.
func TestCancelledWriteLeavesWriterUsable(t *testing.T) {
	c := openTest(t, "")
	ctx := context.Background()
	s, err := c.PointStore(point.Schema{Table: "t", FieldCount: 4, FieldLength: 100})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	recs := make([]point.Record, 5000)
	val := make([]byte, 100)
	for i := range recs {
		recs[i] = point.Record{Key: fmt.Appendf(nil, "k%06d", i), Values: [][]byte{val, val, val, val}}
	}
	cancelled := 0
	for i := range 20 {
		cctx, cancel := context.WithTimeout(ctx, time.Duration(i*100)*time.Microsecond)
		err := s.Load(cctx, recs)
		cancel()
		if err != nil {
			cancelled++
		}
		// Whatever happened, the writer must work now.
		k := fmt.Appendf(nil, "after%02d", i)
		if err := s.Insert(ctx, k, [][]byte{val, val, val, val}); err != nil {
			t.Fatalf("insert after a load cancelled at %d00 µs: %v", i, err)
		}
		if _, err := s.Read(ctx, k, nil, nil); err != nil {
			t.Fatalf("read after a load cancelled at %d00 µs: %v", i, err)
		}
		if err == nil {
			if err := s.Setup(ctx); err != nil { // empty it for the next round
				t.Fatal(err)
			}
		}
	}
	if cancelled == 0 {
		t.Log("no load was cancelled in flight")
	}
	// Reads cancelled in flight.
	sc := s.(point.Scanner)
	for i := range 20 {
		cctx, cancel := context.WithTimeout(ctx, time.Duration(i*20)*time.Microsecond)
		sc.Scan(cctx, []byte("a"), 5000, nil, nil)
		cancel()
		if _, err := sc.Scan(ctx, []byte("a"), 10, nil, nil); err != nil {
			t.Fatalf("scan after a cancelled scan: %v", err)
		}
	}
}
