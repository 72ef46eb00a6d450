package search

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// Figures Validate reports.
const (
	// FigureAgreement is the mean, over validation queries with at least
	// one hit, of the fraction of the reference top k (BM25, ties by id)
	// that the store's top k contains: relevance agreement as
	// WORKLOADS.md defines it.
	FigureAgreement = "relevance_agreement"
	// FigureAgreementTies is the same with ties forgiven: a store hit
	// agrees when its reference BM25 score is at least the k-th reference
	// score, so a store that breaks ties in another order (by its internal
	// document order) still scores 1.
	FigureAgreementTies = "relevance_agreement_ties"
	// FigureNDCG is the mean, over validation queries with at least one
	// hit, of the store's top k's normalized discounted cumulative gain,
	// each hit's gain its reference BM25 score: Σ gain_i / log2(i+1) over
	// the store's ranks i, divided by the same sum over the reference top
	// k.
	FigureNDCG = "relevance_ndcg"
	// FigureRankedQueries is the number of queries the agreement figures
	// average over.
	FigureRankedQueries = "relevance_queries"
	// FigureFloor is the store's relevance floor (see RelevanceFloorer):
	// validation fails when FigureAgreementTies is below it.
	FigureFloor = "relevance_floor"
)

// Validate runs the validation query set against c. Hit counts are checked
// exactly; of ranked answers, it checks that there are min(topk, count)
// hits, distinct, each a document that matches the query (regenerated from
// its id), with non-increasing scores, and it measures their agreement with
// the BM25 reference top k, which must reach the store's floor (Floor).
func (w *Workload) Validate(ctx context.Context, c drivers.Conn) (workloads.Validation, error) {
	// The agreement figures compare with the reference order, ties by id.
	ctx = WithExactTies(ctx)
	var v workloads.Validation
	s, err := w.store(c)
	if err != nil {
		return v, err
	}
	ref, err := w.reference(ctx)
	if err != nil {
		return v, err
	}
	err = w.ask(ctx, s, ref, func(*refQuery) bool { return true }, &v)
	return v, err
}

// ask runs the queries of ref against s and checks the answers as Validate
// describes; the relevance figures average over the queries with hits
// that ranked accepts.
func (w *Workload) ask(ctx context.Context, s Store, ref *reference, ranked func(*refQuery) bool, v *workloads.Validation) error {
	var hits Hits
	var buf []int32
	var sumOverlap, sumTies, sumNDCG float64
	nRanked := 0
	for _, rq := range ref.queries {
		n, err := Count(ctx, s, rq.q)
		if err != nil {
			return queryErr(ctx, "count", rq, err)
		}
		v.Check(n == rq.count, "count %s %s: %d, want %d", rq.name, rq.q, n, rq.count)

		hits, err = Search(ctx, s, rq.q, w.cfg.TopK, hits)
		if err != nil {
			return queryErr(ctx, "search", rq, err)
		}
		want := min(int64(w.cfg.TopK), rq.count)
		v.Check(int64(len(hits)) == want, "search %s %s: %d hits, want %d", rq.name, rq.q, len(hits), want)
		sorted := true
		for i := 1; i < len(hits); i++ {
			if hits[i].Score > hits[i-1].Score {
				sorted = false
			}
		}
		v.Check(sorted, "search %s %s: scores not in descending order: %v", rq.name, rq.q, hits)

		// Every hit must match; the ranking is measured, not checked.
		seen := map[int64]bool{}
		bad := ""
		overlap, ties := 0, 0
		dcg := 0.0
		for i, h := range hits {
			if seen[h.ID] {
				bad = fmt.Sprintf("document %d twice", h.ID)
				break
			}
			seen[h.ID] = true
			if h.ID < 0 || h.ID >= w.cfg.Records {
				bad = fmt.Sprintf("document %d does not exist", h.ID)
				break
			}
			var ok bool
			var score float64
			ok, score, buf = w.docScore(ref, rq, h.ID, buf)
			if !ok {
				bad = fmt.Sprintf("document %d does not match", h.ID)
				break
			}
			for _, t := range rq.top {
				if t.ID == h.ID {
					overlap++
				}
			}
			if len(rq.top) > 0 && tied(score, rq.top[len(rq.top)-1].Score) {
				ties++
			}
			dcg += score / math.Log2(float64(i+2))
		}
		v.Check(bad == "", "search %s %s: %s", rq.name, rq.q, bad)
		if k := len(rq.top); k > 0 && ranked(rq) {
			nRanked++
			sumOverlap += float64(min(overlap, k)) / float64(k)
			sumTies += float64(min(ties, k)) / float64(k)
			sumNDCG += ndcg(dcg, rq.top)
		}
	}
	if nRanked > 0 {
		floor := Floor(s)
		ties := sumTies / float64(nRanked)
		v.Figures = map[string]float64{
			FigureAgreement:     sumOverlap / float64(nRanked),
			FigureAgreementTies: ties,
			FigureNDCG:          sumNDCG / float64(nRanked),
			FigureRankedQueries: float64(nRanked),
			FigureFloor:         floor,
		}
		v.Check(ties >= floor, "relevance agreement %.3f (share of the top %d in the reference BM25 top %d, ties forgiven; mean of %d queries) is below this store's floor %.2f", ties, w.cfg.TopK, w.cfg.TopK, nRanked, floor)
	}
	return nil
}

