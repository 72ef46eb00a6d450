package search

import (
	"context"
	"fmt"
	"math"

	"github.com/storefit/storefit/workloads/gen"
)

// missingWord is a query term that is no vocabulary word: the vocabulary
// is built from letters that never include x or y.
const missingWord = "xyzzy"

// valStream is the random stream of the validation query set (workers use
// streams 1 … n).
const valStream = 1 << 50

// refQuery is a validation query with its reference answers.
type refQuery struct {
	name  string // shape or edge case, e.g. "term-rare", "edge/missing-term"
	q     Query
	ids   []int32 // vocabulary rank per term; 0 for a word not in the vocabulary
	count int64
	top   Hits // the reference top k: BM25 descending, ties by id ascending
}

// reference holds the corpus statistics BM25 needs and the answers of the
// validation queries.
type reference struct {
	n, tokens int64
	avgdl     float64
	df        map[int32]int64 // document frequency of the query terms
	queries   []*refQuery
}

// validationQueries returns the fixed validation query set of w (answers
// not yet computed): ValidationQueries queries of every shape of the mix,
// drawn as the workers draw them, then edge cases.
func (w *Workload) validationQueries() []*refQuery {
	r := gen.NewRand(w.seed, valStream)
	var qs []*refQuery
	var ranks []int32
	add := func(name string, kind Kind, ids ...int32) {
		rq := &refQuery{name: name, q: Query{Kind: kind}, ids: ids}
		for _, id := range ids {
			word := missingWord
			if id > 0 {
				word = w.corpus.Word(int(id))
			}
			rq.q.Terms = append(rq.q.Terms, word)
		}
		qs = append(qs, rq)
	}
	for s := range numShapes {
		if s == shapePhrase && !w.phrases {
			continue
		}
		for range w.cfg.ValidationQueries {
			var a, b int32
			switch s {
			case shapeRare, shapeMedium, shapeCommon:
				add(shapeNames[s], Term, w.drawRank(r, s))
				continue
			case shapeAnd:
				a, b = w.drawAndPair(r)
			case shapeOr:
				a, b = w.drawRank(r, shapeCommon), w.drawRank(r, shapeMedium)
			case shapePhrase:
				ranks, a, b = w.drawPhrase(r, ranks)
			}
			add(shapeNames[s], [...]Kind{shapeAnd: And, shapeOr: Or, shapePhrase: Phrase}[s], a, b)
		}
	}
	medium, common := w.bands[shapeMedium], w.bands[shapeCommon]
	add("edge/missing-term", Term, 0)
	add("edge/most-frequent-term", Term, 1)
	add("edge/and-missing", And, int32(common.Lo), 0)
	add("edge/or-missing", Or, int32(medium.Lo), 0)
	add("edge/or-overlapping", Or, 1, 2)
	if w.phrases {
		// The first sampled phrase reversed: order matters.
		for _, rq := range qs {
			if rq.q.Kind == Phrase {
				add("edge/phrase-reversed", Phrase, rq.ids[1], rq.ids[0])
				break
			}
		}
		add("edge/phrase-repeated-word", Phrase, 1, 1)
		add("edge/phrase-missing", Phrase, 1, 0)
	}
	return qs
}

// drawRank draws a rank of a term band uniformly.
func (w *Workload) drawRank(r *gen.Rand, s shape) int32 {
	b := w.bands[s]
	return int32(b.Lo + r.IntN(b.Hi-b.Lo+1))
}

// drawAndPair draws two distinct ranks of the common band.
func (w *Workload) drawAndPair(r *gen.Rand) (a, b int32) {
	a = w.drawRank(r, shapeCommon)
	for {
		if b = w.drawRank(r, shapeCommon); b != a {
			return a, b
		}
	}
}

// drawPhrase picks two adjacent words of a random document, using buf for
// the document's ranks, and returns buf.
func (w *Workload) drawPhrase(r *gen.Rand, buf []int32) ([]int32, int32, int32) {
	buf = w.corpus.AppendRanks(buf[:0], r.Int64N(w.cfg.Records))
	i := r.IntN(len(buf) - 1)
	return buf, buf[i], buf[i+1]
}

// docSource calls fn for every document with its tokens as vocabulary
// ranks (≥ 1), in any order; toks is only valid during the call.
type docSource func(ctx context.Context, fn func(id int64, toks []int32)) error

// corpusSource streams the generated corpus.
func (w *Workload) corpusSource(ctx context.Context, fn func(id int64, toks []int32)) error {
	var toks []int32
	for id := range w.cfg.Records {
		if id%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		toks = w.corpus.AppendRanks(toks[:0], id)
		fn(id, toks)
	}
	return nil
}

// reference returns the reference answers of the validation queries,
// computed on first use and kept (a failed computation, e.g. cancelled, is
// not kept).
func (w *Workload) reference(ctx context.Context) (*reference, error) {
	w.refMu.Lock()
	defer w.refMu.Unlock()
	if w.ref != nil {
		return w.ref, nil
	}
	ref, err := computeReference(ctx, w.corpusSource, w.cfg.Vocabulary, w.validationQueries(), w.cfg.TopK)
	if err != nil {
		return nil, err
	}
	w.ref = ref
	return ref, nil
}

