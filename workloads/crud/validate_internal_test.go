package crud

import (
	"context"
	"testing"

	"github.com/storefit/storefit/workloads"
)

// TestExpectedCoversTies checks that the quick-scale validation set asks for
// timelines whose order depends on the tie rule (equal created_at, ordered
// by id descending) and on created_at rather than id order, and for empty
// and short timelines — so a store that gets any of these wrong fails.
func TestExpectedCoversTies(t *testing.T) {
	w, err := New("mix", workloads.Params{Seed: 1, Scale: workloads.Quick})
	if err != nil {
		t.Fatal(err)
	}
	e, err := w.expect(context.Background(), w.all())
	if err != nil {
		t.Fatal(err)
	}
	rows := w.gen.Rows()
	ties, reordered, empty, short := 0, 0, 0, 0
	for _, tl := range e.timelines {
		switch {
		case len(tl.IDs) == 0:
			empty++
		case len(tl.IDs) < w.cfg.TimelineLimit:
			short++
		}
		for i := 1; i < len(tl.IDs); i++ {
			_, a := rows.TweetMeta(int64(tl.IDs[i-1]))
			_, b := rows.TweetMeta(int64(tl.IDs[i]))
			if a < b || (a == b && tl.IDs[i-1] < tl.IDs[i]) {
				t.Fatalf("timeline of user %d out of order at %d: %v", tl.User, i, tl.IDs)
			}
			if a == b {
				ties++
			}
			if tl.IDs[i-1] < tl.IDs[i] {
				reordered++
			}
		}
	}
	t.Logf("%d timelines: %d ties, %d pairs out of id order, %d empty, %d short", len(e.timelines), ties, reordered, empty, short)
	if ties == 0 || reordered == 0 || empty == 0 || short == 0 {
		t.Errorf("validation timelines miss a case: %d ties, %d out of id order, %d empty, %d short", ties, reordered, empty, short)
	}
}
