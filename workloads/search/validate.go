package search

import (
	"context"
	"fmt"
	"math"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
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
	var hits Hits
	var buf []int32
	var sumOverlap, sumTies, sumNDCG float64
	ranked := 0
	for _, rq := range ref.queries {
		n, err := Count(ctx, s, rq.q)
		if err != nil {
			return v, queryErr(ctx, "count", rq, err)
		}
		v.Check(n == rq.count, "count %s %s: %d, want %d", rq.name, rq.q, n, rq.count)

		hits, err = Search(ctx, s, rq.q, w.cfg.TopK, hits)
		if err != nil {
			return v, queryErr(ctx, "search", rq, err)
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
		if k := len(rq.top); k > 0 {
			ranked++
			sumOverlap += float64(min(overlap, k)) / float64(k)
			sumTies += float64(min(ties, k)) / float64(k)
			sumNDCG += ndcg(dcg, rq.top)
		}
	}
	if ranked > 0 {
		floor := Floor(s)
		ties := sumTies / float64(ranked)
		v.Figures = map[string]float64{
			FigureAgreement:     sumOverlap / float64(ranked),
			FigureAgreementTies: ties,
			FigureNDCG:          sumNDCG / float64(ranked),
			FigureRankedQueries: float64(ranked),
			FigureFloor:         floor,
		}
		v.Check(ties >= floor, "relevance agreement %.3f (share of the top %d in the reference BM25 top %d, ties forgiven; mean of %d queries) is below this store's floor %.2f", ties, w.cfg.TopK, w.cfg.TopK, ranked, floor)
	}
	return v, nil
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
