package drivertest

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
	"github.com/storefit/storefit/workloads/search"
)

func newSearch(t *testing.T, variant string, opts map[string]any) *search.Workload {
	t.Helper()
	w, err := search.New(variant, workloads.Params{Seed: 7, Scale: workloads.Quick, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func searchStore(t *testing.T, c drivers.Conn, index string) search.Store {
	t.Helper()
	s, err := c.(search.Provider).SearchStore(search.Schema{Index: index})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func checkSearch(t *testing.T, c, oracle drivers.Conn) {
	_, phrases := searchStore(t, c, "tweets").(search.Phraser)
	variant := "mix"
	if !phrases {
		variant = "boolean"
		t.Logf("%T answers no phrase queries: checking search/boolean", c)
	}
	opts := map[string]any{"records": 2000, "vocabulary": 5000, "index": "tweets"}
	w := newSearch(t, variant, opts)
	setupLoad(t, w, c, 3)
	setupLoad(t, w, oracle, 1)

	t.Run("validate", func(t *testing.T) {
		v := validate(t, w, c)
		t.Logf("relevance agreement %.3f (ties forgiven %.3f) over %.0f queries",
			v.Figures[search.FigureAgreement], v.Figures[search.FigureAgreementTies], v.Figures[search.FigureRankedQueries])
	})
	t.Run("operations", func(t *testing.T) { compareSearchOps(t, w, phrases, c, oracle) })
	t.Run("setup empties", func(t *testing.T) {
		w2 := newSearch(t, variant, map[string]any{"records": 10, "vocabulary": 5000, "index": "tweets_setup"})
		setupLoad(t, w2, c, 1)
		ctx := context.Background()
		if err := w2.Setup(ctx, c); err != nil {
			t.Fatal(err)
		}
		s := searchStore(t, c, "tweets_setup")
		var d gen.CorpusDoc
		w2.Corpus().Doc(0, &d)
		q := search.Query{Kind: search.Term, Terms: []string{w2.Corpus().Word(int(d.Ranks[0]))}}
		if n, err := s.Count(ctx, q); err != nil || n != 0 {
			t.Errorf("count %s after Setup = %d, %v; want 0", q, n, err)
		}
		if h, err := s.Search(ctx, q, 10, nil); err != nil || len(h) != 0 {
			t.Errorf("search %s after Setup = %v, %v; want no hits", q, h, err)
		}
	})
	for _, v := range []string{"mix", "boolean"} {
		t.Run(v+" workers", func(t *testing.T) {
			wm := newSearch(t, v, map[string]any{"records": 1000, "vocabulary": 5000, "index": "tweets_" + v})
			if _, err := wm.Worker(c, 0, 1); errors.Is(err, drivers.ErrUnsupported) {
				t.Skipf("%v", err)
			}
			setupLoad(t, wm, c, 2)
			runWorkers(t, wm, c, 4, 300, nil)
		})
	}
}

// compareSearchOps runs a deterministic random sequence of queries of every
// kind (with missing words, repeated and reversed phrase words, three-term
// queries, empty answers) against the driver and the oracle, loads more
// documents into both, and queries again. Counts must be equal; a ranked
// answer must have min(k, count) distinct hits that all match, best first
// by the store's scores. How the store ranks is measured, not checked.
func compareSearchOps(t *testing.T, w *search.Workload, phrases bool, c, oracle drivers.Conn) {
	ctx := context.Background()
	cfg := w.Config()
	got, want := searchStore(t, c, cfg.Index), searchStore(t, oracle, cfg.Index)
	corpus := w.Corpus()
	r := rand.New(rand.NewPCG(3, 4))
	docs := cfg.Records
	var d gen.CorpusDoc
	word := func() string {
		switch r.IntN(10) {
		case 0:
			return "xyzzy" // in no document
		case 1, 2, 3:
			return corpus.Word(1 + r.IntN(20))
		case 4, 5, 6:
			return corpus.Word(1 + r.IntN(500))
		}
		return corpus.Word(1 + r.IntN(cfg.Vocabulary))
	}
	query := func() search.Query {
		kinds := []search.Kind{search.Term, search.And, search.Or}
		if phrases {
			kinds = append(kinds, search.Phrase)
		}
		q := search.Query{Kind: kinds[r.IntN(len(kinds))]}
		n := 1
		if q.Kind != search.Term {
			n = 2 + r.IntN(2)
		}
		if q.Kind == search.Phrase && r.IntN(4) != 0 {
			// Adjacent words of a document, sometimes reversed.
			corpus.Doc(r.Int64N(docs), &d)
			i := r.IntN(len(d.Ranks) - n + 1)
			for j := range n {
				q.Terms = append(q.Terms, corpus.Word(int(d.Ranks[i+j])))
			}
			if r.IntN(4) == 0 {
				q.Terms[0], q.Terms[n-1] = q.Terms[n-1], q.Terms[0]
			}
			return q
		}
		for range n {
			q.Terms = append(q.Terms, word())
		}
		return q
	}
	var overlap, queries float64
	var gh search.Hits
	round := func(ops int) {
		for i := 0; i < ops && !t.Failed(); i++ {
			q := query()
			n, err := search.Count(ctx, got, q)
			if err != nil {
				t.Fatalf("count %s: %v", q, err)
			}
			m, err := search.Count(ctx, want, q)
			if err != nil {
				t.Fatalf("oracle count %s: %v", q, err)
			}
			if n != m {
				t.Errorf("count %s = %d, oracle %d", q, n, m)
				continue
			}
			k := []int{1, 3, 10, 50}[r.IntN(4)]
			gh, err = search.Search(ctx, got, q, k, gh)
			if err != nil {
				t.Fatalf("search %s top %d: %v", q, k, err)
			}
			if len(gh) != int(min(int64(k), m)) {
				t.Errorf("search %s top %d: %d hits, want %d", q, k, len(gh), min(int64(k), m))
				continue
			}
			if m == 0 {
				continue
			}
			all, err := search.Search(ctx, want, q, int(m), nil)
			if err != nil {
				t.Fatalf("oracle search %s: %v", q, err)
			}
			oracleRank := map[int64]int{}
			for j, h := range all {
				oracleRank[h.ID] = j
			}
			seen := map[int64]bool{}
			agree := 0
			for j, h := range gh {
				rank, ok := oracleRank[h.ID]
				switch {
				case !ok:
					t.Errorf("search %s top %d: hit %d is document %d, which does not match", q, k, j, h.ID)
				case seen[h.ID]:
					t.Errorf("search %s top %d: document %d twice", q, k, h.ID)
				case j > 0 && h.Score > gh[j-1].Score:
					t.Errorf("search %s top %d: scores not descending: %v", q, k, gh)
				}
				seen[h.ID] = true
				if ok && rank < k {
					agree++
				}
			}
			overlap += float64(agree) / float64(len(gh))
			queries++
		}
	}
	round(400)
	// More documents: counts, document frequencies and lengths change.
	more := make([]search.Doc, 300)
	gd := make([]gen.CorpusDoc, len(more))
	for i := range more {
		corpus.Doc(docs+int64(i), &gd[i])
		more[i] = search.Doc{ID: gd[i].ID, UserID: gd[i].UserID, CreatedAt: gd[i].CreatedAt, Body: gd[i].Body}
	}
	for _, s := range []search.Store{got, want} {
		if err := s.LoadDocs(ctx, more); err != nil {
			t.Fatalf("load more documents: %v", err)
		}
	}
	docs += int64(len(more))
	round(400)
	if queries > 0 {
		t.Logf("top-k overlap with the oracle: %.3f over %.0f queries", overlap/queries, queries)
	}
}
