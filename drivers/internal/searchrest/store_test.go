package searchrest

import (
	"context"
	"strings"
	"testing"

	"github.com/storefit/storefit/workloads/search"
)

// bodies is an API that keeps the search bodies it is sent.
type bodies struct {
	API
	sent []string
}

func (b *bodies) Search(ctx context.Context, index string, body []byte, dst search.Hits) (int64, search.Hits, error) {
	b.sent = append(b.sent, string(body))
	return 0, dst, nil
}

// The tie-break (a sort on score, then id, with track_scores) is sent
// only where it is asked for: by default on validation's queries alone.
func TestTieBreakOnlyWhereAsked(t *testing.T) {
	q := search.Query{Kind: search.Term, Terms: []string{"alpha"}}
	for _, tc := range []struct {
		mode                 string
		measured, validation bool
	}{
		{TieBreakValidation, false, true},
		{TieBreakAlways, true, true},
		{TieBreakNever, false, false},
	} {
		api := &bodies{}
		s := NewStore(api, "storefit_tweets", Options{TieBreak: tc.mode}, func(op string, err error) error { return err })
		for _, ctx := range []context.Context{context.Background(), search.WithExactTies(context.Background())} {
			if _, err := s.Search(ctx, q, 10, nil); err != nil {
				t.Fatal(err)
			}
		}
		for i, want := range []bool{tc.measured, tc.validation} {
			if got := strings.Contains(api.sent[i], `"track_scores":true`); got != want {
				t.Errorf("tiebreak=%s, query %d: sort sent %v, want %v: %s", tc.mode, i, got, want, api.sent[i])
			}
		}
	}
	if got := (Options{TieBreak: TieBreakValidation}).Settings(); !strings.HasPrefix(got["tiebreak"], "validation queries only") || !strings.HasPrefix(got["cache"], "off") {
		t.Errorf("settings %v", got)
	}
}