// ValidateShare checks what load parts [first, first+count) of parts alone
// determine. A share is a range of documents; a query whose every matching
// document is in the range has the same matches whatever the other shares
// hold (in the same server or in their own stores). So the shard draws
// candidate queries from its own documents — the rarest word of a document
// (term), its two rarest words (and), the rarest word and the next
// (phrase) — keeps those with no match outside the share (one pass over
// the whole generated corpus decides), pairs the kept terms (or), adds the
// queries that match nothing, and checks them as Validate does: exact
// counts, min(topk, count) distinct matching hits in score order. BM25
// scores depend on the whole corpus's statistics, so relevance agreement
// is measured on the queries whose top k is their whole match set (most
// of them: the queries are rare); a run phase after a load phase measures
// it on every query. At full scale few single words are confined to a
// share, so terms (and the or pairs built from them) may be missing; the
// shard's check is then of and and phrase queries.
func (w *Workload) ValidateShare(ctx context.Context, c drivers.Conn, first, count, parts int) (workloads.Validation, error) {
	var v workloads.Validation
	s, err := w.store(c)
	if err != nil {
		return v, err
	}
	if first < 0 || count < 1 || first+count > parts {
		return v, fmt.Errorf("search: share of parts %d…%d of %d", first, first+count-1, parts)
	}
	lo, _ := w.corpus.PartRange(first, parts)
	_, hi := w.corpus.PartRange(first+count-1, parts)
	if hi <= lo {
		return v, nil // an empty share holds nothing to check
	}
	qs, err := w.shareQueries(ctx, first, lo, hi)
	if err != nil {
		return v, err
	}
	src := func(ctx context.Context, fn func(id int64, toks []int32)) error {
		var toks []int32
		for id := lo; id < hi; id++ {
			if id%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			toks = w.corpus.AppendRanks(toks[:0], id)
			fn(id, toks)
		}
		return nil
	}
	ref, err := computeReference(ctx, src, w.cfg.Vocabulary, qs, w.cfg.TopK)
	if err != nil {
		return v, err
	}
	whole := func(rq *refQuery) bool { return rq.count <= int64(w.cfg.TopK) }
	err = w.ask(ctx, s, ref, whole, &v)
	return v, err
}

