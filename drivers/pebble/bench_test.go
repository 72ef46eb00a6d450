package pebble

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	pdb "github.com/cockroachdb/pebble/v2"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/wide"
)

type nopProgress struct{}

func (nopProgress) Add(int64) {}

// readColumnsIter is the alternative to ReadColumns measured by
// BenchmarkWideReadColumns: one iterator over the row, seeked to each
// column, instead of one get per column.
func (s *wideStore) readColumnsIter(id int64, cols []int, dst []wide.Value) ([]wide.Value, error) {
	row := s.rowKey(id)
	it, err := s.c.db.NewIter(&pdb.IterOptions{LowerBound: row, UpperBound: prefixEnd(row)})
	if err != nil {
		return dst, err
	}
	defer it.Close()
	key := make([]byte, 0, len(row)+4)
	dst = wide.Grow(dst, len(cols))
	for i, col := range cols {
		key = binary.BigEndian.AppendUint32(append(key[:0], row...), uint32(col))
		if it.SeekGE(key) && string(it.Key()) == string(key) {
			dst[i] = wide.Value{Bytes: wide.CopyInto(dst[i].Bytes, it.Value()), Valid: true}
		} else {
			dst[i] = wide.Value{Bytes: dst[i].Bytes[:0]}
		}
	}
	return dst, it.Error()
}

// BenchmarkWideReadColumns compares the two ways of reading 5 named
// columns of a row of the quick wide table (10 000 rows, ≈2% of 1 000
// columns set, so almost every column asked for is absent).
func BenchmarkWideReadColumns(b *testing.B) {
	ctx := context.Background()
	c, err := OpenConfig(ctx, Config{CacheSize: DefaultCacheSize, MemTableSize: DefaultMemTableSize})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	w, err := wide.New("rows", workloads.Params{Seed: 1, Scale: workloads.Quick})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Setup(ctx, c); err != nil {
		b.Fatal(err)
	}
	if err := w.Load(ctx, c, 0, 1, nopProgress{}); err != nil {
		b.Fatal(err)
	}
	if err := c.db.Flush(); err != nil { // from sstables, as after a real load
		b.Fatal(err)
	}
	st, _ := c.WideStore(w.Schema())
	s := st.(*wideStore)
	cfg := w.Config()
	r := rand.New(rand.NewPCG(1, 2))
	cols := make([]int, 5)
	next := func() int64 {
		for i := range cols {
			cols[i] = r.IntN(cfg.Columns)
		}
		return r.Int64N(cfg.Rows)
	}
	var dst []wide.Value
	b.Run("gets", func(b *testing.B) {
		for b.Loop() {
			if dst, err = s.ReadColumns(ctx, next(), cols, dst); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("iterator", func(b *testing.B) {
		for b.Loop() {
			if dst, err = s.readColumnsIter(next(), cols, dst); err != nil {
				b.Fatal(err)
			}
		}
	})
}
