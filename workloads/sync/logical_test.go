package syncwl

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
)

// A view's queue is bounded in changes (one batch always fits) and hands
// batches out in order.
func TestViewQueue(t *testing.T) {
	q := newViewQueue(3)
	big := logicalBatch{changes: make([]Change, 5), end: 10}
	if !q.tryPut(big) {
		t.Fatal("an empty queue refused a batch larger than its bound")
	}
	if q.tryPut(logicalBatch{changes: make([]Change, 1), end: 20}) {
		t.Fatal("a full queue took another batch")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if b, err := q.take(ctx); err != nil || b.end != 10 {
		t.Fatalf("take: %v %v", b.end, err)
	}
	if !q.tryPut(logicalBatch{changes: make([]Change, 2), end: 20}) || !q.tryPut(logicalBatch{changes: make([]Change, 1), end: 30}) {
		t.Fatal("a queue with room refused a batch")
	}
	for _, want := range []pglogrepl.LSN{20, 30} {
		if b, err := q.take(ctx); err != nil || b.end != want {
			t.Fatalf("take: %v %v, want %v", b.end, err, want)
		}
	}
	short, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	if _, err := q.take(short); err == nil {
		t.Fatal("take from an empty queue returned")
	}
}

// The slot confirms the least position the views applied; a view that
// applied everything handed counts as at the last commit seen.
func TestConfirmedLSN(t *testing.T) {
	a, b := newViewQueue(10), newViewQueue(10)
	qs := []*viewQueue{a, b}
	if got := confirmedLSN(qs, 0, 0); got != 0 {
		t.Errorf("nothing applied: %v", got)
	}
	if got := confirmedLSN(qs, 0, 50); got != 50 {
		t.Errorf("only empty commits: %v, want 50", got)
	}
	a.setApplied(100)
	b.setApplied(60)
	if got := confirmedLSN(qs, 100, 120); got != 60 {
		t.Errorf("b behind: %v, want 60", got)
	}
	b.setApplied(100)
	if got := confirmedLSN(qs, 100, 120); got != 120 {
		t.Errorf("both applied all handed: %v, want 120", got)
	}
}
