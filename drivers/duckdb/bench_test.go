package duckdb

import (
	"context"
	"sync"
	"testing"

	"github.com/storefit/storefit/workloads"
	_ "github.com/storefit/storefit/workloads/all"
)

// benchMix loads a workload into a fresh database and runs b.N of its
// operations from two concurrent workers, reporting the transactions re-run
// after write conflicts per operation (retries/op).
func benchMix(b *testing.B, name string, opts map[string]any) {
	ctx := context.Background()
	w, err := workloads.New(name, workloads.Params{Seed: 1, Scale: workloads.Quick, Options: opts})
	if err != nil {
		b.Fatal(err)
	}
	c, err := OpenConfig(ctx, Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := w.Setup(ctx, c); err != nil {
		b.Fatal(err)
	}
	if err := w.Load(ctx, c, 0, 1, nopProgress{}); err != nil {
		b.Fatal(err)
	}
	if f, ok := w.(workloads.Finisher); ok {
		if err := f.FinishLoad(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	const workers = 2
	var wks [workers]workloads.Worker
	for i := range wks {
		if wks[i], err = w.Worker(c, i, workers); err != nil {
			b.Fatal(err)
		}
	}
	before := c.Retries()
	b.ResetTimer()
	var wg sync.WaitGroup
	for i := range wks {
		wg.Go(func() {
			for n := i; n < b.N; n += workers {
				if err := wks[i].Next().Do(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(c.Retries()-before)/float64(b.N), "retries/op")
}

func BenchmarkPointA(b *testing.B) {
	benchMix(b, "point/a", map[string]any{"records": 20000})
}

func BenchmarkCrudMix(b *testing.B) {
	benchMix(b, "crud/mix", map[string]any{"users": 1000, "tweets": 10000})
}

func BenchmarkAggMix(b *testing.B) {
	benchMix(b, "agg/mix", map[string]any{"records": 200000})
}

func BenchmarkSeriesMix(b *testing.B) {
	benchMix(b, "series/mix", nil)
}

type nopProgress struct{}

func (nopProgress) Add(int64) {}
