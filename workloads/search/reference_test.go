package search

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/storefit/storefit/workloads/gen"
)

// tinyDocs is a corpus small enough to work out BM25 by hand: 6 documents,
// 18 tokens, so avgdl = 3 and the length normalization of a document of dl
// tokens is K1·(1 − B + B·dl/3) = 0.3·(1 + dl): 0.9, 1.2, 1.5, 1.8 for dl
// 2 … 5. With N = 6, IDF is ln(1 + (6 − df + 0.5)/(df + 0.5)) = ln(7/(df + 0.5)).
var tinyDocs = []string{
	0: "the cat sat",     // "The cat sat."
	1: "the cat the hat", // "The CAT, the hat!"
	2: "a dog a cat dog", // "A dog; a cat-dog."
	3: "hat trick",       // "hat trick"
	4: "sat cat",         // "sat, cat"
	5: "trick hat",       // "Trick hat"
}

// tinyCase is a query over tinyDocs with its answer worked out by hand.
type tinyCase struct {
	q     Query
	count int64
	top   Hits // all matches, best first
}

// tinyCases are the hand-computed answers. Document frequencies: the 2,
// cat 4, sat 2, hat 3, dog 1, a 1, trick 2.
func tinyCases() []tinyCase {
	ln := math.Log
	cat, hat, the := ln(7/4.5), ln(7/3.5), ln(7/2.5)
	dog, sat, trick := ln(7/1.5), ln(7/2.5), ln(7/2.5)
	// tf/(tf + norm(dl)) for the cases that occur.
	f1d2, f1d3, f1d4, f1d5 := 1/1.9, 1/2.2, 1/2.5, 1/2.8
	f2d4, f2d5 := 2/3.5, 2/3.8
	term := func(t string) Query { return Query{Kind: Term, Terms: []string{t}} }
	q := func(k Kind, ts ...string) Query { return Query{Kind: k, Terms: ts} }
	return []tinyCase{
		{term("cat"), 4, Hits{{4, cat * f1d2}, {0, cat * f1d3}, {1, cat * f1d4}, {2, cat * f1d5}}},
		// Documents 3 and 5 tie: the lower id first.
		{term("hat"), 3, Hits{{3, hat * f1d2}, {5, hat * f1d2}, {1, hat * f1d4}}},
		{term("the"), 2, Hits{{1, the * f2d4}, {0, the * f1d3}}},
		{term("zebra"), 0, nil},
		{q(And, "cat", "hat"), 1, Hits{{1, cat*f1d4 + hat*f1d4}}},
		{q(And, "cat", "zebra"), 0, nil},
		{q(Or, "dog", "trick"), 3, Hits{{2, dog * f2d5}, {3, trick * f1d2}, {5, trick * f1d2}}},
		{q(Or, "zebra", "dog"), 1, Hits{{2, dog * f2d5}}},
		{q(Or, "cat", "the"), 4, Hits{{1, cat*f1d4 + the*f2d4}, {0, cat*f1d3 + the*f1d3}, {4, cat * f1d2}, {2, cat * f1d5}}},
		{q(Phrase, "cat", "sat"), 1, Hits{{0, cat*f1d3 + sat*f1d3}}},
		{q(Phrase, "sat", "cat"), 1, Hits{{4, sat*f1d2 + cat*f1d2}}},
		{q(Phrase, "hat", "trick"), 1, Hits{{3, hat*f1d2 + trick*f1d2}}},
		{q(Phrase, "cat", "dog"), 1, Hits{{2, cat*f1d5 + dog*f2d5}}}, // "cat-dog"
		{q(Phrase, "a", "dog"), 1, Hits{{2, ln(7/1.5)*f2d5 + dog*f2d5}}},
		{q(Phrase, "the", "the"), 0, nil},
		{q(Phrase, "cat", "zebra"), 0, nil},
	}
}

// tinySource returns tinyDocs as a docSource over a vocabulary numbered in
// order of first occurrence, and a function giving a word's id (0 when
// absent).
func tinySource() (docSource, func(string) int32, int) {
	ids := map[string]int32{}
	var docs [][]int32
	for _, d := range tinyDocs {
		var toks []int32
		for _, w := range strings.Fields(d) {
			if ids[w] == 0 {
				ids[w] = int32(len(ids) + 1)
			}
			toks = append(toks, ids[w])
		}
		docs = append(docs, toks)
	}
	src := func(ctx context.Context, fn func(id int64, toks []int32)) error {
		for i, toks := range docs {
			fn(int64(i), toks)
		}
		return nil
	}
	return src, func(w string) int32 { return ids[w] }, len(ids)
}

