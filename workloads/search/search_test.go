package search

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
)

func TestConfig(t *testing.T) {
	q := newWorkload(t, "mix", nil).Config()
	if q.Records != 100_000 || q.Vocabulary != 50_000 || q.MinWords != 8 || q.MaxWords != 30 || q.TopK != 10 || q.Users != 10_000 {
		t.Errorf("quick defaults %+v", q)
	}
	f, err := New("mix", workloads.Params{Seed: 1, Scale: workloads.Full})
	if err != nil {
		t.Fatal(err)
	}
	if f.Config().Records != 10_000_000 {
		t.Errorf("full records %d, want 10000000", f.Config().Records)
	}
	// Options given as strings, as --set passes them.
	c := newWorkload(t, "boolean", map[string]any{"records": "5000", "topk": "5", "index": "t2"}).Config()
	if c.Records != 5000 || c.TopK != 5 || c.Index != "t2" || c.Users != 500 {
		t.Errorf("options not applied: %+v", c)
	}
	for _, opts := range []map[string]any{
		{"records": 0},
		{"vocabulary": 4999},
		{"minwords": 1},
		{"minwords": 10, "maxwords": 9},
		{"topk": 0},
		{"loadbatch": 0},
		{"users": -1},
		{"validationqueries": 0},
		{"nosuchoption": 1},
		{"records": "many"},
	} {
		if _, err := New("mix", workloads.Params{Seed: 1, Options: opts}); err == nil {
			t.Errorf("options %v accepted", opts)
		}
	}
	if _, err := New("fuzzy", workloads.Params{Seed: 1}); err == nil {
		t.Error("unknown variant accepted")
	}
}