// shareQueries returns the validation queries of the share of documents
// [lo, hi) (see ValidateShare), drawn from a stream of the seed and the
// share's first part.
func (w *Workload) shareQueries(ctx context.Context, first int, lo, hi int64) ([]*refQuery, error) {
	r := gen.NewRand(w.seed, valStream+1+uint64(first))
	var cands []*refQuery
	add := func(name string, kind Kind, ids ...int32) *refQuery {
		rq := &refQuery{name: name, q: Query{Kind: kind}, ids: ids}
		for _, id := range ids {
			word := missingWord
			if id > 0 {
				word = w.corpus.Word(int(id))
			}
			rq.q.Terms = append(rq.q.Terms, word)
		}
		return rq
	}
	var toks []int32
	for range 4 * w.cfg.ValidationQueries {
		toks = w.corpus.AppendRanks(toks[:0], lo+r.Int64N(hi-lo))
		i1, i2 := -1, -1 // positions of the rarest and second rarest words
		for i, t := range toks {
			switch {
			case i1 < 0 || t > toks[i1]:
				i1, i2 = i, i1
			case t != toks[i1] && (i2 < 0 || t > toks[i2]):
				i2 = i
			}
		}
		cands = append(cands, add("share/term", Term, toks[i1]))
		if i2 >= 0 {
			cands = append(cands, add("share/and", And, toks[i1], toks[i2]))
		}
		if w.phrases && len(toks) > 1 {
			j := min(i1, len(toks)-2)
			cands = append(cands, add("share/phrase", Phrase, toks[j], toks[j+1]))
		}
	}
	// One pass over the whole corpus: a candidate with a match outside
	// the share is dropped.
	outside := make([]bool, len(cands))
	f := newTermFreqs(w.cfg.Vocabulary, cands)
	tf := func(id int32) int64 { return f.tf[id] }
	err := w.corpusSource(ctx, func(id int64, toks []int32) {
		if lo <= id && id < hi {
			return
		}
		f.count(toks)
		for i, q := range cands {
			if !outside[i] && matches(q.q.Kind, q.ids, toks, tf) {
				outside[i] = true
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("search share queries: %w", err)
	}
	var qs, terms []*refQuery
	per := map[string]int{}
	for i, q := range cands {
		if outside[i] || per[q.name] == w.cfg.ValidationQueries || slices.ContainsFunc(qs, func(x *refQuery) bool { return slices.Equal(x.ids, q.ids) && x.q.Kind == q.q.Kind }) {
			continue
		}
		per[q.name]++
		qs = append(qs, q)
		if q.q.Kind == Term {
			terms = append(terms, q)
		}
	}
	for i := 0; i+1 < len(terms); i += 2 {
		qs = append(qs, add("share/or", Or, terms[i].ids[0], terms[i+1].ids[0]))
	}
	qs = append(qs,
		add("edge/missing-term", Term, 0),
		add("edge/and-missing", And, int32(w.bands[shapeCommon].Lo), 0))
	if w.phrases {
		qs = append(qs, add("edge/phrase-missing", Phrase, 1, 0))
	}
	return qs, nil
}

type exactTiesKey struct{}

// WithExactTies returns a context that asks a store to order hits of equal
// score by ascending id, as the reference ranking does. Validation asks
// for it, so its relevance agreement compares like with like; measured
// queries do not, so a store that can order ties only at a cost (a
// search engine's sort on score, then a field) ranks as its users'
// queries would. A store whose ties come out in id order anyway ignores
// it.
func WithExactTies(ctx context.Context) context.Context {
	return context.WithValue(ctx, exactTiesKey{}, true)
}

// ExactTies reports whether ctx asks for ties in ascending id order
// (WithExactTies).
func ExactTies(ctx context.Context) bool {
	v, _ := ctx.Value(exactTiesKey{}).(bool)
	return v
}

// ndcg normalizes a DCG by the ideal one, the reference top's: 1 when the
// reference top scores nothing (a query whose matches all score 0).
func ndcg(dcg float64, top Hits) float64 {
	ideal := 0.0
	for i, h := range top {
		ideal += h.Score / math.Log2(float64(i+2))
	}
	if ideal <= 0 {
		return 1
	}
	return min(dcg/ideal, 1)
}

// queryErr wraps the error of a validation query that could not be asked.
func queryErr(ctx context.Context, op string, rq *refQuery, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("validate %s %s %s: %w", op, rq.name, rq.q, err)
}
