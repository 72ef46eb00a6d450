package bleve

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"

	bv "github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/workloads/search"
)

func init() { drivers.Register("bleve", Driver{}) }

var (
	_ drivers.Driver    = Driver{}
	_ drivers.Describer = Driver{}
	_ drivers.Conn      = (*Conn)(nil)
	_ drivers.Versioner = (*Conn)(nil)
	_ search.Provider   = (*Conn)(nil)
)

// modulePath is the bleve module this driver is built with.
const modulePath = "github.com/blevesearch/bleve/v2"

// bodyField is the name of the indexed text field.
const bodyField = "body"

// Driver opens bleve stores.
type Driver struct{}

// ParseDSN checks dsn as Open would, without connecting
// (drivers.DSNParser).
func (Driver) ParseDSN(dsn string) error {
	_, err := ParseConfig(dsn)
	return err
}

// Open opens the directory dsn names (see ParseConfig); indexes are
// created in it by Setup. An empty dsn uses a new temporary directory that
// Close removes.
func (Driver) Open(ctx context.Context, dsn string) (drivers.Conn, error) {
	cfg, err := ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, cfg)
}

// Describe describes the bleve driver.
func (Driver) Describe() drivers.Info {
	return drivers.Info{
		Libraries:  []string{"github.com/blevesearch/bleve/v2"},
		Summary:    "Bleve full-text search library (scorch index), embedded",
		Conn:       (*Conn)(nil),
		Embedded:   true,
		DSNExample: "bleve:///var/tmp/storefit-bleve?scoring=bm25",
	}
}

// Conn is a directory of bleve indexes, one per search.Schema.Index. It is
// safe for concurrent use.
type Conn struct {
	cfg  Config
	dir  string
	temp bool // dir is ours: Close removes it

	mu      sync.Mutex // guards the fields below
	closed  bool
	indexes map[string]*indexState
}

// OpenConfig opens the directory cfg describes, creating it if missing.
func OpenConfig(ctx context.Context, cfg Config) (*Conn, error) {
	c := &Conn{cfg: cfg, dir: cfg.Path, indexes: map[string]*indexState{}}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "storefit-bleve-")
		if err != nil {
			return nil, fmt.Errorf("bleve: temporary directory: %w", err)
		}
		c.dir, c.temp = d, true
	} else if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return nil, fmt.Errorf("bleve: %w", err)
	}
	return c, nil
}

// Close closes every open index and, when the directory is temporary,
// removes it.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	for _, ix := range c.indexes {
		if err := ix.close(); err != nil {
			errs = append(errs, err)
		}
	}
	c.indexes = nil
	if c.temp {
		if err := os.RemoveAll(c.dir); err != nil {
			errs = append(errs, fmt.Errorf("bleve: remove %s: %w", c.dir, err))
		}
	}
	return errors.Join(errs...)
}

// Dir returns the directory holding the indexes.
func (c *Conn) Dir() string { return c.dir }

// Version reports the bleve version and the settings results should
// record.
func (c *Conn) Version(ctx context.Context) (string, error) {
	persist := "each load batch waits until persisted"
	if c.cfg.UnsafeBatch {
		persist = "load batches not waited on for persistence (unsafebatch)"
	}
	return fmt.Sprintf("bleve %s (scorch, scoring %s, %s)", moduleVersion(), c.cfg.Scoring, persist), nil
}

// moduleVersion returns the version of the bleve module in the binary.
func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == modulePath {
				if m.Replace != nil {
					m = m.Replace
				}
				return m.Version
			}
		}
	}
	return "v2 (version unknown)"
}

// newMapping returns the index mapping of a tweets index: documents have
// one indexed field, body, analyzed by the contract analyzer, with term
// vectors (positions, for phrases); nothing is stored and nothing else is
// indexed, and the scoring model is scoring (ScoringBM25 or ScoringTFIDF).
func newMapping(scoring string) (*mapping.IndexMappingImpl, error) {
	im := bv.NewIndexMapping()
	if err := im.AddCustomAnalyzer(AnalyzerName, analyzerConfig); err != nil {
		return nil, fmt.Errorf("bleve: analyzer: %w", err)
	}
	body := bv.NewTextFieldMapping()
	body.Analyzer = AnalyzerName
	body.Store = false
	body.IncludeTermVectors = true
	body.IncludeInAll = false
	body.DocValues = false
	dm := bv.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(bodyField, body)
	im.DefaultMapping = dm
	im.DefaultAnalyzer = AnalyzerName
	im.IndexDynamic, im.StoreDynamic, im.DocValuesDynamic = false, false, false
	switch scoring {
	case ScoringBM25:
		im.ScoringModel = index.BM25Scoring
	case ScoringTFIDF:
		im.ScoringModel = index.TFIDFScoring
	default:
		return nil, fmt.Errorf("bleve: unknown scoring %q", scoring)
	}
	if err := im.Validate(); err != nil {
		return nil, fmt.Errorf("bleve: mapping: %w", err)
	}
	return im, nil
}

