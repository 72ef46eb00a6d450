package workloads

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/storefit/storefit/drivers"
)

func TestOutcomeOf(t *testing.T) {
	errDup := errors.New("duplicate")
	for _, tc := range []struct {
		err  error
		want Outcome
	}{
		{nil, Acked},
		{fmt.Errorf("update: %w", drivers.ErrNotFound), Rejected},
		{fmt.Errorf("like: %w", errDup), Rejected},
		{context.DeadlineExceeded, Unknown},
		{context.Canceled, Unknown},
		{errors.New("connection reset by peer"), Unknown},
	} {
		if got := OutcomeOf(tc.err, errDup); got != tc.want {
			t.Errorf("OutcomeOf(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// The rule for one key's final state under concurrency: one of the last
// acknowledged states of each worker that wrote it, or any state of
// unknown outcome; the prior state only when no write was acknowledged.
// Each ledger form gives the same candidates: maps only (a ledger without
// a key space), dense arrays over the keys' records, and dense arrays over
// other records (every key then kept in maps).
func TestReadBackCandidates(t *testing.T) {
	for _, tc := range []struct {
		name  string
		space LedgerSpace
	}{
		{"maps", LedgerSpace{}},
		{"dense", LedgerSpace{Shift: 4, Subs: 3, Records: 4}},
		{"dense, records 1 and 3 of step 2", LedgerSpace{Shift: 4, Subs: 3, First: 1, Step: 2, Records: 2}},
		{"outside the space", LedgerSpace{Shift: 4, Subs: 3, First: 10, Records: 4}},
	} {
		t.Run(tc.name, func(t *testing.T) { testReadBackCandidates(t, tc.space) })
	}
}

func testReadBackCandidates(t *testing.T, space LedgerSpace) {
	a, b, c := NewLedger(space, 3), NewLedger(space, 3), NewLedger(space, 3)
	if a.Stride() != 1 {
		t.Fatalf("stride %d for a tiny space", a.Stride())
	}
	// Key 1<<4|0: a writes 10 then 11 (acked), b writes 20 (acked) then
	// 21 (unknown): 11, 20 or 21.
	a.Set(1<<4, 10, Acked)
	a.Set(1<<4, 11, Acked)
	b.Set(1<<4, 20, Acked)
	b.Set(1<<4, 21, Unknown)
	// Key 1<<4|1: only unknown writes, and a rejected one: the prior
	// state, 30 or 31.
	a.Set(1<<4|1, 30, Unknown)
	c.Set(1<<4|1, 31, Unknown)
	c.Set(1<<4|1, 32, Rejected)
	// Key 2<<4|2, a counter: 2 acknowledged increments, 1 unknown, 1
	// rejected.
	a.Add(2<<4|2, Acked)
	b.Add(2<<4|2, Acked)
	b.Add(2<<4|2, Unknown)
	c.Add(2<<4|2, Rejected)
	// Key 3<<4: a rejected write only leaves nothing to read back.
	c.Set(3<<4, 5, Rejected)

	var mu sync.Mutex
	var got []Record
	v, n, err := ReadBack(context.Background(), []*Ledger{a, b, c}, 4, 3, nil, func() Checker {
		return func(ctx context.Context, r *Record, v *Validation) error {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, *r)
			v.Pass()
			return nil
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(x, y Record) int { return int(x.ID) - int(y.ID) })
	want := []Record{
		{ID: 1, Keys: []Candidates{
			{Key: 1 << 4, States: []uint64{11, 20, 21}},
			{Key: 1<<4 | 1, States: []uint64{30, 31}, Prior: true},
		}},
		{ID: 2, Keys: []Candidates{{Key: 2<<4 | 2, Prior: true, Added: 2, Maybe: 1}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if n != 2 || v.Checks != 2 {
		t.Errorf("%d records, %d checks; want 2, 2", n, v.Checks)
	}
	if k := want[0].Keys[1]; !k.Allows(0, 0) || !k.Allows(31, 0) || k.Allows(32, 0) {
		t.Errorf("Allows: prior and unknown states allowed, rejected not: %+v", k)
	}
	// The ledgers are consumed.
	if _, n, _ := ReadBack(context.Background(), []*Ledger{a, b, c}, 4, 1, nil, func() Checker { return nil }); n != 0 {
		t.Errorf("second ReadBack found %d records", n)
	}
}

// A failure to ask stops the read-back and is returned; keep filters
// records.
func TestReadBackErrorAndKeep(t *testing.T) {
	var l Ledger
	for k := range uint64(500) {
		l.Set(k<<1, 1, Acked)
	}
	boom := errors.New("server gone")
	_, _, err := ReadBack(context.Background(), []*Ledger{&l}, 1, 4, nil, func() Checker {
		return func(ctx context.Context, r *Record, v *Validation) error {
			if r.ID == 300 {
				return boom
			}
			return nil
		}
	})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want %v", err, boom)
	}
	for k := range uint64(10) {
		l.Set(k<<1, 1, Acked)
	}
	_, n, err := ReadBack(context.Background(), []*Ledger{&l}, 1, 2, func(id uint64) bool { return id%2 == 0 }, func() Checker {
		return func(ctx context.Context, r *Record, v *Validation) error { return nil }
	})
	if err != nil || n != 5 {
		t.Errorf("kept %d records (%v), want 5", n, err)
	}
}

// Recording a write allocates nothing, however many distinct keys the run
// reaches, and the ledger's memory is what LedgerPlan said before the run:
// a ledger that grows a map entry per new key (about 56 bytes each, the
// soak's leak) fails both.
func TestLedgerFixedMemory(t *testing.T) {
	const records, fields, workers = 100_000, 10, 4
	space := LedgerSpace{Shift: 10, Subs: fields, Records: records}
	stride, planned := LedgerPlan(records, fields, workers)
	if stride != 1 {
		t.Fatalf("stride %d, want 1 (%d MB of ledgers)", stride, planned>>20)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ls := make([]*Ledger, workers)
	for i := range ls {
		ls[i] = NewLedger(space, workers)
	}
	// Every write of a key the ledgers have not seen (the first write of
	// a key is the one a map pays for).
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	version := uint64(0)
	for _, l := range ls {
		for r := range uint64(records) {
			for f := range uint64(fields) {
				version++
				l.Set(r<<10|f, version, Acked)
			}
		}
	}
	runtime.ReadMemStats(&m1)
	if allocs := m1.Mallocs - m0.Mallocs; allocs != 0 {
		t.Errorf("%d allocations recording %d writes of distinct keys, want 0", allocs, workers*records*fields)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if grown > planned+1<<20 {
		t.Errorf("ledgers of %d writes took %d bytes, over the planned %d", workers*records*fields, grown, planned)
	}
	runtime.KeepAlive(ls)
	// Counters too.
	if a := testing.AllocsPerRun(100, func() { ls[0].Add(7<<10|3, Acked) }); a != 0 {
		t.Errorf("Add: %.0f allocations, want 0", a)
	}
}

// A key space too large for LedgerBudget is sampled: one record in Stride,
// the same records in every worker's ledger; the others are not read back
// and the verification says so.
func TestLedgerSample(t *testing.T) {
	const records, fields, workers = 10_000_000, 10, 4
	stride, bytes := LedgerPlan(records, fields, workers)
	if stride < 2 || bytes > LedgerBudget {
		t.Fatalf("stride %d, %d bytes; want a sample within %d bytes", stride, bytes, LedgerBudget)
	}
	space := LedgerSpace{Shift: 10, Subs: fields, Records: records}
	ls := []*Ledger{NewLedger(space, workers), NewLedger(space, workers)}
	for _, r := range []uint64{0, 1, uint64(stride), uint64(stride) + 1, 3 * uint64(stride), records + 5} {
		ls[0].Set(r<<10|2, 10, Acked)
		ls[1].Set(r<<10|2, 20, Unknown)
	}
	var ver Verification
	type w struct{ Worker }
	ws := []Worker{w{}, w{}}
	_, _, err := WorkerLedgers("test", ws, &ver, func(k w) *Ledger { return ls[0] })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ver.Skipped, fmt.Sprintf("one in %d", stride)) {
		t.Errorf("Skipped = %q, want the sample named", ver.Skipped)
	}
	var mu sync.Mutex
	var ids []uint64
	_, _, err = ReadBack(context.Background(), ls, 10, 2, nil, func() Checker {
		return func(ctx context.Context, r *Record, v *Validation) error {
			mu.Lock()
			defer mu.Unlock()
			ids = append(ids, r.ID)
			if len(r.Keys) != 1 || !slices.Equal(r.Keys[0].States, []uint64{10, 20}) {
				t.Errorf("record %d: %+v, want states 10 and 20", r.ID, r.Keys)
			}
			return nil
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	if want := []uint64{0, uint64(stride), 3 * uint64(stride), records + 5}; !slices.Equal(ids, want) {
		t.Errorf("records read back %v, want %v (the sample, and a record beyond the space)", ids, want)
	}
}

// BenchmarkLedgerSet: acknowledged writes of point/a's keys at the quick
// scale (100 000 records of 10 fields), spread so most are new to the
// ledger early on; the figure is the bookkeeping the runner does after
// each write, outside the timed part.
func BenchmarkLedgerSet(b *testing.B) {
	const records, fields = 100_000, 10
	l := NewLedger(LedgerSpace{Shift: 10, Subs: fields, Records: records}, 4)
	b.ReportAllocs()
	for i := range b.N {
		j := uint64(i) * 7919 % (records * fields)
		l.Set(j/fields<<10|j%fields, uint64(i), Acked)
	}
}
