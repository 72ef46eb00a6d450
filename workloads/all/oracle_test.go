package all_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/storefit/storefit/drivers"
	_ "github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/internal/heapprobe"
)

// TestOracleMemoryBounded checks that validation computes its expected
// answers without holding the data: at ten times the data, the heap the
// validation holds at its peak (and what the workload keeps afterwards)
// grows by far less than the data would take. Each workload validates an
// empty store, so only the oracle's memory is measured (the answers are
// wrong, which does not matter here). graph's reference, which caches the
// graph up to a fixed bound, is checked in its package with a small bound.
func TestOracleMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("streams the validation data at two scales")
	}
	for _, tc := range []struct {
		name string
		// rowBytes is a lower bound of the bytes a row of the data would
		// take held in memory.
		rowBytes     int64
		small, large string // scales ten times apart
	}{
		{"point/a", 1000, "0.2", "2"},  // ten 100-byte fields
		{"crud/mix", 40, "0.2", "2"},   // users, tweets and likes: ids, times, bodies
		{"agg/mix", 48, "0.2", "2"},    // eight integer columns
		{"search/mix", 60, "0.2", "2"}, // 8–30 tokens of 4 bytes
		// Ten float64 fields, a time, a host. The queries over all hosts
		// have answers of a few readings per host (lastpoint,
		// double-groupby-all, high-cpu-all), so the data must be more
		// than a few readings per host: factor 1 is an hour of them.
		{"series/mix", 100, "1", "10"},
		{"wide/mix", 200, "0.2", "2"}, // 20 columns set of 1 000
	} {
		t.Run(tc.name, func(t *testing.T) {
			small := measureValidate(t, tc.name, tc.small)
			large := measureValidate(t, tc.name, tc.large)
			data := (large.records - small.records) * tc.rowBytes
			t.Logf("%s: scale %s: %d rows, peak %s, kept %s; scale %s: %d rows, peak %s, kept %s; the extra data would take ≥ %s",
				tc.name, tc.small, small.records, mb(small.peak), mb(small.kept), tc.large, large.records, mb(large.peak), mb(large.kept), mb(uint64(data)))
			// Headroom for the sampler, answers that grow with hosts or
			// customers (a bit or a few readings each), and the
			// collector's slack.
			limit := uint64(data / 8)
			if large.peak > small.peak+limit {
				t.Errorf("peak heap grew by %s from scale %s to %s, more than %s (an eighth of the extra data): the oracle holds data", mb(large.peak-small.peak), tc.small, tc.large, mb(limit))
			}
			if large.kept > small.kept+limit {
				t.Errorf("heap kept after validation grew by %s from scale %s to %s, more than %s", mb(large.kept-small.kept), tc.small, tc.large, mb(limit))
			}
		})
	}
}

type oracleMemory struct {
	records    int64
	peak, kept uint64
}

// measureValidate validates an empty memory store with the workload at
// scale and measures the heap held while it does and after.
func measureValidate(t *testing.T, name, scale string) oracleMemory {
	t.Helper()
	ctx := context.Background()
	sc, err := workloads.ParseScale(scale)
	if err != nil {
		t.Fatal(err)
	}
	c, err := drivers.Open(ctx, "memory", "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var m oracleMemory
	var w workloads.Workload
	var verr error
	m.peak, m.kept = heapprobe.Measure(func() {
		w, err = workloads.New(name, workloads.Params{Seed: 1, Scale: sc})
		if err != nil {
			return
		}
		if err = w.Setup(ctx, c); err != nil {
			return
		}
		_, verr = w.Validate(ctx, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	if verr != nil {
		t.Logf("%s at %s: validate: %v (answers of an empty store)", name, scale, verr)
	}
	m.records = w.Records()
	return m
}

func mb(b uint64) string {
	return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MB"
}