// validIndexName reports whether name can be a directory name.
func validIndexName(name string) bool {
	if name == "" || name == "." || name == ".." {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// indexState is one index: its directory and, once created or opened, the
// bleve index. Setup replaces the index under the write lock; every other
// operation holds the read lock.
type indexState struct {
	c    *Conn
	name string
	path string

	mu       sync.RWMutex
	closed   bool // the Conn is closed: no more opening
	idx      bv.Index
	analyzer analysis.Analyzer
	nrt      bool // a sync view's index: batches are not waited on for persistence
}

// state returns the state of index name, creating it if new.
func (c *Conn) state(name string) (*indexState, error) {
	if !validIndexName(name) {
		return nil, fmt.Errorf("bleve: index name %q: use letters, digits, '_', '-' and '.'", name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errClosed
	}
	ix, ok := c.indexes[name]
	if !ok {
		ix = &indexState{c: c, name: name, path: filepath.Join(c.dir, name)}
		c.indexes[name] = ix
	}
	return ix, nil
}

// runtimeConfig is scorch's configuration of an index.
func (ix *indexState) runtimeConfig() map[string]any {
	return map[string]any{"unsafe_batch": ix.c.cfg.UnsafeBatch || ix.nrt}
}

// errClosed is returned by stores of a closed Conn.
var errClosed = errors.New("bleve: store is closed")

// create replaces the index with a new, empty one. The caller holds the
// write lock.
func (ix *indexState) create() error {
	if ix.closed {
		return errClosed
	}
	if err := ix.closeLocked(); err != nil {
		return err
	}
	if err := os.RemoveAll(ix.path); err != nil {
		return fmt.Errorf("bleve: drop index %s: %w", ix.name, err)
	}
	im, err := newMapping(ix.c.cfg.Scoring)
	if err != nil {
		return err
	}
	idx, err := bv.NewUsing(ix.path, im, scorch.Name, bv.Config.DefaultKVStore, ix.runtimeConfig())
	if err != nil {
		return fmt.Errorf("bleve: create index %s: %w", ix.name, err)
	}
	ix.idx, ix.analyzer = idx, im.AnalyzerNamed(AnalyzerName)
	return nil
}

// open opens the index a previous run left in the directory, or creates
// it. The caller holds the write lock.
func (ix *indexState) open() error {
	if ix.closed {
		return errClosed
	}
	if _, err := os.Stat(ix.path); err != nil {
		return ix.create()
	}
	idx, err := bv.OpenUsing(ix.path, ix.runtimeConfig())
	if err != nil {
		return fmt.Errorf("bleve: open index %s: %w", ix.name, err)
	}
	a := idx.Mapping().AnalyzerNamed(AnalyzerName)
	if a == nil {
		idx.Close()
		return fmt.Errorf("bleve: index %s was not made by storefit (no %s analyzer); Setup recreates it", ix.name, AnalyzerName)
	}
	ix.idx, ix.analyzer = idx, a
	return nil
}

// use calls fn with the open index, opening it first if needed, under the
// read lock.
func (ix *indexState) use(fn func(idx bv.Index, a analysis.Analyzer) error) error {
	ix.mu.RLock()
	if ix.idx == nil {
		ix.mu.RUnlock()
		ix.mu.Lock()
		if ix.idx == nil {
			if err := ix.open(); err != nil {
				ix.mu.Unlock()
				return err
			}
		}
		ix.mu.Unlock()
		ix.mu.RLock()
	}
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return errClosed // closed between the two locks
	}
	return fn(ix.idx, ix.analyzer)
}

// close closes the index for good.
func (ix *indexState) close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.closed = true
	return ix.closeLocked()
}

func (ix *indexState) closeLocked() error {
	if ix.idx == nil {
		return nil
	}
	err := ix.idx.Close()
	ix.idx, ix.analyzer = nil, nil
	if err != nil {
		return fmt.Errorf("bleve: close index %s: %w", ix.name, err)
	}
	return nil
}
