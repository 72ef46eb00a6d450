package workloads

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
func TestReadBackCandidates(t *testing.T) {
	var a, b, c Ledger
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
	v, n, err := ReadBack(context.Background(), []*Ledger{&a, &b, &c}, 4, 3, nil, func() Checker {
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
	if _, n, _ := ReadBack(context.Background(), []*Ledger{&a, &b, &c}, 4, 1, nil, func() Checker { return nil }); n != 0 {
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