// termFreqs counts, in one document, the occurrences of the terms marked
// interesting, in a dense table indexed by rank that is reset after each
// document.
type termFreqs struct {
	interesting []bool
	tf          []int64
	touched     []int32
}

func newTermFreqs(vocabulary int, qs []*refQuery) *termFreqs {
	f := &termFreqs{interesting: make([]bool, vocabulary+1), tf: make([]int64, vocabulary+1)}
	for _, q := range qs {
		for _, id := range q.ids {
			if id > 0 {
				f.interesting[id] = true
			}
		}
	}
	return f
}

func (f *termFreqs) count(toks []int32) {
	for _, id := range f.touched {
		f.tf[id] = 0
	}
	f.touched = f.touched[:0]
	for _, t := range toks {
		if f.interesting[t] {
			if f.tf[t] == 0 {
				f.touched = append(f.touched, t)
			}
			f.tf[t]++
		}
	}
}

// matches reports whether a document matches q, given the document's
// tokens and tf, which has counted them (rank 0, a missing word, never
// occurs).
func matches(kind Kind, ids []int32, toks []int32, tf func(int32) int64) bool {
	switch kind {
	case Term, And:
		for _, id := range ids {
			if tf(id) == 0 {
				return false
			}
		}
		return true
	case Or:
		for _, id := range ids {
			if tf(id) > 0 {
				return true
			}
		}
		return false
	case Phrase:
		for _, id := range ids {
			if tf(id) == 0 {
				return false
			}
		}
		return hasPhrase(toks, ids)
	}
	return false
}

// hasPhrase reports whether phrase occurs in toks at consecutive positions.
func hasPhrase(toks, phrase []int32) bool {
	for i := 0; i+len(phrase) <= len(toks); i++ {
		ok := true
		for j, id := range phrase {
			if toks[i+j] != id {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// score returns the BM25 score of a document for the terms ids: the sum,
// in term order, of each term's BM25 (a missing term scores 0).
func (ref *reference) score(ids []int32, dl int64, tf func(int32) int64) float64 {
	s := 0.0
	for _, id := range ids {
		s += BM25(IDF(ref.n, ref.df[id]), tf(id), dl, ref.avgdl)
	}
	return s
}

// computeReference streams the documents of src twice: the first pass
// counts documents, tokens, the document frequency of every query term and
// each query's matches; the second scores every matching document with
// BM25 and keeps each query's top k (score descending, ties by id
// ascending). Memory stays proportional to the vocabulary and the query
// set, not to the corpus.
func computeReference(ctx context.Context, src docSource, vocabulary int, qs []*refQuery, topK int) (*reference, error) {
	ref := &reference{df: map[int32]int64{}, queries: qs}
	f := newTermFreqs(vocabulary, qs)
	tf := func(id int32) int64 { return f.tf[id] }
	err := src(ctx, func(id int64, toks []int32) {
		ref.n++
		ref.tokens += int64(len(toks))
		f.count(toks)
		for _, t := range f.touched {
			ref.df[t]++
		}
		for _, q := range qs {
			if matches(q.q.Kind, q.ids, toks, tf) {
				q.count++
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("search reference, pass 1: %w", err)
	}
	ref.avgdl = AvgDL(ref.tokens, ref.n)
	for _, q := range qs {
		q.top = make(Hits, 0, min(int64(topK), q.count))
	}
	err = src(ctx, func(id int64, toks []int32) {
		f.count(toks)
		for _, q := range qs {
			if matches(q.q.Kind, q.ids, toks, tf) {
				q.top = insertTop(q.top, topK, Hit{ID: id, Score: ref.score(q.ids, int64(len(toks)), tf)})
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("search reference, pass 2: %w", err)
	}
	return ref, nil
}

// better reports whether a ranks before b: higher score, then lower id.
func better(a, b Hit) bool {
	return a.Score > b.Score || (a.Score == b.Score && a.ID < b.ID)
}

// insertTop inserts h into top, sorted best first, keeping at most k hits.
func insertTop(top Hits, k int, h Hit) Hits {
	if len(top) == k && !better(h, top[k-1]) {
		return top
	}
	if len(top) < k {
		top = append(top, h)
	} else {
		top[k-1] = h
	}
	for i := len(top) - 1; i > 0 && better(top[i], top[i-1]); i-- {
		top[i], top[i-1] = top[i-1], top[i]
	}
	return top
}

// docScore regenerates document id and returns whether it matches q and
// its reference score, so any hit a store returns can be checked.
func (w *Workload) docScore(ref *reference, q *refQuery, id int64, buf []int32) (ok bool, score float64, _ []int32) {
	buf = w.corpus.AppendRanks(buf[:0], id)
	tf := func(t int32) int64 {
		n := int64(0)
		for _, x := range buf {
			if x == t {
				n++
			}
		}
		return n
	}
	if !matches(q.q.Kind, q.ids, buf, tf) {
		return false, 0, buf
	}
	return true, ref.score(q.ids, int64(len(buf)), tf), buf
}

// tied reports whether score is at least the k-th reference score, up to
// rounding: a hit with such a score belongs in some valid top k.
func tied(score, kth float64) bool {
	return score >= kth-1e-12*math.Abs(kth)
}
