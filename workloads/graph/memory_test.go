package graph

import (
	"context"
	"fmt"
	"testing"

	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/internal/heapprobe"
)

// TestReferenceMemoryBounded checks that the validation reference does not
// hold the graph: with its cache bounded to a few thousand edges, ten times
// the graph grows the heap validation holds at its peak by far less than
// the graph's edges would take. What remains grows with the users, not the
// edges: one byte per user for a breadth-first search's distances and the
// sets a query over a hub touches.
func TestReferenceMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("computes the validation answers of two graphs")
	}
	for _, variant := range []string{"mix", "deep"} {
		t.Run(variant, func(t *testing.T) {
			type point struct {
				users, edges int64
				peak         uint64
			}
			measure := func(scale string) point {
				sc, err := workloads.ParseScale(scale)
				if err != nil {
					t.Fatal(err)
				}
				w := newWorkload(t, variant, sc, nil)
				w.refCache = 4096
				var qerr error
				peak, _ := heapprobe.Measure(func() { _, qerr = w.queries(context.Background()) })
				if qerr != nil {
					t.Fatal(qerr)
				}
				return point{w.cfg.Users, w.Records(), peak}
			}
			small, large := measure("0.5"), measure("5")
			const edgeBytes = 8 // an edge list of int32 pairs, the least a graph in memory takes
			data := (large.edges - small.edges) * edgeBytes
			t.Logf("%s: %d users, %d edges: peak %s; %d users, %d edges: peak %s; the extra edges would take ≥ %s",
				variant, small.users, small.edges, mib(small.peak), large.users, large.edges, mib(large.peak), mib(uint64(data)))
			if limit := uint64(data / 4); large.peak > small.peak+limit {
				t.Errorf("peak heap grew by %s, more than %s (a quarter of the extra edges): the reference holds the graph", mib(large.peak-small.peak), mib(limit))
			}
		})
	}
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }
