package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/point"
)

// BenchmarkRecord is one latency recorded into a per-kind histogram.
func BenchmarkRecord(b *testing.B) {
	h := results.NewHistogram()
	b.ReportAllocs()
	var d time.Duration
	for b.Loop() {
		d += 37
		record(h, d&0xfffff)
	}
}

func benchEngine(b *testing.B, store string, workers int, rate float64) {
	benchEngineMix(b, store, "c", workers, rate, false)
}

// benchEngineMix runs point mix on store with workers, open loop at rate
// (0: closed), with the workers told their outcomes (the verify step's
// bookkeeping) when acks is set.
func benchEngineMix(b *testing.B, store, mix string, workers int, rate float64, acks bool) {
	ctx := context.Background()
	conn, err := drivers.Open(ctx, store, "")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	w, err := point.New(mix, workloads.Params{Seed: 1, Options: map[string]any{"records": 1000}})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Setup(ctx, conn); err != nil {
		b.Fatal(err)
	}
	if err := w.Load(ctx, conn, 0, 1, &progress{}); err != nil {
		b.Fatal(err)
	}
	gens := make([]workloads.Worker, workers)
	for i := range gens {
		if gens[i], err = w.Worker(conn, i, workers); err != nil {
			b.Fatal(err)
		}
	}
	cfg := Config{Workers: workers, Rate: rate, Timeout: 10 * time.Second}
	e := newEngine(ctx, cfg, w.OpKinds(), gens, 0, workers)
	if acks {
		e.acknowledge()
	}
	e.ivs = newIntervals(workers, len(w.OpKinds()))
	period := 0.0
	if rate > 0 {
		period = 1e9 * float64(workers) / rate
	}
	b.ReportAllocs()
	b.ResetTimer()
	e.run(ctx, phase{base: time.Now(), measure: true, period: period}, splitQuota(int64(b.N), workers))
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkRunnerNoop measures the whole per-operation path of the load
// generator — choose key (scrambled zipfian), build key, do (noop), time,
// record, per-op timeout bookkeeping, interval rollover — with 2 workers on
// the noop store. ns/op is wall time per operation over both workers.
func BenchmarkRunnerNoop(b *testing.B) { benchEngine(b, "noop", 2, 0) }

// BenchmarkRunnerNoop1 is the same with one worker: the cost of one
// operation on one core.
func BenchmarkRunnerNoop1(b *testing.B) { benchEngine(b, "noop", 1, 0) }

// BenchmarkRunnerMemory runs YCSB c on the memory store with 2 workers.
func BenchmarkRunnerMemory(b *testing.B) { benchEngine(b, "memory", 2, 0) }

// BenchmarkRunnerMemoryWrites runs YCSB a (50% updates) on the memory
// store with 2 workers, without and with the verify step's bookkeeping
// (each worker told its operations' outcomes, its ledger updated).
func BenchmarkRunnerMemoryWrites(b *testing.B) {
	b.Run("acks=off", func(b *testing.B) { benchEngineMix(b, "memory", "a", 2, 0, false) })
	b.Run("acks=on", func(b *testing.B) { benchEngineMix(b, "memory", "a", 2, 0, true) })
}

// BenchmarkPatternsNoop runs every pattern's mix on the noop store: the
// load generator's own cost per operation (parameter choice, timing,
// recording), which must not allocate.
// The writing mixes run again with "+acks": with the verify step's
// bookkeeping, whose ledgers grow with the distinct keys written (the noop
// store acknowledges every write).
func BenchmarkPatternsNoop(b *testing.B) {
	for _, name := range []string{"point/a", "crud/mix", "agg/mix", "graph/mix", "search/mix", "series/mix", "wide/mix", "point/a+acks", "crud/mix+acks", "wide/mix+acks"} {
		b.Run(name, func(b *testing.B) {
			name, acks := strings.CutSuffix(name, "+acks")
			ctx := context.Background()
			conn, err := drivers.Open(ctx, "noop", "")
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			w, err := workloads.New(name, workloads.Params{Seed: 1, Scale: workloads.Quick})
			if err != nil {
				b.Fatal(err)
			}
			gens := make([]workloads.Worker, 1)
			if gens[0], err = w.Worker(conn, 0, 1); err != nil {
				b.Fatal(err)
			}
			e := newEngine(ctx, Config{Workers: 1, Timeout: 10 * time.Second}, w.OpKinds(), gens, 0, 1)
			if acks {
				e.acknowledge()
			}
			e.ivs = newIntervals(1, len(w.OpKinds()))
			b.ReportAllocs()
			b.ResetTimer()
			e.run(ctx, phase{base: time.Now(), measure: true}, splitQuota(int64(b.N), 1))
		})
	}
}

// BenchmarkRunnerFailing runs YCSB c with 2 workers on a store whose every
// read fails (not found): the failure path — classify, count, record the
// time to failure — which must not allocate either.
func BenchmarkRunnerFailing(b *testing.B) {
	name := "faulty-bench-failing"
	if _, ok := drivers.Lookup(name); !ok {
		drivers.Register(name, faultyDriver{&faults{readErr: drivers.ErrNotFound}})
	}
	benchEngine(b, name, 2, 0)
}
