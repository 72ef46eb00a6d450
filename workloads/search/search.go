package search

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads"
	"github.com/storefit/storefit/workloads/gen"
)

// Config is the typed configuration of a search workload.
type Config struct {
	// Index names the index, "tweets" by default.
	Index string `yaml:"index"`
	// Records is the number of documents (100 000 quick, 10 000 000 full).
	Records int64 `yaml:"records"`
	// Vocabulary is the number of distinct words (50 000; at least 5 000,
	// so the frequency bands are distinct).
	Vocabulary int `yaml:"vocabulary"`
	// MinWords and MaxWords bound the words of a body (8 and 30).
	MinWords int `yaml:"minwords"`
	MaxWords int `yaml:"maxwords"`
	// Users is the number of authors (records/10).
	Users int64 `yaml:"users"`
	// TopK is the number of hits a ranked query asks for (10).
	TopK int `yaml:"topk"`
	// LoadBatch is the number of documents per Store.LoadDocs call (1000).
	LoadBatch int `yaml:"loadbatch"`
	// ValidationQueries is the number of validation queries per query shape
	// (8), besides the fixed edge cases.
	ValidationQueries int `yaml:"validationqueries"`
}

// variants are the registered workloads: which query shapes their mix has.
var variants = map[string]struct {
	summary string
	phrases bool
}{
	"mix":     {"term (rare/medium/common), AND, OR, phrase; each as hit count and top 10 by BM25, equal weights", true},
	"boolean": {"term (rare/medium/common), AND, OR; each as hit count and top 10 by BM25, equal weights (no phrases)", false},
}

func init() {
	workloads.RegisterPattern("search", Supports)
	for _, v := range []string{"mix", "boolean"} {
		workloads.Register(workloads.Entry{
			Name:    "search/" + v,
			Summary: "tweet full-text search: " + variants[v].summary,
			New:     func(p workloads.Params) (workloads.Workload, error) { return New(v, p) },
		})
	}
}

// DefaultConfig returns the configuration at a scale.
func DefaultConfig(scale workloads.Scale) Config {
	records := scale.Size(100_000, 10_000_000, 1)
	return Config{
		Index:             "tweets",
		Records:           records,
		Vocabulary:        50_000,
		MinWords:          8,
		MaxWords:          30,
		TopK:              10,
		LoadBatch:         1000,
		ValidationQueries: 8,
	}
}

func (c *Config) validate() error {
	switch {
	case c.Index == "":
		return errors.New("index must not be empty")
	case c.Records < 1:
		return fmt.Errorf("records must be at least 1, not %d", c.Records)
	case c.Vocabulary < 5000 || c.Vocabulary > 1_000_000:
		return fmt.Errorf("vocabulary must be in 5000..1000000, not %d", c.Vocabulary)
	case c.MinWords < 2 || c.MaxWords < c.MinWords || c.MaxWords > 10_000:
		return fmt.Errorf("words per document must satisfy 2 <= minwords <= maxwords <= 10000, not %d..%d", c.MinWords, c.MaxWords)
	case c.Users < 0:
		return fmt.Errorf("users must not be negative, not %d", c.Users)
	case c.TopK < 1 || c.TopK > 10_000:
		return fmt.Errorf("topk must be in 1..10000, not %d", c.TopK)
	case c.LoadBatch < 1:
		return fmt.Errorf("loadbatch must be at least 1, not %d", c.LoadBatch)
	case c.ValidationQueries < 1 || c.ValidationQueries > 1000:
		return fmt.Errorf("validationqueries must be in 1..1000, not %d", c.ValidationQueries)
	}
	return nil
}

// Band is a frequency band: the vocabulary ranks Lo … Hi (inclusive) that
// term queries of the band draw from, uniformly.
type Band struct {
	Name   string
	Lo, Hi int
}

// Bands returns the rare, medium and common bands of a vocabulary of v
// words: ranks 2v/5 … v (rare), v/50 … v/10 (medium), v/5000 … v/500
// (common) — for 50 000 words, 20 000 … 50 000, 1 000 … 5 000 and
// 10 … 100.
func Bands(v int) (rare, medium, common Band) {
	return Band{"rare", 2 * v / 5, v}, Band{"medium", v / 50, v / 10}, Band{"common", v / 5000, v / 500}
}

// Query shapes: the term bands, AND, OR and phrase.
type shape int

const (
	shapeRare shape = iota
	shapeMedium
	shapeCommon
	shapeAnd
	shapeOr
	shapePhrase
	numShapes
)

var shapeNames = [numShapes]string{"term-rare", "term-medium", "term-common", "and", "or", "phrase"}

// opKind is one operation kind of the mix: a shape as a count or a top-k
// query.
type opKind struct {
	shape shape
	top   bool
}