func sameHits(a, b Hits) bool {
	return slices.EqualFunc(a, b, func(x, y Hit) bool {
		return x.ID == y.ID && math.Abs(x.Score-y.Score) <= 1e-12*math.Abs(y.Score)
	})
}

func TestReferenceHandComputed(t *testing.T) {
	for _, k := range []int{10, 2, 1} {
		src, id, vocab := tinySource()
		cases := tinyCases()
		var qs []*refQuery
		for _, c := range cases {
			rq := &refQuery{name: c.q.String(), q: c.q}
			for _, w := range c.q.Terms {
				rq.ids = append(rq.ids, id(w))
			}
			qs = append(qs, rq)
		}
		ref, err := computeReference(context.Background(), src, vocab, qs, k)
		if err != nil {
			t.Fatal(err)
		}
		if ref.n != 6 || ref.tokens != 18 || ref.avgdl != 3 {
			t.Fatalf("n %d, tokens %d, avgdl %v; want 6, 18, 3", ref.n, ref.tokens, ref.avgdl)
		}
		for i, c := range cases {
			if qs[i].count != c.count {
				t.Errorf("count %s = %d, want %d", c.q, qs[i].count, c.count)
			}
			want := c.top[:min(k, len(c.top))]
			if !sameHits(qs[i].top, want) {
				t.Errorf("top %d of %s = %v, want %v", k, c.q, qs[i].top, want)
			}
		}
	}
}

// TestReferenceMatchesBruteForce checks the streaming reference on the
// validation queries of a small generated corpus against the plainest
// computation: analyze every body with Tokens and compare strings.
func TestReferenceMatchesBruteForce(t *testing.T) {
	w := newWorkload(t, "mix", map[string]any{"records": 3000, "vocabulary": 5000})
	ref, err := w.reference(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var docs [][]string
	df := map[string]int64{}
	total := int64(0)
	var d gen.CorpusDoc
	for id := range int64(3000) {
		w.Corpus().Doc(id, &d)
		toks := Tokens(d.Body)
		docs = append(docs, toks)
		total += int64(len(toks))
		seen := map[string]bool{}
		for _, tok := range toks {
			if !seen[tok] {
				seen[tok] = true
				df[tok]++
			}
		}
	}
	avgdl := float64(total) / 3000
	tf := func(toks []string, t string) (n int64) {
		for _, x := range toks {
			if x == t {
				n++
			}
		}
		return n
	}
	match := func(q Query, toks []string) bool {
		switch q.Kind {
		case Term, And:
			for _, t := range q.Terms {
				if tf(toks, t) == 0 {
					return false
				}
			}
			return true
		case Or:
			for _, t := range q.Terms {
				if tf(toks, t) > 0 {
					return true
				}
			}
			return false
		}
		for i := 0; i+len(q.Terms) <= len(toks); i++ {
			if slices.Equal(toks[i:i+len(q.Terms)], q.Terms) {
				return true
			}
		}
		return false
	}
	shapes := map[string]int{}
	for _, rq := range ref.queries {
		shapes[rq.name]++
		var all Hits
		for id, toks := range docs {
			if !match(rq.q, toks) {
				continue
			}
			s := 0.0
			for _, t := range rq.q.Terms {
				s += BM25(IDF(3000, df[t]), tf(toks, t), int64(len(toks)), avgdl)
			}
			all = append(all, Hit{int64(id), s})
		}
		slices.SortFunc(all, func(a, b Hit) int {
			if better(a, b) {
				return -1
			}
			return 1
		})
		if rq.count != int64(len(all)) {
			t.Errorf("%s %s: reference count %d, brute force %d", rq.name, rq.q, rq.count, len(all))
		}
		if want := all[:min(10, len(all))]; !sameHits(rq.top, want) {
			t.Errorf("%s %s: reference top %v, brute force %v", rq.name, rq.q, rq.top, want)
		}
		if strings.HasPrefix(rq.name, "phrase") && rq.count == 0 {
			t.Errorf("%s %s: a phrase drawn from the corpus has no hits", rq.name, rq.q)
		}
	}
	for _, s := range shapeNames {
		if shapes[s] != 8 {
			t.Errorf("%d validation queries of shape %s, want 8", shapes[s], s)
		}
	}
	for _, e := range []string{"edge/missing-term", "edge/phrase-reversed", "edge/phrase-repeated-word", "edge/or-missing"} {
		if shapes[e] != 1 {
			t.Errorf("edge case %s missing", e)
		}
	}
}