func TestRegistered(t *testing.T) {
	for _, name := range []string{"search/mix", "search/boolean"} {
		w, err := workloads.New(name, workloads.Params{Seed: 1, Options: map[string]any{"records": 100}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if w.Name() != name || w.Pattern() != "search" || w.Records() != 100 {
			t.Errorf("%s: name %q pattern %q records %d", name, w.Name(), w.Pattern(), w.Records())
		}
	}
	if !slices.Contains(workloads.Patterns(), "search") {
		t.Error("pattern search not registered")
	}
}

func TestBands(t *testing.T) {
	rare, medium, common := Bands(50_000)
	want := []Band{{"rare", 20_000, 50_000}, {"medium", 1_000, 5_000}, {"common", 10, 100}}
	if diff := cmp.Diff(want, []Band{rare, medium, common}); diff != "" {
		t.Errorf("bands of 50000 words (-want +got):\n%s", diff)
	}
	for _, v := range []int{5000, 12_345, 1_000_000} {
		rare, medium, common := Bands(v)
		if !(1 <= common.Lo && common.Lo < common.Hi && common.Hi < medium.Lo && medium.Lo < medium.Hi && medium.Hi < rare.Lo && rare.Lo < rare.Hi && rare.Hi == v) {
			t.Errorf("bands of %d words overlap or leave the vocabulary: %v %v %v", v, common, medium, rare)
		}
	}
}

func TestOpKinds(t *testing.T) {
	want := []string{
		"term-rare-count", "term-rare-top10", "term-medium-count", "term-medium-top10",
		"term-common-count", "term-common-top10", "and-count", "and-top10", "or-count", "or-top10",
		"phrase-count", "phrase-top10",
	}
	if diff := cmp.Diff(want, newWorkload(t, "mix", nil).OpKinds()); diff != "" {
		t.Errorf("mix kinds (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want[:10], newWorkload(t, "boolean", nil).OpKinds()); diff != "" {
		t.Errorf("boolean kinds (-want +got):\n%s", diff)
	}
	if k := newWorkload(t, "mix", map[string]any{"topk": 25}).OpKinds(); k[1] != "term-rare-top25" {
		t.Errorf("kind with topk 25: %s", k[1])
	}
}

// nopStore answers every query with nothing; it counts calls.
type nopStore struct {
	counts, searches, phrases int
	lastQ                     Query
	lastK                     int
}

type nopConn struct{ s Store }

func (c nopConn) Close() error                            { return nil }
func (c nopConn) SearchStore(Schema) (Store, error)       { return c.s, nil }
func (s *nopStore) Setup(context.Context) error           { return nil }
func (s *nopStore) LoadDocs(context.Context, []Doc) error { return nil }
func (s *nopStore) Count(_ context.Context, q Query) (int64, error) {
	s.counts++
	s.lastQ = q
	return 0, nil
}
func (s *nopStore) Search(_ context.Context, q Query, k int, dst Hits) (Hits, error) {
	s.searches++
	s.lastQ, s.lastK = q, k
	return dst[:0], nil
}

type nopPhraser struct{ nopStore }

func (s *nopPhraser) CountPhrase(ctx context.Context, q Query) (int64, error) {
	s.phrases++
	return s.Count(ctx, q)
}
func (s *nopPhraser) SearchPhrase(ctx context.Context, q Query, k int, dst Hits) (Hits, error) {
	s.phrases++
	return s.Search(ctx, q, k, dst)
}

// stream returns a description of the first n operations of a worker.
func stream(t *testing.T, w *Workload, c drivers.Conn, id, n int) []string {
	t.Helper()
	wk, err := w.Worker(c, id, 4)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for range n {
		op := wk.Next()
		out = append(out, w.OpKinds()[op.Kind()]+" "+wk.(*worker).q.String())
	}
	return out
}

func TestWorkerStream(t *testing.T) {
	w := newWorkload(t, "mix", map[string]any{"records": 2000})
	c := nopConn{&nopPhraser{}}
	a := stream(t, w, c, 1, 2000)
	if diff := cmp.Diff(a, stream(t, newWorkload(t, "mix", map[string]any{"records": 2000}), c, 1, 2000)); diff != "" {
		t.Errorf("same seed and worker, different streams:\n%s", diff)
	}
	if slices.Equal(a, stream(t, w, c, 2, 2000)) {
		t.Error("workers 1 and 2 have the same stream")
	}
	// Every kind occurs in about its share (1/12) and has the right shape.
	counts := map[string]int{}
	rare, medium, common := Bands(50_000)
	for _, s := range stream(t, w, c, 0, 24_000) {
		kind, q, _ := strings.Cut(s, " ")
		counts[kind]++
		switch {
		case strings.HasPrefix(kind, "term-"):
			if !strings.HasPrefix(q, "term(") {
				t.Fatalf("%s query %s", kind, q)
			}
			r := w.Corpus().Rank(strings.TrimSuffix(strings.TrimPrefix(q, "term("), ")"))
			band := map[string]Band{"rare": rare, "medium": medium, "common": common}[strings.Split(kind, "-")[1]]
			if r < band.Lo || r > band.Hi {
				t.Fatalf("%s query %s: rank %d outside %v", kind, q, r, band)
			}
		case strings.HasPrefix(kind, "and-"):
			if !strings.HasPrefix(q, "and(") {
				t.Fatalf("%s query %s", kind, q)
			}
		case strings.HasPrefix(kind, "or-"):
			if !strings.HasPrefix(q, "or(") {
				t.Fatalf("%s query %s", kind, q)
			}
		case strings.HasPrefix(kind, "phrase-"):
			if !strings.HasPrefix(q, `"`) {
				t.Fatalf("%s query %s", kind, q)
			}
		}
	}
	for _, k := range w.OpKinds() {
		if n := counts[k]; math.Abs(float64(n)-2000) > 200 {
			t.Errorf("kind %s drawn %d times of 24000, want about 2000", k, n)
		}
	}
}

func TestWorkerDispatch(t *testing.T) {
	w := newWorkload(t, "mix", map[string]any{"records": 500, "topk": 7})
	s := &nopPhraser{}
	wk, err := w.Worker(nopConn{s}, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 1200 {
		op := wk.Next()
		if err := op.Do(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if s.counts+s.searches != 1200 || s.phrases == 0 || s.counts == 0 || s.searches == 0 {
		t.Errorf("counts %d searches %d phrases %d", s.counts, s.searches, s.phrases)
	}
	if s.lastK != 7 {
		t.Errorf("top %d asked, want 7", s.lastK)
	}
	// A store without phrases: mix is n/a, boolean runs.
	plain := nopConn{&nopStore{}}
	if _, err := w.Worker(plain, 0, 1); !errors.Is(err, drivers.ErrUnsupported) {
		t.Errorf("mix worker on a store without phrases: %v, want ErrUnsupported", err)
	}
	if err := w.Setup(ctx, plain); !errors.Is(err, drivers.ErrUnsupported) {
		t.Errorf("mix setup on a store without phrases: %v, want ErrUnsupported", err)
	}
	if _, err := newWorkload(t, "boolean", nil).Worker(plain, 0, 1); err != nil {
		t.Errorf("boolean worker on a store without phrases: %v", err)
	}
	if _, err := Count(ctx, plain.s, Query{Kind: Phrase, Terms: []string{"a", "b"}}); !errors.Is(err, drivers.ErrUnsupported) {
		t.Errorf("phrase count on a store without phrases: %v", err)
	}
	if _, err := w.Worker(struct{ drivers.Conn }{}, 0, 1); !errors.Is(err, drivers.ErrUnsupported) {
		t.Errorf("worker on a conn without the pattern: %v", err)
	}
	if _, err := w.Worker(nopConn{s}, 2, 2); err == nil {
		t.Error("worker 2 of 2 accepted")
	}
}

func TestWorkerAllocs(t *testing.T) {
	w := newWorkload(t, "mix", map[string]any{"records": 1000})
	wk, err := w.Worker(nopConn{&nopPhraser{}}, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 100 { // grow the buffers
		wk.Next().Do(ctx)
	}
	if a := testing.AllocsPerRun(2000, func() { wk.Next().Do(ctx) }); a != 0 {
		t.Errorf("%v allocations per operation, want 0", a)
	}
}

// recordLoader is a store that keeps what LoadDocs is given.
type recordLoader struct {
	nopPhraser
	docs map[int64]string
}

func (s *recordLoader) LoadDocs(_ context.Context, docs []Doc) error {
	for _, d := range docs {
		if _, dup := s.docs[d.ID]; dup {
			return fmt.Errorf("duplicate %d", d.ID)
		}
		s.docs[d.ID] = fmt.Sprintf("%d|%d|%s|%s", d.ID, d.UserID, d.CreatedAt.Format(time.RFC3339), d.Body)
	}
	return nil
}

type progress struct{ n int64 }

func (p *progress) Add(n int64) { p.n += n }

func TestLoadAndExportParts(t *testing.T) {
	w := newWorkload(t, "mix", map[string]any{"records": 1001, "loadbatch": 64})
	exported := func(part, parts int) []string {
		var rows []string
		err := w.Export(context.Background(), part, parts, func(table string, row []any) error {
			if table != "tweets" || len(row) != 4 {
				t.Fatalf("row of %s: %v", table, row)
			}
			rows = append(rows, fmt.Sprintf("%d|%d|%s|%s", row[0], row[1], row[2].(time.Time).Format(time.RFC3339), row[3]))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	whole := exported(0, 1)
	if len(whole) != 1001 {
		t.Fatalf("%d rows exported, want 1001", len(whole))
	}
	for _, parts := range []int{2, 3, 8} {
		var union []string
		s := &recordLoader{docs: map[int64]string{}}
		var p progress
		for part := range parts {
			union = append(union, exported(part, parts)...)
			if err := w.Load(context.Background(), nopConn{s}, part, parts, &p); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff(whole, union); diff != "" {
			t.Errorf("union of %d exported parts differs from the whole (-whole +union):\n%s", parts, diff)
		}
		if p.n != 1001 || len(s.docs) != 1001 {
			t.Fatalf("%d parts: progress %d, %d documents loaded", parts, p.n, len(s.docs))
		}
		for i, row := range whole {
			if s.docs[int64(i)] != row {
				t.Fatalf("loaded document %d = %q, exported %q", i, s.docs[int64(i)], row)
			}
		}
	}
	if diff := cmp.Diff([]workloads.Table{{Name: "tweets", Columns: []string{"id", "user_id", "created_at", "body"}}}, w.Tables()); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
}

func TestQueries(t *testing.T) {
	w := newWorkload(t, "mix", map[string]any{"records": 2000, "vocabulary": 5000})
	qs, err := w.Queries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := w.reference(context.Background())
	if len(qs) != 2*len(ref.queries) {
		t.Fatalf("%d queries, want %d", len(qs), 2*len(ref.queries))
	}
	for i, rq := range ref.queries {
		c, top := qs[2*i], qs[2*i+1]
		if c.Name != "count" || c.Compare != "exact" || c.Answer != rq.count {
			t.Errorf("query %d: %+v", 2*i, c)
		}
		if top.Name != "topk" || top.Params.(QueryParams).TopK != 10 || len(top.Answer.(Hits)) != int(min(10, rq.count)) {
			t.Errorf("query %d: %+v", 2*i+1, top)
		}
	}
	// The same set from a fresh workload: deterministic.
	qs2, err := newWorkload(t, "mix", map[string]any{"records": 2000, "vocabulary": 5000}).Queries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(qs, qs2); diff != "" {
		t.Errorf("query sets differ:\n%s", diff)
	}
	// The boolean variant has no phrases.
	qb, _ := newWorkload(t, "boolean", map[string]any{"records": 2000, "vocabulary": 5000}).Queries(context.Background())
	for _, q := range qb {
		if q.Params.(QueryParams).Query.Kind == Phrase {
			t.Fatalf("boolean query set has a phrase: %+v", q)
		}
	}
}

// replayStore answers the validation queries with the reference answers,
// spoiled as asked.
type replayStore struct {
	nopPhraser
	ref *reference
	// Spoilers.
	countOff    bool // one more hit than there are
	shortTop    bool // one hit fewer than asked
	foreignHit  bool // the last hit is a document that does not match
	reverse     bool // hits in reverse order, scores kept
	rescore     bool // scores flattened and order reversed: ranking differs
	dupHit      bool
	failQueries bool
	// answers replaces the ranked answers of the queries named (q.String()).
	answers map[string]Hits
}

func (s *replayStore) find(q Query) *refQuery {
	for _, rq := range s.ref.queries {
		if rq.q.String() == q.String() && rq.q.Kind == q.Kind {
			return rq
		}
	}
	panic("unknown query " + q.String())
}

func (s *replayStore) Count(_ context.Context, q Query) (int64, error) {
	if s.failQueries {
		return 0, errors.New("server gone")
	}
	n := s.find(q).count
	if s.countOff {
		n++
	}
	return n, nil
}

func (s *replayStore) Search(_ context.Context, q Query, k int, dst Hits) (Hits, error) {
	dst = append(dst[:0], s.find(q).top...)
	if a, ok := s.answers[q.String()]; ok {
		dst = append(dst[:0], a...)
	}
	if len(dst) == 0 {
		return dst, nil
	}
	switch {
	case s.shortTop:
		dst = dst[:len(dst)-1]
	case s.foreignHit:
		dst[len(dst)-1].ID = 1 << 40
	case s.dupHit && len(dst) > 1:
		dst[1] = dst[0]
	case s.reverse:
		slices.Reverse(dst)
	case s.rescore:
		slices.Reverse(dst)
		for i := range dst {
			dst[i].Score = 1
		}
	}
	return dst, nil
}

func (s *replayStore) CountPhrase(ctx context.Context, q Query) (int64, error) {
	return s.Count(ctx, q)
}

func (s *replayStore) SearchPhrase(ctx context.Context, q Query, k int, dst Hits) (Hits, error) {
	return s.Search(ctx, q, k, dst)
}

func TestValidate(t *testing.T) {
	w := newWorkload(t, "mix", map[string]any{"records": 2000, "vocabulary": 5000})
	ref, err := w.reference(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		s          *replayStore
		failed     bool
		agreeBelow bool // relevance agreement below 1
	}{
		{"right answers", &replayStore{}, false, false},
		{"count off by one", &replayStore{countOff: true}, true, false},
		{"too few hits", &replayStore{shortTop: true}, true, true},
		{"hit that does not match", &replayStore{foreignHit: true}, true, true},
		{"duplicate hit", &replayStore{dupHit: true}, true, true},
		{"ascending scores", &replayStore{reverse: true}, true, false},
		// Ranking differently is not a failure, only a lower agreement;
		// here every hit is still in the reference top k.
		{"other ranking", &replayStore{rescore: true}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.s.ref = ref
			v, err := w.Validate(context.Background(), nopConn{tt.s})
			if err != nil {
				t.Fatal(err)
			}
			if v.Checks < 3*len(ref.queries) {
				t.Errorf("%d checks for %d queries", v.Checks, len(ref.queries))
			}
			if (v.Failed > 0) != tt.failed {
				t.Errorf("failed %d of %d checks, want failures: %v (%v)", v.Failed, v.Checks, tt.failed, v.Failures)
			}
			a := v.Figures[FigureAgreement]
			if (a < 1) != tt.agreeBelow || a <= 0 || a > 1 {
				t.Errorf("relevance agreement %v", a)
			}
			if v.Figures[FigureRankedQueries] == 0 {
				t.Error("no ranked queries")
			}
		})
	}
	if _, err := w.Validate(context.Background(), nopConn{&replayStore{ref: ref, failQueries: true}}); err == nil {
		t.Error("Validate hid a store error")
	}
}

// TestValidateTies checks the tie-forgiving figure: a store returning
// other documents that tie with the reference k-th score agrees fully
// there, and only there.
func TestValidateTies(t *testing.T) {
	w := newWorkload(t, "mix", map[string]any{"records": 3000, "vocabulary": 5000})
	ref, err := w.reference(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Find a query whose reference top k ends in a tie that extends past
	// the cut: the most frequent term has many equal-score documents.
	var rq *refQuery
	for _, q := range ref.queries {
		if q.name == "edge/most-frequent-term" {
			rq = q
		}
	}
	kth := rq.top[len(rq.top)-1]
	var alt Hit
	var buf []int32
	for id := kth.ID + 1; id < 3000; id++ {
		var ok bool
		var s float64
		ok, s, buf = w.docScore(ref, rq, id, buf)
		if ok && s == kth.Score {
			alt = Hit{id, s}
			break
		}
	}
	if alt.ID == 0 {
		t.Fatal("no document ties with the k-th past the cut (the data changed?)")
	}
	top := slices.Clone(rq.top)
	top[len(top)-1] = alt // the store answers with the other tied document
	v, err := w.Validate(context.Background(), nopConn{&replayStore{ref: ref, answers: map[string]Hits{rq.q.String(): top}}})
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() {
		t.Errorf("a tied hit fails validation: %v", v.Failures)
	}
	if a, at := v.Figures[FigureAgreement], v.Figures[FigureAgreementTies]; !(a < 1 && at == 1) {
		t.Errorf("agreement %v, with ties %v; want < 1 and 1", a, at)
	}
}

// TestCorpusHash pins the loaded data of the quick options used in tests.
func TestCorpusHash(t *testing.T) {
	h := func(seed uint64) uint64 {
		w, err := New("mix", workloads.Params{Seed: seed, Options: map[string]any{"records": 500}})
		if err != nil {
			t.Fatal(err)
		}
		f := fnv.New64a()
		w.Export(context.Background(), 0, 1, func(_ string, row []any) error {
			fmt.Fprintln(f, row...)
			return nil
		})
		return f.Sum64()
	}
	if a, b := h(1), h(1); a != b || a == h(2) {
		t.Error("export not a function of the seed")
	}
}

// flooredStore is a replayStore with a declared relevance floor.
type flooredStore struct {
	*replayStore
	floor float64
}

func (s flooredStore) RelevanceFloor() float64 { return s.floor }

// Issue 16: "Search ranking is not checked at all (any matching documents
// with non-increasing scores pass), while the README promises BM25 top
// 10." A store that returns the first matching documents in index order
// (well-formed answers, any ranking) now fails validation at the default
// floor; the reference answers pass; a store's declared floor replaces the
// default.
func TestValidateRelevanceFloor(t *testing.T) {
	w := newWorkload(t, "mix", map[string]any{"records": 3000, "vocabulary": 5000})
	ref, err := w.reference(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Index order: the k matching documents with the lowest ids, given
	// descending scores.
	first := map[string]Hits{}
	var buf []int32
	for _, rq := range ref.queries {
		var hits Hits
		for id := int64(0); id < w.cfg.Records && len(hits) < w.cfg.TopK; id++ {
			var ok bool
			ok, _, buf = w.docScore(ref, rq, id, buf)
			if ok {
				hits = append(hits, Hit{ID: id, Score: float64(w.cfg.TopK - len(hits))})
			}
		}
		first[rq.q.String()] = hits
	}
	for _, tc := range []struct {
		name string
		s    Store
		fail bool
	}{
		{"reference ranking", &replayStore{ref: ref}, false},
		{"index order", &replayStore{ref: ref, answers: first}, true},
		{"index order, declared floor 0.2", flooredStore{&replayStore{ref: ref, answers: first}, 0.2}, false},
		{"reference ranking, declared floor 1", flooredStore{&replayStore{ref: ref}, 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := w.Validate(context.Background(), nopConn{tc.s})
			if err != nil {
				t.Fatal(err)
			}
			if !v.OK() != tc.fail {
				t.Errorf("failed %d of %d checks (%v), want failure %v; figures %v", v.Failed, v.Checks, v.Failures, tc.fail, v.Figures)
			}
			if v.Figures[FigureFloor] != Floor(tc.s) {
				t.Errorf("floor figure %v, want %v", v.Figures[FigureFloor], Floor(tc.s))
			}
			t.Logf("agreement %.3f, with ties %.3f, nDCG %.3f", v.Figures[FigureAgreement], v.Figures[FigureAgreementTies], v.Figures[FigureNDCG])
		})
	}
}
