package memory_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/storefit/storefit/drivers/memory"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/search"
)

func openSearch(t *testing.T, index string) search.Store {
	t.Helper()
	c, err := memory.Driver{}.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s, err := c.(search.Provider).SearchStore(search.Schema{Index: index})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSearchHandComputed checks the oracle on six documents whose answers
// are worked out by hand from the definitions. The analyzed documents have
// 18 tokens, so avgdl = 3 and a document of dl tokens has the length
// normalization K1·(1 − B + B·dl/3) = 0.3·(1 + dl): 0.9, 1.2, 1.5, 1.8 for
// dl 2 … 5; with N = 6, IDF(df) = ln(1 + (6 − df + 0.5)/(df + 0.5)) =
// ln(7/(df + 0.5)). Document frequencies: the 2, cat 4, sat 2, hat 3, dog 1,
// a 1, trick 2.
func TestSearchHandComputed(t *testing.T) {
	ctx := context.Background()
	s := openSearch(t, "tiny")
	bodies := []string{
		0: "The cat sat.",       // the cat sat
		1: "The CAT, the hat!",  // the cat the hat
		2: "A dog; a cat-dog.",  // a dog a cat dog
		3: "hat trick",          // hat trick
		4: "sat, cat",           // sat cat
		5: "  Trick\t(hat)  \n", // trick hat
	}
	// Two batches, the second first: load order must not matter.
	load := func(ids ...int) {
		var docs []search.Doc
		for _, id := range ids {
			docs = append(docs, search.Doc{ID: int64(id), UserID: 1, CreatedAt: time.Unix(0, 0), Body: []byte(bodies[id])})
		}
		if err := s.LoadDocs(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	load(3, 4, 5)
	load(0, 1, 2)
	if err := s.LoadDocs(ctx, []search.Doc{{ID: 2, Body: []byte("again")}}); err == nil {
		t.Error("a duplicate document id was accepted")
	}

	ln := math.Log
	cat, hat, the := ln(7/4.5), ln(7/3.5), ln(7/2.5)
	dog, sat, trick, a := ln(7/1.5), ln(7/2.5), ln(7/2.5), ln(7/1.5)
	// tf/(tf + norm(dl)) for the cases that occur.
	f1d2, f1d3, f1d4, f1d5 := 1/1.9, 1/2.2, 1/2.5, 1/2.8
	f2d4, f2d5 := 2/3.5, 2/3.8
	q := func(k search.Kind, ts ...string) search.Query { return search.Query{Kind: k, Terms: ts} }
	T, And, Or, P := search.Term, search.And, search.Or, search.Phrase
	tests := []struct {
		q     search.Query
		count int64
		top   search.Hits // all matches, best first
	}{
		{q(T, "cat"), 4, search.Hits{{ID: 4, Score: cat * f1d2}, {ID: 0, Score: cat * f1d3}, {ID: 1, Score: cat * f1d4}, {ID: 2, Score: cat * f1d5}}},
		{q(T, "hat"), 3, search.Hits{{ID: 3, Score: hat * f1d2}, {ID: 5, Score: hat * f1d2}, {ID: 1, Score: hat * f1d4}}}, // 3 and 5 tie
		{q(T, "the"), 2, search.Hits{{ID: 1, Score: the * f2d4}, {ID: 0, Score: the * f1d3}}},
		{q(T, "zebra"), 0, nil},
		{q(T, "Cat"), 0, nil}, // terms are given analyzed: no lowercase match for "Cat"
		{q(And, "cat", "hat"), 1, search.Hits{{ID: 1, Score: cat*f1d4 + hat*f1d4}}},
		{q(And, "cat", "zebra"), 0, nil},
		{q(And, "zebra", "cat"), 0, nil},
		{q(Or, "dog", "trick"), 3, search.Hits{{ID: 2, Score: dog * f2d5}, {ID: 3, Score: trick * f1d2}, {ID: 5, Score: trick * f1d2}}},
		{q(Or, "zebra", "dog"), 1, search.Hits{{ID: 2, Score: dog * f2d5}}},
		{q(Or, "cat", "the"), 4, search.Hits{{ID: 1, Score: cat*f1d4 + the*f2d4}, {ID: 0, Score: cat*f1d3 + the*f1d3}, {ID: 4, Score: cat * f1d2}, {ID: 2, Score: cat * f1d5}}},
		{q(P, "cat", "sat"), 1, search.Hits{{ID: 0, Score: cat*f1d3 + sat*f1d3}}},
		{q(P, "sat", "cat"), 1, search.Hits{{ID: 4, Score: sat*f1d2 + cat*f1d2}}},
		{q(P, "hat", "trick"), 1, search.Hits{{ID: 3, Score: hat*f1d2 + trick*f1d2}}},
		{q(P, "cat", "dog"), 1, search.Hits{{ID: 2, Score: cat*f1d5 + dog*f2d5}}}, // across the hyphen
		{q(P, "a", "dog"), 1, search.Hits{{ID: 2, Score: a*f2d5 + dog*f2d5}}},
		{q(P, "a", "dog", "a", "cat"), 1, search.Hits{{ID: 2, Score: a*f2d5 + dog*f2d5 + a*f2d5 + cat*f1d5}}},
		{q(P, "the", "the"), 0, nil},
		{q(P, "cat", "zebra"), 0, nil},
		{q(P, "sat", "the"), 0, nil}, // end of document 0, start of document 1
	}
	for _, tt := range tests {
		n, err := search.Count(ctx, s, tt.q)
		if err != nil {
			t.Fatalf("count %s: %v", tt.q, err)
		}
		if n != tt.count {
			t.Errorf("count %s = %d, want %d", tt.q, n, tt.count)
		}
		for _, k := range []int{1, 2, 10} {
			got, err := search.Search(ctx, s, tt.q, k, nil)
			if err != nil {
				t.Fatalf("search %s: %v", tt.q, err)
			}
			want := tt.top[:min(k, len(tt.top))]
			same := slices.EqualFunc(got, want, func(x, y search.Hit) bool {
				return x.ID == y.ID && math.Abs(x.Score-y.Score) <= 1e-12*y.Score
			})
			if !same {
				t.Errorf("search %s top %d = %v, want %v", tt.q, k, got, want)
			}
		}
	}
	for _, bad := range []search.Query{{Kind: search.Term}, {Kind: search.Term, Terms: []string{"a", "b"}}, {Kind: 9, Terms: []string{"a"}}, {Kind: search.And, Terms: []string{""}}} {
		if _, err := s.Count(ctx, bad); err == nil {
			t.Errorf("count of malformed query %+v succeeded", bad)
		}
	}
	if _, err := s.Search(ctx, q(T, "cat"), 0, nil); err == nil {
		t.Error("search for the top 0 succeeded")
	}
	// Setup empties the index.
	if err := s.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Count(ctx, q(T, "cat")); n != 0 || err != nil {
		t.Errorf("count after Setup = %d, %v", n, err)
	}
}

// TestSearchValidateAgreement checks that the oracle passes the workload's
// validation with full relevance agreement: it ranks exactly as the
// streaming reference does, ties included.
func TestSearchValidateAgreement(t *testing.T) {
	ctx := context.Background()
	w, err := search.New("mix", workloads.Params{Seed: 3, Options: map[string]any{"records": 20_000}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := memory.Driver{}.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := w.Setup(ctx, c); err != nil {
		t.Fatal(err)
	}
	for part := range 2 {
		if err := w.Load(ctx, c, part, 2, nopProgress{}); err != nil {
			t.Fatal(err)
		}
	}
	v, err := w.Validate(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() || v.Checks < 100 {
		t.Errorf("validation: %d of %d checks failed: %v", v.Failed, v.Checks, v.Failures)
	}
	if a, at := v.Figures[search.FigureAgreement], v.Figures[search.FigureAgreementTies]; a != 1 || at != 1 {
		t.Errorf("relevance agreement %v (ties forgiven %v), want 1", a, at)
	}
}