// Workload is a search workload.
type Workload struct {
	name    string
	phrases bool
	seed    uint64
	cfg     Config
	corpus  *gen.Corpus
	bands   [3]Band // by shape: rare, medium, common
	kinds   []string
	ops     []opKind

	refMu sync.Mutex // guards ref
	ref   *reference
}

// New returns search workload variant ("mix" or "boolean") with params
// applied.
func New(variant string, p workloads.Params) (*Workload, error) {
	v, ok := variants[variant]
	if !ok {
		return nil, fmt.Errorf("unknown search variant %q (use mix or boolean)", variant)
	}
	cfg := DefaultConfig(p.Scale)
	if err := workloads.DecodeOptions(p.Options, &cfg); err != nil {
		return nil, err
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Users == 0 {
		cfg.Users = max(1, cfg.Records/10)
	}
	corpus, err := gen.NewCorpus(p.Seed, gen.CorpusConfig{
		Docs:       cfg.Records,
		Vocabulary: cfg.Vocabulary,
		Exponent:   1,
		MinWords:   cfg.MinWords,
		MaxWords:   cfg.MaxWords,
		Users:      cfg.Users,
	})
	if err != nil {
		return nil, err
	}
	w := &Workload{name: "search/" + variant, phrases: v.phrases, seed: p.Seed, cfg: cfg, corpus: corpus}
	rare, medium, common := Bands(cfg.Vocabulary)
	w.bands = [3]Band{rare, medium, common}
	top := "top" + strconv.Itoa(cfg.TopK)
	for s := range numShapes {
		if s == shapePhrase && !w.phrases {
			continue
		}
		for _, t := range []bool{false, true} {
			w.ops = append(w.ops, opKind{s, t})
			form := "count"
			if t {
				form = top
			}
			w.kinds = append(w.kinds, shapeNames[s]+"-"+form)
		}
	}
	return w, nil
}

// Name returns "search/<variant>".
func (w *Workload) Name() string { return w.name }

// Pattern returns "search".
func (w *Workload) Pattern() string { return "search" }

// Config returns the effective configuration.
func (w *Workload) Config() Config { return w.cfg }

// Corpus returns the generator of the workload's documents.
func (w *Workload) Corpus() *gen.Corpus { return w.corpus }

// Records returns the number of documents loaded.
func (w *Workload) Records() int64 { return w.cfg.Records }

// OpKinds returns the operation kinds of the mix.
func (w *Workload) OpKinds() []string { return w.kinds }

// Settings returns the effective settings for results.
func (w *Workload) Settings() map[string]any {
	c := w.cfg
	return map[string]any{
		"index": c.Index, "records": c.Records, "vocabulary": c.Vocabulary,
		"minwords": c.MinWords, "maxwords": c.MaxWords, "users": c.Users, "topk": c.TopK,
		"loadbatch": c.LoadBatch, "validationqueries": c.ValidationQueries,
	}
}

// store returns c's search store, or an error wrapping
// drivers.ErrUnsupported when c lacks the pattern or, for a mix with
// phrases, phrase queries.
func (w *Workload) store(c drivers.Conn) (Store, error) {
	p, ok := c.(Provider)
	if !ok {
		return nil, fmt.Errorf("search pattern: %w", drivers.ErrUnsupported)
	}
	s, err := p.SearchStore(Schema{Index: w.cfg.Index})
	if err != nil {
		return nil, fmt.Errorf("search store: %w", err)
	}
	if w.phrases {
		if _, ok := s.(Phraser); !ok {
			return nil, errNoPhrases
		}
	}
	return s, nil
}

// Setup creates the index.
func (w *Workload) Setup(ctx context.Context, c drivers.Conn) error {
	s, err := w.store(c)
	if err != nil {
		return err
	}
	if err := s.Setup(ctx); err != nil {
		return fmt.Errorf("setup index %s: %w", w.cfg.Index, err)
	}
	return nil
}

// Load indexes the documents of share part of parts in batches.
func (w *Workload) Load(ctx context.Context, c drivers.Conn, part, parts int, p workloads.Progress) error {
	s, err := w.store(c)
	if err != nil {
		return err
	}
	lo, hi := w.corpus.PartRange(part, parts)
	gd := make([]gen.CorpusDoc, w.cfg.LoadBatch)
	batch := make([]Doc, 0, w.cfg.LoadBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.LoadDocs(ctx, batch); err != nil {
			return fmt.Errorf("load %s documents %d…%d: %w", w.cfg.Index, batch[0].ID, batch[len(batch)-1].ID, err)
		}
		p.Add(int64(len(batch)))
		batch = batch[:0]
		return nil
	}
	for id := lo; id < hi; id++ {
		d := &gd[len(batch)]
		w.corpus.Doc(id, d)
		batch = append(batch, Doc{ID: d.ID, UserID: d.UserID, CreatedAt: d.CreatedAt, Body: d.Body})
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
