package twitter

import (
	"strings"
	"testing"

	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/search"
)

// Issue 18: "Search 'stale' counts any pending matching tweet even when it
// would not be in the returned top 10". A pending match makes a full
// answer stale only when it would rank at least as high as the answer's
// last hit; a long tweet that repeats the term once would not.
func TestSearchStaleOnlyWhenInTheAnswer(t *testing.T) {
	w, err := New(workloads.Params{Seed: 1, Scale: workloads.Quick, Options: map[string]any{"users": 50, "tweets": 200}})
	if err != nil {
		t.Fatal(err)
	}
	a := &App{}
	a.SetBodies(w.gen)
	last := int64(1)
	toks := search.Tokens(w.gen.Rows().AppendBody(nil, last, 0))
	if len(toks) == 0 {
		t.Fatal("tweet 1 has no tokens")
	}
	q := search.Query{Kind: search.Term, Terms: []string{toks[0]}}
	hits := search.Hits{{ID: 99, Score: 9}, {ID: last, Score: 1}}
	short := pendingMatch{id: 1000, body: toks[0]}
	long := pendingMatch{id: 1001, body: toks[0] + strings.Repeat(" filler", 3*len(toks)+10)}

	if !a.searchStale(q, []pendingMatch{short}, hits, 2) {
		t.Error("a one-word tweet of the term outranks the last hit: stale")
	}
	if a.searchStale(q, []pendingMatch{long}, hits, 2) {
		t.Error("a long tweet mentioning the term once would not enter a full top 2: not stale")
	}
	if !a.searchStale(q, []pendingMatch{long}, hits, 10) {
		t.Error("an answer of 2 of at most 10 hits holds every match: a pending match is missing from it")
	}
	if a.searchStale(q, nil, hits, 2) {
		t.Error("nothing pending: not stale")
	}
	if (&App{}).searchStale(q, []pendingMatch{long}, hits, 2) != true {
		t.Error("without bodies a full answer with a pending match counts as stale")
	}
}
